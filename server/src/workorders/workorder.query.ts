/**
 * Work-order reads: the list (filters, Chinese search, total), the detail
 * (timeline, approval state, the commands this caller may give now, SLA
 * clock, links, access grants), the approvals inbox and the contract's
 * work-order rules. Personal data in free text is masked in every response.
 */
import type { Db } from '../db/database.ts';
import type { Ctx } from '../shared/context.ts';
import { requireContractAccess, requireContractRoles } from '../contracts/contract-access.ts';
import { ROLES, type Role } from '../auth/roles.ts';
import { loadSlaContext } from '../sla/sla-context.ts';
import { findClock } from '../sla/sla-clock.service.ts';
import { maskDeep, maskText } from '../privacy/pii.ts';
import { doubleForSearch } from '../incidents/incident.service.ts';
import { authorizeDecision, describeRound, evaluateFlow, type ApprovalDecision, type ApprovalFlow } from '../approvals/approval-flow.ts';
import type { TContractDefinition } from '../contracts/contract-definition.schema.ts';
import { KIND_NAMES, PERSONAL_DATA_CATEGORIES, PERSONAL_DATA_CATEGORY_KEYS, WORK_ORDER_KINDS, subtypeName, type WorkOrderKind } from './workorder-kinds.ts';
import { resolveWorkOrderRules, rulesOfKind } from './workorder-config.ts';
import { EDITABLE_STATES, FINAL_STATES, STATE_NAMES, isAllowedFrom, statesOf, type LifecycleAction, type WorkOrderState } from './workorder-state.ts';
import { findDecisions, findDecisionsOf, findGrants, findInboxCandidates, findLinks, listWorkOrderRows, userNames, type WorkOrderFilter, type WorkOrderRow } from './workorder.repo.ts';
import { COMMAND_NAMES, COMMAND_ROLES, loadVisible, flowOf, outcomeOf, stateOf } from './workorder.service.ts';
import type { WorkOrderCommandType } from './workorder.schema.ts';
import { LABEL_SETTERS } from '../auth/roles.ts';
import { asClearance, labelName, labelsWithin, mayRead } from '../labels/security-label.ts';
import { effectiveLabel, readLabel, type ReadLabel } from '../labels/label-mac.ts';
import { LABEL_EVENT_NAME } from '../labels/label-rules.ts';

function maskRecord(value: unknown): Record<string, unknown> {
  const m = maskDeep(value ?? {});
  return m !== null && typeof m === 'object' && !Array.isArray(m) ? Object.fromEntries(Object.entries(m)) : {};
}

function iso(d: Date | string | null): string | null {
  return d ? new Date(d).toISOString() : null;
}

function roleRef(role: Role) {
  return { role, label: ROLES[role].label };
}

function rolesOf(list: readonly string[]): Role[] {
  return list.filter((r): r is Role => Object.hasOwn(ROLES, r));
}

/** The API view of a work order. */
export function toView(wo: WorkOrderRow, def: TContractDefinition | null, names: ReadonlyMap<string, string>, read: ReadLabel = readLabel('work_orders', wo)) {
  const system = wo.system_key ? def?.systems.find((s) => s.key === wo.system_key) : undefined;
  const level = wo.level_key ? def?.severityLevels.find((l) => l.key === wo.level_key) : undefined;
  const person = (id: string) => ({ id, name: names.get(id) ?? '' });
  return {
    id: wo.id,
    contractId: wo.contract_id,
    number: wo.number,
    kind: wo.kind,
    kindName: KIND_NAMES[wo.kind],
    subtype: wo.subtype,
    subtypeName: subtypeName(wo.kind, wo.subtype),
    systemKey: wo.system_key,
    systemName: wo.system_key ? (system?.name ?? wo.system_key) : null,
    siteKey: wo.site_key,
    site: wo.site,
    district: wo.district,
    street: wo.street,
    // personal data (ID numbers, mobiles, bank cards) is masked in every response and document
    title: maskText(wo.title),
    description: maskText(wo.description),
    state: stateOf(wo),
    stateName: STATE_NAMES[stateOf(wo)] ?? wo.state,
    createdBy: person(wo.created_by),
    requester: person(wo.requester_user_id),
    requesterName: wo.requester_name === null ? null : maskText(wo.requester_name),
    requestedAt: new Date(wo.requested_at).toISOString(),
    assignee: wo.assignee_user_id ? person(wo.assignee_user_id) : null,
    windowStart: iso(wo.window_start),
    windowEnd: iso(wo.window_end),
    details: maskRecord(wo.details),
    outcome: outcomeOf({ ...wo, outcome: maskRecord(wo.outcome) }),
    levelKey: wo.level_key,
    levelName: wo.level_key ? (level?.name ?? wo.level_key) : null,
    approvalRound: wo.approval_round,
    waitingOnRoles: rolesOf(wo.approval_waiting_roles).map(roleRef),
    waitingSince: iso(wo.approval_step_since),
    submittedAt: iso(wo.submitted_at),
    approvedAt: iso(wo.approved_at),
    respondedAt: iso(wo.responded_at),
    scheduledPublishAt: iso(wo.scheduled_publish_at),
    closedAt: iso(wo.closed_at),
    slaDueAt: iso(wo.sla_due_at),
    slaBreached: wo.sla_breached,
    slaAtRisk: wo.sla_at_risk,
    securityLabel: read.label,
    securityLabelName: labelName(read.label),
    labelIntegrityFailed: !read.intact,
    version: wo.version,
    createdAt: new Date(wo.created_at).toISOString(),
    updatedAt: new Date(wo.updated_at).toISOString(),
  };
}

