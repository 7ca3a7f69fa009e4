/**
 * 考核指标 — KPIs with their target ("≥ 99.8%"), assessment period and formula.
 */
import { Table, Tag, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { Kpi } from '../../api/types';
import { useT } from '../../i18n/i18n';
import { EmptyState } from '../../shared/page-state';
import { SourceTag } from '../../shared/source-tag';
import { systemName, type ContractIndex } from '../contract-index';
import { formatKpiTarget } from '../contract-format';

export function KpisTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const kpis = index.detail.definition.kpis ?? [];
  if (!kpis.length) return <EmptyState>{t('kpi.empty')}</EmptyState>;

  const columns: ColumnsType<Kpi> = [
    {
      title: t('kpi.col.name'),
      dataIndex: 'name',
      width: 280,
      render: (name: string, k) => (
        <div>
          <div className="cell-title">{name}</div>
          <span className="item-key">{k.key}</span>
        </div>
      ),
    },
    { title: t('kpi.col.target'), key: 'target', width: 130, align: 'right', render: (_: unknown, k) => <span className="kpi-target">{formatKpiTarget(t, k.target)}</span> },
    { title: t('kpi.col.period'), dataIndex: 'period', width: 90, align: 'center', render: (p: Kpi['period']) => (p ? t(`period.${p}`) : t('common.dash')) },
    { title: t('kpi.col.formula'), dataIndex: 'formula', render: (f: string | undefined) => (f ? <span className="cell-text">{f}</span> : t('common.dash')) },
    {
      title: t('kpi.col.appliesTo'),
      dataIndex: 'appliesTo',
      width: 200,
      render: (keys: string[] | undefined) =>
        keys?.length ? (
          <div className="key-tags">
            {keys.map((k) => (
              <Tooltip key={k} title={systemName(index, k)}>
                <Tag className="key-tag">{k}</Tag>
              </Tooltip>
            ))}
          </div>
        ) : (
          <span className="muted">{t('kpi.allSystems')}</span>
        ),
    },
    { title: t('common.source'), dataIndex: 'source', width: 110, render: (s: string | undefined) => <SourceTag source={s} /> },
  ];

  return (
    <div className="tab-panel">
      <Table<Kpi> rowKey="key" size="small" bordered columns={columns} dataSource={kpis} pagination={false} />
    </div>
  );
}
