import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useIsolatedDb } from '../helpers/db.ts';
import { buildContract, buildUser } from '../helpers/factories.ts';
import { openClock, recordClockEvents, sweepDueClocks, findClock } from '../../src/sla/sla-clock.service.ts';
import { runDueJobs } from '../../src/jobs/job.queue.ts';
import { SLA_JOBS } from '../../src/sla/sla.jobs.ts';
import { addCalendarOverride } from '../../src/calendar/calendar.service.ts';
import type { Ctx } from '../../src/shared/context.ts';
import type { JobDefinition } from '../../src/jobs/job.types.ts';
import { randomUUID } from 'node:crypto';

const db = useIsolatedDb();
const registry = new Map<string, JobDefinition<unknown>>(SLA_JOBS.map((j) => [j.kind, j]));

// The factory contract: P1 respond within 30 minutes (calendar), resolve within
// 4 working hours on 5×8 (09:00–12:00, 13:00–17:00), default window w5x8.
const at = (s: string) => new Date(s);

async function newClock(reportedAt: Date) {
  const c = await buildContract(db);
  const subjectId = randomUUID();
  const view = await db.transaction().execute((trx) =>
    openClock(trx, { contractId: c.id, subjectType: 'incident', subjectId, systemKey: 'S1', levelKey: 'P1', conditions: {}, reportedAt }, reportedAt),
  );
  return { contract: c, subjectId, view };
}

test('opening a clock stores each target and the next deadline, computed on the 5×8 calendar', async () => {
  // Friday 2024-03-15 16:30 Beijing time. Respond: 30 calendar minutes → 17:00.
  // Resolve: 4 working hours = 30 min on Friday (16:30–17:00) + 180 on Monday morning
  // (09:00–12:00) + 30 after lunch (13:00–13:30) → Monday 2024-03-18 13:30.
  const { view } = await newClock(at('2024-03-15T16:30:00+08:00'));
  const respond = view.result.targets.find((t) => t.kind === 'respond');
  const resolve = view.result.targets.find((t) => t.kind === 'resolve');
  assert.ok(respond && resolve);
  assert.equal(respond.rule.meter, 'calendar');
  assert.equal(resolve.rule.windowKey, 'w5x8');
  assert.equal(resolve.allowedMinutes, 240);
  const resolveDue = new Date(resolve.dueAt ?? '').getTime();
  const mondayHalfPastOne = at('2024-03-18T13:30:00+08:00').getTime();
  assert.ok(Math.abs(resolveDue - mondayHalfPastOne) <= 60_000, `resolve due ${resolve.dueAt}`);
  const row = await db.selectFrom('sla_clocks').select(['next_deadline_at', 'level_key']).where('id', '=', view.clockId).executeTakeFirstOrThrow();
  assert.equal(new Date(row.next_deadline_at ?? 0).toISOString(), view.result.nextDeadlineAt);
  assert.equal(row.level_key, 'P1');
  // the earliest future change is the respond warning at 50% (15 minutes)
  assert.equal(view.result.nextDeadlineAt, at('2024-03-15T16:45:00+08:00').toISOString());
});

test('an event recomputes the clock in the same transaction; a rollback leaves the clock as it was', async () => {
  const t0 = at('2024-04-01T10:00:00+08:00');
  const { view } = await newClock(t0);
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await recordClockEvents(trx, view.clockId, [{ type: 'responded', at: at('2024-04-01T10:05:00+08:00') }], at('2024-04-01T10:05:00+08:00'));
      throw new Error('the ticket update failed');
    }),
  );
  const unchanged = await db.selectFrom('sla_events').select('type').where('clock_id', '=', view.clockId).execute();
  assert.deepEqual(unchanged.map((e) => e.type), ['created']);
  const after = await db.transaction().execute((trx) =>
    recordClockEvents(trx, view.clockId, [{ type: 'responded', at: at('2024-04-01T10:05:00+08:00') }], at('2024-04-01T10:05:00+08:00')),
  );
  assert.equal(after.result.targets.find((t) => t.kind === 'respond')?.state, 'met');
});

