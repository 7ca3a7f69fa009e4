/**
 * The last step of a test run (security.md check 35): grep the server logs
 * of the run for the secrets the tests used. The list is
 * - the secrets the helpers noted while the tests ran (test-log.ts): session
 *   tokens, TOTP secrets, recovery codes, passwords;
 * - every password-like literal of the test sources (`…Passw0rd…`), the
 *   factories' TEST_PASSWORD among them;
 * - every resident ID number of the test sources that passes GB 11643
 *   (the PII corpus), in its plain and full-width forms.
 * A hit names the file, line and kind, never the secret itself.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { foldFullWidth, isValidResidentId } from '../../src/privacy/pii.ts';

/** A secret to look for. */
export interface LoggedSecret {
  kind: string;
  value: string;
}

/** A secret found in a log. */
export interface LogHit {
  file: string;
  line: number;
  kind: string;
}

function walk(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p, ext));
    else if (name.endsWith(ext)) out.push(p);
  }
  return out.sort();
}

/** The passwords and ID numbers written in the test sources under `testDir`. */
export function corpusSecrets(testDir: string): LoggedSecret[] {
  const out: LoggedSecret[] = [];
  for (const file of walk(testDir, '.ts')) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`]([^'"`\s]*[Pp]assw0rd[^'"`\s]*)['"`]/g)) {
      if (m[1] && !m[1].includes('${')) out.push({ kind: 'password', value: m[1] });
    }
    for (const m of foldFullWidth(text).matchAll(/(?<![0-9])\d{17}[\dXx](?![0-9A-Za-z])/g)) {
      if (isValidResidentId(m[0])) out.push({ kind: 'idNumber', value: m[0].toUpperCase() }, { kind: 'idNumber', value: m[0].toLowerCase() });
    }
  }
  return out;
}

/** The secrets the helpers noted during the run (secrets-<pid>.log files in `logDir`). */
export function notedSecrets(logDir: string): LoggedSecret[] {
  if (!existsSync(logDir)) return [];
  return readdirSync(logDir)
    .filter((n) => n.startsWith('secrets-'))
    .flatMap((n) =>
      readFileSync(join(logDir, n), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as LoggedSecret),
    );
}

/** Every occurrence of a secret in the server logs (server-<pid>.log files) of `logDir`; full-width digits are folded first. */
export function scanLogs(logDir: string, secrets: readonly LoggedSecret[]): { files: number; lines: number; hits: LogHit[] } {
  // index by the first six characters: one lookup per position of a line, whatever the number of secrets
  const byPrefix = new Map<string, LoggedSecret[]>();
  for (const s of secrets) {
    if (s.value.length < 6) continue;
    const key = s.value.slice(0, 6);
    const list = byPrefix.get(key) ?? [];
    if (!list.some((x) => x.value === s.value)) list.push(s);
    byPrefix.set(key, list);
  }
  const hits: LogHit[] = [];
  let files = 0;
  let lines = 0;
  if (!existsSync(logDir)) return { files, lines, hits };
  for (const name of readdirSync(logDir).filter((n) => n.startsWith('server-')).sort()) {
    files++;
    const text = readFileSync(join(logDir, name), 'utf8').split('\n');
    text.forEach((raw, i) => {
      lines++;
      const found = new Set<LoggedSecret>();
      for (const line of new Set([raw, foldFullWidth(raw)])) {
        for (let at = 0; at + 6 <= line.length; at++) {
          for (const s of byPrefix.get(line.slice(at, at + 6)) ?? []) if (line.startsWith(s.value, at)) found.add(s);
        }
      }
      for (const s of found) hits.push({ file: name, line: i + 1, kind: s.kind });
    });
  }
  return { files, lines, hits };
}
