/**
 * The stored schedule against the engine: advancing a result computed at t0 to a later t (no event
 * in between) must give what the engine computes at t (states, warnings, breaches, next changes),
 * (a paused target's projected due instant excepted: see pausedAsOf),
 * and replaying the schedule up to t must record exactly the warnings and breaches the engine has
 * reached at t, never earlier, each once. Deterministic pseudo-random histories (seeded PRNG) on the
 * 5×8 calendar with pauses, per-ticket deadlines, progress updates, reopening and closing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TServiceWindow } from '../../src/contracts/contract-definition.schema.ts';
import { createWorkingCalendar } from '../../src/calendar/working-calendar.ts';
import { compileServiceWindows } from '../../src/calendar/service-window.ts';
import { computeSla, type SlaEvent, type SlaLevel } from '../../src/sla/sla-engine.ts';
import { advanceSlaResult, reachedSignals, scheduleOf, signalSpecKey, summariseResult, type SlaResultJson } from '../../src/sla/sla-schedule.ts';
import { prng } from '../../src/shared/prng.ts';

const WINDOWS: TServiceWindow[] = [
  { key: 'w5x8', name: '5×8', type: 'workdays', hours: ['09:00-12:00', '13:00-17:00'] },
  { key: 'w7x24', name: '7×24', type: 'always' },
];
const LEVELS: SlaLevel[] = [
  {
    key: 'P1',
    targets: [
      { kind: 'respond', within: { amount: 30, unit: 'minutes' } },
      { kind: 'arrive', within: { amount: 24, unit: 'hours' } },
      { kind: 'resolve', within: { amount: 4, unit: 'workingHours' } },
      { kind: 'reportUp', within: { amount: 2, unit: 'hours' }, when: { dayType: 'holiday' } },
      { kind: 'reportUp', within: { amount: 24, unit: 'hours' } },
    ],
  },
  { key: 'P3', targets: [{ kind: 'respond', within: { amount: 120, unit: 'minutes' } }, { kind: 'resolve', within: { amount: 8, unit: 'workingHours' } }] },
  { key: 'P4', targets: [{ kind: 'resolve', within: { amount: 2, unit: 'workingDays' } }] },
  { key: 'N24', targets: [{ kind: 'resolve', within: { amount: 2, unit: 'workingHours', window: 'w7x24' } }] },
  { key: 'SR', targets: [{ kind: 'resolve', perTicket: true, within: { amount: 3, unit: 'hours' } }] },
  { key: 'PU', targets: [{ kind: 'progressUpdate', within: { amount: 2, unit: 'hours' } }, { kind: 'respond', within: { amount: 15, unit: 'minutes' } }] },
];
const windows = compileServiceWindows(WINDOWS, createWorkingCalendar());
const WARN_SETS: readonly (readonly number[])[] = [[50, 80, 100], [75], [100], [60, 90]];

const MINUTE = 60_000;

function compute(events: SlaEvent[], now: Date, warnAt: readonly number[]): SlaResultJson {
  const r = computeSla({ levels: LEVELS, windows, defaultWindowKey: 'w5x8', events, now, warnAt, pauseOn: ['waitingOnReporter'] });
  return JSON.parse(JSON.stringify(r)) as SlaResultJson;
}

/**
 * A paused target's due instant and warning instants (also a breached one's, while paused) are
 * projections ("if it resumed now") that move with time but change nothing else; like every stored
 * result, they stay as of the last recomputation.
 */
function pausedAsOf(r: SlaResultJson, base: SlaResultJson): SlaResultJson {
  const targets = r.targets.map((t) => {
    const b = base.targets.find((x) => x.key === t.key);
    if (!b || b.nextChangeAt !== null || (t.state !== 'paused' && b.state !== 'breached')) return t;
    return { ...t, dueAt: b.dueAt, warnings: t.warnings.map((w, i) => ({ ...w, at: b.warnings[i]?.at ?? null })) };
  });
  return { ...r, targets };
}

/** The time-driven part of a result. */
function moving(r: SlaResultJson) {
  return {
    nextDeadlineAt: r.nextDeadlineAt,
    targets: r.targets.map((t) => ({ key: t.key, state: t.state, dueAt: t.dueAt, breachedAt: t.breachedAt, nextChangeAt: t.nextChangeAt, warnings: t.warnings })),
  };
}

