/**
 * 时限 — one row per target of the incident's level: state, due time in
 * Beijing time, a live countdown or when it was met / breached, paused
 * minutes, and the rule that produced the due time (window, duration,
 * calendar version) in a tooltip.
 */
import { TargetDue } from '../shared/target-due';
import { Alert, Card, Table, Tag, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { InfoCircleOutlined } from '@ant-design/icons';
import type { IncidentDetail, ServiceWindow, SlaTargetResult } from '../api/types';
import { useT } from '../i18n/i18n';
import { Countdown, formatSpan } from '../shared/countdown';
import { formatDateTimeShort } from '../shared/datetime';
import { ruleMeasure, ruleSentence, TARGET_COLORS, TARGET_STATE_COLORS } from '../shared/sla-format';

export function SlaPanel({ sla, levelName, windows, isOpen }: { sla: IncidentDetail['sla']; levelName: string; windows: ReadonlyMap<string, ServiceWindow>; isOpen: boolean }) {
  const t = useT();
  const targets = sla?.result.targets ?? [];

  const columns: ColumnsType<SlaTargetResult> = [
    {
      title: t('sla.col.target'),
      key: 'target',
      width: 180,
      render: (_: unknown, x) => (
        <div className="sla-target">
          <Tag color={TARGET_COLORS[x.kind]}>{t(`targetKind.${x.kind}`)}</Tag>
          <span>{x.name}</span>
        </div>
      ),
    },
    {
      title: t('sla.col.state'),
      dataIndex: 'state',
      width: 86,
      render: (s: SlaTargetResult['state']) => (
        <Tag color={TARGET_STATE_COLORS[s]} className={`sla-state sla-state-${s}`}>
          {t(`slaState.${s}`)}
        </Tag>
      ),
    },
    {
      title: t('sla.col.due'),
      key: 'due',
      width: 168,
      render: (_: unknown, x) => <TargetDue target={x} />,
    },
    {
      title: t('sla.col.progress'),
      key: 'progress',
      render: (_: unknown, x) => <TargetProgress target={x} isOpen={isOpen} />,
    },
    {
      title: t('sla.col.paused'),
      dataIndex: 'pausedMinutes',
      width: 72,
      render: (m: number) => (m > 0 ? formatSpan(t, m) : <span className="muted">{t('common.dash')}</span>),
    },
    {
      title: t('sla.col.rule'),
      key: 'rule',
      width: 176,
      render: (_: unknown, x) => (
        <Tooltip title={ruleSentence(t, x.rule, windows)}>
          <span className="rule-cell">
            {ruleMeasure(t, x.rule, windows)} <InfoCircleOutlined className="muted" />
          </span>
        </Tooltip>
      ),
    },
  ];

  return (
    <Card className="section-card sla-panel" title={t('sla.panelTitle')} size="small" extra={sla ? <span className="muted small mono">{sla.result.calendarVersion}</span> : null}>
      {sla?.result.assumptions.length ? (
        <Alert className="sla-assumptions" type="warning" showIcon title={sla.result.assumptions.map((a) => a.message).join('；')} />
      ) : null}
      {targets.length === 0 ? (
        <div className="inline-empty">{t('sla.noTargets', { level: levelName })}</div>
      ) : (
        <Table<SlaTargetResult> rowKey="key" size="small" columns={columns} dataSource={targets} pagination={false} rowClassName={(x) => `sla-row sla-row-${x.state}`} />
      )}
    </Card>
  );
}

function TargetProgress({ target: x, isOpen }: { target: SlaTargetResult; isOpen: boolean }) {
  const t = useT();
  const used = x.allowedMinutes !== null ? t('sla.used', { used: formatSpan(t, x.elapsedMinutes), allowed: formatSpan(t, x.allowedMinutes) }) : null;
  switch (x.state) {
    case 'met':
      return (
        <div>
          <span className="sla-met">{t('sla.metAt', { time: x.metAt ? formatDateTimeShort(x.metAt) : '' })}</span>
          {used && <div className="muted small">{used}</div>}
        </div>
      );
    case 'breached':
      return (
        <div>
          <span className="sla-breached">{t('sla.breachedAt', { time: x.breachedAt ? formatDateTimeShort(x.breachedAt) : x.dueAt ? formatDateTimeShort(x.dueAt) : '' })}</span>
          {x.stoppedAt ? (
            <div className="muted small">{t('sla.doneLate', { time: formatDateTimeShort(x.stoppedAt) })}</div>
          ) : isOpen && x.dueAt ? (
            <div>
              <Countdown dueAt={x.dueAt} />
            </div>
          ) : null}
        </div>
      );
    case 'running':
    case 'atRisk':
      return (
        <div>
          {x.dueAt ? <Countdown dueAt={x.dueAt} soonMinutes={x.state === 'atRisk' ? Number.MAX_SAFE_INTEGER : 60} /> : null}
          {used && <div className="muted small">{used}</div>}
        </div>
      );
    case 'paused':
      return (
        <div>
          <span className="sla-paused">{t('sla.pausedNow')}</span>
          {x.remainingMinutes !== null && <div className="muted small">{t('sla.remainingWork', { span: formatSpan(t, x.remainingMinutes) })}</div>}
        </div>
      );
    case 'waived':
      return <span className="muted">{t('sla.waived')}</span>;
    case 'notStarted':
      return <span className="muted">{x.pending === 'perTicketDeadline' ? t('sla.waitPerTicket') : t('sla.notStartedYet', { event: t(`event.${x.rule.startOn}`) })}</span>;
  }
}
