/**
 * 乙方人员管理 — the roster of one contract: staffing KPI cards, the agency's
 * replacement requests with a live countdown to their deadline, and the list
 * of people with their agreement, background check, status and access, with
 * the actions each side may take.
 */
import { useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { App, Button, Card, Dropdown, Space, Table, Tag, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { DownOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { api, ApiError, errorMessage, unwrap } from '../api/client';
import { useT, type MessageKey } from '../i18n/i18n';
import { formatDateTimeShort } from '../shared/datetime';
import { Countdown } from '../shared/countdown';
import { EmptyState, LoadError, Loading } from '../shared/page-state';
import { SourceTag } from '../shared/source-tag';
import { useQuery } from '../shared/use-query';
import { ContractNav } from '../contracts/contract-nav';
import { useContract } from '../contracts/use-contract';
import type { ReplacementRequest, Roster, StaffingKpi, StaffMember, StaffStatus } from './staff-types';
import { StaffFormModal } from './staff-form.modal';
import { FulfilDialog, LeaveDialog, RejectDialog, ReplaceDialog, UploadDialog, WithdrawDialog } from './staff-dialogs';
import { StaffDetailDrawer } from './staff-detail.drawer';
import { formatDue } from './staff-format';
import './staff.css';

const STATUS_COLOURS: Record<StaffStatus, string> = { proposed: 'gold', accepted: 'blue', active: 'green', rejected: 'default', left: 'default' };
const REQUEST_COLOURS: Record<ReplacementRequest['status'], string> = { open: 'processing', overdue: 'red', fulfilled: 'green', withdrawn: 'default' };

/** Which dialog is open, and on what. */
type Dialog =
  | { kind: 'add' }
  | { kind: 'edit' | 'reject' | 'leave' | 'replace' | 'upload' | 'detail'; member: StaffMember }
  | { kind: 'withdraw' | 'fulfil'; request: ReplacementRequest }
  | null;

export function StaffRosterPage() {
  const t = useT();
  const { message, modal } = App.useApp();
  const { contractId = '' } = useParams();
  const contract = useContract(contractId);
  const { data, error, loading, reload } = useQuery(() => unwrap(api.GET('/api/contracts/{contractId}/staff', { params: { path: { contractId } } })), [contractId]);
  const [dialog, setDialog] = useState<Dialog>(null);

  const done = (text: string) => {
    message.success(text);
    setDialog(null);
    reload();
  };

  if (error !== undefined) {
    const notFound = error instanceof ApiError && (error.status === 404 || error.status === 403);
    return <div className="page">{notFound ? <Card><EmptyState>{errorMessage(error)}</EmptyState></Card> : <LoadError error={error} onRetry={reload} />}</div>;
  }
  if (!data) return <Loading />;

  const act = async (call: () => Promise<unknown>, ok: string) => {
    try {
      await call();
      done(ok);
    } catch (e) {
      message.error(errorMessage(e));
    }
  };
  const accept = (m: StaffMember) => act(() => unwrap(api.POST('/api/staff/{staffId}/accept', { params: { path: { staffId: m.id } }, body: { version: m.version } })), t('staff.done.accepted'));
  const activate = (m: StaffMember) =>
    modal.confirm({
      title: t('staff.dlg.activateConfirm', { name: m.personName }),
      onOk: () => act(() => unwrap(api.POST('/api/staff/{staffId}/activate', { params: { path: { staffId: m.id } }, body: { version: m.version } })), t('staff.done.activated')),
    });

  return (
    <div className="page staff-page">
      {contract.data && <ContractNav contractId={contractId} active="staff" code={contract.data.code} name={contract.data.name} />}
      <div className="page-head">
        <div>
          <h1 className="page-title">{t('staff.title')}</h1>
          <div className="page-desc">{t('staff.desc')}</div>
          <TermsLine roster={data} />
        </div>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={reload} loading={loading}>
            {t('common.retry')}
          </Button>
          {data.permissions.edit && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ kind: 'add' })}>
              {t('staff.add')}
            </Button>
          )}
        </Space>
      </div>

      <KpiCards kpis={data.kpis} />

      <RequestsCard
        roster={data}
        onWithdraw={(request) => setDialog({ kind: 'withdraw', request })}
        onFulfil={(request) => setDialog({ kind: 'fulfil', request })}
      />

      <RosterTable
        roster={data}
        loading={loading}
        onOpen={(member) => setDialog({ kind: 'detail', member })}
        onAction={(kind, member) => {
          if (kind === 'accept') void accept(member);
          else if (kind === 'activate') activate(member);
          else setDialog({ kind, member });
        }}
      />

      {dialog?.kind === 'add' && <StaffFormModal contractId={contractId} roster={data} onClose={() => setDialog(null)} onDone={() => done(t('staff.done.saved'))} />}
      {dialog?.kind === 'edit' && <StaffFormModal contractId={contractId} roster={data} member={dialog.member} onClose={() => setDialog(null)} onDone={() => done(t('staff.done.saved'))} />}
      {dialog?.kind === 'reject' && <RejectDialog member={dialog.member} onClose={() => setDialog(null)} onDone={() => done(t('staff.done.rejected'))} />}
      {dialog?.kind === 'leave' && <LeaveDialog member={dialog.member} today={data.today} onClose={() => setDialog(null)} onDone={(r) => done(t('staff.done.left', { grants: r.revokedGrants, sessions: r.endedSessions }))} />}
      {dialog?.kind === 'replace' && <ReplaceDialog member={dialog.member} onClose={() => setDialog(null)} onDone={(due) => done(t('staff.done.requested', { due: formatDue(due) }))} />}
      {dialog?.kind === 'upload' && <UploadDialog member={dialog.member} today={data.today} onClose={() => setDialog(null)} onDone={(name) => done(t('staff.done.uploaded', { name }))} />}
      {dialog?.kind === 'withdraw' && <WithdrawDialog request={dialog.request} onClose={() => setDialog(null)} onDone={() => done(t('staff.done.withdrawn'))} />}
      {dialog?.kind === 'fulfil' && <FulfilDialog request={dialog.request} roster={data} onClose={() => setDialog(null)} onDone={() => done(t('staff.done.fulfilled'))} />}
      {dialog?.kind === 'detail' && <StaffDetailDrawer staffId={dialog.member.id} onClose={() => setDialog(null)} />}
    </div>
  );
}

