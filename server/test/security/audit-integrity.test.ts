/**
 * Audit integrity (等保 安全审计 c; GB/T 39786 8.4 g; security checks 32 and 33):
 * the table is append-only in the database, an altered row breaks the chain,
 * and signed SM2 anchors kept outside the database expose rows cut off the
 * end and a chain re-hashed after a change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../src/db/database.ts';
import { isolatedDb, testDb } from '../helpers/db.ts';
import { buildContract, buildUser, signInAs } from '../helpers/factories.ts';
import { computeAuditHash, recordAudit, SYSTEM_ACTOR } from '../../src/audit/audit.service.ts';
import { anchorAuditChain, readAnchors, verifyAnchorSignature, verifyAuditWithAnchors } from '../../src/audit/audit-anchor.ts';
import { buildSecurityApp, tempAnchorStore } from './security-app.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'yunwei.mjs');

/** Change audit rows the way an attacker with superuser access to the database would: switch the guard off first. */
async function tamper(db: Db, statement: RawBuilder<unknown>): Promise<void> {
  await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete`.execute(db);
  try {
    await statement.execute(db);
  } finally {
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_delete`.execute(db);
  }
}

async function addRows(db: Db, n: number, tag: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    await db.transaction().execute((trx) => recordAudit(trx, SYSTEM_ACTOR, { action: 'test.event', entityType: 'test', entityId: `${tag}-${i}`, contractId: null, after: { i } }, new Date()));
  }
}

function errorOf(e: unknown): { code: string; message: string } {
  const o = typeof e === 'object' && e !== null ? (e as Record<string, unknown>) : {};
  return { code: String(o['code'] ?? ''), message: String(o['message'] ?? '') };
}

test('UPDATE, DELETE and TRUNCATE of audit_log are refused by the database, for the owner and for an application role', async () => {
  const db = testDb();
  await buildUser(db);
  const refused = async (statement: RawBuilder<unknown>, db2: Db = db) => {
    await assert.rejects(statement.execute(db2), (e: unknown) => errorOf(e).code === '42501' && /审计日志只允许追加，禁止修改或删除/.test(errorOf(e).message));
  };
  await refused(sql`UPDATE audit_log SET actor_name = '篡改者' WHERE seq = (SELECT max(seq) FROM audit_log)`);
  await refused(sql`DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)`);
  await refused(sql`TRUNCATE audit_log`);

  // a login role without ownership: no UPDATE/DELETE privilege at all
  const iso = await isolatedDb();
  const role = `yunwei_app_${Date.now().toString(36)}`;
  try {
    await sql`CREATE ROLE ${sql.id(role)} NOLOGIN`.execute(iso.db);
    await sql`GRANT SELECT, INSERT ON audit_log TO ${sql.id(role)}`.execute(iso.db);
    for (const statement of ['UPDATE audit_log SET actor_name = NULL', 'DELETE FROM audit_log', 'TRUNCATE audit_log']) {
      await assert.rejects(
        iso.db.transaction().execute(async (trx) => {
          await sql`SET LOCAL ROLE ${sql.id(role)}`.execute(trx);
          await sql.raw(statement).execute(trx);
        }),
        (e: unknown) => errorOf(e).code === '42501',
        statement,
      );
    }
  } finally {
    await sql`DROP OWNED BY ${sql.id(role)}`.execute(iso.db).catch(() => undefined);
    await sql`DROP ROLE IF EXISTS ${sql.id(role)}`.execute(iso.db);
    await iso.drop();
  }
});

