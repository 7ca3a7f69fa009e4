/**
 * Service windows (服务时间窗) compiled into a fast structure for working-time arithmetic.
 *
 * A `TServiceWindow` from the contract is compiled together with a
 * {@link WorkingCalendar} and an IANA time zone (default Asia/Shanghai):
 *
 * - `always`: 7×24, ignores holidays; pure arithmetic, valid for any date.
 * - `workdays`: the calendar's working days (including make-up workdays 调休上班),
 *   with the daily `hours` spans (e.g. ["09:00-12:00","13:00-17:00"], the lunch
 *   break excluded); without `hours`, the whole day (00:00–24:00).
 * - `daily`: every day with the `hours` spans; with `followsHolidays`, closed on
 *   the calendar's holidays (official or override). Weekends stay open.
 * - `weekly`: per-weekday spans (`mon` … `sun`; a missing day is closed); with
 *   `followsHolidays`, closed on holidays and, on a make-up workday, open with
 *   the spans of the first weekday (Monday … Friday, in that order) that has any.
 *
 * All arithmetic is exact to the minute: instants are truncated to the whole
 * minute (UTC) on input and the structure works in integer epoch minutes. At
 * build time the local days of the calendar's covered years are turned into a
 * sorted list of UTC working intervals with a prefix sum of working minutes
 * (time zone offsets come from `Intl` once per half day at build time, so DST
 * is handled: a span's working time is the set of UTC minutes whose local wall
 * time falls in the span on that date). Each operation is then one or two
 * binary searches over typed arrays, with no `Date` or `Intl` in the hot path.
 *
 * Domain: windows that consult the holiday calendar (`workdays`, or
 * `followsHolidays`) cover the published years, plus the assumed years when
 * the calendar's policy is `'weekdays'`; other windows cover the calendar's
 * whole range (`fromYear`–`toYear`). Leaving the domain throws `SlaError`
 * (`CALENDAR_YEAR_UNPUBLISHED` or `CALENDAR_OUT_OF_RANGE`), never a wrong date.
 */
import type { TServiceWindow } from '../contracts/contract-definition.schema.ts';
import { SlaError } from '../sla/sla-errors.ts';
import {
  daysFromCivil,
  isoDateFromDayNumber,
  unpublishedYearError,
  weekdayOfDayNumber,
  yearOfDayNumber,
  type DayInfo,
  type WorkingCalendar,
} from './working-calendar.ts';

/** The time zone used when a contract names none. */
export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

const MINUTES_PER_DAY = 1440;
const MS_PER_MINUTE = 60_000;

/**
 * Something that measures elapsed time: a compiled service window (working minutes)
 * or {@link CALENDAR_METER} (plain elapsed minutes). All arguments are epoch minutes (UTC).
 */
export interface Meter {
  /** Cumulative metered minutes at instant `u` (a monotone function; only differences are meaningful). */
  cumulativeAt(u: number): number;
  /** The earliest instant `v ≥ u` such that the metered minutes in [u, v) reach `minutes`. */
  addAt(u: number, minutes: number): number;
  /** Metered minutes in [a, b) (negative when b < a). */
  betweenAt(a: number, b: number): number;
}

/** Plain elapsed time: "24 hours" means 1440 minutes of real time, whatever the window. */
export const CALENDAR_METER: Meter = Object.freeze({
  cumulativeAt: (u: number) => u,
  addAt: (u: number, minutes: number) => u + minutes,
  betweenAt: (a: number, b: number) => b - a,
});

/**
 * Convert a `Date` to whole epoch minutes (truncating seconds).
 * @throws {SlaError} `SLA_BAD_INPUT` when `d` is not a valid `Date`
 */
export function toEpochMinute(d: Date, what = '时间'): number {
  if (!(d instanceof Date) || !Number.isFinite(d.getTime())) {
    throw new SlaError('SLA_BAD_INPUT', `${what}不是有效的时间`);
  }
  return Math.floor(d.getTime() / MS_PER_MINUTE);
}

