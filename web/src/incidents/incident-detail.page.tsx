/**
 * 故障详情 — the ticket: header with the facts, the actions the user may take
 * now, a banner when a leader's instruction is needed first, then the SLA
 * targets, the report-up notices, the attachments and the timeline.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { Alert, App, Button, Card, Dropdown, Rate, Space, Tag, Tooltip } from 'antd';
import { ArrowLeftOutlined, DownOutlined, ExclamationCircleFilled, ReloadOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { api, ApiError, unwrap } from '../api/client';
import { siteArea } from '../contracts/site-field';
import type { Attachment, ContractDetail, ContractMember, IncidentCommandType, IncidentDetail, ReportUpNotice } from '../api/types';
import { useMe } from '../auth/session';
import { isMessageKey, useT } from '../i18n/i18n';
import { formatDateTime } from '../shared/datetime';
import { useQuery } from '../shared/use-query';
import { EmptyState, LoadError, Loading } from '../shared/page-state';
import { ContractNav } from '../contracts/contract-nav';
import { commandsToOffer } from './incident-rules';
import { LevelTag, StatusTag } from './incident-format';
import { CommandModal } from './command-modal';
import { SlaPanel } from './sla-panel';
import { ReportUpPanel } from './report-up-panel';
import { AttachmentsPanel, uploadFile } from '../shared/attachments-panel';
import { apiUrl } from '../api/urls';
import { IncidentTimeline } from './timeline';
import { RevealButton } from '../privacy/reveal-button';
import { ChangeLabelButton, SecurityLabelTag } from '../labels/security-label';

interface Loaded {
  detail: IncidentDetail;
  contract: ContractDetail;
  notices: ReportUpNotice[];
  attachments: Attachment[];
  members: ContractMember[];
}

async function load(incidentId: string, contractCache: Map<string, ContractDetail>): Promise<Loaded> {
  const path = { params: { path: { incidentId } } };
  const [detail, notices, attachments] = await Promise.all([
    unwrap(api.GET('/api/incidents/{incidentId}', path)),
    unwrap(api.GET('/api/incidents/{incidentId}/report-ups', path)),
    unwrap(api.GET('/api/incidents/{incidentId}/attachments', path)),
  ]);
  const contractId = detail.incident.contractId;
  const contractParams = { params: { path: { contractId } } };
  const [contract, members] = await Promise.all([
    contractCache.get(contractId) ?? unwrap(api.GET('/api/contracts/{contractId}', contractParams)),
    unwrap(api.GET('/api/contracts/{contractId}/members', contractParams)).catch(() => [] as ContractMember[]),
  ]);
  contractCache.set(contractId, contract);
  return { detail, contract, notices, attachments, members };
}

const PRIMARY: ReadonlySet<IncidentCommandType> = new Set(['acknowledge', 'arrive', 'startWork', 'resolve', 'callback', 'close']);
const DANGER: ReadonlySet<IncidentCommandType> = new Set(['reopen']);

export function IncidentDetailPage() {
  const t = useT();
  const { incidentId = '' } = useParams();
  const [cache] = useState(() => new Map<string, ContractDetail>());
  const q = useQuery(() => load(incidentId, cache), [incidentId]);
  const { reload } = q;
  useEffect(() => {
    const timer = setInterval(() => {
      if (!document.querySelector('.command-modal')) reload();
    }, 30_000);
    return () => clearInterval(timer);
  }, [reload]);

  if (q.error !== undefined && !q.data) {
    const notFound = q.error instanceof ApiError && (q.error.status === 404 || q.error.status === 400);
    return <div className="page">{notFound ? <Card><EmptyState>{t('det.notFound')}</EmptyState></Card> : <LoadError error={q.error} onRetry={reload} />}</div>;
  }
  if (!q.data || q.data.detail.incident.id !== incidentId) return <Loading />;
  return <Detail data={q.data} reload={reload} refreshing={q.loading} />;
}

function Detail({ data, reload, refreshing }: { data: Loaded; reload: () => void; refreshing: boolean }) {
  const t = useT();
  const me = useMe();
  const { message } = App.useApp();
  const [command, setCommand] = useState<IncidentCommandType | null>(null);
  const { detail, contract, notices, attachments, members } = data;
  const inc = detail.incident;
  const def = contract.definition;
  const levels = useMemo(() => new Map(def.severityLevels.map((l) => [l.key, l])), [def]);
  const windows = useMemo(() => new Map(def.serviceWindows.map((w) => [w.key, w])), [def]);
  const names = useMemo(() => new Map(members.map((m) => [m.userId, m.displayName])), [members]);
  const level = levels.get(inc.levelKey);
  const roles = detail.myRoles;
  const offer = commandsToOffer(detail.availableCommands, level);
  const { lifecycle } = offer;
  const approvalMissing = inc.leaderApprovalRequired && !inc.leaderApproval;
  const mayApprove = approvalMissing && offer.leaderApproval;
  // an instruction already recorded may be given again (a further instruction) from the menu
  const other = offer.leaderApproval && !approvalMissing ? ['leaderApproval' as const, ...offer.other] : offer.other;
  const mayUpload = me.isPlatformAdmin || roles.some((r) => r !== 'auditor' && r !== 'readOnly');
  const approval = inc.leaderApproval as { byName?: string; at?: string; instruction?: string } | null;
  const consent = inc.supplierConsent as { supplierName?: string; byName?: string; at?: string } | null;

  const done = (msg: string) => {
    setCommand(null);
    message.success(msg);
    reload();
  };

  const channel = isMessageKey(`incChannel.${inc.channel}`) ? t(`incChannel.${inc.channel}` as 'incChannel.web') : inc.channel;

  return (
    <div className="page incident-detail-page">
      <ContractNav contractId={contract.id} active="incidents" code={contract.code} name={contract.name} />
      <Link to={`/contracts/${contract.id}/incidents`} className="back-link">
        <ArrowLeftOutlined /> {t('inc.backToBoard')}
      </Link>

      <Card className="incident-header">
        <div className="incident-header-top">
          <div className="incident-header-main">
            <div className="incident-badges">
              <span className="mono incident-number big">{inc.number}</span>
              <LevelTag levelKey={inc.levelKey} levelName={inc.levelName} levels={levels} />
              <StatusTag status={inc.status} waitingReason={inc.waitingReason} />
              <SecurityLabelTag label={inc.securityLabel} integrityFailed={inc.labelIntegrityFailed} />
              {inc.slaBreached && <Tag color="red">{t('inc.someBreached')}</Tag>}
              {!inc.slaBreached && inc.slaAtRisk && <Tag color="orange">{t('inc.atRisk')}</Tag>}
            </div>
            <h1 className="incident-title">{inc.title}</h1>
          </div>
          <Space className="incident-actions" wrap>
            {lifecycle.map((type) => (
              <Button key={type} type={PRIMARY.has(type) ? 'primary' : 'default'} danger={DANGER.has(type)} onClick={() => setCommand(type)} data-command={type}>
                {t(`cmd.${type}`)}
              </Button>
            ))}
            {mayApprove && (
              <Button type="primary" danger icon={<SafetyCertificateOutlined />} onClick={() => setCommand('leaderApproval')} data-command="leaderApproval">
                {t('cmd.leaderApproval')}
              </Button>
            )}
            {other.length > 0 && (
              <Dropdown trigger={['click']} menu={{ items: other.map((type) => ({ key: type, label: t(`cmd.${type}`), onClick: () => setCommand(type) })) }}>
                <Button className="more-actions">
                  {t('det.more')} <DownOutlined />
                </Button>
              </Dropdown>
            )}
            {detail.canChangeLabel && <ChangeLabelButton kind="incident" id={inc.id} version={inc.version} current={inc.securityLabel} choices={detail.labelChoices} onDone={reload} />}
            <Tooltip title={t('inc.refresh')}>
              <Button icon={<ReloadOutlined />} onClick={reload} loading={refreshing} aria-label={t('inc.refresh')} />
            </Tooltip>
          </Space>
        </div>
        <div className="incident-facts">
          <Fact label={t('det.system')}>{inc.systemName}</Fact>
          <Fact label={t('det.site')}>
            {inc.site ?? <span className="muted">{t('common.dash')}</span>}
            {inc.siteZone && <Tag className="zone-tag">{t(`cond.${inc.siteZone}`)}</Tag>}
            {siteArea(inc) && <div className="muted small">{siteArea(inc)}</div>}
          </Fact>
          <Fact label={t('det.reporter')}>
            <div>
              {inc.reporterName}
              {detail.canRevealPii && inc.reporterName.includes('*') && <RevealButton entityType="incident" entityId={inc.id} field="reporterName" label={t('det.reporter')} />}
            </div>
            {(inc.reporterOrg || inc.reporterContact) && (
              <div className="muted small">
                {[inc.reporterOrg, inc.reporterContact].filter(Boolean).join(' · ')}
                {detail.canRevealPii && inc.reporterContact?.includes('*') && <RevealButton entityType="incident" entityId={inc.id} field="reporterContact" label={t('det.reporterContact')} />}
              </div>
            )}
          </Fact>
          <Fact label={t('det.channel')}>{channel}</Fact>
          <Fact label={t('det.reportedAt')}>
            <div className="strong">{formatDateTime(inc.reportedAt)}</div>
            <div className="muted small">{t('det.createdAt', { time: formatDateTime(inc.createdAt) })}</div>
          </Fact>
          <Fact label={t('det.handling')}>
            <div>{inc.line === 2 ? t('inc.line2') : t('inc.line1')}</div>
            {(inc.assigneeUserId || inc.assigneeTeam || inc.supplierName) && (
              <div className="muted small">
                {[inc.assigneeUserId ? (names.get(inc.assigneeUserId) ?? '') : null, inc.assigneeTeam, inc.supplierName].filter(Boolean).join(' · ')}
              </div>
            )}
          </Fact>
          <Fact label={t('det.levelBasis')}>
            {inc.suggestedLevelKey && inc.suggestedLevelKey !== inc.levelKey ? (
              <div>
                <div>{t('det.suggestedWas', { level: levels.get(inc.suggestedLevelKey)?.name ?? inc.suggestedLevelKey })}</div>
                {inc.levelReason && <div className="muted small cell-text">{inc.levelReason}</div>}
              </div>
            ) : inc.suggestedLevelKey ? (
              <span>{t('det.suggestedSame')}</span>
            ) : (
              <div>
                <div>{t('det.pickedByUser')}</div>
                {inc.levelReason && <div className="muted small cell-text">{inc.levelReason}</div>}
              </div>
            )}
          </Fact>
          {consent?.supplierName && (
            <Fact label={t('det.supplierConsent')}>
              <div>{consent.supplierName}</div>
              <div className="muted small">{t('det.byAt', { name: consent.byName ?? '', time: consent.at ? formatDateTime(consent.at) : '' })}</div>
            </Fact>
          )}
        </div>
      </Card>

      {approvalMissing && inc.status !== 'closed' && (
        <Alert
          className="approval-banner"
          type="error"
          showIcon
          icon={<ExclamationCircleFilled />}
          title={t('det.approvalNeeded')}
          description={t('det.approvalNeededBody', { approver: level?.requiresLeaderApproval?.approver ?? t('role.agencyLeader') })}
          action={
            mayApprove ? (
              <Button type="primary" danger onClick={() => setCommand('leaderApproval')}>
                {t('cmd.leaderApproval')}
              </Button>
            ) : undefined
          }
        />
      )}
      {approval?.instruction && (
        <Alert
          className="approval-done"
          type="success"
          showIcon
          icon={<SafetyCertificateOutlined />}
          title={t('det.approvalGiven', { name: approval.byName ?? '', time: approval.at ? formatDateTime(approval.at) : '' })}
          description={<span className="cell-text">{approval.instruction}</span>}
        />
      )}

      <div className="incident-body">
        <div className="incident-main">
          <Card className="section-card" size="small" title={t('det.description')}>
            {inc.description ? <div className="cell-text incident-description">{inc.description}</div> : <span className="muted">{t('det.noDescription')}</span>}
            {detail.canRevealPii && inc.description.includes('*') && <RevealButton entityType="incident" entityId={inc.id} field="description" label={t('det.description')} />}
            {inc.tags.length > 0 && (
              <div className="tag-line">
                {inc.tags.map((tag) => (
                  <Tag key={tag}>{isMessageKey(`cond.tag.${tag}`) ? t(`cond.tag.${tag}` as 'cond.tag.database') : tag}</Tag>
                ))}
              </div>
            )}
            {inc.resolution && (
              <div className="resolution">
                <div className="summary-label">{t('det.resolution')}</div>
                <div className="cell-text">{inc.resolution}</div>
              </div>
            )}
            {inc.satisfaction !== null && (
              <div className="resolution">
                <div className="summary-label">{t('det.callback')}</div>
                <div>
                  <Rate disabled value={inc.satisfaction} className="small-rate" /> <span className="muted">{t(`satisfaction.${Math.min(5, Math.max(1, inc.satisfaction)) as 1}`)}</span>
                </div>
                {inc.callbackNote && <div className="cell-text muted">{inc.callbackNote}</div>}
              </div>
            )}
          </Card>
          <SlaPanel sla={detail.sla} levelName={inc.levelName} windows={windows} isOpen={inc.status !== 'closed'} />
          <ReportUpPanel notices={notices} roles={roles} isPlatformAdmin={me.isPlatformAdmin} onChanged={reload} />
          <AttachmentsPanel
            title={t('att.title')}
            hint={t('att.hint')}
            attachments={attachments}
            mayUpload={mayUpload}
            upload={(file) => uploadFile(apiUrl('/api/incidents/{incidentId}/attachments', 'post', { incidentId: inc.id }), file)}
            onChanged={reload}
          />
        </div>
        <div className="incident-side">
          <IncidentTimeline events={detail.events} levels={levels} names={names} />
        </div>
      </div>

      <CommandModal type={command} incident={inc} contract={contract} members={members} onClose={() => setCommand(null)} onDone={done} onConflict={reload} />
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
