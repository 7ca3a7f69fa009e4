/**
 * The work-order state machines, one per kind: pure functions, no database,
 * no clock. Every transition the server allows is decided here, including the
 * approval gate: an action past the gate on an order that is not approved is
 * refused whatever the client sends.
 *
 *   service request  draft → pendingApproval → approved → inProgress → resolved → closed
 *   data work order  draft → pendingApproval → approved → executed → delivered → closed
 *   change           draft → pendingApproval → approved → inProgress → completed → closed
 *   release          draft → pendingApproval → approved → observing → closed | rolledBack
 *   content          draft → pendingApproval → approved → (scheduled →) published → withdrawn
 *
 * Everywhere: a rejection sends the order to `returned` (edit and resubmit:
 * a new round), a submission with an empty flow is approved at once, and an
 * order not yet started can be cancelled.
 */
import { AppError } from '../errors.ts';
import { KIND_NAMES, type WorkOrderKind } from './workorder-kinds.ts';

/** Every state a work order can be in (each kind uses a subset). */
export const WORK_ORDER_STATES = [
  'draft',
  'pendingApproval',
  'returned',
  'approved',
  'inProgress',
  'resolved',
  'executed',
  'delivered',
  'completed',
  'observing',
  'scheduled',
  'published',
  'withdrawn',
  'rolledBack',
  'closed',
  'cancelled',
] as const;
export type WorkOrderState = (typeof WORK_ORDER_STATES)[number];

/** Chinese names of the states. */
export const STATE_NAMES: Record<WorkOrderState, string> = {
  draft: '草稿',
  pendingApproval: '待审批',
  returned: '已退回',
  approved: '已批准',
  inProgress: '实施中',
  resolved: '已处理',
  executed: '已执行',
  delivered: '已交付',
  completed: '已完成',
  observing: '观察期',
  scheduled: '待发布',
  published: '已发布',
  withdrawn: '已撤下',
  rolledBack: '已回退',
  closed: '已关闭',
  cancelled: '已取消',
};

/** Actions that move an order from one state to another. */
export const LIFECYCLE_ACTIONS = [
  'submit',
  'approve',
  'reject',
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
] as const;
export type LifecycleAction = (typeof LIFECYCLE_ACTIONS)[number];

/** Chinese names of the actions, for errors and the timeline. */
export const ACTION_NAMES: Record<LifecycleAction, string> = {
  submit: '提交审批',
  approve: '审批通过',
  reject: '退回',
  start: '开始实施',
  resolve: '处理完成',
  execute: '执行',
  deliver: '交付结果',
  confirm: '确认',
  complete: '完成',
  close: '关闭',
  deploy: '上线',
  rollback: '回退',
  schedule: '定时发布',
  unschedule: '取消定时',
  publish: '发布',
  withdraw: '撤下',
  cancel: '取消',
};

type Rule = { readonly from: readonly WorkOrderState[]; readonly to: WorkOrderState };

const BEFORE_START: readonly WorkOrderState[] = ['draft', 'returned', 'pendingApproval', 'approved'];
const COMMON: Partial<Record<LifecycleAction, Rule>> = {
  submit: { from: ['draft', 'returned'], to: 'pendingApproval' },
  approve: { from: ['pendingApproval'], to: 'approved' },
  reject: { from: ['pendingApproval'], to: 'returned' },
  cancel: { from: BEFORE_START, to: 'cancelled' },
};

const MACHINES: Record<WorkOrderKind, Partial<Record<LifecycleAction, Rule>>> = {
  serviceRequest: {
    ...COMMON,
    start: { from: ['approved'], to: 'inProgress' },
    resolve: { from: ['approved', 'inProgress'], to: 'resolved' },
    confirm: { from: ['resolved'], to: 'closed' },
    cancel: { from: [...BEFORE_START, 'inProgress'], to: 'cancelled' },
  },
  dataWorkOrder: {
    ...COMMON,
    execute: { from: ['approved'], to: 'executed' },
    deliver: { from: ['executed'], to: 'delivered' },
    confirm: { from: ['delivered'], to: 'closed' },
  },
  change: {
    ...COMMON,
    start: { from: ['approved'], to: 'inProgress' },
    complete: { from: ['inProgress'], to: 'completed' },
    close: { from: ['completed'], to: 'closed' },
  },
  release: {
    ...COMMON,
    deploy: { from: ['approved'], to: 'observing' },
    rollback: { from: ['observing'], to: 'rolledBack' },
    close: { from: ['observing'], to: 'closed' },
  },
  content: {
    ...COMMON,
    schedule: { from: ['approved'], to: 'scheduled' },
    unschedule: { from: ['scheduled'], to: 'approved' },
    publish: { from: ['approved', 'scheduled'], to: 'published' },
    withdraw: { from: ['published'], to: 'withdrawn' },
    cancel: { from: [...BEFORE_START, 'scheduled'], to: 'cancelled' },
  },
};