/** Convert whole epoch minutes to a `Date`. */
export function fromEpochMinute(u: number): Date {
  return new Date(u * MS_PER_MINUTE);
}

// ---------------------------------------------------------------- hour spans

/** A span of local minutes of the day, [start, end), 0 ≤ start < end ≤ 1440. */
type Span = readonly [number, number];

const SPAN_RE = /^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;
const FULL_DAY: readonly Span[] = Object.freeze([[0, MINUTES_PER_DAY] as const]);
const NO_SPANS: readonly Span[] = Object.freeze([]);

/**
 * Parse daily hour spans ["09:00-12:00", "13:00-17:00"] into sorted minute spans; adjacent spans are merged.
 * @throws {SlaError} `SLA_BAD_WINDOW` for a malformed span, an end not after its start, a time past 24:00, or overlapping spans
 */
export function parseHourSpans(spans: readonly string[], where: string): readonly Span[] {
  const parsed: [number, number][] = [];
  for (const s of spans) {
    const m = typeof s === 'string' ? SPAN_RE.exec(s) : null;
    if (!m) throw new SlaError('SLA_BAD_WINDOW', `${where}的时段「${String(s)}」格式不正确，应为 "HH:MM-HH:MM"（24 小时制）`, { span: String(s) });
    const a = Number(m[1]) * 60 + Number(m[2]);
    const b = Number(m[3]) * 60 + Number(m[4]);
    if (a >= b || b > MINUTES_PER_DAY) {
      throw new SlaError('SLA_BAD_WINDOW', `${where}的时段「${s}」无效：结束时间必须晚于开始时间，且不超过 24:00`, { span: s });
    }
    parsed.push([a, b]);
  }
  parsed.sort((x, y) => x[0] - y[0]);
  const merged: [number, number][] = [];
  for (const [a, b] of parsed) {
    const last = merged[merged.length - 1];
    if (last && a < last[1]) {
      throw new SlaError('SLA_BAD_WINDOW', `${where}的时段有重叠（${fmtHm(last[0])}-${fmtHm(last[1])} 与 ${fmtHm(a)}-${fmtHm(b)}）`);
    }
    if (last && a === last[1]) last[1] = b;
    else merged.push([a, b]);
  }
  return Object.freeze(merged.map((x) => Object.freeze([x[0], x[1]] as const)));
}

function fmtHm(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

// ---------------------------------------------------------------- time zones

const formatterCache = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  const cached = formatterCache.get(timezone);
  if (cached) return cached;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
  } catch {
    throw new SlaError('SLA_BAD_TIMEZONE', `时区「${timezone}」不是有效的 IANA 时区名称（例如 Asia/Shanghai）`, { timezone });
  }
  formatterCache.set(timezone, fmt);
  return fmt;
}

/**
 * Validate an IANA time zone name and return it.
 * @throws {SlaError} `SLA_BAD_TIMEZONE`
 */
export function checkTimezone(timezone: string): string {
  if (typeof timezone !== 'string' || timezone.length === 0) {
    throw new SlaError('SLA_BAD_TIMEZONE', '时区不能为空，应为 IANA 时区名称（例如 Asia/Shanghai）');
  }
  formatterFor(timezone);
  return timezone;
}

/**
 * Local wall time of a UTC epoch minute, in local minutes since 1970-01-01 00:00 (uses `Intl`; slow, build time only).
 */
export function localWallMinute(timezone: string, u: number): number {
  const parts = formatterFor(timezone).formatToParts(new Date(u * MS_PER_MINUTE));
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  for (const p of parts) {
    if (p.type === 'year') y = Number(p.value);
    else if (p.type === 'month') mo = Number(p.value);
    else if (p.type === 'day') d = Number(p.value);
    else if (p.type === 'hour') h = Number(p.value);
    else if (p.type === 'minute') mi = Number(p.value);
  }
  return daysFromCivil(y, mo, d) * MINUTES_PER_DAY + h * 60 + mi;
}

