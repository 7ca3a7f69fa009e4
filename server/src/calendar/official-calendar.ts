/**
 * The official Chinese working calendar (国务院办公厅公布的法定节假日安排与调休上班日).
 *
 * The dates are never typed in by hand: they are read at run time from the
 * JSON file `dist/chinese-days.json` that the `chinese-days` npm package
 * documents as a public artefact (its README links to it). The file maps each
 * date to "English name,中文名,天数" in three tables: `holidays` (days off,
 * including the weekend days inside a holiday block), `workdays` (make-up
 * workdays 调休上班, always a Saturday or Sunday) and `inLieuDays` (days off
 * that are paid back by a make-up workday; informational).
 *
 * Only years from {@link FIRST_OFFICIAL_YEAR} to the latest year the package
 * holds are taken; they are the "published" years. A year is published when
 * the package has at least one entry for it (every year has 元旦).
 *
 * Loading reads one small file once and memoises the result; everything else
 * in the calendar and SLA modules is pure.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { SlaError } from '../sla/sla-errors.ts';

/** The first year the platform takes from the official data (older years are never needed). */
export const FIRST_OFFICIAL_YEAR = 2018;

/** One date the State Council's notice names: a day off or a make-up workday. */
export interface OfficialDay {
  /** ISO date, "2023-10-07". */
  readonly date: string;
  /** `holiday`: a day off (放假); `workday`: a make-up workday on a weekend (调休上班). */
  readonly kind: 'holiday' | 'workday';
  /** Chinese name of the holiday the day belongs to, e.g. "国庆节". */
  readonly name: string;
  /** The day off is paid back by a make-up workday (调休); informational. */
  readonly inLieu: boolean;
}

/** The official calendar: the published years and every named day in them. */
export interface OfficialCalendar {
  /** Where the data came from, e.g. "chinese-days@1.5.7"; part of every calendar version. */
  readonly source: string;
  /** Published years in ascending order, contiguous, from {@link FIRST_OFFICIAL_YEAR}. */
  readonly publishedYears: readonly number[];
  /** First published year. */
  readonly firstYear: number;
  /** Latest published year. */
  readonly lastYear: number;
  /** Named days (holidays and make-up workdays) of the published years, by ISO date. */
  readonly days: ReadonlyMap<string, OfficialDay>;
}

const ZDayTable = z.record(z.string(), z.string());
const ZChineseDaysJson = z.object({
  holidays: ZDayTable,
  workdays: ZDayTable,
  inLieuDays: ZDayTable.optional(),
});
const ZPackageJson = z.object({ name: z.string(), version: z.string() });

const ISO_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

let memo: OfficialCalendar | undefined;

/**
 * Load the official calendar from the installed `chinese-days` package (once; memoised).
 *
 * @throws {SlaError} `CALENDAR_SOURCE_INVALID` when the package or its data file is missing or malformed.
 */
export function loadOfficialCalendar(): OfficialCalendar {
  if (memo) return memo;
  const require = createRequire(import.meta.url);
  let raw: unknown;
  let pkg: unknown;
  try {
    raw = JSON.parse(readFileSync(require.resolve('chinese-days/dist/chinese-days.json'), 'utf8'));
    pkg = JSON.parse(readFileSync(require.resolve('chinese-days/package.json'), 'utf8'));
  } catch (e) {
    throw new SlaError(
      'CALENDAR_SOURCE_INVALID',
      `无法读取法定节假日数据（chinese-days 软件包）：${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const parsedPkg = ZPackageJson.safeParse(pkg);
  const source = parsedPkg.success ? `${parsedPkg.data.name}@${parsedPkg.data.version}` : 'chinese-days';
  memo = buildOfficialCalendar(raw, source);
  return memo;
}

/**
 * The years whose official holiday arrangement is published (from the installed package).
 *
 * @returns ascending, contiguous years, e.g. [2018, …, 2026]
 */
export function publishedYears(): readonly number[] {
  return loadOfficialCalendar().publishedYears;
}

/**
 * Build an official calendar from data in the `chinese-days.json` format.
 * Exposed so tests can feed a known data set; production code calls {@link loadOfficialCalendar}.
 *
 * @param data the parsed JSON ({ holidays, workdays, inLieuDays? })
 * @param source a label for the data source, part of the calendar version
 * @param firstYear years before this are ignored
 * @throws {SlaError} `CALENDAR_SOURCE_INVALID` when the data is malformed or names a date twice
 */
export function buildOfficialCalendar(data: unknown, source: string, firstYear: number = FIRST_OFFICIAL_YEAR): OfficialCalendar {
  const parsed = ZChineseDaysJson.safeParse(data);
  if (!parsed.success) {
    throw new SlaError('CALENDAR_SOURCE_INVALID', `法定节假日数据格式不正确（${source}）：应包含 holidays 与 workdays 两张日期表`);
  }
  const { holidays, workdays, inLieuDays = {} } = parsed.data;
  const days = new Map<string, OfficialDay>();
  const years = new Set<number>();
  const add = (date: string, value: string, kind: OfficialDay['kind']): void => {
    const year = checkedYear(date, source);
    if (year < firstYear) return;
    if (days.has(date)) {
      throw new SlaError('CALENDAR_SOURCE_INVALID', `法定节假日数据（${source}）中 ${date} 同时被列为放假日和上班日`, { date });
    }
    years.add(year);
    days.set(date, { date, kind, name: chineseName(value), inLieu: kind === 'holiday' && Object.hasOwn(inLieuDays, date) });
  };
  for (const [date, value] of Object.entries(holidays)) add(date, value, 'holiday');
  for (const [date, value] of Object.entries(workdays)) add(date, value, 'workday');

  const sorted = [...years].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (first === undefined || last === undefined) {
    throw new SlaError('CALENDAR_SOURCE_INVALID', `法定节假日数据（${source}）中没有 ${firstYear} 年及以后的任何年份`);
  }
  // Published years must be contiguous: a gap would silently treat a whole year as having no holidays.
  const publishedYears: number[] = [];
  for (let y = first; y <= last; y++) {
    if (!years.has(y)) {
      throw new SlaError('CALENDAR_SOURCE_INVALID', `法定节假日数据（${source}）缺少 ${y} 年的安排，年份不连续`, { year: y });
    }
    publishedYears.push(y);
  }
  return Object.freeze({ source, publishedYears: Object.freeze(publishedYears), firstYear: first, lastYear: last, days });
}

function checkedYear(date: string, source: string): number {
  const m = ISO_DATE_RE.exec(date);
  const y = Number(m?.[1]);
  const mo = Number(m?.[2]);
  const d = Number(m?.[3]);
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (!m || probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) {
    throw new SlaError('CALENDAR_SOURCE_INVALID', `法定节假日数据（${source}）中有无效日期「${date}」`, { date });
  }
  return y;
}

/** "National Day,国庆节,3" → "国庆节". */
function chineseName(value: string): string {
  const parts = value.split(',');
  return (parts[1] ?? parts[0] ?? value).trim() || value;
}