/** The contract's replacement deadline, vendor notice and clearance terms in one line. */
function TermsLine({ roster }: { roster: Roster }) {
  const t = useT();
  const unit = (u: string) => t(`staff.unit.${u}` as MessageKey);
  const w = roster.replacementWithin;
  const n = roster.vendorChangeNotice;
  return (
    <div className="staff-terms small">
      <span>
        {t('staff.terms', { amount: w.amount, unit: unit(w.unit), def: w.isDefault ? t('staff.termsDefault') : '' })} <SourceTag source={w.source} />
      </span>
      {n && (
        <span>
          {t('staff.changeNotice', { amount: n.amount, unit: unit(n.unit), consent: n.writtenConsent ? t('staff.writtenConsent') : '' })} <SourceTag source={n.source} />
        </span>
      )}
      {roster.needsBackgroundCheck && <Tag color="orange">{t('staff.needsBackground')}</Tag>}
    </div>
  );
}

function KpiCards({ kpis }: { kpis: StaffingKpi[] }) {
  const t = useT();
  if (kpis.length === 0) return null;
  const tone = (k: StaffingKpi) => (k.status === 'met' ? 'green' : k.status === 'notMet' ? 'red' : 'default');
  return (
    <Card className="section-card" size="small" title={t('staff.kpiTitle')}>
      <div className="staff-kpi-grid">
        {kpis.map((k) => (
          <div key={k.key} className={`staff-kpi staff-kpi-${k.status}`} data-kpi={k.key}>
            <div className="staff-kpi-name">
              {k.name} <SourceTag source={k.source} />
            </div>
            <div className="staff-kpi-value">{k.kind === 'headcount' ? `${k.numerator} / ${k.denominator}` : (k.shareText ?? t('common.dash'))}</div>
            <div className="staff-kpi-req muted small">{k.requirement}</div>
            <div className="staff-kpi-foot">
              <span className="small">{k.kind === 'headcount' ? t('staff.kpiHeadcount', { n: k.numerator, d: k.denominator }) : t('staff.kpiCount', { n: k.numerator, d: k.denominator })}</span>
              <Tag color={tone(k)}>{k.status === 'met' ? t('staff.kpiMet') : k.status === 'notMet' ? t('staff.kpiNotMet') : t('staff.kpiNoData')}</Tag>
            </div>
          </div>
        ))}
      </div>
    </Card>
  );
}

