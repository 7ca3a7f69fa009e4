import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { sql } from 'kysely';
import { isolatedDb } from '../helpers/db.ts';
import { buildContract, buildUser } from '../helpers/factories.ts';
import { GENESIS_HASH, recordAudit, SYSTEM_ACTOR, verifyAuditChain } from '../../src/audit/audit.service.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'yunwei.mjs');

function runVerifyCli(url: string) {
  // a data directory of its own: no anchor key or anchors of another installation
  const dataDir = mkdtempSync(join(tmpdir(), 'yunwei-verify-'));
  try {
    return spawnSync(process.execPath, [CLI, 'audit', 'verify'], { env: { ...process.env, DATABASE_URL: url, YUNWEI_DATA_DIR: dataDir }, encoding: 'utf8' });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Run tampering SQL as someone with superuser access to the database would:
 * the append-only trigger (migration 0009) must be switched off first.
 */
async function tamper(db: Parameters<typeof verifyAuditChain>[0], statement: ReturnType<typeof sql>): Promise<void> {
  await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete`.execute(db);
  try {
    await statement.execute(db);
  } finally {
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete`.execute(db);
  }
}

test('every change writes a chained audit row; verify passes on an intact chain', async () => {
  const iso = await isolatedDb();
  try {
    const c = await buildContract(iso.db);
    await buildUser(iso.db, { contractId: c.id, roles: ['auditor'] });
    const rows = await iso.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    assert.deepEqual(rows.map((r) => r.action), ['contract.imported', 'user.created', 'membership.granted']);
    assert.equal(rows[0]?.prev_hash, GENESIS_HASH);
    assert.equal(rows[1]?.prev_hash, rows[0]?.hash);
    assert.equal(rows[2]?.prev_hash, rows[1]?.hash);
    assert.equal(rows[2]?.contract_id, c.id);
    const r = await verifyAuditChain(iso.db);
    assert.equal(r.ok, true);
    assert.equal(r.rowsChecked, 3);
    const cli = runVerifyCli(iso.url);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /审计链完整：共校验 3 条记录/);
  } finally {
    await iso.drop();
  }
});

test('altering one audit row makes verify fail and name that row (library and CLI)', async () => {
  const iso = await isolatedDb();
  try {
    const c = await buildContract(iso.db);
    for (let i = 0; i < 3; i++) await buildUser(iso.db, { contractId: c.id, roles: ['readOnly'] });
    const target = await iso.db.selectFrom('audit_log').select(['seq', 'id']).where('action', '=', 'user.created').orderBy('seq').offset(1).limit(1).executeTakeFirstOrThrow();
    await tamper(iso.db, sql`UPDATE audit_log SET after = jsonb_set(after, '{displayName}', '"篡改者"') WHERE seq = ${target.seq}`);
    const r = await verifyAuditChain(iso.db);
    assert.equal(r.ok, false);
    assert.equal(r.problem?.kind, 'altered');
    assert.equal(r.problem?.seq, String(target.seq));
    assert.equal(r.problem?.id, target.id);
    assert.equal(r.rowsChecked, Number(target.seq) - 1);
    const cli = runVerifyCli(iso.url);
    assert.equal(cli.status, 2);
    assert.match(cli.stderr, new RegExp(`第 ${target.seq} 条审计记录.*被篡改`));
    assert.match(cli.stderr, new RegExp(target.id));
  } finally {
    await iso.drop();
  }
});

test('removing a row is detected at the gap', async () => {
  const iso = await isolatedDb();
  try {
    await buildContract(iso.db);
    await iso.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 4; i++) await recordAudit(trx, SYSTEM_ACTOR, { action: 'test.event', entityType: 'test', entityId: String(i), contractId: null, after: { i } }, new Date());
    });
    await tamper(iso.db, sql`DELETE FROM audit_log WHERE seq = 3`);
    const r = await verifyAuditChain(iso.db);
    assert.equal(r.ok, false);
    assert.equal(r.problem?.kind, 'removed');
    assert.equal(r.problem?.seq, '4');
    assert.match(r.problem?.message ?? '', /序号 3 至 3/);
  } finally {
    await iso.drop();
  }
});

test('an audit row is written in the same transaction as the change: a rollback leaves neither', async () => {
  const iso = await isolatedDb();
  try {
    await assert.rejects(
      iso.db.transaction().execute(async (trx) => {
        await recordAudit(trx, SYSTEM_ACTOR, { action: 'test.rolledBack', entityType: 'test', entityId: '1', contractId: null }, new Date());
        throw new Error('boom');
      }),
    );
    const n = await iso.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('action', '=', 'test.rolledBack').executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);
  } finally {
    await iso.drop();
  }
});
