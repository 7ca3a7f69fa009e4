/**
 * Vendor staff roster (人员管理): who works on the contract, whether the agency
 * accepted them, their confidentiality agreement and background check, their
 * departure, and the agency's replacement requests with their deadline.
 *
 * Rules (server-side, with stable codes):
 * - a vendor person gets a contract role only when accepted by the agency and
 *   with the agreement on file (STAFF_NOT_CLEARED, see staff-clearance.ts);
 * - marking a person left revokes all their grants in the contract and ends
 *   all their sessions, in the same transaction as the audit row;
 * - a replacement request carries a persisted deadline (contract
 *   `staffing.replacement.within`, default 7 days) that a sweep turns overdue
 *   exactly once, with an in-app notification; it is fulfilled when an
 *   accepted person is linked as the replacement.
 *
 * The roster is contract-scoped: an agency user's district/street scope does
 * not restrict it (vendor staff work across districts).
 */
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../shared/context.ts';
import { isRole, type Role } from '../auth/roles.ts';
import { recordAudit, SYSTEM_ACTOR, type AuditActor } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { requireRecordRoles, requireWholeContract } from '../contracts/contract-access.ts';
import { prepareAttachment } from '../attachments/attachment.service.ts';
import type { FileScanner } from '../attachments/malware-scan.ts';
import { loadWorkingCalendar } from '../calendar/calendar.service.ts';
import { sm3Hex } from '../shared/crypto.ts';
import type { TContractDefinition, TEducationLevel } from '../contracts/contract-definition.schema.ts';
import type { StaffDocumentKind, StaffQualification } from '../db/schema.ts';
import { clearanceProblems } from './staff-clearance.ts';
import { formatLocalDateTime } from '../shared/local-time.ts';
import {
  computeReplacementDueAt,
  computeStaffingKpis,
  DEFAULT_REPLACEMENT_WITHIN,
  EDUCATION_LABELS,
  fullYearsBetween,
  localDateOf,
  STAFF_STATUS_LABELS,
  staffActionAllowed,
  type StaffAction,
} from './staff-rules.ts';
import * as repo from './staff.repo.ts';
import type { ReplacementRow, StaffRow } from './staff.repo.ts';

/** Who may read the roster. */
export const STAFF_READERS: readonly Role[] = ['agencyAdmin', 'agencyProjectLead', 'agencyLeader', 'agencyReviewer', 'auditor', 'vendorProjectManager', 'vendorTeamLead'];
/** Who registers and edits people, uploads their files and records their start (the vendor's project manager). */
export const STAFF_EDITORS: readonly Role[] = ['vendorProjectManager'];
/** Who accepts or refuses people and asks for replacements (the agency). */
export const STAFF_APPROVERS: readonly Role[] = ['agencyAdmin', 'agencyProjectLead'];
/** Who records a departure. */
export const STAFF_LEAVERS: readonly Role[] = ['vendorProjectManager', 'agencyAdmin', 'agencyProjectLead'];
/** Who may upload files to a roster entry. */
const DOCUMENT_UPLOADERS: readonly Role[] = [...STAFF_EDITORS, ...STAFF_APPROVERS];
/** Who is told when a replacement is requested / overdue. */
const REQUESTED_NOTIFY: readonly Role[] = ['vendorProjectManager'];
const OVERDUE_NOTIFY: readonly Role[] = ['vendorProjectManager', 'agencyAdmin', 'agencyProjectLead'];

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function staffNotFound(): AppError {
  return new AppError('STAFF_NOT_FOUND', '人员登记不存在，或您无权查看');
}

function requestNotFound(): AppError {
  return new AppError('STAFF_NOT_FOUND', '更换要求不存在，或您无权查看');
}

function documentNotFound(): AppError {
  return new AppError('STAFF_NOT_FOUND', '人员材料不存在，或您无权查看');
}

function versionConflict(): AppError {
  return new AppError('VERSION_CONFLICT', '该人员登记已被他人修改，请刷新后重试');
}

const ACTION_NAMES: Readonly<Record<StaffAction, string>> = {
  edit: '修改登记信息',
  accept: '确认',
  reject: '不予接受',
  activate: '登记进场',
  leave: '办理离场',
  uploadDocument: '上传材料',
  requestReplacement: '要求更换',
};

function assertAction(row: StaffRow, action: StaffAction): void {
  if (!staffActionAllowed(row.status, action)) {
    throw new AppError('STAFF_TRANSITION_FORBIDDEN', `「${row.person_name}」当前状态为「${STAFF_STATUS_LABELS[row.status]}」，不能${ACTION_NAMES[action]}`);
  }
}

/** Load a roster entry the caller may see (404 otherwise) and their roles. */
async function loadVisible(db: Db, ctx: Ctx, staffId: string, allowed: readonly Role[]): Promise<{ row: StaffRow; roles: Role[] }> {
  if (!UUID_RE.test(staffId)) throw staffNotFound();
  const row = await repo.findStaff(db, staffId);
  if (!row) throw staffNotFound();
  const roles = await requireRecordRoles(db, ctx, row.contract_id, staffNotFound, allowed);
  return { row, roles };
}

/** The audit actor acting in the first of `roles` that is allowed. */
function actorIn(ctx: Ctx, roles: readonly Role[], allowed: readonly Role[]): AuditActor {
  return actorOf(ctx, roles.find((r) => allowed.includes(r)) ?? null);
}