test('an anchor is a standard SM2 signature (GB/T 32918, SM3, user id 1234567812345678): it verifies with the library and with OpenSSL; the key file is 0600', async () => {
  const iso = await isolatedDb();
  const anchors = tempAnchorStore();
  try {
    await buildContract(iso.db);
    const written = await anchorAuditChain(iso.db, anchors.store, new Date());
    assert.ok(written);
    assert.equal(statSync(anchors.keyFile).mode & 0o777, 0o600);
    const [a] = readAnchors(anchors.store.dir);
    assert.ok(a?.raw && a.payload);
    assert.equal(a.payload.prev, 'GENESIS');
    assert.equal(a.payload.lastSeq, written.payload.lastSeq);
    assert.equal(verifyAnchorSignature(a.raw), true);
    assert.equal(verifyAnchorSignature({ ...a.raw, payload: a.raw.payload.replace(/"rowCount":"\d+"/, '"rowCount":"999"') }), false, 'a changed payload fails');
    const head = await iso.db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    assert.deepEqual([a.payload.lastSeq, a.payload.lastHash], [String(head.seq), head.hash]);
    assert.equal(await anchorAuditChain(iso.db, anchors.store, new Date()), null, 'nothing new: no second anchor');
    const shown = await iso.db.selectFrom('audit_anchors').select(['last_seq', 'signature']).execute();
    assert.equal(shown.length, 1);

    if (existsSync('/usr/bin/openssl')) {
      const m = join(anchors.dir, 'm.bin');
      const s = join(anchors.dir, 's.der');
      writeFileSync(m, a.raw.payload);
      writeFileSync(s, Buffer.from(a.raw.signature, 'hex'));
      const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', `${anchors.keyFile}.pub.pem`, '-rawin', '-digest', 'sm3', '-pkeyopt', 'distid:1234567812345678', '-in', m, '-sigfile', s], { encoding: 'utf8' });
      assert.match(out, /Signature Verified Successfully/);
    }
  } finally {
    anchors.remove();
    await iso.drop();
  }
});

test('rows cut off the end of the chain pass the chain walk but are caught by the anchor, with a message naming it (library, HTTP and CLI)', { timeout: 60_000 }, async () => {
  const iso = await isolatedDb();
  const anchors = tempAnchorStore();
  try {
    await buildContract(iso.db);
    await addRows(iso.db, 3, 'a');
    const anchored = await anchorAuditChain(iso.db, anchors.store, new Date());
    assert.ok(anchored);
    await addRows(iso.db, 2, 'b');
    const intact = await verifyAuditWithAnchors(iso.db, anchors.store);
    assert.equal(intact.ok, true);
    assert.equal(intact.anchors.checked, 1);
    assert.equal(intact.anchors.rowsAfterLatest, 2);

    const cutFrom = Number(anchored.payload.lastSeq) - 1;
    await tamper(iso.db, sql`DELETE FROM audit_log WHERE seq >= ${cutFrom}`);
    const left = await iso.db.selectFrom('audit_log').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    const r = await verifyAuditWithAnchors(iso.db, anchors.store);
    assert.equal(r.chain.ok, true, 'what is left still links up: the chain alone cannot see it');
    assert.equal(r.ok, false);
    assert.equal(r.anchors.problem?.kind, 'truncated');
    assert.match(r.anchors.problem?.message ?? '', new RegExp(`审计记录被截断：.*签署的锚点（${anchored.payload.anchoredAt.slice(0, 7)}\\.jsonl 第 1 行）记录当时链末为第 ${anchored.payload.lastSeq} 条.*数据库中已没有第 ${anchored.payload.lastSeq} 条记录，现存最后一条为第 ${left.seq} 条`));

    // the verify button
    const app = await buildSecurityApp(iso.db, { anchors: anchors.store });
    try {
      const auditor = await buildUser(iso.db, { platformAuditor: true });
      const cookie = await signInAs(app, auditor);
      const v = await app.inject({ method: 'POST', url: '/api/audit/verify', headers: { cookie } });
      assert.equal(v.statusCode, 200);
      assert.equal(v.json().ok, false);
      assert.equal(v.json().anchors.problem.kind, 'truncated');
      assert.equal(v.json().retentionDays, 200);
    } finally {
      await app.close();
    }

    // the command line
    const cli = spawnSync(process.execPath, [CLI, 'audit', 'verify'], {
      env: { ...process.env, DATABASE_URL: iso.url, YUNWEI_DATA_DIR: anchors.dir, YUNWEI_AUDIT_ANCHOR_KEY_FILE: anchors.keyFile, YUNWEI_AUDIT_ANCHOR_DIR: anchors.store.dir },
      encoding: 'utf8',
    });
    assert.equal(cli.status, 2, cli.stdout + cli.stderr);
    assert.match(cli.stdout, /审计链完整/);
    assert.match(cli.stderr, /签名锚点校验失败：审计记录被截断/);
  } finally {
    anchors.remove();
    await iso.drop();
  }
});

