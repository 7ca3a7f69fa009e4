/**
 * 申请内容 and 执行与结果 of a work order: the particulars of its kind (a
 * data work order's purpose, basis, tables and personal data; a change's
 * risk, steps and rollback plan; a release's version and test evidence; a
 * content item's channel and text) and what was recorded while doing it
 * (execution evidence, delivery, confirmation, result and verification,
 * deployment, publication), plus links and data-access grants.
 */
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { Card, Descriptions, Table, Tag, Tooltip } from 'antd';
import type { DescriptionsProps } from 'antd';
import { PaperClipOutlined } from '@ant-design/icons';
import type { AccessGrant, ContractSystem, WorkOrder, WorkOrderLink } from '../api/types';
import { apiUrl } from '../api/urls';
import { isMessageKey, useT, type Translate } from '../i18n/i18n';
import { Countdown } from '../shared/countdown';
import { formatDateTime, formatDateTimeShort } from '../shared/datetime';
import { RevealButton } from '../privacy/reveal-button';
import { readDetails } from './workorder-details';
import { WindowText } from './workorder-format';

type Items = NonNullable<DescriptionsProps['items']>;

function Text({ value }: { value: string | null }) {
  const t = useT();
  return value ? <span className="cell-text">{value}</span> : <span className="muted">{t('wo.notFilled')}</span>;
}

function label(t: Translate, prefix: string, value: string | null): string | null {
  if (!value) return null;
  const key = `${prefix}.${value}`;
  return isMessageKey(key) ? t(key) : value;
}