/** "YYYY-MM-DD HH:MM" local time of an epoch minute, for messages. */
export function formatLocal(timezone: string, u: number): string {
  const local = localWallMinute(timezone, u);
  const day = Math.floor(local / MINUTES_PER_DAY);
  return `${isoDateFromDayNumber(day)} ${fmtHm(local - day * MINUTES_PER_DAY)}`;
}

/**
 * Piecewise-constant UTC offsets and local day boundaries of one zone over a range of local days.
 * Built once per (zone, range) with `Intl` and memoised.
 */
interface ZoneTable {
  readonly timezone: string;
  /** Day number of local day index 0. */
  readonly firstDay: number;
  /** Number of local days covered. */
  readonly days: number;
  /** dayStart[i] = first UTC minute of local day i; dayStart[days] = end of the range. */
  readonly dayStart: Float64Array;
  /** Offset pieces: piece k covers [pieceStart[k], pieceStart[k+1]) with offset pieceOffset[k]; pieceStart[0] = -Infinity. */
  readonly pieceStart: Float64Array;
  readonly pieceOffset: Float64Array;
}

const zoneCache = new Map<string, ZoneTable>();
/** Offsets are sampled this often (minutes) and transitions located by bisection. */
const ZONE_SAMPLE_STEP = 720;

function zoneTable(timezone: string, firstDay: number, lastDay: number): ZoneTable {
  const key = `${timezone}|${firstDay}|${lastDay}`;
  const cached = zoneCache.get(key);
  if (cached) return cached;
  const offsetAt = (u: number): number => localWallMinute(timezone, u) - u;
  const from = (firstDay - 2) * MINUTES_PER_DAY;
  const to = (lastDay + 3) * MINUTES_PER_DAY;
  const starts: number[] = [-Infinity];
  const offsets: number[] = [offsetAt(from)];
  let prevU = from;
  let prevOff = offsets[0] ?? 0;
  for (let u = from + ZONE_SAMPLE_STEP; u <= to; u += ZONE_SAMPLE_STEP) {
    const o = offsetAt(u);
    if (o !== prevOff) {
      // Bisect for the first minute with the new offset.
      let lo = prevU;
      let hi = u;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (offsetAt(mid) === prevOff) lo = mid;
        else hi = mid;
      }
      starts.push(hi);
      offsets.push(o);
    }
    prevU = u;
    prevOff = o;
  }
  const pieceStart = Float64Array.from(starts);
  const pieceOffset = Float64Array.from(offsets);
  const days = lastDay - firstDay + 1;
  const dayStart = new Float64Array(days + 1);
  let k = 0;
  for (let i = 0; i <= days; i++) {
    const base = (firstDay + i) * MINUTES_PER_DAY;
    // First UTC minute whose local wall time is ≥ local midnight `base`.
    for (;;) {
      const end = k + 1 < pieceStart.length ? (pieceStart[k + 1] ?? Infinity) : Infinity;
      const off = pieceOffset[k] ?? 0;
      if (end + off > base) {
        dayStart[i] = Math.max(pieceStart[k] ?? -Infinity, base - off);
        break;
      }
      k++;
    }
  }
  const table: ZoneTable = { timezone, firstDay, days, dayStart, pieceStart, pieceOffset };
  zoneCache.set(key, table);
  return table;
}

