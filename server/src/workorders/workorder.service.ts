/**
 * Work-order use cases. Every change runs in one transaction with its
 * timeline event, its SLA clock events (recomputed there), its approval
 * decision or access grant, any job it schedules, and its audit row; a version
 * check refuses concurrent updates. Validation happens before the
 * transaction, so a refused command changes nothing.
 *
 * SLA events (the clock is opened at `requestedAt` when a level applies):
 * - `responded`: the first acknowledgement, submission by a vendor member,
 *   start, resolution, execution, delivery, deployment, scheduling or publication;
 * - `paused` (waitingOnAgency) while a step decided only by agency roles is
 *   pending, `resumed` when it is decided (the contract's `pauseOn` says whether that stops the clock);
 * - `resolved`: service request resolved, data delivered, change completed,
 *   release deployed, content published;
 * - `confirmed` when the requester confirms; `closed` when the order reaches a
 *   final state (or is published), which freezes whatever still runs.
 */
import { randomUUID } from 'node:crypto';
import { originalJson, sealWorkOrder, type WorkOrderPiiField } from './workorder-pii.ts';
import { keepSealedLeaves } from '../privacy/pii-vault.ts';
import { maskDeep, maskText } from '../privacy/pii.ts';
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../shared/context.ts';
import { recordAudit, SYSTEM_ACTOR, type AuditActor } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { requireContractAccess, requireContractRoles, requireLocatedRecord } from '../contracts/contract-access.ts';
import { assertPlaceInScope, resolveSite } from '../contracts/scope.ts';
import { DEFAULT_LABEL, type SecurityLabel } from '../labels/security-label.ts';
import { labelMac, readLabel, type ReadLabel } from '../labels/label-mac.ts';
import { assertLabelWithinClearance } from '../labels/label-rules.ts';
import { ROLES, type Role } from '../auth/roles.ts';
import { loadSlaContext } from '../sla/sla-context.ts';
import { openClock, recordClockEvents, registerClockSubject, type ClockView } from '../sla/sla-clock.service.ts';
import type { SlaEvent } from '../sla/sla-engine.ts';
import { enqueueJob } from '../jobs/job.queue.ts';
import { sm3Hex } from '../shared/crypto.ts';
import { formatLocalDateTime, localParts } from '../shared/local-time.ts';
import { authorizeDecision, describeRound, evaluateFlow, type ApprovalDecision, type ApprovalFlow } from '../approvals/approval-flow.ts';
import { KIND_NAMES, KIND_NUMBER_PREFIX, isSubtypeOf, type WorkOrderKind } from './workorder-kinds.ts';
import { resolveWorkOrderRules } from './workorder-config.ts';
import { ACTION_NAMES, EDITABLE_STATES, FINAL_STATES, STATE_NAMES, clockEnds, transition, type LifecycleAction, type WorkOrderState } from './workorder-state.ts';
import { DETAILS_SCHEMAS, ZOutcome, ZStoredFlow, type TNewWorkOrder, type TOutcome, type TWorkOrderCommand, type TWorkOrderEdit, type WorkOrderCommandType } from './workorder.schema.ts';
import { findDecisions, findWorkOrder, rolesInContract, type WorkOrderRow } from './workorder.repo.ts';
import { publishScheduledJob } from './workorder.jobs.ts';
import { requireFreshReauth, type StepUp } from '../auth/reauth.ts';
import { insertAttachment, prepareAttachment, registerAttachmentParent } from '../attachments/attachment.service.ts';
import type { FileScanner } from '../attachments/malware-scan.ts';

/** Vendor roles that do the work. */
export const VENDOR_ROLES: readonly Role[] = ['vendorProjectManager', 'vendorTeamLead', 'deskAgent', 'engineer', 'onsiteEngineer'];
/** Agency roles that take part in work orders. */
export const AGENCY_ROLES: readonly Role[] = ['agencyAdmin', 'agencyProjectLead', 'agencyLeader', 'agencyReviewer'];
/** Everyone who may raise, comment on and attach to work orders. */
export const PARTICIPANTS: readonly Role[] = [...AGENCY_ROLES, ...VENDOR_ROLES];

/** Who may raise each kind. */
export const CREATOR_ROLES: Record<WorkOrderKind, readonly Role[]> = {
  serviceRequest: PARTICIPANTS,
  dataWorkOrder: PARTICIPANTS,
  change: VENDOR_ROLES,
  release: VENDOR_ROLES,
  content: PARTICIPANTS,
};

/**
 * Roles of each command. Approve and reject are decided by the flow (the
 * current step's roles); submit and edit also need the author, confirm the
 * requester, execute the named executor.
 */
export const COMMAND_ROLES: Record<WorkOrderCommandType, readonly Role[] | 'flow'> = {
  submit: PARTICIPANTS,
  approve: 'flow',
  reject: 'flow',
  acknowledge: VENDOR_ROLES,
  assign: ['vendorProjectManager', 'vendorTeamLead', 'deskAgent'],
  start: VENDOR_ROLES,
  resolve: VENDOR_ROLES,
  execute: VENDOR_ROLES,
  deliver: VENDOR_ROLES,
  confirm: PARTICIPANTS,
  complete: VENDOR_ROLES,
  close: ['vendorProjectManager', 'vendorTeamLead', 'agencyProjectLead'],
  deploy: VENDOR_ROLES,
  rollback: VENDOR_ROLES,
  schedule: VENDOR_ROLES,
  unschedule: VENDOR_ROLES,
  publish: VENDOR_ROLES,
  withdraw: [...VENDOR_ROLES, 'agencyProjectLead', 'agencyAdmin'],
  cancel: PARTICIPANTS,
  link: PARTICIPANTS,
  comment: PARTICIPANTS,
};

/** Chinese names of every command and timeline event. */
export const COMMAND_NAMES: Record<string, string> = {
  ...ACTION_NAMES,
  created: '登记',
  edited: '修改',
  acknowledge: '响应受理',
  assign: '指派执行人',
  link: '关联',
  comment: '备注',
  attachmentAdded: '上传附件',
  accessGranted: '数据访问授权',
  accessExpired: '数据访问授权到期',
  accessRevoked: '数据访问授权收回',
};

/** Managers who may cancel an order they did not raise. */
const CANCEL_MANAGERS: readonly Role[] = ['vendorProjectManager', 'agencyProjectLead'];

/** The error for an order that does not exist or is outside the caller's scope. */
export function workOrderNotFound(): AppError {
  return new AppError('WORK_ORDER_NOT_FOUND', '工单不存在，或您无权查看');
}

/**
 * Load a work order the caller may see (contract, scope, and its security
 * label within their clearance; a label whose MAC fails reads as the highest);
 * otherwise WORK_ORDER_NOT_FOUND.
 */
export async function loadVisible(db: Db, ctx: Ctx, id: string, allowed?: readonly Role[]): Promise<{ wo: WorkOrderRow; roles: Role[]; clearance: SecurityLabel; read: ReadLabel }> {
  const wo = await findWorkOrder(db, id);
  if (!wo) throw workOrderNotFound();
  const read = readLabel('work_orders', wo);
  const { roles, clearance } = await requireLocatedRecord(db, ctx, { contractId: wo.contract_id, district: wo.district, street: wo.street, label: read.label }, workOrderNotFound, allowed);
  return { wo, roles, clearance, read };
}

