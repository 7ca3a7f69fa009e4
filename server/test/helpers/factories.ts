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
import { hashPassword } from '../../src/auth/password.ts';
import { ROLES, type Role } from '../../src/auth/roles.ts';
import { enrolClearedStaff } from '../../src/staff/staff.service.ts';
import { buildApp } from '../../src/http/app.ts';
import { totpCode, totpCodeAt, totpStep } from '../../src/auth/totp.ts';
import { noteTestSecret, testLogger } from './test-log.ts';

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

/**
 * Grace period of factory contracts' vendor access: the minimal contract's
 * service period is 2024, so with the production default (90 days) its vendor
 * people could no longer sign in; test contracts keep it for ten years.
 * Tests of the end itself (security/vendor-access-end.test.ts) pass their own.
 */
export const TEST_VENDOR_ACCESS_GRACE_DAYS = 3650;

/** Import a factory contract; returns its id and code. */
export async function buildContract(db: Db, mutate?: (doc: Plain) => void, opts: { vendorAccessGraceDays?: number } = {}): Promise<{ id: string; code: string; yaml: string }> {
  const yaml = contractYaml(mutate);
  const r = await importContract(db, null, yaml, new Date(), undefined, { vendorAccessGraceDays: opts.vendorAccessGraceDays ?? TEST_VENDOR_ACCESS_GRACE_DAYS });
  const code = /code:\s*(\S+)/.exec(yaml)?.[1] ?? '';
  return { id: r.contractId, code, yaml };
}

/** A password that satisfies the policy. */
export const TEST_PASSWORD = 'Test-Passw0rd-2026';

const hashCache = new Map<string, Promise<string>>();

/**
 * One real PBKDF2-HMAC-SM3 hash per password for the whole test process, so
 * that factory users do not cost one full hash each. Production iterations
 * are unchanged (signing in still verifies the full count); only the salt is
 * shared between factory users. Tests of the storage itself
 * (`password-storage.test.ts`) create users without it.
 */
export function cachedPasswordHash(password: string): Promise<string> {
  let hash = hashCache.get(password);
  if (!hash) {
    hash = hashPassword(password);
    hashCache.set(password, hash);
  }
  return hash;
}

/** Create a user, optionally with roles in a contract. */
export async function buildUser(
  db: Db,
  opts: { contractId?: string; roles?: Role[]; platformAdmin?: boolean; platformAuditor?: boolean; organisationName?: string } = {},
): Promise<{ id: string; username: string; password: string }> {
  const username = `u-${uniq()}`;
  const u = await createUser(
    db,
    null,
    { username, displayName: `测试用户${username.slice(2)}`, password: TEST_PASSWORD, isPlatformAdmin: opts.platformAdmin, isPlatformAuditor: opts.platformAuditor, organisationName: opts.organisationName, mustChangePassword: false },
    new Date(),
    cachedPasswordHash,
  );
  for (const role of opts.roles ?? []) {
    if (!opts.contractId) throw new Error('roles need a contractId');
    // vendor people must be cleared on the roster before any grant (STAFF_NOT_CLEARED otherwise)
    if (ROLES[role].side === 'vendor') await enrolTestStaff(db, opts.contractId, u.id, `测试用户${username.slice(2)}`);
    await grantRole(db, null, { userId: u.id, contractId: opts.contractId, role }, new Date());
  }
  return { id: u.id, username, password: TEST_PASSWORD };
}

/** Put a user on a contract's roster as accepted, active and with an agreement on file (idempotent). */
export async function enrolTestStaff(db: Db, contractId: string, userId: string, personName: string): Promise<{ id: string }> {
  return enrolClearedStaff(db, { contractId, userId, personName, positionName: '运维工程师', systemStartOn: '2020-01-01', agreementSignedOn: '2020-01-01' }, new Date());
}