async function contractContext(db: Db | Trx, contractId: string) {
  const c = await repo.findContractContext(db, contractId);
  if (!c) throw staffNotFound();
  return c;
}

function vendorPartyKeys(def: TContractDefinition): Map<string, string> {
  return new Map(def.parties.filter((p) => p.side === 'vendor').map((p) => [p.key, p.name]));
}

/** Public view of a roster entry. */
function toMember(
  r: StaffRow & { username: string | null; accepted_by_name: string | null },
  ctx: { def: TContractDefinition; today: string; roles: string[]; needsBackgroundCheck: boolean },
) {
  const problems = clearanceProblems(r, ctx.needsBackgroundCheck);
  const quals = r.qualifications as StaffQualification[];
  return {
    id: r.id,
    contractId: r.contract_id,
    personName: r.person_name,
    userId: r.user_id,
    username: r.username,
    positionKey: r.position_key,
    positionName: r.position_name,
    memberPartyKey: r.member_party_key,
    memberName: r.member_party_key ? (vendorPartyKeys(ctx.def).get(r.member_party_key) ?? null) : null,
    qualifications: quals.map((q) => ({ name: q.name, ...(q.certificateNo ? { certificateNo: q.certificateNo } : {}), ...(q.issuedOn ? { issuedOn: q.issuedOn } : {}), ...(q.validUntil ? { validUntil: q.validUntil } : {}) })),
    education: r.education,
    educationLabel: EDUCATION_LABELS[r.education],
    systemStartOn: r.system_start_on,
    yearsOnSystem: fullYearsBetween(r.system_start_on, ctx.today),
    experienceYears: r.experience_years,
    backgroundCheckOn: r.background_check_on,
    backgroundCheckResult: r.background_check_result,
    agreementSignedOn: r.agreement_signed_on,
    agreementDocumentId: r.agreement_document_id,
    status: r.status,
    statusLabel: STAFF_STATUS_LABELS[r.status],
    acceptedByName: r.accepted_by_name,
    acceptedAt: r.accepted_at ? new Date(r.accepted_at).toISOString() : null,
    rejectedReason: r.rejected_reason,
    startedOn: r.started_on,
    leftOn: r.left_on,
    leftAt: r.left_at ? new Date(r.left_at).toISOString() : null,
    leftReason: r.left_reason,
    cleared: problems.length === 0,
    clearanceProblems: problems,
    roles: ctx.roles.filter(isRole),
    version: r.version,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

function toRequest(r: Awaited<ReturnType<typeof repo.listReplacementRequests>>[number]) {
  const iso = (d: Date | string | null): string | null => (d ? new Date(d).toISOString() : null);
  return {
    id: r.id,
    staffMemberId: r.staff_member_id,
    personName: r.person_name,
    reason: r.reason,
    requestedByName: r.requested_by_name,
    requestedAt: new Date(r.requested_at).toISOString(),
    dueAt: new Date(r.due_at).toISOString(),
    deadlineRule: r.deadline_rule,
    status: r.status,
    overdueAt: iso(r.overdue_at),
    replacementMemberId: r.replacement_member_id,
    replacementName: r.replacement_name,
    fulfilledAt: iso(r.fulfilled_at),
    withdrawnAt: iso(r.withdrawn_at),
    withdrawnReason: r.withdrawn_reason,
  };
}

async function membersView(db: Db | Trx, contractId: string, def: TContractDefinition, today: string, onlyId?: string) {
  const rows = await repo.listStaffWithNames(db, contractId, onlyId);
  const roles = await repo.rolesOfUsers(db, contractId, rows.flatMap((r) => (r.user_id && (r.status === 'accepted' || r.status === 'active' || r.status === 'proposed') ? [r.user_id] : [])));
  const needsBackgroundCheck = def.staffing?.clearance?.backgroundCheck === true;
  return rows.map((r) => toMember(r, { def, today, roles: r.user_id && r.status !== 'left' && r.status !== 'rejected' ? (roles.get(r.user_id) ?? []) : [], needsBackgroundCheck }));
}

/** The roster page: people, replacement requests, KPIs and the contract's staffing terms. */
export async function getRoster(db: Db, ctx: Ctx, contractId: string) {
  const roles = await requireWholeContract(db, ctx, contractId, STAFF_READERS);
  const c = await contractContext(db, contractId);
  const today = localDateOf(ctx.now, c.timezone);
  const members = await membersView(db, contractId, c.definition, today);
  const requests = await repo.listReplacementRequests(db, contractId);
  const staffing = c.definition.staffing;
  const kpis = computeStaffingKpis(
    staffing,
    members.map((m) => ({ status: m.status, positionKey: m.positionKey, education: m.education, systemStartOn: m.systemStartOn, experienceYears: m.experienceYears, qualifications: m.qualifications })),
    today,
  );
  const has = (allowed: readonly Role[]): boolean => ctx.user.isPlatformAdmin || roles.some((r) => allowed.includes(r));
  const within = staffing?.replacement?.within ?? DEFAULT_REPLACEMENT_WITHIN;
  const notice = staffing?.vendorChangeNotice;
  return {
    today,
    members,
    replacementRequests: requests.map(toRequest),
    kpis,
    positions: (staffing?.positions ?? []).map((p) => ({
      key: p.key,
      name: p.name,
      headcount: p.headcount ?? null,
      minExperienceYears: p.minExperienceYears ?? null,
      requirements: p.requirements ?? null,
      source: p.source ?? null,
    })),
    vendorParties: c.definition.parties.filter((p) => p.side === 'vendor').map((p) => ({ key: p.key, name: p.name, leadMember: p.leadMember === true })),
    replacementWithin: { amount: within.amount, unit: within.unit, source: staffing?.replacement?.source ?? null, isDefault: !staffing?.replacement },
    vendorChangeNotice: notice ? { amount: notice.within.amount, unit: notice.within.unit, writtenConsent: notice.writtenConsent === true, source: notice.source ?? null } : null,
    needsBackgroundCheck: staffing?.clearance?.backgroundCheck === true,
    permissions: { edit: has(STAFF_EDITORS), decide: has(STAFF_APPROVERS), leave: has(STAFF_LEAVERS) },
  };
}

/** One roster entry with its documents and replacement requests. */
export async function getStaffDetail(db: Db, ctx: Ctx, staffId: string) {
  const { row } = await loadVisible(db, ctx, staffId, STAFF_READERS);
  const c = await contractContext(db, row.contract_id);
  const [member] = await membersView(db, row.contract_id, c.definition, localDateOf(ctx.now, c.timezone), row.id);
  if (!member) throw staffNotFound();
  const docs = await repo.listDocuments(db, row.id);
  const requests = await repo.listReplacementRequests(db, row.contract_id, row.id);
  return {
    member,
    documents: docs.map((d) => ({ id: d.id, kind: d.kind, fileName: d.file_name, mimeType: d.mime_type, sizeBytes: d.size_bytes, digest: d.digest_sm3, uploadedAt: new Date(d.uploaded_at).toISOString(), uploadedBy: d.display_name })),
    replacementRequests: requests.map(toRequest),
  };
}

/** Input of a new roster entry. */
export interface StaffInput {
  personName: string;
  username?: string | null | undefined;
  positionKey?: string | null | undefined;
  positionName?: string | undefined;
  memberPartyKey?: string | null | undefined;
  qualifications?: StaffQualification[] | undefined;
  education: TEducationLevel;
  systemStartOn: string;
  experienceYears?: number | null | undefined;
  backgroundCheckOn?: string | null | undefined;
  backgroundCheckResult?: 'passed' | 'failed' | 'pending' | null | undefined;
}

/** Resolve position and member against the contract; throws CONTRACT_REFERENCE_UNKNOWN. */
function resolveReferences(def: TContractDefinition, input: { positionKey?: string | null | undefined; positionName?: string | undefined; memberPartyKey?: string | null | undefined }, current?: StaffRow) {
  let positionKey = input.positionKey === undefined ? (current?.position_key ?? null) : input.positionKey;
  let positionName = input.positionName ?? (input.positionKey === undefined ? current?.position_name : undefined);
  if (positionKey) {
    const pos = (def.staffing?.positions ?? []).find((p) => p.key === positionKey);
    if (!pos) throw new AppError('CONTRACT_REFERENCE_UNKNOWN', `合同未约定岗位「${positionKey}」`);
    positionName ??= pos.name;
  } else {
    positionKey = null;
  }
  if (!positionName) throw new AppError('VALIDATION_FAILED', '须填写岗位（positionKey 或 positionName）');
  const memberPartyKey = input.memberPartyKey === undefined ? (current?.member_party_key ?? null) : input.memberPartyKey;
  if (memberPartyKey && !vendorPartyKeys(def).has(memberPartyKey)) throw new AppError('CONTRACT_REFERENCE_UNKNOWN', `「${memberPartyKey}」不是本合同的乙方（联合体成员）`);
  return { positionKey, positionName, memberPartyKey };
}

/** Resolve a username to a user that is free to link in this contract. */
async function resolveLinkedUser(trx: Trx, contractId: string, username: string | null | undefined, selfId?: string): Promise<string | null> {
  if (!username) return null;
  const userId = await repo.findUserIdByUsername(trx, username);
  if (!userId) throw new AppError('NOT_FOUND', `平台账号「${username}」不存在`);
  const other = await repo.findCurrentEntryOfUser(trx, contractId, userId);
  if (other && other.id !== selfId) throw new AppError('VALIDATION_FAILED', `账号「${username}」已关联本合同在册人员「${other.person_name}」`);
  return userId;
}

function assertDateNotAfter(date: string | null | undefined, today: string, label: string): void {
  if (date && date > today) throw new AppError('VALIDATION_FAILED', `${label}（${date}）不能晚于今天（${today}）`);
}

/** Register a person (vendor project manager); status starts as 待甲方确认. */
export async function createStaff(db: Db, ctx: Ctx, contractId: string, input: StaffInput & { replacesRequestId?: string | undefined }): Promise<{ id: string }> {
  const roles = await requireWholeContract(db, ctx, contractId, STAFF_EDITORS);
  const c = await contractContext(db, contractId);
  const today = localDateOf(ctx.now, c.timezone);
  const refs = resolveReferences(c.definition, input);
  assertDateNotAfter(input.backgroundCheckOn, today, '背景审查日期');
  return db.transaction().execute(async (trx) => {
    const userId = await resolveLinkedUser(trx, contractId, input.username);
    const row = await repo.insertStaff(trx, {
      contract_id: contractId,
      person_name: input.personName,
      user_id: userId,
      position_key: refs.positionKey,
      position_name: refs.positionName,
      member_party_key: refs.memberPartyKey,
      qualifications: JSON.stringify(input.qualifications ?? []),
      education: input.education,
      system_start_on: input.systemStartOn,
      experience_years: input.experienceYears ?? null,
      background_check_on: input.backgroundCheckOn ?? null,
      background_check_result: input.backgroundCheckResult ?? null,
      status: 'proposed',
      created_by: ctx.user.id,
      created_at: ctx.now,
      updated_at: ctx.now,
    });
    const actor = actorIn(ctx, roles, STAFF_EDITORS);
    await recordAudit(trx, actor, { action: 'staff.proposed', entityType: 'staffMember', entityId: row.id, contractId, after: auditView(row) }, ctx.now);
    if (input.replacesRequestId) await linkReplacement(trx, actor, ctx.now, contractId, input.replacesRequestId, row);
    return { id: row.id };
  });
}

/** The fields of a roster entry worth keeping in the audit trail. */
function auditView(r: StaffRow) {
  return {
    personName: r.person_name,
    userId: r.user_id,
    position: r.position_key ?? r.position_name,
    memberPartyKey: r.member_party_key,
    education: r.education,
    systemStartOn: r.system_start_on,
    experienceYears: r.experience_years,
    qualifications: r.qualifications,
    backgroundCheck: r.background_check_result ? { on: r.background_check_on, result: r.background_check_result } : null,
    status: r.status,
  };
}

/** Edit a roster entry (vendor project manager). The name is fixed once the agency accepted the person. */
export async function updateStaff(db: Db, ctx: Ctx, staffId: string, patch: Partial<StaffInput> & { version: number }) {
  const { row, roles } = await loadVisible(db, ctx, staffId, STAFF_EDITORS);
  const c = await contractContext(db, row.contract_id);
  const today = localDateOf(ctx.now, c.timezone);
  assertDateNotAfter(patch.backgroundCheckOn, today, '背景审查日期');
  await db.transaction().execute(async (trx) => {
    const cur = await repo.lockStaff(trx, staffId);
    if (!cur) throw staffNotFound();
    if (cur.version !== patch.version) throw versionConflict();
    assertAction(cur, 'edit');
    if (patch.personName !== undefined && patch.personName !== cur.person_name && cur.status !== 'proposed') {
      throw new AppError('STAFF_TRANSITION_FORBIDDEN', '甲方确认后不能更改姓名；如人员变更，请登记新人员');
    }
    const refs = resolveReferences(c.definition, patch, cur);
    let userId = cur.user_id;
    if (patch.username !== undefined) {
      userId = await resolveLinkedUser(trx, cur.contract_id, patch.username, cur.id);
      if (userId !== cur.user_id && cur.user_id) {
        const held = await repo.rolesOfUsers(trx, cur.contract_id, [cur.user_id]);
        if ((held.get(cur.user_id) ?? []).length > 0) throw new AppError('STAFF_TRANSITION_FORBIDDEN', '原关联账号在本合同中仍有角色，请先撤销其角色再更换关联账号');
      }
    }
    const next = await repo.updateStaffRow(trx, cur.id, {
      person_name: patch.personName ?? cur.person_name,
      user_id: userId,
      position_key: refs.positionKey,
      position_name: refs.positionName,
      member_party_key: refs.memberPartyKey,
      ...(patch.qualifications !== undefined ? { qualifications: JSON.stringify(patch.qualifications) } : {}),
      ...(patch.education !== undefined ? { education: patch.education } : {}),
      ...(patch.systemStartOn !== undefined ? { system_start_on: patch.systemStartOn } : {}),
      ...(patch.experienceYears !== undefined ? { experience_years: patch.experienceYears } : {}),
      ...(patch.backgroundCheckOn !== undefined ? { background_check_on: patch.backgroundCheckOn } : {}),
      ...(patch.backgroundCheckResult !== undefined ? { background_check_result: patch.backgroundCheckResult } : {}),
      updated_at: ctx.now,
    });
    await recordAudit(trx, actorIn(ctx, roles, STAFF_EDITORS), { action: 'staff.updated', entityType: 'staffMember', entityId: cur.id, contractId: cur.contract_id, before: auditView(cur), after: auditView(next) }, ctx.now);
  });
}

/** The agency accepts a proposed person; a replacement they were proposed for is fulfilled. */
export async function acceptStaff(db: Db, ctx: Ctx, staffId: string, version: number): Promise<void> {
  const { roles } = await loadVisible(db, ctx, staffId, STAFF_APPROVERS);
  await db.transaction().execute(async (trx) => {
    const cur = await repo.lockStaff(trx, staffId);
    if (!cur) throw staffNotFound();
    if (cur.version !== version) throw versionConflict();
    assertAction(cur, 'accept');
    const next = await repo.updateStaffRow(trx, cur.id, { status: 'accepted', accepted_by: ctx.user.id, accepted_at: ctx.now, updated_at: ctx.now });
    const actor = actorIn(ctx, roles, STAFF_APPROVERS);
    await recordAudit(trx, actor, { action: 'staff.accepted', entityType: 'staffMember', entityId: cur.id, contractId: cur.contract_id, before: { status: cur.status }, after: { status: next.status } }, ctx.now);
    const pending = await repo.findPendingRequestForReplacement(trx, cur.id);
    if (pending) await fulfil(trx, actor, ctx.now, pending, next);
  });
}

/** The agency declines a proposed person. */
export async function rejectStaff(db: Db, ctx: Ctx, staffId: string, version: number, reason: string): Promise<void> {
  const { roles } = await loadVisible(db, ctx, staffId, STAFF_APPROVERS);
  await db.transaction().execute(async (trx) => {
    const cur = await repo.lockStaff(trx, staffId);
    if (!cur) throw staffNotFound();
    if (cur.version !== version) throw versionConflict();
    assertAction(cur, 'reject');
    await repo.updateStaffRow(trx, cur.id, { status: 'rejected', rejected_reason: reason, updated_at: ctx.now });
    await recordAudit(trx, actorIn(ctx, roles, STAFF_APPROVERS), { action: 'staff.rejected', entityType: 'staffMember', entityId: cur.id, contractId: cur.contract_id, before: { status: cur.status }, after: { status: 'rejected', reason } }, ctx.now);
  });
}

/** The vendor records that an accepted person started work (needs the signed agreement, card contract L189). */
export async function activateStaff(db: Db, ctx: Ctx, staffId: string, version: number, startedOn?: string): Promise<void> {
  const { row, roles } = await loadVisible(db, ctx, staffId, STAFF_EDITORS);
  const c = await contractContext(db, row.contract_id);
  const today = localDateOf(ctx.now, c.timezone);
  const started = startedOn ?? today;
  assertDateNotAfter(started, today, '进场日期');
  await db.transaction().execute(async (trx) => {
    const cur = await repo.lockStaff(trx, staffId);
    if (!cur) throw staffNotFound();
    if (cur.version !== version) throw versionConflict();
    assertAction(cur, 'activate');
    if (!cur.agreement_document_id) throw new AppError('STAFF_NOT_CLEARED', `「${cur.person_name}」尚未上传签署的保密协议，不能进场`);
    await repo.updateStaffRow(trx, cur.id, { status: 'active', started_on: started, updated_at: ctx.now });
    await recordAudit(trx, actorIn(ctx, roles, STAFF_EDITORS), { action: 'staff.activated', entityType: 'staffMember', entityId: cur.id, contractId: cur.contract_id, before: { status: cur.status }, after: { status: 'active', startedOn: started } }, ctx.now);
  });
}

/**
 * Record a departure: status 已离场, every grant of the linked account in this
 * contract revoked and every session of the account ended — in the same
 * transaction as the audit rows, so access ends the moment the change commits.
 */
async function leave(trx: Trx, actor: AuditActor, now: Date, cur: StaffRow, leftOn: string, reason: string) {
  const next = await repo.updateStaffRow(trx, cur.id, { status: 'left', left_on: leftOn, left_at: now, left_reason: reason, updated_at: now });
  let revoked: Awaited<ReturnType<typeof repo.revokeGrantsOfUser>> = [];
  let sessions = 0;
  if (cur.user_id) {
    revoked = await repo.revokeGrantsOfUser(trx, cur.contract_id, cur.user_id, now);
    sessions = await repo.endSessionsOfUser(trx, cur.user_id, now);
    for (const m of revoked) {
      await recordAudit(
        trx,
        actor,
        { action: 'membership.revoked', entityType: 'membership', entityId: m.id, contractId: cur.contract_id, before: { userId: cur.user_id, role: m.role, scope: m.scope_district === null ? null : { district: m.scope_district, street: m.scope_street } }, after: { reason: 'staffLeft', staffId: cur.id } },
        now,
      );
    }
  }
  await recordAudit(
    trx,
    actor,
    { action: 'staff.left', entityType: 'staffMember', entityId: cur.id, contractId: cur.contract_id, before: { status: cur.status }, after: { status: 'left', leftOn, reason, revokedGrants: revoked.map((m) => m.role), endedSessions: sessions } },
    now,
  );
  return { row: next, revokedGrants: revoked.length, endedSessions: sessions };
}

/** Mark a person as having left the project; their access ends at once. */
export async function markStaffLeft(db: Db, ctx: Ctx, staffId: string, input: { version: number; leftOn?: string | undefined; reason: string }): Promise<{ revokedGrants: number; endedSessions: number }> {
  const { row, roles } = await loadVisible(db, ctx, staffId, STAFF_LEAVERS);
  const c = await contractContext(db, row.contract_id);
  const today = localDateOf(ctx.now, c.timezone);
  const leftOn = input.leftOn ?? today;
  assertDateNotAfter(leftOn, today, '离场日期');
  return db.transaction().execute(async (trx) => {
    const cur = await repo.lockStaff(trx, staffId);
    if (!cur) throw staffNotFound();
    if (cur.version !== input.version) throw versionConflict();
    assertAction(cur, 'leave');
    const r = await leave(trx, actorIn(ctx, roles, STAFF_LEAVERS), ctx.now, cur, leftOn, input.reason);
    return { revokedGrants: r.revokedGrants, endedSessions: r.endedSessions };
  });
}

/** Store a file of a roster entry (agreement scan, background check, certificate…); content-checked like attachments. */
export async function addStaffDocument(
  db: Db,
  ctx: Ctx,
  staffId: string,
  query: { kind: StaffDocumentKind; signedOn?: string | undefined },
  fileName: string,
  content: Buffer,
  scanner: FileScanner | null,
) {
  const { row, roles } = await loadVisible(db, ctx, staffId, DOCUMENT_UPLOADERS);
  if (query.kind === 'agreement' && !query.signedOn) throw new AppError('VALIDATION_FAILED', '上传保密协议须填写签署日期（signedOn）');
  const c = await contractContext(db, row.contract_id);
  assertDateNotAfter(query.signedOn, localDateOf(ctx.now, c.timezone), '签署日期');
  const file = await prepareAttachment(db, ctx, { contractId: row.contract_id, subjectType: 'staffMember', subjectId: staffId }, fileName, content, scanner);
  const { fileName: safeName, mimeType: mime, digest } = file;
  return db.transaction().execute(async (trx) => {
    const cur = await repo.lockStaff(trx, staffId);
    if (!cur) throw staffNotFound();
    assertAction(cur, 'uploadDocument');
    const doc = await trx
      .insertInto('staff_documents')
      .values({ contract_id: cur.contract_id, staff_member_id: cur.id, kind: query.kind, file_name: safeName, mime_type: mime, size_bytes: content.length, digest_sm3: digest, content, uploaded_by: ctx.user.id, uploaded_at: ctx.now })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (query.kind === 'agreement') {
      await repo.updateStaffRow(trx, cur.id, { agreement_document_id: doc.id, agreement_signed_on: query.signedOn ?? null, updated_at: ctx.now });
    } else {
      await repo.updateStaffRow(trx, cur.id, { updated_at: ctx.now });
    }
    await recordAudit(
      trx,
      actorIn(ctx, roles, DOCUMENT_UPLOADERS),
      { action: 'staff.documentAdded', entityType: 'staffDocument', entityId: doc.id, contractId: cur.contract_id, after: { staffId: cur.id, kind: query.kind, signedOn: query.signedOn ?? null, fileName: safeName, mimeType: mime, sizeBytes: content.length, digest } },
      ctx.now,
    );
    return { id: doc.id, fileName: safeName, mimeType: mime, sizeBytes: content.length, digest };
  });
}

/** Download a roster file the caller may read (404 otherwise); audited. */
export async function readStaffDocument(db: Db, ctx: Ctx, documentId: string) {
  if (!UUID_RE.test(documentId)) throw documentNotFound();
  const d = await repo.findDocument(db, documentId);
  if (!d) throw documentNotFound();
  const roles = await requireRecordRoles(db, ctx, d.contract_id, documentNotFound, STAFF_READERS);
  await db.transaction().execute((trx) =>
    recordAudit(trx, actorIn(ctx, roles, STAFF_READERS), { action: 'staff.documentDownloaded', entityType: 'staffDocument', entityId: d.id, contractId: d.contract_id, after: { staffId: d.staff_member_id, kind: d.kind, fileName: d.file_name } }, ctx.now),
  );
  if (d.content === null) throw new AppError('STAFF_NOT_FOUND', `该文件已于 ${formatLocalDateTime(d.destroyed_at ?? ctx.now)} 在合同终止时销毁（已随返还数据包交给甲方）`);
  return { fileName: d.file_name, mimeType: d.mime_type, content: d.content };
}

/**
 * The agency asks for a person to be replaced: the deadline (contract
 * `staffing.replacement.within`, default 7 days) is computed now and stored;
 * the vendor's project managers are notified. With `removeNow`, the person
 * also leaves at once (their access ends).
 */
export async function requestReplacement(db: Db, ctx: Ctx, staffId: string, input: { reason: string; removeNow?: boolean | undefined }) {
  const { row, roles } = await loadVisible(db, ctx, staffId, STAFF_APPROVERS);
  const c = await contractContext(db, row.contract_id);
  const calendar = await loadWorkingCalendar(db, ctx.now);
  const within = c.definition.staffing?.replacement?.within ?? DEFAULT_REPLACEMENT_WITHIN;
  const deadline = computeReplacementDueAt({ requestedAt: ctx.now, within, timezone: c.timezone, isRestDay: (d) => !calendar.isWorkday(d) });
  const actor = actorIn(ctx, roles, STAFF_APPROVERS);
  return db.transaction().execute(async (trx) => {
    const cur = await repo.lockStaff(trx, staffId);
    if (!cur) throw staffNotFound();
    assertAction(cur, 'requestReplacement');
    if (await repo.findPendingRequestAbout(trx, cur.id)) throw new AppError('STAFF_TRANSITION_FORBIDDEN', `已对「${cur.person_name}」提出更换要求，尚未完成`);
    const req = await trx
      .insertInto('staff_replacement_requests')
      .values({ contract_id: cur.contract_id, staff_member_id: cur.id, reason: input.reason, requested_by: ctx.user.id, requested_at: ctx.now, due_at: deadline.dueAt, deadline_rule: deadline.rule, status: 'open' })
      .returning(['id', 'due_at'])
      .executeTakeFirstOrThrow();
    await recordAudit(
      trx,
      actor,
      { action: 'staff.replacementRequested', entityType: 'staffReplacement', entityId: req.id, contractId: cur.contract_id, after: { staffId: cur.id, personName: cur.person_name, reason: input.reason, dueAt: deadline.dueAt.toISOString(), rule: deadline.rule, removeNow: input.removeNow === true } },
      ctx.now,
    );
    if (input.removeNow) await leave(trx, actor, ctx.now, cur, localDateOf(ctx.now, c.timezone), `甲方要求更换：${input.reason}`);
    const vendorPms = await repo.usersWithRoles(trx, cur.contract_id, REQUESTED_NOTIFY);
    await repo.notifyUsers(trx, vendorPms, {
      contractId: cur.contract_id,
      kind: 'staff.replacementRequested',
      title: `【人员更换】甲方要求更换「${cur.person_name}」`,
      body: `理由：${input.reason}。更换时限：${deadline.rule}。`,
      subjectType: 'staffReplacement',
      subjectId: req.id,
      dedupeKey: `staff.replacementRequested:${req.id}`,
      now: ctx.now,
    });
    return { id: req.id, dueAt: new Date(req.due_at).toISOString(), deadlineRule: deadline.rule };
  });
}

/** Link `member` as the replacement of a pending request; fulfil it when the member is already accepted. */
async function linkReplacement(trx: Trx, actor: AuditActor, now: Date, contractId: string, requestId: string, member: StaffRow): Promise<ReplacementRow> {
  if (!UUID_RE.test(requestId)) throw requestNotFound();
  const req = await repo.lockReplacementRequest(trx, requestId);
  if (!req || req.contract_id !== contractId) throw requestNotFound();
  if (req.status !== 'open' && req.status !== 'overdue') throw new AppError('STAFF_TRANSITION_FORBIDDEN', '该更换要求已完成或已撤回');
  if (req.staff_member_id === member.id) throw new AppError('VALIDATION_FAILED', '替换人员不能是被要求更换的人员本人');
  if (member.contract_id !== contractId) throw staffNotFound();
  if (member.status === 'left' || member.status === 'rejected') throw new AppError('STAFF_TRANSITION_FORBIDDEN', `「${member.person_name}」状态为「${STAFF_STATUS_LABELS[member.status]}」，不能作为替换人员`);
  const linked = await trx
    .updateTable('staff_replacement_requests')
    .set({ replacement_member_id: member.id })
    .where('id', '=', req.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, actor, { action: 'staff.replacementLinked', entityType: 'staffReplacement', entityId: req.id, contractId, after: { replacementStaffId: member.id, personName: member.person_name } }, now);
  if (member.status === 'accepted' || member.status === 'active') return fulfil(trx, actor, now, linked, member);
  return linked;
}

/** Fulfil a request by an accepted replacement; the replaced person leaves if still on the roster. */
async function fulfil(trx: Trx, actor: AuditActor, now: Date, req: ReplacementRow, member: StaffRow): Promise<ReplacementRow> {
  const done = await trx
    .updateTable('staff_replacement_requests')
    .set({ status: 'fulfilled', fulfilled_at: now, replacement_member_id: member.id })
    .where('id', '=', req.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(
    trx,
    actor,
    { action: 'staff.replacementFulfilled', entityType: 'staffReplacement', entityId: req.id, contractId: req.contract_id, before: { status: req.status }, after: { status: 'fulfilled', replacementStaffId: member.id, late: req.status === 'overdue' } },
    now,
  );
  const replaced = await repo.lockStaff(trx, req.staff_member_id);
  if (replaced && staffActionAllowed(replaced.status, 'leave')) {
    const ctxZone = await repo.findContractContext(trx, req.contract_id);
    await leave(trx, actor, now, replaced, localDateOf(now, ctxZone?.timezone ?? 'Asia/Shanghai'), `已由「${member.person_name}」替换`);
  }
  return done;
}

/** The vendor names an already registered person as the replacement of a request. */
export async function fulfilReplacement(db: Db, ctx: Ctx, requestId: string, replacementStaffId: string) {
  if (!UUID_RE.test(requestId)) throw requestNotFound();
  const req = await repo.findReplacementRequest(db, requestId);
  if (!req) throw requestNotFound();
  const roles = await requireRecordRoles(db, ctx, req.contract_id, requestNotFound, STAFF_EDITORS);
  return db.transaction().execute(async (trx) => {
    const member = await repo.lockStaff(trx, replacementStaffId);
    if (!member || member.contract_id !== req.contract_id) throw staffNotFound();
    const r = await linkReplacement(trx, actorIn(ctx, roles, STAFF_EDITORS), ctx.now, req.contract_id, requestId, member);
    return { id: r.id, status: r.status };
  });
}

/** The agency withdraws a pending replacement request. */
export async function withdrawReplacement(db: Db, ctx: Ctx, requestId: string, reason: string): Promise<void> {
  if (!UUID_RE.test(requestId)) throw requestNotFound();
  const req = await repo.findReplacementRequest(db, requestId);
  if (!req) throw requestNotFound();
  const roles = await requireRecordRoles(db, ctx, req.contract_id, requestNotFound, STAFF_APPROVERS);
  await db.transaction().execute(async (trx) => {
    const cur = await repo.lockReplacementRequest(trx, requestId);
    if (!cur) throw requestNotFound();
    if (cur.status !== 'open' && cur.status !== 'overdue') throw new AppError('STAFF_TRANSITION_FORBIDDEN', '该更换要求已完成或已撤回');
    await trx.updateTable('staff_replacement_requests').set({ status: 'withdrawn', withdrawn_at: ctx.now, withdrawn_reason: reason }).where('id', '=', cur.id).execute();
    await recordAudit(trx, actorIn(ctx, roles, STAFF_APPROVERS), { action: 'staff.replacementWithdrawn', entityType: 'staffReplacement', entityId: cur.id, contractId: cur.contract_id, before: { status: cur.status }, after: { status: 'withdrawn', reason } }, ctx.now);
  });
}

/**
 * The sweep: every open request past its deadline becomes overdue, exactly
 * once (the update is conditional on status 'open'), with an audit row and
 * an in-app notification to both sides. Returns how many it marked.
 */
export async function sweepOverdueReplacements(db: Db, now: Date, batch = 200): Promise<number> {
  let marked = 0;
  for (;;) {
    const ids = await repo.findDueReplacementIds(db, now, batch);
    for (const id of ids) {
      const changed = await db.transaction().execute(async (trx) => {
        const r = await repo.markReplacementOverdue(trx, id, now);
        if (!r) return false;
        const person = await repo.findStaff(trx, r.staff_member_id);
        await recordAudit(trx, SYSTEM_ACTOR, { action: 'staff.replacementOverdue', entityType: 'staffReplacement', entityId: r.id, contractId: r.contract_id, before: { status: 'open' }, after: { status: 'overdue', dueAt: new Date(r.due_at).toISOString() } }, now);
        const users = await repo.usersWithRoles(trx, r.contract_id, OVERDUE_NOTIFY);
        await repo.notifyUsers(trx, users, {
          contractId: r.contract_id,
          kind: 'staff.replacementOverdue',
          title: `【人员更换超时】「${person?.person_name ?? ''}」的更换未按期完成`,
          body: `甲方于 ${formatLocalDateTime(r.requested_at)} 要求更换，时限（${r.deadline_rule}）已过，尚未完成更换。`,
          subjectType: 'staffReplacement',
          subjectId: r.id,
          dedupeKey: `staff.replacementOverdue:${r.id}`,
          now,
        });
        return true;
      });
      if (changed) marked++;
    }
    if (ids.length < batch) break;
  }
  return marked;
}

/**
 * Bootstrap only (demo seed, CLI set-up, test factories): put a person on the
 * roster already accepted, active and with an agreement on file, so that the
 * grant rule holds for seeded accounts too. Audited as the system. Idempotent
 * per (contract, user).
 */
export async function enrolClearedStaff(
  db: Db,
  input: { contractId: string; userId: string; personName: string; positionName: string; positionKey?: string | null; memberPartyKey?: string | null; education?: TEducationLevel; systemStartOn: string; agreementSignedOn: string; qualifications?: StaffQualification[]; experienceYears?: number | null },
  now: Date,
): Promise<{ id: string }> {
  return db.transaction().execute(async (trx) => {
    const existing = await repo.findCurrentEntryOfUser(trx, input.contractId, input.userId);
    if (existing) return { id: existing.id };
    const row = await repo.insertStaff(trx, {
      contract_id: input.contractId,
      person_name: input.personName,
      user_id: input.userId,
      position_key: input.positionKey ?? null,
      position_name: input.positionName,
      member_party_key: input.memberPartyKey ?? null,
      qualifications: JSON.stringify(input.qualifications ?? []),
      education: input.education ?? 'bachelor',
      system_start_on: input.systemStartOn,
      experience_years: input.experienceYears ?? null,
      background_check_on: input.agreementSignedOn,
      background_check_result: 'passed',
      status: 'active',
      accepted_at: now,
      started_on: input.agreementSignedOn,
      created_at: now,
      updated_at: now,
    });
    const content = placeholderAgreementPdf(input.personName, input.agreementSignedOn);
    const doc = await trx
      .insertInto('staff_documents')
      .values({ contract_id: input.contractId, staff_member_id: row.id, kind: 'agreement', file_name: '保密协议（初始化登记）.pdf', mime_type: 'application/pdf', size_bytes: content.length, digest_sm3: sm3Hex(content), content, uploaded_by: null, uploaded_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.updateTable('staff_members').set({ agreement_document_id: doc.id, agreement_signed_on: input.agreementSignedOn }).where('id', '=', row.id).execute();
    await recordAudit(trx, SYSTEM_ACTOR, { action: 'staff.enrolled', entityType: 'staffMember', entityId: row.id, contractId: input.contractId, after: { ...auditView(row), status: 'active', agreementSignedOn: input.agreementSignedOn } }, now);
    return { id: row.id };
  });
}

/** A minimal valid PDF noting that the agreement was registered at set-up (the paper original is kept offline). */
function placeholderAgreementPdf(personName: string, signedOn: string): Buffer {
  const text = `Confidentiality agreement registered at set-up: ${Buffer.from(personName, 'utf8').toString('hex')} ${signedOn}`;
  const body = `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n% ${text}\ntrailer<</Root 1 0 R>>\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