/** Check that the caller may see a work order (and act in one of `allowed`); returns its contract. */
export async function requireWorkOrderAccess(
  db: Db,
  ctx: Ctx,
  id: string,
  allowed?: readonly Role[],
): Promise<{ contractId: string; state: WorkOrderState; roles: Role[]; clearance: SecurityLabel; label: SecurityLabel; version: number; number: string }> {
  const { wo, roles, clearance, read } = await loadVisible(db, ctx, id, allowed);
  return { contractId: wo.contract_id, state: stateOf(wo), roles, clearance, label: read.label, version: wo.version, number: wo.number };
}

// A work order's attachments are visible to exactly those who may see the order.
registerAttachmentParent('workOrder', (db, ctx, id) => requireWorkOrderAccess(db, ctx, id));

/** The state of an order. */
export function stateOf(wo: WorkOrderRow): WorkOrderState {
  return wo.state;
}

/** The approval flow copied onto the order at submission (no steps before that). */
export function flowOf(wo: WorkOrderRow): ApprovalFlow {
  return ZStoredFlow.parse(wo.approval_flow ?? { steps: [] });
}

/** The stored outcome, typed (its masked form: for reading and presenting). */
export function outcomeOf(wo: WorkOrderRow): TOutcome {
  return ZOutcome.parse(wo.outcome ?? {});
}

/** The original outcome, typed (from the envelope): what a command extends and writes back. */
function originalOutcomeOf(wo: WorkOrderRow): TOutcome {
  return ZOutcome.parse(originalJson(wo, 'outcome') ?? {});
}

function toDate(iso: string | undefined | null): Date | null {
  return iso ? new Date(iso) : null;
}

function checkWindow(start: Date | null, end: Date | null): void {
  if (start && end && end.getTime() <= start.getTime()) {
    throw new AppError('WORK_ORDER_WINDOW_INVALID', `实施窗口的结束时间（${formatLocalDateTime(end)}）必须晚于开始时间（${formatLocalDateTime(start)}）`);
  }
}

async function requireMember(db: Db | Trx, userId: string, contractId: string, allowed: readonly Role[], label: string): Promise<void> {
  const roles = await rolesInContract(db, userId, contractId);
  if (!roles.some((r) => allowed.includes(r))) throw new AppError('VALIDATION_FAILED', `${label}须是本合同的${allowed === VENDOR_ROLES ? '乙方运维人员' : '成员'}`);
}

