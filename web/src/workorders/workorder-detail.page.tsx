/**
 * 工单详情 — one work order: header with the facts and only the actions the
 * server offers this user now, a banner for what it waits on (approval,
 * rejection to address, the agency's signature before data work), the
 * request of its kind, what was recorded while doing it, the approval flow,
 * the SLA deadlines with countdowns, attachments and evidence, links, data
 * access grants and the timeline. The printable form downloads as PDF.
 */
import { siteArea } from '../contracts/site-field';
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { Alert, App, Button, Card, Dropdown, Space, Tag, Tooltip } from 'antd';
import { ArrowLeftOutlined, DownOutlined, EditOutlined, FileExcelOutlined, PrinterOutlined, ReloadOutlined } from '@ant-design/icons';
import { api, ApiError, errorMessage, unwrap } from '../api/client';
import { downloadFile } from '../api/download';
import { apiUrl } from '../api/urls';
import type { Attachment, ContractDetail, ContractMember, WorkOrderCommandType, WorkOrderDetail } from '../api/types';
import { useT } from '../i18n/i18n';
import { useMe } from '../auth/session';
import { formatDateTime } from '../shared/datetime';
import { useQuery } from '../shared/use-query';
import { EmptyState, LoadError, Loading } from '../shared/page-state';
import { ContractNav } from '../contracts/contract-nav';
import { SlaPanel } from '../incidents/sla-panel';
import { commandsToOffer, DANGER, PII_REVEALERS, PRIMARY } from './workorder-rules';
import { RevealButton } from '../privacy/reveal-button';
import { KindTag, roleName, StateTag, subtypeName, WaitedFor, WindowText } from './workorder-format';
import { ChangeLabelButton, SecurityLabelTag } from '../labels/security-label';
import { AccessGrantsCard, KindDetailsCard, LinksCard, OutcomeCard } from './kind-details';
import { ApprovalPanel } from './approval-panel';
import { AttachmentsPanel } from '../shared/attachments-panel';
import { uploadWorkOrderAttachment } from './workorder-attachments';
import { WorkOrderTimeline } from './workorder-timeline';
import { WorkOrderCommandModal } from './workorder-command-modal';
import './workorders.css';

interface Loaded {
  detail: WorkOrderDetail;
  contract: ContractDetail;
  attachments: Attachment[];
  members: ContractMember[];
}

async function load(workOrderId: string, contractCache: Map<string, ContractDetail>): Promise<Loaded> {
  const path = { params: { path: { workOrderId } } };
  const [detail, attachments] = await Promise.all([unwrap(api.GET('/api/work-orders/{workOrderId}', path)), unwrap(api.GET('/api/work-orders/{workOrderId}/attachments', path))]);
  const contractId = detail.workOrder.contractId;
  const contractParams = { params: { path: { contractId } } };
  const [contract, members] = await Promise.all([
    contractCache.get(contractId) ?? unwrap(api.GET('/api/contracts/{contractId}', contractParams)),
    unwrap(api.GET('/api/contracts/{contractId}/members', contractParams)).catch(() => [] as ContractMember[]),
  ]);
  contractCache.set(contractId, contract);
  return { detail, contract, attachments, members };
}

/** State passed by the form when a submission after saving was refused. */
function submitErrorOf(state: unknown): string | null {
  if (typeof state !== 'object' || state === null || !('submitError' in state)) return null;
  const v = state.submitError;
  return typeof v === 'string' ? v : null;
}

