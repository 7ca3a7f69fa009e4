/**
 * A slow, obviously-correct reference for working-time arithmetic and for one
 * SLA target clock. It walks minute by minute and asks, for each UTC minute,
 * "is this minute working time?" straight from the window definition, the
 * calendar and `Intl`. For tests and the benchmark only — never call it from
 * request handling.
 *
 * It shares nothing with the fast engine except the `WorkingCalendar` (which is
 * tested on its own against the State Council notices): its own span parsing,
 * its own time zone conversion, its own day rules.
 *
 * Definitions (the fast engine must agree):
 * - UTC minute `u` (the interval [u, u+1) in epoch minutes) is working when
 *   its local wall time, on its local date, falls in one of that date's spans.
 * - addWorkingMinutes(start, m): walk from start; each working minute consumed
 *   brings the instant to the minute's end; m = 0 returns start.
 * - workingMinutesBetween(a, b): the number of working minutes in [a, b).
 * - addWorkingDays(start, n): the end of the last working minute of the Nth
 *   local date after start's local date that has any working minute.
 */
import type { TServiceWindow } from '../contracts/contract-definition.schema.ts';
import type { WorkingCalendar } from '../calendar/working-calendar.ts';
import { SlaError } from './sla-errors.ts';

/** A window definition with what the reference needs to interpret it. */
export interface ReferenceWindow {
  readonly def: TServiceWindow;
  readonly calendar: WorkingCalendar;
  /** IANA time zone. */
  readonly timezone: string;
}

/** Stop walking after this many minutes (about 20 years). */
const MAX_WALK = 20 * 366 * 1440;

const offsetCache = new Map<string, Map<number, number>>();
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * UTC offset in minutes at epoch minute `u`, straight from `Intl`. Memoised per 15-minute bucket:
 * every tz-database offset change since 1970 happens on a 15-minute boundary of UTC.
 */
function offsetAt(timezone: string, u: number): number {
  let cache = offsetCache.get(timezone);
  if (!cache) {
    cache = new Map();
    offsetCache.set(timezone, cache);
  }
  const bucket = Math.floor(u / 15);
  const hit = cache.get(bucket);
  if (hit !== undefined) return hit;
  let fmt = formatters.get(timezone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timezone, fmt);
  }
  const at = bucket * 15;
  const p: Record<string, number> = {};
  for (const part of fmt.formatToParts(new Date(at * 60_000))) p[part.type] = Number(part.value);
  const localMs = Date.UTC(p['year'] ?? 0, (p['month'] ?? 1) - 1, p['day'] ?? 1, p['hour'] ?? 0, p['minute'] ?? 0);
  const off = Math.round(localMs / 60_000) - at;
  cache.set(bucket, off);
  return off;
}

function spansOf(list: readonly string[] | undefined): [number, number][] {
  if (list === undefined) return [[0, 1440]];
  return list.map((s) => {
    const [a = '', b = ''] = s.split('-');
    const [ah = '0', am = '0'] = a.split(':');
    const [bh = '0', bm = '0'] = b.split(':');
    return [Number(ah) * 60 + Number(am), Number(bh) * 60 + Number(bm)];
  });
}

const WEEKDAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const daySpanCache = new WeakMap<ReferenceWindow, Map<number, [number, number][]>>();

/** The local spans of one local date (day number = days since 1970-01-01); memoised per window and day. */
export function referenceSpansOfDay(w: ReferenceWindow, dayNumber: number): [number, number][] {
  let cache = daySpanCache.get(w);
  if (!cache) {
    cache = new Map();
    daySpanCache.set(w, cache);
  }
  const hit = cache.get(dayNumber);
  if (hit) return hit;
  const spans = spansOfDayUncached(w, dayNumber);
  cache.set(dayNumber, spans);
  return spans;
}

function spansOfDayUncached(w: ReferenceWindow, dayNumber: number): [number, number][] {
  const def = w.def;
  const weekday = new Date(dayNumber * 86_400_000).getUTCDay();
  switch (def.type) {
    case 'always':
      return [[0, 1440]];
    case 'workdays':
      return w.calendar.dayInfoByNumber(dayNumber).workday ? spansOf(def.hours) : [];
    case 'daily':
      if (def.followsHolidays && w.calendar.dayInfoByNumber(dayNumber).reason === 'holiday') return [];
      return spansOf(def.hours);
    case 'weekly': {
      const weekly = def.weekly ?? {};
      if (def.followsHolidays) {
        const info = w.calendar.dayInfoByNumber(dayNumber);
        if (info.reason === 'holiday') return [];
        if (info.reason === 'makeupWorkday') {
          for (const k of ['mon', 'tue', 'wed', 'thu', 'fri'] as const) {
            const s = weekly[k];
            if (s !== undefined && s.length > 0) return spansOf(s);
          }
          return [];
        }
      }
      const s = weekly[WEEKDAY_KEYS[weekday] ?? 'sun'];
      return s === undefined ? [] : spansOf(s);
    }
  }
}

/** Whether UTC minute `u` (epoch minutes) is working time. */
export function referenceIsWorkingMinute(w: ReferenceWindow, u: number): boolean {
  const local = u + offsetAt(w.timezone, u);
  const day = Math.floor(local / 1440);
  const minute = local - day * 1440;
  return referenceSpansOfDay(w, day).some(([a, b]) => minute >= a && minute < b);
}

/** Local date (day number) of UTC minute `u`. */
export function referenceLocalDay(timezone: string, u: number): number {
  return Math.floor((u + offsetAt(timezone, u)) / 1440);
}