function parseDetails(kind: WorkOrderKind, raw: unknown): Record<string, unknown> {
  const r = DETAILS_SCHEMAS[kind].safeParse(raw ?? {});
  if (!r.success) {
    const first = r.error.issues[0];
    throw new AppError('VALIDATION_FAILED', `${KIND_NAMES[kind]}的申请内容不正确${first ? `：${first.path.join('.')} ${first.message}` : ''}`, { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  }
  return r.data;
}

function checkSystems(systemKeys: readonly string[], known: ReadonlySet<string>): void {
  for (const k of systemKeys) if (!known.has(k)) throw new AppError('CONTRACT_REFERENCE_UNKNOWN', `合同中没有系统「${k}」`);
}

/** New work order, as validated by the route. */
export type NewWorkOrderInput = TNewWorkOrder;

/** Raise a work order (a draft) and open its SLA clock, in one transaction. */
export async function createWorkOrder(db: Db, ctx: Ctx, contractId: string, input: NewWorkOrderInput): Promise<{ id: string; number: string; state: WorkOrderState; version: number }> {
  const { roles, scope, clearance } = await requireContractAccess(db, ctx, contractId, CREATOR_ROLES[input.kind]);
  const securityLabel = input.securityLabel ?? DEFAULT_LABEL;
  assertLabelWithinClearance(clearance, securityLabel);
  const sla = await loadSlaContext(db, contractId, ctx.now);
  const def = sla.definition;
  const place = resolveSite(def.sites, input);
  assertPlaceInScope(scope, place);
  const systems = new Set(def.systems.map((s) => s.key));
  if (input.systemKey) checkSystems([input.systemKey], systems);
  const details = parseDetails(input.kind, input.details);
  if (input.kind === 'change') checkSystems(input.details.affectedSystems, systems);
  const requestedAt = toDate(input.requestedAt) ?? ctx.now;
  if (requestedAt.getTime() > ctx.now.getTime() + 60_000) throw new AppError('VALIDATION_FAILED', '提出需求的时间不能晚于当前时间');
  const windowStart = toDate(input.windowStart);
  const windowEnd = toDate(input.windowEnd);
  checkWindow(windowStart, windowEnd);
  const requesterId = input.requesterUserId ?? ctx.user.id;
  if (input.requesterUserId) await requireMember(db, requesterId, contractId, PARTICIPANTS, '需求提出人');
  if (input.assigneeUserId) await requireMember(db, input.assigneeUserId, contractId, VENDOR_ROLES, '执行人');
  const rules = resolveWorkOrderRules(def, input.kind, input.subtype);
  const actingRole = roles.find((r) => CREATOR_ROLES[input.kind].includes(r)) ?? null;

  return db.transaction().execute(async (trx) => {
    const seq = await sql<{ n: string }>`SELECT nextval('work_order_number_seq') AS n`.execute(trx);
    const year = localParts(requestedAt, def.contract.timezone ?? 'Asia/Shanghai').year;
    const number = `${KIND_NUMBER_PREFIX[input.kind]}${year}-${String(seq.rows[0]?.n ?? '0').padStart(6, '0')}`;
    const id = randomUUID();
    const pii = sealWorkOrder(id, { title: input.title, description: input.description, requesterName: input.requesterName ?? null, details: JSON.stringify(details), outcome: JSON.stringify({}) });
    const row = await trx
      .insertInto('work_orders')
      .values({
        id,
        contract_id: contractId,
        number,
        kind: input.kind,
        subtype: input.subtype,
        system_key: input.systemKey ?? null,
        site_key: place.siteKey,
        site: place.site,
        district: place.district,
        street: place.street,
        title: pii.masked.title ?? '',
        description: pii.masked.description ?? '',
        pii_sealed: pii.sealed,
        pii_index: pii.indexes,
        pii_sealed_at: ctx.now,
        state: 'draft',
        created_by: ctx.user.id,
        requester_user_id: requesterId,
        requester_name: pii.masked.requesterName ?? null,
        requested_at: requestedAt,
        assignee_user_id: input.assigneeUserId ?? null,
        window_start: windowStart,
        window_end: windowEnd,
        details: pii.masked.details ?? '{}',
        outcome: pii.masked.outcome ?? '{}',
        level_key: rules.levelKey,
        created_at: ctx.now,
        updated_at: ctx.now,
        security_label: securityLabel,
        label_mac: labelMac('work_orders', id, contractId, securityLabel),
      })
      .returning(['id', 'number', 'version'])
      .executeTakeFirstOrThrow();
    if (rules.levelKey) {
      await openClock(trx, { contractId, subjectType: 'workOrder', subjectId: row.id, systemKey: input.systemKey ?? null, levelKey: rules.levelKey, conditions: {}, reportedAt: requestedAt }, ctx.now);
    }
    await insertEvent(trx, row.id, 'created', ctx.now, ctx, actingRole, { kind: input.kind, subtype: input.subtype, levelKey: rules.levelKey });
    await recordAudit(
      trx,
      actorOf(ctx, actingRole),
      { action: 'workOrder.created', entityType: 'workOrder', entityId: row.id, contractId, after: { number, kind: input.kind, subtype: input.subtype, title: pii.masked.title, systemKey: input.systemKey ?? null, requestedAt: requestedAt.toISOString(), levelKey: rules.levelKey, securityLabel } },
      ctx.now,
    );
    return { id: row.id, number: row.number, state: 'draft', version: row.version };
  });
}

/** Edit a draft or returned order (its author only). */
export async function updateWorkOrder(db: Db, ctx: Ctx, id: string, edit: TWorkOrderEdit): Promise<{ id: string; version: number; state: WorkOrderState }> {
  const { wo, roles } = await loadVisible(db, ctx, id);
  const kind = wo.kind;
  if (wo.created_by !== ctx.user.id) throw new AppError('FORBIDDEN', '只有登记人可以修改工单');
  if (!EDITABLE_STATES.has(stateOf(wo))) throw new AppError('WORK_ORDER_TRANSITION_FORBIDDEN', `当前状态为「${STATE_NAMES[stateOf(wo)]}」，只有草稿或已退回的工单可以修改`);
  const def = (await loadSlaContext(db, wo.contract_id, ctx.now)).definition;
  const systems = new Set(def.systems.map((s) => s.key));
  const patch: Record<string, unknown> = {};
  const changed: string[] = [];
  const set = (col: string, field: string, value: unknown): void => {
    patch[col] = value;
    changed.push(field);
  };
  if (edit.subtype !== undefined) {
    if (!isSubtypeOf(kind, edit.subtype)) throw new AppError('VALIDATION_FAILED', `${KIND_NAMES[kind]}没有子类「${edit.subtype}」`);
    set('subtype', 'subtype', edit.subtype);
  }
  // Personal data: a value sent back unchanged in its masked form keeps the sealed original.
  const piiEdit: Partial<Record<WorkOrderPiiField, string | null>> = {};
  if (edit.title !== undefined && edit.title !== wo.title) piiEdit.title = edit.title;
  if (edit.description !== undefined && edit.description !== wo.description) piiEdit.description = edit.description;
  if (edit.requesterName !== undefined && edit.requesterName !== wo.requester_name) piiEdit.requesterName = edit.requesterName;
  if (edit.details !== undefined) {
    const details = parseDetails(kind, edit.details);
    const affected = details['affectedSystems'];
    if (Array.isArray(affected)) checkSystems(affected.map(String), systems);
    // the details are replaced as a whole; strings sent back in their masked form keep their originals
    piiEdit.details = JSON.stringify(keepSealedLeaves(details, wo.details, originalJson(wo, 'details')));
  }
  if (Object.keys(piiEdit).length > 0) {
    const sealed = sealWorkOrder(id, piiEdit, wo.pii_sealed);
    if (piiEdit.title !== undefined) set('title', 'title', sealed.masked.title);
    if (piiEdit.description !== undefined) set('description', 'description', sealed.masked.description);
    if (piiEdit.requesterName !== undefined) set('requester_name', 'requesterName', sealed.masked.requesterName);
    if (piiEdit.details !== undefined) set('details', 'details', sealed.masked.details);
    patch['pii_sealed'] = sealed.sealed;
    patch['pii_index'] = sealed.indexes;
  }
  if (edit.systemKey !== undefined) {
    if (edit.systemKey) checkSystems([edit.systemKey], systems);
    set('system_key', 'systemKey', edit.systemKey);
  }
  if (edit.requesterUserId !== undefined) {
    await requireMember(db, edit.requesterUserId, wo.contract_id, PARTICIPANTS, '需求提出人');
    set('requester_user_id', 'requesterUserId', edit.requesterUserId);
  }
  if (edit.assigneeUserId !== undefined) {
    if (edit.assigneeUserId) await requireMember(db, edit.assigneeUserId, wo.contract_id, VENDOR_ROLES, '执行人');
    set('assignee_user_id', 'assigneeUserId', edit.assigneeUserId);
  }
  const windowStart = edit.windowStart !== undefined ? toDate(edit.windowStart) : wo.window_start ? new Date(wo.window_start) : null;
  const windowEnd = edit.windowEnd !== undefined ? toDate(edit.windowEnd) : wo.window_end ? new Date(wo.window_end) : null;
  checkWindow(windowStart, windowEnd);
  if (edit.windowStart !== undefined) set('window_start', 'windowStart', windowStart);
  if (edit.windowEnd !== undefined) set('window_end', 'windowEnd', windowEnd);
  if (changed.length === 0) throw new AppError('VALIDATION_FAILED', '没有需要修改的内容');
  const actingRole = roles.find((r) => PARTICIPANTS.includes(r)) ?? null;
  return db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('work_orders')
      .set({ ...patch, version: sql`version + 1`, updated_at: ctx.now })
      .where('id', '=', id)
      .where('version', '=', edit.version)
      .returning(['version', 'state'])
      .executeTakeFirst();
    if (!updated) throw versionConflict(wo.version);
    await insertEvent(trx, id, 'edited', ctx.now, ctx, actingRole, { fields: changed });
    await recordAudit(trx, actorOf(ctx, actingRole), { action: 'workOrder.edited', entityType: 'workOrder', entityId: id, contractId: wo.contract_id, before: { version: wo.version }, after: { version: updated.version, fields: changed } }, ctx.now);
    return { id, version: updated.version, state: updated.state };
  });
}

function versionConflict(currentVersion: number): AppError {
  return new AppError('VERSION_CONFLICT', '该工单已被他人修改，请刷新后重试', { currentVersion });
}

async function insertEvent(trx: Trx, workOrderId: string, type: string, at: Date, ctx: Ctx | null, role: string | null, data: Record<string, unknown>): Promise<void> {
  await trx
    .insertInto('work_order_events')
    .values({ work_order_id: workOrderId, type, at, actor_user_id: ctx?.user.id ?? null, actor_name: ctx?.user.displayName ?? '系统', actor_role: role ?? (ctx ? null : 'system'), data: JSON.stringify(data) })
    .execute();
}

