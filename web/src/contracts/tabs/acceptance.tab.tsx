/**
 * 验收 — acceptance milestones, their requirements and the documents to hand in.
 */
import { Card, Descriptions, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { Acceptance } from '../../api/types';
import { useT } from '../../i18n/i18n';
import { formatYuan } from '../../shared/money';
import { EmptyState } from '../../shared/page-state';
import { SourceTag } from '../../shared/source-tag';
import type { ContractIndex } from '../contract-index';
import { formatDuration } from '../contract-format';

type Deliverable = NonNullable<Acceptance['deliverables']>[number];

export function AcceptanceTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const def = index.detail.definition;
  const items = def.acceptance ?? [];
  if (!items.length) return <EmptyState>{t('acc.empty')}</EmptyState>;
  const dash = t('common.dash');

  const columns: ColumnsType<Deliverable> = [
    { title: '#', key: 'n', width: 48, align: 'center', render: (_: unknown, __, i) => i + 1 },
    { title: t('acc.deliverableName'), dataIndex: 'name' },
    {
      title: t('acc.linkedObligation'),
      dataIndex: 'obligation',
      render: (k: string | undefined) => {
        if (!k) return <span className="muted">{dash}</span>;
        const ob = index.obligations.get(k);
        return (
          <span>
            <span className="item-key">{k}</span>
            {ob?.name}
          </span>
        );
      },
    },
    { title: t('common.source'), dataIndex: 'source', width: 120, render: (s: string | undefined) => <SourceTag source={s} /> },
  ];

  return (
    <div className="tab-panel">
      {items.map((a) => {
        const payments = def.paymentMilestones.filter((p) => p.condition.acceptance === a.key);
        return (
          <Card
            key={a.key}
            size="small"
            className="section-card"
            title={
              <div className="level-title">
                <span className="level-name">{a.name}</span>
                <Tag color="blue">{t(`accKind.${a.kind}`)}</Tag>
                {payments.map((p) => (
                  <Tag key={p.key} color="gold">
                    {t('acc.paymentLinked', { name: `${p.name} ${formatYuan(p.amount)}` })}
                  </Tag>
                ))}
              </div>
            }
            extra={<SourceTag source={a.source} />}
          >
            <Descriptions
              size="small"
              bordered
              column={3}
              items={[
                { key: 'planned', label: t('acc.plannedBy'), children: a.plannedBy ?? t('common.notSpecified') },
                {
                  key: 'apply',
                  label: t('acc.applyWithin'),
                  children: a.applyWithin
                    ? t('acc.applyWithinText', { after: t(`accAfter.${a.applyWithin.after}`), duration: formatDuration(t, a.applyWithin.within, index) })
                    : t('common.notSpecified'),
                },
                { key: 'org', label: t('acc.organisedBy'), children: a.organisedBy ?? dash },
                ...(a.panel ? [{ key: 'panel', label: t('acc.panel'), span: 3, children: <span className="cell-text">{a.panel}</span> }] : []),
              ]}
            />
            {a.deliverables?.length ? (
              <>
                <div className="sub-heading">
                  {t('acc.deliverables')}
                  <span className="group-count">{t('common.count', { n: a.deliverables.length })}</span>
                </div>
                <Table<Deliverable> rowKey="key" size="small" columns={columns} dataSource={a.deliverables} pagination={false} />
              </>
            ) : null}
          </Card>
        );
      })}
    </div>
  );
}
