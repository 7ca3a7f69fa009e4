/**
 * 工单 of one contract: tabs per kind (服务请求、数据处理工单、变更、发布/升级、
 * 内容发布), filters (state, system, mine, overdue, finished, Chinese
 * keyword), a server-paged table with who each order waits on and its
 * nearest deadline, and a "new" menu with the kinds the user may raise.
 */
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { Button, Card, Dropdown, Empty, Input, Segmented, Select, Space, Switch, Table, Tabs, TreeSelect } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { DownOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { api, ApiError, unwrap } from '../api/client';
import type { ContractDetail, WorkOrder, WorkOrderKind, WorkOrderQuery, WorkOrderState } from '../api/types';
import { useMe } from '../auth/session';
import { useT } from '../i18n/i18n';
import { formatDateTimeShort } from '../shared/datetime';
import { useQuery } from '../shared/use-query';
import { EmptyState, LoadError, Loading } from '../shared/page-state';
import { systemTree } from '../contracts/contract-index';
import { ContractNav } from '../contracts/contract-nav';
import { useContract } from '../contracts/use-contract';
import { isKind, KINDS, kindsToRaise, STATE_ORDER } from './workorder-rules';
import { KindTag, StateTag, subtypeName, WaitingOn, WorkOrderDeadline } from './workorder-format';
import { SecurityLabelTag } from '../labels/security-label';
import './workorders.css';

const PAGE_SIZE = 50;
const ALL = 'all';

interface Filters {
  kind: WorkOrderKind | undefined;
  q: string;
  systemKey: string | undefined;
  states: WorkOrderState[];
  mine: boolean;
  breached: boolean;
  includeFinished: boolean;
  page: number;
}

function readFilters(p: URLSearchParams): Filters {
  const kind = p.get('kind');
  const states = (p.get('state') ?? '').split(',').filter((s): s is WorkOrderState => STATE_ORDER.some((x) => x === s));
  const page = Number(p.get('page') ?? '1');
  return {
    kind: isKind(kind) ? kind : undefined,
    q: p.get('q') ?? '',
    systemKey: p.get('system') ?? undefined,
    states,
    mine: p.get('mine') === '1',
    breached: p.get('breached') === '1',
    includeFinished: p.get('finished') === '1',
    page: Number.isInteger(page) && page > 0 ? page : 1,
  };
}

function writeFilters(f: Filters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.kind) out['kind'] = f.kind;
  if (f.q) out['q'] = f.q;
  if (f.systemKey) out['system'] = f.systemKey;
  if (f.states.length) out['state'] = f.states.join(',');
  if (f.mine) out['mine'] = '1';
  if (f.breached) out['breached'] = '1';
  if (f.includeFinished) out['finished'] = '1';
  if (f.page > 1) out['page'] = String(f.page);
  return out;
}

function toQuery(f: Filters): WorkOrderQuery {
  return {
    limit: PAGE_SIZE,
    offset: (f.page - 1) * PAGE_SIZE,
    ...(f.kind ? { kind: f.kind } : {}),
    ...(f.q.trim() ? { q: f.q.trim() } : {}),
    ...(f.systemKey ? { systemKey: f.systemKey } : {}),
    ...(f.states.length ? { state: f.states.join(',') } : {}),
    ...(f.mine ? { mine: 'true' as const } : {}),
    ...(f.breached ? { breached: 'true' as const } : {}),
    ...(!f.includeFinished && f.states.length === 0 ? { openOnly: 'true' as const } : {}),
  };
}

export function WorkOrdersPage() {
  const t = useT();
  const { contractId = '' } = useParams();
  const contract = useContract(contractId);
  if (contract.error !== undefined) {
    const notFound = contract.error instanceof ApiError && (contract.error.status === 404 || contract.error.status === 400);
    return <div className="page">{notFound ? <Card><EmptyState>{t('detail.notFound')}</EmptyState></Card> : <LoadError error={contract.error} onRetry={contract.reload} />}</div>;
  }
  if (!contract.data) return <Loading />;
  return <WorkOrderList contract={contract.data} />;
}

