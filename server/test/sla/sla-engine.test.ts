/**
 * The SLA clock engine, scenario by scenario. Every expected instant is worked out by hand in the
 * comments (Asia/Shanghai times; 5×8 = 09:00–12:00 and 13:00–17:00 on official working days).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseContractDefinition } from '../../src/contracts/contract-definition.parse.ts';
import type { TServiceWindow, TSlaTarget } from '../../src/contracts/contract-definition.schema.ts';
import { createWorkingCalendar, type WorkingCalendar } from '../../src/calendar/working-calendar.ts';
import { compileServiceWindows } from '../../src/calendar/service-window.ts';
import { computeSla, prepareContractSla, type ComputeSlaInput, type SlaEvent, type SlaLevel, type SlaResult, type SlaTargetResult } from '../../src/sla/sla-engine.ts';
import { SlaError, type SlaErrorCode } from '../../src/sla/sla-errors.ts';

const WINDOWS: TServiceWindow[] = [
  { key: 'w5x8', name: '5×8', type: 'workdays', hours: ['09:00-12:00', '13:00-17:00'] },
  { key: 'w7x24', name: '7×24', type: 'always' },
  { key: 'empty', name: '空时间窗', type: 'weekly', weekly: {} },
];

const LEVELS: SlaLevel[] = [
  {
    key: 'P1',
    name: '一级',
    targets: [
      { kind: 'respond', name: '响应', within: { amount: 30, unit: 'minutes' } },
      { kind: 'arrive', name: '到场（城区）', within: { amount: 24, unit: 'hours' }, when: { siteZone: 'urban' } },
      { kind: 'arrive', name: '到场（郊区）', within: { amount: 48, unit: 'hours' }, when: { siteZone: 'suburban' } },
      { kind: 'resolve', name: '解决', within: { amount: 4, unit: 'workingHours' } },
      { kind: 'reportUp', name: '上报（节假日）', within: { amount: 2, unit: 'hours' }, when: { dayType: 'holiday' } },
      { kind: 'reportUp', name: '上报', within: { amount: 24, unit: 'hours' } },
    ],
  },
  {
    key: 'P3',
    name: '三级',
    targets: [
      { kind: 'respond', within: { amount: 120, unit: 'minutes' } },
      { kind: 'resolve', within: { amount: 8, unit: 'workingHours' } },
    ],
  },
  { key: 'P4', targets: [{ kind: 'resolve', within: { amount: 2, unit: 'workingDays' } }] },
  { key: 'N24', targets: [{ kind: 'resolve', within: { amount: 2, unit: 'workingHours', window: 'w7x24' } }] },
  { key: 'SR', targets: [{ kind: 'resolve', name: '按甲方要求时间完成', perTicket: true }] },
  { key: 'PU', targets: [{ kind: 'progressUpdate', within: { amount: 2, unit: 'hours' } }] },
];

const calendar = createWorkingCalendar();
const windows = compileServiceWindows(WINDOWS, calendar);

const at = (s: string): Date => new Date(`${s}+08:00`);
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

function run(events: SlaEvent[], now: string, extra: Partial<ComputeSlaInput> = {}): SlaResult {
  return computeSla({ levels: LEVELS, windows, defaultWindowKey: 'w5x8', events, now: at(now), pauseOn: ['waitingOnReporter'], ...extra });
}

function target(r: SlaResult, key: string): SlaTargetResult {
  const t = r.targets.find((x) => x.key === key);
  assert.ok(t, `target ${key} present in ${r.targets.map((x) => x.key).join(',')}`);
  return t;
}

function throwsCode(fn: () => unknown, code: SlaErrorCode, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SlaError, `expected SlaError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

const created = (s: string, level = 'P1'): SlaEvent => ({ type: 'created', at: at(s), level });

test('respond (30 calendar minutes): warnings at 50/80/100 %, atRisk, due minute inclusive, breach the minute after', () => {
  const ev = [created('2023-06-05T10:00')];
  // 10:20: elapsed 20 of 30; 50 % (15 min) crossed at 10:15; 80 % (24 min) at 10:24; 100 % at 10:30.
  let r = target(run(ev, '2023-06-05T10:20'), 'respond');
  assert.equal(r.state, 'running');
  assert.equal(iso(r.startAt), iso(at('2023-06-05T10:00')));
  assert.equal(iso(r.dueAt), iso(at('2023-06-05T10:30')));
  assert.equal(r.elapsedMinutes, 20);
  assert.equal(r.remainingMinutes, 10);
  assert.equal(r.rule.meter, 'calendar');
  assert.equal(r.rule.windowKey, null);
  assert.deepEqual(
    r.warnings.map((w) => [w.percent, iso(w.at), w.crossed]),
    [
      [50, iso(at('2023-06-05T10:15')), true],
      [80, iso(at('2023-06-05T10:24')), false],
      [100, iso(at('2023-06-05T10:30')), false],
    ],
  );
  assert.equal(iso(r.nextChangeAt), iso(at('2023-06-05T10:24')));
  // 10:25: 80 % crossed → atRisk.
  assert.equal(target(run(ev, '2023-06-05T10:25'), 'respond').state, 'atRisk');
  // 10:30: the due minute is still on time; the next change is the breach at 10:31.
  r = target(run(ev, '2023-06-05T10:30'), 'respond');
  assert.equal(r.state, 'atRisk');
  assert.equal(iso(r.nextChangeAt), iso(at('2023-06-05T10:31')));
  // 10:31: breached; breachedAt is the missed deadline.
  r = target(run(ev, '2023-06-05T10:31'), 'respond');
  assert.equal(r.state, 'breached');
  assert.equal(iso(r.breachedAt), iso(at('2023-06-05T10:30')));
  assert.equal(r.nextChangeAt, null);
  // Responded at 10:30 (stamped in the due minute) → met.
  r = target(run([...ev, { type: 'responded', at: at('2023-06-05T10:30') }], '2023-06-05T11:00'), 'respond');
  assert.equal(r.state, 'met');
  assert.equal(iso(r.metAt), iso(at('2023-06-05T10:30')));
  assert.equal(r.breachedAt, null);
  // Responded at 10:31 → breached, stoppedAt 10:31.
  r = target(run([...ev, { type: 'responded', at: at('2023-06-05T10:31') }], '2023-06-05T11:00'), 'respond');
  assert.equal(r.state, 'breached');
  assert.equal(iso(r.stoppedAt), iso(at('2023-06-05T10:31')));
});

test('resolve (4 working hours) from Mon 10:00: warnings on working time, nextDeadlineAt is the earliest of all targets', () => {
  // 240 working minutes: 10:00–12:00 (120) + 13:00–15:00 (120) → 15:00.
  // 50 % = 120 → 12:00; 80 % = 192 → 13:00 + 72 = 14:12; 100 % → 15:00.
  const res = run([created('2023-06-05T10:00')], '2023-06-05T10:20');
  const r = target(res, 'resolve');
  assert.equal(iso(r.dueAt), iso(at('2023-06-05T15:00')));
  assert.deepEqual(
    r.warnings.map((w) => iso(w.at)),
    [iso(at('2023-06-05T12:00')), iso(at('2023-06-05T14:12')), iso(at('2023-06-05T15:00'))],
  );
  assert.equal(r.rule.windowKey, 'w5x8');
  assert.equal(r.rule.calendarVersion, calendar.version);
  assert.equal(r.rule.levelKey, 'P1');
  assert.equal(r.rule.targetIndex, 3);
  // respond's 80 % at 10:24 is the earliest future instant; reportUp (24 h, a working day) is later.
  assert.equal(iso(res.nextDeadlineAt), iso(at('2023-06-05T10:24')));
  // After responding at 10:05: respond stops; the next is resolve's 50 % at 12:00.
  const res2 = run([created('2023-06-05T10:00'), { type: 'responded', at: at('2023-06-05T10:05') }], '2023-06-05T10:20');
  assert.equal(iso(res2.nextDeadlineAt), iso(at('2023-06-05T12:00')));
  assert.equal(res2.calendarVersion, calendar.version);
  assert.equal(res2.timezone, 'Asia/Shanghai');
});

test('Friday 16:30 + 4 working hours → Monday 13:30', () => {
  // Fri 2 Jun 2023 16:30–17:00 = 30; Mon 09:00–12:00 = 180; 13:00–13:30 = 30.
  const r = target(run([created('2023-06-02T16:30')], '2023-06-05T09:00'), 'resolve');
  assert.equal(iso(r.dueAt), iso(at('2023-06-05T13:30')));
  assert.equal(r.elapsedMinutes, 30);
  assert.equal(r.remainingMinutes, 210);
});

test('raised during National Day week 2023: working target waits for the make-up Saturday, calendar target does not', () => {
  // Tue 3 Oct is a holiday. Resolve: Sat 7 Oct (make-up) 09:00–12:00 (180) + 13:00–14:00 (60) → 14:00.
  const res = run([created('2023-10-03T10:00')], '2023-10-03T10:10');
  assert.equal(iso(target(res, 'resolve').dueAt), iso(at('2023-10-07T14:00')));
  assert.equal(target(res, 'resolve').elapsedMinutes, 0);
  // Respond counts real time: 10:30 on 3 Oct.
  assert.equal(iso(target(res, 'respond').dueAt), iso(at('2023-10-03T10:30')));
  // Holiday condition: reportUp on a holiday is the 2-hour target (index 4) → 12:00.
  const up = target(res, 'reportUp');
  assert.equal(up.rule.targetIndex, 4);
  assert.equal(up.name, '上报（节假日）');
  assert.equal(iso(up.dueAt), iso(at('2023-10-03T12:00')));
});

test('holiday condition: on a working day, and on the make-up Saturday, reportUp uses the 24-hour target', () => {
  const wd = target(run([created('2023-06-05T10:00')], '2023-06-05T10:10'), 'reportUp');
  assert.equal(wd.rule.targetIndex, 5);
  assert.equal(iso(wd.dueAt), iso(at('2023-06-06T10:00')));
  // Sat 7 Oct 2023 is a make-up workday → "workday".
  const mk = target(run([created('2023-10-07T10:00')], '2023-10-07T10:10'), 'reportUp');
  assert.equal(mk.rule.targetIndex, 5);
  // An ordinary Sunday is a "holiday" (rest day) → 2 hours.
  const sun = target(run([created('2023-06-04T10:00')], '2023-06-04T10:10'), 'reportUp');
  assert.equal(sun.rule.targetIndex, 4);
});

test('make-up Saturday 2023-10-07 counts as working time', () => {
  // Raised Sat 7 Oct 16:00: 16:00–17:00 = 60 that day; Sun 8 Oct (make-up) 09:00–12:00 = 180 → 12:00 on 8 Oct.
  const r = target(run([created('2023-10-07T16:00')], '2023-10-07T16:30'), 'resolve');
  assert.equal(iso(r.dueAt), iso(at('2023-10-08T12:00')));
  assert.equal(r.elapsedMinutes, 30);
});

test('a pause across the National Day holiday pushes the due time out by the paused working time', () => {
  const base: SlaEvent[] = [
    created('2023-09-28T10:00'),
    { type: 'responded', at: at('2023-09-28T10:10') },
    { type: 'paused', at: at('2023-09-28T11:00'), reason: 'waitingOnReporter' },
    { type: 'resumed', at: at('2023-10-09T09:30') },
  ];
  // Active Thu 10:00–11:00 = 60; paused Thu 11:00 → Mon 9 Oct 09:30:
  //   Thu 11–12 (60) + 13–17 (240) + Sat 7 Oct (420) + Sun 8 Oct (420) + Mon 09:00–09:30 (30) = 1170 paused working minutes.
  // Active again 09:30–10:00 = 30 → elapsed 90, remaining 150: 10:00–12:00 (120) + 13:00–13:30 (30) → due Mon 13:30.
  const r = target(run(base, '2023-10-09T10:00'), 'resolve');
  assert.equal(r.state, 'running');
  assert.equal(r.elapsedMinutes, 90);
  assert.equal(r.pausedMinutes, 1170);
  assert.equal(iso(r.dueAt), iso(at('2023-10-09T13:30')));
  // While paused (Sat 7 Oct 10:00): state paused, no nextChangeAt; due if resumed now: 180 left →
  //   10:00–12:00 (120) + 13:00–14:00 (60) → 14:00 on 7 Oct; paused so far: 60 + 240 + 60 (Sat 09–10) = 360.
  const p = target(run(base.slice(0, 3), '2023-10-07T10:00'), 'resolve');
  assert.equal(p.state, 'paused');
  assert.equal(p.nextChangeAt, null);
  assert.equal(p.pausedMinutes, 360);
  assert.equal(iso(p.dueAt), iso(at('2023-10-07T14:00')));
  // A pause for a reason not in pauseOn does not stop the clock: due Thu 10:00 + 240 → 15:00, breached by 9 Oct.
  const other = base.map((e) => (e.type === 'paused' ? { ...e, reason: 'waitingOnSupplier' } : e));
  const b = target(run(other, '2023-10-09T10:00'), 'resolve');
  assert.equal(b.state, 'breached');
  assert.equal(iso(b.breachedAt), iso(at('2023-09-28T15:00')));
  assert.equal(b.pausedMinutes, 0);
});

test('a reopen restarts the resolve clock, keeping the time before the first resolution', () => {
  const ev: SlaEvent[] = [
    created('2023-06-05T09:00'),
    { type: 'responded', at: at('2023-06-05T09:05') },
    { type: 'resolved', at: at('2023-06-05T11:00') },
    { type: 'reopened', at: at('2023-06-06T09:00') },
  ];
  // Before the reopen: met at 11:00 with 120 elapsed.
  const before = target(run(ev.slice(0, 3), '2023-06-05T15:00'), 'resolve');
  assert.equal(before.state, 'met');
  assert.equal(before.elapsedMinutes, 120);
  // Tue 10:00: 120 (Mon) + 60 (Tue 09–10) = 180, remaining 60 → due Tue 11:00. The Mon 11:00 → Tue 09:00 gap does not count.
  const r = target(run(ev, '2023-06-06T10:00'), 'resolve');
  assert.equal(r.state, 'running');
  assert.equal(r.elapsedMinutes, 180);
  assert.equal(iso(r.startAt), iso(at('2023-06-05T09:00')));
  assert.equal(iso(r.dueAt), iso(at('2023-06-06T11:00')));
  assert.equal(r.rule.restartOn, 'reopened');
  // The respond target is not restarted.
  assert.equal(target(run(ev, '2023-06-06T10:00'), 'respond').state, 'met');
  // Resolved again at 10:30 → met, 210 elapsed.
  const again = target(run([...ev, { type: 'resolved', at: at('2023-06-06T10:30') }], '2023-06-06T12:00'), 'resolve');
  assert.equal(again.state, 'met');
  assert.equal(again.elapsedMinutes, 210);
  assert.equal(iso(again.metAt), iso(at('2023-06-06T10:30')));
  // Not resolved by 11:01 → breached at 11:00, although the first resolution was on time.
  const late = target(run(ev, '2023-06-06T11:01'), 'resolve');
  assert.equal(late.state, 'breached');
  assert.equal(iso(late.breachedAt), iso(at('2023-06-06T11:00')));
});

test('a level upgrade halfway keeps the original start and the pause', () => {
  const ev: SlaEvent[] = [
    created('2023-06-05T09:00', 'P3'),
    { type: 'responded', at: at('2023-06-05T09:20') },
    { type: 'paused', at: at('2023-06-05T10:00'), reason: 'waitingOnReporter' },
    { type: 'resumed', at: at('2023-06-05T11:00') },
    { type: 'levelChanged', at: at('2023-06-05T13:00'), toLevel: 'P1' },
  ];
  // As P3 at 12:30: 8 working hours. Active 09–10 (60) + 11–12 (60) = 120.
  const p3 = run(ev.slice(0, 4), '2023-06-05T12:30');
  assert.equal(p3.levelKey, 'P3');
  assert.equal(target(p3, 'resolve').elapsedMinutes, 120);
  // As P1 at 14:00: 4 working hours from the ORIGINAL start 09:00, with the 10–11 pause kept:
  //   active 09–10 (60) + 11–12 (60) + 13–14 (60) = 180; remaining 60 → due 15:00.
  //   (Restarting at the level change would give 17:00; losing the pause would give 14:00.)
  const p1 = run(ev, '2023-06-05T14:00');
  assert.equal(p1.levelKey, 'P1');
  const r = target(p1, 'resolve');
  assert.equal(r.rule.levelKey, 'P1');
  assert.equal(iso(r.startAt), iso(at('2023-06-05T09:00')));
  assert.equal(r.elapsedMinutes, 180);
  assert.equal(r.pausedMinutes, 60);
  assert.equal(iso(r.dueAt), iso(at('2023-06-05T15:00')));
  // 80 % of 240 = 192 → 14:12, not yet crossed → running.
  assert.equal(r.state, 'running');
  // P1's respond (30 min) from 09:00 was met at 09:20.
  assert.equal(target(p1, 'respond').state, 'met');
});

test('a 7×24 working-hours target runs across midnight', () => {
  // 2 working hours on the always window from 23:30 → 01:30 next day; at 00:30, 60 elapsed.
  const r = target(run([created('2023-06-05T23:30', 'N24')], '2023-06-06T00:30'), 'resolve');
  assert.equal(iso(r.dueAt), iso(at('2023-06-06T01:30')));
  assert.equal(r.elapsedMinutes, 60);
  assert.equal(r.rule.windowKey, 'w7x24');
  assert.equal(r.rule.meter, 'working');
});

test('a working-day target raised after hours: day 1 is the next working day', () => {
  // Raised Mon 5 Jun 2023 18:30 (after hours), 2 working days: Tue = day 1, Wed = day 2 → Wed 17:00.
  // Allowed = working minutes Mon 18:30 → Wed 17:00 = 420 + 420 = 840; 50 % = 420 → Tue 17:00.
  const r = target(run([created('2023-06-05T18:30', 'P4')], '2023-06-06T09:00'), 'resolve');
  assert.equal(iso(r.dueAt), iso(at('2023-06-07T17:00')));
  assert.equal(r.allowedMinutes, 840);
  assert.equal(r.elapsedMinutes, 0);
  assert.equal(iso(r.warnings[0]?.at ?? null), iso(at('2023-06-06T17:00')));
  // Raised Mon 10:00: Tue = day 1, Wed = day 2 → also Wed 17:00, allowed 420 (Mon 10–12, 13–17 = 360... see below).
  // Mon 10:00 → Wed 17:00 = Mon 120 + 240 = 360, Tue 420, Wed 420 → 1200.
  const m = target(run([created('2023-06-05T10:00', 'P4')], '2023-06-05T10:00'), 'resolve');
  assert.equal(iso(m.dueAt), iso(at('2023-06-07T17:00')));
  assert.equal(m.allowedMinutes, 1200);
  // Raised Thu 28 Sep 2023 10:00: day 1 = Sat 7 Oct (make-up), day 2 = Sun 8 Oct → 8 Oct 17:00.
  const nd = target(run([created('2023-09-28T10:00', 'P4')], '2023-09-28T10:00'), 'resolve');
  assert.equal(iso(nd.dueAt), iso(at('2023-10-08T17:00')));
});

test('urban 24 h vs suburban 48 h arrival; no site zone → no arrival target', () => {
  const ev = [created('2023-06-05T10:00')];
  const urban = target(run(ev, '2023-06-05T10:10', { conditions: { siteZone: 'urban' } }), 'arrive');
  assert.equal(urban.rule.targetIndex, 1);
  assert.equal(iso(urban.dueAt), iso(at('2023-06-06T10:00')));
  const sub = target(run(ev, '2023-06-05T10:10', { conditions: { siteZone: 'suburban' } }), 'arrive');
  assert.equal(sub.rule.targetIndex, 2);
  assert.equal(iso(sub.dueAt), iso(at('2023-06-07T10:00')));
  assert.equal(run(ev, '2023-06-05T10:10').targets.some((t) => t.kind === 'arrive'), false);
  // Arrival stops the arrive clock.
  const arrived = target(run([...ev, { type: 'arrived', at: at('2023-06-06T09:00') }], '2023-06-06T12:00', { conditions: { siteZone: 'urban' } }), 'arrive');
  assert.equal(arrived.state, 'met');
});

test('tags condition picks the database-specific target', () => {
  const levels: SlaLevel[] = [
    {
      key: 'T',
      targets: [
        { kind: 'resolve', within: { amount: 2, unit: 'hours' }, when: { tags: ['database'] } },
        { kind: 'resolve', within: { amount: 8, unit: 'hours' } },
      ],
    },
  ];
  const ev = [created('2023-06-05T10:00', 'T')];
  const db = target(run(ev, '2023-06-05T10:00', { levels, conditions: { tags: ['database', 'oracle'] } }), 'resolve');
  assert.equal(iso(db.dueAt), iso(at('2023-06-05T12:00')));
  const plain = target(run(ev, '2023-06-05T10:00', { levels, conditions: { tags: ['network'] } }), 'resolve');
  assert.equal(iso(plain.dueAt), iso(at('2023-06-05T18:00')));
});

test('perTicket: waits for the agency deadline, which pauses do not move; the latest deadline wins', () => {
  const ev: SlaEvent[] = [created('2023-06-05T09:00', 'SR')];
  const none = target(run(ev, '2023-06-05T10:00'), 'resolve');
  assert.equal(none.state, 'notStarted');
  assert.equal(none.pending, 'perTicketDeadline');
  const withDeadline: SlaEvent[] = [
    ...ev,
    { type: 'perTicketDeadline', at: at('2023-06-05T10:00'), dueAt: at('2023-06-07T18:00'), targetKind: 'resolve' },
    { type: 'paused', at: at('2023-06-05T12:00'), reason: 'waitingOnReporter' },
    { type: 'resumed', at: at('2023-06-06T12:00') },
  ];
  // Mon 09:00 → Wed 18:00 = 57 h = 3420 min; 50 % = 1710 → Tue 13:30; 80 % = 2736 → Wed 06:36.
  const r = target(run(withDeadline, '2023-06-06T14:00'), 'resolve');
  assert.equal(r.rule.deadlineSource, 'perTicket');
  assert.equal(iso(r.dueAt), iso(at('2023-06-07T18:00')));
  assert.equal(r.allowedMinutes, 3420);
  assert.deepEqual(
    r.warnings.map((w) => [iso(w.at), w.crossed]),
    [
      [iso(at('2023-06-06T13:30')), true],
      [iso(at('2023-06-07T06:36')), false],
      [iso(at('2023-06-07T18:00')), false],
    ],
  );
  assert.equal(iso(r.nextChangeAt), iso(at('2023-06-07T06:36')));
  // A new deadline replaces the old one.
  const moved = target(run([...withDeadline, { type: 'perTicketDeadline', at: at('2023-06-06T15:00'), dueAt: at('2023-06-08T12:00') }], '2023-06-06T16:00'), 'resolve');
  assert.equal(iso(moved.dueAt), iso(at('2023-06-08T12:00')));
  // Resolved before the deadline → met; after → breached.
  assert.equal(target(run([...withDeadline, { type: 'resolved', at: at('2023-06-07T17:00') }], '2023-06-07T19:00'), 'resolve').state, 'met');
  assert.equal(target(run(withDeadline, '2023-06-07T18:01'), 'resolve').state, 'breached');
});

test('custom warning thresholds: atRisk from the largest one below 100 %', () => {
  // 30 min respond with warnAt [25, 75]: 25 % = 7.5 → 8 min (10:08); 75 % = 22.5 → 23 min (10:23).
  const r = target(run([created('2023-06-05T10:00')], '2023-06-05T10:22', { warnAt: [75, 25] }), 'respond');
  assert.deepEqual(r.warnings.map((w) => [w.percent, iso(w.at), w.crossed]), [
    [25, iso(at('2023-06-05T10:08')), true],
    [75, iso(at('2023-06-05T10:23')), false],
  ]);
  assert.equal(r.state, 'running');
  assert.equal(target(run([created('2023-06-05T10:00')], '2023-06-05T10:23', { warnAt: [75, 25] }), 'respond').state, 'atRisk');
  // Without a 100 % warning, the next change after 75 % is the breach minute 10:31.
  assert.equal(iso(target(run([created('2023-06-05T10:00')], '2023-06-05T10:23', { warnAt: [75, 25] }), 'respond').nextChangeAt), iso(at('2023-06-05T10:31')));
});

test('closing the ticket freezes running clocks (waived) and clears nextDeadlineAt', () => {
  const ev: SlaEvent[] = [created('2023-06-05T09:00'), { type: 'responded', at: at('2023-06-05T09:10') }, { type: 'closed', at: at('2023-06-05T09:40') }];
  const res = run(ev, '2023-06-08T09:00');
  assert.equal(target(res, 'respond').state, 'met');
  assert.equal(target(res, 'resolve').state, 'waived');
  assert.equal(iso(target(res, 'resolve').stoppedAt), iso(at('2023-06-05T09:40')));
  assert.equal(res.nextDeadlineAt, null);
  // Reopened after closing: the clocks run again (the resolve clock never stopped on `resolved`, so it just continues).
  const reopened = run([...ev, { type: 'reopened', at: at('2023-06-05T10:00') }], '2023-06-05T10:00');
  assert.equal(target(reopened, 'resolve').state, 'running');
  assert.equal(target(reopened, 'resolve').elapsedMinutes, 60);
});

test('progress updates are periodic: a late update breaches, the next cycle gets the full allowance', () => {
  const ev: SlaEvent[] = [
    created('2023-06-05T09:00', 'PU'),
    { type: 'progressUpdated', at: at('2023-06-05T10:30') }, // on time (due 11:00)
    { type: 'progressUpdated', at: at('2023-06-05T13:00') }, // late: cycle from 10:30 was due 12:30
  ];
  const r = target(run(ev, '2023-06-05T13:30'), 'progressUpdate');
  assert.equal(r.state, 'breached');
  assert.equal(iso(r.breachedAt), iso(at('2023-06-05T12:30')));
  assert.equal(iso(r.cycleStartAt), iso(at('2023-06-05T13:00')));
  assert.equal(iso(r.dueAt), iso(at('2023-06-05T15:00')));
  assert.equal(r.elapsedMinutes, 30);
  // The current cycle's 50 % (14:00) is still scheduled.
  assert.equal(iso(r.nextChangeAt), iso(at('2023-06-05T14:00')));
  // Only on-time updates → running.
  assert.equal(target(run(ev.slice(0, 2), '2023-06-05T11:00'), 'progressUpdate').state, 'running');
});

test('events after now are ignored: the state at an earlier instant', () => {
  const ev: SlaEvent[] = [created('2023-06-05T10:00'), { type: 'responded', at: at('2023-06-05T10:20') }];
  assert.equal(target(run(ev, '2023-06-05T10:10'), 'respond').state, 'running');
  assert.equal(target(run(ev, '2023-06-05T10:20'), 'respond').state, 'met');
});

test('unpublished year: error by default; with the Mon–Fri assumption the result lists it', () => {
  const last = calendar.publishedYears[calendar.publishedYears.length - 1] ?? 0;
  const ev: SlaEvent[] = [{ type: 'created', at: new Date(`${last}-12-31T16:00:00+08:00`), level: 'P3' }];
  const now = new Date(`${last}-12-31T16:30:00+08:00`);
  throwsCode(() => computeSla({ levels: LEVELS, windows, defaultWindowKey: 'w5x8', events: ev, now }), 'CALENDAR_YEAR_UNPUBLISHED', /尚未发布/);
  const assumed: WorkingCalendar = createWorkingCalendar({ assumeUnpublished: 'weekdays' });
  const res = computeSla({ levels: LEVELS, windows: compileServiceWindows(WINDOWS, assumed), defaultWindowKey: 'w5x8', events: ev, now });
  assert.deepEqual(res.assumptions.map((a) => a.year), [last + 1]);
  assert.match(res.assumptions[0]?.message ?? '', /尚未发布.*推定/);
  assert.deepEqual(target(res, 'resolve').assumedYears, [last + 1]);
  assert.deepEqual(target(res, 'respond').assumedYears, []); // calendar minutes need no calendar
});

test('bad input gives a clear Chinese error with a stable code', () => {
  const ev = [created('2023-06-05T10:00')];
  const now = at('2023-06-05T10:10');
  const base = { levels: LEVELS, windows, defaultWindowKey: 'w5x8', now };
  throwsCode(() => computeSla({ ...base, events: [created('2023-06-05T10:00', 'P9')] }), 'SLA_UNKNOWN_LEVEL', /P9/);
  throwsCode(() => computeSla({ ...base, events: [] }), 'SLA_BAD_EVENTS', /创建事件/);
  throwsCode(() => computeSla({ ...base, events: [{ type: 'created', at: new Date('x'), level: 'P1' }] }), 'SLA_BAD_EVENTS', /时间无效/);
  throwsCode(() => computeSla({ ...base, defaultWindowKey: 'nope', events: ev }), 'SLA_UNKNOWN_WINDOW', /nope/);
  throwsCode(() => computeSla({ ...base, now: new Date(Number.NaN), events: ev }), 'SLA_BAD_INPUT');
  throwsCode(() => computeSla({ ...base, warnAt: [0, 50], events: ev }), 'SLA_BAD_INPUT', /预警阈值/);
  const lv = (targets: TSlaTarget[]): SlaLevel[] => [{ key: 'P1', targets }];
  throwsCode(
    () => computeSla({ ...base, levels: lv([{ kind: 'resolve', within: { amount: 4, unit: 'workingHours', window: 'empty' } }]), events: ev }),
    'SLA_WINDOW_EMPTY',
    /没有任何工作时间/,
  );
  throwsCode(() => computeSla({ ...base, levels: lv([{ kind: 'resolve', within: { amount: 4, unit: 'workingHours', window: 'w9' } }]), events: ev }), 'SLA_UNKNOWN_WINDOW');
  throwsCode(() => computeSla({ ...base, levels: lv([{ kind: 'custom', name: '交付', within: { amount: 4, unit: 'hours' } }]), events: ev }), 'SLA_BAD_TARGET', /stopOn/);
  throwsCode(() => computeSla({ ...base, levels: lv([{ kind: 'resolve' }]), events: ev }), 'SLA_BAD_TARGET', /within/);
  throwsCode(() => computeSla({ ...base, levels: lv([{ kind: 'resolve', within: { amount: 1.5, unit: 'hours' } }]), events: ev }), 'SLA_BAD_TARGET', /正整数/);
  throwsCode(() => computeSla({ ...base, events: [created('2017-06-05T10:00')], now: at('2017-06-05T10:10') }), 'CALENDAR_OUT_OF_RANGE');
});

test('a stop event before the start event stops the clock at the start', () => {
  const levels: SlaLevel[] = [{ key: 'A', targets: [{ kind: 'arrive', startOn: 'responded', within: { amount: 2, unit: 'hours' } }] }];
  const ev: SlaEvent[] = [created('2023-06-05T10:00', 'A'), { type: 'arrived', at: at('2023-06-05T10:05') }, { type: 'responded', at: at('2023-06-05T10:20') }];
  const r = target(run(ev, '2023-06-05T11:00', { levels }), 'arrive');
  assert.equal(r.state, 'met');
  assert.equal(r.elapsedMinutes, 0);
  // Before the start event: notStarted.
  const ns = target(run(ev.slice(0, 1), '2023-06-05T11:00', { levels }), 'arrive');
  assert.equal(ns.state, 'notStarted');
  assert.equal(ns.pending, 'startEvent');
});

test('prepareContractSla: the minimal contract fixture, system windows and policy defaults', async () => {
  const parsed = parseContractDefinition(await readFile(new URL('../fixtures/minimal-contract.yaml', import.meta.url), 'utf8'));
  assert.ok(parsed.ok);
  const sla = prepareContractSla(parsed.definition, calendar);
  assert.equal(sla.windows.timezone, 'Asia/Shanghai');
  assert.equal(sla.defaultWindowFor('S1'), 'w5x8');
  assert.equal(sla.defaultWindowFor('S2'), 'w7x24');
  assert.equal(sla.defaultWindowFor(), 'w5x8');
  throwsCode(() => sla.defaultWindowFor('S9'), 'SLA_BAD_INPUT', /S9/);
  const ev: SlaEvent[] = [created('2023-06-02T16:30')];
  // S1 (5×8): P1 resolve 4 working hours from Fri 16:30 → Mon 13:30. S2 (7×24): → Fri 20:30.
  const s1 = computeSla({ ...sla, defaultWindowKey: sla.defaultWindowFor('S1'), events: ev, now: at('2023-06-02T16:40') });
  assert.equal(iso(target(s1, 'resolve').dueAt), iso(at('2023-06-05T13:30')));
  const s2 = computeSla({ ...sla, defaultWindowKey: sla.defaultWindowFor('S2'), events: ev, now: at('2023-06-02T16:40') });
  assert.equal(iso(target(s2, 'resolve').dueAt), iso(at('2023-06-02T20:30')));
  // pauseOn from the policy: waitingOnReporter pauses.
  const paused = computeSla({
    ...sla,
    defaultWindowKey: 'w5x8',
    events: [...ev, { type: 'paused', at: at('2023-06-02T16:40'), reason: 'waitingOnReporter' }],
    now: at('2023-06-02T16:50'),
  });
  assert.equal(target(paused, 'resolve').state, 'paused');
});
