/**
 * The app as the security tests drive it: the production defaults for
 * lockout and two-factor policy (overridable), and the signed audit anchors
 * in a temporary directory with a fresh SM2 key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/db/database.ts';
import type { AppConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { openAnchorStore, type AnchorStore } from '../../src/audit/audit-anchor.ts';
import { noteTestSecret, testLogger } from '../helpers/test-log.ts';

/** A temporary anchor store (key file and anchor folder) and how to remove it. */
export function tempAnchorStore(): { store: AnchorStore; dir: string; keyFile: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'yunwei-anchors-'));
  const keyFile = join(dir, 'keys', 'audit-anchor-sm2.json');
  const store = openAnchorStore({ retentionDays: 200, anchorMinutes: 10, anchorKeyFile: keyFile, anchorPrivateKey: undefined, anchorDir: join(dir, 'audit-anchors') }, new Date());
  return { store, dir, keyFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Build the app over `db` with production-like security settings. */
export async function buildSecurityApp(db: Db, opts: { auth?: Partial<AppConfig['auth']>; anchors?: AnchorStore | null } = {}): Promise<FastifyInstance> {
  return buildApp({
    db,
    config: {
      cookieSecure: false,
      sessionIdleMinutes: 30,
      sessionMaxHours: 12,
      logLevel: 'silent',
      signInPerMinute: 1000,
      auth: { lockoutThreshold: 5, lockoutMinutes: 15, twoFactor: 'privileged', passwordMaxAgeDays: 90, vendorAccessGraceDays: 90, ...opts.auth },
    },
    auditAnchors: opts.anchors ?? null,
    logger: testLogger(),
  });
}

/** The Cookie header value of a response that set the session cookie. */
export function cookieOf(res: { headers: Record<string, unknown> }): string {
  const setCookie = res.headers['set-cookie'];
  const raw = Array.isArray(setCookie) ? String(setCookie[0]) : typeof setCookie === 'string' ? setCookie : '';
  if (!raw) throw new Error('no session cookie');
  const pair = raw.split(';')[0] ?? '';
  noteTestSecret('sessionToken', pair.slice(pair.indexOf('=') + 1));
  return pair;
}