/** The request of the order's kind, as a two-column description list. */
export function KindDetailsCard({ order, systems, mayReveal }: { order: WorkOrder; systems: ReadonlyMap<string, ContractSystem>; mayReveal: boolean }) {
  const t = useT();
  const k = readDetails(order.kind, order.details);
  const assignee = order.assignee ? order.assignee.name : null;
  const windowItem = { key: 'window', label: t('wo.f.window'), children: <WindowText start={order.windowStart} end={order.windowEnd} /> };
  let items: Items;
  switch (k.kind) {
    case 'serviceRequest':
      items = [
        { key: 'contact', label: t('wo.f.contact'), children: <Text value={k.d.contact} /> },
        { key: 'location', label: t('wo.f.location'), children: <Text value={k.d.location} /> },
        { key: 'expectedBy', label: t('wo.f.expectedBy'), children: k.d.expectedBy ? formatDateTimeShort(k.d.expectedBy) : <Text value={null} /> },
        { key: 'assignee', label: t('wo.f.assignee'), children: <Text value={assignee} /> },
      ];
      break;
    case 'dataWorkOrder':
      items = [
        { key: 'purpose', label: t('wo.f.purpose'), span: 2, children: <Text value={k.d.purpose} /> },
        { key: 'legalBasis', label: t('wo.f.legalBasis'), span: 2, children: <Text value={k.d.legalBasis} /> },
        {
          key: 'tables',
          label: t('wo.f.tables'),
          span: 2,
          children:
            k.d.tables.length === 0 ? (
              <Text value={null} />
            ) : (
              <ul className="plain-list wo-tables">
                {k.d.tables.map((tb, i) => (
                  <li key={i}>
                    <span className="mono strong">{tb.name}</span>
                    {tb.fields.length > 0 && <span className="muted">{t('common.colon')}</span>}
                    {tb.fields.map((f) => (
                      <Tag key={f} className="mono mini-tag">
                        {f}
                      </Tag>
                    ))}
                  </li>
                ))}
              </ul>
            ),
        },
        {
          key: 'pd',
          label: t('wo.f.personalData'),
          span: 2,
          children:
            k.d.personalDataCategories.length === 0 ? (
              <span className="muted">{t('wo.f.noPersonalData')}</span>
            ) : (
              <span className="wo-pd-tags">
                {k.d.personalDataCategories.map((c) => (
                  <Tag key={c} color="magenta">
                    {label(t, 'wo.pd', c)}
                  </Tag>
                ))}
              </span>
            ),
        },
        { key: 'rows', label: t('wo.f.rowEstimate'), children: k.d.rowEstimate !== null ? t('wo.rows', { n: k.d.rowEstimate.toLocaleString('zh-CN') }) : <Text value={null} /> },
        { key: 'assignee', label: t('wo.f.executor'), children: <Text value={assignee} /> },
        windowItem,
        { key: 'environment', label: t('wo.f.environment'), children: <Text value={k.d.environment} /> },
        { key: 'delivery', label: t('wo.f.deliveryMethod'), span: 2, children: <Text value={k.d.deliveryMethod} /> },
      ];
      if (k.d.exportScope) {
        const x = k.d.exportScope;
        const names = x.systemKeys.length === 0 ? t('wo.f.exportAllSystems') : x.systemKeys.map((s) => systems.get(s)?.name ?? s).join('、');
        items.push({
          key: 'exportScope',
          label: t('wo.f.exportScope'),
          span: 2,
          children: <span className="wo-export-scope">{t('wo.f.exportScopeText', { from: formatDateTimeShort(x.reportedFrom), to: formatDateTimeShort(x.reportedTo), systems: names })}</span>,
        });
      }
      break;
    case 'change':
      items = [
        { key: 'reason', label: t('wo.f.reason'), span: 2, children: <Text value={k.d.reason} /> },
        {
          key: 'risk',
          label: t('wo.f.riskLevel'),
          children: k.d.riskLevel ? <Tag color={k.d.riskLevel === 'high' ? 'red' : k.d.riskLevel === 'medium' ? 'orange' : 'green'}>{label(t, 'wo.risk', k.d.riskLevel)}</Tag> : <Text value={null} />,
        },
        windowItem,
        { key: 'risks', label: t('wo.f.risks'), span: 2, children: <Text value={k.d.risks} /> },
        { key: 'method', label: t('wo.f.method'), span: 2, children: <Text value={k.d.method} /> },
        { key: 'tools', label: t('wo.f.tools'), span: 2, children: <Text value={k.d.tools} /> },
        {
          key: 'steps',
          label: t('wo.f.steps'),
          span: 2,
          children:
            k.d.steps.length === 0 ? (
              <Text value={null} />
            ) : (
              <ol className="wo-steps-list">
                {k.d.steps.map((s, i) => (
                  <li key={i} className="cell-text">
                    {s}
                  </li>
                ))}
              </ol>
            ),
        },
        { key: 'rollback', label: t('wo.f.rollbackPlan'), span: 2, children: <Text value={k.d.rollbackPlan} /> },
        {
          key: 'backup',
          label: t('wo.f.backup'),
          span: 2,
          children: (
            <div>
              {k.d.backupConfirmed ? <Tag color="green">{t('wo.f.backupDone')}</Tag> : <Tag color="red">{t('wo.f.backupNotDone')}</Tag>}
              {k.d.backupNote && <span className="cell-text">{k.d.backupNote}</span>}
            </div>
          ),
        },
        {
          key: 'affected',
          label: t('wo.f.affectedSystems'),
          span: 2,
          children: k.d.affectedSystems.length === 0 ? <Text value={null} /> : k.d.affectedSystems.map((s) => <Tag key={s}>{systems.get(s)?.name ?? s}</Tag>),
        },
        { key: 'verify', label: t('wo.f.verificationPlan'), span: 2, children: <Text value={k.d.verificationPlan} /> },
        { key: 'assignee', label: t('wo.f.implementer'), children: <Text value={assignee} /> },
      ];
      break;
    case 'release':
      items = [
        { key: 'version', label: t('wo.f.version'), children: k.d.version ? <span className="mono strong">{k.d.version}</span> : <Text value={null} /> },
        { key: 'environment', label: t('wo.f.releaseEnv'), children: <Text value={label(t, 'wo.env', k.d.environment)} /> },
        { key: 'testEvidence', label: t('wo.f.testEvidence'), span: 2, children: <Text value={k.d.testEvidence} /> },
        { key: 'notes', label: t('wo.f.releaseNotes'), span: 2, children: <Text value={k.d.releaseNotes} /> },
        { key: 'observation', label: t('wo.f.observationHours'), children: k.d.observationHours !== null ? t('wo.hours', { n: k.d.observationHours }) : <Text value={null} /> },
        windowItem,
      ];
      break;
    case 'content':
      items = [
        { key: 'channel', label: t('wo.f.channel'), children: <Text value={label(t, 'wo.channel', k.d.channel)} /> },
        { key: 'scheduled', label: t('wo.f.scheduledAt'), children: order.scheduledPublishAt ? formatDateTime(order.scheduledPublishAt) : <span className="muted">{t('wo.f.notScheduled')}</span> },
        { key: 'body', label: t('wo.f.body'), span: 2, children: <div className="wo-content-body cell-text">{k.d.body ?? ''}</div> },
        { key: 'displayUntil', label: t('wo.f.displayUntil'), children: k.d.displayUntil ? formatDateTimeShort(k.d.displayUntil) : <Text value={null} /> },
        { key: 'scan', label: t('wo.f.securityScan'), children: <Text value={k.d.securityScan} /> },
      ];
      break;
  }
  return (
    <Card
      className="section-card wo-details-card"
      size="small"
      title={t('wo.detailsTitle', { kind: t(`wo.kind.${order.kind}`) })}
      extra={mayReveal && JSON.stringify(order.details).includes('*') && <RevealButton entityType="workOrder" entityId={order.id} field="details" label={t('wo.detailsTitle', { kind: t(`wo.kind.${order.kind}`) })} />}
    >
      {order.description && (
        <div className="cell-text incident-description wo-description">
          {order.description}
          {mayReveal && order.description.includes('*') && <RevealButton entityType="workOrder" entityId={order.id} field="description" label={t('wo.form.description')} />}
        </div>
      )}
      <Descriptions className="wo-descriptions" bordered size="small" column={2} items={items} />
    </Card>
  );
}