/** Lifecycle commands of the API (same names as the state machine's actions). */
const LIFECYCLE_COMMANDS: readonly (WorkOrderCommandType & LifecycleAction)[] = [
  'submit',
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
];

/**
 * The commands this caller may give now: allowed by their role, by the
 * state machine, by the approval step and by who they are (author,
 * requester, executor). The UI shows exactly these; the server still checks
 * every gate on submit.
 */
export function availableCommands(wo: WorkOrderRow, roles: readonly Role[], userId: string, decisions: readonly ApprovalDecision[]): WorkOrderCommandType[] {
  const state = stateOf(wo);
  const has = (type: WorkOrderCommandType): boolean => {
    const allowed = COMMAND_ROLES[type];
    return allowed !== 'flow' && roles.some((r) => allowed.includes(r));
  };
  const out: WorkOrderCommandType[] = [];
  for (const type of LIFECYCLE_COMMANDS) {
    if (!isAllowedFrom(wo.kind, state, type) || !has(type)) continue;
    if (type === 'submit' && wo.created_by !== userId) continue;
    if (type === 'confirm' && wo.requester_user_id !== userId) continue;
    if (type === 'execute' && wo.assignee_user_id !== userId) continue;
    if (type === 'cancel' && wo.created_by !== userId && !roles.some((r) => r === 'vendorProjectManager' || r === 'agencyProjectLead')) continue;
    out.push(type);
  }
  if (state === 'pendingApproval') {
    try {
      authorizeDecision(flowOf(wo), decisions, wo.approval_round, [wo.created_by, wo.requester_user_id], { userId, roles });
      out.push('approve', 'reject');
    } catch {
      // not this caller's decision
    }
  }
  if (!FINAL_STATES.has(state) && !wo.responded_at && has('acknowledge')) out.push('acknowledge');
  const assignable = wo.kind === 'serviceRequest' || wo.kind === 'content' ? !FINAL_STATES.has(state) : EDITABLE_STATES.has(state);
  if (assignable && has('assign')) out.push('assign');
  if (state !== 'cancelled' && has('link')) out.push('link');
  if (has('comment')) out.push('comment');
  return out;
}

function decisionView(flow: ApprovalFlow, d: ApprovalDecision & { userName: string }) {
  return {
    round: d.round,
    stepKey: d.stepKey,
    stepName: flow.steps.find((s) => s.key === d.stepKey)?.name ?? d.stepKey,
    userId: d.userId,
    userName: d.userName,
    role: d.role,
    roleLabel: ROLES[d.role].label,
    decision: d.decision,
    comment: maskText(d.comment),
    at: d.at.toISOString(),
  };
}

