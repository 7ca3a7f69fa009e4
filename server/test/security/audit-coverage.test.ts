/**
 * Audit coverage (security.md check 31): walks the bar's list of security
 * events — sign-in, failed sign-in, lock, unlock, role change, scope change,
 * personal-data reveal, export, attachment download, configuration change,
 * key rotation — through the real flows, and asserts that each produced
 * exactly one audit row of its type, with the time, the actor, the object,
 * the client address (for requests; the system events have no client) and no
 * secret value (passwords, session tokens, the personal data revealed, key
 * material, the database password). On a database of its own: the
 * configuration record and the key rotation are global.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { isolatedDb } from '../helpers/db.ts';
import { buildContract, buildUser, reauthAs, signInAs, TEST_PASSWORD } from '../helpers/factories.ts';
import { multipart, PNG } from '../helpers/upload.ts';
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.ts';
import { recordConfigAtStart } from '../../src/audit/config-audit.ts';
import { loadConfig } from '../../src/config.ts';
import { loadOrCreateKeyRing } from '../../src/privacy/key-ring.ts';
import { rotateDataKey } from '../../src/privacy/key-rotation.ts';
import { installKeyRing } from '../../src/privacy/pii-vault.ts';
import type { Db } from '../../src/db/database.ts';
import { buildSecurityApp, cookieOf } from './security-app.ts';

let iso: Awaited<ReturnType<typeof isolatedDb>>;
let app: FastifyInstance;
let dir: string;
let keyFile: string;

before(async () => {
  iso = await isolatedDb();
  dir = mkdtempSync(join(tmpdir(), 'yunwei-coverage-'));
  keyFile = join(dir, 'data-keys.json');
  // the records of this file are sealed with a key file, so that the rotation can re-seal them
  installKeyRing(loadOrCreateKeyRing(keyFile, new Date(Date.now() - 86_400_000)).ring);
  app = await buildSecurityApp(iso.db);
});
after(async () => {
  await app.close();
  await iso.drop();
  rmSync(dir, { recursive: true, force: true });
});

const SITES = [
  { key: 'CY-1', name: '朝阳区建外街道社保所', kind: 'streetOffice', district: '朝阳区', street: '建外街道', zone: 'urban', systems: ['S1'] },
  { key: 'HD-1', name: '海淀区中关村街道社保所', kind: 'streetOffice', district: '海淀区', street: '中关村街道', zone: 'urban' },
];
const WRONG_PASSWORD = 'Wrong-Passw0rd-2026';
const MOBILE = '13812345678';
const DB_PASSWORD = 'Db-Secret-Passw0rd-9127';

type AuditRow = { seq: string; occurred_at: Date | string; actor_user_id: string | null; actor_name: string | null; actor_role: string | null; contract_id: string | null; action: string; entity_type: string; entity_id: string | null; client_ip: string | null };

async function lastSeq(db: Db): Promise<string> {
  const r = await db.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirst();
  return String(r?.m ?? '0');
}

/**
 * Run `act`, then return the one audit row of `action` it wrote (failing if
 * there is not exactly one), after checking the required fields and that no
 * row it wrote holds any of `secrets`.
 */
async function exactlyOne(
  db: Db,
  event: string,
  action: string,
  act: () => Promise<unknown>,
  expect: { actorUserId: string | null; entityType: string; entityId?: string | null; clientIp: boolean; secrets: string[] },
): Promise<AuditRow & { before: unknown; after: unknown }> {
  const from = await lastSeq(db);
  const t0 = Date.now();
  await act();
  const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>', from).orderBy('seq').execute();
  const mine = rows.filter((r) => r.action === action);
  assert.equal(mine.length, 1, `${event}: exactly one ${action} row (got ${rows.map((r) => r.action).join(', ') || 'none'})`);
  const row = mine[0];
  assert.ok(row);
  const ts = new Date(row.occurred_at).getTime();
  assert.ok(ts >= t0 - 1000 && ts <= Date.now() + 1000, `${event}: ts is the time of the event`);
  assert.equal(row.actor_user_id, expect.actorUserId, `${event}: actor`);
  assert.ok(row.actor_name, `${event}: actor name`);
  assert.equal(row.entity_type, expect.entityType, `${event}: object type`);
  if (expect.entityId !== undefined) assert.equal(row.entity_id, expect.entityId, `${event}: object id`);
  if (expect.clientIp) assert.equal(row.client_ip, '127.0.0.1', `${event}: client address`);
  else assert.equal(row.client_ip, null, `${event}: no client`);
  const text = JSON.stringify(rows);
  for (const s of expect.secrets) assert.ok(!text.includes(s), `${event}: no secret value in the audit rows (${s.slice(0, 4)}…)`);
  return row;
}

