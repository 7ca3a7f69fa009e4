/**
 * A working calendar value: the official Chinese calendar plus an
 * administrator's overrides, with a version string.
 *
 * Design:
 * - A `WorkingCalendar` is an immutable value. Everything that changes an
 *   answer is part of it and of its `version`: the official data source, the
 *   overrides, the policy for unpublished years and the covered years. Any SLA
 *   result names the calendar version that produced it, so a recomputation
 *   after an override is traceable.
 * - A day is a working day when it is Monday–Friday and not a holiday, or when
 *   it is a make-up workday (调休上班). Overrides (a local closure, or a
 *   correction) win over the official data.
 * - Unpublished years. The State Council publishes next year's arrangement
 *   around November, so a deadline can fall into a year nobody knows yet. The
 *   calendar's `assumeUnpublished` policy decides, once, for every computation
 *   made with it:
 *     - `'error'` (default): asking about a day in an unpublished year throws
 *       `SlaError('CALENDAR_YEAR_UNPUBLISHED')`, whose Chinese message says the
 *       year is not published and that nothing was assumed. Never a wrong date.
 *     - `'weekdays'`: Monday–Friday are working days and weekends are rest days
 *       (overrides still apply); every `DayInfo` of such a year says
 *       `assumed: true`, and the SLA results list the assumed years, so the
 *       assumption is visible and the ticket can be recomputed once the notice
 *       is out (the calendar version changes when the package is updated).
 * - Coverage. The calendar covers `fromYear` (2018) to `toYear` (by default
 *   the last published year + {@link ASSUMED_YEARS_AHEAD}); outside that,
 *   `CALENDAR_OUT_OF_RANGE` is thrown whatever the policy.
 *
 * Dates are ISO strings "YYYY-MM-DD" in the contract's local time; this module
 * knows nothing about time zones (service-window.ts does).
 */
import { createHash } from 'node:crypto';
import { FIRST_OFFICIAL_YEAR, loadOfficialCalendar, type OfficialCalendar } from './official-calendar.ts';
import { SlaError } from '../sla/sla-errors.ts';

/** How many years after the last published year the calendar covers by default. */
export const ASSUMED_YEARS_AHEAD = 5;

/** An administrator's local closure or correction of one date. */
export interface CalendarOverride {
  /** ISO date "YYYY-MM-DD". */
  readonly date: string;
  /** `holiday`: the date is a day off; `workday`: the date is a working day. */
  readonly kind: 'holiday' | 'workday';
  /** Shown to people, e.g. "机房搬迁停工". */
  readonly name?: string | undefined;
}

/** What to do with a day in a year whose official arrangement is not published. */
export type UnpublishedYearPolicy = 'error' | 'weekdays';

/** Why a day is (not) a working day. */
export type DayReason = 'weekday' | 'weekend' | 'holiday' | 'makeupWorkday';

/** Everything the calendar knows about one day. */
export interface DayInfo {
  /** ISO date. */
  readonly date: string;
  /** Days since 1970-01-01. */
  readonly dayNumber: number;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
  /** A working day. */
  readonly workday: boolean;
  /**
   * `weekday` / `weekend`: an ordinary day; `holiday`: a named day off (official or override);
   * `makeupWorkday`: a weekend day that is worked (调休上班, official or override).
   */
  readonly reason: DayReason;
  /** Name of the holiday or override, if any. */
  readonly name: string | null;
  /** Where the answer came from. */
  readonly source: 'official' | 'override' | 'weekdayRule';
  /** True when the year is unpublished and the Mon–Fri assumption was used. */
  readonly assumed: boolean;
}

/** Options of {@link createWorkingCalendar}. */
export interface WorkingCalendarOptions {
  /** Local closures and corrections; at most one per date. */
  readonly overrides?: readonly CalendarOverride[] | undefined;
  /** A caller-supplied version id (e.g. a database row version); default: a hash of the contents. */
  readonly version?: string | undefined;
  /** Policy for unpublished years; default `'error'`. */
  readonly assumeUnpublished?: UnpublishedYearPolicy | undefined;
  /** Last year covered at all; default: last published year + {@link ASSUMED_YEARS_AHEAD}. */
  readonly toYear?: number | undefined;
  /** The official data; default: {@link loadOfficialCalendar}(). */
  readonly official?: OfficialCalendar | undefined;
}