function RequestsCard({ roster, onWithdraw, onFulfil }: { roster: Roster; onWithdraw: (r: ReplacementRequest) => void; onFulfil: (r: ReplacementRequest) => void }) {
  const t = useT();
  const pending = (r: ReplacementRequest) => r.status === 'open' || r.status === 'overdue';
  const columns: ColumnsType<ReplacementRequest> = [
    { title: t('staff.req.col.person'), dataIndex: 'personName', width: 120 },
    { title: t('staff.req.col.reason'), dataIndex: 'reason' },
    { title: t('staff.req.col.requestedAt'), key: 'at', width: 170, render: (_: unknown, r) => <div>{formatDateTimeShort(r.requestedAt)}<div className="muted small">{r.requestedByName ?? ''}</div></div> },
    {
      title: t('staff.req.col.due'),
      key: 'due',
      width: 200,
      render: (_: unknown, r) => (
        <Tooltip title={r.deadlineRule}>
          <div>
            <span className="mono">{formatDue(r.dueAt)}</span>
            {pending(r) && (
              <div>
                <Countdown dueAt={r.dueAt} soonMinutes={24 * 60} />
              </div>
            )}
          </div>
        </Tooltip>
      ),
    },
    {
      title: t('staff.req.col.status'),
      key: 'status',
      width: 120,
      render: (_: unknown, r) => (
        <Space direction="vertical" size={2}>
          <Tag color={REQUEST_COLOURS[r.status]}>{t(`staff.req.status.${r.status}`)}</Tag>
          {r.status === 'fulfilled' && r.overdueAt && <Tag color="orange">{t('staff.req.fulfilledLate')}</Tag>}
        </Space>
      ),
    },
    { title: t('staff.req.col.replacement'), dataIndex: 'replacementName', width: 120, render: (s: string | null) => s ?? t('common.dash') },
    {
      title: t('staff.col.actions'),
      key: 'actions',
      width: 170,
      render: (_: unknown, r) =>
        pending(r) ? (
          <Space size={4}>
            {roster.permissions.edit && (
              <Button size="small" onClick={() => onFulfil(r)}>
                {t('staff.req.fulfil')}
              </Button>
            )}
            {roster.permissions.decide && (
              <Button size="small" danger onClick={() => onWithdraw(r)}>
                {t('staff.req.withdraw')}
              </Button>
            )}
          </Space>
        ) : null,
    },
  ];
  return (
    <Card className="section-card" size="small" title={t('staff.requestsTitle')}>
      <Table<ReplacementRequest>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={roster.replacementRequests}
        pagination={false}
        rowClassName={(r) => (r.status === 'overdue' ? 'row-overdue' : '')}
        locale={{ emptyText: <EmptyState>{t('staff.requestsEmpty')}</EmptyState> }}
      />
    </Card>
  );
}

type RowAction = 'edit' | 'accept' | 'reject' | 'activate' | 'upload' | 'leave' | 'replace';

/** The actions a member offers, given the caller's permissions. */
function actionsFor(m: StaffMember, p: Roster['permissions'], pendingFor: Set<string>): RowAction[] {
  const out: RowAction[] = [];
  const current = m.status === 'proposed' || m.status === 'accepted' || m.status === 'active';
  if (p.edit && current) out.push('edit', 'upload');
  if (p.decide && m.status === 'proposed') out.push('accept', 'reject');
  if (p.edit && m.status === 'accepted') out.push('activate');
  if (p.decide && (m.status === 'accepted' || m.status === 'active') && !pendingFor.has(m.id)) out.push('replace');
  if (p.leave && current) out.push('leave');
  return out;
}

const ACTION_LABELS: Record<RowAction, MessageKey> = {
  edit: 'staff.edit',
  accept: 'staff.accept',
  reject: 'staff.reject',
  activate: 'staff.activate',
  upload: 'staff.uploadDocument',
  leave: 'staff.leave',
  replace: 'staff.requestReplacement',
};