/** What is missing before an order can be submitted (Chinese, one line each). */
export function submissionProblems(wo: Pick<WorkOrderRow, 'kind' | 'system_key' | 'assignee_user_id' | 'window_start' | 'window_end' | 'details'>): string[] {
  const problems: string[] = [];
  const needWindow = (label: string): void => {
    if (!wo.window_start || !wo.window_end) problems.push(`${label}须填写实施窗口（开始和结束时间）`);
  };
  switch (wo.kind) {
    case 'serviceRequest':
      break;
    case 'dataWorkOrder': {
      const d = DETAILS_SCHEMAS.dataWorkOrder.parse(wo.details ?? {});
      if (!wo.system_key) problems.push('数据处理工单须指明涉及的系统');
      if (!d.purpose) problems.push('数据处理工单须填写目的');
      if (!d.legalBasis) problems.push('数据处理工单须填写依据');
      if (d.tables.length === 0) problems.push('数据处理工单须列出涉及的表和字段');
      if (d.rowEstimate === undefined) problems.push('数据处理工单须填写预计涉及行数');
      if (!wo.assignee_user_id) problems.push('数据处理工单须指定执行人');
      needWindow('数据处理工单');
      break;
    }
    case 'change': {
      const d = DETAILS_SCHEMAS.change.parse(wo.details ?? {});
      if (!wo.system_key) problems.push('变更须指明涉及的系统');
      if (!d.reason) problems.push('变更须填写原因');
      if (!d.riskLevel) problems.push('变更须评定风险等级');
      if (!d.risks) problems.push('变更须说明可能的风险');
      if (!d.method) problems.push('变更须说明操作方法');
      if (!d.tools) problems.push('变更须说明使用的工具');
      if (d.steps.length === 0) problems.push('变更须列出操作步骤');
      if (!d.rollbackPlan) problems.push('变更须填写回退方案');
      if (!d.backupConfirmed) problems.push('变更须确认已完成备份');
      needWindow('变更');
      break;
    }
    case 'release': {
      const d = DETAILS_SCHEMAS.release.parse(wo.details ?? {});
      if (!wo.system_key) problems.push('发布须指明涉及的系统');
      if (!d.version) problems.push('发布须填写版本号');
      if (!d.testEvidence) problems.push('发布须附测试证据');
      break;
    }
    case 'content': {
      const d = DETAILS_SCHEMAS.content.parse(wo.details ?? {});
      if (!d.body) problems.push('内容发布须填写正文');
      break;
    }
    default: {
      const never: never = wo.kind;
      return never;
    }
  }
  return problems;
}

/** Whether every role of a step is on the agency side (waiting on it may pause the clock). */
function agencyStep(flow: ApprovalFlow, stepKey: string | null): boolean {
  const st = flow.steps.find((s) => s.key === stepKey);
  return !!st && st.roles.every((r) => ROLES[r].side === 'agency');
}

/** The denormalised approval columns: which step waits, on which roles, since when. */
interface ApprovalColumns {
  approval_step_key: string | null;
  approval_waiting_roles: string[];
  approval_step_since: Date | null;
}

/** Nothing waits (approved, returned, cancelled). */
const NO_WAIT: ApprovalColumns = { approval_step_key: null, approval_waiting_roles: [], approval_step_since: null };

/** The approval columns after a decision or a submission. */
function approvalColumns(flow: ApprovalFlow, decisions: readonly ApprovalDecision[], round: number, submittedAt: Date): ApprovalColumns {
  const state = evaluateFlow(flow, decisions, round);
  if (state.status !== 'pending' || !state.currentStep) return NO_WAIT;
  const progress = describeRound(flow, decisions, round, submittedAt);
  const current = progress.find((p) => p.step.key === state.currentStep?.key);
  return { approval_step_key: state.currentStep.key, approval_waiting_roles: [...state.waitingOnRoles], approval_step_since: current?.since ?? submittedAt };
}

/** Everything a command decided, before it is written. */
interface Plan {
  patch: Record<string, unknown>;
  outcome: TOutcome | null;
  eventData: Record<string, unknown>;
  decision: ApprovalDecision | null;
  actingRole: Role | null;
  slaEvents: SlaEvent[];
  after: (trx: Trx, next: { version: number; state: WorkOrderState }) => Promise<void>;
}

function needRoles(roles: readonly Role[], allowed: readonly Role[], name: string): Role {
  const role = roles.find((r) => allowed.includes(r));
  if (!role) throw new AppError('FORBIDDEN', `您在该合同中的角色无权执行「${name}」`);
  return role;
}

/** How a command was given, beyond the command itself. */
export interface CommandOptions {
  /**
   * The caller's re-authentication: approving a data work order needs one
   * within the last 5 minutes (REAUTH_REQUIRED otherwise). HTTP handlers pass
   * `stepUpOf(req)`; the demo seed and service tests pass `'inProcess'`.
   */
  stepUp: StepUp;
  /**
   * For `execute` only: the output file was produced by the server itself (the
   * unmasked export), so its digest is the server's, not declared; `also`
   * runs in the command's transaction (the export's own audit row).
   */
  serverOutput?: { also: (trx: Trx) => Promise<void> };
}