export function WorkOrderDetailPage() {
  const t = useT();
  const { workOrderId = '' } = useParams();
  const [cache] = useState(() => new Map<string, ContractDetail>());
  const q = useQuery(() => load(workOrderId, cache), [workOrderId]);
  const { reload } = q;
  useEffect(() => {
    const timer = setInterval(() => {
      if (!document.querySelector('.command-modal')) reload();
    }, 30_000);
    return () => clearInterval(timer);
  }, [reload]);

  if (q.error !== undefined && !q.data) {
    const notFound = q.error instanceof ApiError && (q.error.status === 404 || q.error.status === 400);
    return <div className="page">{notFound ? <Card><EmptyState>{t('wo.notFound')}</EmptyState></Card> : <LoadError error={q.error} onRetry={reload} />}</div>;
  }
  if (!q.data || q.data.detail.workOrder.id !== workOrderId) return <Loading />;
  return <Detail data={q.data} reload={reload} refreshing={q.loading} />;
}

function Detail({ data, reload, refreshing }: { data: Loaded; reload: () => void; refreshing: boolean }) {
  const t = useT();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const location = useLocation();
  const [command, setCommand] = useState<WorkOrderCommandType | null>(null);
  const [printing, setPrinting] = useState(false);
  const [exporting, setExporting] = useState(false);
  const me = useMe();
  const [submitError, setSubmitError] = useState<string | null>(() => submitErrorOf(location.state));
  const { detail, contract, attachments, members } = data;
  const wo = detail.workOrder;
  const approval = detail.approval;
  const def = contract.definition;
  const windows = useMemo(() => new Map(def.serviceWindows.map((w) => [w.key, w])), [def]);
  const systems = useMemo(() => new Map(def.systems.map((s) => [s.key, s])), [def]);
  const names = useMemo(() => new Map(members.map((m) => [m.userId, m.displayName])), [members]);
  const offer = commandsToOffer(detail.availableCommands);
  const mayUpload = detail.myRoles.some((r) => r !== 'auditor' && r !== 'readOnly');
  const mayReveal = detail.myRoles.some((r) => PII_REVEALERS.includes(r));
  // the one unmasked export: an approved extraction that names an export scope, for its executor (the server checks the window and asks for re-authentication)
  const mayExportUnmasked = wo.kind === 'dataWorkOrder' && wo.subtype === 'extraction' && wo.state === 'approved' && wo.assignee?.id === me.id && typeof wo.details['exportScope'] === 'object';
  const gated = wo.kind === 'dataWorkOrder' && (wo.state === 'draft' || wo.state === 'returned' || wo.state === 'pendingApproval');

  const done = (msg: string) => {
    setCommand(null);
    setSubmitError(null);
    message.success(msg);
    reload();
  };

  const print = async () => {
    setPrinting(true);
    try {
      await downloadFile(apiUrl('/api/work-orders/{workOrderId}/form.pdf', 'get', { workOrderId: wo.id }), t('wo.printFileName', { number: wo.number }));
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setPrinting(false);
    }
  };

  const exportUnmasked = async () => {
    setExporting(true);
    try {
      await downloadFile(apiUrl('/api/work-orders/{workOrderId}/unmasked-export', 'post', { workOrderId: wo.id }), t('wo.unmaskedExportFileName', { number: wo.number }), 'POST');
      message.success(t('wo.unmaskedExportDone'));
      reload();
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setExporting(false);
    }
  };

  return (
    <div className="page incident-detail-page workorder-detail-page">
      <ContractNav contractId={contract.id} active="workOrders" code={contract.code} name={contract.name} />
      <Link to={`/contracts/${contract.id}/work-orders?kind=${wo.kind}`} className="back-link">
        <ArrowLeftOutlined /> {t('wo.backToList', { kind: t(`wo.kind.${wo.kind}`) })}
      </Link>

      <Card className="incident-header wo-header">
        <div className="incident-header-top">
          <div className="incident-header-main">
            <div className="incident-badges">
              <span className="mono incident-number big wo-number">{wo.number}</span>
              <KindTag kind={wo.kind} />
              <Tag className="wo-subtype-tag">{subtypeName(t, wo.kind, wo.subtype, wo.subtypeName)}</Tag>
              <StateTag state={wo.state} />
              <SecurityLabelTag label={wo.securityLabel} integrityFailed={wo.labelIntegrityFailed} />
              {wo.slaBreached && <Tag color="red">{t('wo.breached')}</Tag>}
              {!wo.slaBreached && wo.slaAtRisk && <Tag color="orange">{t('wo.atRisk')}</Tag>}
            </div>
            <h1 className="incident-title">{wo.title}</h1>
          </div>
          <Space className="incident-actions" wrap>
            {offer.buttons.map((type) => (
              <Button key={type} type={PRIMARY.has(type) ? 'primary' : 'default'} danger={DANGER.has(type)} onClick={() => setCommand(type)} data-command={type}>
                {t(`wo.cmd.${type}`)}
              </Button>
            ))}
            {detail.canEdit && (
              <Button icon={<EditOutlined />} onClick={() => navigate(`/work-orders/${wo.id}/edit`)} className="wo-edit-button">
                {t('wo.edit')}
              </Button>
            )}
            {offer.menu.length > 0 && (
              <Dropdown trigger={['click']} menu={{ items: offer.menu.map((type) => ({ key: type, label: t(`wo.cmd.${type}`), danger: DANGER.has(type), onClick: () => setCommand(type) })) }}>
                <Button className="more-actions">
                  {t('det.more')} <DownOutlined />
                </Button>
              </Dropdown>
            )}
            {mayExportUnmasked && (
              <Tooltip title={t('wo.unmaskedExportHelp')}>
                <Button icon={<FileExcelOutlined />} onClick={() => void exportUnmasked()} loading={exporting} className="wo-unmasked-export-button">
                  {t('wo.unmaskedExport')}
                </Button>
              </Tooltip>
            )}
            <Tooltip title={t('wo.printHelp')}>
              <Button icon={<PrinterOutlined />} onClick={() => void print()} loading={printing} className="wo-print-button">
                {t('wo.print')}
              </Button>
            </Tooltip>
            {detail.canChangeLabel && <ChangeLabelButton kind="workOrder" id={wo.id} version={wo.version} current={wo.securityLabel} choices={detail.labelChoices} onDone={reload} />}
            <Tooltip title={t('wo.refresh')}>
              <Button icon={<ReloadOutlined />} onClick={reload} loading={refreshing} aria-label={t('wo.refresh')} />
            </Tooltip>
          </Space>
        </div>
        <div className="incident-facts">
          <Fact label={t('wo.fact.system')}>{wo.systemName ?? <span className="muted">{t('common.dash')}</span>}</Fact>
          {wo.site && (
            <Fact label={t('site.field')}>
              {wo.site}
              {siteArea(wo) && <div className="muted small">{siteArea(wo)}</div>}
            </Fact>
          )}
          <Fact label={t('wo.fact.requester')}>
            <div>
              {wo.requesterName ?? wo.requester.name}
              {mayReveal && wo.requesterName?.includes('*') && <RevealButton entityType="workOrder" entityId={wo.id} field="requesterName" label={t('wo.fact.requester')} />}
            </div>
            {wo.requesterName && <div className="muted small">{t('wo.fact.confirmsBy', { name: wo.requester.name })}</div>}
          </Fact>
          <Fact label={t('wo.fact.requestedAt')}>
            <div className="strong">{formatDateTime(wo.requestedAt)}</div>
            <div className="muted small">{t('wo.fact.createdBy', { name: wo.createdBy.name, time: formatDateTime(wo.createdAt) })}</div>
          </Fact>
          <Fact label={t('wo.fact.level')}>{wo.levelName ?? <span className="muted">{t('wo.noLevel')}</span>}</Fact>
          <Fact label={wo.kind === 'dataWorkOrder' ? t('wo.f.executor') : wo.kind === 'change' ? t('wo.f.implementer') : t('wo.f.assignee')}>{wo.assignee?.name ?? <span className="muted">{t('wo.unassigned')}</span>}</Fact>
          <Fact label={t('wo.f.window')}>
            <WindowText start={wo.windowStart} end={wo.windowEnd} />
          </Fact>
          <Fact label={t('wo.fact.submittedAt')}>{wo.submittedAt ? formatDateTime(wo.submittedAt) : <span className="muted">{t('wo.notSubmitted')}</span>}</Fact>
          <Fact label={t('wo.fact.approvedAt')}>{wo.approvedAt ? formatDateTime(wo.approvedAt) : <span className="muted">{t('common.dash')}</span>}</Fact>
        </div>
      </Card>

      {submitError && <Alert className="approval-banner wo-submit-error" type="error" showIcon closable={{ onClose: () => setSubmitError(null) }} title={t('wo.submitRefused')} description={submitError} />}
      {wo.state === 'returned' && approval.rejection && (
        <Alert
          className="approval-banner wo-returned"
          type="warning"
          showIcon
          title={t('wo.returnedBy', { name: approval.rejection.userName, role: roleName(t, approval.rejection.role, approval.rejection.roleLabel), time: formatDateTime(approval.rejection.at) })}
          description={
            <div>
              <div className="cell-text">
                {t('wo.rejectReason')}
                {t('common.colon')}
                {approval.rejection.comment}
              </div>
              <div className="muted small">{detail.canEdit ? t('wo.returnedHelpAuthor') : t('wo.returnedHelp')}</div>
            </div>
          }
        />
      )}
      {wo.state === 'pendingApproval' && approval.status === 'pending' && (
        <Alert
          className="approval-banner wo-pending"
          type="info"
          showIcon
          title={t('wo.pendingOn', {
            step: approval.steps.find((s) => s.key === approval.currentStepKey)?.name ?? '',
            roles: approval.waitingOnRoles.map((r) => roleName(t, r.role, r.label)).join(t('common.listSeparator')),
          })}
          description={approval.waitingSince ? <span>{t('wo.appr.since', { time: formatDateTime(approval.waitingSince) })} <WaitedFor since={approval.waitingSince} /></span> : undefined}
        />
      )}
      {gated && <Alert className="approval-banner wo-gate" type="warning" showIcon title={t('wo.dataGateTitle')} description={t('wo.dataGateBody')} />}

      <div className="incident-body">
        <div className="incident-main">
          <KindDetailsCard order={wo} systems={systems} mayReveal={mayReveal} />
          <OutcomeCard order={wo} mayReveal={mayReveal} />
          <ApprovalPanel
            approval={approval}
            mayApprove={detail.availableCommands.includes('approve')}
            mayReject={detail.availableCommands.includes('reject')}
            onApprove={() => setCommand('approve')}
            onReject={() => setCommand('reject')}
          />
          {detail.sla ? (
            <SlaPanel sla={detail.sla} levelName={wo.levelName ?? ''} windows={windows} isOpen={detail.sla.isOpen} />
          ) : (
            <Card className="section-card sla-panel" size="small" title={t('sla.panelTitle')}>
              <div className="inline-empty">{t('wo.noLevelBody')}</div>
            </Card>
          )}
          <AttachmentsPanel
            title={t('wo.att.title')}
            hint={t('wo.att.hint')}
            attachments={attachments}
            mayUpload={mayUpload}
            upload={(file) => uploadWorkOrderAttachment(wo.id, file)}
            onChanged={reload}
          />
          <LinksCard links={detail.links} />
          <AccessGrantsCard grants={detail.accessGrants} />
        </div>
        <div className="incident-side">
          <WorkOrderTimeline events={detail.events} names={names} />
        </div>
      </div>

      <WorkOrderCommandModal type={command} order={wo} members={members} attachments={attachments} onClose={() => setCommand(null)} onDone={done} onConflict={reload} />
    </div>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <div className="header-field-label">{label}</div>
      <div className="header-field-value">{children}</div>
    </div>
  );
}