function RosterTable({ roster, loading, onOpen, onAction }: { roster: Roster; loading: boolean; onOpen: (m: StaffMember) => void; onAction: (a: RowAction, m: StaffMember) => void }) {
  const t = useT();
  const pendingFor = useMemo(() => new Set(roster.replacementRequests.filter((r) => r.status === 'open' || r.status === 'overdue').map((r) => r.staffMemberId)), [roster]);
  const dash = t('common.dash');
  const columns: ColumnsType<StaffMember> = [
    {
      title: t('staff.col.name'),
      key: 'name',
      width: 140,
      render: (_: unknown, m) => (
        <div>
          <Button type="link" className="link-button" onClick={() => onOpen(m)}>
            {m.personName}
          </Button>
          <div className="muted small mono">{m.username ?? t('staff.noAccount')}</div>
        </div>
      ),
    },
    { title: t('staff.col.position'), dataIndex: 'positionName', width: 140 },
    { title: t('staff.col.member'), dataIndex: 'memberName', render: (s: string | null) => s ?? dash },
    { title: t('staff.col.education'), dataIndex: 'education', width: 90, render: (_: string, m) => t(`staff.edu.${m.education}`) },
    { title: t('staff.col.years'), dataIndex: 'yearsOnSystem', width: 100, render: (n: number, m) => <Tooltip title={m.systemStartOn}>{t('staff.yearsN', { n })}</Tooltip> },
    {
      title: t('staff.col.agreement'),
      key: 'agreement',
      width: 130,
      render: (_: unknown, m) => (m.agreementDocumentId ? <Tag color="green">{t('staff.agreementOn', { date: m.agreementSignedOn ?? '' })}</Tag> : <Tag color="red">{t('staff.agreementMissing')}</Tag>),
    },
    {
      title: t('staff.col.background'),
      key: 'bg',
      width: 100,
      render: (_: unknown, m) => (m.backgroundCheckResult ? <Tag color={m.backgroundCheckResult === 'passed' ? 'green' : m.backgroundCheckResult === 'failed' ? 'red' : 'gold'}>{t(`staff.bg.${m.backgroundCheckResult}`)}</Tag> : <span className="muted">{t('staff.bg.none')}</span>),
    },
    { title: t('staff.col.status'), dataIndex: 'status', width: 110, render: (s: StaffStatus) => <Tag color={STATUS_COLOURS[s]}>{t(`staff.status.${s}`)}</Tag> },
    {
      title: t('staff.col.access'),
      key: 'access',
      width: 170,
      render: (_: unknown, m) =>
        m.status === 'left' || m.status === 'rejected' ? (
          <span className="muted">{dash}</span>
        ) : (
          <div>
            <Tooltip title={m.clearanceProblems.join('；') || undefined}>
              <Tag color={m.cleared ? 'green' : 'default'}>{m.cleared ? t('staff.cleared') : t('staff.notCleared')}</Tag>
            </Tooltip>
            {m.roles.map((r) => (
              <Tag key={r} color="purple">
                {t(`role.${r}`)}
              </Tag>
            ))}
          </div>
        ),
    },
    {
      title: t('staff.col.actions'),
      key: 'actions',
      width: 110,
      render: (_: unknown, m) => {
        const actions = actionsFor(m, roster.permissions, pendingFor);
        if (actions.length === 0) return null;
        return (
          <Dropdown menu={{ items: actions.map((a) => ({ key: a, label: t(ACTION_LABELS[a]), danger: a === 'leave' || a === 'reject' })), onClick: ({ key }) => {
                  const a = actions.find((x) => x === key);
                  if (a) onAction(a, m);
                } }}>
            <Button size="small">
              {t('staff.col.actions')} <DownOutlined />
            </Button>
          </Dropdown>
        );
      },
    },
  ];
  return (
    <Card className="table-card" styles={{ body: { padding: 0 } }}>
      <Table<StaffMember>
        rowKey="id"
        size="small"
        loading={loading}
        columns={columns}
        dataSource={roster.members}
        pagination={false}
        rowClassName={(m) => (m.status === 'left' || m.status === 'rejected' ? 'row-muted' : '')}
        locale={{ emptyText: <EmptyState>{t('staff.empty')}</EmptyState> }}
        scroll={{ x: 1200 }}
      />
    </Card>
  );
}