function WorkOrderList({ contract }: { contract: ContractDetail }) {
  const t = useT();
  const me = useMe();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const [keyword, setKeyword] = useState(filters.q);
  const tree = useMemo(() => systemTree(contract.definition.systems), [contract.definition.systems]);
  const query = toQuery(filters);
  const queryKey = JSON.stringify(query);
  const list = useQuery(() => unwrap(api.GET('/api/contracts/{contractId}/work-orders', { params: { path: { contractId: contract.id }, query } })), [contract.id, queryKey]);
  const rules = useQuery(() => unwrap(api.GET('/api/contracts/{contractId}/work-order-rules', { params: { path: { contractId: contract.id } } })), [contract.id]);
  const kindStates = filters.kind ? rules.data?.kinds.find((k) => k.kind === filters.kind)?.states.map((s) => s.state) : undefined;
  const stateOptions = STATE_ORDER.filter((s) => !kindStates || kindStates.includes(s));
  const { reload } = list;
  useEffect(() => {
    const timer = setInterval(reload, 60_000);
    return () => clearInterval(timer);
  }, [reload]);

  const update = (patch: Partial<Filters>) => setParams(writeFilters({ ...filters, page: 1, ...patch }), { replace: true });
  const raisable = kindsToRaise(contract.myRoles, me.isPlatformAdmin);
  const newUrl = (kind: WorkOrderKind) => `/contracts/${contract.id}/work-orders/new?kind=${kind}`;

  return (
    <div className="page workorders-page">
      <ContractNav contractId={contract.id} active="workOrders" code={contract.code} name={contract.name} />
      <div className="page-head">
        <div>
          <h1 className="page-title">{t('wo.listTitle')}</h1>
          <div className="page-desc">{t('wo.listDesc')}</div>
        </div>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={reload} loading={list.loading && list.data !== undefined}>
            {t('wo.refresh')}
          </Button>
          {raisable.length > 0 &&
            (filters.kind && raisable.includes(filters.kind) ? (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => filters.kind && navigate(newUrl(filters.kind))} className="wo-new-button">
                {t('wo.newOf', { kind: t(`wo.kind.${filters.kind}`) })}
              </Button>
            ) : (
              <Dropdown trigger={['click']} menu={{ items: raisable.map((k) => ({ key: k, label: t('wo.newOf', { kind: t(`wo.kind.${k}`) }), onClick: () => navigate(newUrl(k)) })) }}>
                <Button type="primary" icon={<PlusOutlined />} className="wo-new-button">
                  {t('wo.new')} <DownOutlined />
                </Button>
              </Dropdown>
            ))}
        </Space>
      </div>

      <Tabs
        className="wo-kind-tabs"
        activeKey={filters.kind ?? ALL}
        onChange={(k) => update({ kind: isKind(k) ? k : undefined, states: [] })}
        items={[{ key: ALL, label: t('wo.kindAll') }, ...KINDS.map((k) => ({ key: k, label: t(`wo.kind.${k}`) }))]}
      />

      <Card className="filter-card" size="small">
        <div className="incident-filters">
          <Input.Search
            className="filter-q"
            allowClear
            placeholder={t('wo.searchPlaceholder')}
            value={keyword}
            onChange={(e) => setKeyword(e.target.value)}
            onSearch={(v) => update({ q: v.trim() })}
            enterButton
          />
          <TreeSelect
            className="filter-system"
            allowClear
            showSearch
            treeNodeFilterProp="title"
            treeDefaultExpandAll
            placeholder={t('wo.filterSystem')}
            treeData={tree}
            value={filters.systemKey}
            onChange={(v: string | undefined) => update({ systemKey: v })}
          />
          <Select
            className="filter-status"
            mode="multiple"
            allowClear
            maxTagCount="responsive"
            placeholder={t('wo.filterState')}
            options={stateOptions.map((s) => ({ value: s, label: t(`wo.state.${s}`) }))}
            value={filters.states}
            onChange={(v: WorkOrderState[]) => update({ states: v })}
          />
          <Segmented<'all' | 'breached'>
            value={filters.breached ? 'breached' : 'all'}
            onChange={(v) => update({ breached: v === 'breached' })}
            options={[
              { value: 'all', label: t('wo.riskAll') },
              { value: 'breached', label: <span className="seg-breached">{t('wo.riskBreached')}</span> },
            ]}
          />
          <label className="closed-switch">
            <Switch size="small" checked={filters.mine} onChange={(v) => update({ mine: v })} /> {t('wo.mine')}
          </label>
          <label className="closed-switch">
            <Switch size="small" checked={filters.includeFinished} onChange={(v) => update({ includeFinished: v })} /> {t('wo.includeFinished')}
          </label>
        </div>
      </Card>

      {list.error !== undefined ? (
        <LoadError error={list.error} onRetry={reload} />
      ) : list.data === undefined ? (
        <Loading />
      ) : (
        <>
          <div className="result-line muted small">{t('wo.resultCount', { n: list.data.total })}</div>
          <WorkOrderTable rows={list.data.items} total={list.data.total} page={filters.page} onPage={(page) => update({ page })} showKind={!filters.kind} />
        </>
      )}
    </div>
  );
}

