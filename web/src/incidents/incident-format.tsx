/**
 * Small presentational pieces shared by the incident pages: the level tag
 * (coloured by rank), the status tag and the nearest-deadline cell.
 */
import { Tag, Tooltip } from 'antd';
import type { Incident, IncidentStatus, SeverityLevel } from '../api/types';
import { useT } from '../i18n/i18n';
import { Countdown } from '../shared/countdown';
import { formatDateTime } from '../shared/datetime';
import { rankClass, STATUS_COLORS } from './incident-rules';

/** The level as a badge coloured by its rank (unknown levels in grey). */
export function LevelTag({ levelKey, levelName, levels }: { levelKey: string; levelName?: string; levels: ReadonlyMap<string, SeverityLevel> }) {
  const level = levels.get(levelKey);
  const name = levelName ?? level?.name ?? levelKey;
  return (
    <span className={`level-tag ${level ? rankClass(level.rank) : 'rank-5'}`} title={name}>
      {name}
    </span>
  );
}

/** The status as a coloured tag, with the waiting reason when waiting. */
export function StatusTag({ status, waitingReason }: { status: IncidentStatus; waitingReason?: string | null }) {
  const t = useT();
  const reason = status === 'waiting' && waitingReason && ['waitingOnReporter', 'waitingOnAgency', 'waitingOnSupplier'].includes(waitingReason) ? waitingReason : null;
  return (
    <Tag color={STATUS_COLORS[status]} className="status-tag">
      {t(`incStatus.${status}`)}
      {reason ? t('common.paren', { text: t(`pause.${reason as 'waitingOnReporter'}`) }) : ''}
    </Tag>
  );
}

/** The nearest deadline of an incident as a live countdown, or why there is none. */
export function NearestDeadline({ incident, level, compact }: { incident: Incident; level?: SeverityLevel | undefined; compact?: boolean }) {
  const t = useT();
  const done = incident.status === 'closed' || incident.status === 'resolved' || incident.status === 'callbackDone';
  if (incident.slaDueAt) {
    return (
      <span className="nearest-deadline">
        <Tooltip title={t('inc.dueAtTooltip', { time: formatDateTime(incident.slaDueAt) })}>
          <span>
            <Countdown dueAt={incident.slaDueAt} />
          </span>
        </Tooltip>
        {!compact && incident.slaBreached && (
          <Tag color="red" className="mini-tag">
            {t('inc.someBreached')}
          </Tag>
        )}
        {!compact && !incident.slaBreached && incident.slaAtRisk && (
          <Tag color="orange" className="mini-tag">
            {t('inc.atRisk')}
          </Tag>
        )}
      </span>
    );
  }
  if (incident.slaBreached) return done ? <span className="was-breached">{t('inc.wasBreached')}</span> : <span className="countdown countdown-overdue">{t('inc.breached')}</span>;
  const hasTargets = (level?.targets.length ?? 0) > 0;
  return <span className="muted">{done || hasTargets ? t('inc.noOpenDeadline') : t('inc.noDeadline')}</span>;
}