/** An immutable working calendar. Create it with {@link createWorkingCalendar}. */
export interface WorkingCalendar {
  /** Identifies the contents; results carry it. */
  readonly version: string;
  /** The official data source, e.g. "chinese-days@1.5.7". */
  readonly source: string;
  /** Years whose official arrangement is published, ascending. */
  readonly publishedYears: readonly number[];
  /** First covered year (= first published year). */
  readonly fromYear: number;
  /** Last covered year. */
  readonly toYear: number;
  /** Policy for unpublished years. */
  readonly assumeUnpublished: UnpublishedYearPolicy;
  /** The overrides, sorted by date. */
  readonly overrides: readonly CalendarOverride[];
  /** Whether `year` is published. */
  isPublishedYear(year: number): boolean;
  /**
   * Everything about one date.
   * @throws {SlaError} `CALENDAR_YEAR_UNPUBLISHED` (policy `'error'`), `CALENDAR_OUT_OF_RANGE`, `SLA_BAD_INPUT`
   */
  dayInfo(date: string): DayInfo;
  /** {@link WorkingCalendar.dayInfo} by day number (days since 1970-01-01). */
  dayInfoByNumber(dayNumber: number): DayInfo;
  /**
   * Monday–Friday and not a holiday, or a make-up workday.
   * @throws {SlaError} as {@link WorkingCalendar.dayInfo}
   */
  isWorkday(date: string): boolean;
}

interface NamedDay {
  readonly kind: 'holiday' | 'workday';
  readonly name: string | null;
  readonly source: 'official' | 'override';
}

/**
 * Create a working calendar from the official data and the overrides.
 *
 * @throws {SlaError} `CALENDAR_BAD_OVERRIDE` for a malformed, duplicated or out-of-range override;
 *   `SLA_BAD_INPUT` for a bad `toYear`; `CALENDAR_SOURCE_INVALID` when the official data cannot be read
 */
export function createWorkingCalendar(options: WorkingCalendarOptions = {}): WorkingCalendar {
  const official = options.official ?? loadOfficialCalendar();
  const assumeUnpublished = options.assumeUnpublished ?? 'error';
  if (assumeUnpublished !== 'error' && assumeUnpublished !== 'weekdays') {
    throw new SlaError('SLA_BAD_INPUT', `未发布年份的处理方式只能是 'error'（报错）或 'weekdays'（按周一至周五推定），不能是「${String(assumeUnpublished)}」`);
  }
  const fromYear = official.firstYear;
  const toYear = options.toYear ?? official.lastYear + ASSUMED_YEARS_AHEAD;
  if (!Number.isInteger(toYear) || toYear < fromYear || toYear > fromYear + 200) {
    throw new SlaError('SLA_BAD_INPUT', `工作日历的截止年份 ${String(toYear)} 无效：应为不早于 ${fromYear} 年的整数年份`);
  }
  const published = new Set(official.publishedYears);

  const named = new Map<number, NamedDay>();
  for (const day of official.days.values()) {
    named.set(dayNumberFromIsoDate(day.date), { kind: day.kind, name: day.name, source: 'official' });
  }
  const seen = new Set<string>();
  const overrides: CalendarOverride[] = [];
  for (const o of options.overrides ?? []) {
    const n = parseIsoDate(o.date);
    if (n === null) throw new SlaError('CALENDAR_BAD_OVERRIDE', `日历调整中的日期「${o.date}」无效，应为 YYYY-MM-DD 格式的真实日期`, { date: o.date });
    if (o.kind !== 'holiday' && o.kind !== 'workday') {
      throw new SlaError('CALENDAR_BAD_OVERRIDE', `日历调整 ${o.date} 的类型应为 holiday（放假）或 workday（上班）`, { date: o.date });
    }
    if (seen.has(o.date)) throw new SlaError('CALENDAR_BAD_OVERRIDE', `日历调整中 ${o.date} 出现了不止一次`, { date: o.date });
    const year = yearOfDayNumber(n);
    if (year < fromYear || year > toYear) {
      throw new SlaError('CALENDAR_BAD_OVERRIDE', `日历调整 ${o.date} 超出工作日历的范围（${fromYear}–${toYear} 年）`, { date: o.date });
    }
    seen.add(o.date);
    const name = o.name?.trim() ? o.name.trim() : null;
    overrides.push(name === null ? { date: o.date, kind: o.kind } : { date: o.date, kind: o.kind, name });
    named.set(n, { kind: o.kind, name, source: 'override' });
  }
  overrides.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));

  const version = options.version ?? hashVersion(official, overrides, assumeUnpublished, toYear);

  const dayInfoByNumber = (dayNumber: number): DayInfo => {
    if (!Number.isInteger(dayNumber)) throw new SlaError('SLA_BAD_INPUT', `无效的日期序号 ${dayNumber}`);
    const year = yearOfDayNumber(dayNumber);
    const date = isoDateFromDayNumber(dayNumber);
    if (year < fromYear) {
      throw new SlaError('CALENDAR_OUT_OF_RANGE', `${date} 早于工作日历的起始年份（${fromYear} 年），无法判断是否为工作日`, { date, year });
    }
    const isPublished = published.has(year);
    if (!isPublished && assumeUnpublished === 'error') {
      throw unpublishedYearError(year, official, date);
    }
    if (year > toYear) {
      throw new SlaError('CALENDAR_OUT_OF_RANGE', `${date} 超出工作日历的范围（${fromYear}–${toYear} 年），无法判断是否为工作日`, { date, year });
    }
    const weekday = weekdayOfDayNumber(dayNumber);
    const weekend = weekday === 0 || weekday === 6;
    const nd = named.get(dayNumber);
    const assumed = !isPublished;
    if (nd === undefined) {
      return { date, dayNumber, weekday, workday: !weekend, reason: weekend ? 'weekend' : 'weekday', name: null, source: 'weekdayRule', assumed };
    }
    if (nd.kind === 'holiday') {
      return { date, dayNumber, weekday, workday: false, reason: 'holiday', name: nd.name, source: nd.source, assumed };
    }
    return { date, dayNumber, weekday, workday: true, reason: weekend ? 'makeupWorkday' : 'weekday', name: nd.name, source: nd.source, assumed };
  };

  const dayInfo = (date: string): DayInfo => {
    const n = parseIsoDate(date);
    if (n === null) throw new SlaError('SLA_BAD_INPUT', `日期「${date}」无效，应为 YYYY-MM-DD 格式的真实日期`, { date });
    return dayInfoByNumber(n);
  };

  return Object.freeze({
    version,
    source: official.source,
    publishedYears: official.publishedYears,
    fromYear,
    toYear,
    assumeUnpublished,
    overrides: Object.freeze(overrides),
    isPublishedYear: (year: number) => published.has(year),
    dayInfo,
    dayInfoByNumber,
    isWorkday: (date: string) => dayInfo(date).workday,
  });
}

