/**
 * 故障看板 / 故障列表 of one contract: filters (system, level, status,
 * overdue / at risk, Chinese keyword), a board with one column per status
 * and a list, both sorted by the nearest deadline, each ticket with a live
 * countdown; export of the filtered list to Excel.
 */
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { App, Button, Card, Empty, Input, Segmented, Select, Space, Switch, Table, Tooltip, TreeSelect } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { AppstoreOutlined, DownloadOutlined, PlusOutlined, ReloadOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { api, ApiError, errorMessage, unwrap } from '../api/client';
import { downloadFile } from '../api/download';
import { apiUrl } from '../api/urls';
import type { ContractDetail, Incident, IncidentQuery, IncidentStatus, SeverityLevel } from '../api/types';
import { useMe } from '../auth/session';
import { useT } from '../i18n/i18n';
import { formatDateTimeShort } from '../shared/datetime';
import { useQuery } from '../shared/use-query';
import { EmptyState, LoadError, Loading } from '../shared/page-state';
import { systemTree } from '../contracts/contract-index';
import { ContractNav } from '../contracts/contract-nav';
import { useContract } from '../contracts/use-contract';
import { canReport, OPEN_STATUSES, STATUS_ORDER } from './incident-rules';
import { LevelTag, NearestDeadline, StatusTag } from './incident-format';
import { SecurityLabelTag } from '../labels/security-label';

/** How many tickets one page of the board loads. */
const LIMIT = 200;

type Risk = 'all' | 'breached' | 'atRisk';

interface Filters {
  q: string;
  systemKey: string | undefined;
  levelKey: string | undefined;
  status: IncidentStatus[];
  risk: Risk;
  includeClosed: boolean;
  view: 'board' | 'list';
}

function readFilters(p: URLSearchParams): Filters {
  const status = (p.get('status') ?? '').split(',').filter((s): s is IncidentStatus => (STATUS_ORDER as readonly string[]).includes(s));
  const risk = p.get('risk');
  return {
    q: p.get('q') ?? '',
    systemKey: p.get('system') ?? undefined,
    levelKey: p.get('level') ?? undefined,
    status,
    risk: risk === 'breached' || risk === 'atRisk' ? risk : 'all',
    includeClosed: p.get('closed') === '1',
    view: p.get('view') === 'list' ? 'list' : 'board',
  };
}

function writeFilters(f: Filters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.q) out['q'] = f.q;
  if (f.systemKey) out['system'] = f.systemKey;
  if (f.levelKey) out['level'] = f.levelKey;
  if (f.status.length) out['status'] = f.status.join(',');
  if (f.risk !== 'all') out['risk'] = f.risk;
  if (f.includeClosed) out['closed'] = '1';
  if (f.view === 'list') out['view'] = 'list';
  return out;
}

/** The API query of the filters (without paging). */
function toQuery(f: Filters): Omit<IncidentQuery, 'limit' | 'offset'> {
  return {
    ...(f.q.trim() ? { q: f.q.trim() } : {}),
    ...(f.systemKey ? { systemKey: f.systemKey } : {}),
    ...(f.levelKey ? { levelKey: f.levelKey } : {}),
    ...(f.status.length ? { status: f.status.join(',') } : {}),
    ...(f.risk === 'breached' ? { breached: 'true' as const } : {}),
    ...(f.risk === 'atRisk' ? { atRisk: 'true' as const } : {}),
    ...(!f.includeClosed && !f.status.includes('closed') ? { openOnly: 'true' as const } : {}),
  };
}

/**
 * Nearest deadline first. The server orders by the nearest deadline not yet
 * passed; an open ticket whose running deadlines have all passed is the most
 * urgent of all, so it comes first here (the order is otherwise kept).
 */
function byNearestDeadline(rows: readonly Incident[]): Incident[] {
  const DONE = new Set<IncidentStatus>(['resolved', 'callbackDone', 'closed']);
  const rank = (r: Incident) => (r.slaBreached && !r.slaDueAt && !DONE.has(r.status) ? 0 : 1);
  return rows.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i).map((x) => x.r);
}

export function IncidentsPage() {
  const t = useT();
  const { contractId = '' } = useParams();
  const contract = useContract(contractId);

  if (contract.error !== undefined) {
    const notFound = contract.error instanceof ApiError && (contract.error.status === 404 || contract.error.status === 400);
    return <div className="page">{notFound ? <Card><EmptyState>{t('detail.notFound')}</EmptyState></Card> : <LoadError error={contract.error} onRetry={contract.reload} />}</div>;
  }
  if (!contract.data) return <Loading />;
  return <IncidentBoard contract={contract.data} />;
}

