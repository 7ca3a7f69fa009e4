/**
 * The due-time cell of an SLA target: the due instant in Beijing time, or why
 * there is none yet (waiting for the agency's per-ticket deadline, or for the
 * start event).
 */
import type { SlaTargetResult } from '../api/types';
import { useT } from '../i18n/i18n';
import { formatDateTime } from './datetime';

export function TargetDue({ target }: { target: SlaTargetResult }) {
  const t = useT();
  if (target.dueAt) return <span className="due-time">{formatDateTime(target.dueAt)}</span>;
  if (target.pending === 'perTicketDeadline') return <span className="muted">{t('sla.pendingPerTicket')}</span>;
  if (target.pending === 'startEvent') return <span className="muted">{t('sla.pendingStart', { event: t(`event.${target.rule.startOn}`) })}</span>;
  return <span className="muted">{t('common.dash')}</span>;
}