/** Apply a command; `expectedVersion` must match the stored version. */
export async function applyWorkOrderCommand(db: Db, ctx: Ctx, id: string, expectedVersion: number, cmd: TWorkOrderCommand, opts: CommandOptions): Promise<{ id: string; version: number; state: WorkOrderState }> {
  const { wo, roles } = await loadVisible(db, ctx, id);
  const kind = wo.kind;
  const state = stateOf(wo);
  const name = COMMAND_NAMES[cmd.type] ?? cmd.type;
  const allowed = COMMAND_ROLES[cmd.type];
  let actingRole: Role | null = allowed === 'flow' ? null : needRoles(roles, allowed, name);
  const flow = flowOf(wo);
  const decisions = await findDecisions(db, id);
  const outcome = originalOutcomeOf(wo);
  const patch: Record<string, unknown> = {};
  let nextOutcome: TOutcome | null = null;
  let eventData: Record<string, unknown> = {};
  let decision: ApprovalDecision | null = null;
  const afterWrite: ((trx: Trx, next: { version: number; state: WorkOrderState }) => Promise<void>)[] = [];
  let nextState: WorkOrderState = state;
  let stepAfter: string | null = wo.approval_step_key;
  let flowAfter: ApprovalFlow = flow;
  const setApproval = (cols: ReturnType<typeof approvalColumns>, extra: Record<string, unknown> = {}): void => {
    Object.assign(patch, cols, extra);
    stepAfter = cols.approval_step_key;
  };
  const lifecycle = (action: LifecycleAction, flowComplete = false): void => {
    nextState = transition(kind, state, action, { flowComplete });
    patch['state'] = nextState;
  };
  const requireApproved = (): void => {
    // the stored state already says so; re-check the decisions themselves (defence in depth)
    if (flow.steps.length > 0 && evaluateFlow(flow, decisions, wo.approval_round).status !== 'approved') {
      throw new AppError('WORK_ORDER_APPROVAL_REQUIRED', `该${KIND_NAMES[kind]}的审批记录不完整，不能继续`);
    }
  };

  switch (cmd.type) {
    case 'submit': {
      if (wo.created_by !== ctx.user.id) throw new AppError('FORBIDDEN', '只有登记人可以提交审批');
      lifecycle('submit', true); // state check first; the real target is decided below
      const problems = submissionProblems(wo);
      if (kind === 'dataWorkOrder' && wo.subtype !== 'extraction' && DETAILS_SCHEMAS.dataWorkOrder.parse(wo.details ?? {}).exportScope) problems.push('明文导出只能通过「数据提取」工单申请');
      if (problems.length > 0) throw new AppError('WORK_ORDER_INCOMPLETE', `${problems.join('；')}`, { problems });
      if ((kind === 'dataWorkOrder' || kind === 'change') && wo.window_end && new Date(wo.window_end).getTime() <= ctx.now.getTime()) {
        throw new AppError('WORK_ORDER_WINDOW_INVALID', `实施窗口已于 ${formatLocalDateTime(wo.window_end)} 结束，请修改窗口后再提交`);
      }
      if (kind === 'dataWorkOrder' && wo.assignee_user_id) await requireMember(db, wo.assignee_user_id, wo.contract_id, VENDOR_ROLES, '执行人');
      const def = (await loadSlaContext(db, wo.contract_id, ctx.now)).definition;
      const rules = resolveWorkOrderRules(def, kind, wo.subtype);
      const round = wo.approval_round + 1;
      const complete = rules.flow.steps.length === 0;
      lifecycle('submit', complete);
      patch['approval_flow'] = JSON.stringify(rules.flow);
      patch['approval_round'] = round;
      patch['submitted_at'] = ctx.now;
      if (complete) setApproval(NO_WAIT, { approved_at: ctx.now });
      else setApproval(approvalColumns(rules.flow, decisions, round, ctx.now));
      eventData = { round, flowSource: rules.flowSource, steps: rules.flow.steps.map((s) => s.name), note: cmd.note ?? null };
      if (complete && kind === 'dataWorkOrder') afterWrite.push((trx) => grantAccess(trx, wo, ctx));
      flowAfter = rules.flow;
      break;
    }
    case 'approve':
    case 'reject': {
      if (state !== 'pendingApproval') throw new AppError('APPROVAL_NOT_PENDING', `当前状态为「${STATE_NAMES[state]}」，没有待审批的环节`);
      const role = authorizeDecision(flow, decisions, wo.approval_round, [wo.created_by, wo.requester_user_id], { userId: ctx.user.id, roles });
      actingRole = role;
      const current = evaluateFlow(flow, decisions, wo.approval_round).currentStep;
      if (!current) throw new AppError('APPROVAL_NOT_PENDING', '没有待审批的环节');
      // signing off data work is a sensitive action: the approver confirms their identity first (nothing is written otherwise)
      if (cmd.type === 'approve' && kind === 'dataWorkOrder' && opts.stepUp !== 'inProcess') requireFreshReauth(opts.stepUp.reauthenticatedAt, ctx.now);
      decision = { round: wo.approval_round, stepKey: current.key, userId: ctx.user.id, role, decision: cmd.type, comment: cmd.comment, at: ctx.now };
      const all = [...decisions, decision];
      if (cmd.type === 'approve') {
        const complete = evaluateFlow(flow, all, wo.approval_round).status === 'approved';
        if (complete && kind === 'dataWorkOrder') {
          if (!wo.window_end || new Date(wo.window_end).getTime() <= ctx.now.getTime()) {
            throw new AppError('WORK_ORDER_WINDOW_INVALID', `实施窗口已于 ${wo.window_end ? formatLocalDateTime(wo.window_end) : '（未填写）'} 结束，批准已无意义，请退回由申请人修改窗口`);
          }
          afterWrite.push((trx) => grantAccess(trx, wo, ctx));
        }
        lifecycle('approve', complete);
        if (complete) setApproval(NO_WAIT, { approved_at: ctx.now });
        else setApproval(approvalColumns(flow, all, wo.approval_round, new Date(wo.submitted_at ?? ctx.now)));
      } else {
        lifecycle('reject');
        setApproval(NO_WAIT);
      }
      eventData = { round: wo.approval_round, stepKey: current.key, stepName: current.name, role, roleLabel: ROLES[role].label, comment: cmd.comment };
      break;
    }
    case 'acknowledge':
      if (FINAL_STATES.has(state)) throw new AppError('WORK_ORDER_TRANSITION_FORBIDDEN', `工单已${STATE_NAMES[state]}，不能再响应`);
      if (wo.responded_at) throw new AppError('WORK_ORDER_TRANSITION_FORBIDDEN', `该工单已于 ${formatLocalDateTime(wo.responded_at)} 响应`);
      eventData = { note: cmd.note ?? null };
      break;
    case 'assign': {
      const open = kind === 'serviceRequest' || kind === 'content' ? !FINAL_STATES.has(state) : EDITABLE_STATES.has(state);
      if (!open) {
        throw new AppError('WORK_ORDER_TRANSITION_FORBIDDEN', kind === 'serviceRequest' || kind === 'content' ? `工单已${STATE_NAMES[state]}，不能再指派` : `${KIND_NAMES[kind]}的执行人随审批一并确认，审批后不能更换（请取消后重新申请）`);
      }
      await requireMember(db, cmd.assigneeUserId, wo.contract_id, VENDOR_ROLES, '执行人');
      patch['assignee_user_id'] = cmd.assigneeUserId;
      eventData = { assigneeUserId: cmd.assigneeUserId, note: cmd.note ?? null };
      break;
    }
    case 'start':
      lifecycle('start');
      requireApproved();
      if (kind === 'change') checkInsideWindow(wo, ctx.now, '开始实施变更');
      nextOutcome = { ...outcome, startedAt: ctx.now.toISOString() };
      eventData = { note: cmd.note ?? null };
      break;
    case 'resolve':
      lifecycle('resolve');
      requireApproved();
      nextOutcome = { ...outcome, resolution: cmd.resolution };
      eventData = { resolution: cmd.resolution };
      break;
    case 'execute': {
      lifecycle('execute');
      requireApproved();
      if (wo.assignee_user_id !== ctx.user.id) throw new AppError('FORBIDDEN', '只有工单指定的执行人可以登记执行（数据访问授权只给执行人）');
      const grant = await db
        .selectFrom('data_access_grants')
        .selectAll()
        .where('work_order_id', '=', id)
        .where('user_id', '=', ctx.user.id)
        .orderBy('granted_at', 'desc')
        .executeTakeFirst();
      if (!grant || grant.status !== 'active' || new Date(grant.ends_at).getTime() <= ctx.now.getTime()) {
        throw new AppError('DATA_ACCESS_WINDOW_CLOSED', `实施窗口已于 ${formatLocalDateTime(grant?.ends_at ?? wo.window_end ?? ctx.now)} 结束，数据访问授权已失效，不能再登记执行；如仍需处理，请重新申请数据处理工单`);
      }
      if (new Date(grant.starts_at).getTime() > ctx.now.getTime()) {
        throw new AppError('DATA_ACCESS_WINDOW_CLOSED', `实施窗口自 ${formatLocalDateTime(grant.starts_at)} 开始，尚未到达，数据访问授权尚未生效`);
      }
      let output: NonNullable<TOutcome['execution']>['output'];
      if ('attachmentId' in cmd.output) {
        const a = await db
          .selectFrom('attachments')
          .select(['id', 'file_name', 'digest_sm3', 'size_bytes'])
          .where('id', '=', cmd.output.attachmentId)
          .where('subject_type', '=', 'workOrder')
          .where('subject_id', '=', id)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if (!a) throw new AppError('VALIDATION_FAILED', '输出文件须先作为附件上传到本工单');
        output = { fileName: a.file_name, sm3: a.digest_sm3, sizeBytes: a.size_bytes, attachmentId: a.id, declared: false };
      } else {
        output = { fileName: cmd.output.fileName, sm3: cmd.output.sm3, sizeBytes: cmd.output.sizeBytes ?? null, attachmentId: null, declared: opts.serverOutput === undefined };
      }
      if (opts.serverOutput) afterWrite.push(opts.serverOutput.also);
      const statementSm3 = sm3Hex(cmd.statement);
      nextOutcome = {
        ...outcome,
        execution: { statement: cmd.statement, statementSm3, beforeCount: cmd.beforeCount, afterCount: cmd.afterCount, output, note: cmd.note ?? null, executedAt: ctx.now.toISOString(), executedBy: ctx.user.displayName },
      };
      // the audit row keeps digests and counts, not the statement text (it may name people)
      eventData = { statementSm3, beforeCount: cmd.beforeCount, afterCount: cmd.afterCount, outputFileName: output.fileName, outputSm3: output.sm3, outputDeclared: output.declared, grantId: grant.id };
      break;
    }
    case 'deliver':
      lifecycle('deliver');
      nextOutcome = { ...outcome, delivery: { method: cmd.method, note: cmd.note ?? null, deliveredAt: ctx.now.toISOString(), deliveredBy: ctx.user.displayName } };
      eventData = { method: cmd.method, note: cmd.note ?? null };
      break;
    case 'confirm':
      if (wo.requester_user_id !== ctx.user.id) throw new AppError('FORBIDDEN', '只有需求提出人可以确认结果');
      lifecycle('confirm');
      nextOutcome = { ...outcome, confirmation: { comment: cmd.comment ?? null, confirmedAt: ctx.now.toISOString(), confirmedBy: ctx.user.displayName } };
      patch['closed_at'] = ctx.now;
      eventData = { comment: cmd.comment ?? null };
      if (kind === 'dataWorkOrder') afterWrite.push((trx) => endGrants(trx, wo, ctx, 'revoked', '需求提出人已确认结果，工作结束'));
      break;
    case 'complete': {
      lifecycle('complete');
      const incidents = cmd.causedIncidentIds.length
        ? await db.selectFrom('incidents').select(['id', 'number']).where('id', 'in', cmd.causedIncidentIds).where('contract_id', '=', wo.contract_id).execute()
        : [];
      if (incidents.length !== new Set(cmd.causedIncidentIds).size) throw new AppError('CONTRACT_REFERENCE_UNKNOWN', '关联的故障单不存在或不属于本合同');
      nextOutcome = { ...outcome, result: cmd.result, resultNote: cmd.resultNote, verification: cmd.verification, completedAt: ctx.now.toISOString() };
      eventData = { result: cmd.result, resultNote: cmd.resultNote, verification: cmd.verification, causedIncidents: incidents.map((i) => i.number) };
      afterWrite.push(async (trx) => {
        for (const inc of incidents) await insertLink(trx, wo, ctx, 'incident', inc.id, 'causedIncident');
      });
      break;
    }
    case 'close': {
      lifecycle('close');
      if (kind === 'release') {
        const ends = outcome.observationEndsAt ? new Date(outcome.observationEndsAt) : null;
        if (ends && ends.getTime() > ctx.now.getTime()) throw new AppError('WORK_ORDER_TRANSITION_FORBIDDEN', `观察期至 ${formatLocalDateTime(ends)} 结束，尚不能关闭`);
      }
      patch['closed_at'] = ctx.now;
      nextOutcome = { ...outcome, closeNote: cmd.note ?? '' };
      eventData = { note: cmd.note ?? null };
      break;
    }
    case 'deploy': {
      lifecycle('deploy');
      requireApproved();
      const d = DETAILS_SCHEMAS.release.parse(wo.details ?? {});
      const ends = new Date(ctx.now.getTime() + d.observationHours * 3_600_000);
      nextOutcome = { ...outcome, deployedAt: ctx.now.toISOString(), deployedVersion: cmd.deployedVersion ?? d.version, observationEndsAt: ends.toISOString() };
      eventData = { deployedVersion: cmd.deployedVersion ?? d.version, observationEndsAt: ends.toISOString(), note: cmd.note ?? null };
      break;
    }
    case 'rollback':
      lifecycle('rollback');
      patch['closed_at'] = ctx.now;
      nextOutcome = { ...outcome, rollbackReason: cmd.reason };
      eventData = { reason: cmd.reason };
      break;
    case 'schedule': {
      lifecycle('schedule');
      requireApproved();
      const at = new Date(cmd.publishAt);
      if (at.getTime() <= ctx.now.getTime()) throw new AppError('VALIDATION_FAILED', '定时发布的时间须晚于当前时间');
      patch['scheduled_publish_at'] = at;
      eventData = { publishAt: at.toISOString() };
      afterWrite.push((trx) => enqueueJob(trx, publishScheduledJob, { workOrderId: id, publishAt: at.toISOString() }, { runAt: at, dedupeKey: `workOrder.publish:${id}:${at.toISOString()}` }));
      break;
    }
    case 'unschedule':
      lifecycle('unschedule');
      patch['scheduled_publish_at'] = null;
      eventData = { note: cmd.note ?? null };
      break;
    case 'publish':
      lifecycle('publish');
      requireApproved();
      patch['scheduled_publish_at'] = null;
      nextOutcome = { ...outcome, publishedAt: ctx.now.toISOString(), publishedBy: ctx.user.displayName };
      eventData = { note: cmd.note ?? null };
      break;
    case 'withdraw':
      lifecycle('withdraw');
      patch['closed_at'] = ctx.now;
      nextOutcome = { ...outcome, withdrawnAt: ctx.now.toISOString(), withdrawReason: cmd.reason };
      eventData = { reason: cmd.reason };
      break;
    case 'cancel': {
      if (wo.created_by !== ctx.user.id && !roles.some((r) => CANCEL_MANAGERS.includes(r))) throw new AppError('FORBIDDEN', '只有登记人或项目经理、甲方项目负责人可以取消工单');
      lifecycle('cancel');
      patch['closed_at'] = ctx.now;
      patch['scheduled_publish_at'] = null;
      setApproval(NO_WAIT);
      nextOutcome = { ...outcome, cancelReason: cmd.reason };
      eventData = { reason: cmd.reason };
      if (kind === 'dataWorkOrder') afterWrite.push((trx) => endGrants(trx, wo, ctx, 'revoked', '工单已取消'));
      break;
    }
    case 'link': {
      if (state === 'cancelled') throw new AppError('WORK_ORDER_TRANSITION_FORBIDDEN', '已取消的工单不能再关联');
      if (cmd.targetType === 'workOrder' && cmd.targetId === id) throw new AppError('VALIDATION_FAILED', '工单不能关联自己');
      const target =
        cmd.targetType === 'incident'
          ? await db.selectFrom('incidents').select(['id', 'number']).where('id', '=', cmd.targetId).where('contract_id', '=', wo.contract_id).executeTakeFirst()
          : await db.selectFrom('work_orders').select(['id', 'number']).where('id', '=', cmd.targetId).where('contract_id', '=', wo.contract_id).executeTakeFirst();
      if (!target) throw new AppError('CONTRACT_REFERENCE_UNKNOWN', cmd.targetType === 'incident' ? '关联的故障单不存在或不属于本合同' : '关联的工单不存在或不属于本合同');
      const exists = await db.selectFrom('work_order_links').select('id').where('work_order_id', '=', id).where('target_type', '=', cmd.targetType).where('target_id', '=', cmd.targetId).where('relation', '=', cmd.relation).executeTakeFirst();
      if (exists) throw new AppError('VALIDATION_FAILED', `已关联 ${target.number}`);
      eventData = { targetType: cmd.targetType, targetNumber: target.number, relation: cmd.relation };
      afterWrite.push((trx) => insertLink(trx, wo, ctx, cmd.targetType, cmd.targetId, cmd.relation));
      break;
    }
    case 'comment':
      eventData = { text: cmd.text };
      break;
    default: {
      const never: never = cmd;
      return never;
    }
  }

  return commit(db, personWriter(ctx, actingRole), wo, expectedVersion, cmd.type, {
    patch,
    outcome: nextOutcome,
    eventData,
    decision,
    actingRole,
    slaEvents: slaEventsFor(wo, ctx, cmd.type, actingRole, state, nextState, flow, flowAfter, stepAfter),
    after: async (trx, next) => {
      for (const f of afterWrite) await f(trx, next);
    },
  });
}