function WorkOrderTable({ rows, total, page, onPage, showKind }: { rows: WorkOrder[]; total: number; page: number; onPage: (page: number) => void; showKind: boolean }) {
  const t = useT();
  const navigate = useNavigate();
  const columns: ColumnsType<WorkOrder> = [
    { title: t('wo.col.number'), dataIndex: 'number', width: 140, render: (n: string) => <span className="mono">{n}</span> },
    {
      title: t('wo.col.title'),
      dataIndex: 'title',
      render: (title: string, r) => (
        <div>
          <Link to={`/work-orders/${r.id}`} className="strong-link">
            {title}
          </Link>
          <div className="muted small">
            {showKind && <KindTag kind={r.kind} />}
            {subtypeName(t, r.kind, r.subtype, r.subtypeName)}
          </div>
        </div>
      ),
    },
    { title: t('wo.col.system'), dataIndex: 'systemName', width: 190, render: (v: string | null) => v ?? <span className="muted">{t('common.dash')}</span> },
    { title: t('wo.col.state'), dataIndex: 'state', width: 100, render: (s: WorkOrderState) => <StateTag state={s} /> },
    { title: t('label.title'), dataIndex: 'securityLabel', width: 110, render: (_: unknown, r) => <SecurityLabelTag label={r.securityLabel} integrityFailed={r.labelIntegrityFailed} /> },
    { title: t('wo.col.waitingOn'), key: 'waiting', width: 170, render: (_: unknown, r) => <WaitingOn order={r} /> },
    { title: t('wo.col.deadline'), key: 'deadline', width: 170, render: (_: unknown, r) => <WorkOrderDeadline order={r} /> },
    { title: t('wo.col.requester'), key: 'requester', width: 140, render: (_: unknown, r) => r.requesterName ?? r.requester.name },
    { title: t('wo.col.requestedAt'), dataIndex: 'requestedAt', width: 140, render: (v: string) => formatDateTimeShort(v) },
  ];
  if (rows.length === 0) return <Card><Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('wo.empty')} /></Card>;
  return (
    <Card className="table-card" styles={{ body: { padding: 0 } }}>
      <Table<WorkOrder>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={rows}
        pagination={{ current: page, pageSize: PAGE_SIZE, total, hideOnSinglePage: true, showSizeChanger: false, onChange: onPage }}
        rowClassName={(r) => `clickable-row wo-row${r.slaBreached ? ' breached-row' : ''}`}
        onRow={(r) => ({
          onClick: (e) => {
            if (e.target instanceof HTMLElement && e.target.closest('a')) return;
            navigate(`/work-orders/${r.id}`);
          },
        })}
      />
    </Card>
  );
}