/** The app, built in-process over the given database (no listen). */
export async function buildTestApp(db: Db): Promise<FastifyInstance> {
  return buildApp({ db, config: { cookieSecure: false, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent', signInPerMinute: 1000 }, logger: testLogger() });
}

/** TOTP secrets and unused recovery codes of test users that enrolled through {@link signInAs}. */
const secondFactors = new Map<string, { secret: string; recoveryCodes: string[] }>();

/** The second factor a test user enrolled (signInAs enrols users whom the policy requires to). */
export function secondFactorOf(username: string): { secret: string; recoveryCodes: string[] } | undefined {
  return secondFactors.get(username);
}

/** Remember a test user's second factor (tests that enrol by hand). */
export function rememberSecondFactor(username: string, secret: string, recoveryCodes: string[]): void {
  secondFactors.set(username, { secret, recoveryCodes: [...recoveryCodes] });
  noteTestSecret('totpSecret', secret);
  for (const c of recoveryCodes) noteTestSecret('recoveryCode', c);
}

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const setCookie = res.headers['set-cookie'];
  const raw = Array.isArray(setCookie) ? String(setCookie[0]) : typeof setCookie === 'string' ? setCookie : '';
  if (!raw) throw new Error('no session cookie');
  const pair = raw.split(';')[0] ?? '';
  noteTestSecret('sessionToken', pair.slice(pair.indexOf('=') + 1));
  return pair;
}

/**
 * A second-factor code for a test user that has not been used yet: the TOTP
 * code of the first step after the last one accepted, while that step is
 * within the accepted window (±1 step), otherwise one of the user's recovery codes.
 */
export async function nextSecondFactorCode(app: FastifyInstance, user: { id?: string; username: string }): Promise<string> {
  const f = secondFactors.get(user.username);
  if (!f) throw new Error(`no second factor known for ${user.username}: sign in with signInAs first`);
  const row = await app.services.db
    .selectFrom('user_totp')
    .innerJoin('users', 'users.id', 'user_totp.user_id')
    .select('user_totp.last_used_step')
    .where('users.username', '=', user.username)
    .executeTakeFirst();
  const now = new Date();
  const step = Math.max(totpStep(now), row?.last_used_step == null ? 0 : Number(row.last_used_step) + 1);
  if (step <= totpStep(now) + 1) return totpCodeAt(f.secret, step);
  const code = f.recoveryCodes.shift();
  if (!code) throw new Error(`${user.username} used up its test recovery codes`);
  return code;
}

/**
 * Sign in through the API; returns the Cookie header value for later requests.
 * Users with TOTP type their code; users whom the policy requires to have a
 * second factor and who have none enrol one (as the web app makes them do).
 */
export async function signInAs(app: FastifyInstance, user: { username: string; password: string }): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: user.username, password: user.password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const stage = (res.json() as { stage: string }).stage;
  const partial = cookieOf(res);
  if (stage === 'complete') return partial;
  if (stage === 'enrolment') {
    const enrol = await app.inject({ method: 'POST', url: '/api/auth/two-factor/enrol', headers: { cookie: partial } });
    if (enrol.statusCode !== 200) throw new Error(`enrolment failed: ${enrol.statusCode} ${enrol.body}`);
    const { secret } = enrol.json() as { secret: string };
    const confirm = await app.inject({ method: 'POST', url: '/api/auth/two-factor/confirm', headers: { cookie: partial }, payload: { code: totpCode(secret, new Date()) } });
    if (confirm.statusCode !== 200) throw new Error(`enrolment confirmation failed: ${confirm.statusCode} ${confirm.body}`);
    rememberSecondFactor(user.username, secret, (confirm.json() as { recoveryCodes: string[] }).recoveryCodes);
    return cookieOf(confirm);
  }
  const code = await nextSecondFactorCode(app, user);
  const second = await app.inject({ method: 'POST', url: '/api/auth/login/second-factor', headers: { cookie: partial }, payload: { code } });
  if (second.statusCode !== 200) throw new Error(`second factor failed: ${second.statusCode} ${second.body}`);
  return cookieOf(second);
}

/** Re-authenticate a signed-in test user (password, plus a fresh second-factor code when enrolled). */
export async function reauthAs(app: FastifyInstance, cookie: string, user: { username: string; password: string }): Promise<void> {
  const code = secondFactors.has(user.username) ? await nextSecondFactorCode(app, user) : undefined;
  const res = await app.inject({ method: 'POST', url: '/api/auth/reauth', headers: { cookie }, payload: { password: user.password, ...(code ? { code } : {}) } });
  if (res.statusCode !== 200) throw new Error(`re-authentication failed: ${res.statusCode} ${res.body}`);
}