function Line({ label: l, children }: { label: string; children: ReactNode }) {
  return (
    <div className="event-line">
      <span className="event-label">{l}</span>
      <span className="event-value">{children}</span>
    </div>
  );
}

/** What was recorded while doing the work; null when nothing was recorded yet. */
export function OutcomeCard({ order, mayReveal }: { order: WorkOrder; mayReveal: boolean }) {
  const t = useT();
  const o = order.outcome;
  const blocks: ReactNode[] = [];
  if (o.execution) {
    const x = o.execution;
    blocks.push(
      <div key="exec" className="wo-outcome-block wo-execution">
        <div className="summary-label">{t('wo.out.execution')}</div>
        <Line label={t('wo.out.executedBy')}>{t('wo.out.byAt', { name: x.executedBy, time: formatDateTime(x.executedAt) })}</Line>
        <Line label={t('wo.out.counts')}>
          <span className="wo-counts">{t('wo.out.countsValue', { before: x.beforeCount.toLocaleString('zh-CN'), after: x.afterCount.toLocaleString('zh-CN') })}</span>
        </Line>
        <Line label={t('wo.out.output')}>
          {x.output.attachmentId ? (
            <a href={apiUrl('/api/attachments/{attachmentId}', 'get', { attachmentId: x.output.attachmentId })} download={x.output.fileName} className="attachment-link">
              <PaperClipOutlined /> {x.output.fileName}
            </a>
          ) : (
            <span>
              {x.output.fileName} <Tag className="mini-tag">{t('wo.out.declared')}</Tag>
            </span>
          )}
        </Line>
        <Line label={t('wo.out.outputSm3')}>
          <span className="mono small wo-digest">{x.output.sm3}</span>
        </Line>
        <Line label={t('wo.out.statement')}>
          <Tooltip title={t('wo.out.statementSm3', { digest: x.statementSm3 })}>
            <pre className="wo-statement">{x.statement}</pre>
          </Tooltip>
        </Line>
        {x.note && <Line label={t('wo.out.note')}>{x.note}</Line>}
      </div>,
    );
  }
  if (o.delivery) {
    blocks.push(
      <div key="delivery" className="wo-outcome-block">
        <div className="summary-label">{t('wo.out.delivery')}</div>
        <Line label={t('wo.out.method')}>{o.delivery.method}</Line>
        <Line label={t('wo.out.deliveredBy')}>{t('wo.out.byAt', { name: o.delivery.deliveredBy, time: formatDateTime(o.delivery.deliveredAt) })}</Line>
        {o.delivery.note && <Line label={t('wo.out.note')}>{o.delivery.note}</Line>}
      </div>,
    );
  }
  if (o.resolution) {
    blocks.push(
      <div key="resolution" className="wo-outcome-block">
        <div className="summary-label">{t('wo.out.resolution')}</div>
        <div className="cell-text">{o.resolution}</div>
      </div>,
    );
  }
  if (o.startedAt || o.result) {
    blocks.push(
      <div key="change" className="wo-outcome-block wo-change-result">
        <div className="summary-label">{t('wo.out.implementation')}</div>
        {o.startedAt && <Line label={t('wo.out.startedAt')}>{formatDateTime(o.startedAt)}</Line>}
        {o.result && (
          <Line label={t('wo.out.result')}>
            <Tag color={o.result === 'succeeded' ? 'green' : 'red'} className="wo-result-tag">
              {t(`wo.result.${o.result}`)}
            </Tag>
            {o.completedAt && <span className="muted small">{formatDateTime(o.completedAt)}</span>}
          </Line>
        )}
        {o.resultNote && <Line label={t('wo.out.resultNote')}>{o.resultNote}</Line>}
        {o.verification && <Line label={t('wo.out.verification')}>{o.verification}</Line>}
      </div>,
    );
  }
  if (o.deployedAt) {
    blocks.push(
      <div key="deploy" className="wo-outcome-block">
        <div className="summary-label">{t('wo.out.deployment')}</div>
        <Line label={t('wo.out.deployedAt')}>{formatDateTime(o.deployedAt)}</Line>
        {o.deployedVersion && <Line label={t('wo.f.version')}>{o.deployedVersion}</Line>}
        {o.observationEndsAt && (
          <Line label={t('wo.out.observationEnds')}>
            {formatDateTime(o.observationEndsAt)} {order.state === 'observing' && <Countdown dueAt={o.observationEndsAt} />}
          </Line>
        )}
        {o.rollbackReason && <Line label={t('wo.out.rollbackReason')}>{o.rollbackReason}</Line>}
      </div>,
    );
  }
  if (o.publishedAt || o.withdrawnAt) {
    blocks.push(
      <div key="publish" className="wo-outcome-block">
        <div className="summary-label">{t('wo.out.publication')}</div>
        {o.publishedAt && <Line label={t('wo.out.publishedAt')}>{t('wo.out.byAt', { name: o.publishedBy ?? '', time: formatDateTime(o.publishedAt) })}</Line>}
        {o.withdrawnAt && <Line label={t('wo.out.withdrawnAt')}>{formatDateTime(o.withdrawnAt)}</Line>}
        {o.withdrawReason && <Line label={t('wo.out.withdrawReason')}>{o.withdrawReason}</Line>}
      </div>,
    );
  }
  if (o.confirmation) {
    blocks.push(
      <div key="confirm" className="wo-outcome-block wo-confirmation">
        <div className="summary-label">{t('wo.out.confirmation')}</div>
        <Line label={t('wo.out.confirmedBy')}>{t('wo.out.byAt', { name: o.confirmation.confirmedBy, time: formatDateTime(o.confirmation.confirmedAt) })}</Line>
        {o.confirmation.comment && <Line label={t('wo.out.comment')}>{o.confirmation.comment}</Line>}
      </div>,
    );
  }
  if (o.closeNote) blocks.push(<Line key="close" label={t('wo.out.closeNote')}>{o.closeNote}</Line>);
  if (o.cancelReason) blocks.push(<Line key="cancel" label={t('wo.out.cancelReason')}>{o.cancelReason}</Line>);
  if (blocks.length === 0) return null;
  return (
    <Card
      className="section-card wo-outcome-card"
      size="small"
      title={t('wo.out.title')}
      extra={mayReveal && JSON.stringify(o).includes('*') && <RevealButton entityType="workOrder" entityId={order.id} field="outcome" label={t('wo.out.title')} />}
    >
      {blocks}
    </Card>
  );
}

