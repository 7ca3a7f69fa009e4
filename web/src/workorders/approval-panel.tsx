/**
 * 审批流程 — the steps of the current round (who decides, who decided when
 * with what comment, what it waits on and since when), where the flow comes
 * from (the contract or the platform default), and the decisions of earlier
 * rounds. The approve / reject buttons appear only when the server offers them.
 */
import { Button, Card, Space, Steps, Tag } from 'antd';
import { CheckCircleFilled, CloseCircleFilled } from '@ant-design/icons';
import type { WorkOrderApproval, WorkOrderDecision } from '../api/types';
import { useT } from '../i18n/i18n';
import { formatDateTime } from '../shared/datetime';
import { roleName, WaitedFor } from './workorder-format';

const STEP_STATUS = { approved: 'finish', pending: 'process', rejected: 'error', notReached: 'wait' } as const;
const STEP_TAG = { approved: 'green', pending: 'gold', rejected: 'red', notReached: 'default' } as const;

function Decision({ d }: { d: WorkOrderDecision }) {
  const t = useT();
  const approved = d.decision === 'approve';
  return (
    <div className={`wo-decision ${approved ? 'approved' : 'rejected'}`} data-decision={d.decision}>
      <div>
        {approved ? <CheckCircleFilled className="wo-decision-icon ok" /> : <CloseCircleFilled className="wo-decision-icon no" />}
        <span className="strong">{d.userName}</span>
        <span className="muted">{t('common.paren', { text: roleName(t, d.role, d.roleLabel) })}</span>
        <span>{approved ? t('wo.appr.approvedAt', { time: formatDateTime(d.at) }) : t('wo.appr.rejectedAt', { time: formatDateTime(d.at) })}</span>
      </div>
      {d.comment && <div className="wo-decision-comment cell-text">{d.comment}</div>}
    </div>
  );
}

/** The index antd should treat as current: the pending or rejected step, past the end when all approved, none before submission. */
function currentIndex(approval: WorkOrderApproval): number {
  if (approval.status === 'notSubmitted') return -1;
  const i = approval.steps.findIndex((s) => s.status === 'pending' || s.status === 'rejected');
  return i >= 0 ? i : approval.steps.length;
}

export function ApprovalPanel({ approval, mayApprove, mayReject, onApprove, onReject }: { approval: WorkOrderApproval; mayApprove: boolean; mayReject: boolean; onApprove: () => void; onReject: () => void }) {
  const t = useT();
  const earlier = approval.decisions.filter((d) => d.round !== approval.round);
  const statusText = t(`wo.appr.status.${approval.status}`);
  return (
    <Card
      className="section-card wo-approval-panel"
      size="small"
      title={t('wo.appr.title')}
      extra={
        <Space size={6}>
          {approval.round > 0 && <span className="muted small">{t('wo.appr.round', { n: approval.round })}</span>}
          <Tag color={approval.flowSource === 'contract' ? 'blue' : 'default'}>{approval.flowSource === 'contract' ? t('wo.appr.fromContract') : t('wo.appr.fromPlatform')}</Tag>
        </Space>
      }
    >
      <div className="wo-approval-head">
        <span className={`wo-approval-status status-${approval.status}`}>{statusText}</span>
        {approval.status === 'pending' && approval.waitingOnRoles.length > 0 && (
          <span className="wo-approval-waiting">
            {t('wo.appr.waitingOn', { roles: approval.waitingOnRoles.map((r) => roleName(t, r.role, r.label)).join(t('common.listSeparator')) })}
            {approval.waitingSince && (
              <>
                {' · '}
                {t('wo.appr.since', { time: formatDateTime(approval.waitingSince) })} <WaitedFor since={approval.waitingSince} />
              </>
            )}
          </span>
        )}
        {(mayApprove || mayReject) && (
          <Space className="wo-approval-actions">
            {mayApprove && (
              <Button type="primary" size="small" onClick={onApprove} data-approval="approve">
                {t('wo.cmd.approve')}
              </Button>
            )}
            {mayReject && (
              <Button danger size="small" onClick={onReject} data-approval="reject">
                {t('wo.cmd.reject')}
              </Button>
            )}
          </Space>
        )}
      </div>
      {approval.steps.length === 0 ? (
        <div className="inline-empty">{t('wo.appr.noSteps')}</div>
      ) : (
        <Steps
          className="wo-approval-steps"
          orientation="vertical"
          size="small"
          current={currentIndex(approval)}
          items={approval.steps.map((s) => ({
            key: s.key,
            status: STEP_STATUS[s.status],
            title: (
              <span className="wo-step-title" data-step={s.key}>
                {s.name}
                <Tag color={STEP_TAG[s.status]} className="mini-tag wo-step-status">
                  {t(`wo.appr.step.${s.status}`)}
                </Tag>
              </span>
            ),
            content: (
              <div className="wo-step-body small">
                <div className="muted">
                  {t('wo.appr.deciders', { roles: s.roles.map((r) => roleName(t, r.role, r.label)).join(s.mode === 'all' ? t('wo.appr.and') : t('wo.appr.or')) })}
                  {s.mode === 'all' && <Tag className="mini-tag">{t('wo.appr.modeAll')}</Tag>}
                </div>
                {s.status === 'pending' && s.since && (
                  <div className="wo-step-since">
                    {t('wo.appr.since', { time: formatDateTime(s.since) })} <WaitedFor since={s.since} />
                  </div>
                )}
                {s.decisions.map((d, i) => (
                  <Decision key={i} d={d} />
                ))}
              </div>
            ),
          }))}
        />
      )}
      {earlier.length > 0 && (
        <div className="wo-earlier">
          <div className="summary-label">{t('wo.appr.earlier')}</div>
          {earlier.map((d, i) => (
            <div key={i} className="wo-earlier-row">
              <Tag className="mini-tag">{t('wo.appr.round', { n: d.round })}</Tag>
              <span className="muted small">{d.stepName}</span>
              <Decision d={d} />
            </div>
          ))}
        </div>
      )}
    </Card>
  );
}
