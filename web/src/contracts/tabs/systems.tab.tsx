/**
 * 系统 — the systems and services under maintenance, as a tree by parent,
 * with their service window and price items.
 */
import { useMemo } from 'react';
import { Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { ContractSystem } from '../../api/types';
import { useT } from '../../i18n/i18n';
import { formatFen } from '../../shared/money';
import { SourceTag } from '../../shared/source-tag';
import type { ContractIndex } from '../contract-index';

interface SystemRow extends ContractSystem {
  children?: SystemRow[];
}

function buildTree(systems: readonly ContractSystem[]): SystemRow[] {
  const keys = new Set(systems.map((s) => s.key));
  const byParent = new Map<string, ContractSystem[]>();
  for (const s of systems) {
    const parent = s.parent && keys.has(s.parent) ? s.parent : '';
    byParent.set(parent, [...(byParent.get(parent) ?? []), s]);
  }
  const walk = (parent: string): SystemRow[] =>
    (byParent.get(parent) ?? []).map((s) => {
      const children = walk(s.key);
      return children.length ? { ...s, children } : { ...s };
    });
  return walk('');
}

/** The window a system inherits from its nearest ancestor that names one (as the SLA engine does). */
function inheritedWindow(index: ContractIndex, system: ContractSystem): string | null {
  const seen = new Set<string>();
  let parentKey = system.parent;
  while (parentKey && !seen.has(parentKey)) {
    seen.add(parentKey);
    const parent = index.systems.get(parentKey);
    if (!parent) return null;
    if (parent.serviceWindow) return parent.serviceWindow;
    parentKey = parent.parent;
  }
  return null;
}

export function SystemsTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const def = index.detail.definition;
  const tree = useMemo(() => buildTree(def.systems), [def.systems]);
  const defaultWindow = index.windows.get(def.slaPolicy.defaultWindow);
  const dash = t('common.dash');

  const columns: ColumnsType<SystemRow> = [
    {
      title: t('sys.col.name'),
      dataIndex: 'name',
      width: 330,
      render: (name: string, s) => (
        <div className="system-name-cell">
          <span className="item-key">{s.key}</span>
          <span className={s.children ? 'strong' : undefined}>{name}</span>
        </div>
      ),
    },
    {
      title: t('sys.col.window'),
      dataIndex: 'serviceWindow',
      width: 130,
      render: (k: string | undefined, s) => {
        if (k) return <Tag color="blue">{index.windows.get(k)?.name ?? k}</Tag>;
        const inherited = inheritedWindow(index, s);
        return inherited ? (
          <span className="muted">{t('sys.inheritedWindow', { name: index.windows.get(inherited)?.name ?? inherited })}</span>
        ) : (
          <span className="muted">{t('sys.defaultWindow', { name: defaultWindow?.name ?? def.slaPolicy.defaultWindow })}</span>
        );
      },
    },
    {
      title: t('sys.col.priceItems'),
      dataIndex: 'priceItems',
      width: 200,
      render: (keys: string[] | undefined) =>
        keys?.length
          ? keys.map((k) => {
              const item = index.priceItems.get(k);
              return (
                <Tooltip key={k} title={item?.name}>
                  <div className="price-ref">
                    <span className="item-key">{k}</span>
                    {item && <span className="money">{formatFen(item.amountFen)}</span>}
                  </div>
                </Tooltip>
              );
            })
          : dash,
    },
    {
      title: t('sys.col.users'),
      dataIndex: 'users',
      width: 240,
      render: (u: string | undefined) => (u ? <Typography.Paragraph className="clamp" ellipsis={{ rows: 2, expandable: 'collapsible' }}>{u}</Typography.Paragraph> : dash),
    },
    {
      title: t('sys.col.description'),
      dataIndex: 'description',
      render: (d: string | undefined) => (d ? <Typography.Paragraph className="clamp" ellipsis={{ rows: 2, expandable: 'collapsible' }}>{d}</Typography.Paragraph> : dash),
    },
    { title: t('common.source'), dataIndex: 'source', width: 120, render: (src: string | undefined) => <SourceTag source={src} /> },
  ];

  return (
    <div className="tab-panel">
      <div className="tab-toolbar">
        <span className="muted">{t('sys.count', { n: def.systems.length })}</span>
      </div>
      <Table<SystemRow>
        rowKey="key"
        size="small"
        bordered
        columns={columns}
        dataSource={tree}
        pagination={false}
        expandable={{ defaultExpandAllRows: true, indentSize: 18 }}
      />
    </div>
  );
}