/** The approval state of an order: steps of the current round, who it waits on and since when. */
export function approvalView(wo: WorkOrderRow, def: TContractDefinition, decisions: readonly (ApprovalDecision & { userName: string })[], now: Date) {
  const submitted = wo.approval_round > 0 && wo.approval_flow !== null;
  const rules = resolveWorkOrderRules(def, wo.kind, wo.subtype);
  const flow = submitted ? flowOf(wo) : rules.flow;
  const round = submitted ? wo.approval_round : 0;
  const st = evaluateFlow(flow, decisions, round);
  const progress = describeRound(flow, decisions, round, wo.submitted_at ? new Date(wo.submitted_at) : null);
  const status: 'notSubmitted' | 'pending' | 'approved' | 'rejected' = !submitted ? 'notSubmitted' : st.status;
  const pending = status === 'pending' ? progress.find((p) => p.status === 'pending') : undefined;
  const since = pending?.since ?? null;
  const rejection = st.rejection ? decisions.find((d) => d === st.rejection) ?? null : null;
  return {
    status,
    round,
    flowSource: rules.flowSource,
    steps: progress.map((p) => ({
      key: p.step.key,
      name: p.step.name,
      mode: p.step.mode,
      roles: p.step.roles.map(roleRef),
      status: submitted ? p.status : ('notReached' as const),
      since: iso(p.since),
      decisions: p.decisions.flatMap((d) => {
        const full = decisions.find((x) => x === d);
        return full ? [decisionView(flow, full)] : [];
      }),
    })),
    currentStepKey: status === 'pending' ? (st.currentStep?.key ?? null) : null,
    waitingOnRoles: status === 'pending' ? st.waitingOnRoles.map(roleRef) : [],
    waitingSince: iso(since),
    waitingMinutes: since ? Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000)) : null,
    rejection: rejection ? decisionView(flow, rejection) : null,
    decisions: decisions.map((d) => decisionView(flowOf(wo), d)),
  };
}

const RELATION_NAMES: Record<string, string> = { causedIncident: '引发故障', delivers: '交付内容', relatesTo: '相关' };

/** One work order with everything its page shows. */
export async function getWorkOrder(db: Db, ctx: Ctx, id: string) {
  const { wo, roles, clearance, read } = await loadVisible(db, ctx, id);
  const [events, clock, decisions, links, grants, sla] = await Promise.all([
    db.selectFrom('work_order_events').selectAll().where('work_order_id', '=', id).orderBy('id').execute(),
    findClock(db, 'workOrder', id),
    findDecisions(db, id),
    // a linked record above the caller's clearance shows as a bare link, without its number or title
    findLinks(db, id, (table, row) => mayRead(clearance, effectiveLabel(table, row))),
    findGrants(db, id),
    loadSlaContext(db, wo.contract_id, ctx.now),
  ]);
  const names = await userNames(db, [wo.created_by, wo.requester_user_id, wo.assignee_user_id]);
  return {
    workOrder: toView(wo, sla.definition, names, read),
    myRoles: roles,
    canChangeLabel: ctx.user.isPlatformAdmin || roles.some((r) => LABEL_SETTERS.includes(r)),
    labelChoices: labelsWithin(clearance),
    availableCommands: availableCommands(wo, roles, ctx.user.id, decisions),
    canEdit: EDITABLE_STATES.has(stateOf(wo)) && wo.created_by === ctx.user.id,
    approval: approvalView(wo, sla.definition, decisions, ctx.now),
    events: events.map((e) => ({
      id: String(e.id),
      type: e.type,
      typeName: e.type === 'labelChanged' ? LABEL_EVENT_NAME : (COMMAND_NAMES[e.type] ?? e.type),
      at: new Date(e.at).toISOString(),
      actorName: e.actor_name,
      actorRole: e.actor_role,
      data: maskRecord(e.data),
    })),
    sla: clock,
    links: links.map((l) => ({
      id: String(l.link.id),
      targetType: l.otherType,
      targetId: l.otherId,
      targetNumber: l.other?.number ?? null,
      targetTitle: l.other ? maskText(l.other.title) : null,
      relation: l.link.relation,
      relationName: RELATION_NAMES[l.link.relation] ?? l.link.relation,
      direction: l.direction,
      createdAt: new Date(l.link.created_at).toISOString(),
    })),
    accessGrants: grants.map((g) => ({
      id: g.id,
      userId: g.user_id,
      userName: g.display_name,
      systemKey: g.system_key,
      startsAt: new Date(g.starts_at).toISOString(),
      endsAt: new Date(g.ends_at).toISOString(),
      status: g.status,
      inForce: g.status === 'active' && new Date(g.starts_at).getTime() <= ctx.now.getTime() && ctx.now.getTime() < new Date(g.ends_at).getTime(),
      grantedAt: new Date(g.granted_at).toISOString(),
      endedAt: iso(g.ended_at),
      endReason: g.end_reason,
    })),
  };
}

/** List filters as the route passes them. */
export type WorkOrderListInput = Omit<WorkOrderFilter, 'doubledNeedle' | 'involvingUserId' | 'reach'> & { q?: string | undefined; mine?: boolean | undefined };

