/**
 * Property test: the fast compiled windows against the minute-by-minute reference, on thousands of
 * deterministic pseudo-random inputs (seeded PRNG) over 2018–2030, for several window shapes.
 * A failure prints the seed-derived case so it can be replayed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TServiceWindow } from '../../src/contracts/contract-definition.schema.ts';
import { createWorkingCalendar } from '../../src/calendar/working-calendar.ts';
import { compileServiceWindow, compileServiceWindows } from '../../src/calendar/service-window.ts';
import { computeSla, type SlaEvent } from '../../src/sla/sla-engine.ts';
import {
  referenceAddWorkingDays,
  referenceAddWorkingMinutes,
  referenceTargetClock,
  referenceWorkingMinutesBetween,
  type ReferenceClockEvent,
  type ReferenceWindow,
} from '../../src/sla/sla-reference.ts';
import { prng } from '../../src/shared/prng.ts';

// 2018–2030 needs the Mon–Fri assumption for the years after the last published one.
const calendar = createWorkingCalendar({ assumeUnpublished: 'weekdays' });

const WINDOWS: { def: TServiceWindow; timezone: string; cases: number }[] = [
  { def: { key: 'w5x8', name: '5×8', type: 'workdays', hours: ['09:00-12:00', '13:00-17:00'] }, timezone: 'Asia/Shanghai', cases: 800 },
  { def: { key: 'w5x9', name: '5×9', type: 'workdays', hours: ['08:30-12:00', '13:00-18:30'] }, timezone: 'Asia/Shanghai', cases: 800 },
  { def: { key: 'w7x8', name: '7×8', type: 'daily', hours: ['09:00-17:00'] }, timezone: 'Asia/Shanghai', cases: 600 },
  { def: { key: 'w7x8h', name: '7×8 节假日停', type: 'daily', hours: ['08:00-12:00', '14:00-18:00'], followsHolidays: true }, timezone: 'Asia/Shanghai', cases: 600 },
  { def: { key: 'w7x24', name: '7×24', type: 'always' }, timezone: 'Asia/Shanghai', cases: 600 },
  {
    def: {
      key: 'wk',
      name: '自定义每周',
      type: 'weekly',
      weekly: { mon: ['08:30-12:00', '13:30-17:30'], tue: ['08:30-17:30'], wed: ['00:00-06:00', '22:00-24:00'], fri: ['08:30-12:00'], sat: ['10:00-11:00'] },
      followsHolidays: true,
    },
    timezone: 'Asia/Shanghai',
    cases: 800,
  },
  // A DST zone: spans that touch the 01:00–03:00 transition hours.
  {
    def: { key: 'ny', name: 'New York', type: 'weekly', weekly: { sun: ['00:30-03:30', '22:00-24:00'], mon: ['00:00-02:30', '09:00-17:00'], sat: ['01:00-02:00'] } },
    timezone: 'America/New_York',
    cases: 500,
  },
];

const FROM = Date.UTC(2018, 0, 1) / 60_000;
const TO = Date.UTC(2030, 11, 1) / 60_000;

/** A random epoch minute in 2018–2030, often on an interesting boundary (hour or half hour, local midnight, DST dates). */
function randomStart(rand: () => number): number {
  const u = FROM + Math.floor(rand() * (TO - FROM));
  const r = rand();
  if (r < 0.3) return u - (u % 60); // whole hour
  if (r < 0.4) return u - (u % 30);
  if (r < 0.5) return u - (u % 1440) - 8 * 60; // Shanghai midnight
  return u;
}

for (const [wi, { def, timezone, cases }] of WINDOWS.entries()) {
  const fast = compileServiceWindow(def, calendar, { timezone });
  const ref: ReferenceWindow = { def, calendar, timezone };

  test(`property: addWorkingMinutes matches the reference on ${def.name} (${timezone})`, () => {
    const rand = prng(1000 + wi);
    for (let i = 0; i < cases; i++) {
      const start = new Date(randomStart(rand) * 60_000);
      const minutes = rand() < 0.2 ? Math.floor(rand() * 10) : Math.floor(rand() * 3000);
      const expected = referenceAddWorkingMinutes(ref, start, minutes);
      const actual = fast.addWorkingMinutes(start, minutes);
      assert.equal(actual.toISOString(), expected.toISOString(), `case ${i}: ${start.toISOString()} + ${minutes}`);
    }
  });

  test(`property: workingMinutesBetween matches the reference on ${def.name} (${timezone})`, () => {
    const rand = prng(2000 + wi);
    for (let i = 0; i < cases; i++) {
      const a = randomStart(rand);
      const b = a + (rand() < 0.3 ? Math.floor(rand() * 600) : Math.floor(rand() * 14 * 1440));
      const da = new Date(a * 60_000);
      const db = new Date(b * 60_000);
      const expected = referenceWorkingMinutesBetween(ref, da, db);
      assert.equal(fast.workingMinutesBetween(da, db), expected, `case ${i}: ${da.toISOString()} → ${db.toISOString()}`);
      assert.equal(fast.workingMinutesBetween(db, da) + expected, 0, `case ${i}: reversed`);
    }
  });

  test(`property: addWorkingDays matches the reference on ${def.name} (${timezone})`, () => {
    const rand = prng(3000 + wi);
    for (let i = 0; i < Math.floor(cases / 4); i++) {
      const start = new Date(randomStart(rand) * 60_000);
      const n = 1 + Math.floor(rand() * 5);
      const expected = referenceAddWorkingDays(ref, start, n);
      assert.equal(fast.addWorkingDays(start, n).toISOString(), expected.toISOString(), `case ${i}: ${start.toISOString()} + ${n} days`);
    }
  });
}

