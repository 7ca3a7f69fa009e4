/**
 * Pure rules of the vendor staff roster: years of service, the replacement
 * deadline, the status machine and the staffing KPIs. No database, no clock:
 * `now` / `today` are always passed in.
 */
import { EDUCATION_LEVELS, type TDuration, type TEducationLevel, type TStaffing } from '../contracts/contract-definition.schema.ts';
import { localWallMinute } from '../calendar/service-window.ts';
import { dayNumberFromIsoDate, isoDateFromDayNumber } from '../calendar/working-calendar.ts';
import { PPM_ONE, formatRatePpm, parseRatePpm } from '../shared/money.ts';
import type { StaffStatus } from '../db/schema.ts';

/** Chinese labels of the education levels. */
export const EDUCATION_LABELS: Readonly<Record<TEducationLevel, string>> = Object.freeze({
  highSchoolOrBelow: '高中及以下',
  secondaryVocational: '中专',
  juniorCollege: '大专',
  bachelor: '本科',
  master: '硕士',
  doctorate: '博士',
});

/** Chinese labels of the roster statuses. */
export const STAFF_STATUS_LABELS: Readonly<Record<StaffStatus, string>> = Object.freeze({
  proposed: '待甲方确认',
  accepted: '甲方已确认',
  active: '在岗',
  rejected: '甲方未接受',
  left: '已离场',
});

/** The default replacement deadline when the contract sets none: 7 calendar days (card contract L151). */
export const DEFAULT_REPLACEMENT_WITHIN: TDuration = Object.freeze({ amount: 7, unit: 'days' });

/** Whether education `level` is at least `min`. */
export function educationAtLeast(level: TEducationLevel, min: TEducationLevel): boolean {
  return EDUCATION_LEVELS.indexOf(level) >= EDUCATION_LEVELS.indexOf(min);
}

/** The calendar date ("YYYY-MM-DD") of an instant in a time zone. */
export function localDateOf(instant: Date, timezone: string): string {
  const wall = localWallMinute(timezone, Math.floor(instant.getTime() / 60_000));
  return isoDateFromDayNumber(Math.floor(wall / 1440));
}

/** The instant at which local date `date` begins (00:00) in `timezone`. */
export function startOfLocalDate(date: string, timezone: string): Date {
  const wall = dayNumberFromIsoDate(date) * 1440;
  let u = wall;
  for (let i = 0; i < 3; i++) u = wall - (localWallMinute(timezone, u) - u);
  return new Date(u * 60_000);
}

/** `date` plus `days` calendar days. */
export function addDays(date: string, days: number): string {
  return isoDateFromDayNumber(dayNumberFromIsoDate(date) + days);
}

/**
 * Whole years from `start` to `today` (anniversary rule: 2021-03-15 → 2023-03-14 is 1 year,
 * 2023-03-15 is 2 years). 0 when `start` is after `today`.
 */
export function fullYearsBetween(start: string, today: string): number {
  const [sy = 0, sm = 0, sd = 0] = start.split('-').map(Number);
  const [ty = 0, tm = 0, td = 0] = today.split('-').map(Number);
  let years = ty - sy;
  if (tm < sm || (tm === sm && td < sd)) years--;
  return Math.max(0, years);
}

/** A computed replacement deadline and the rule that produced it, in Chinese. */
export interface ReplacementDeadline {
  dueAt: Date;
  rule: string;
}

/**
 * The deadline of a replacement the agency requested at `requestedAt`.
 *
 * - `hours`: exactly that many hours later.
 * - `days`: counted as the Civil Code counts periods in days (民法典第二百零一条:
 *   the day of the request is not counted; 第二百零三条: the period ends at 24:00
 *   of its last day, and a last day that is a rest day (法定休假日) moves to the
 *   next working day). `isRestDay` tells rest days (weekends not worked, public
 *   holidays); without it, no day is moved.
 */
export function computeReplacementDueAt(input: {
  requestedAt: Date;
  within: TDuration;
  timezone: string;
  isRestDay?: ((date: string) => boolean) | undefined;
}): ReplacementDeadline {
  const { requestedAt, within, timezone } = input;
  if (within.unit === 'hours' || within.unit === 'minutes') {
    const minutes = within.unit === 'hours' ? within.amount * 60 : within.amount;
    return { dueAt: new Date(requestedAt.getTime() + minutes * 60_000), rule: `自提出更换要求时起 ${within.amount} ${within.unit === 'hours' ? '小时' : '分钟'}` };
  }
  if (within.unit !== 'days') throw new Error(`replacement deadline unit ${within.unit} is not supported`);
  const requestDay = localDateOf(requestedAt, timezone);
  let lastDay = addDays(requestDay, within.amount);
  const nominal = lastDay;
  if (input.isRestDay) {
    for (let guard = 0; guard < 60 && input.isRestDay(lastDay); guard++) lastDay = addDays(lastDay, 1);
  }
  const moved = lastDay !== nominal ? `；末日 ${nominal} 为休息日，顺延至 ${lastDay}` : '';
  return {
    dueAt: startOfLocalDate(addDays(lastDay, 1), timezone),
    rule: `${within.amount} 日内：自提出次日（${addDays(requestDay, 1)}）起算，至 ${lastDay} 24:00 止${moved}（民法典第二百零一条、第二百零三条）`,
  };
}

/** Actions on a roster entry. */
export type StaffAction = 'edit' | 'accept' | 'reject' | 'activate' | 'leave' | 'uploadDocument' | 'requestReplacement';

/** Which statuses allow which action. */
const ALLOWED: Readonly<Record<StaffAction, readonly StaffStatus[]>> = Object.freeze({
  edit: ['proposed', 'accepted', 'active'],
  accept: ['proposed'],
  reject: ['proposed'],
  activate: ['accepted'],
  leave: ['proposed', 'accepted', 'active'],
  uploadDocument: ['proposed', 'accepted', 'active'],
  requestReplacement: ['accepted', 'active'],
});

