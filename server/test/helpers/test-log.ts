/**
 * The server log of a test run (security.md check 35). When the runner sets
 * YUNWEI_TEST_LOG_DIR, every app a test builds logs there (one file per test
 * process, at level debug, with the production redaction), and the helpers
 * note the secrets they handle (session tokens, TOTP secrets, recovery codes,
 * passwords) in a ledger beside it; after the last test file the runner
 * greps the logs for every noted secret (test/helpers/log-scan.ts).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LogSetting } from '../../src/http/app.ts';

const dir = process.env.YUNWEI_TEST_LOG_DIR;
let logFd: number | undefined;
let secretFd: number | undefined;

function open(name: string): number {
  if (!dir) throw new Error('YUNWEI_TEST_LOG_DIR is not set');
  mkdirSync(dir, { recursive: true });
  return openSync(join(dir, `${name}-${process.pid}.log`), 'a');
}

process.once('exit', () => {
  if (logFd !== undefined) closeSync(logFd);
  if (secretFd !== undefined) closeSync(secretFd);
});

/** The log setting for an app built in a test: the run's log file when the runner asked for one, otherwise no log. */
export function testLogger(): LogSetting {
  if (!dir) return false;
  return {
    level: 'debug',
    stream: {
      write(line: string): void {
        logFd ??= open('server');
        writeSync(logFd, line);
      },
    },
  };
}

/** Note a secret a test handled, so the run's log check looks for it. */
export function noteTestSecret(kind: 'password' | 'sessionToken' | 'totpSecret' | 'recoveryCode', value: string): void {
  if (!dir || value.length < 6) return;
  secretFd ??= open('secrets');
  writeSync(secretFd, `${JSON.stringify({ kind, value })}\n`);
}
