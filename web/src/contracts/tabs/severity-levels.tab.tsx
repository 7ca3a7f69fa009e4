/**
 * 故障等级与时限 — the clock rules, then one card per severity level with its
 * definition, criteria, leader-approval rule, deadlines and escalation.
 */
import { Card, Descriptions, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { SeverityLevel, SlaTarget } from '../../api/types';
import { useT } from '../../i18n/i18n';
import { EmptyState } from '../../shared/page-state';
import { SourceTag } from '../../shared/source-tag';
import { systemName, type ContractIndex } from '../contract-index';
import { formatDuration, formatNotify, formatTargetDeadline } from '../contract-format';
import { TARGET_COLORS } from '../../shared/sla-format';

export function SeverityLevelsTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const def = index.detail.definition;
  const levels = [...def.severityLevels].sort((a, b) => a.rank - b.rank);
  const policy = def.slaPolicy;
  const window = index.windows.get(policy.defaultWindow);

  return (
    <div className="tab-panel">
      <Card size="small" title={t('sla.policy')} className="section-card" extra={<SourceTag source={policy.source} />}>
        <Descriptions
          size="small"
          bordered
          column={3}
          items={[
            { key: 'window', label: t('sla.defaultWindow'), children: window ? `${window.name}${t('common.paren', { text: t(`winType.${window.type}`) })}` : policy.defaultWindow },
            {
              key: 'warn',
              label: t('sla.warnAt'),
              children: t('sla.warnAtValue', { list: (policy.warnAt ?? [50, 80, 100]).map((n) => `${n}%`).join(t('common.listSeparator')) }),
            },
            {
              key: 'pause',
              label: t('sla.pauseOn'),
              children: policy.pauseOn?.length ? policy.pauseOn.map((p) => t(`pause.${p}`)).join(t('common.listSeparator')) : t('sla.noPause'),
            },
            ...(policy.note ? [{ key: 'note', label: t('common.description'), span: 3, children: <span className="cell-text">{policy.note}</span> }] : []),
          ]}
        />
      </Card>
      {levels.length === 0 && <EmptyState>{t('sev.empty')}</EmptyState>}
      {levels.map((level) => (
        <LevelCard key={level.key} level={level} index={index} />
      ))}
    </div>
  );
}

function LevelCard({ level, index }: { level: SeverityLevel; index: ContractIndex }) {
  const t = useT();
  const sep = t('common.listSeparator');

  const columns: ColumnsType<SlaTarget> = [
    {
      title: t('target.col.kind'),
      dataIndex: 'kind',
      width: 92,
      render: (kind: SlaTarget['kind']) => <Tag color={TARGET_COLORS[kind]}>{t(`targetKind.${kind}`)}</Tag>,
    },
    { title: t('target.col.name'), dataIndex: 'name', render: (name: string | undefined, target) => name ?? t(`targetKind.${target.kind}`) },
    {
      title: t('target.col.within'),
      key: 'within',
      width: 210,
      render: (_: unknown, target) => (
        <div>
          <div className={target.within ? 'deadline' : 'deadline per-ticket'}>{formatTargetDeadline(t, target, index)}</div>
          {!target.within && target.perTicket && <div className="muted small">{t('target.perTicketHint')}</div>}
        </div>
      ),
    },
    {
      title: t('target.col.start'),
      key: 'start',
      width: 170,
      render: (_: unknown, target) => (
        <div>
          <div className={target.startOn && target.startOn !== 'created' ? undefined : 'muted'}>
            {t('target.startFrom', { event: t(`event.${target.startOn ?? 'created'}`) })}
          </div>
          {target.activateAfter && <div className="muted small">{t('target.activateAfter', { duration: formatDuration(t, target.activateAfter, index) })}</div>}
        </div>
      ),
    },
    {
      title: t('target.col.notify'),
      key: 'notify',
      width: 260,
      render: (_: unknown, target) =>
        target.notify?.length ? (
          <ul className="plain-list">
            {target.notify.map((n, i) => (
              <li key={i}>{formatNotify(t, n)}</li>
            ))}
          </ul>
        ) : (
          <span className="muted">{t('common.dash')}</span>
        ),
    },
    { title: t('common.source'), dataIndex: 'source', width: 150, render: (s: string | undefined) => <SourceTag source={s} /> },
  ];

  return (
    <Card
      size="small"
      className="section-card level-card"
      title={
        <div className="level-title">
          <span className={`rank-badge rank-${Math.min(level.rank, 5)}`}>{t('sev.rank', { n: level.rank })}</span>
          <span className="level-name">{level.name}</span>
          <span className="item-key">{level.key}</span>
          {(level.ticketKinds ?? []).map((k) => (
            <Tag key={k} className="light-tag">
              {t(`ticketKind.${k}`)}
            </Tag>
          ))}
        </div>
      }
      extra={<SourceTag source={level.source} />}
    >
      <Descriptions
        size="small"
        bordered
        column={1}
        className="level-desc"
        items={[
          { key: 'def', label: t('sev.definition'), children: <span className="cell-text">{level.definition}</span> },
          ...(level.criteria?.length
            ? [
                {
                  key: 'criteria',
                  label: t('sev.criteria'),
                  children: (
                    <div>
                      {level.criteria.length > 1 && <div className="muted small">{level.criteriaMode === 'all' ? t('sev.criteriaAll') : t('sev.criteriaAny')}</div>}
                      <ul className="plain-list bullets">
                        {level.criteria.map((c, i) => (
                          <li key={i}>{c.label}</li>
                        ))}
                      </ul>
                    </div>
                  ),
                },
              ]
            : []),
          {
            key: 'approval',
            label: t('sev.leaderApproval'),
            children: level.requiresLeaderApproval ? (
              <div>
                <Tag color="red">{t('sev.leaderApprovalRequired', { approver: level.requiresLeaderApproval.approver })}</Tag>
                <SourceTag source={level.requiresLeaderApproval.source} />
                {level.requiresLeaderApproval.note && <div className="cell-text muted">{level.requiresLeaderApproval.note}</div>}
              </div>
            ) : (
              <span className="muted">{t('sev.leaderApprovalNone')}</span>
            ),
          },
          {
            key: 'applies',
            label: t('sev.appliesTo'),
            children: level.appliesTo?.length ? level.appliesTo.map((k) => systemName(index, k)).join(sep) : t('sev.appliesAll'),
          },
        ]}
      />
      <div className="sub-heading">{t('sev.targets')}</div>
      {level.targets.length ? (
        <Table<SlaTarget> rowKey={(_, i) => String(i)} size="small" tableLayout="fixed" columns={columns} dataSource={level.targets} pagination={false} />
      ) : (
        <div className="inline-empty">{t('sev.noTargets')}</div>
      )}
      {level.escalation?.length ? (
        <>
          <div className="sub-heading">{t('sev.escalation')}</div>
          <ol className="escalation">
            {level.escalation.map((step, i) => (
              <li key={i}>
                <span className="escalation-when">{t('sev.escalationStep', { duration: formatDuration(t, step.after, index) })}</span>
                <span className="escalation-arrow">→</span>
                <span>
                  {t('sev.notifyTo')} {step.notify.map((n) => formatNotify(t, n)).join(sep)}
                </span>
                <SourceTag source={step.source} />
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </Card>
  );
}
