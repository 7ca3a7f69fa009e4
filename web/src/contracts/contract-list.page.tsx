/**
 * 合同列表 — the contracts the signed-in user belongs to.
 */
import { Link, useNavigate } from 'react-router-dom';
import { Card, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { api, unwrap } from '../api/client';
import type { ContractSummary } from '../api/types';
import { useT } from '../i18n/i18n';
import { formatFen } from '../shared/money';
import { useQuery } from '../shared/use-query';
import { EmptyState, LoadError } from '../shared/page-state';

export function ContractListPage() {
  const t = useT();
  const navigate = useNavigate();
  const { data, error, loading, reload } = useQuery(() => unwrap(api.GET('/api/contracts')), []);

  const columns: ColumnsType<ContractSummary> = [
    { title: t('contracts.col.code'), dataIndex: 'code', width: 150, render: (code: string) => <span className="mono">{code}</span> },
    {
      title: t('contracts.col.name'),
      dataIndex: 'name',
      render: (name: string, row) => (
        <Link to={`/contracts/${row.id}`} className="strong-link" onClick={(e) => e.stopPropagation()}>
          {name}
        </Link>
      ),
    },
    { title: t('contracts.col.agency'), dataIndex: 'agency', width: 220, render: (agency: string[]) => agency.map((a) => <div key={a}>{a}</div>) },
    {
      title: t('contracts.col.vendors'),
      dataIndex: 'vendors',
      width: 250,
      render: (vendors: string[]) => (
        <div>
          {vendors.length > 1 && (
            <Tag color="geekblue" className="consortium-tag">
              {t('contracts.consortium')}
            </Tag>
          )}
          {vendors.map((v) => (
            <div key={v}>{v}</div>
          ))}
        </div>
      ),
    },
    {
      title: t('contracts.col.period'),
      key: 'period',
      width: 130,
      render: (_: unknown, row) => (
        <div className="nowrap">
          <div>{row.periodStart}</div>
          <div className="muted">{t('contracts.periodTo', { end: row.periodEnd })}</div>
        </div>
      ),
    },
    { title: t('contracts.col.total'), dataIndex: 'totalAmountFen', align: 'right', width: 160, render: (fen: number) => <span className="money">{formatFen(fen)}</span> },
    { title: t('contracts.col.systems'), dataIndex: 'systemCount', align: 'right', width: 90, render: (n: number) => t('contracts.systemsN', { n }) },
    { title: t('contracts.col.version'), dataIndex: 'version', align: 'center', width: 90, render: (v: number) => <Tag>{t('contracts.versionN', { n: v })}</Tag> },
  ];

  return (
    <div className="page">
      <div className="page-head">
        <h1 className="page-title">{t('contracts.title')}</h1>
        {data && <span className="page-subtitle">{t('contracts.subtitle', { n: data.length })}</span>}
      </div>
      {error !== undefined ? (
        <LoadError error={error} onRetry={reload} />
      ) : (
        <Card className="table-card" styles={{ body: { padding: 0 } }}>
          <Table<ContractSummary>
            rowKey="id"
            size="middle"
            loading={loading}
            columns={columns}
            dataSource={data ?? []}
            pagination={false}
            rowClassName={() => 'clickable-row'}
            onRow={(row) => ({ onClick: () => navigate(`/contracts/${row.id}`) })}
            locale={{ emptyText: <EmptyState>{t('contracts.empty')}</EmptyState> }}
          />
        </Card>
      )}
    </div>
  );
}
