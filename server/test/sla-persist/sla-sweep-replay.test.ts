/**
 * The sweep replays stored schedules (migration 0015) instead of recomputing histories: each
 * warning and breach at its instant (never early, never twice), nothing for a paused clock, the
 * new instant after an event moved a deadline, the incident row in step, and a clock stored
 * without a schedule recomputed once and replayed from then on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { useIsolatedDb } from '../helpers/db.ts';
import { buildContract, buildUser } from '../helpers/factories.ts';
import { createIncident } from '../../src/incidents/incident.service.ts';
import { findClock, recordSubjectClockEvents, sweepDueClocks } from '../../src/sla/sla-clock.service.ts';
import type { Ctx } from '../../src/shared/context.ts';

// The factory contract: P1 respond within 30 minutes (calendar), resolve within 4 working hours on 5×8;
// warnings at 50/80/100 %, the clock pauses while waiting on the reporter.
const at = (hhmm: string): Date => new Date(`2024-05-06T${hhmm}:00+08:00`);

const db = useIsolatedDb();

async function newIncident(title: string): Promise<{ id: string; clockId: string }> {
  const c = await buildContract(db);
  const desk = await buildUser(db, { contractId: c.id, roles: ['deskAgent'] });
  const ctx: Ctx = {
    user: { id: desk.id, username: desk.username, displayName: '坐席', organisationId: null, organisationName: null, isPlatformAdmin: false, sessionId: 's', lastSignInAt: null, lastSignInIp: null },
    clientIp: null,
    now: at('09:00'),
  };
  const inc = await createIncident(db, ctx, c.id, { title, description: '', systemKey: 'S1', channel: 'web', reporterName: '网点', reportedAt: at('09:00'), impact: {}, levelKey: 'P1' });
  const clock = await db.selectFrom('sla_clocks').select('id').where('subject_id', '=', inc.id).executeTakeFirstOrThrow();
  return { id: inc.id, clockId: clock.id };
}

async function signalsOf(clockId: string): Promise<string[]> {
  const r = await sql<{ s: string }>`
    SELECT target_key || ':' || kind || ':' || percent || '@' || to_char(deadline_at AT TIME ZONE 'Asia/Shanghai', 'HH24:MI') AS s
    FROM sla_signals WHERE clock_id = ${clockId} ORDER BY id`.execute(db);
  return r.rows.map((x) => x.s);
}

async function incidentRow(id: string) {
  const r = await db.selectFrom('incidents').select(['sla_breached', 'sla_at_risk', 'sla_due_at', 'sla_next_deadline_at']).where('id', '=', id).executeTakeFirstOrThrow();
  return { breached: r.sla_breached, atRisk: r.sla_at_risk, dueAt: r.sla_due_at ? new Date(r.sla_due_at).toISOString() : null, next: r.sla_next_deadline_at ? new Date(r.sla_next_deadline_at).toISOString() : null };
}

test('each warning and breach is recorded at its instant, never early and once, by replaying the schedule', async () => {
  const a = await newIncident('网点打印机故障（回放）');
  const stored = await db.selectFrom('sla_clocks').select(['scheduled', 'computed_at']).where('id', '=', a.clockId).executeTakeFirstOrThrow();
  const schedule = await db.selectFrom('sla_clock_schedules').select('steps').where('clock_id', '=', a.clockId).executeTakeFirstOrThrow();
  assert.ok(stored.scheduled && Array.isArray(schedule.steps) && schedule.steps.length > 0, 'the clock stores its schedule');

  await sweepDueClocks(db, at('09:14'));
  assert.deepEqual(await signalsOf(a.clockId), [], '50 % of the response is 09:15');
  // The due minute itself is on time: warnings only.
  await sweepDueClocks(db, at('09:30'));
  await sweepDueClocks(db, at('09:30'));
  assert.deepEqual(await signalsOf(a.clockId), ['respond:warning:50@09:30', 'respond:warning:80@09:30']);
  assert.deepEqual(await incidentRow(a.id), { breached: false, atRisk: true, dueAt: at('09:30').toISOString(), next: at('09:31').toISOString() });

  await sweepDueClocks(db, at('09:31'));
  await sweepDueClocks(db, at('09:45'));
  assert.deepEqual(await signalsOf(a.clockId), ['respond:warning:50@09:30', 'respond:warning:80@09:30', 'respond:breach:100@09:30']);
  // The breached response leaves the row's nearest deadline to the resolution (4 working hours: 14:00).
  assert.deepEqual(await incidentRow(a.id), { breached: true, atRisk: false, dueAt: at('14:00').toISOString(), next: at('11:00').toISOString() });
  const jobs = await sql<{ n: string }>`
    SELECT count(*)::text AS n FROM jobs j JOIN sla_signals s ON j.dedupe_key = 'sla.signal:' || s.id::text
    WHERE s.clock_id = ${a.clockId} AND j.kind = 'sla.signalFired' AND j.payload->'data'->>'subjectId' = ${a.id}`.execute(db);
  assert.equal(jobs.rows[0]?.n, '3', 'one notification job per signal, for the incident');

  // Replayed, not recomputed: the stored result is as computed at 09:00; readers see it advanced.
  const row = await db.selectFrom('sla_clocks').select('computed_at').where('id', '=', a.clockId).executeTakeFirstOrThrow();
  assert.equal(new Date(row.computed_at ?? 0).toISOString(), new Date(stored.computed_at ?? 0).toISOString());
  const view = await findClock(db, 'incident', a.id);
  const respond = view?.result.targets.find((t) => t.kind === 'respond');
  assert.equal(respond?.state, 'breached');
  assert.equal(respond?.breachedAt, at('09:30').toISOString());
  assert.equal(view?.nextDeadlineAt, at('11:00').toISOString());
  assert.equal(view?.result.targets.find((t) => t.kind === 'resolve')?.state, 'running');
  // With the reader's own `now`: the resolution's 80 % (192 working minutes: 13:12) has passed.
  const later = await findClock(db, 'incident', a.id, at('13:20'));
  assert.equal(later?.result.targets.find((t) => t.kind === 'resolve')?.state, 'atRisk');
});

test('a paused clock fires nothing; after it resumes, its moved deadline fires at the new instant', async () => {
  const b = await newIncident('网点读卡器故障（暂停）');
  await db.transaction().execute((trx) => recordSubjectClockEvents(trx, 'incident', b.id, [{ type: 'paused', at: at('09:10'), reason: 'waitingOnReporter' }], at('09:10')));
  await sweepDueClocks(db, at('09:40'));
  assert.deepEqual(await signalsOf(b.clockId), [], 'paused at 10 of 30 minutes: nothing is reached');
  // Resumed at 10:00: 20 minutes left, due 10:20 (50 % at 10:05, 80 % at 10:14).
  await db.transaction().execute((trx) => recordSubjectClockEvents(trx, 'incident', b.id, [{ type: 'resumed', at: at('10:00') }], at('10:00')));
  await sweepDueClocks(db, at('10:20'));
  assert.deepEqual(await signalsOf(b.clockId), ['respond:warning:50@10:20', 'respond:warning:80@10:20']);
  await sweepDueClocks(db, at('10:21'));
  assert.deepEqual(await signalsOf(b.clockId), ['respond:warning:50@10:20', 'respond:warning:80@10:20', 'respond:breach:100@10:20']);
  assert.equal((await incidentRow(b.id)).breached, true);
});

test('a clock stored without a schedule (before migration 0015) is recomputed once by the sweep, then replayed', async () => {
  const c = await newIncident('网点网络中断（旧计时器）');
  await db.deleteFrom('sla_clock_schedules').where('clock_id', '=', c.clockId).execute();
  await db.updateTable('sla_clocks').set({ scheduled: false }).where('id', '=', c.clockId).execute();
  await sweepDueClocks(db, at('09:20'));
  const row = await db.selectFrom('sla_clocks').select(['scheduled', 'computed_at']).where('id', '=', c.clockId).executeTakeFirstOrThrow();
  assert.ok(row.scheduled, 'the recompute stored its schedule');
  assert.equal(new Date(row.computed_at ?? 0).toISOString(), at('09:20').toISOString());
  assert.deepEqual(await signalsOf(c.clockId), ['respond:warning:50@09:30']);
  await sweepDueClocks(db, at('09:31'));
  assert.deepEqual(await signalsOf(c.clockId), ['respond:warning:50@09:30', 'respond:warning:80@09:30', 'respond:breach:100@09:30']);
  const after = await db.selectFrom('sla_clocks').select('computed_at').where('id', '=', c.clockId).executeTakeFirstOrThrow();
  assert.equal(new Date(after.computed_at ?? 0).toISOString(), at('09:20').toISOString(), 'replayed from then on');
});

test('a sweep that meets a clock being recomputed by an event replays the new schedule, not the one it read', async () => {
  const d = await newIncident('网点排队机故障（并发）');
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => {
    release = r;
  });
  let locked: () => void = () => undefined;
  const writerHasLock = new Promise<void>((r) => {
    locked = r;
  });
  // An event pauses the clock at 09:10 and keeps its transaction open while the sweep starts.
  const writer = db.transaction().execute(async (trx) => {
    await recordSubjectClockEvents(trx, 'incident', d.id, [{ type: 'paused', at: at('09:10'), reason: 'waitingOnReporter' }], at('09:10'));
    locked();
    await held;
  });
  await writerHasLock;
  const sweep = sweepDueClocks(db, at('09:40'));
  await new Promise((r) => setTimeout(r, 150));
  release();
  await writer;
  await sweep;
  assert.deepEqual(await signalsOf(d.clockId), [], 'the schedule read before the pause committed is not replayed');
  const row = await db.selectFrom('sla_clock_schedules').select('next_at').where('clock_id', '=', d.clockId).executeTakeFirstOrThrow();
  assert.equal(row.next_at, null, 'paused: nothing is due until it resumes');
  assert.equal((await incidentRow(d.id)).breached, false);
});
