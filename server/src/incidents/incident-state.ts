/**
 * The incident state machine and severity suggestion: pure functions, no
 * database, no clock. Every transition the server allows is decided here.
 */
import { AppError } from '../errors.ts';
import type { TSeverityLevel } from '../contracts/contract-definition.schema.ts';

/** Lifecycle states. */
export const INCIDENT_STATUSES = ['new', 'acknowledged', 'onSite', 'inProgress', 'waiting', 'resolved', 'callbackDone', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Chinese names of the states. */
export const STATUS_NAMES: Record<IncidentStatus, string> = {
  new: '新建',
  acknowledged: '已响应',
  onSite: '已到场',
  inProgress: '处理中',
  waiting: '等待中',
  resolved: '已解决',
  callbackDone: '已回访',
  closed: '已关闭',
};

/** Chinese names of the intake channels. */
export const CHANNEL_NAMES: Record<string, string> = {
  web: '网页',
  phone: '电话',
  hotline: '热线',
  wechat: '微信',
  qq: 'QQ',
  email: '邮件',
  inspection: '巡检发现',
  api: '系统接口',
  monitoring: '监控告警',
};

/** What an incident may be waiting on. Whether each pauses the clock is the contract's `slaPolicy.pauseOn`. */
export const WAITING_REASONS = ['waitingOnReporter', 'waitingOnAgency', 'waitingOnSupplier'] as const;
export type WaitingReason = (typeof WAITING_REASONS)[number];
export const WAITING_NAMES: Record<WaitingReason, string> = {
  waitingOnReporter: '等待报告人',
  waitingOnAgency: '等待甲方',
  waitingOnSupplier: '等待第三方供应商',
};

/** A lifecycle action. */
export type LifecycleAction =
  | { type: 'acknowledge' }
  | { type: 'arrive' }
  | { type: 'startWork' }
  | { type: 'wait'; reason: WaitingReason }
  | { type: 'resume' }
  | { type: 'resolve' }
  | { type: 'callback' }
  | { type: 'close' }
  | { type: 'reopen' };

/** Chinese names of the actions, for errors and the timeline. */
export const ACTION_NAMES: Record<LifecycleAction['type'], string> = {
  acknowledge: '响应',
  arrive: '到场',
  startWork: '开始处理',
  wait: '挂起等待',
  resume: '恢复处理',
  resolve: '解决',
  callback: '回访',
  close: '关闭',
  reopen: '重新打开',
};

/** The facts a transition depends on. */
export interface TransitionState {
  status: IncidentStatus;
  leaderApprovalRequired: boolean;
  leaderApproved: boolean;
}

const FROM: Record<LifecycleAction['type'], readonly IncidentStatus[]> = {
  acknowledge: ['new'],
  arrive: ['acknowledged', 'inProgress'],
  startWork: ['acknowledged', 'onSite'],
  wait: ['acknowledged', 'onSite', 'inProgress'],
  resume: ['waiting'],
  resolve: ['acknowledged', 'onSite', 'inProgress'],
  callback: ['resolved'],
  close: ['resolved', 'callbackDone'],
  reopen: ['resolved', 'callbackDone', 'closed'],
};

/** Whether the state machine allows `action` in `status` (ignoring the leader-instruction gate). */
export function isAllowedFrom(status: IncidentStatus, action: LifecycleAction['type']): boolean {
  return FROM[action].includes(status);
}

/** Handling steps that a required leader instruction (领导批示) must precede. */
const HANDLING: ReadonlySet<LifecycleAction['type']> = new Set(['arrive', 'startWork', 'resolve']);

/**
 * The state after `action`, or a typed error: INCIDENT_TRANSITION_FORBIDDEN
 * when the state machine does not allow it, LEADER_APPROVAL_REQUIRED when a
 * serious fault has no leader's instruction yet.
 */
export function transition(state: TransitionState, action: LifecycleAction): { status: IncidentStatus; waitingReason: WaitingReason | null } {
  if (!FROM[action.type].includes(state.status)) {
    throw new AppError(
      'INCIDENT_TRANSITION_FORBIDDEN',
      `当前状态为「${STATUS_NAMES[state.status]}」，不能执行「${ACTION_NAMES[action.type]}」（只能在${FROM[action.type].map((s) => `「${STATUS_NAMES[s]}」`).join('、')}时执行）`,
    );
  }
  if (HANDLING.has(action.type) && state.leaderApprovalRequired && !state.leaderApproved) {
    throw new AppError('LEADER_APPROVAL_REQUIRED', `该故障等级须经甲方领导批示后方可${ACTION_NAMES[action.type]}，请先记录领导批示`);
  }
  switch (action.type) {
    case 'acknowledge':
      return { status: 'acknowledged', waitingReason: null };
    case 'arrive':
      return { status: 'onSite', waitingReason: null };
    case 'startWork':
      return { status: 'inProgress', waitingReason: null };
    case 'wait':
      return { status: 'waiting', waitingReason: action.reason };
    case 'resume':
      return { status: 'inProgress', waitingReason: null };
    case 'resolve':
      return { status: 'resolved', waitingReason: null };
    case 'callback':
      return { status: 'callbackDone', waitingReason: null };
    case 'close':
      return { status: 'closed', waitingReason: null };
    case 'reopen':
      return { status: 'inProgress', waitingReason: null };
    default: {
      const never: never = action;
      return never;
    }
  }
}

/** Answers to the impact questions on the report form. */
export interface ImpactAnswers {
  usersAffectedShare?: number | undefined;
  outageMinutes?: number | undefined;
  wholeSystemDown?: boolean | undefined;
  businessSeriouslyAffected?: boolean | undefined;
  dataCompromised?: boolean | undefined;
  businessPeak?: boolean | undefined;
  partialFunctionDown?: boolean | undefined;
}

type Criterion = NonNullable<TSeverityLevel['criteria']>[number];

function criterionMatches(c: Criterion, impact: ImpactAnswers): boolean | null {
  if (c.metric === 'custom') return null;
  const answer = impact[c.metric];
  if (answer === undefined) return null;
  if (typeof answer === 'boolean') {
    const expected = c.value === undefined ? true : c.value === true || c.value === 'true';
    return answer === expected;
  }
  const target = typeof c.value === 'number' ? c.value : Number.parseFloat(String(c.value ?? '').replace('%', ''));
  if (!Number.isFinite(target)) return null;
  switch (c.op ?? 'gte') {
    case 'gte':
      return answer >= target;
    case 'gt':
      return answer > target;
    case 'lte':
      return answer <= target;
    case 'lt':
      return answer < target;
    case 'eq':
      return answer === target;
    default:
      return null;
  }
}

/**
 * Suggest a level from the impact answers: the most severe level (lowest
 * rank) whose machine-checkable criteria match (any, or all with
 * `criteriaMode: all`). Null when no level's criteria can be decided.
 */
export function suggestLevel(levels: readonly TSeverityLevel[], impact: ImpactAnswers, systemKey?: string): string | null {
  const sorted = [...levels].sort((a, b) => a.rank - b.rank);
  for (const lvl of sorted) {
    if (lvl.appliesTo && systemKey && !lvl.appliesTo.includes(systemKey)) continue;
    const results = (lvl.criteria ?? []).map((c) => criterionMatches(c, impact)).filter((r): r is boolean => r !== null);
    if (results.length === 0) continue;
    const ok = lvl.criteriaMode === 'all' ? results.every(Boolean) && results.length === (lvl.criteria ?? []).filter((c) => c.metric !== 'custom').length : results.some(Boolean);
    if (ok) return lvl.key;
  }
  return null;
}