function checkInsideWindow(wo: WorkOrderRow, now: Date, what: string): void {
  if (wo.window_start && new Date(wo.window_start).getTime() > now.getTime()) {
    throw new AppError('WORK_ORDER_WINDOW_INVALID', `批准的实施窗口自 ${formatLocalDateTime(wo.window_start)} 开始，尚未到达，不能${what}`);
  }
  if (wo.window_end && new Date(wo.window_end).getTime() <= now.getTime()) {
    throw new AppError('WORK_ORDER_WINDOW_INVALID', `批准的实施窗口已于 ${formatLocalDateTime(wo.window_end)} 结束，不能${what}；请取消后重新申请`);
  }
}

const RESPONDING: ReadonlySet<WorkOrderCommandType> = new Set(['acknowledge', 'start', 'resolve', 'execute', 'deliver', 'deploy', 'schedule', 'publish', 'complete']);
const RESOLVING: Partial<Record<WorkOrderCommandType, WorkOrderKind>> = { resolve: 'serviceRequest', deliver: 'dataWorkOrder', complete: 'change', deploy: 'release', publish: 'content' };

/** The SLA events of a command (see the file comment). */
function slaEventsFor(
  wo: WorkOrderRow,
  ctx: Ctx,
  type: WorkOrderCommandType,
  actingRole: Role | null,
  before: WorkOrderState,
  after: WorkOrderState,
  flowBefore: ApprovalFlow,
  flowAfter: ApprovalFlow,
  stepAfter: string | null,
): SlaEvent[] {
  if (!wo.level_key) return [];
  const at = ctx.now;
  const out: SlaEvent[] = [];
  const vendor = actingRole !== null && VENDOR_ROLES.includes(actingRole);
  if (!wo.responded_at && (RESPONDING.has(type) || (type === 'submit' && vendor))) out.push({ type: 'responded', at });
  const waitingBefore = before === 'pendingApproval' && agencyStep(flowBefore, wo.approval_step_key);
  const waitingAfter = after === 'pendingApproval' && agencyStep(flowAfter, stepAfter);
  if (!waitingBefore && waitingAfter) out.push({ type: 'paused', at, reason: 'waitingOnAgency' });
  if (waitingBefore && !waitingAfter) out.push({ type: 'resumed', at });
  if (RESOLVING[type] === wo.kind && after !== before) out.push({ type: 'resolved', at });
  if (type === 'confirm') out.push({ type: 'confirmed', at });
  if (after !== before && clockEnds(after) && !clockEnds(before)) out.push({ type: 'closed', at });
  return out;
}