function IncidentBoard({ contract }: { contract: ContractDetail }) {
  const t = useT();
  const me = useMe();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const [keyword, setKeyword] = useState(filters.q);
  const [exporting, setExporting] = useState(false);
  const def = contract.definition;
  const levels = useMemo(() => new Map(def.severityLevels.map((l) => [l.key, l])), [def]);
  const tree = useMemo(() => systemTree(def.systems), [def]);
  const query = toQuery(filters);
  const queryKey = JSON.stringify(query);

  const list = useQuery(
    () => unwrap(api.GET('/api/contracts/{contractId}/incidents', { params: { path: { contractId: contract.id }, query: { ...query, limit: LIMIT } } })),
    [contract.id, queryKey],
  );
  const { reload } = list;
  useEffect(() => {
    const timer = setInterval(reload, 60_000);
    return () => clearInterval(timer);
  }, [reload]);

  const update = (patch: Partial<Filters>) => setParams(writeFilters({ ...filters, ...patch }), { replace: true });

  const exportXlsx = async () => {
    setExporting(true);
    try {
      const url = apiUrl('/api/contracts/{contractId}/incidents/export.xlsx', 'get', { contractId: contract.id }, query);
      await downloadFile(url, t('inc.exportFileName', { code: contract.code, date: new Date().toISOString().slice(0, 10) }));
      message.success(t('inc.exported'));
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setExporting(false);
    }
  };

  const rows = useMemo(() => byNearestDeadline(list.data ?? []), [list.data]);
  const mayReport = canReport(contract.myRoles, me.isPlatformAdmin);
  const levelOptions = [...def.severityLevels].sort((a, b) => a.rank - b.rank).map((l) => ({ value: l.key, label: l.name }));

  return (
    <div className="page incidents-page">
      <ContractNav contractId={contract.id} active="incidents" code={contract.code} name={contract.name} />
      <div className="page-head">
        <div>
          <h1 className="page-title">{filters.view === 'list' ? t('inc.listTitle') : t('inc.boardTitle')}</h1>
          <div className="page-desc">{t('inc.boardDesc')}</div>
        </div>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={reload} loading={list.loading && list.data !== undefined}>
            {t('inc.refresh')}
          </Button>
          <Button icon={<DownloadOutlined />} onClick={() => void exportXlsx()} loading={exporting}>
            {t('inc.export')}
          </Button>
          {mayReport && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate(`/contracts/${contract.id}/incidents/new`)}>
              {t('inc.report')}
            </Button>
          )}
        </Space>
      </div>

      <Card className="filter-card" size="small">
        <div className="incident-filters">
          <Input.Search
            className="filter-q"
            allowClear
            placeholder={t('inc.searchPlaceholder')}
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
            placeholder={t('inc.filterSystem')}
            treeData={tree}
            value={filters.systemKey}
            onChange={(v: string | undefined) => update({ systemKey: v })}
          />
          <Select className="filter-level" allowClear placeholder={t('inc.filterLevel')} options={levelOptions} value={filters.levelKey} onChange={(v: string | undefined) => update({ levelKey: v })} />
          <Select
            className="filter-status"
            mode="multiple"
            allowClear
            maxTagCount="responsive"
            placeholder={t('inc.filterStatus')}
            options={STATUS_ORDER.map((s) => ({ value: s, label: t(`incStatus.${s}`) }))}
            value={filters.status}
            onChange={(v: IncidentStatus[]) => update({ status: v })}
          />
          <Segmented<Risk>
            value={filters.risk}
            onChange={(v) => update({ risk: v })}
            options={[
              { value: 'all', label: t('inc.riskAll') },
              { value: 'breached', label: <span className="seg-breached">{t('inc.riskBreached')}</span> },
              { value: 'atRisk', label: <span className="seg-atrisk">{t('inc.riskAtRisk')}</span> },
            ]}
          />
          <label className="closed-switch">
            <Switch size="small" checked={filters.includeClosed} onChange={(v) => update({ includeClosed: v })} /> {t('inc.includeClosed')}
          </label>
          <div className="header-spacer" />
          <Segmented<'board' | 'list'>
            value={filters.view}
            onChange={(v) => update({ view: v })}
            options={[
              { value: 'board', label: t('inc.viewBoard'), icon: <AppstoreOutlined /> },
              { value: 'list', label: t('inc.viewList'), icon: <UnorderedListOutlined /> },
            ]}
          />
        </div>
      </Card>

      {list.error !== undefined ? (
        <LoadError error={list.error} onRetry={reload} />
      ) : list.data === undefined ? (
        <Loading />
      ) : (
        <>
          <div className="result-line muted small">
            {t('inc.resultCount', { n: rows.length })}
            {rows.length >= LIMIT && <span className="limit-note">{t('inc.limitNote', { n: LIMIT })}</span>}
          </div>
          {filters.view === 'board' ? (
            <Board rows={rows} levels={levels} includeClosed={filters.includeClosed || filters.status.includes('closed')} statusFilter={filters.status} />
          ) : (
            <IncidentTable rows={rows} levels={levels} />
          )}
        </>
      )}
    </div>
  );
}

