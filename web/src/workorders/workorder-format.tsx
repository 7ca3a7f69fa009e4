/**
 * Small presentational pieces shared by the work-order pages: kind and state
 * tags, the "waiting on whom since when" line, and the nearest deadline.
 */
import { Tag, Tooltip } from 'antd';
import type { WorkOrder, WorkOrderKind, WorkOrderState } from '../api/types';
import { isMessageKey, useT, type Translate } from '../i18n/i18n';
import { Countdown, formatSpan, useNow } from '../shared/countdown';
import { formatDateTime, formatDateTimeShort } from '../shared/datetime';
import { STATE_COLORS } from './workorder-rules';

const KIND_COLORS: Record<WorkOrderKind, string> = {
  serviceRequest: 'blue',
  dataWorkOrder: 'magenta',
  change: 'orange',
  release: 'purple',
  content: 'cyan',
};

/** The name of a kind in the current language. */
export function kindName(t: Translate, kind: WorkOrderKind): string {
  return t(`wo.kind.${kind}`);
}

/** The name of a subtype in the current language (the server's name when the key is unknown). */
export function subtypeName(t: Translate, kind: WorkOrderKind, subtype: string, fallback?: string): string {
  const key = `wo.subtype.${kind}.${subtype}`;
  return isMessageKey(key) ? t(key) : (fallback ?? subtype);
}

/** The name of a role in the current language. */
export function roleName(t: Translate, role: string, fallback?: string): string {
  const key = `role.${role}`;
  return isMessageKey(key) ? t(key) : (fallback ?? role);
}

/** The kind as a coloured tag. */
export function KindTag({ kind }: { kind: WorkOrderKind }) {
  const t = useT();
  return (
    <Tag color={KIND_COLORS[kind]} className="wo-kind-tag">
      {kindName(t, kind)}
    </Tag>
  );
}

/** The state as a coloured tag. */
export function StateTag({ state }: { state: WorkOrderState }) {
  const t = useT();
  return (
    <Tag color={STATE_COLORS[state]} className="wo-state-tag" data-state={state}>
      {t(`wo.state.${state}`)}
    </Tag>
  );
}

/** "已等待 2 小时 5 分" since `since`, live. */
export function WaitedFor({ since }: { since: string }) {
  const t = useT();
  const now = useNow();
  const minutes = Math.max(0, (now - Date.parse(since)) / 60_000);
  return (
    <Tooltip title={t('wo.waitingSinceAt', { time: formatDateTime(since) })}>
      <span className={`wo-waited${minutes >= 24 * 60 ? ' long' : ''}`}>{t('wo.waitedFor', { span: formatSpan(t, minutes) })}</span>
    </Tooltip>
  );
}

/** Who an order waits on (the roles of its current approval step) and for how long. */
export function WaitingOn({ order }: { order: WorkOrder }) {
  const t = useT();
  if (order.state !== 'pendingApproval' || order.waitingOnRoles.length === 0) return <span className="muted">{t('common.dash')}</span>;
  return (
    <div className="wo-waiting-on">
      <div>{order.waitingOnRoles.map((r) => roleName(t, r.role, r.label)).join(t('common.listSeparator'))}</div>
      {order.waitingSince && (
        <div className="small">
          <WaitedFor since={order.waitingSince} />
        </div>
      )}
    </div>
  );
}

/** The nearest open deadline of an order as a live countdown, or its SLA outcome. */
export function WorkOrderDeadline({ order }: { order: WorkOrder }) {
  const t = useT();
  if (order.slaDueAt) {
    return (
      <span className="nearest-deadline">
        <Tooltip title={t('wo.dueAtTooltip', { time: formatDateTime(order.slaDueAt) })}>
          <span>
            <Countdown dueAt={order.slaDueAt} />
          </span>
        </Tooltip>
        {order.slaBreached && (
          <Tag color="red" className="mini-tag">
            {t('wo.breached')}
          </Tag>
        )}
      </span>
    );
  }
  if (order.slaBreached) return <span className="was-breached">{t('wo.wasBreached')}</span>;
  if (!order.levelKey) return <span className="muted">{t('wo.noDeadline')}</span>;
  return <span className="muted">{t('wo.noOpenDeadline')}</span>;
}

/** A start–end window on one line, in Beijing time. */
export function WindowText({ start, end }: { start: string | null; end: string | null }) {
  const t = useT();
  if (!start && !end) return <span className="muted">{t('common.dash')}</span>;
  return (
    <span className="wo-window">
      {start ? formatDateTimeShort(start) : t('common.dash')} {t('wo.to')} {end ? formatDateTimeShort(end) : t('common.dash')}
    </span>
  );
}