/** Who writes a plan: a person (ctx) or the system (a job). */
interface Writer {
  ctx: Ctx | null;
  now: Date;
  actor: AuditActor;
}

function personWriter(ctx: Ctx, role: Role | null): Writer {
  return { ctx, now: ctx.now, actor: actorOf(ctx, role) };
}

/** Write a planned command: version-checked update, decision, event, clock, side effects, audit. */
async function commit(db: Db, w: Writer, wo: WorkOrderRow, expectedVersion: number, type: string, plan: Plan): Promise<{ id: string; version: number; state: WorkOrderState }> {
  const { ctx, now } = w;
  return db.transaction().execute(async (trx) => {
    const set: Record<string, unknown> = { ...plan.patch, version: sql`version + 1`, updated_at: now };
    if (plan.outcome) {
      // the outcome is sealed like the other personal-data fields (the row's version check keeps the envelope current)
      const sealed = sealWorkOrder(wo.id, { outcome: JSON.stringify(plan.outcome) }, wo.pii_sealed);
      Object.assign(set, { outcome: sealed.masked.outcome, pii_sealed: sealed.sealed, pii_index: sealed.indexes });
    }
    if (plan.slaEvents.some((e) => e.type === 'responded')) set['responded_at'] = now;
    const updated = await trx
      .updateTable('work_orders')
      .set(set)
      .where('id', '=', wo.id)
      .where('version', '=', expectedVersion)
      .returning(['version', 'state'])
      .executeTakeFirst();
    if (!updated) throw versionConflict(wo.version);
    const next = { version: updated.version, state: updated.state };
    if (plan.decision && ctx) {
      const d = plan.decision;
      await trx
        .insertInto('work_order_approvals')
        // an approval comment is kept masked only (like command notes): it is an opinion, not a record of personal data
        .values({ work_order_id: wo.id, round: d.round, step_key: d.stepKey, user_id: d.userId, user_name: ctx.user.displayName, role: d.role, decision: d.decision, comment: maskText(d.comment), at: d.at })
        .execute();
    }
    // the event and audit rows repeat what the command recorded: masked there, the original is sealed in the outcome
    const eventData = Object.fromEntries(Object.entries(plan.eventData).map(([k, v]) => [k, maskDeep(v)]));
    await insertEvent(trx, wo.id, type, now, ctx, plan.actingRole, eventData);
    if (plan.slaEvents.length > 0) {
      const clock = await trx.selectFrom('sla_clocks').select('id').where('subject_type', '=', 'workOrder').where('subject_id', '=', wo.id).executeTakeFirst();
      if (clock) await recordClockEvents(trx, clock.id, plan.slaEvents, now);
    }
    await plan.after(trx, next);
    await recordAudit(
      trx,
      w.actor,
      { action: `workOrder.${type}`, entityType: 'workOrder', entityId: wo.id, contractId: wo.contract_id, before: { state: wo.state, version: wo.version }, after: { state: next.state, version: next.version, ...eventData } },
      now,
    );
    return { id: wo.id, ...next };
  });
}

