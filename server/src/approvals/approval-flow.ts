/**
 * Approval flows (审批流程), pure: sequential steps, each approved by one
 * person (或签) or by every listed role (会签). A rejection sends the request
 * back to its author; resubmitting starts a new round. Used by work orders,
 * changes, releases, content publishing and report reviews.
 */
import { AppError } from '../errors.ts';
import { ROLES, type Role } from '../auth/roles.ts';

/** One step of a flow. */
export interface ApprovalStep {
  key: string;
  name: string;
  /** Roles that may decide at this step. */
  roles: readonly Role[];
  /** `any`: one approval from any of the roles; `all`: one approval from each role (会签). */
  mode: 'any' | 'all';
}

/** A flow: its steps in order. */
export interface ApprovalFlow {
  steps: readonly ApprovalStep[];
}

/** A recorded decision. */
export interface ApprovalDecision {
  round: number;
  stepKey: string;
  userId: string;
  role: Role;
  decision: 'approve' | 'reject';
  comment: string;
  at: Date;
}

/** Where a request stands. */
export interface FlowState {
  status: 'pending' | 'approved' | 'rejected';
  round: number;
  /** The step waiting for decisions (pending only). */
  currentStep: ApprovalStep | null;
  /** Roles still to approve at the current step. */
  waitingOnRoles: Role[];
  /** The rejection that ended the round, if any. */
  rejection: ApprovalDecision | null;
}

/** The state of the latest round. */
export function evaluateFlow(flow: ApprovalFlow, decisions: readonly ApprovalDecision[], round: number): FlowState {
  const mine = decisions.filter((d) => d.round === round);
  const rejection = mine.find((d) => d.decision === 'reject') ?? null;
  if (rejection) return { status: 'rejected', round, currentStep: null, waitingOnRoles: [], rejection };
  for (const step of flow.steps) {
    const approvals = mine.filter((d) => d.stepKey === step.key && d.decision === 'approve');
    const waiting = step.mode === 'any' ? (approvals.length > 0 ? [] : [...step.roles]) : step.roles.filter((r) => !approvals.some((a) => a.role === r));
    if (waiting.length > 0) return { status: 'pending', round, currentStep: step, waitingOnRoles: waiting, rejection: null };
  }
  return { status: 'approved', round, currentStep: null, waitingOnRoles: [], rejection: null };
}

/** Who is deciding. */
export interface Decider {
  userId: string;
  roles: readonly Role[];
}

/**
 * Check that `decider` may decide now and return the role they decide in.
 * Refuses: approving one's own request (`requesterId`: the author, or every
 * person the request is for), a role not in the current step, a second
 * decision by the same person in the same step, a request that is not pending.
 */
export function authorizeDecision(flow: ApprovalFlow, decisions: readonly ApprovalDecision[], round: number, requesterId: string | readonly string[], decider: Decider): Role {
  const state = evaluateFlow(flow, decisions, round);
  if (state.status !== 'pending' || !state.currentStep) {
    throw new AppError('APPROVAL_NOT_PENDING', state.status === 'approved' ? '该申请已审批通过，无需再审批' : '该申请已被退回，须申请人修改后重新提交');
  }
  const requesters: readonly string[] = typeof requesterId === 'string' ? [requesterId] : requesterId;
  if (requesters.includes(decider.userId)) throw new AppError('SELF_APPROVAL_FORBIDDEN', '不能审批自己提交的申请');
  const step = state.currentStep;
  const role = decider.roles.find((r) => state.waitingOnRoles.includes(r));
  if (!role) {
    const already = decisions.some((d) => d.round === round && d.stepKey === step.key && d.userId === decider.userId);
    if (already) throw new AppError('APPROVAL_NOT_PENDING', '您已在本环节作出决定');
    throw new AppError('FORBIDDEN', `当前审批环节「${step.name}」须由${step.roles.map((r) => `「${ROLES[r].label}」`).join('或')}审批，您的角色无权审批`);
  }
  return role;
}

/** How one step of a round stands. */
export interface StepProgress {
  step: ApprovalStep;
  status: 'approved' | 'pending' | 'notReached' | 'rejected';
  /** Approvals and the rejection recorded at this step in the round. */
  decisions: ApprovalDecision[];
  /** When the step began waiting: the submission, or the decision that completed the step before it. */
  since: Date | null;
}

/**
 * Every step of `round` with its status and the instant it began waiting
 * (`submittedAt` for the first step). Pure, for detail views and inboxes.
 */
export function describeRound(flow: ApprovalFlow, decisions: readonly ApprovalDecision[], round: number, submittedAt: Date | null): StepProgress[] {
  const state = evaluateFlow(flow, decisions, round);
  const mine = decisions.filter((d) => d.round === round);
  const out: StepProgress[] = [];
  let since: Date | null = submittedAt;
  let reached = true;
  for (const step of flow.steps) {
    const here = mine.filter((d) => d.stepKey === step.key);
    const approvals = here.filter((d) => d.decision === 'approve');
    const complete = step.mode === 'any' ? approvals.length > 0 : step.roles.every((r) => approvals.some((a) => a.role === r));
    let status: StepProgress['status'];
    if (!reached) status = 'notReached';
    else if (here.some((d) => d.decision === 'reject')) status = 'rejected';
    else if (complete) status = 'approved';
    else status = state.status === 'pending' ? 'pending' : 'notReached';
    out.push({ step, status, decisions: here, since: reached ? since : null });
    if (status !== 'approved') reached = false;
    const last = approvals.map((d) => d.at.getTime());
    if (last.length > 0) since = new Date(Math.max(...last));
  }
  return out;
}