function randomHistory(rnd: () => number): { events: SlaEvent[]; t0: Date } {
  // Start on a day in May–June 2024 (the Dragon Boat holiday included), at a random minute.
  let t = Date.parse('2024-05-01T00:00:00+08:00') + Math.floor(rnd() * 60 * 24 * 60) * MINUTE;
  const level = LEVELS[Math.floor(rnd() * LEVELS.length)]?.key ?? 'P1';
  const events: SlaEvent[] = [{ type: 'created', at: new Date(t), level }];
  const n = Math.floor(rnd() * 5);
  for (let i = 0; i < n; i++) {
    t += Math.floor(rnd() * 600) * MINUTE;
    const at = new Date(t);
    const k = rnd();
    if (k < 0.15) events.push({ type: 'responded', at });
    else if (k < 0.3) events.push({ type: 'paused', at, reason: rnd() < 0.7 ? 'waitingOnReporter' : 'other' });
    else if (k < 0.45) events.push({ type: 'resumed', at });
    else if (k < 0.55) events.push({ type: 'perTicketDeadline', at, dueAt: new Date(t + Math.floor(rnd() * 3000) * MINUTE) });
    else if (k < 0.65) events.push({ type: 'progressUpdated', at });
    else if (k < 0.72) events.push({ type: 'resolved', at });
    else if (k < 0.8) events.push({ type: 'reopened', at });
    else if (k < 0.84) events.push({ type: 'closed', at });
    else events.push({ type: 'levelChanged', at, toLevel: LEVELS[Math.floor(rnd() * LEVELS.length)]?.key ?? 'P1' });
  }
  return { events, t0: new Date(t + Math.floor(rnd() * 120) * MINUTE + Math.floor(rnd() * 59_000)) };
}

test('advancing a stored result gives what the engine computes later; the schedule fires each signal once, at its instant', () => {
  const rnd = prng(20261124);
  let withSteps = 0;
  for (let c = 0; c < 1500; c++) {
    const { events, t0 } = randomHistory(rnd);
    const warnAt = WARN_SETS[Math.floor(rnd() * WARN_SETS.length)] ?? [50, 80, 100];
    const r0 = compute(events, t0, warnAt);
    const schedule = scheduleOf(r0);
    if (schedule.length > 0) withSteps++;
    const recorded = new Set(reachedSignals(r0).map(signalSpecKey));
    // Check at each step's minute, the minute before it, and a few random later instants.
    const probes = schedule.flatMap((s) => [Date.parse(s.at) - MINUTE, Date.parse(s.at), Date.parse(s.at) + 30_000]);
    for (let i = 0; i < 3; i++) probes.push(t0.getTime() + Math.floor(rnd() * 6 * 24 * 60) * MINUTE);
    for (const p of probes.filter((x) => x >= t0.getTime()).sort((a, b) => a - b)) {
      const at = new Date(p);
      const where = `case ${c} (${JSON.stringify(events)}, warnAt ${warnAt.join('/')}, t0 ${t0.toISOString()}) at ${at.toISOString()}`;
      const expected = pausedAsOf(compute(events, at, warnAt), r0);
      assert.deepEqual(moving(advanceSlaResult(r0, at)), moving(expected), where);
      // Replaying the steps up to `at`: exactly the signals the engine has reached by then.
      const replayed = new Set(recorded);
      let summary = summariseResult(r0);
      for (const s of schedule) {
        if (Date.parse(s.at) > p) break;
        for (const sig of s.signals) {
          assert.ok(!replayed.has(signalSpecKey(sig)), `${where}: ${signalSpecKey(sig)} scheduled twice`);
          replayed.add(signalSpecKey(sig));
        }
        summary = s;
      }
      const reached = new Set(reachedSignals(expected).map(signalSpecKey));
      assert.deepEqual([...replayed].filter((k) => !reached.has(k)), [], `${where}: a signal fired early`);
      assert.deepEqual([...reached].filter((k) => !replayed.has(k)), [], `${where}: a signal missed`);
      const s = summariseResult(expected);
      assert.deepEqual({ dueAt: summary.dueAt, breached: summary.breached, atRisk: summary.atRisk }, s, `${where}: summary`);
      assert.equal(schedule.find((x) => Date.parse(x.at) > p)?.at ?? null, expected.nextDeadlineAt, `${where}: next deadline`);
    }
  }
  assert.ok(withSteps > 500, `enough clocks with future steps (${withSteps})`);
});
