/**
 * Personal-data retention (security.md check 29), on a database of the
 * file's own (the run's counts are global). Incidents closed and work orders
 * finished longer ago than the policy lose their sealed originals (envelope,
 * blind indexes, which also hold the originals of a work order's details) and
 * keep their masked text; open or recent records keep everything; each run
 * writes one `privacy.retentionApplied` audit row with the counts per table;
 * audit rows are never touched. Time is a fake `now` passed to the job.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { isolatedDb } from '../helpers/db.ts';
import type { Db } from '../../src/db/database.ts';
import { buildContract, buildUser, signInAs } from '../helpers/factories.ts';
import { withWorkOrders } from '../workorders/workorder-fixtures.ts';
import { buildSecurityApp } from './security-app.ts';
import { applyRetention, retentionCutoff } from '../../src/privacy/retention.service.ts';
import { verifyAuditChain } from '../../src/audit/audit.service.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';

let iso: Awaited<ReturnType<typeof isolatedDb>>;
let db: Db;
let app: FastifyInstance;
const DAY = 86_400_000;
/** When the records were finished (real time); the job runs at fake times after it. */
const finishedAt = new Date();
const ids = { oldIncident: '', secondOldIncident: '', openIncident: '', oldOrder: '', openOrder: '' };

before(async () => {
  iso = await isolatedDb();
  db = iso.db;
  app = await buildSecurityApp(db);
  const contract = await buildContract(db, withWorkOrders);
  const desk = await buildUser(db, { contractId: contract.id, roles: ['deskAgent'] });
  const cookie = await signInAs(app, desk);
  const report = async (): Promise<string> => {
    const r = await app.inject({
      method: 'POST',
      url: `/api/contracts/${contract.id}/incidents`,
      headers: { cookie },
      payload: {
        title: '社保卡读卡失败',
        description: '参保人身份证号 11010519491231002X 办理时读卡失败，请回电 13800138000',
        systemKey: 'S1',
        channel: 'phone',
        reporterName: '张三丰',
        reporterContact: '13912345678',
        reportedAt: new Date().toISOString(),
        levelKey: 'P1',
        site: '某网点',
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  ids.oldIncident = await report();
  ids.secondOldIncident = await report();
  ids.openIncident = await report();
  const order = async (): Promise<string> => {
    const r = await app.inject({
      method: 'POST',
      url: `/api/contracts/${contract.id}/work-orders`,
      headers: { cookie },
      payload: { kind: 'serviceRequest', subtype: 'accountChange', title: '为柜员开通账号', description: '柜员身份证号 11010519491231002X，手机 13800138000', details: { contact: '联系人手机 13800138000' } },
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  ids.oldOrder = await order();
  ids.openOrder = await order();
  // Finishing the records: the lifecycle is tested elsewhere; here only the state and the time it was reached matter.
  for (const id of [ids.oldIncident, ids.secondOldIncident]) {
    await db.updateTable('incidents').set({ status: 'closed' }).where('id', '=', id).execute();
    await db.insertInto('incident_events').values({ incident_id: id, type: 'close', at: finishedAt, actor_user_id: desk.id, actor_name: '测试', actor_role: 'deskAgent', data: JSON.stringify({}) }).execute();
  }
  await db.updateTable('work_orders').set({ state: 'closed', closed_at: finishedAt }).where('id', '=', ids.oldOrder).execute();
});

after(async () => {
  await app?.close();
  await iso?.drop();
});

async function incident(id: string) {
  return db.selectFrom('incidents').select(['description', 'reporter_name', 'reporter_contact', 'pii_sealed', 'pii_index', 'pii_anonymised_at']).where('id', '=', id).executeTakeFirstOrThrow();
}

async function order(id: string) {
  return db.selectFrom('work_orders').select(['description', 'details', 'pii_sealed', 'pii_index', 'pii_anonymised_at']).where('id', '=', id).executeTakeFirstOrThrow();
}

async function retentionRows() {
  return db.selectFrom('audit_log').select(['actor_role', 'contract_id', 'entity_type', 'after']).where('action', '=', 'privacy.retentionApplied').orderBy('seq').execute();
}

test('the policy: YUNWEI_PII_RETENTION_DAYS defaults to 365 days, below 90 stops start-up; the audit minimum of 180 days stays', () => {
  assert.equal(loadConfig({}, '/srv/yunwei').piiRetentionDays, 365);
  assert.equal(loadConfig({ YUNWEI_PII_RETENTION_DAYS: '90' }, '/srv/yunwei').piiRetentionDays, 90);
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env, '/srv/yunwei');
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };
  assert.deepEqual(problems({ YUNWEI_PII_RETENTION_DAYS: '30' }), ['YUNWEI_PII_RETENTION_DAYS: 个人信息保留期不得少于 90 天（已关闭的工单仍可能重开、回访、考核和结算）']);
  assert.equal(problems({ YUNWEI_PII_RETENTION_DAYS: '5000' }).length, 1);
  assert.equal(problems({ YUNWEI_AUDIT_RETENTION_DAYS: '179' }).length, 1, 'the audit retention below 180 days is still refused');
  assert.deepEqual(retentionCutoff(new Date('2027-01-01T00:00:00Z'), 365), new Date('2026-01-01T00:00:00Z'));
});

test('the retention job: nothing before the policy; after it, the sealed originals of finished records go, the masked text stays, one audit row per run', async () => {
  const before = { old: await incident(ids.oldIncident), open: await incident(ids.openIncident), order: await order(ids.oldOrder), openOrder: await order(ids.openOrder) };
  assert.ok(before.old.pii_sealed && before.old.pii_index.length > 0, 'the report was sealed');
  assert.ok(before.order.pii_sealed, 'the order was sealed');
  assert.doesNotMatch(JSON.stringify(before.order.details), /13800138000/, 'the details are stored masked; their original is in the envelope');
  const auditBefore = await db.selectFrom('audit_log').select(['id', 'hash']).orderBy('seq').execute();

  // a day before the policy is over: nothing changes, and the run is still recorded
  const early = await applyRetention(db, 365, new Date(finishedAt.getTime() + 364 * DAY));
  assert.deepEqual(early.counts, { incidents: 0, work_orders: 0 });
  assert.deepEqual(await incident(ids.oldIncident), before.old);

  // past it: the two closed incidents and the closed order; with a batch of 1, one incident per run
  const now = new Date(finishedAt.getTime() + 366 * DAY);
  const first = await applyRetention(db, 365, now, 1);
  assert.deepEqual(first.counts, { incidents: 1, work_orders: 1 });
  assert.equal(first.more, true);
  const second = await applyRetention(db, 365, now);
  assert.deepEqual(second.counts, { incidents: 1, work_orders: 0 });
  assert.equal(second.more, false);
  const third = await applyRetention(db, 365, now);
  assert.deepEqual(third.counts, { incidents: 0, work_orders: 0 }, 'a run finds nothing left to do');

  for (const id of [ids.oldIncident, ids.secondOldIncident]) {
    const after = await incident(id);
    assert.equal(after.pii_sealed, null);
    assert.deepEqual(after.pii_index, []);
    assert.deepEqual(new Date(after.pii_anonymised_at ?? 0), now);
    assert.equal(after.description, before.old.description, 'the masked text stays');
    assert.equal(after.reporter_name, before.old.reporter_name);
    assert.equal(after.reporter_contact, before.old.reporter_contact);
    assert.doesNotMatch(after.description, /11010519491231002X|13800138000/);
  }
  const orderAfter = await order(ids.oldOrder);
  assert.equal(orderAfter.pii_sealed, null);
  assert.deepEqual(orderAfter.pii_index, []);
  assert.equal(orderAfter.description, before.order.description);
  assert.deepEqual(orderAfter.details, before.order.details, 'the masked details stay');
  assert.match(JSON.stringify(orderAfter.details), /138\*{4}8000/);
  assert.deepEqual(await incident(ids.openIncident), before.open, 'an open incident keeps its originals however old');
  assert.deepEqual(await order(ids.openOrder), before.openOrder, 'an unfinished order too');
  // the blind index no longer finds the anonymised records
  const byIndex = await db.selectFrom('incidents').select('id').where(sql<boolean>`pii_index && ${sql.val(before.old.pii_index)}::text[]`).execute();
  assert.deepEqual(byIndex.map((r) => r.id), [ids.openIncident]);

  // one audit row per run, by the system, outside any contract, with the counts per table
  const rows = await retentionRows();
  assert.equal(rows.length, 4);
  for (const r of rows) {
    assert.equal(r.actor_role, 'system');
    assert.equal(r.contract_id, null);
    assert.equal(r.entity_type, 'system');
  }
  assert.deepEqual(rows[1]?.after, { retentionDays: 365, cutoff: retentionCutoff(now, 365).toISOString(), counts: { incidents: 1, work_orders: 1 }, more: true });
  assert.doesNotMatch(JSON.stringify(rows.map((r) => r.after)), /11010519491231002X|13800138000|13912345678/);
  // audit rows are never touched: the earlier ones are exactly as they were, and the chain verifies
  const auditAfter = await db.selectFrom('audit_log').select(['id', 'hash']).orderBy('seq').execute();
  assert.deepEqual(auditAfter.slice(0, auditBefore.length), auditBefore);
  assert.equal(auditAfter.length, auditBefore.length + 4);
  assert.equal((await verifyAuditChain(db)).ok, true);
});