/** The filtered list with its total count. */
export async function listWorkOrders(db: Db, ctx: Ctx, f: WorkOrderListInput) {
  const access = await requireContractAccess(db, ctx, f.contractId);
  const def = (await loadSlaContext(db, f.contractId, ctx.now)).definition;
  const needle = f.q?.trim() ? doubleForSearch(f.q.trim().replace(/[\\%_]/g, '')) : undefined;
  const { rows, total } = await listWorkOrderRows(db, { ...f, reach: access, doubledNeedle: needle, involvingUserId: f.mine ? ctx.user.id : undefined });
  // A row whose label MAC fails reads as the highest label: dropped for callers below it (fail closed).
  const visible = rows.flatMap((r) => {
    const read = readLabel('work_orders', r);
    return mayRead(access.clearance, read.label) ? [{ r, read }] : [];
  });
  const names = await userNames(db, visible.flatMap(({ r }) => [r.created_by, r.requester_user_id, r.assignee_user_id]));
  return { items: visible.map(({ r, read }) => toView(r, def, names, read)), total: total - (rows.length - visible.length) };
}

/**
 * The approvals inbox of the signed-in user, across their contracts: every
 * order whose current step waits on a role they hold and that they may decide
 * (not their own), oldest wait first, with how long it has waited.
 */
export async function approvalsInbox(db: Db, ctx: Ctx) {
  const candidates = await findInboxCandidates(db, ctx.user.id);
  const ids = candidates.map((c) => c.row.id);
  const [decisionsOf, names] = await Promise.all([findDecisionsOf(db, ids), userNames(db, candidates.map((c) => c.row.requester_user_id))]);
  const out = [];
  for (const c of candidates) {
    const wo = c.row;
    // the SQL compared the stored label; a label whose MAC fails reads as the highest (fail closed)
    if (!mayRead(asClearance(c.clearance), effectiveLabel('work_orders', wo))) continue;
    let myRole: Role;
    try {
      myRole = authorizeDecision(flowOf(wo), decisionsOf.get(wo.id) ?? [], wo.approval_round, [wo.created_by, wo.requester_user_id], { userId: ctx.user.id, roles: c.roles });
    } catch {
      continue;
    }
    const step = flowOf(wo).steps.find((s) => s.key === wo.approval_step_key);
    const since = new Date(wo.approval_step_since ?? wo.submitted_at ?? wo.updated_at);
    out.push({
      workOrderId: wo.id,
      contractId: wo.contract_id,
      contractCode: c.contractCode,
      contractName: c.contractName,
      number: wo.number,
      kind: wo.kind,
      kindName: KIND_NAMES[wo.kind],
      subtypeName: subtypeName(wo.kind, wo.subtype),
      title: maskText(wo.title),
      requesterName: wo.requester_name ? maskText(wo.requester_name) : (names.get(wo.requester_user_id) ?? ''),
      stepKey: step?.key ?? '',
      stepName: step?.name ?? '',
      myRole,
      myRoleLabel: ROLES[myRole].label,
      waitingSince: since.toISOString(),
      waitingMinutes: Math.max(0, Math.floor((ctx.now.getTime() - since.getTime()) / 60_000)),
      version: wo.version,
    });
  }
  return out;
}

/** The contract's work-order rules (flows and SLA levels per kind and subtype), for forms and the contract page. */
export async function workOrderRules(db: Db, ctx: Ctx, contractId: string) {
  await requireContractRoles(db, ctx, contractId);
  const def = (await loadSlaContext(db, contractId, ctx.now)).definition;
  return {
    kinds: WORK_ORDER_KINDS.map((kind: WorkOrderKind) => ({
      kind,
      kindName: KIND_NAMES[kind],
      states: statesOf(kind).map((state: WorkOrderState) => ({ state, name: STATE_NAMES[state] })),
      subtypes: rulesOfKind(def, kind).map(({ subtype, rules }) => ({
        subtype,
        name: subtypeName(kind, subtype),
        levelKey: rules.levelKey,
        levelName: rules.levelKey ? (def.severityLevels.find((l) => l.key === rules.levelKey)?.name ?? rules.levelKey) : null,
        flowSource: rules.flowSource,
        flowClause: rules.flowClause,
        steps: rules.flow.steps.map((s) => ({ key: s.key, name: s.name, mode: s.mode, roles: s.roles.map(roleRef) })),
      })),
    })),
    personalDataCategories: PERSONAL_DATA_CATEGORY_KEYS.map((key) => ({ key, name: PERSONAL_DATA_CATEGORIES[key] })),
  };
}
