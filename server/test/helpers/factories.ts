/**
 * Factories: each test creates its own tenant data (contracts, users, roles)
 * through the same services the application uses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parse, stringify } from 'yaml';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/db/database.ts';
import { importContract } from '../../src/contracts/contract.service.ts';
import { createUser, grantRole } from '../../src/orgs/user.service.ts';
import type { Role } from '../../src/auth/roles.ts';
import { buildApp } from '../../src/http/app.ts';

/** The minimal valid contract used as the base of factory contracts. */
export const MINIMAL_CONTRACT_PATH = join(import.meta.dirname, '..', 'fixtures', 'minimal-contract.yaml');

/** A short random suffix for unique names. */
export function uniq(): string {
  return randomBytes(4).toString('hex');
}

/** A plain JSON-like object. */
export type Plain = Record<string, unknown>;

/** The minimal contract as a plain object with a unique code, after `mutate`. */
export function contractDoc(mutate?: (doc: Plain) => void): Plain {
  const doc = parse(readFileSync(MINIMAL_CONTRACT_PATH, 'utf8')) as Plain;
  const contract = doc['contract'] as Plain;
  contract['code'] = `T-${uniq()}`;
  // unique party names, so organisations are per-test tenants
  const parties = doc['parties'] as Plain[];
  const tag = uniq();
  for (const p of parties) p['name'] = `${String(p['name'])}${tag}`;
  mutate?.(doc);
  return doc;
}

/** YAML text of a factory contract. */
export function contractYaml(mutate?: (doc: Plain) => void): string {
  return stringify(contractDoc(mutate));
}

/** Import a factory contract; returns its id and code. */
export async function buildContract(db: Db, mutate?: (doc: Plain) => void): Promise<{ id: string; code: string; yaml: string }> {
  const yaml = contractYaml(mutate);
  const r = await importContract(db, null, yaml, new Date());
  const code = /code:\s*(\S+)/.exec(yaml)?.[1] ?? '';
  return { id: r.contractId, code, yaml };
}

/** A password that satisfies the policy. */
export const TEST_PASSWORD = 'Test-Passw0rd-2026';

/** Create a user, optionally with roles in a contract. */
export async function buildUser(
  db: Db,
  opts: { contractId?: string; roles?: Role[]; platformAdmin?: boolean; organisationName?: string } = {},
): Promise<{ id: string; username: string; password: string }> {
  const username = `u-${uniq()}`;
  const u = await createUser(
    db,
    null,
    { username, displayName: `测试用户${username.slice(2)}`, password: TEST_PASSWORD, isPlatformAdmin: opts.platformAdmin, organisationName: opts.organisationName },
    new Date(),
  );
  for (const role of opts.roles ?? []) {
    if (!opts.contractId) throw new Error('roles need a contractId');
    await grantRole(db, null, { userId: u.id, contractId: opts.contractId, role }, new Date());
  }
  return { id: u.id, username, password: TEST_PASSWORD };
}

/** The app, built in-process over the given database (no listen). */
export async function buildTestApp(db: Db): Promise<FastifyInstance> {
  return buildApp({ db, config: { cookieSecure: false, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent', signInPerMinute: 1000 } });
}

/** Sign in through the API; returns the Cookie header value for later requests. */
export async function signInAs(app: FastifyInstance, user: { username: string; password: string }): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: user.password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const setCookie = res.headers['set-cookie'];
  const raw = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (!raw) throw new Error('no session cookie');
  return raw.split(';')[0] ?? '';
}
