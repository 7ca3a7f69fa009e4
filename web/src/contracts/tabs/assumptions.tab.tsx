/**
 * 约定说明 — where the contract is silent or contradicts itself, the reading
 * the platform uses, with the alternatives and the source line.
 */
import { Alert, Table } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { Assumption } from '../../api/types';
import { useT } from '../../i18n/i18n';
import { EmptyState } from '../../shared/page-state';
import { SourceTag } from '../../shared/source-tag';
import type { ContractIndex } from '../contract-index';

export function AssumptionsTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const items = index.detail.definition.assumptions ?? [];
  if (!items.length) return <EmptyState>{t('asm.empty')}</EmptyState>;

  const columns: ColumnsType<Assumption> = [
    { title: '#', key: 'n', width: 48, align: 'center', render: (_: unknown, __, i) => i + 1 },
    { title: t('asm.col.topic'), dataIndex: 'topic', width: 220, render: (s: string) => <span className="cell-title">{s}</span> },
    { title: t('asm.col.chosen'), dataIndex: 'chosen', render: (s: string) => <span className="cell-text">{s}</span> },
    { title: t('asm.col.alternatives'), dataIndex: 'alternatives', width: 300, render: (s: string | undefined) => (s ? <span className="cell-text muted">{s}</span> : <span className="muted">{t('common.dash')}</span>) },
    { title: t('common.source'), dataIndex: 'source', width: 120, render: (s: string | undefined) => <SourceTag source={s} /> },
  ];

  return (
    <div className="tab-panel">
      <Alert type="info" showIcon title={t('asm.intro')} className="tab-intro" />
      <Table<Assumption> rowKey={(_, i) => String(i)} size="small" bordered columns={columns} dataSource={items} pagination={false} />
    </div>
  );
}