/**
 * The error for a day in an unpublished year: says which year, what is published, and that nothing was assumed.
 */
export function unpublishedYearError(year: number, official: Pick<OfficialCalendar, 'firstYear' | 'lastYear'>, date?: string): SlaError {
  return new SlaError(
    'CALENDAR_YEAR_UNPUBLISHED',
    `${year} 年的国家法定节假日和调休安排尚未发布（平台日历已收录 ${official.firstYear}–${official.lastYear} 年），` +
      `${date ? `无法判断 ${date} 是否为工作日，` : ''}平台未作任何推定，以免给出错误的期限。` +
      `如需暂按“周一至周五上班、周六周日休息”推定，请在工作日历上选择 assumeUnpublished: 'weekdays'，待国务院办公厅公布安排后重新计算。`,
    { year, ...(date ? { date } : {}) },
  );
}

/** The Chinese note attached to results that used the Mon–Fri assumption for `year`. */
export function assumedYearNote(year: number): string {
  return `${year} 年的国家法定节假日安排尚未发布，本结果暂按“周一至周五上班、周六周日休息”推定；安排公布后应重新计算。`;
}

function hashVersion(official: OfficialCalendar, overrides: readonly CalendarOverride[], policy: UnpublishedYearPolicy, toYear: number): string {
  const h = createHash('sha256');
  h.update(`${official.source}\n${official.publishedYears.join(',')}\n${policy}\n${toYear}\n`);
  const days = [...official.days.values()].sort((a, b) => (a.date < b.date ? -1 : 1));
  for (const d of days) h.update(`${d.date}:${d.kind}\n`);
  h.update('overrides\n');
  for (const o of overrides) h.update(`${o.date}:${o.kind}:${o.name ?? ''}\n`);
  return `cal-${h.digest('hex').slice(0, 16)}`;
}

// ---------------------------------------------------------------- civil date arithmetic (proleptic Gregorian)

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a civil date (month 1–12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date [year, month 1–12, day] of a day number (days since 1970-01-01). */
export function civilFromDays(dayNumber: number): [number, number, number] {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** Parse "YYYY-MM-DD" into a day number, or null when it is not a real date. */
export function parseIsoDate(date: string): number | null {
  const m = ISO_DATE_RE.exec(date);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return null;
  const n = daysFromCivil(y, mo, d);
  const [y2, mo2, d2] = civilFromDays(n);
  return y2 === y && mo2 === mo && d2 === d ? n : null;
}

/**
 * Day number (days since 1970-01-01) of an ISO date.
 * @throws {SlaError} `SLA_BAD_INPUT` when the string is not a real date
 */
export function dayNumberFromIsoDate(date: string): number {
  const n = parseIsoDate(date);
  if (n === null) throw new SlaError('SLA_BAD_INPUT', `日期「${date}」无效，应为 YYYY-MM-DD 格式的真实日期`, { date });
  return n;
}

/** ISO date "YYYY-MM-DD" of a day number. */
export function isoDateFromDayNumber(dayNumber: number): string {
  const [y, m, d] = civilFromDays(dayNumber);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Weekday of a day number: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOfDayNumber(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/** Year of a day number. */
export function yearOfDayNumber(dayNumber: number): number {
  return civilFromDays(dayNumber)[0];
}

/** The first year any calendar covers. */
export const CALENDAR_FIRST_YEAR = FIRST_OFFICIAL_YEAR;
