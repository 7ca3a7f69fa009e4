/**
 * Renders contract terms as natural text in the UI language: durations
 * ("4 个工作小时（5×8）"), conditions ("城区"), notification targets, KPI
 * targets ("≥ 99.8%"), obligation schedules and review rules.
 */
import type { Duration, Kpi, Notify, Obligation, SlaTarget } from '../api/types';
import { isMessageKey, type Translate } from '../i18n/i18n';
import { formatQuantity } from '../shared/money';
import type { ContractIndex } from './contract-index';

/** "7×8（统一客服）" → "7×8 统一客服", so that it reads well inside parentheses. */
function flattenParens(name: string): string {
  return name.replace(/\s*[（(]\s*/g, ' ').replace(/\s*[）)]\s*/g, ' ').trim();
}

/** "30 分钟", "4 个工作小时（5×8）", "1 个工作日". */
export function formatDuration(t: Translate, d: Duration, index: ContractIndex): string {
  const base = t(`dur.${d.unit}`, { n: formatQuantity(d.amount) });
  if (!d.window) return base;
  const window = index.windows.get(d.window);
  const isWorkingTime = d.unit === 'workingMinutes' || d.unit === 'workingHours';
  // A working day is only ambiguous when the window is not the official working-day calendar.
  const isUnusualDays = d.unit === 'workingDays' && window?.type !== 'workdays';
  if (isWorkingTime || isUnusualDays) return base + t('dur.window', { window: flattenParens(window?.name ?? d.window) });
  return base;
}

/** Conditions under which a target applies: "城区", "涉及数据库". */
export function formatConditions(t: Translate, when: SlaTarget['when']): string[] {
  if (!when) return [];
  const out: string[] = [];
  if (when.siteZone) out.push(t(`cond.${when.siteZone}`));
  if (when.dayType) out.push(t(`cond.${when.dayType}`));
  for (const tag of when.tags ?? []) {
    const key = `cond.tag.${tag}`;
    out.push(isMessageKey(key) ? t(key) : t('cond.tag', { tag }));
  }
  return out;
}

/** A target's deadline: "24 小时（城区）", "每 1 小时", "按单指定". */
export function formatTargetDeadline(t: Translate, target: SlaTarget, index: ContractIndex): string {
  if (!target.within) return target.perTicket ? t('target.perTicket') : t('common.notSpecified');
  const duration = formatDuration(t, target.within, index);
  const text = target.kind === 'progressUpdate' ? t('target.every', { duration }) : duration;
  const conditions = formatConditions(t, target.when);
  return conditions.length ? text + t('dur.conditions', { conditions: conditions.join(t('common.listSeparator')) }) : text;
}

/** "乙方 项目负责人（电话、短信）". */
export function formatNotify(t: Translate, n: Notify): string {
  const sideLabel = n.side ? t(`side.${n.side}`) : '';
  // Positions often already name the side ("甲方对应负责人员").
  const side = sideLabel && !n.position.startsWith(sideLabel) ? `${sideLabel} ` : '';
  const channels = (n.channels ?? []).map((c) => t(`channel.${c}`)).join(t('common.listSeparator'));
  return `${side}${n.position}${channels ? t('common.paren', { text: channels }) : ''}`;
}

const OPS: Record<Kpi['target']['op'], string> = { gte: '≥', gt: '>', lte: '≤', lt: '<', eq: '=' };

/** "≥ 99.8%", "< 30 分钟", "≥ 3,000,000". */
export function formatKpiTarget(t: Translate, target: Kpi['target']): string {
  return `${OPS[target.op]} ${formatQuantity(target.value)}${t(`kpiUnit.${target.unit}`)}`;
}

/** "每年 2 次". */
export function formatSchedule(t: Translate, schedule: Obligation['schedule']): string {
  const freq = t(`freq.${schedule.frequency}`);
  return schedule.count ? `${freq} ${t('ob.times', { n: schedule.count })}` : freq;
}

/** Due-day, due-time, months and duration details of a schedule. */
export function formatScheduleDetails(t: Translate, schedule: Obligation['schedule'], index: ContractIndex): string[] {
  const out: string[] = [];
  if (schedule.dueDay) out.push(t(`dueDay.${schedule.dueDay}`));
  if (schedule.dueTime) out.push(t('ob.dueTime', { time: schedule.dueTime }));
  if (schedule.months?.length) out.push(t('ob.months', { months: schedule.months.join(t('common.listSeparator')) }));
  if (schedule.durationDays) out.push(t('ob.durationDays', { n: schedule.durationDays }));
  if (schedule.anchor === 'contractStart') out.push(t('ob.anchorContract'));
  if (schedule.window) out.push(index.windows.get(schedule.window)?.name ?? schedule.window);
  return out;
}

/** "甲方 15 日内未提出意见视为通过". */
export function formatReview(t: Translate, review: NonNullable<Obligation['review']>, index: ContractIndex): string {
  const reviewer = t(`side.${review.reviewer}`);
  if (review.within) {
    const duration = formatDuration(t, review.within, index);
    return review.silenceMeansApproval ? t('review.silence', { reviewer, duration }) : t('review.within', { reviewer, duration });
  }
  return review.silenceMeansApproval ? t('review.silencePlain', { reviewer }) : t('review.plain', { reviewer });
}