test('an altered row breaks the chain; a chain re-hashed after the change passes the walk but not the anchor', async () => {
  const iso = await isolatedDb();
  const anchors = tempAnchorStore();
  try {
    await buildContract(iso.db);
    await addRows(iso.db, 4, 'x');
    await anchorAuditChain(iso.db, anchors.store, new Date());
    const target = await iso.db.selectFrom('audit_log').select(['seq', 'id']).where('entity_id', '=', 'x-1').executeTakeFirstOrThrow();
    await tamper(iso.db, sql`UPDATE audit_log SET after = '{"i": 100}'::jsonb WHERE seq = ${target.seq}`);
    const altered = await verifyAuditWithAnchors(iso.db, anchors.store);
    assert.equal(altered.ok, false);
    assert.equal(altered.chain.problem?.kind, 'altered');
    assert.equal(altered.chain.problem?.seq, String(target.seq));
    assert.equal(altered.chain.problem?.id, target.id);

    // re-hash every row from the altered one on, as an attacker who knows the (public) hash rule would
    const rows = await iso.db.selectFrom('audit_log').selectAll().where('seq', '>=', target.seq).orderBy('seq').execute();
    let prev = (await iso.db.selectFrom('audit_log').select('hash').where('seq', '<', target.seq).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow()).hash;
    for (const row of rows) {
      const hash = computeAuditHash({
        id: row.id,
        occurredAt: new Date(row.occurred_at).toISOString(),
        actorUserId: row.actor_user_id,
        actorName: row.actor_name,
        actorRole: row.actor_role,
        contractId: row.contract_id,
        action: row.action,
        entityType: row.entity_type,
        entityId: row.entity_id,
        before: row.before ?? null,
        after: row.after ?? null,
        clientIp: row.client_ip,
        prevHash: prev,
      });
      await tamper(iso.db, sql`UPDATE audit_log SET prev_hash = ${prev}, hash = ${hash} WHERE seq = ${row.seq}`);
      prev = hash;
    }
    const rehashed = await verifyAuditWithAnchors(iso.db, anchors.store);
    assert.equal(rehashed.chain.ok, true, 'the forged chain links up');
    assert.equal(rehashed.ok, false);
    assert.equal(rehashed.anchors.problem?.kind, 'rewritten');
    assert.match(rehashed.anchors.problem?.message ?? '', /审计记录被改写：第 \d+ 条记录的摘要与.*签署的锚点.*不一致/);
  } finally {
    anchors.remove();
    await iso.drop();
  }
});

test('a deleted, edited or foreign anchor line is noticed', async () => {
  const iso = await isolatedDb();
  const anchors = tempAnchorStore();
  try {
    await buildContract(iso.db);
    for (let i = 0; i < 3; i++) {
      await addRows(iso.db, 1, `k${i}`);
      await anchorAuditChain(iso.db, anchors.store, new Date());
    }
    assert.equal((await verifyAuditWithAnchors(iso.db, anchors.store)).anchors.checked, 3);
    const [first] = readAnchors(anchors.store.dir);
    assert.ok(first);
    const original = readFileSync(first.file, 'utf8');
    const lines = original.trimEnd().split('\n');

    writeFileSync(first.file, `${[lines[0], lines[2]].join('\n')}\n`);
    const missing = await verifyAuditWithAnchors(iso.db, anchors.store);
    assert.equal(missing.anchors.problem?.kind, 'missingAnchor');
    assert.match(missing.anchors.problem?.message ?? '', /锚点文件中有锚点被删除/);

    const edited = (lines[1] ?? '').replace(/\\"rowCount\\":\\"(\d+)\\"/, (_, n: string) => `\\"rowCount\\":\\"${Number(n) + 1}\\"`);
    assert.notEqual(edited, lines[1]);
    writeFileSync(first.file, `${[lines[0], edited, lines[2]].join('\n')}\n`);
    const forged = await verifyAuditWithAnchors(iso.db, anchors.store);
    assert.equal(forged.anchors.problem?.kind, 'forged');
    assert.equal(forged.anchors.problem?.line, 2);

    writeFileSync(first.file, original);
    const other = tempAnchorStore();
    try {
      const foreign = await verifyAuditWithAnchors(iso.db, { ...other.store, dir: anchors.store.dir });
      assert.equal(foreign.anchors.problem?.kind, 'foreignKey');
    } finally {
      other.remove();
    }
    assert.equal((await verifyAuditWithAnchors(iso.db, anchors.store)).ok, true);
  } finally {
    anchors.remove();
    await iso.drop();
  }
});
