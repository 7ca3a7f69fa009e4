/**
 * 分项报价 — the price items as a tree table. Group rows are subtotals (bold);
 * the grand total at the bottom is checked against the contract total.
 */
import { useMemo, useState, type Key } from 'react';
import { Alert, Button, Space, Table, Tag, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { CheckCircleFilled } from '@ant-design/icons';
import type { PriceItem } from '../../api/types';
import { useT } from '../../i18n/i18n';
import { formatFen, formatQuantity } from '../../shared/money';
import { EmptyState } from '../../shared/page-state';
import { partyName, partyShortName, systemName, type ContractIndex } from '../contract-index';

interface PriceRow extends PriceItem {
  children?: PriceRow[];
}

function buildTree(index: ContractIndex, parent: string): PriceRow[] {
  return (index.priceChildren.get(parent) ?? []).map((item) => {
    const children = buildTree(index, item.key);
    return children.length ? { ...item, children } : { ...item };
  });
}

export function PriceItemsTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const { detail } = index;
  const tree = useMemo(() => buildTree(index, ''), [index]);
  const groupKeys = useMemo(() => detail.priceItems.filter((p) => index.priceChildren.has(p.key)).map((p) => p.key), [detail, index]);
  const [expanded, setExpanded] = useState<readonly Key[]>(groupKeys);
  const leaves = detail.priceItems.length - groupKeys.length;
  const sumFen = tree.reduce((sum, p) => sum + BigInt(p.amountFen), 0n);
  const matches = sumFen === BigInt(detail.totalAmountFen);
  const dash = t('common.dash');

  if (!detail.priceItems.length) return <EmptyState>{t('price.empty')}</EmptyState>;

  const columns: ColumnsType<PriceRow> = [
    {
      title: t('price.col.name'),
      dataIndex: 'name',
      render: (name: string, row) => (
        <span className={row.children ? 'subtotal-name' : undefined}>
          <span className="item-key">{row.key}</span>
          {name}
        </span>
      ),
    },
    { title: t('price.col.quantity'), dataIndex: 'quantity', align: 'right', width: 110, render: (q: string | null) => (q === null ? dash : formatQuantity(q)) },
    { title: t('price.col.unit'), dataIndex: 'unit', align: 'center', width: 70, render: (u: string | null) => u ?? dash },
    {
      title: t('price.col.unitPrice'),
      dataIndex: 'unitPriceFen',
      align: 'right',
      width: 150,
      render: (fen: number | null) => (fen === null ? dash : <span className="money">{formatFen(fen)}</span>),
    },
    {
      title: t('price.col.amount'),
      dataIndex: 'amountFen',
      align: 'right',
      width: 160,
      render: (fen: number, row) => <span className={row.children ? 'money subtotal-amount' : 'money'}>{formatFen(fen)}</span>,
    },
    {
      title: t('price.col.member'),
      dataIndex: 'memberPartyKey',
      width: 120,
      render: (k: string | null) =>
        k ? (
          <Tooltip title={partyName(index, k)}>
            <span>{partyShortName(index, k)}</span>
          </Tooltip>
        ) : (
          dash
        ),
    },
    {
      title: t('price.col.systems'),
      dataIndex: 'systemKeys',
      width: 130,
      render: (keys: string[]) =>
        keys.length
          ? keys.map((k) => (
              <Tooltip key={k} title={systemName(index, k)}>
                <Tag className="key-tag">{k}</Tag>
              </Tooltip>
            ))
          : dash,
    },
  ];

  return (
    <div className="tab-panel">
      <div className="tab-toolbar">
        <span className="muted">{t('price.itemsCount', { n: detail.priceItems.length, leaves })}</span>
        <Space>
          <Button size="small" onClick={() => setExpanded(groupKeys)}>
            {t('price.expandAll')}
          </Button>
          <Button size="small" onClick={() => setExpanded([])}>
            {t('price.collapseAll')}
          </Button>
        </Space>
      </div>
      <Table<PriceRow>
        rowKey="key"
        size="small"
        bordered
        columns={columns}
        dataSource={tree}
        pagination={false}
        rowClassName={(row) => (row.children ? 'subtotal-row' : '')}
        expandable={{ expandedRowKeys: expanded, onExpandedRowsChange: (keys) => setExpanded(keys), indentSize: 20 }}
        summary={() => (
          <Table.Summary fixed>
            <Table.Summary.Row className="total-row">
              <Table.Summary.Cell index={0} colSpan={4}>
                {t('price.grandTotal')}
              </Table.Summary.Cell>
              <Table.Summary.Cell index={4} align="right">
                <span className="money">{formatFen(sumFen)}</span>
              </Table.Summary.Cell>
              <Table.Summary.Cell index={5} colSpan={2}>
                {matches && (
                  <span className="total-ok">
                    <CheckCircleFilled /> {t('price.matchesShort')}
                  </span>
                )}
              </Table.Summary.Cell>
            </Table.Summary.Row>
          </Table.Summary>
        )}
      />
      {!matches && <Alert type="warning" showIcon title={t('price.mismatch', { sum: formatFen(sumFen), total: formatFen(detail.totalAmountFen) })} />}
    </div>
  );
}
