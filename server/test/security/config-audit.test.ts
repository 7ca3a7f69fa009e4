/**
 * The configuration-change audit event (security.md check 31): at each start
 * the security-relevant settings are compared with the last recorded ones;
 * the first start writes `security.configRecorded`, a start with changed
 * settings one `security.configChanged` naming them (old and new values,
 * secrets only as set/unset and a fingerprint), an unchanged start nothing.
 * On a database of its own: the record is global.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useIsolatedDb } from '../helpers/db.ts';
import { loadConfig } from '../../src/config.ts';
import { configSnapshot, NOT_SECURITY_RELEVANT, recordConfigAtStart, SECURITY_SETTINGS } from '../../src/audit/config-audit.ts';
import { verifyAuditChain } from '../../src/audit/audit.service.ts';

const db = useIsolatedDb();

const DB_PASSWORD = 'Db-Secret-Passw0rd-4471';
const ANCHOR_KEY = 'a1'.repeat(32);

const rows = () => db.selectFrom('audit_log').selectAll().where('entity_type', '=', 'config').orderBy('seq').execute();

test('every setting config.ts reads is classified: recorded (secret or not) or deliberately left out', () => {
  const src = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'config.ts'), 'utf8');
  const start = src.indexOf('const ZEnv = z.object({');
  const body = src.slice(start, src.indexOf('\n});', start));
  const declared = [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]).sort();
  assert.ok(declared.length >= 30, `found the settings (${declared.length})`);
  const classified = [...SECURITY_SETTINGS.map((s) => s.name), ...NOT_SECURITY_RELEVANT].sort();
  assert.deepEqual(classified, declared, 'a new setting must be added to SECURITY_SETTINGS or NOT_SECURITY_RELEVANT');
});

test('first start records the settings; an unchanged start writes nothing; a change writes one row naming the changed settings, never a secret', async () => {
  const t0 = new Date('2026-11-24T08:00:00Z');
  const base = loadConfig({ YUNWEI_DATA_DIR: '/srv/yunwei' }, '/tmp');
  assert.deepEqual(await recordConfigAtStart(db, base, t0), { action: 'security.configRecorded' });
  let all = await rows();
  assert.equal(all.length, 1);
  assert.equal(all[0]?.action, 'security.configRecorded');
  assert.equal((all[0]?.after as { settings: Record<string, unknown> }).settings['YUNWEI_LOCKOUT_THRESHOLD'], 5);
  assert.deepEqual((all[0]?.after as { settings: Record<string, unknown> }).settings['DATABASE_URL'], { set: false, sm3: null });

  assert.deepEqual(await recordConfigAtStart(db, loadConfig({ YUNWEI_DATA_DIR: '/srv/yunwei' }, '/elsewhere'), new Date(t0.getTime() + 60_000)), { action: null });
  assert.equal((await rows()).length, 1, 'an unchanged start writes nothing');

  const changedEnv = {
    YUNWEI_DATA_DIR: '/srv/yunwei',
    YUNWEI_LOCKOUT_THRESHOLD: '7',
    YUNWEI_TWO_FACTOR: 'all',
    DATABASE_URL: `postgres://yunwei:${DB_PASSWORD}@db.internal:5432/yunwei`,
    YUNWEI_AUDIT_ANCHOR_PRIVATE_KEY: ANCHOR_KEY,
  };
  const changed = loadConfig(changedEnv, '/tmp');
  const outcome = await recordConfigAtStart(db, changed, new Date(t0.getTime() + 120_000));
  assert.deepEqual(outcome, { action: 'security.configChanged', changed: ['DATABASE_URL', 'YUNWEI_AUDIT_ANCHOR_PRIVATE_KEY', 'YUNWEI_LOCKOUT_THRESHOLD', 'YUNWEI_TWO_FACTOR'] });
  all = await rows();
  assert.equal(all.length, 2);
  const row = all[1];
  assert.ok(row);
  assert.equal(row.action, 'security.configChanged');
  assert.equal(row.actor_role, 'system');
  const before = row.before as { values: Record<string, unknown> };
  const afterValues = (row.after as { changed: string[]; values: Record<string, unknown> }).values;
  assert.deepEqual(before.values['YUNWEI_LOCKOUT_THRESHOLD'], 5);
  assert.deepEqual(afterValues['YUNWEI_LOCKOUT_THRESHOLD'], 7);
  assert.deepEqual([before.values['YUNWEI_TWO_FACTOR'], afterValues['YUNWEI_TWO_FACTOR']], ['privileged', 'all']);
  assert.deepEqual(before.values['DATABASE_URL'], { set: false, sm3: null });
  const dbUrl = afterValues['DATABASE_URL'] as { set: boolean; sm3: string };
  assert.equal(dbUrl.set, true);
  assert.match(dbUrl.sm3, /^[0-9a-f]{16}$/);
  const text = JSON.stringify(all);
  assert.ok(!text.includes(DB_PASSWORD), 'the database password is not in the audit trail');
  assert.ok(!text.includes(ANCHOR_KEY) && !text.includes(ANCHOR_KEY.slice(0, 16)), 'the private key is not in the audit trail');
  assert.ok(!text.includes('db.internal'), 'no part of a secret URL is recorded');

  // a changed secret with the same "set" state is still detected, through its fingerprint
  const rotated = loadConfig({ ...changedEnv, YUNWEI_AUDIT_ANCHOR_PRIVATE_KEY: 'b2'.repeat(32) }, '/tmp');
  assert.deepEqual(await recordConfigAtStart(db, rotated, new Date(t0.getTime() + 180_000)), { action: 'security.configChanged', changed: ['YUNWEI_AUDIT_ANCHOR_PRIVATE_KEY'] });
  assert.deepEqual(await recordConfigAtStart(db, rotated, new Date(t0.getTime() + 240_000)), { action: null });
  assert.equal((await rows()).length, 3);
  assert.equal((await verifyAuditChain(db)).ok, true, 'the rows are part of the chain');
});

test('the snapshot holds the effective values (defaults included) and secrets only as set + fingerprint', () => {
  const snap = configSnapshot(loadConfig({ YUNWEI_WECOM_WEBHOOK_URL: 'https://qyapi.example/cgi-bin/webhook/send?key=Secret-Token-1' }, '/opt/yw'));
  assert.equal(snap['YUNWEI_AUDIT_RETENTION_DAYS'], 200);
  assert.equal(snap['YUNWEI_DATA_DIR'], '/opt/yw/data');
  assert.equal(snap['YUNWEI_COOKIE_SECURE'], false);
  assert.equal(snap['YUNWEI_CLAMD'], null);
  const hook = snap['YUNWEI_WECOM_WEBHOOK_URL'] as { set: boolean; sm3: string };
  assert.equal(hook.set, true);
  assert.ok(!JSON.stringify(snap).includes('Secret-Token-1'));
  assert.equal(Object.keys(snap).length, SECURITY_SETTINGS.length);
});