test('each security event of check 31 writes exactly one audit row with ts, actor, type, object and client address, and no secret', async () => {
  const db = iso.db;
  const c = await buildContract(db, (doc) => {
    doc['sites'] = SITES;
  });
  const admin = await buildUser(db, { contractId: c.id, roles: ['agencyAdmin'] });
  const platformAdmin = await buildUser(db, { platformAdmin: true });
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const lead = await buildUser(db, { contractId: c.id, roles: ['agencyProjectLead'] });
  const subject = await buildUser(db);
  const adminCookie = await signInAs(app, admin);
  const platformCookie = await signInAs(app, platformAdmin);
  const deskCookie = await signInAs(app, desk);
  const leadCookie = await signInAs(app, lead);
  const cookieToken = (cookie: string) => cookie.slice(cookie.indexOf('=') + 1);
  const tokens = [adminCookie, platformCookie, deskCookie, leadCookie].map(cookieToken);
  const base = [TEST_PASSWORD, WRONG_PASSWORD, ...tokens];
  const login = (password: string) => app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: subject.username, password } });

  // login OK
  let subjectToken = '';
  await exactlyOne(db, 'login OK', 'auth.signIn', async () => {
    const r = await login(TEST_PASSWORD);
    assert.equal(r.statusCode, 200, r.body);
    subjectToken = cookieToken(cookieOf(r));
  }, { actorUserId: subject.id, entityType: 'user', entityId: subject.id, clientIp: true, secrets: base });
  assert.ok(subjectToken);

  // login failed
  await exactlyOne(db, 'login failed', 'auth.signInFailed', async () => assert.equal((await login(WRONG_PASSWORD)).statusCode, 401), {
    actorUserId: subject.id,
    entityType: 'user',
    entityId: subject.id,
    clientIp: true,
    secrets: [...base, subjectToken],
  });

  // lock: the failure that reaches the threshold (5) is recorded as the lock, not as one more failure
  for (let i = 0; i < 3; i++) await login(WRONG_PASSWORD);
  const lockRow = await exactlyOne(db, 'lock', 'auth.accountLocked', async () => assert.equal((await login(WRONG_PASSWORD)).statusCode, 401), {
    actorUserId: subject.id,
    entityType: 'user',
    entityId: subject.id,
    clientIp: true,
    secrets: [...base, subjectToken],
  });
  assert.ok(lockRow);

  // unlock (platform administrator)
  await exactlyOne(db, 'unlock', 'auth.accountUnlocked', async () => {
    const r = await app.inject({ method: 'POST', url: `/api/users/${subject.id}/unlock`, headers: { cookie: platformCookie } });
    assert.deepEqual(r.json(), { wasLocked: true });
  }, { actorUserId: platformAdmin.id, entityType: 'user', entityId: subject.id, clientIp: true, secrets: base });

  // role change: a role granted, then revoked
  const grant = (body: Record<string, unknown>) => app.inject({ method: 'POST', url: `/api/contracts/${c.id}/members`, headers: { cookie: adminCookie }, payload: body });
  let membershipId = '';
  const granted = await exactlyOne(db, 'role change (grant)', 'membership.granted', async () => {
    const r = await grant({ userId: subject.id, role: 'agencyReviewer' });
    assert.equal(r.statusCode, 201, r.body);
    membershipId = r.json().id;
  }, { actorUserId: admin.id, entityType: 'membership', clientIp: true, secrets: base });
  assert.equal(granted.entity_id, membershipId);
  assert.equal((granted.after as { role: string }).role, 'agencyReviewer');
  await exactlyOne(db, 'role change (revoke)', 'membership.revoked', async () => {
    const r = await app.inject({ method: 'DELETE', url: `/api/contracts/${c.id}/members/${membershipId}`, headers: { cookie: adminCookie } });
    assert.equal(r.statusCode, 200, r.body);
  }, { actorUserId: admin.id, entityType: 'membership', entityId: membershipId, clientIp: true, secrets: base });

  // scope change: a grant limited to a district (a scope is set by a grant; changing it is a revocation and a new grant)
  const scoped = await exactlyOne(db, 'scope change', 'membership.granted', async () => {
    const r = await grant({ userId: subject.id, role: 'agencyReviewer', scope: { district: '朝阳区' } });
    assert.equal(r.statusCode, 201, r.body);
  }, { actorUserId: admin.id, entityType: 'membership', clientIp: true, secrets: base });
  assert.deepEqual((scoped.after as { scope: { district: string } }).scope.district, '朝阳区');

  // PI reveal
  const created = await app.inject({
    method: 'POST',
    url: `/api/contracts/${c.id}/incidents`,
    headers: { cookie: deskCookie },
    payload: { title: '网点读卡器故障', systemKey: 'S1', channel: 'phone', reporterName: '市民', reporterContact: MOBILE, reportedAt: new Date().toISOString(), levelKey: 'P1' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const incidentId = created.json().id as string;
  await reauthAs(app, deskCookie, desk);
  const revealed = await exactlyOne(db, 'PI reveal', 'pii.revealed', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/pii/reveal', headers: { cookie: deskCookie }, payload: { entityType: 'incident', entityId: incidentId, field: 'reporterContact', reason: '回访核实来电人' } });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().value, MOBILE);
  }, { actorUserId: desk.id, entityType: 'incident', entityId: incidentId, clientIp: true, secrets: [...base, MOBILE] });
  assert.equal((revealed.after as { field: string }).field, 'reporterContact');

  // export
  await reauthAs(app, leadCookie, lead);
  const exported = await exactlyOne(db, 'export', 'incident.exported', async () => {
    const r = await app.inject({ url: `/api/contracts/${c.id}/incidents/export.xlsx`, headers: { cookie: leadCookie } });
    assert.equal(r.statusCode, 200, r.body);
  }, { actorUserId: lead.id, entityType: 'incidentList', entityId: null, clientIp: true, secrets: [...base, MOBILE] });
  assert.equal(exported.contract_id, c.id, 'the exported list is the contract’s');

  // attachment download
  const up = await app.inject({ method: 'POST', url: `/api/incidents/${incidentId}/attachments`, headers: { cookie: deskCookie, ...multipart('截图.png', PNG).headers }, payload: multipart('截图.png', PNG).payload });
  assert.equal(up.statusCode, 201, up.body);
  await exactlyOne(db, 'attachment download', 'attachment.downloaded', async () => {
    const r = await app.inject({ url: `/api/attachments/${up.json().id}`, headers: { cookie: leadCookie } });
    assert.equal(r.statusCode, 200);
  }, { actorUserId: lead.id, entityType: 'attachment', entityId: up.json().id, clientIp: true, secrets: base });

  // config change (at a start; the system is the actor, there is no client)
  await recordConfigAtStart(db, loadConfig({ YUNWEI_DATA_DIR: dir }, dir), new Date());
  await exactlyOne(db, 'config change', 'security.configChanged', async () => {
    const r = await recordConfigAtStart(db, loadConfig({ YUNWEI_DATA_DIR: dir, YUNWEI_SESSION_IDLE_MINUTES: '15', DATABASE_URL: `postgres://yunwei:${DB_PASSWORD}@db.internal/yunwei` }, dir), new Date());
    assert.deepEqual(r, { action: 'security.configChanged', changed: ['DATABASE_URL', 'YUNWEI_SESSION_IDLE_MINUTES'] });
  }, { actorUserId: null, entityType: 'config', entityId: null, clientIp: false, secrets: [...base, DB_PASSWORD] });

  // key rotation (the CLI's `yunwei keys rotate`; no client)
  const keySecrets = () => (JSON.parse(readFileSync(keyFile, 'utf8')) as { keys: { secret: string }[] }).keys.map((k) => k.secret);
  const rotated = await exactlyOne(db, 'key rotation', 'security.keyRotated', async () => rotateDataKey(db, keyFile, { ...SYSTEM_ACTOR, name: '系统（命令行）', role: 'cli' }, new Date()), {
    actorUserId: null,
    entityType: 'dataKey',
    clientIp: false,
    secrets: base,
  });
  for (const s of keySecrets()) assert.ok(!JSON.stringify(rotated).includes(s), 'no key material in the rotation row');
});
