import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { isolatedDb } from '../helpers/db.ts';
import { computeAuditHash, GENESIS_HASH, recordAudit, SYSTEM_ACTOR, verifyAuditChain } from '../../src/audit/audit.service.ts';

test('concurrent writers: each transaction is linked at its commit, rolled-back ones leave no row and no gap in the chain', async () => {
  const iso = await isolatedDb();
  try {
    const writers = Array.from({ length: 12 }, (_, w) =>
      iso.db
        .transaction()
        .execute(async (trx) => {
          for (let i = 0; i < 3; i++) {
            await recordAudit(trx, SYSTEM_ACTOR, { action: 'test.concurrent', entityType: 'test', entityId: `${w}-${i}`, contractId: null, after: { w, i, text: '并发写入' } }, new Date());
            await sleep((w * 7 + i * 3) % 5);
          }
          // inside its own transaction a row is not in the chain yet: it joins at COMMIT
          const own = await trx.selectFrom('audit_log').select('seq').where('entity_id', '=', `${w}-0`).execute();
          assert.equal(own.length, 0);
          if (w % 4 === 3) throw new Error('rolled back on purpose');
        })
        .then(
          () => 'committed',
          () => 'rolled back',
        ),
    );
    const outcomes = await Promise.all(writers);
    const committed = outcomes.filter((o) => o === 'committed').length;
    assert.equal(committed, 9);

    const rows = await iso.db.selectFrom('audit_log').selectAll().where('action', '=', 'test.concurrent').orderBy('seq').execute();
    assert.equal(rows.length, committed * 3);
    // a transaction's rows are appended together, in the order it wrote them
    for (let k = 0; k < rows.length; k += 3) {
      const [a, b, c] = [rows[k], rows[k + 1], rows[k + 2]];
      const w = a?.entity_id?.split('-')[0];
      assert.deepEqual([a?.entity_id, b?.entity_id, c?.entity_id], [`${w}-0`, `${w}-1`, `${w}-2`]);
      assert.equal(BigInt(c?.seq ?? 0) - BigInt(a?.seq ?? 0), 2n);
    }
    assert.equal(rows.some((r) => Number(r.entity_id?.split('-')[0]) % 4 === 3), false);

    // every link is the SM3 of the row's canonical content and the previous hash, as Node computes it
    const all = await iso.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    let prev = GENESIS_HASH;
    for (const r of all) {
      assert.equal(r.prev_hash, prev);
      const expected = computeAuditHash({
        id: r.id,
        occurredAt: new Date(r.occurred_at).toISOString(),
        actorUserId: r.actor_user_id,
        actorName: r.actor_name,
        actorRole: r.actor_role,
        contractId: r.contract_id,
        action: r.action,
        entityType: r.entity_type,
        entityId: r.entity_id,
        before: r.before ?? null,
        after: r.after ?? null,
        clientIp: r.client_ip,
        prevHash: r.prev_hash,
      });
      assert.equal(r.hash, expected);
      prev = r.hash;
    }
    const v = await verifyAuditChain(iso.db);
    assert.equal(v.ok, true);
    assert.equal(v.rowsChecked, all.length);
    const pending = await iso.db.selectFrom('audit_pending').select('id').execute();
    assert.equal(pending.length, 0);
  } finally {
    await iso.drop();
  }
});