function IncidentCard({ incident, levels }: { incident: Incident; levels: ReadonlyMap<string, SeverityLevel> }) {
  const t = useT();
  return (
    <Link to={`/incidents/${incident.id}`} className={`incident-card${incident.slaBreached ? ' breached' : incident.slaAtRisk ? ' at-risk' : ''}`} data-number={incident.number}>
      <div className="incident-card-top">
        <span className="mono incident-number">{incident.number}</span>
        <LevelTag levelKey={incident.levelKey} levelName={incident.levelName} levels={levels} />
      </div>
      <div className="incident-card-title">
        {/* the default label (内部) is not repeated on every card */}
        {(incident.securityLabel !== 'internal' || incident.labelIntegrityFailed) && <SecurityLabelTag label={incident.securityLabel} integrityFailed={incident.labelIntegrityFailed} />}
        {incident.title}
      </div>
      <div className="incident-card-meta">
        <span>{incident.systemName}</span>
        {incident.site && <span className="muted"> · {incident.site}</span>}
      </div>
      <div className="incident-card-bottom">
        <NearestDeadline incident={incident} level={levels.get(incident.levelKey)} compact />
        <StatusTag status={incident.status} waitingReason={incident.waitingReason} />
      </div>
      <div className="incident-card-time muted small">{t('inc.reportedAtShort', { time: formatDateTimeShort(incident.reportedAt) })}</div>
    </Link>
  );
}

function Board({ rows, levels, includeClosed, statusFilter }: { rows: Incident[]; levels: ReadonlyMap<string, SeverityLevel>; includeClosed: boolean; statusFilter: IncidentStatus[] }) {
  const t = useT();
  const columns = (includeClosed ? STATUS_ORDER : OPEN_STATUSES).filter((s) => statusFilter.length === 0 || statusFilter.includes(s));
  return (
    <div className="board" style={{ gridTemplateColumns: `repeat(${columns.length}, minmax(176px, 1fr))` }}>
      {columns.map((status) => {
        const items = rows.filter((r) => r.status === status);
        return (
          <section key={status} className={`board-column status-${status}`} aria-label={t(`incStatus.${status}`)}>
            <header className="board-column-head">
              <span className={`board-dot dot-${status}`} />
              <span className="board-column-name">{t(`incStatus.${status}`)}</span>
              <span className="board-count">{items.length}</span>
            </header>
            <div className="board-column-body">
              {items.length === 0 ? <div className="board-empty">{t('inc.columnEmpty')}</div> : items.map((r) => <IncidentCard key={r.id} incident={r} levels={levels} />)}
            </div>
          </section>
        );
      })}
    </div>
  );
}

function IncidentTable({ rows, levels }: { rows: Incident[]; levels: ReadonlyMap<string, SeverityLevel> }) {
  const t = useT();
  const navigate = useNavigate();
  const columns: ColumnsType<Incident> = [
    { title: t('inc.col.number'), dataIndex: 'number', width: 150, render: (n: string) => <span className="mono">{n}</span> },
    {
      title: t('inc.col.title'),
      dataIndex: 'title',
      render: (title: string, r) => (
        <div>
          <Link to={`/incidents/${r.id}`} className="strong-link">
            {title}
          </Link>
          {r.site && <div className="muted small">{r.site}</div>}
        </div>
      ),
    },
    { title: t('inc.col.level'), dataIndex: 'levelKey', width: 170, render: (k: string, r) => <LevelTag levelKey={k} levelName={r.levelName} levels={levels} /> },
    { title: t('inc.col.system'), dataIndex: 'systemName', width: 190 },
    { title: t('inc.col.status'), dataIndex: 'status', width: 120, render: (s: IncidentStatus, r) => <StatusTag status={s} waitingReason={r.waitingReason} /> },
    { title: t('label.title'), dataIndex: 'securityLabel', width: 110, render: (_: unknown, r) => <SecurityLabelTag label={r.securityLabel} integrityFailed={r.labelIntegrityFailed} /> },
    { title: t('inc.col.deadline'), key: 'deadline', width: 200, render: (_: unknown, r) => <NearestDeadline incident={r} level={levels.get(r.levelKey)} /> },
    { title: t('inc.col.reportedAt'), dataIndex: 'reportedAt', width: 150, render: (v: string) => formatDateTimeShort(v) },
    {
      title: t('inc.col.reporter'),
      key: 'reporter',
      width: 150,
      render: (_: unknown, r) => (
        <Tooltip title={r.reporterOrg ?? undefined}>
          <span>{r.reporterName}</span>
        </Tooltip>
      ),
    },
  ];
  if (rows.length === 0) return <Card><Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('inc.empty')} /></Card>;
  return (
    <Card className="table-card" styles={{ body: { padding: 0 } }}>
      <Table<Incident>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={rows}
        pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
        rowClassName={(r) => `clickable-row${r.slaBreached ? ' breached-row' : ''}`}
        onRow={(r) => ({ onClick: (e) => {
          if ((e.target as HTMLElement).closest('a')) return;
          navigate(`/incidents/${r.id}`);
        } })}
      />
    </Card>
  );
}

