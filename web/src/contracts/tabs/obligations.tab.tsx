/**
 * 履约义务 — obligations grouped by kind (报告、巡检、会议…), with frequency,
 * due rules, review rule and the penalty that applies when missed.
 */
import { useMemo, useState } from 'react';
import { Table, Tag, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { Obligation, ObligationKind } from '../../api/types';
import { useT } from '../../i18n/i18n';
import { EmptyState } from '../../shared/page-state';
import { SourceTag } from '../../shared/source-tag';
import { systemName, type ContractIndex } from '../contract-index';
import { formatReview, formatSchedule, formatScheduleDetails } from '../contract-format';

const KIND_ORDER: readonly ObligationKind[] = [
  'report',
  'inspection',
  'meeting',
  'drill',
  'backup',
  'securityAssessment',
  'vulnerabilityFix',
  'training',
  'dataService',
  'monitoring',
  'staffing',
  'deliverable',
  'other',
];

export function ObligationsTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const obligations = index.detail.definition.obligations ?? [];
  const [filter, setFilter] = useState<ObligationKind | 'all'>('all');
  const groups = useMemo(
    () => KIND_ORDER.map((kind) => ({ kind, items: obligations.filter((o) => o.kind === kind) })).filter((g) => g.items.length > 0),
    [obligations],
  );
  if (!obligations.length) return <EmptyState>{t('ob.empty')}</EmptyState>;
  const dash = t('common.dash');
  const sep = t('common.listSeparator');

  const columns: ColumnsType<Obligation> = [
    {
      title: t('ob.col.name'),
      dataIndex: 'name',
      render: (name: string, o) => (
        <div>
          <div className="cell-title">{name}</div>
          {o.description && <div className="cell-text muted clamp-3">{o.description}</div>}
          <div className="cell-meta">
            <span className="item-key">{o.key}</span>
            {o.systems?.length ? (
              <Tooltip title={o.systems.map((k) => systemName(index, k)).join(sep)}>
                <span className="muted small">{o.systems.length <= 3 ? o.systems.join(sep) : t('ob.systemsMore', { list: o.systems.slice(0, 3).join(sep), n: o.systems.length })}</span>
              </Tooltip>
            ) : null}
            <SourceTag source={o.source} />
          </div>
        </div>
      ),
    },
    {
      title: t('ob.col.schedule'),
      key: 'schedule',
      width: 110,
      render: (_: unknown, o) => <Tag color="blue" className="freq-tag">{formatSchedule(t, o.schedule)}</Tag>,
    },
    {
      title: t('ob.col.due'),
      key: 'due',
      width: 140,
      render: (_: unknown, o) => {
        const details = formatScheduleDetails(t, o.schedule, index);
        return details.length ? details.map((d) => <div key={d}>{d}</div>) : <span className="muted">{dash}</span>;
      },
    },
    { title: t('ob.col.responsible'), dataIndex: 'responsible', width: 76, align: 'center', render: (r: Obligation['responsible']) => (r ? t(`responsible.${r}`) : dash) },
    {
      title: t('ob.col.review'),
      dataIndex: 'review',
      width: 170,
      render: (r: Obligation['review']) =>
        r ? (
          <div>
            <div>{formatReview(t, r, index)}</div>
            <SourceTag source={r.source} />
          </div>
        ) : (
          <span className="muted">{dash}</span>
        ),
    },
    { title: t('ob.col.deliverable'), dataIndex: 'deliverable', width: 170, render: (d: string | undefined) => (d ? <span className="cell-text">{d}</span> : <span className="muted">{dash}</span>) },
    {
      title: t('ob.col.penalty'),
      dataIndex: 'penalty',
      width: 150,
      render: (k: string | undefined) => {
        if (!k) return <span className="muted">{dash}</span>;
        const p = index.penalties.get(k);
        return (
          <div>
            <span className="item-key">{k}</span>
            {p && <div className="cell-text">{p.name}</div>}
          </div>
        );
      },
    },
  ];

  const shown = filter === 'all' ? groups : groups.filter((g) => g.kind === filter);
  return (
    <div className="tab-panel">
      <div className="kind-filter">
        <Tag.CheckableTag checked={filter === 'all'} onChange={() => setFilter('all')}>
          {t('ob.all')} <span className="filter-count">{obligations.length}</span>
        </Tag.CheckableTag>
        {groups.map((g) => (
          <Tag.CheckableTag key={g.kind} checked={filter === g.kind} onChange={() => setFilter(g.kind)}>
            {t(`obKind.${g.kind}`)} <span className="filter-count">{g.items.length}</span>
          </Tag.CheckableTag>
        ))}
      </div>
      {shown.map((g) => (
        <section key={g.kind} className="kind-group">
          <h3 className="group-title">
            {t(`obKind.${g.kind}`)}
            <span className="group-count">{t('common.count', { n: g.items.length })}</span>
          </h3>
          <Table<Obligation> rowKey="key" size="small" bordered tableLayout="fixed" columns={columns} dataSource={g.items} pagination={false} />
        </section>
      ))}
    </div>
  );
}