/** Whether `action` is allowed in `status`. */
export function staffActionAllowed(status: StaffStatus, action: StaffAction): boolean {
  return ALLOWED[action].includes(status);
}

// ------------------------------------------------------------------ KPIs

/** What the KPI computation needs of one roster entry. */
export interface RosterPerson {
  status: StaffStatus;
  positionKey: string | null;
  education: TEducationLevel;
  systemStartOn: string;
  experienceYears: number | null;
  qualifications: readonly { name: string; validUntil?: string | undefined }[];
}

/** Outcome of one KPI. `noData`: nobody to count. */
export type KpiStatus = 'met' | 'notMet' | 'noData';

/** One computed staffing KPI. */
export interface StaffingKpiResult {
  key: string;
  name: string;
  kind: 'share' | 'headcount' | 'experience';
  /** The requirement in words, e.g. "大专及以上学历 ≥ 75%". */
  requirement: string;
  /** People meeting the criterion. */
  numerator: number;
  /** People counted (active staff in scope); for headcount, the required number. */
  denominator: number;
  /** numerator / denominator in per mille, rounded down (null when denominator is 0). */
  sharePermille: number | null;
  /** The share as a percent string with one decimal, rounded down ("76.5%"). */
  shareText: string | null;
  status: KpiStatus;
  source: string | null;
}

/** floor(n / d × 1000), exact. */
function permille(n: number, d: number): number {
  return Math.floor((n * 1000) / d);
}

function permilleText(p: number): string {
  return `${Math.floor(p / 10)}.${p % 10}%`;
}

/**
 * Staffing KPIs of a roster against the contract's staffing section, over
 * active staff only. Shares are compared exactly in integers
 * (numerator × 1,000,000 ≥ minShare(ppm) × denominator).
 */
export function computeStaffingKpis(staffing: TStaffing | undefined, roster: readonly RosterPerson[], today: string): StaffingKpiResult[] {
  if (!staffing) return [];
  const active = roster.filter((p) => p.status === 'active');
  const positionNames = new Map((staffing.positions ?? []).map((p) => [p.key, p.name]));
  const out: StaffingKpiResult[] = [];

  for (const k of staffing.kpis ?? []) {
    const counted = k.positions && k.positions.length > 0 ? active.filter((p) => p.positionKey !== null && k.positions?.includes(p.positionKey)) : active;
    const meets = (p: RosterPerson): boolean => {
      switch (k.metric) {
        case 'educationAtLeast':
          return k.education !== undefined && educationAtLeast(p.education, k.education);
        case 'yearsOnSystemAtLeast':
          return k.years !== undefined && fullYearsBetween(p.systemStartOn, today) >= k.years;
        case 'hasQualification':
          return p.qualifications.some((q) => q.name.trim() === k.qualification?.trim() && (q.validUntil === undefined || q.validUntil >= today));
      }
    };
    const numerator = counted.filter(meets).length;
    const denominator = counted.length;
    const minPpm = parseRatePpm(k.minShare) ?? PPM_ONE;
    const criterion =
      k.metric === 'educationAtLeast'
        ? `${EDUCATION_LABELS[k.education ?? 'juniorCollege']}及以上学历`
        : k.metric === 'yearsOnSystemAtLeast'
          ? `在本系统服务满 ${k.years ?? 0} 年`
          : `具备「${k.qualification ?? ''}」`;
    const scopeText = k.positions && k.positions.length > 0 ? `（${k.positions.map((p) => positionNames.get(p) ?? p).join('、')}）` : '';
    const p = denominator === 0 ? null : permille(numerator, denominator);
    out.push({
      key: k.key,
      name: k.name,
      kind: 'share',
      requirement: `${criterion}人员占比 ≥ ${formatRatePpm(minPpm)}${scopeText}`,
      numerator,
      denominator,
      sharePermille: p,
      shareText: p === null ? null : permilleText(p),
      status: denominator === 0 ? 'noData' : numerator * PPM_ONE >= minPpm * denominator ? 'met' : 'notMet',
      source: k.source ?? null,
    });
  }

  for (const pos of staffing.positions ?? []) {
    const inPosition = active.filter((p) => p.positionKey === pos.key);
    if (pos.headcount !== undefined) {
      out.push({
        key: `headcount:${pos.key}`,
        name: `${pos.name}在岗人数`,
        kind: 'headcount',
        requirement: `${pos.name}不少于 ${pos.headcount} 人`,
        numerator: inPosition.length,
        denominator: pos.headcount,
        sharePermille: permille(inPosition.length, pos.headcount),
        shareText: permilleText(permille(inPosition.length, pos.headcount)),
        status: inPosition.length >= pos.headcount ? 'met' : 'notMet',
        source: pos.source ?? null,
      });
    }
    if (pos.minExperienceYears !== undefined) {
      const min = pos.minExperienceYears;
      const ok = inPosition.filter((p) => p.experienceYears !== null && p.experienceYears >= min).length;
      const p = inPosition.length === 0 ? null : permille(ok, inPosition.length);
      out.push({
        key: `experience:${pos.key}`,
        name: `${pos.name}工作年限`,
        kind: 'experience',
        requirement: `${pos.name}每人相关工作经验 ≥ ${min} 年`,
        numerator: ok,
        denominator: inPosition.length,
        sharePermille: p,
        shareText: p === null ? null : permilleText(p),
        status: inPosition.length === 0 ? 'noData' : ok === inPosition.length ? 'met' : 'notMet',
        source: pos.source ?? null,
      });
    }
  }
  return out;
}
