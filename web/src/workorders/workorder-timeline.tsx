/**
 * 处理记录 — every event of the work order, oldest first: who (in which
 * role), what, when, and what the event carries (comment, reason, counts,
 * digests, window, linked number…).
 */
import type { ReactNode } from 'react';
import { Card, Tag, Timeline } from 'antd';
import type { WorkOrderEvent } from '../api/types';
import { isMessageKey, useT, type Translate } from '../i18n/i18n';
import { formatDateTime } from '../shared/datetime';
import { num, str, strs } from './workorder-details';
import { roleName } from './workorder-format';

const COLORS: Record<string, string> = {
  created: 'blue',
  submit: 'blue',
  approve: 'green',
  reject: 'red',
  execute: 'cyan',
  deliver: 'green',
  confirm: 'green',
  complete: 'green',
  publish: 'green',
  deploy: 'purple',
  rollback: 'red',
  withdraw: 'gray',
  cancel: 'gray',
  close: 'gray',
  accessGranted: 'orange',
  accessExpired: 'gray',
  accessRevoked: 'gray',
};

function eventName(t: Translate, e: WorkOrderEvent): string {
  const key = `wo.ev.${e.type}`;
  return isMessageKey(key) ? t(key) : e.typeName;
}

/** The detail lines of one event. */
function details(t: Translate, e: WorkOrderEvent, names: ReadonlyMap<string, string>): ReactNode[] {
  const d = e.data;
  const out: ReactNode[] = [];
  const line = (label: string, value: ReactNode, key: string) =>
    out.push(
      <div key={key} className="event-line">
        <span className="event-label">{label}</span>
        <span className="event-value">{value}</span>
      </div>,
    );
  const round = num(d, 'round');
  if (e.type === 'submit') {
    if (round !== null) line(t('wo.tl.round'), t('wo.appr.round', { n: round }), 'round');
    const steps = strs(d, 'steps');
    line(t('wo.tl.flow'), steps.length ? steps.join(' → ') : t('wo.tl.noApproval'), 'flow');
  }
  const stepName = str(d, 'stepName');
  if (stepName) line(t('wo.tl.step'), stepName, 'step');
  const assignee = str(d, 'assigneeUserId');
  if (assignee) line(t('wo.tl.assignee'), names.get(assignee) ?? assignee, 'assignee');
  const before = num(d, 'beforeCount');
  const after = num(d, 'afterCount');
  if (before !== null && after !== null) line(t('wo.out.counts'), t('wo.out.countsValue', { before, after }), 'counts');
  const file = str(d, 'outputFileName');
  if (file) line(t('wo.out.output'), file, 'file');
  const sm3 = str(d, 'outputSm3');
  if (sm3) line(t('wo.out.outputSm3'), <span className="mono wo-digest">{sm3}</span>, 'sm3');
  const resultKey = `wo.result.${str(d, 'result') ?? ''}`;
  if (isMessageKey(resultKey)) line(t('wo.out.result'), t(resultKey), 'result');
  const incidents = strs(d, 'causedIncidents');
  if (incidents.length) line(t('wo.tl.causedIncidents'), incidents.join(t('common.listSeparator')), 'incidents');
  const version = str(d, 'deployedVersion');
  if (version) line(t('wo.f.version'), version, 'version');
  const observation = str(d, 'observationEndsAt');
  if (observation) line(t('wo.out.observationEnds'), formatDateTime(observation), 'obs');
  const publishAt = str(d, 'publishAt');
  if (publishAt) line(t('wo.tl.publishAt'), formatDateTime(publishAt), 'publishAt');
  const target = str(d, 'targetNumber');
  if (target) {
    const relationKey = `wo.relation.${str(d, 'relation') ?? ''}`;
    line(isMessageKey(relationKey) ? t(relationKey) : t('wo.tl.linked'), target, 'target');
  }
  const starts = str(d, 'startsAt');
  const ends = str(d, 'endsAt');
  if (starts && ends) line(t('wo.grants.window'), `${formatDateTime(starts)} ${t('wo.to')} ${formatDateTime(ends)}`, 'window');
  else if (ends) line(t('wo.tl.endsAt'), formatDateTime(ends), 'ends');
  const fields = strs(d, 'fields');
  if (e.type === 'edited' && fields.length) line(t('wo.tl.fields'), fields.map((f) => {
        const key = `wo.field.${f}`;
        return isMessageKey(key) ? t(key) : f;
      }).join(t('common.listSeparator')), 'fields');
  const texts: [string, string][] = [
    ['comment', e.type === 'reject' ? t('wo.tl.rejectReason') : t('wo.tl.comment')],
    ['reason', t('wo.tl.reason')],
    ['resolution', t('wo.out.resolution')],
    ['method', t('wo.out.method')],
    ['resultNote', t('wo.out.resultNote')],
    ['verification', t('wo.out.verification')],
    ['text', t('wo.tl.comment')],
    ['note', t('wo.tl.note')],
    ['fileName', t('wo.tl.file')],
  ];
  for (const [k, label] of texts) {
    const v = str(d, k);
    if (v) line(label, <span className="cell-text">{v}</span>, k);
  }
  return out;
}

export function WorkOrderTimeline({ events, names }: { events: WorkOrderEvent[]; names: ReadonlyMap<string, string> }) {
  const t = useT();
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
                <span className="event-what">{eventName(t, e)}</span>
                <span className="event-time">{formatDateTime(e.at)}</span>
              </div>
              <div className="event-who small">
                {e.actorName ?? t('tl.system')}
                {e.actorRole && e.actorRole !== 'system' && <Tag className="mini-tag role-mini">{roleName(t, e.actorRole)}</Tag>}
              </div>
              <div className="event-details small">{details(t, e, names)}</div>
            </div>
          ),
        }))}
      />
    </Card>
  );
}
