/**
 * 处理记录 — every event of the incident, oldest first: who (and in which
 * role), what, when, and the details the event carries.
 */
import type { ReactNode } from 'react';
import { Card, Tag, Timeline } from 'antd';
import type { IncidentEvent, IncidentStatus, SeverityLevel } from '../api/types';
import { isMessageKey, useT, type Translate } from '../i18n/i18n';
import { formatDateTime } from '../shared/datetime';
import { STATUS_ORDER } from './incident-rules';

const COLORS: Record<string, string> = {
  created: 'red',
  acknowledge: 'orange',
  arrive: 'cyan',
  startWork: 'blue',
  wait: 'purple',
  resume: 'blue',
  resolve: 'green',
  callback: 'green',
  close: 'gray',
  reopen: 'red',
  leaderApproval: 'red',
  reportedUp: 'orange',
};

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() ? v : null;
}

function statusName(t: Translate, v: unknown): string | null {
  return typeof v === 'string' && (STATUS_ORDER as readonly string[]).includes(v) ? t(`incStatus.${v as IncidentStatus}`) : null;
}

/** The detail lines of one event. */
function details(t: Translate, e: IncidentEvent, levels: ReadonlyMap<string, SeverityLevel>, names: ReadonlyMap<string, string>): ReactNode[] {
  const d = e.data;
  const out: ReactNode[] = [];
  const line = (label: string, value: ReactNode, key: string) =>
    out.push(
      <div key={key} className="event-line">
        <span className="event-label">{label}</span>
        <span className="event-value">{value}</span>
      </div>,
    );
  const levelName = (v: unknown) => (typeof v === 'string' ? (levels.get(v)?.name ?? v) : null);
  switch (e.type) {
    case 'created': {
      const reported = str(d['reportedAt']);
      if (reported) line(t('tl.reportedAt'), formatDateTime(reported), 'r');
      const channel = str(d['channel']);
      if (channel) line(t('tl.channel'), isMessageKey(`incChannel.${channel}`) ? t(`incChannel.${channel}` as 'incChannel.web') : channel, 'c');
      const level = levelName(d['levelKey']);
      if (level) line(t('tl.level'), level, 'l');
      const suggested = levelName(d['suggestedLevelKey']);
      if (suggested && d['suggestedLevelKey'] !== d['levelKey']) line(t('tl.suggested'), suggested, 's');
      const reason = str(d['levelReason']);
      if (reason) line(t('tl.levelReason'), reason, 'lr');
      break;
    }
    case 'changeLevel': {
      line(t('tl.levelChange'), `${levelName(d['from']) ?? ''} → ${levelName(d['to']) ?? ''}`, 'lv');
      const reason = str(d['reason']);
      if (reason) line(t('tl.reason'), reason, 'r');
      break;
    }
    case 'assign': {
      line(t('tl.line'), d['line'] === 2 ? t('inc.line2') : t('inc.line1'), 'line');
      const who = str(d['assigneeUserId']);
      if (who) line(t('tl.assignee'), names.get(who) ?? who, 'a');
      const team = str(d['team']);
      if (team) line(t('tl.team'), team, 't');
      const supplier = str(d['supplierName']);
      if (supplier) line(t('tl.supplier'), supplier, 's');
      break;
    }
    case 'setDeadline': {
      const due = str(d['dueAt']);
      if (due) line(t('tl.dueAt'), formatDateTime(due), 'd');
      const kind = str(d['targetKind']);
      if (kind && isMessageKey(`targetKind.${kind}`)) line(t('tl.target'), t(`targetKind.${kind}` as 'targetKind.resolve'), 'k');
      break;
    }
    default: {
      const from = statusName(t, d['from']);
      const to = statusName(t, d['to']);
      if (from && to) line(t('tl.status'), `${from} → ${to}`, 'st');
      const reason = str(d['reason']);
      if (reason) line(t('tl.waitReason'), isMessageKey(`pause.${reason}`) ? t(`pause.${reason}` as 'pause.waitingOnReporter') : reason, 'wr');
      const supplier = str(d['supplierName']);
      if (supplier) line(t('tl.supplier'), supplier, 'sp');
    }
  }
  const texts: [string, string][] = [
    ['instruction', t('tl.instruction')],
    ['resolution', t('tl.resolution')],
    ['text', t('tl.comment')],
    ['note', t('tl.note')],
    ['fileName', t('tl.file')],
  ];
  for (const [k, label] of texts) {
    const v = str(d[k]);
    if (v) line(label, <span className="cell-text">{v}</span>, k);
  }
  if (typeof d['satisfaction'] === 'number') line(t('tl.satisfaction'), t('tl.satisfactionValue', { n: d['satisfaction'], text: t(`satisfaction.${Math.min(5, Math.max(1, d['satisfaction'])) as 1}`) }), 'sat');
  return out;
}

export function IncidentTimeline({ events, levels, names }: { events: IncidentEvent[]; levels: ReadonlyMap<string, SeverityLevel>; names: ReadonlyMap<string, string> }) {
  const t = useT();
  const actorRole = (role: string | null) => {
    if (!role) return null;
    if (role === 'system') return t('tl.system');
    const key = `role.${role}`;
    return isMessageKey(key) ? t(key) : role;
  };
  return (
    <Card className="section-card timeline-panel" size="small" title={t('tl.title')} extra={<span className="muted small">{t('tl.count', { n: events.length })}</span>}>
      <Timeline
        className="incident-timeline"
        items={events.map((e) => ({
          key: e.id,
          color: COLORS[e.type] ?? 'blue',
          content: (
            <div className="event" data-type={e.type}>
              <div className="event-head">
                <span className="event-what">{isMessageKey(`tl.ev.${e.type}`) ? t(`tl.ev.${e.type}` as 'tl.ev.created') : e.typeName}</span>
                <span className="event-time">{formatDateTime(e.at)}</span>
              </div>
              <div className="event-who small">
                {e.actorName ?? t('tl.system')}
                {e.actorRole !== 'system' && actorRole(e.actorRole) && <Tag className="mini-tag role-mini">{actorRole(e.actorRole)}</Tag>}
              </div>
              <div className="event-details small">{details(t, e, levels, names)}</div>
            </div>
          ),
        }))}
      />
    </Card>
  );
}
