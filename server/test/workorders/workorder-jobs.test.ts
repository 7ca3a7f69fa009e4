import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useIsolatedDb } from '../helpers/db.ts';
import { AppError } from '../../src/errors.ts';
import { applyWorkOrderCommand, createWorkOrder } from '../../src/workorders/workorder.service.ts';
import { getWorkOrder } from '../../src/workorders/workorder.query.ts';
import { WORK_ORDER_JOBS, WORK_ORDER_RECURRING } from '../../src/workorders/workorder.jobs.ts';
import { SLA_JOBS } from '../../src/sla/sla.jobs.ts';
import { sweepDueClocks } from '../../src/sla/sla-clock.service.ts';
import { runDueJobs, scheduleRecurring } from '../../src/jobs/job.queue.ts';
import type { JobDefinition } from '../../src/jobs/job.types.ts';
import { buildWorkOrderContract, ctxAt, dataExtraction } from './workorder-fixtures.ts';

// These tests run the global sweeps, so they get a database of their own.
const db = useIsolatedDb();

const registry = new Map<string, JobDefinition<unknown>>([...WORK_ORDER_JOBS, ...SLA_JOBS].map((j) => [j.kind, j as JobDefinition<unknown>]));
const at = (hhmm: string, day = '2024-05-06'): Date => new Date(`${day}T${hhmm}:00+08:00`);

test('the 30-minute response deadline: met when the vendor submits within 30 minutes, breached when it does not', async () => {
  const { contractId, people } = await buildWorkOrderContract(db);
  const eng = (now: Date) => ctxAt(people.engineer, now, '工程师');
  const window = (start: Date) => dataExtraction(people.engineer.id, start, new Date(start.getTime() + 4 * 3_600_000));

  // requested 09:00, submitted 09:20: met
  const a = await createWorkOrder(db, eng(at('09:00')), contractId, { ...window(at('09:00')), requestedAt: at('09:00').toISOString() });
  await applyWorkOrderCommand(db, eng(at('09:20')), a.id, 1, { type: 'submit' }, { stepUp: 'inProcess' });
  let d = await getWorkOrder(db, eng(at('09:21')), a.id);
  let respond = d.sla?.result.targets.find((t) => t.kind === 'respond');
  assert.equal(respond?.state, 'met');
  assert.equal(respond?.dueAt, at('09:30').toISOString());
  assert.equal(d.workOrder.slaBreached, false);

  // requested 09:00, nobody responds: the sweep marks it breached after 09:30
  const b = await createWorkOrder(db, eng(at('09:00')), contractId, { ...window(at('09:00')), requestedAt: at('09:00').toISOString() });
  await sweepDueClocks(db, at('09:26'));
  let row = await db.selectFrom('work_orders').select(['sla_breached', 'sla_at_risk', 'sla_due_at']).where('id', '=', b.id).executeTakeFirstOrThrow();
  assert.equal(row.sla_at_risk, true, 'past 80% of the 30 minutes');
  assert.equal(row.sla_breached, false);
  await sweepDueClocks(db, at('09:35'));
  row = await db.selectFrom('work_orders').select(['sla_breached', 'sla_at_risk', 'sla_due_at']).where('id', '=', b.id).executeTakeFirstOrThrow();
  assert.equal(row.sla_breached, true);
  const signals = await db.selectFrom('sla_signals').innerJoin('sla_clocks', 'sla_clocks.id', 'sla_signals.clock_id').select('sla_signals.kind').where('sla_clocks.subject_id', '=', b.id).execute();
  assert.ok(signals.some((s) => s.kind === 'breach'), 'the breach is recorded once for notification');

  // a request registered late (requested 08:20, acknowledged 09:00): breached, even though the record is new
  const c = await createWorkOrder(db, eng(at('09:00')), contractId, { ...window(at('09:00')), requestedAt: at('08:20').toISOString() });
  await applyWorkOrderCommand(db, eng(at('09:00')), c.id, 1, { type: 'acknowledge' }, { stepUp: 'inProcess' });
  d = await getWorkOrder(db, eng(at('09:01')), c.id);
  respond = d.sla?.result.targets.find((t) => t.kind === 'respond');
  assert.equal(respond?.state, 'breached');
  assert.equal(d.workOrder.slaBreached, true);
  assert.equal(d.workOrder.respondedAt, at('09:00').toISOString());
});