/** Links to incidents and other work orders. */
export function LinksCard({ links }: { links: WorkOrderLink[] }) {
  const t = useT();
  if (links.length === 0) return null;
  return (
    <Card className="section-card wo-links-card" size="small" title={t('wo.links.title')}>
      <ul className="plain-list wo-links">
        {links.map((l) => (
          <li key={l.id} data-relation={l.relation}>
            <Tag className="mini-tag">{label(t, 'wo.relation', l.relation) ?? l.relationName}</Tag>
            {l.direction === 'incoming' && <span className="muted small">{t('wo.links.incoming')}</span>}
            <Link to={l.targetType === 'incident' ? `/incidents/${l.targetId}` : `/work-orders/${l.targetId}`}>
              <span className="mono">{l.targetNumber ?? l.targetId.slice(0, 8)}</span> {l.targetTitle}
            </Link>
          </li>
        ))}
      </ul>
    </Card>
  );
}

/** The data-access grants of a data work order (given on approval, for the approved window only). */
export function AccessGrantsCard({ grants }: { grants: AccessGrant[] }) {
  const t = useT();
  if (grants.length === 0) return null;
  return (
    <Card className="section-card wo-grants-card" size="small" title={t('wo.grants.title')}>
      <Table<AccessGrant>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={grants}
        columns={[
          { title: t('wo.grants.user'), dataIndex: 'userName', width: 110 },
          { title: t('wo.grants.window'), key: 'window', render: (_: unknown, g) => <WindowText start={g.startsAt} end={g.endsAt} /> },
          {
            title: t('wo.grants.status'),
            key: 'status',
            width: 170,
            render: (_: unknown, g) => (
              <div>
                <Tag color={g.inForce ? 'green' : g.status === 'active' ? 'blue' : 'default'}>{g.inForce ? t('wo.grants.inForce') : t(`wo.grants.${g.status}`)}</Tag>
                {g.endReason && <div className="muted small">{g.endReason}</div>}
              </div>
            ),
          },
        ]}
      />
    </Card>
  );
}