test('property: around the 2023 National Day and 2024 Spring Festival, minute by minute', () => {
  // Dense check of the two holiday blocks the brief names: every 7th minute as a start, 1–1000 minutes.
  const def: TServiceWindow = { key: 'w5x8', name: '5×8', type: 'workdays', hours: ['09:00-12:00', '13:00-17:00'] };
  const fast = compileServiceWindow(def, calendar);
  const ref: ReferenceWindow = { def, calendar, timezone: 'Asia/Shanghai' };
  const rand = prng(4242);
  for (const [from, to] of [
    ['2023-09-27T00:00:00+08:00', '2023-10-10T00:00:00+08:00'],
    ['2024-02-02T00:00:00+08:00', '2024-02-20T00:00:00+08:00'],
  ] as const) {
    for (let u = Date.parse(from) / 60_000; u < Date.parse(to) / 60_000; u += 7 * 17) {
      const start = new Date(u * 60_000);
      const minutes = 1 + Math.floor(rand() * 1000);
      assert.equal(fast.addWorkingMinutes(start, minutes).toISOString(), referenceAddWorkingMinutes(ref, start, minutes).toISOString());
    }
  }
});

// ---------------------------------------------------------------- the SLA clock against the reference clock


test('property: the SLA engine matches the minute-by-minute reference clock on random histories', () => {
  const defs: TServiceWindow[] = [
    { key: 'w5x8', name: '5×8', type: 'workdays', hours: ['09:00-12:00', '13:00-17:00'] },
    { key: 'wk', name: '自定义每周', type: 'weekly', weekly: { mon: ['08:30-17:30'], wed: ['20:00-24:00'], sat: ['10:00-11:00'] }, followsHolidays: true },
  ];
  const set = compileServiceWindows(defs, calendar);
  const rand = prng(5150);
  const kinds = ['pauseCounted', 'pauseOther', 'resume', 'resolved', 'reopened'] as const;
  for (let i = 0; i < 1500; i++) {
    const windowKey = rand() < 0.2 ? null : rand() < 0.6 ? 'w5x8' : 'wk';
    const allowed = 1 + Math.floor(rand() * (windowKey === null ? 4000 : 1500));
    const created = randomStart(rand) + 3 * 30 * 1440 * (rand() < 0.5 ? 1 : 0);
    const events: SlaEvent[] = [{ type: 'created', at: new Date(created * 60_000), level: 'L' }];
    const refEvents: ReferenceClockEvent[] = [];
    let t = created;
    const n = Math.floor(rand() * 8);
    for (let k = 0; k < n; k++) {
      t += rand() < 0.15 ? 0 : Math.floor(rand() * 3 * 1440);
      const kind = kinds[Math.floor(rand() * kinds.length)] ?? 'resume';
      const date = new Date(t * 60_000);
      switch (kind) {
        case 'pauseCounted':
          events.push({ type: 'paused', at: date, reason: 'waitingOnReporter' });
          refEvents.push({ t, kind: 'pause', counted: true });
          break;
        case 'pauseOther':
          events.push({ type: 'paused', at: date, reason: 'waitingOnSupplier' });
          refEvents.push({ t, kind: 'pause', counted: false });
          break;
        case 'resume':
          events.push({ type: 'resumed', at: date });
          refEvents.push({ t, kind: 'resume' });
          break;
        case 'resolved':
          events.push({ type: 'resolved', at: date });
          refEvents.push({ t, kind: 'stop' });
          break;
        case 'reopened':
          events.push({ type: 'reopened', at: date });
          refEvents.push({ t, kind: 'restart' });
          break;
      }
    }
    const now = t + Math.floor(rand() * 2 * 1440);
    const within = windowKey === null ? { amount: allowed, unit: 'minutes' as const } : { amount: allowed, unit: 'workingMinutes' as const, window: windowKey };
    const result = computeSla({
      levels: [{ key: 'L', targets: [{ kind: 'resolve', within }] }],
      windows: set,
      defaultWindowKey: 'w5x8',
      events,
      now: new Date(now * 60_000),
      pauseOn: ['waitingOnReporter'],
    });
    const def = defs.find((d) => d.key === windowKey);
    const expected = referenceTargetClock({
      window: def ? { def, calendar, timezone: 'Asia/Shanghai' } : null,
      allowed,
      start: created,
      events: refEvents,
      now,
    });
    const r = result.targets[0];
    assert.ok(r);
    const label = `case ${i}: ${JSON.stringify({ windowKey, allowed, created: new Date(created * 60_000), events: events.map((e) => [e.type, e.at]), now: new Date(now * 60_000) })}`;
    assert.equal(r.dueAt?.getTime(), expected.due === null ? undefined : expected.due * 60_000, `dueAt, ${label}`);
    assert.equal(r.elapsedMinutes, expected.elapsed, `elapsed, ${label}`);
    assert.equal(r.pausedMinutes, expected.paused, `paused, ${label}`);
    assert.equal(r.state === 'atRisk' ? 'running' : r.state, expected.state, `state, ${label}`);
  }
});