/** Grant the executor access to the data for the approved window (data work orders). */
async function grantAccess(trx: Trx, wo: WorkOrderRow, ctx: Ctx): Promise<void> {
  if (!wo.assignee_user_id || !wo.window_start || !wo.window_end) throw new AppError('WORK_ORDER_INCOMPLETE', '数据处理工单须有执行人和实施窗口');
  const d = DETAILS_SCHEMAS.dataWorkOrder.parse(wo.details ?? {});
  const scope = { tables: d.tables, personalDataCategories: d.personalDataCategories };
  const g = await trx
    .insertInto('data_access_grants')
    .values({ contract_id: wo.contract_id, work_order_id: wo.id, user_id: wo.assignee_user_id, system_key: wo.system_key, scope: JSON.stringify(scope), starts_at: wo.window_start, ends_at: wo.window_end, status: 'active', granted_at: ctx.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  const data = { grantId: g.id, userId: wo.assignee_user_id, systemKey: wo.system_key, startsAt: new Date(wo.window_start).toISOString(), endsAt: new Date(wo.window_end).toISOString() };
  await insertEvent(trx, wo.id, 'accessGranted', ctx.now, null, 'system', data);
  await recordAudit(trx, actorOf(ctx), { action: 'dataAccess.granted', entityType: 'dataAccessGrant', entityId: g.id, contractId: wo.contract_id, after: { workOrderId: wo.id, number: wo.number, ...data, scope } }, ctx.now);
}

/** End the active grants of an order (work finished or cancelled). */
async function endGrants(trx: Trx, wo: WorkOrderRow, ctx: Ctx, status: 'revoked', reason: string): Promise<void> {
  const ended = await trx
    .updateTable('data_access_grants')
    .set({ status, ended_at: ctx.now, end_reason: reason })
    .where('work_order_id', '=', wo.id)
    .where('status', '=', 'active')
    .returning(['id'])
    .execute();
  for (const g of ended) {
    await insertEvent(trx, wo.id, 'accessRevoked', ctx.now, null, 'system', { grantId: g.id, reason });
    await recordAudit(trx, actorOf(ctx), { action: 'dataAccess.revoked', entityType: 'dataAccessGrant', entityId: g.id, contractId: wo.contract_id, after: { workOrderId: wo.id, number: wo.number, reason } }, ctx.now);
  }
}

async function insertLink(trx: Trx, wo: WorkOrderRow, ctx: Ctx, targetType: 'incident' | 'workOrder', targetId: string, relation: string): Promise<void> {
  await trx
    .insertInto('work_order_links')
    .values({ work_order_id: wo.id, target_type: targetType, target_id: targetId, relation, created_by: ctx.user.id, created_at: ctx.now })
    .onConflict((oc) => oc.columns(['work_order_id', 'target_type', 'target_id', 'relation']).doNothing())
    .execute();
}

/** Attach a file to a work order (evidence, output files, test reports); on its timeline and audited. */
export async function addWorkOrderAttachment(db: Db, ctx: Ctx, id: string, fileName: string, content: Buffer, scanner: FileScanner | null) {
  const { wo, roles } = await loadVisible(db, ctx, id, PARTICIPANTS);
  if (stateOf(wo) === 'cancelled') throw new AppError('WORK_ORDER_TRANSITION_FORBIDDEN', '已取消的工单不能再上传附件');
  const file = await prepareAttachment(db, ctx, { contractId: wo.contract_id, subjectType: 'workOrder', subjectId: id }, fileName, content, scanner);
  const role = roles.find((r) => PARTICIPANTS.includes(r)) ?? null;
  return db.transaction().execute(async (trx) => {
    const a = await insertAttachment(trx, ctx, wo.contract_id, 'workOrder', id, file);
    await insertEvent(trx, id, 'attachmentAdded', ctx.now, ctx, role, { attachmentId: a.id, fileName: a.fileName, sizeBytes: a.sizeBytes, sm3: a.digest });
    return a;
  });
}

/**
 * Expire every data-access grant whose window has closed (the sweep, every
 * minute): status, timeline and audit in one transaction per batch.
 */
export async function expireAccessGrants(db: Db, now: Date, batchSize = 500): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const due = await sql<{ id: string; work_order_id: string; contract_id: string; user_id: string; ends_at: Date }>`
        SELECT id, work_order_id, contract_id, user_id, ends_at FROM data_access_grants
        WHERE status = 'active' AND ends_at <= ${now}
        ORDER BY ends_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`.execute(trx);
      for (const g of due.rows) {
        await trx.updateTable('data_access_grants').set({ status: 'expired', ended_at: now, end_reason: '实施窗口结束' }).where('id', '=', g.id).execute();
        const data = { grantId: g.id, userId: g.user_id, endsAt: new Date(g.ends_at).toISOString() };
        await insertEvent(trx, g.work_order_id, 'accessExpired', now, null, 'system', data);
        await recordAudit(trx, SYSTEM_ACTOR, { action: 'dataAccess.expired', entityType: 'dataAccessGrant', entityId: g.id, contractId: g.contract_id, after: { workOrderId: g.work_order_id, ...data } }, now);
      }
      return due.rows.length;
    });
    total += n;
    if (n < batchSize) return total;
  }
}

/**
 * Publish a scheduled content item (the job at its publication time). A
 * no-op when the item was unscheduled, rescheduled, published or cancelled meanwhile.
 */
export async function publishScheduledContent(db: Db, workOrderId: string, publishAt: string, now: Date): Promise<boolean> {
  const wo = await findWorkOrder(db, workOrderId);
  if (!wo || wo.state !== 'scheduled' || !wo.scheduled_publish_at || new Date(wo.scheduled_publish_at).toISOString() !== publishAt) return false;
  if (new Date(publishAt).getTime() > now.getTime()) return false;
  const outcome = originalOutcomeOf(wo);
  const slaEvents: SlaEvent[] = [];
  if (wo.level_key) {
    if (!wo.responded_at) slaEvents.push({ type: 'responded', at: now });
    slaEvents.push({ type: 'resolved', at: now }, { type: 'closed', at: now });
  }
  await commit(db, { ctx: null, now, actor: SYSTEM_ACTOR }, wo, wo.version, 'publish', {
    patch: { state: transition(wo.kind, 'scheduled', 'publish', { flowComplete: false }), scheduled_publish_at: null },
    outcome: { ...outcome, publishedAt: now.toISOString(), publishedBy: '系统（定时发布）' },
    eventData: { scheduled: true, publishAt },
    decision: null,
    actingRole: null,
    slaEvents,
    after: async () => undefined,
  });
  return true;
}

/** Denormalise the clock onto the work order for lists and filters. */
export async function syncWorkOrderSla(trx: Trx, workOrderId: string, clock: ClockView): Promise<void> {
  const open = clock.result.targets.filter((t) => t.state === 'running' || t.state === 'atRisk' || t.state === 'paused');
  const dues = open.filter((t) => t.dueAt).map((t) => t.dueAt ?? '').sort();
  await trx
    .updateTable('work_orders')
    .set({
      sla_next_deadline_at: clock.nextDeadlineAt,
      sla_due_at: dues[0] ?? null,
      sla_breached: clock.result.targets.some((t) => t.state === 'breached'),
      sla_at_risk: clock.result.targets.some((t) => t.state === 'atRisk'),
    })
    .where('id', '=', workOrderId)
    .execute();
}

// Every clock recomputation (events, the sweep, calendar corrections) keeps the work-order row in step.
registerClockSubject('workOrder', syncWorkOrderSla);
