/**
 * 版本历史 — every imported version of the contract definition.
 */
import { Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { ContractVersion } from '../../api/types';
import { useT } from '../../i18n/i18n';
import { formatDateTime } from '../../shared/datetime';
import type { ContractIndex } from '../contract-index';

export function VersionsTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const versions = [...index.detail.versions].sort((a, b) => b.version - a.version);
  const dash = t('common.dash');

  const columns: ColumnsType<ContractVersion> = [
    {
      title: t('ver.col.version'),
      dataIndex: 'version',
      width: 110,
      render: (v: number) => (
        <span>
          {t('contracts.versionN', { n: v })} {v === index.detail.version && <Tag color="green">{t('ver.current')}</Tag>}
        </span>
      ),
    },
    { title: t('ver.col.effectiveFrom'), dataIndex: 'effectiveFrom', width: 170, render: (s: string) => formatDateTime(s) },
    { title: t('ver.col.effectiveTo'), dataIndex: 'effectiveTo', width: 170, render: (s: string | null) => (s ? formatDateTime(s) : dash) },
    { title: t('ver.col.importedAt'), dataIndex: 'importedAt', width: 170, render: (s: string) => formatDateTime(s) },
    { title: t('ver.col.importedBy'), dataIndex: 'importedBy', width: 130, render: (s: string | null) => s ?? <span className="muted">{t('ver.initialImport')}</span> },
    {
      title: t('ver.col.digest'),
      dataIndex: 'digest',
      width: 230,
      render: (d: string) => (
        <Typography.Text className="mono small" copyable={{ text: d, tooltips: [t('common.copy'), t('common.copied')] }}>
          {`${d.slice(0, 16)}…`}
        </Typography.Text>
      ),
    },
    { title: t('ver.col.note'), dataIndex: 'note', render: (s: string | null) => s ?? dash },
  ];

  return (
    <div className="tab-panel">
      <Table<ContractVersion> rowKey="id" size="small" bordered columns={columns} dataSource={versions} pagination={false} />
    </div>
  );
}