/** Reference for `addWorkingMinutes`: walk minute by minute. */
export function referenceAddWorkingMinutes(w: ReferenceWindow, start: Date, minutes: number): Date {
  let u = Math.floor(start.getTime() / 60_000);
  let left = minutes;
  let steps = 0;
  while (left > 0) {
    if (referenceIsWorkingMinute(w, u)) left--;
    u++;
    if (++steps > MAX_WALK) throw new SlaError('SLA_WINDOW_EMPTY', '参考实现在 20 年内没有找到足够的工作时间');
  }
  return new Date(u * 60_000);
}

/** Reference for `workingMinutesBetween` (a ≤ b): count working minutes in [a, b). */
export function referenceWorkingMinutesBetween(w: ReferenceWindow, a: Date, b: Date): number {
  const ua = Math.floor(a.getTime() / 60_000);
  const ub = Math.floor(b.getTime() / 60_000);
  let n = 0;
  for (let u = ua; u < ub; u++) if (referenceIsWorkingMinute(w, u)) n++;
  return n;
}

/** Reference for `addWorkingDays`: the end of the last working minute of the Nth working local date after start's date. */
export function referenceAddWorkingDays(w: ReferenceWindow, start: Date, n: number): Date {
  const u0 = Math.floor(start.getTime() / 60_000);
  let day = referenceLocalDay(w.timezone, u0);
  let found = 0;
  for (let guard = 0; guard < 20 * 366; guard++) {
    day++;
    let last = -1;
    // Every UTC minute whose local date is `day` lies within ±16 h of the local day.
    for (let u = day * 1440 - 16 * 60; u < (day + 1) * 1440 + 16 * 60; u++) {
      if (referenceLocalDay(w.timezone, u) === day && referenceIsWorkingMinute(w, u)) last = u;
    }
    if (last >= 0 && ++found === n) return new Date((last + 1) * 60_000);
  }
  throw new SlaError('SLA_WINDOW_EMPTY', '参考实现在 20 年内没有找到足够的工作日');
}

/** One input of {@link referenceTargetClock}: what happened at minute `t` (epoch minutes), in order. */
export type ReferenceClockEvent =
  | { readonly t: number; readonly kind: 'stop' | 'restart' | 'resume' }
  | { readonly t: number; readonly kind: 'pause'; readonly counted: boolean };

/** Output of {@link referenceTargetClock}. */
export interface ReferenceClockResult {
  /** Instant (epoch minutes) the allowance is used up: past, or projected as the engine documents. */
  readonly due: number | null;
  readonly elapsed: number;
  readonly paused: number;
  readonly state: 'running' | 'paused' | 'met' | 'breached';
}

/**
 * Reference for one target clock (start, stop/restart, counted pauses) with a fixed allowance.
 * `window` null means real minutes. Walks minute by minute from `start` to `now`, then keeps walking
 * (as if the clock ran on, resumed at `now` when paused, or from the stop when stopped) to find the due.
 */
export function referenceTargetClock(input: {
  readonly window: ReferenceWindow | null;
  readonly allowed: number;
  readonly start: number;
  readonly events: readonly ReferenceClockEvent[];
  readonly now: number;
}): ReferenceClockResult {
  const working = (u: number): boolean => (input.window === null ? true : referenceIsWorkingMinute(input.window, u));
  let running = true;
  let paused = false;
  let stopAt: number | null = null;
  let elapsed = 0;
  let pausedMinutes = 0;
  let due: number | null = null;
  let i = 0;
  const events = input.events;
  for (let u = input.start; u < input.now; u++) {
    while (i < events.length && (events[i]?.t ?? Infinity) <= u) {
      const e = events[i++];
      if (!e) continue;
      if (e.kind === 'stop' && running) {
        running = false;
        stopAt = e.t;
      } else if (e.kind === 'restart' && !running) {
        running = true;
        stopAt = null;
      } else if (e.kind === 'pause') paused = e.counted;
      else if (e.kind === 'resume') paused = false;
    }
    if (running && working(u)) {
      if (paused) pausedMinutes++;
      else {
        elapsed++;
        if (due === null && elapsed >= input.allowed) due = u + 1;
      }
    }
  }
  // Events exactly at `now` still count (the engine applies events at or before now).
  while (i < events.length && (events[i]?.t ?? Infinity) <= input.now) {
    const e = events[i++];
    if (!e) continue;
    if (e.kind === 'stop' && running) {
      running = false;
      stopAt = e.t;
    } else if (e.kind === 'restart' && !running) {
      running = true;
      stopAt = null;
    } else if (e.kind === 'pause') paused = e.counted;
    else if (e.kind === 'resume') paused = false;
  }
  const lastEnd = stopAt ?? input.now;
  const breached = due !== null && lastEnd > due;
  if (due === null) {
    let u = stopAt ?? input.now;
    let acc = elapsed;
    if (acc >= input.allowed) due = u;
    for (let steps = 0; due === null; steps++, u++) {
      if (working(u)) acc++;
      if (acc >= input.allowed) due = u + 1;
      if (steps > MAX_WALK) throw new SlaError('SLA_WINDOW_EMPTY', '参考实现在 20 年内没有找到足够的工作时间');
    }
  }
  const state = breached ? 'breached' : stopAt !== null ? 'met' : paused ? 'paused' : 'running';
  return { due, elapsed, paused: pausedMinutes, state };
}
