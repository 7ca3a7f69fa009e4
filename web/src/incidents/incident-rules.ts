/**
 * Incident vocabulary of the UI: state order and colours, intake channels,
 * and which of the commands the server allows are offered where. What the
 * user may do comes from the server (`availableCommands` of the incident
 * detail); refusals are shown as the server words them.
 */
import type { IncidentCommandType, IncidentStatus, Role, SeverityLevel } from '../api/types';

/** Lifecycle states in the order a ticket goes through them. */
export const STATUS_ORDER: readonly IncidentStatus[] = ['new', 'acknowledged', 'onSite', 'inProgress', 'waiting', 'resolved', 'callbackDone', 'closed'];

/** States that still need work. */
export const OPEN_STATUSES: readonly IncidentStatus[] = STATUS_ORDER.filter((s) => s !== 'closed');

/** antd tag colour of each state. */
export const STATUS_COLORS: Record<IncidentStatus, string> = {
  new: 'red',
  acknowledged: 'orange',
  onSite: 'cyan',
  inProgress: 'blue',
  waiting: 'purple',
  resolved: 'green',
  callbackDone: 'lime',
  closed: 'default',
};

/** Intake channels, in the order the form lists them. */
export const CHANNELS = ['phone', 'hotline', 'web', 'wechat', 'qq', 'email', 'inspection', 'monitoring', 'api'] as const;

/** Reasons an incident may wait. */
export const WAITING_REASONS = ['waitingOnReporter', 'waitingOnAgency', 'waitingOnSupplier'] as const;

const VENDOR_HANDLERS: readonly Role[] = ['vendorProjectManager', 'vendorTeamLead', 'deskAgent', 'engineer', 'onsiteEngineer'];

/**
 * Roles that may report (register) an incident. The contract detail does not
 * say whether the caller may report, so this mirrors the server's list only
 * to decide whether to show the button; the server decides.
 */
export const REPORTER_ROLES: readonly Role[] = ['agencyAdmin', 'agencyProjectLead', 'agencyLeader', 'agencyReviewer', ...VENDOR_HANDLERS];

/** Lifecycle commands, shown as buttons in this order. */
export const LIFECYCLE: readonly IncidentCommandType[] = ['acknowledge', 'arrive', 'startWork', 'wait', 'resume', 'resolve', 'callback', 'close', 'reopen'];

/** Other commands, offered in the "more" menu. */
export const OTHER: readonly IncidentCommandType[] = ['assign', 'changeLevel', 'supplierConsent', 'setDeadline', 'reportedUp', 'analysisSubmitted', 'emergencyPlanSubmitted', 'comment'];

/**
 * Whether a command the server allows is worth offering for this level: a
 * report-up, analysis report, emergency plan or per-ticket deadline only when
 * the level has such a target. (What the user may do at all comes from the
 * server's `availableCommands`.)
 */
function relevant(type: IncidentCommandType, level: SeverityLevel | undefined): boolean {
  const targets = level?.targets ?? [];
  switch (type) {
    case 'setDeadline':
      return targets.some((x) => x.perTicket);
    case 'reportedUp':
      return targets.some((x) => x.kind === 'reportUp');
    case 'analysisSubmitted':
      return targets.some((x) => x.kind === 'analysisReport');
    case 'emergencyPlanSubmitted':
      return targets.some((x) => x.kind === 'emergencyPlan');
    default:
      return true;
  }
}

/**
 * The commands to offer, from the server's list of what the caller may do now
 * (roles × state): lifecycle steps as buttons, the rest in a menu, and
 * whether to offer the leader's instruction (only where the level needs one).
 */
export function commandsToOffer(
  available: readonly string[],
  level: SeverityLevel | undefined,
): { lifecycle: IncidentCommandType[]; other: IncidentCommandType[]; leaderApproval: boolean } {
  const allowed = new Set(available);
  const ok = (type: IncidentCommandType) => allowed.has(type) && relevant(type, level);
  return {
    lifecycle: LIFECYCLE.filter(ok),
    other: OTHER.filter(ok),
    leaderApproval: allowed.has('leaderApproval') && level?.requiresLeaderApproval !== undefined,
  };
}

/** Whether the user may register incidents in a contract. */
export function canReport(roles: readonly Role[], isPlatformAdmin: boolean): boolean {
  return isPlatformAdmin || roles.some((r) => REPORTER_ROLES.includes(r));
}

/** CSS class of the badge colour for a level's rank. */
export function rankClass(rank: number): string {
  return `rank-${Math.min(Math.max(rank, 1), 5)}`;
}