/** Actions that lie past the approval gate. */
const GATED: ReadonlySet<LifecycleAction> = new Set(['start', 'resolve', 'execute', 'deploy', 'schedule', 'publish']);
/** States before the approval gate. */
const UNAPPROVED: ReadonlySet<WorkOrderState> = new Set(['draft', 'returned', 'pendingApproval']);

/** States after which nothing happens any more (comments and links aside). */
export const FINAL_STATES: ReadonlySet<WorkOrderState> = new Set(['closed', 'cancelled', 'withdrawn', 'rolledBack']);

/** States in which the requester edits the order. */
export const EDITABLE_STATES: ReadonlySet<WorkOrderState> = new Set(['draft', 'returned']);

/** The lifecycle actions of a kind. */
export function actionsOf(kind: WorkOrderKind): LifecycleAction[] {
  return LIFECYCLE_ACTIONS.filter((a) => MACHINES[kind][a] !== undefined);
}

/** The states a kind can be in, in lifecycle order. */
export function statesOf(kind: WorkOrderKind): WorkOrderState[] {
  const used = new Set<WorkOrderState>();
  for (const rule of Object.values(MACHINES[kind])) {
    for (const s of rule.from) used.add(s);
    used.add(rule.to);
  }
  return WORK_ORDER_STATES.filter((s) => used.has(s));
}

/** Whether the machine of `kind` allows `action` in `state` (the approval's completeness aside). */
export function isAllowedFrom(kind: WorkOrderKind, state: WorkOrderState, action: LifecycleAction): boolean {
  return MACHINES[kind][action]?.from.includes(state) ?? false;
}

/** Facts a transition depends on. */
export interface TransitionFacts {
  /**
   * `submit`: the flow has no step (approved at once).
   * `approve`: this decision completes the last step.
   */
  flowComplete: boolean;
}

/**
 * The state after `action`, or a typed error: WORK_ORDER_APPROVAL_REQUIRED
 * for an action past the approval gate on an order that is not approved,
 * WORK_ORDER_TRANSITION_FORBIDDEN for anything else the machine does not allow.
 */
export function transition(kind: WorkOrderKind, state: WorkOrderState, action: LifecycleAction, facts: TransitionFacts): WorkOrderState {
  const rule = MACHINES[kind][action];
  if (!rule) throw new AppError('WORK_ORDER_TRANSITION_FORBIDDEN', `「${KIND_NAMES[kind]}」没有「${ACTION_NAMES[action]}」操作`);
  if (!rule.from.includes(state)) {
    if (GATED.has(action) && UNAPPROVED.has(state)) throw approvalRequired(kind, state, action);
    throw new AppError(
      'WORK_ORDER_TRANSITION_FORBIDDEN',
      `当前状态为「${STATE_NAMES[state]}」，不能执行「${ACTION_NAMES[action]}」（只能在${rule.from.map((s) => `「${STATE_NAMES[s]}」`).join('、')}时执行）`,
    );
  }
  switch (action) {
    case 'submit':
    case 'approve':
      return facts.flowComplete ? 'approved' : 'pendingApproval';
    case 'reject':
    case 'start':
    case 'resolve':
    case 'execute':
    case 'deliver':
    case 'confirm':
    case 'complete':
    case 'close':
    case 'deploy':
    case 'rollback':
    case 'schedule':
    case 'unschedule':
    case 'publish':
    case 'withdraw':
    case 'cancel':
      return rule.to;
    default: {
      const never: never = action;
      return never;
    }
  }
}

/** The error for an action past the approval gate on an order that is not approved. */
export function approvalRequired(kind: WorkOrderKind, state: WorkOrderState, action: LifecycleAction): AppError {
  const what = kind === 'dataWorkOrder' ? '数据处理工单未经甲方审批签字，不能执行' : `该${KIND_NAMES[kind]}尚未审批通过，不能${ACTION_NAMES[action]}`;
  return new AppError('WORK_ORDER_APPROVAL_REQUIRED', `${what}（当前状态「${STATE_NAMES[state]}」，须待审批流程全部通过）`);
}

/**
 * Whether the SLA clock's work is over in `state`: the order is finished, or
 * (content) published — a later withdrawal is not a deadline.
 */
export function clockEnds(state: WorkOrderState): boolean {
  return FINAL_STATES.has(state) || state === 'published';
}