/** Index of the last element ≤ x in a sorted array, or -1. */
function lastLE(arr: Float64Array, x: number, n: number = arr.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] ?? Infinity) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Index of the first element ≥ x in a sorted array, or `n` when none. */
function firstGE(arr: Float64Array | Int32Array, x: number, n: number = arr.length): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((arr[mid] ?? Infinity) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------- compiled window

/** Options of {@link compileServiceWindow} and {@link compileServiceWindows}. */
export interface CompileWindowOptions {
  /** IANA time zone; default {@link DEFAULT_TIMEZONE}. */
  readonly timezone?: string | undefined;
}

const WEEKDAY_KEYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/**
 * A service window compiled for fast working-time arithmetic. Create with {@link compileServiceWindow}.
 *
 * The `…At` methods take and return integer epoch minutes (UTC) and are the hot path;
 * the `Date` methods wrap them.
 */
export class CompiledServiceWindow implements Meter {
  /** The window's key in the contract. */
  readonly key: string;
  /** Display name, e.g. "5×8". */
  readonly name: string;
  /** The window type. */
  readonly type: TServiceWindow['type'];
  /** IANA time zone of the local hours. */
  readonly timezone: string;
  /** The calendar's version. */
  readonly calendarVersion: string;
  /** The window consults the holiday calendar (`workdays`, or `followsHolidays`). */
  readonly followsCalendar: boolean;
  /** The window has no working time at all; every operation throws `SLA_WINDOW_EMPTY`. */
  readonly empty: boolean;
  /** Total working minutes in the domain (Infinity for `always`). */
  readonly totalMinutes: number;

  private readonly calendar: WorkingCalendar;
  private readonly unbounded: boolean;
  private readonly zone: ZoneTable;
  /** UTC minutes: the domain is [domainStart, domainEnd]. */
  private readonly domainStart: number;
  private readonly domainEnd: number;
  /** Number of local days in the domain. */
  private readonly domainDays: number;
  private readonly endsAtUnpublished: boolean;
  /** Working intervals [starts[i], ends[i]) in UTC minutes, sorted and disjoint; cumEnd[i] = working minutes up to ends[i]. */
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private readonly cumEnd: Float64Array;
  private readonly count: number;
  /** workdaysBefore[i] = number of local days with working time among days [0, i). */
  private readonly workdaysBefore: Int32Array;
  /** dayClose[i] = UTC minute when the last span of local day i ends, or -1 when the day has no working time. */
  private readonly dayClose: Float64Array;

  /** Use {@link compileServiceWindow}. */
  constructor(def: TServiceWindow, calendar: WorkingCalendar, timezone: string) {
    this.key = def.key;
    this.name = def.name;
    this.type = def.type;
    this.timezone = checkTimezone(timezone);
    this.calendar = calendar;
    this.calendarVersion = calendar.version;
    const where = `服务时间窗「${def.name}」（${def.key}）`;
    const spansFor = compileDayRule(def, where);
    this.followsCalendar = def.type === 'workdays' || (def.type !== 'always' && def.followsHolidays === true);
    this.unbounded = def.type === 'always';

    const firstDay = daysFromCivil(calendar.fromYear, 1, 1);
    // Windows that consult the holiday calendar stop at the last published year unless the calendar assumes Mon–Fri.
    const stopsAtPublished = this.followsCalendar && calendar.assumeUnpublished === 'error';
    const lastCoveredYear = stopsAtPublished ? Math.min(calendar.toYear, lastPublished(calendar)) : calendar.toYear;
    this.endsAtUnpublished = stopsAtPublished && !calendar.isPublishedYear(lastCoveredYear + 1);
    const lastDay = daysFromCivil(lastCoveredYear, 12, 31);
    const zone = zoneTable(this.timezone, firstDay, daysFromCivil(calendar.toYear, 12, 31));
    this.zone = zone;
    const days = lastDay - firstDay + 1;
    this.domainDays = days;
    this.domainStart = zone.dayStart[0] ?? 0;
    this.domainEnd = zone.dayStart[days] ?? 0;

    const starts: number[] = [];
    const ends: number[] = [];
    const cum: number[] = [];
    const workdaysBefore = new Int32Array(days + 1);
    const dayClose = new Float64Array(days).fill(-1);
    let total = 0;
    let k = 0; // offset piece pointer
    for (let i = 0; i < days; i++) {
      workdaysBefore[i + 1] = workdaysBefore[i] ?? 0;
      const dayNumber = firstDay + i;
      const info = this.followsCalendar ? calendar.dayInfoByNumber(dayNumber) : null;
      const spans = spansFor(weekdayOfDayNumber(dayNumber), info);
      if (spans.length === 0) continue;
      const ds = zone.dayStart[i] ?? 0;
      const de = zone.dayStart[i + 1] ?? 0;
      const base = dayNumber * MINUTES_PER_DAY;
      while ((zone.pieceStart[k + 1] ?? Infinity) <= ds) k++;
      let close = -1;
      for (let p = k; p < zone.pieceStart.length && (zone.pieceStart[p] ?? Infinity) < de; p++) {
        const ps = Math.max(zone.pieceStart[p] ?? -Infinity, ds);
        const pe = Math.min(zone.pieceStart[p + 1] ?? Infinity, de);
        const off = zone.pieceOffset[p] ?? 0;
        for (const [a, b] of spans) {
          const s = Math.max(base + a - off, ps);
          const e = Math.min(base + b - off, pe);
          if (s >= e) continue;
          const lastIdx = ends.length - 1;
          if (lastIdx >= 0 && (ends[lastIdx] ?? 0) >= s) {
            // Adjacent to (or, across a DST fold, overlapping) the previous interval: extend it.
            if (e > (ends[lastIdx] ?? 0)) {
              total += e - (ends[lastIdx] ?? 0);
              ends[lastIdx] = e;
              cum[lastIdx] = total;
            }
          } else {
            starts.push(s);
            ends.push(e);
            total += e - s;
            cum.push(total);
          }
          close = Math.max(close, e);
        }
      }
      if (close >= 0) {
        dayClose[i] = close;
        workdaysBefore[i + 1] = (workdaysBefore[i] ?? 0) + 1;
      }
    }
    this.starts = Float64Array.from(starts);
    this.ends = Float64Array.from(ends);
    this.cumEnd = Float64Array.from(cum);
    this.count = starts.length;
    this.workdaysBefore = workdaysBefore;
    this.dayClose = dayClose;
    this.empty = this.count === 0;
    this.totalMinutes = this.unbounded ? Infinity : total;
  }

  // ------------------------------------------------------------ hot path (epoch minutes)

  /** Cumulative working minutes at instant `u` (epoch minutes). */
  cumulativeAt(u: number): number {
    if (this.unbounded) return u;
    this.checkUsable(u);
    const i = lastLE(this.starts, u, this.count);
    if (i < 0) return 0;
    const end = this.ends[i] ?? 0;
    const ce = this.cumEnd[i] ?? 0;
    return u >= end ? ce : ce - (end - u);
  }

  /**
   * The earliest instant `v ≥ u` at which `minutes` working minutes have elapsed since `u`
   * (if `u` is outside working time the clock starts at the next opening; an amount that ends
   * exactly at a closing time returns that closing time, not the next opening).
   */
  addAt(u: number, minutes: number): number {
    if (this.unbounded) return u + minutes;
    if (minutes === 0) {
      this.checkUsable(u);
      return u;
    }
    const c = this.cumulativeAt(u) + minutes;
    const j = firstGE(this.cumEnd, c, this.count);
    if (j >= this.count) throw this.beyondDomain(u);
    return (this.ends[j] ?? 0) - ((this.cumEnd[j] ?? 0) - c);
  }

  /** Working minutes in [a, b) (negative when b < a). */
  betweenAt(a: number, b: number): number {
    if (this.unbounded) return b - a;
    return this.cumulativeAt(b) - this.cumulativeAt(a);
  }

  /**
   * "Within N working days" (N ≥ 1): the end of the Nth working day after the local date of `u`.
   *
   * The day of the start event is never counted (as 民法典 第二百零一条: 开始的当日不计入), whatever the hour;
   * day 1 is the next day on which the window has working time. So a ticket raised on a working day at 10:00
   * with "1 working day" is due at the close of the next working day; one raised after hours, or on a
   * weekend or holiday, is due at the close of the first working day after that day. The end of a working
   * day is the end of the window's last span that day, or 24:00 for windows without spans.
   */
  addWorkingDaysAt(u: number, n: number): number {
    if (this.empty) throw this.emptyError();
    const zone = this.zone;
    const i = lastLE(zone.dayStart, u, zone.days + 1);
    if (i < 0 || i >= zone.days) throw this.outsideZone(u);
    if (this.unbounded) {
      const d = i + n;
      if (d >= zone.days) throw this.outsideZone(zone.dayStart[zone.days] ?? 0);
      return zone.dayStart[d + 1] ?? 0;
    }
    if (i >= this.domainDays) throw this.beyondDomain(u);
    const target = (this.workdaysBefore[i + 1] ?? 0) + n;
    // Smallest day index d with workdaysBefore[d + 1] ≥ target.
    const j = firstGE(this.workdaysBefore, target, this.domainDays + 1);
    if (j > this.domainDays) throw this.beyondDomain(u);
    return this.dayClose[j - 1] ?? 0;
  }

  /** Whether instant `u` (epoch minutes) lies in working time. */
  isWorkingAt(u: number): boolean {
    if (this.unbounded) return true;
    this.checkUsable(u);
    const i = lastLE(this.starts, u, this.count);
    return i >= 0 && u < (this.ends[i] ?? 0);
  }

  /**
   * Unpublished years whose Mon–Fri assumption a computation over [a, b] (epoch minutes) relied on.
   * Empty unless the window follows the holiday calendar and the calendar's policy is `'weekdays'`.
   */
  assumedYearsAt(a: number, b: number): number[] {
    if (!this.followsCalendar || this.calendar.assumeUnpublished !== 'weekdays') return [];
    const ya = this.localYearAt(Math.min(a, b));
    const yb = this.localYearAt(Math.max(a, b));
    const out: number[] = [];
    for (let y = ya; y <= yb; y++) if (!this.calendar.isPublishedYear(y)) out.push(y);
    return out;
  }

  // ------------------------------------------------------------ Date API

  /**
   * The instant when `minutes` of working time have elapsed from `start`
   * (if `start` is outside working time, the clock starts at the next opening).
   * @param minutes a non-negative integer
   * @throws {SlaError} `SLA_WINDOW_EMPTY`, `CALENDAR_YEAR_UNPUBLISHED`, `CALENDAR_OUT_OF_RANGE`, `SLA_BAD_INPUT`
   */
  addWorkingMinutes(start: Date, minutes: number): Date {
    checkAmount(minutes, '工作分钟数');
    return fromEpochMinute(this.addAt(toEpochMinute(start, '起始时间'), minutes));
  }

  /**
   * Working minutes between two instants (negative when `b` is before `a`).
   * @throws {SlaError} as {@link CompiledServiceWindow.addWorkingMinutes}
   */
  workingMinutesBetween(a: Date, b: Date): number {
    return this.betweenAt(toEpochMinute(a, '起始时间'), toEpochMinute(b, '结束时间'));
  }

  /**
   * "Within N working days": the end of the Nth working day after the local date of `start`;
   * see {@link CompiledServiceWindow.addWorkingDaysAt} for the rule.
   * @param n a positive integer
   * @throws {SlaError} as {@link CompiledServiceWindow.addWorkingMinutes}
   */
  addWorkingDays(start: Date, n: number): Date {
    if (!Number.isInteger(n) || n < 1) throw new SlaError('SLA_BAD_INPUT', `工作日数必须是正整数，收到 ${String(n)}`);
    return fromEpochMinute(this.addWorkingDaysAt(toEpochMinute(start, '起始时间'), n));
  }

  /** Whether `t` lies in working time. */
  isWorking(t: Date): boolean {
    return this.isWorkingAt(toEpochMinute(t));
  }

  /** Unpublished years whose Mon–Fri assumption a computation between `a` and `b` relied on. */
  assumedYears(a: Date, b: Date): number[] {
    return this.assumedYearsAt(toEpochMinute(a), toEpochMinute(b));
  }

  // ------------------------------------------------------------ internals

  private checkUsable(u: number): void {
    if (this.empty) throw this.emptyError();
    if (!(u >= this.domainStart && u <= this.domainEnd)) {
      if (u > this.domainEnd) throw this.beyondDomain(u);
      throw this.outsideZone(u);
    }
  }

  private localYearAt(u: number): number {
    const zone = this.zone;
    const i = Math.min(Math.max(lastLE(zone.dayStart, u, zone.days + 1), 0), zone.days - 1);
    return yearOfDayNumber(zone.firstDay + i);
  }

  private emptyError(): SlaError {
    return new SlaError(
      'SLA_WINDOW_EMPTY',
      `服务时间窗「${this.name}」（${this.key}）在日历范围内没有任何工作时间，按它计算的工作时长时限永远无法达成，请检查时间窗的时段设置`,
      { window: this.key },
    );
  }

  private beyondDomain(u: number): SlaError {
    if (this.endsAtUnpublished) {
      const year = yearOfDayNumber(this.zone.firstDay + this.domainDays);
      return unpublishedYearError(year, { firstYear: this.calendar.fromYear, lastYear: year - 1 });
    }
    return this.outsideZone(u);
  }

  private outsideZone(u: number): SlaError {
    const zone = this.zone;
    const from = isoDateFromDayNumber(zone.firstDay);
    const to = isoDateFromDayNumber(zone.firstDay + (this.unbounded ? zone.days : this.domainDays) - 1);
    return new SlaError(
      'CALENDAR_OUT_OF_RANGE',
      `时间 ${formatLocal(this.timezone, u)} 或按服务时间窗「${this.name}」推算的期限超出了工作日历的范围（${from} 至 ${to}，时区 ${this.timezone}）`,
      { window: this.key, from, to },
    );
  }
}

function lastPublished(calendar: WorkingCalendar): number {
  return calendar.publishedYears[calendar.publishedYears.length - 1] ?? calendar.fromYear - 1;
}

function checkAmount(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new SlaError('SLA_BAD_INPUT', `${what}必须是非负整数，收到 ${String(n)}`);
}

/** The spans of a local day given its weekday (0 = Sunday) and, for calendar-following windows, its calendar info. */
type DayRule = (weekday: number, info: DayInfo | null) => readonly Span[];

function compileDayRule(def: TServiceWindow, where: string): DayRule {
  switch (def.type) {
    case 'always': {
      if (def.hours !== undefined || def.weekly !== undefined) {
        throw new SlaError('SLA_BAD_WINDOW', `${where}是 7×24（always）类型，不应设置 hours 或 weekly 时段`, { window: def.key });
      }
      return () => FULL_DAY;
    }
    case 'workdays': {
      if (def.weekly !== undefined) throw new SlaError('SLA_BAD_WINDOW', `${where}是 workdays 类型，时段应写在 hours 中，而不是 weekly`, { window: def.key });
      const spans = def.hours === undefined ? FULL_DAY : parseHourSpans(def.hours, where);
      return (_w, info) => (info?.workday ? spans : NO_SPANS);
    }
    case 'daily': {
      if (def.weekly !== undefined) throw new SlaError('SLA_BAD_WINDOW', `${where}是 daily 类型，时段应写在 hours 中，而不是 weekly`, { window: def.key });
      const spans = def.hours === undefined ? FULL_DAY : parseHourSpans(def.hours, where);
      return (_w, info) => (info?.reason === 'holiday' ? NO_SPANS : spans);
    }
    case 'weekly': {
      if (def.hours !== undefined) throw new SlaError('SLA_BAD_WINDOW', `${where}是 weekly 类型，时段应按星期写在 weekly 中，而不是 hours`, { window: def.key });
      const weekly = def.weekly ?? {};
      const byDay = WEEKDAY_KEYS.map((k) => {
        const spans = weekly[k];
        return spans === undefined ? NO_SPANS : parseHourSpans(spans, `${where}（${k}）`);
      });
      const makeup = [1, 2, 3, 4, 5].map((d) => byDay[d] ?? NO_SPANS).find((s) => s.length > 0) ?? NO_SPANS;
      return (weekday, info) => {
        if (info?.reason === 'holiday') return NO_SPANS;
        if (info?.reason === 'makeupWorkday') return makeup;
        return byDay[weekday] ?? NO_SPANS;
      };
    }
    default: {
      const unknown: never = def.type;
      throw new SlaError('SLA_BAD_WINDOW', `${where}的类型「${String(unknown)}」无效，应为 always、workdays、daily 或 weekly`);
    }
  }
}

/**
 * Compile one service window with a calendar and a time zone.
 * @throws {SlaError} `SLA_BAD_WINDOW`, `SLA_BAD_TIMEZONE`; calendar errors for the covered years
 */
export function compileServiceWindow(def: TServiceWindow, calendar: WorkingCalendar, options: CompileWindowOptions = {}): CompiledServiceWindow {
  return new CompiledServiceWindow(def, calendar, options.timezone ?? DEFAULT_TIMEZONE);
}

/** A contract's compiled service windows, with the calendar and time zone they were compiled with. */
export interface ServiceWindowSet {
  /** IANA time zone. */
  readonly timezone: string;
  /** The calendar. */
  readonly calendar: WorkingCalendar;
  /** Window keys in definition order. */
  readonly keys: readonly string[];
  /** Whether a window with this key exists. */
  has(key: string): boolean;
  /**
   * The compiled window with this key.
   * @throws {SlaError} `SLA_UNKNOWN_WINDOW`
   */
  get(key: string): CompiledServiceWindow;
  /**
   * Local calendar date (ISO) of an instant in the set's time zone.
   * @param u epoch minutes
   */
  localDateAt(u: number): string;
}

/**
 * Compile all of a contract's service windows (do it once per contract and calendar version, and reuse it).
 * @throws {SlaError} `SLA_BAD_WINDOW` (also for duplicate keys), `SLA_BAD_TIMEZONE`
 */
export function compileServiceWindows(
  defs: readonly TServiceWindow[],
  calendar: WorkingCalendar,
  options: CompileWindowOptions = {},
): ServiceWindowSet {
  const timezone = checkTimezone(options.timezone ?? DEFAULT_TIMEZONE);
  const map = new Map<string, CompiledServiceWindow>();
  for (const def of defs) {
    if (map.has(def.key)) throw new SlaError('SLA_BAD_WINDOW', `服务时间窗标识「${def.key}」重复`, { window: def.key });
    map.set(def.key, new CompiledServiceWindow(def, calendar, timezone));
  }
  const keys = Object.freeze([...map.keys()]);
  return Object.freeze({
    timezone,
    calendar,
    keys,
    has: (key: string) => map.has(key),
    get: (key: string): CompiledServiceWindow => {
      const w = map.get(key);
      if (!w) {
        throw new SlaError('SLA_UNKNOWN_WINDOW', `服务时间窗「${key}」不存在（合同中定义的有：${keys.join('、') || '无'}）`, { window: key });
      }
      return w;
    },
    localDateAt: (u: number) => isoDateFromDayNumber(Math.floor(localWallMinute(timezone, u) / MINUTES_PER_DAY)),
  });
}
