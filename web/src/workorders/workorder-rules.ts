/**
 * Work-order vocabulary of the UI: the kinds in menu order, state colours,
 * which of the commands the server allows are shown as buttons and which in
 * the "more" menu, and who may raise each kind (only to decide whether to
 * offer the button; the server decides). What the user may do on an order
 * comes from the server (`availableCommands` of the detail).
 */
import type { NewWorkOrder, Role, WorkOrderCommandType, WorkOrderKind, WorkOrderState } from '../api/types';

/** The kinds, in the order the tabs and menus list them. */
export const KINDS: readonly WorkOrderKind[] = ['serviceRequest', 'dataWorkOrder', 'change', 'release', 'content'];

/** Whether a query-string value names a kind. */
export function isKind(v: string | null | undefined): v is WorkOrderKind {
  return KINDS.some((k) => k === v);
}

/** antd tag colour of each state. */
export const STATE_COLORS: Record<WorkOrderState, string> = {
  draft: 'default',
  pendingApproval: 'gold',
  returned: 'volcano',
  approved: 'blue',
  inProgress: 'processing',
  resolved: 'green',
  executed: 'cyan',
  delivered: 'green',
  completed: 'green',
  observing: 'purple',
  scheduled: 'geekblue',
  published: 'green',
  withdrawn: 'default',
  rolledBack: 'red',
  closed: 'default',
  cancelled: 'default',
};

/** Every state, in lifecycle order (the list filter offers the ones of the chosen kind). */
export const STATE_ORDER: readonly WorkOrderState[] = [
  'draft',
  'pendingApproval',
  'returned',
  'approved',
  'inProgress',
  'executed',
  'resolved',
  'delivered',
  'completed',
  'observing',
  'scheduled',
  'published',
  'withdrawn',
  'rolledBack',
  'closed',
  'cancelled',
];

/** Every command the API knows (the detail's `availableCommands` is filtered against it). */
const ALL_COMMANDS: readonly WorkOrderCommandType[] = [
  'submit',
  'approve',
  'reject',
  'acknowledge',
  'assign',
  'start',
  'resolve',
  'execute',
  'deliver',
  'confirm',
  'complete',
  'close',
  'deploy',
  'rollback',
  'schedule',
  'unschedule',
  'publish',
  'withdraw',
  'cancel',
  'link',
  'comment',
];

/** Commands shown as buttons, in this order. */
const BUTTONS: readonly WorkOrderCommandType[] = ['submit', 'approve', 'reject', 'acknowledge', 'start', 'execute', 'deliver', 'resolve', 'complete', 'deploy', 'schedule', 'publish', 'confirm', 'close'];

/** Commands offered in the "more" menu. */
const MENU: readonly WorkOrderCommandType[] = ['assign', 'link', 'comment', 'unschedule', 'rollback', 'withdraw', 'cancel'];

/** Buttons drawn as the main action. */
export const PRIMARY: ReadonlySet<WorkOrderCommandType> = new Set(['submit', 'approve', 'start', 'execute', 'deliver', 'resolve', 'complete', 'deploy', 'publish', 'confirm', 'close']);

/** Commands drawn in red. */
export const DANGER: ReadonlySet<WorkOrderCommandType> = new Set(['reject', 'rollback', 'withdraw', 'cancel']);

/** Whether a string from the server is a known command. */
export function isCommandType(v: string): v is WorkOrderCommandType {
  return ALL_COMMANDS.some((c) => c === v);
}

/** The commands to offer from the server's list: buttons first, the rest in a menu. */
export function commandsToOffer(available: readonly string[]): { buttons: WorkOrderCommandType[]; menu: WorkOrderCommandType[] } {
  const allowed = new Set(available.filter(isCommandType));
  return { buttons: BUTTONS.filter((c) => allowed.has(c)), menu: MENU.filter((c) => allowed.has(c)) };
}

/** Vendor roles that do the work. */
export const VENDOR_ROLES: readonly Role[] = ['vendorProjectManager', 'vendorTeamLead', 'deskAgent', 'engineer', 'onsiteEngineer'];
const AGENCY_ROLES: readonly Role[] = ['agencyAdmin', 'agencyProjectLead', 'agencyLeader', 'agencyReviewer'];

/** Who may raise each kind (mirrors the server, only to decide which "new" entries to show). */
export const CREATOR_ROLES: Record<WorkOrderKind, readonly Role[]> = {
  serviceRequest: [...AGENCY_ROLES, ...VENDOR_ROLES],
  dataWorkOrder: [...AGENCY_ROLES, ...VENDOR_ROLES],
  change: VENDOR_ROLES,
  release: VENDOR_ROLES,
  content: [...AGENCY_ROLES, ...VENDOR_ROLES],
};

/** The kinds the user may raise in a contract. */
export function kindsToRaise(roles: readonly Role[], isPlatformAdmin: boolean): WorkOrderKind[] {
  return KINDS.filter((k) => isPlatformAdmin || roles.some((r) => CREATOR_ROLES[k].includes(r)));
}

/** Roles that take part in approvals (an approvals inbox is worth showing to them). */
export function mayHaveApprovals(roles: readonly Role[]): boolean {
  return roles.some((r) => r !== 'auditor' && r !== 'readOnly');
}

/** Personal-data categories a data work order may touch (keys of the API). */
export const PERSONAL_DATA_CATEGORIES = ['name', 'idNumber', 'contact', 'address', 'bankAccount', 'income', 'health', 'disability', 'photo', 'familyMembers', 'employer', 'approvalRecords', 'other'] as const;

/** Content channels. */
export const CONTENT_CHANNELS = ['website', 'wechat', 'app', 'kiosk'] as const;
/** Release environments. */
export const RELEASE_ENVIRONMENTS = ['production', 'staging', 'test'] as const;
/** Risk levels of a change. */
export const RISK_LEVELS = ['low', 'medium', 'high'] as const;
/** Results of a change. */
export const CHANGE_RESULTS = ['succeeded', 'failed', 'rolledBack'] as const;

/** A subtype key of `K` (as the API takes it). */
export type SubtypeOf<K extends WorkOrderKind> = Extract<NewWorkOrder, { kind: K }>['subtype'];

/** The subtypes of each kind, in the order the form lists them. */
export const SUBTYPES: { [K in WorkOrderKind]: readonly SubtypeOf<K>[] } = {
  serviceRequest: ['consultation', 'accountChange', 'outletInfoChange', 'statistics', 'training', 'other'],
  dataWorkOrder: ['query', 'extraction', 'correction', 'deletion'],
  change: ['configuration', 'software', 'database', 'network', 'infrastructure', 'other'],
  release: ['minorUpgrade', 'databaseUpgrade', 'patch', 'majorRelease'],
  content: ['notice', 'news', 'banner', 'column', 'wechatArticle', 'appContent', 'kioskContent'],
};

/** `s` as a subtype of `kind`, or undefined. */
export function subtypeOf<K extends WorkOrderKind>(kind: K, s: string | undefined): SubtypeOf<K> | undefined {
  const list: readonly SubtypeOf<K>[] = SUBTYPES[kind];
  return list.find((x) => x === s);
}

/** Roles that may reveal masked personal data (mirrors the server's list, only to decide whether to offer "查看明文"). */
export const PII_REVEALERS: readonly Role[] = ['agencyProjectLead', 'vendorProjectManager', 'deskAgent'];
