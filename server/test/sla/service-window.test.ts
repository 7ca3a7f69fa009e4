/**
 * Working-time arithmetic on compiled service windows. Every expected value is worked out by hand
 * in the comment next to it (times are Asia/Shanghai unless the case says otherwise).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TServiceWindow } from '../../src/contracts/contract-definition.schema.ts';
import { createWorkingCalendar } from '../../src/calendar/working-calendar.ts';
import { compileServiceWindow, compileServiceWindows, type CompiledServiceWindow } from '../../src/calendar/service-window.ts';
import { SlaError, type SlaErrorCode } from '../../src/sla/sla-errors.ts';

const cal = createWorkingCalendar();
const W5x8: TServiceWindow = { key: 'w5x8', name: '5×8', type: 'workdays', hours: ['09:00-12:00', '13:00-17:00'] };
const W7x24: TServiceWindow = { key: 'w7x24', name: '7×24', type: 'always' };
const WWORKDAYS_ALLDAY: TServiceWindow = { key: 'wd', name: '工作日全天', type: 'workdays' };
const WDAILY_HOL: TServiceWindow = { key: 'dh', name: '每天 8-20（节假日停）', type: 'daily', hours: ['08:00-20:00'], followsHolidays: true };
const WDAILY: TServiceWindow = { key: 'd', name: '每天 8-20', type: 'daily', hours: ['08:00-20:00'] };
const WEEKLY_HOL: TServiceWindow = {
  key: 'wk',
  name: '周一至五 8:30-17:30，周六上午',
  type: 'weekly',
  weekly: { mon: ['08:30-17:30'], tue: ['08:30-17:30'], wed: ['08:30-17:30'], thu: ['08:30-17:30'], fri: ['08:30-17:30'], sat: ['09:00-12:00'] },
  followsHolidays: true,
};
const WEEKLY_NOHOL: TServiceWindow = { ...WEEKLY_HOL, key: 'wk2', followsHolidays: false };

const w5x8 = compileServiceWindow(W5x8, cal);
const w7x24 = compileServiceWindow(W7x24, cal);
const wAllDay = compileServiceWindow(WWORKDAYS_ALLDAY, cal);
const wDailyHol = compileServiceWindow(WDAILY_HOL, cal);
const wDaily = compileServiceWindow(WDAILY, cal);
const wWeekly = compileServiceWindow(WEEKLY_HOL, cal);
const wWeeklyNoHol = compileServiceWindow(WEEKLY_NOHOL, cal);

const d = (s: string): Date => new Date(s);
const iso = (x: Date): string => x.toISOString();

function throwsCode(fn: () => unknown, code: SlaErrorCode, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SlaError, `expected SlaError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (message) assert.match(e.message, message);
    return true;
  });
}

const addCases: { name: string; w: CompiledServiceWindow; start: string; minutes: number; expect: string }[] = [
  // Fri 16:30 → 30 min to 17:00; 210 left: Mon 09:00–12:00 (180), 30 left → Mon 13:30.
  { name: 'Friday 16:30 + 4 working hours on 5×8', w: w5x8, start: '2023-06-02T16:30:00+08:00', minutes: 240, expect: '2023-06-05T13:30:00+08:00' },
  // Seconds are truncated: 16:30:45 counts as 16:30.
  { name: 'seconds are truncated', w: w5x8, start: '2023-06-02T16:30:45+08:00', minutes: 240, expect: '2023-06-05T13:30:00+08:00' },
  // 11:30 → 30 min to 12:00, lunch 12–13 excluded, 30 more → 13:30.
  { name: 'lunch break is excluded', w: w5x8, start: '2023-06-05T11:30:00+08:00', minutes: 60, expect: '2023-06-05T13:30:00+08:00' },
  // Raised in the lunch break: clock starts at 13:00.
  { name: 'start in lunch break', w: w5x8, start: '2023-06-05T12:30:00+08:00', minutes: 30, expect: '2023-06-05T13:30:00+08:00' },
  // 13:00 + 240 ends exactly at the close 17:00 — not at the next opening.
  { name: 'ends exactly at closing time', w: w5x8, start: '2023-06-05T13:00:00+08:00', minutes: 240, expect: '2023-06-05T17:00:00+08:00' },
  // Saturday: clock starts Monday 09:00.
  { name: 'raised on a weekend', w: w5x8, start: '2023-06-03T10:00:00+08:00', minutes: 1, expect: '2023-06-05T09:01:00+08:00' },
  // 0 minutes: the start itself.
  { name: 'zero minutes', w: w5x8, start: '2023-06-03T10:00:00+08:00', minutes: 0, expect: '2023-06-03T10:00:00+08:00' },
  // National Day 2023: Tue 3 Oct is a holiday; next opening is the make-up Saturday 7 Oct 09:00; +60 → 10:00.
  { name: 'raised during National Day week 2023', w: w5x8, start: '2023-10-03T10:00:00+08:00', minutes: 60, expect: '2023-10-07T10:00:00+08:00' },
  // Thu 28 Sep 16:30: 30 min that day; 29 Sep–6 Oct off; Sat 7 Oct (make-up) 09:00 + 30 → 09:30.
  { name: 'make-up Saturday 2023-10-07 is a workday', w: w5x8, start: '2023-09-28T16:30:00+08:00', minutes: 60, expect: '2023-10-07T09:30:00+08:00' },
  // Fri 9 Feb 2024 16:00: 60 min that day; 10–17 Feb off; Sun 18 Feb (make-up) 09:00 + 60 → 10:00.
  { name: '2024 Spring Festival, make-up Sunday 18 Feb', w: w5x8, start: '2024-02-09T16:00:00+08:00', minutes: 120, expect: '2024-02-18T10:00:00+08:00' },
  // 7×24 across midnight: 23:30 + 60 → 00:30 next day (the Dragon Boat holiday is irrelevant).
  { name: '7×24 across midnight', w: w7x24, start: '2023-06-22T23:30:00+08:00', minutes: 60, expect: '2023-06-23T00:30:00+08:00' },
  // Daily 08–20 following holidays: Sun 1 Oct 2023 is a holiday, … 6 Oct too; Sat 7 Oct opens 08:00 → 09:00.
  { name: 'daily window following holidays', w: wDailyHol, start: '2023-10-01T10:00:00+08:00', minutes: 60, expect: '2023-10-07T09:00:00+08:00' },
  // Same without followsHolidays: open on 1 Oct → 11:00.
  { name: 'daily window ignoring holidays', w: wDaily, start: '2023-10-01T10:00:00+08:00', minutes: 60, expect: '2023-10-01T11:00:00+08:00' },
  // Daily following holidays is open on an ordinary Saturday: 10:00 + 60 → 11:00.
  { name: 'daily window open on ordinary weekend', w: wDailyHol, start: '2023-06-03T10:00:00+08:00', minutes: 60, expect: '2023-06-03T11:00:00+08:00' },
  // Weekly: Sat 11:30 → 30 min to 12:00; Sunday closed; Mon 08:30 + 30 → 09:00.
  { name: 'weekly custom across a weekend', w: wWeekly, start: '2023-06-03T11:30:00+08:00', minutes: 60, expect: '2023-06-05T09:00:00+08:00' },
  // Weekly following holidays on the make-up Saturday 7 Oct 2023: uses Monday's 08:30–17:30; raised Fri 6 Oct (holiday) → Sat 08:30 + 60 → 09:30.
  { name: 'weekly custom on a make-up Saturday uses Monday hours', w: wWeekly, start: '2023-10-06T10:00:00+08:00', minutes: 60, expect: '2023-10-07T09:30:00+08:00' },
];

for (const c of addCases) {
  test(`addWorkingMinutes: ${c.name}`, () => {
    assert.equal(iso(c.w.addWorkingMinutes(d(c.start), c.minutes)), iso(d(c.expect)));
  });
}

const betweenCases: { name: string; w: CompiledServiceWindow; a: string; b: string; expect: number }[] = [
  // 6 Oct holiday 0 + 7 Oct 420 + 8 Oct 420 = 840.
  { name: 'make-up weekend 7–8 Oct 2023', w: w5x8, a: '2023-10-06T00:00:00+08:00', b: '2023-10-09T00:00:00+08:00', expect: 840 },
  // Thu 28 Sep 420; 29 Sep–6 Oct 0; 7 Oct 420; 8 Oct 420; 9 Oct before 09:00 0 → 1260.
  { name: 'across National Day 2023', w: w5x8, a: '2023-09-28T09:00:00+08:00', b: '2023-10-09T09:00:00+08:00', expect: 1260 },
  // Sat 3 Feb 2024 0 + Sun 4 Feb (make-up) 420 = 420.
  { name: 'make-up Sunday 4 Feb 2024', w: w5x8, a: '2024-02-03T00:00:00+08:00', b: '2024-02-05T00:00:00+08:00', expect: 420 },
  // 10:15 → 12:00 = 105, 13:00 → 14:40 = 100 → 205.
  { name: 'within one day', w: w5x8, a: '2023-06-05T10:15:00+08:00', b: '2023-06-05T14:40:00+08:00', expect: 205 },
  // Reversed arguments give the negative.
  { name: 'reversed', w: w5x8, a: '2023-06-05T14:40:00+08:00', b: '2023-06-05T10:15:00+08:00', expect: -205 },
  // 7×24: 23:30 → 00:30 = 60.
  { name: '7×24 across midnight', w: w7x24, a: '2023-06-05T23:30:00+08:00', b: '2023-06-06T00:30:00+08:00', expect: 60 },
  // Weekly following holidays, make-up Saturday 7 Oct: Monday spans 08:30–17:30 = 540.
  { name: 'weekly make-up Saturday', w: wWeekly, a: '2023-10-07T00:00:00+08:00', b: '2023-10-08T00:00:00+08:00', expect: 540 },
  // Weekly not following holidays: Mon 2 Oct 2023 (a holiday) is open 08:30–17:30 = 540.
  { name: 'weekly ignoring holidays', w: wWeeklyNoHol, a: '2023-10-02T00:00:00+08:00', b: '2023-10-03T00:00:00+08:00', expect: 540 },
];

for (const c of betweenCases) {
  test(`workingMinutesBetween: ${c.name}`, () => {
    assert.equal(c.w.workingMinutesBetween(d(c.a), d(c.b)), c.expect);
  });
}

const dayCases: { name: string; w: CompiledServiceWindow; start: string; n: number; expect: string }[] = [
  // Raised Mon 10:00; the day of the event is not counted; day 1 = Tue → Tue 17:00.
  { name: 'raised on a working day at 10:00', w: w5x8, start: '2023-06-05T10:00:00+08:00', n: 1, expect: '2023-06-06T17:00:00+08:00' },
  // Raised Mon 18:30 (after hours): still day 1 = Tue → Tue 17:00.
  { name: 'raised after hours', w: w5x8, start: '2023-06-05T18:30:00+08:00', n: 1, expect: '2023-06-06T17:00:00+08:00' },
  // Raised Fri 18:00: day 1 = Mon → Mon 17:00.
  { name: 'raised Friday after hours', w: w5x8, start: '2023-06-02T18:00:00+08:00', n: 1, expect: '2023-06-05T17:00:00+08:00' },
  // Raised Sat: day 1 = Mon, day 2 = Tue.
  { name: 'raised on Saturday, 2 days', w: w5x8, start: '2023-06-03T10:00:00+08:00', n: 2, expect: '2023-06-06T17:00:00+08:00' },
  // Raised Thu 28 Sep 2023: day 1 = Sat 7 Oct (make-up), 2 = Sun 8 Oct, 3 = Mon 9 Oct.
  { name: 'across National Day, 1 day', w: w5x8, start: '2023-09-28T10:00:00+08:00', n: 1, expect: '2023-10-07T17:00:00+08:00' },
  { name: 'across National Day, 3 days', w: w5x8, start: '2023-09-28T10:00:00+08:00', n: 3, expect: '2023-10-09T17:00:00+08:00' },
  // Raised on the holiday 1 Oct: day 1 = Sat 7 Oct.
  { name: 'raised on a holiday', w: w5x8, start: '2023-10-01T10:00:00+08:00', n: 1, expect: '2023-10-07T17:00:00+08:00' },
  // Working days of a window without spans end at 24:00: day 1 = 7 Oct → 8 Oct 00:00.
  { name: 'window without spans ends at 24:00', w: wAllDay, start: '2023-09-28T10:00:00+08:00', n: 1, expect: '2023-10-08T00:00:00+08:00' },
  // 7×24: every day is a working day; day 1 = Tue 6 Jun → Wed 00:00.
  { name: '7×24', w: w7x24, start: '2023-06-05T10:00:00+08:00', n: 1, expect: '2023-06-07T00:00:00+08:00' },
  // Weekly: raised Fri 2 Jun 2023; day 1 = Sat (09:00–12:00) → Sat 12:00.
  { name: 'weekly window, Saturday half day', w: wWeekly, start: '2023-06-02T10:00:00+08:00', n: 1, expect: '2023-06-03T12:00:00+08:00' },
];

for (const c of dayCases) {
  test(`addWorkingDays: ${c.name}`, () => {
    assert.equal(iso(c.w.addWorkingDays(d(c.start), c.n)), iso(d(c.expect)));
  });
}

test('DST: a New York window counts real minutes on the transition days', () => {
  const ny = { timezone: 'America/New_York' };
  const allDay = compileServiceWindow({ key: 'ny', name: 'NY daily', type: 'daily' }, cal, ny);
  // Spring forward 12 Mar 2023: the local day has 23 hours.
  assert.equal(allDay.workingMinutesBetween(d('2023-03-12T00:00:00-05:00'), d('2023-03-13T00:00:00-04:00')), 23 * 60);
  // Fall back 5 Nov 2023: 25 hours.
  assert.equal(allDay.workingMinutesBetween(d('2023-11-05T00:00:00-04:00'), d('2023-11-06T00:00:00-05:00')), 25 * 60);
  const night = compileServiceWindow({ key: 'nyn', name: 'NY Sunday night', type: 'weekly', weekly: { sun: ['01:30-02:30'] } }, cal, ny);
  // 12 Mar: 01:30–02:00 EST exists, 02:00–02:30 does not → 30.
  assert.equal(night.workingMinutesBetween(d('2023-03-12T00:00:00-05:00'), d('2023-03-13T00:00:00-04:00')), 30);
  // 5 Nov: 01:30–01:59 EDT, 01:30–01:59 EST, 02:00–02:29 EST → 90.
  assert.equal(night.workingMinutesBetween(d('2023-11-05T00:00:00-04:00'), d('2023-11-06T00:00:00-05:00')), 90);
  // An ordinary Sunday: 60.
  assert.equal(night.workingMinutesBetween(d('2023-11-12T00:00:00-05:00'), d('2023-11-13T00:00:00-05:00')), 60);
  // Adding across the fold: start 01:45 EDT, 30 minutes → 15 EDT (to 02:00 EDT = 01:00 EST), then 01:30 EST + 15 → 01:45 EST.
  assert.equal(iso(night.addWorkingMinutes(d('2023-11-05T01:45:00-04:00'), 30)), iso(d('2023-11-05T01:45:00-05:00')));
});

test('an unpublished year: error by default, assumption on request', () => {
  const last = cal.publishedYears[cal.publishedYears.length - 1] ?? 0;
  const start = d(`${last}-12-31T16:00:00+08:00`);
  // Whether or not 31 Dec is a working day, 8 working hours run into the next year.
  throwsCode(() => w5x8.addWorkingMinutes(start, 480), 'CALENDAR_YEAR_UNPUBLISHED', new RegExp(`${last + 1} 年的国家法定节假日和调休安排尚未发布`));
  throwsCode(() => w5x8.addWorkingDays(start, 1), 'CALENDAR_YEAR_UNPUBLISHED');
  const assumed = compileServiceWindow(W5x8, createWorkingCalendar({ assumeUnpublished: 'weekdays' }));
  const due = assumed.addWorkingMinutes(start, 480);
  assert.ok(due.getTime() > start.getTime());
  assert.deepEqual(assumed.assumedYears(start, due), [last + 1]);
  assert.deepEqual(assumed.assumedYears(d('2023-06-01T00:00:00Z'), d('2023-07-01T00:00:00Z')), []);
  // A window that ignores holidays does not need the holiday calendar: no error, no assumption.
  assert.ok(wDaily.addWorkingMinutes(start, 480).getTime() > start.getTime());
  assert.deepEqual(wDaily.assumedYears(start, d(`${last + 1}-02-01T00:00:00Z`)), []);
});

test('dates before the calendar range are refused', () => {
  throwsCode(() => w5x8.addWorkingMinutes(d('2017-12-29T10:00:00+08:00'), 60), 'CALENDAR_OUT_OF_RANGE');
  throwsCode(() => w5x8.workingMinutesBetween(d('2017-12-29T10:00:00+08:00'), d('2018-01-03T10:00:00+08:00')), 'CALENDAR_OUT_OF_RANGE');
});

test('a window with no working time is refused with SLA_WINDOW_EMPTY', () => {
  const empty = compileServiceWindow({ key: 'none', name: '空', type: 'weekly', weekly: {} }, cal);
  assert.equal(empty.empty, true);
  throwsCode(() => empty.addWorkingMinutes(d('2023-06-05T10:00:00+08:00'), 1), 'SLA_WINDOW_EMPTY', /没有任何工作时间/);
  throwsCode(() => empty.addWorkingDays(d('2023-06-05T10:00:00+08:00'), 1), 'SLA_WINDOW_EMPTY');
  const noHours = compileServiceWindow({ key: 'nh', name: '无时段', type: 'workdays', hours: [] }, cal);
  throwsCode(() => noHours.workingMinutesBetween(d('2023-06-05T10:00:00+08:00'), d('2023-06-06T10:00:00+08:00')), 'SLA_WINDOW_EMPTY');
});

test('malformed windows are refused with SLA_BAD_WINDOW', () => {
  const bad: TServiceWindow[] = [
    { key: 'a', name: 'a', type: 'workdays', hours: ['9:00-12:00'] },
    { key: 'b', name: 'b', type: 'workdays', hours: ['12:00-09:00'] },
    { key: 'c', name: 'c', type: 'workdays', hours: ['23:00-24:30'] },
    { key: 'd', name: 'd', type: 'workdays', hours: ['09:00-12:00', '11:00-13:00'] },
    { key: 'e', name: 'e', type: 'always', hours: ['09:00-12:00'] },
    { key: 'f', name: 'f', type: 'weekly', hours: ['09:00-12:00'] },
  ];
  for (const def of bad) throwsCode(() => compileServiceWindow(def, cal), 'SLA_BAD_WINDOW');
  // Adjacent spans are merged, not refused: 09–12 + 12–13 = 4 h.
  const adj = compileServiceWindow({ key: 'g', name: 'g', type: 'workdays', hours: ['09:00-12:00', '12:00-13:00'] }, cal);
  assert.equal(adj.workingMinutesBetween(d('2023-06-05T00:00:00+08:00'), d('2023-06-06T00:00:00+08:00')), 240);
});

test('bad time zone, unknown window key, duplicate keys and bad arguments', () => {
  throwsCode(() => compileServiceWindow(W5x8, cal, { timezone: 'Asia/Beijing' }), 'SLA_BAD_TIMEZONE', /Asia\/Beijing/);
  const set = compileServiceWindows([W5x8, W7x24], cal);
  assert.deepEqual(set.keys, ['w5x8', 'w7x24']);
  throwsCode(() => set.get('w5x9'), 'SLA_UNKNOWN_WINDOW', /w5x9/);
  throwsCode(() => compileServiceWindows([W5x8, W5x8], cal), 'SLA_BAD_WINDOW', /重复/);
  throwsCode(() => w5x8.addWorkingMinutes(new Date(Number.NaN), 10), 'SLA_BAD_INPUT');
  throwsCode(() => w5x8.addWorkingMinutes(d('2023-06-05T10:00:00+08:00'), -5), 'SLA_BAD_INPUT');
  throwsCode(() => w5x8.addWorkingMinutes(d('2023-06-05T10:00:00+08:00'), 1.5), 'SLA_BAD_INPUT');
  throwsCode(() => w5x8.addWorkingDays(d('2023-06-05T10:00:00+08:00'), 0), 'SLA_BAD_INPUT');
});