test('data access ends when the window closes: execution outside it is refused, and the sweep expires and audits the grant', async () => {
  const { contractId, people } = await buildWorkOrderContract(db);
  const eng = (now: Date) => ctxAt(people.engineer, now, '工程师');
  const lead = (now: Date) => ctxAt(people.lead, now, '甲方负责人');
  const wo = await createWorkOrder(db, eng(at('10:00')), contractId, { ...dataExtraction(people.engineer.id, at('10:30'), at('11:30')), requestedAt: at('10:00').toISOString() });
  let v = (await applyWorkOrderCommand(db, eng(at('10:05')), wo.id, 1, { type: 'submit' }, { stepUp: 'inProcess' })).version;
  v = (await applyWorkOrderCommand(db, lead(at('10:10')), wo.id, v, { type: 'approve', comment: '同意，执行前电话 13812345678 通知经办人' }, { stepUp: 'inProcess' })).version;
  // an approval comment is stored masked (check 27: no personal data in plaintext at rest)
  const approval = await db.selectFrom('work_order_approvals').select('comment').where('work_order_id', '=', wo.id).executeTakeFirstOrThrow();
  assert.equal(approval.comment, '同意，执行前电话 138****5678 通知经办人');
  const execute = { type: 'execute' as const, statement: 'SELECT count(*) FROM subsidy_payment', beforeCount: 5, afterCount: 5, output: { fileName: 'count.txt', sm3: 'c'.repeat(64) } };

  // before the window opens
  await assert.rejects(applyWorkOrderCommand(db, eng(at('10:15')), wo.id, v, execute, { stepUp: 'inProcess' }), (e: unknown) => e instanceof AppError && e.code === 'DATA_ACCESS_WINDOW_CLOSED' && /尚未到达/.test(e.message));
  // after it closed, even before the sweep ran
  await assert.rejects(applyWorkOrderCommand(db, eng(at('11:31')), wo.id, v, execute, { stepUp: 'inProcess' }), (e: unknown) => e instanceof AppError && e.code === 'DATA_ACCESS_WINDOW_CLOSED' && /已失效/.test(e.message));
  const unchanged = await db.selectFrom('work_orders').select(['state', 'version']).where('id', '=', wo.id).executeTakeFirstOrThrow();
  assert.deepEqual(unchanged, { state: 'approved', version: v });

  // the recurring sweep (through the job queue) expires it once, with a timeline event and an audit row
  await scheduleRecurring(db, WORK_ORDER_RECURRING, at('11:32'));
  await runDueJobs(db, registry, at('11:32'));
  const grant = await db.selectFrom('data_access_grants').selectAll().where('work_order_id', '=', wo.id).executeTakeFirstOrThrow();
  assert.equal(grant.status, 'expired');
  assert.equal(new Date(grant.ended_at ?? 0).toISOString(), at('11:32').toISOString());
  const audit = await db.selectFrom('audit_log').select(['action', 'actor_role']).where('entity_id', '=', grant.id).orderBy('seq').execute();
  assert.deepEqual(audit.map((a) => a.action), ['dataAccess.granted', 'dataAccess.expired']);
  assert.equal(audit[1]?.actor_role, 'system');
  const d = await getWorkOrder(db, eng(at('11:33')), wo.id);
  assert.ok(d.events.some((e) => e.type === 'accessExpired'));
  assert.equal(d.accessGrants[0]?.inForce, false);
  await scheduleRecurring(db, WORK_ORDER_RECURRING, at('11:33'));
  await runDueJobs(db, registry, at('11:33'));
  const again = await db.selectFrom('audit_log').select('action').where('entity_id', '=', grant.id).execute();
  assert.equal(again.length, 2, 'expired once only');
});

test('scheduled content is published by the job at its time, and an unscheduled item is left alone', async () => {
  const { contractId, people } = await buildWorkOrderContract(db);
  const eng = (now: Date) => ctxAt(people.engineer, now, '工程师');
  const editor = (now: Date) => ctxAt(people.teamLead, now, '编辑');
  const lead = (now: Date) => ctxAt(people.lead, now, '甲方负责人');
  const approved = async (title: string) => {
    const wo = await createWorkOrder(db, eng(at('09:00', '2024-05-07')), contractId, { kind: 'content', subtype: 'kioskContent', title, description: '', details: { channel: 'kiosk', body: '定点医疗机构名单已更新。' } });
    let v = (await applyWorkOrderCommand(db, eng(at('09:05', '2024-05-07')), wo.id, 1, { type: 'submit' }, { stepUp: 'inProcess' })).version;
    v = (await applyWorkOrderCommand(db, editor(at('09:10', '2024-05-07')), wo.id, v, { type: 'approve', comment: '已校对' }, { stepUp: 'inProcess' })).version;
    v = (await applyWorkOrderCommand(db, lead(at('09:20', '2024-05-07')), wo.id, v, { type: 'approve', comment: '同意' }, { stepUp: 'inProcess' })).version;
    return { id: wo.id, version: v };
  };
  const one = await approved('定点医疗机构信息变更');
  const two = await approved('网点信息变更');
  const publishAt = at('14:00', '2024-05-07').toISOString();
  await applyWorkOrderCommand(db, eng(at('09:30', '2024-05-07')), one.id, one.version, { type: 'schedule', publishAt }, { stepUp: 'inProcess' });
  const v2 = (await applyWorkOrderCommand(db, eng(at('09:30', '2024-05-07')), two.id, two.version, { type: 'schedule', publishAt }, { stepUp: 'inProcess' })).version;
  await applyWorkOrderCommand(db, eng(at('09:40', '2024-05-07')), two.id, v2, { type: 'unschedule' }, { stepUp: 'inProcess' });

  await runDueJobs(db, registry, at('13:59', '2024-05-07'));
  assert.equal((await db.selectFrom('work_orders').select('state').where('id', '=', one.id).executeTakeFirstOrThrow()).state, 'scheduled', 'not before its time');
  await runDueJobs(db, registry, at('14:00', '2024-05-07'));
  const d = await getWorkOrder(db, eng(at('14:01', '2024-05-07')), one.id);
  assert.equal(d.workOrder.state, 'published');
  assert.equal(d.workOrder.outcome.publishedAt, publishAt);
  const ev = d.events.at(-1);
  assert.equal(ev?.type, 'publish');
  assert.equal(ev?.actorRole, 'system');
  const resolve = d.sla?.result.targets.find((t) => t.kind === 'resolve');
  assert.equal(resolve?.state, 'met', 'within 3 working days');
  const audit = await db.selectFrom('audit_log').select(['action', 'actor_role']).where('entity_id', '=', one.id).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
  assert.deepEqual(audit, { action: 'workOrder.publish', actor_role: 'system' });
  assert.equal((await db.selectFrom('work_orders').select('state').where('id', '=', two.id).executeTakeFirstOrThrow()).state, 'approved', 'the unscheduled item stays unpublished');
});