test('the sweep records warnings and breaches once per deadline and notifies the vendor', async () => {
  const t0 = at('2024-05-06T09:00:00+08:00');
  const { view, contract } = await newClock(t0);
  const pm = await buildUser(db, { contractId: contract.id, roles: ['vendorProjectManager'] });
  const lead = await buildUser(db, { contractId: contract.id, roles: ['agencyProjectLead'] });
  // 40 minutes later: respond (30 min) is breached; resolve (240 working minutes) at 16%.
  const t1 = at('2024-05-06T09:40:00+08:00');
  const r1 = await sweepDueClocks(db, t1);
  assert.ok(r1.clocks >= 1);
  const signals = await db.selectFrom('sla_signals').select(['target_key', 'kind', 'percent']).where('clock_id', '=', view.clockId).orderBy('id').execute();
  assert.deepEqual(
    signals.map((s) => `${s.target_key}:${s.kind}:${s.percent}`).sort(),
    ['respond:breach:100', 'respond:warning:50', 'respond:warning:80'],
  );
  // sweeping again at the same instant or later fires nothing new for respond
  await sweepDueClocks(db, t1);
  await sweepDueClocks(db, at('2024-05-06T09:41:00+08:00'));
  const again = await db.selectFrom('sla_signals').select((eb) => eb.fn.countAll().as('n')).where('clock_id', '=', view.clockId).where('target_key', '=', 'respond').executeTakeFirstOrThrow();
  assert.equal(Number(again.n), 3);
  // the notification jobs run: the vendor PM gets warnings and the breach, the agency lead only the breach
  await runDueJobs(db, registry, t1, 100);
  const pmNotes = await db.selectFrom('notifications').select(['kind', 'title']).where('user_id', '=', pm.id).execute();
  const leadNotes = await db.selectFrom('notifications').select(['kind', 'title']).where('user_id', '=', lead.id).execute();
  assert.equal(pmNotes.length, 3);
  assert.deepEqual(leadNotes.map((n) => n.kind), ['sla.breach']);
  assert.match(leadNotes[0]?.title ?? '', /【超时】响应时限已超时/);
  // the next deadline moved on to the resolve warning at 50% (120 working minutes → 11:00)
  const clock = await findClock(db, 'incident', (await db.selectFrom('sla_clocks').select('subject_id').where('id', '=', view.clockId).executeTakeFirstOrThrow()).subject_id);
  assert.equal(clock?.nextDeadlineAt, at('2024-05-06T11:00:00+08:00').toISOString());
});

test('a calendar correction recomputes open clocks from their history', async () => {
  // Reported Friday 2024-06-14 16:00: resolve = 60 min Friday + 180 Monday morning → Monday 12:00.
  const { view } = await newClock(at('2024-06-14T16:00:00+08:00'));
  const before = view.result.targets.find((t) => t.kind === 'resolve');
  assert.ok(Math.abs(new Date(before?.dueAt ?? '').getTime() - at('2024-06-17T12:00:00+08:00').getTime()) <= 60_000, before?.dueAt ?? '');
  const admin = await buildUser(db, { platformAdmin: true });
  const ctx: Ctx = {
    user: { id: admin.id, username: admin.username, displayName: '管理员', organisationId: null, organisationName: null, isPlatformAdmin: true, sessionId: 's', lastSignInAt: null, lastSignInIp: null },
    clientIp: null,
    now: at('2024-06-14T16:10:00+08:00'),
  };
  // Monday 2024-06-17 declared a local closure: the resolve deadline moves to Tuesday 12:00.
  await addCalendarOverride(db, ctx, { date: '2024-06-17', kind: 'holiday', name: '机房搬迁停工' });
  await runDueJobs(db, registry, ctx.now, 100);
  const row = await db.selectFrom('sla_clocks').select(['result', 'calendar_version']).where('id', '=', view.clockId).executeTakeFirstOrThrow();
  const result = row.result as { targets: { kind: string; dueAt: string; rule: { calendarVersion: string } }[] };
  const resolve = result.targets.find((t) => t.kind === 'resolve');
  assert.ok(Math.abs(new Date(resolve?.dueAt ?? '').getTime() - at('2024-06-18T12:00:00+08:00').getTime()) <= 60_000, resolve?.dueAt ?? '');
  assert.match(row.calendar_version ?? '', /调整1项/);
  assert.equal(resolve?.rule.calendarVersion, row.calendar_version);
});
