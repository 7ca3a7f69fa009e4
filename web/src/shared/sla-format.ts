/**
 * Words for SLA results: the rule behind a due time ("5×8 工作时间 4 小时，
 * 日历版本 chinese-days@1.5.7") and the state of a target.
 */
import type { ServiceWindow, SlaRule, SlaTargetResult, SlaTargetState } from '../api/types';
import type { Translate } from '../i18n/i18n';
import { formatQuantity } from './money';

/** antd tag colour of a target kind. */
export const TARGET_COLORS: Record<SlaTargetResult['kind'], string> = {
  respond: 'blue',
  arrive: 'cyan',
  resolve: 'green',
  reportUp: 'orange',
  analysisReport: 'purple',
  progressUpdate: 'geekblue',
  emergencyPlan: 'red',
  callback: 'magenta',
  custom: 'default',
};

/** antd tag colour of a target state. */
export const TARGET_STATE_COLORS: Record<SlaTargetState, string> = {
  notStarted: 'default',
  running: 'processing',
  atRisk: 'warning',
  paused: 'purple',
  met: 'success',
  breached: 'error',
  waived: 'default',
};

/** "4 小时", "30 分钟", "1 个工作日" — the amount as the contract states it. */
export function ruleDuration(t: Translate, within: NonNullable<SlaRule['within']>): string {
  return t(`ruleDur.${within.unit}`, { n: formatQuantity(within.amount) });
}

/**
 * "5×8 工作时间 4 小时" or "自然时间 2 小时" or "按单指定的时限", without the
 * calendar version.
 */
export function ruleMeasure(t: Translate, rule: SlaRule, windows: ReadonlyMap<string, ServiceWindow>): string {
  // a target without a duration is one whose deadline the agency sets per ticket
  if (rule.deadlineSource === 'perTicket' || !rule.within) return t('rule.perTicket');
  const duration = ruleDuration(t, rule.within);
  if (rule.meter === 'calendar') return t('rule.calendar', { duration });
  const key = rule.windowKey ?? rule.within.window ?? '';
  const window = windows.get(key)?.name ?? key;
  return t('rule.working', { window, duration });
}

/** The whole rule in one sentence, for a tooltip or an audit note. */
export function ruleSentence(t: Translate, rule: SlaRule, windows: ReadonlyMap<string, ServiceWindow>): string {
  return t('rule.sentence', {
    measure: ruleMeasure(t, rule, windows),
    start: t(`event.${rule.startOn}`),
    stop: t(`event.${rule.stopOn}`),
    version: rule.calendarVersion,
  });
}
