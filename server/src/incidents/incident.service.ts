/**
 * Incident use cases. Every change is written with its timeline event, its
 * SLA clock (recomputed from the history read with the incident) and its
 * audit row, all or nothing: one autocommitted statement (incident.repo
 * `insertIncident`, `writeIncidentCommand`), or a transaction when report-up
 * notices join it. A version check refuses concurrent updates instead of
 * losing one silently.
 */
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import { first, precompiled, type Placeholders } from '../db/precompiled.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../shared/context.ts';
import { auditRow, lateMarker } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { requireContractAccess, requireLocatedRecordOfGrants } from '../contracts/contract-access.ts';
import { grantsColumn } from '../contracts/contract.repo.ts';
import { assertPlaceInScope, reachFilter, resolveSite } from '../contracts/scope.ts';
import { DEFAULT_LABEL, labelName, labelsWithin, mayRead, type SecurityLabel } from '../labels/security-label.ts';
import { labelMac, readLabel, type ReadLabel } from '../labels/label-mac.ts';
import { assertLabelWithinClearance, LABEL_EVENT_NAME } from '../labels/label-rules.ts';
import { LABEL_SETTERS } from '../auth/roles.ts';
import type { Role } from '../auth/roles.ts';
import type { TContractDefinition } from '../contracts/contract-definition.schema.ts';
import { loadSlaContext } from '../sla/sla-context.ts';
import { findClock, prepareClockEvents, prepareNewClock, registerClockSubject, registerClockSubjectSql, type ClockView, type PreparedClockWrite } from '../sla/sla-clock.service.ts';
import { clockOfSubjectColumn, parseVersionedClock, type RawVersionedClock } from '../sla/sla-clock.repo.ts';
import { insertIncident, syncIncidentSlaFromClocks, updateIncidentSlaColumns, writeIncidentCommand } from './incident.repo.ts';
import type { SlaEvent, SlaTargetKind } from '../sla/sla-engine.ts';
import { createReportUpNotices, hasReportUpNotices } from '../notices/report-up.service.ts';
import { maskText } from '../privacy/pii.ts';
import { piiLookupIndex, sealIncident, type IncidentPiiField } from './incident-pii.ts';
import { PII_REVEALERS } from '../privacy/reveal.service.ts';
import { randomUUID } from 'node:crypto';
import {
  ACTION_NAMES,
  STATUS_NAMES,
  isAllowedFrom,
  suggestLevel,
  transition,
  type ImpactAnswers,
  type IncidentStatus,
  type LifecycleAction,
  type WaitingReason,
} from './incident-state.ts';

const VENDOR_HANDLERS: readonly Role[] = ['vendorProjectManager', 'vendorTeamLead', 'deskAgent', 'engineer', 'onsiteEngineer'];
/** Roles that may report an incident and add to it (comments, attachments). */
export const REPORTERS: readonly Role[] = ['agencyAdmin', 'agencyProjectLead', 'agencyLeader', 'agencyReviewer', ...VENDOR_HANDLERS];

/** Intake channels. */
export const CHANNELS = ['web', 'phone', 'hotline', 'wechat', 'qq', 'email', 'inspection', 'api', 'monitoring'] as const;
export type Channel = (typeof CHANNELS)[number];

/** Input of a new incident. */
export interface NewIncident {
  title: string;
  description: string;
  systemKey: string;
  /** A site of the contract's `sites` (sets district and street, and the zone unless given). */
  siteKey?: string | undefined;
  site?: string | undefined;
  siteZone?: 'urban' | 'suburban' | undefined;
  channel: Channel;
  reporterName: string;
  reporterOrg?: string | undefined;
  reporterContact?: string | undefined;
  /** First report: the clock starts here, not when the record was typed in. */
  reportedAt: Date;
  impact: ImpactAnswers;
  levelKey?: string | undefined;
  levelReason?: string | undefined;
  tags?: string[] | undefined;
  /** Security label; within the reporter's clearance (default 内部). */
  securityLabel?: SecurityLabel | undefined;
}

/** A command on an existing incident, with the version the caller last saw. */
export type IncidentCommand =
  | { type: Exclude<LifecycleAction['type'], 'wait'>; note?: string | undefined; occurredAt?: Date | undefined; resolution?: string | undefined; satisfaction?: number | undefined }
  | { type: 'wait'; reason: WaitingReason; note?: string | undefined; occurredAt?: Date | undefined }
  | { type: 'assign'; line: 1 | 2; assigneeUserId?: string | undefined; team?: string | undefined; supplierName?: string | undefined; note?: string | undefined }
  | { type: 'changeLevel'; levelKey: string; reason: string }
  | { type: 'leaderApproval'; instruction: string }
  | { type: 'supplierConsent'; supplierName: string; note?: string | undefined }
  | { type: 'reportedUp'; note: string; occurredAt?: Date | undefined }
  | { type: 'analysisSubmitted'; note: string }
  | { type: 'emergencyPlanSubmitted'; note: string }
  | { type: 'setDeadline'; dueAt: Date; targetKind?: SlaTargetKind | undefined }
  | { type: 'comment'; text: string };

const COMMAND_ROLES: Record<IncidentCommand['type'], readonly Role[]> = {
  acknowledge: VENDOR_HANDLERS,
  arrive: VENDOR_HANDLERS,
  startWork: VENDOR_HANDLERS,
  wait: VENDOR_HANDLERS,
  resume: VENDOR_HANDLERS,
  resolve: VENDOR_HANDLERS,
  callback: ['vendorProjectManager', 'vendorTeamLead', 'deskAgent'],
  close: ['vendorProjectManager', 'vendorTeamLead', 'deskAgent', 'agencyProjectLead'],
  reopen: ['vendorProjectManager', 'vendorTeamLead', 'deskAgent', 'agencyProjectLead', 'agencyAdmin', 'agencyReviewer'],
  assign: ['vendorProjectManager', 'vendorTeamLead', 'deskAgent'],
  changeLevel: ['vendorProjectManager', 'vendorTeamLead', 'deskAgent', 'agencyProjectLead'],
  leaderApproval: ['agencyLeader'],
  supplierConsent: ['agencyProjectLead', 'agencyLeader'],
  reportedUp: VENDOR_HANDLERS,
  analysisSubmitted: VENDOR_HANDLERS,
  emergencyPlanSubmitted: VENDOR_HANDLERS,
  setDeadline: ['agencyProjectLead', 'agencyLeader'],
  comment: REPORTERS,
};

const COMMAND_NAMES: Record<IncidentCommand['type'], string> = {
  ...ACTION_NAMES,
  assign: '分派',
  changeLevel: '调整等级',
  leaderApproval: '领导批示',
  supplierConsent: '同意转第三方',
  reportedUp: '上报',
  analysisSubmitted: '提交故障分析报告',
  emergencyPlanSubmitted: '提交应急方案',
  setDeadline: '指定处理时限',
  comment: '备注',
};

function levelOf(def: TContractDefinition, key: string) {
  return def.severityLevels.find((l) => l.key === key);
}

/** Create an incident with its SLA clock, first event and audit row, all or nothing. */
export async function createIncident(db: Db, ctx: Ctx, contractId: string, input: NewIncident) {
  const { roles, scope, clearance, head } = await requireContractAccess(db, ctx, contractId, REPORTERS);
  const securityLabel = input.securityLabel ?? DEFAULT_LABEL;
  assertLabelWithinClearance(clearance, securityLabel);
  const sla = await loadSlaContext(db, contractId, ctx.now, head);
  const def = sla.definition;
  if (!def.systems.some((s) => s.key === input.systemKey)) {
    throw new AppError('CONTRACT_REFERENCE_UNKNOWN', `合同中没有系统「${input.systemKey}」`);
  }
  const place = resolveSite(def.sites, input);
  assertPlaceInScope(scope, place);
  const siteZone = input.siteZone ?? place.zone ?? undefined;
  if (input.reportedAt.getTime() > ctx.now.getTime() + 60_000) throw new AppError('VALIDATION_FAILED', '首次报告时间不能晚于当前时间');
  const suggested = suggestLevel(def.severityLevels, input.impact, input.systemKey);
  const levelKey = input.levelKey ?? suggested;
  if (!levelKey) throw new AppError('VALIDATION_FAILED', '无法根据影响情况判定故障等级，请选择故障等级');
  const level = levelOf(def, levelKey);
  if (!level) throw new AppError('CONTRACT_REFERENCE_UNKNOWN', `合同未定义故障等级「${levelKey}」（已定义：${def.severityLevels.map((l) => `${l.key} ${l.name}`).join('、')}）`);
  if (suggested && levelKey !== suggested && !input.levelReason?.trim()) {
    throw new AppError('VALIDATION_FAILED', `系统建议的等级为「${levelOf(def, suggested)?.name ?? suggested}」，选择其他等级须填写理由`);
  }
  const id = randomUUID();
  const pii = sealIncident(id, { title: input.title, description: input.description, reporterName: input.reporterName, reporterContact: input.reporterContact ?? null });
  const title = pii.masked.title ?? '';
  // The clock is computed first, so the incident row carries its SLA columns from the start.
  const clock = prepareNewClock(sla, { contractId, subjectType: 'incident', subjectId: id, systemKey: input.systemKey, levelKey, conditions: { siteZone, tags: input.tags }, reportedAt: input.reportedAt }, ctx.now);
  // The number is drawn by the INSERT: the audit entry holds a marker that the statement replaces with it.
  const numberMarker = lateMarker();
  const write = (q: Db | Trx) =>
    insertIncident(q, {
      row: {
        id,
        contract_id: contractId,
        title,
        description: pii.masked.description ?? '',
        pii_sealed: pii.sealed,
        pii_index: pii.indexes,
        pii_sealed_at: ctx.now,
        system_key: input.systemKey,
        site: place.site,
        site_key: place.siteKey,
        district: place.district,
        street: place.street,
        site_zone: siteZone ?? null,
        channel: input.channel,
        reporter_name: pii.masked.reporterName ?? '',
        reporter_org: input.reporterOrg ?? null,
        reporter_contact: pii.masked.reporterContact ?? null,
        reported_at: input.reportedAt,
        created_at: ctx.now,
        created_by: ctx.user.id,
        level_key: levelKey,
        suggested_level_key: suggested,
        level_reason: input.levelReason ?? null,
        impact: JSON.stringify(input.impact),
        tags: input.tags ?? [],
        status: 'new',
        leader_approval_required: level.requiresLeaderApproval !== undefined,
        updated_at: ctx.now,
        // the label's HMAC is computed here, in JS: no extra statement on the hot path
        security_label: securityLabel,
        label_mac: labelMac('incidents', id, contractId, securityLabel),
        ...slaColumnsOf(clock.view),
      },
      clock: clock.ctes,
      event: {
        type: 'created',
        at: ctx.now,
        actor_user_id: ctx.user.id,
        actor_name: ctx.user.displayName,
        actor_role: roles[0] ?? null,
        data: JSON.stringify({ reportedAt: input.reportedAt.toISOString(), channel: input.channel, levelKey, suggestedLevelKey: suggested, levelReason: input.levelReason ?? null }),
      },
      audit: auditRow(
        actorOf(ctx, roles[0] ?? null),
        { action: 'incident.created', entityType: 'incident', entityId: id, contractId, after: { number: numberMarker, title, systemKey: input.systemKey, levelKey, suggestedLevelKey: suggested, channel: input.channel, reportedAt: input.reportedAt.toISOString(), securityLabel } },
        ctx.now,
      ),
      numberMarker,
    });
  const created = { id, levelKey, suggestedLevelKey: suggested };
  // One autocommitted statement, unless the level reports up: its notices join the transaction.
  if (!hasReportUpNotices(def, levelKey)) return { ...created, number: (await write(db)).number };
  return db.transaction().execute(async (trx) => {
    const { number } = await write(trx);
    const systemName = def.systems.find((s) => s.key === input.systemKey)?.name ?? input.systemKey;
    await createReportUpNotices(trx, def, { incidentId: id, contractId, number, title, levelKey, levelName: level.name, systemName, reportedAt: input.reportedAt }, ctx.now);
    return { ...created, number };
  });
}

/** An incident's denormalised SLA columns (board sorting and filters) from its clock. */
export function slaColumnsOf(clock: ClockView) {
  let due: string | null = null;
  for (const t of clock.result.targets) {
    if ((t.state === 'running' || t.state === 'atRisk' || t.state === 'paused') && t.dueAt && (due === null || t.dueAt < due)) due = t.dueAt;
  }
  return {
    sla_next_deadline_at: clock.nextDeadlineAt,
    sla_due_at: due,
    sla_breached: clock.result.targets.some((t) => t.state === 'breached'),
    sla_at_risk: clock.result.targets.some((t) => t.state === 'atRisk'),
  };
}

/** Denormalise the clock onto the incident row for board sorting and filters. */
export async function syncSlaColumns(trx: Trx, incidentId: string, clock: ClockView): Promise<void> {
  await trx.updateTable('incidents').set(slaColumnsOf(clock)).where('id', '=', incidentId).execute();
}

/** {@link syncSlaColumns} for a batch (the sweep): one statement, and rows whose columns did not change are not written. */
export async function syncSlaColumnsBulk(trx: Trx, items: readonly { subjectId: string; view: ClockView }[]): Promise<void> {
  await updateIncidentSlaColumns(trx, items.map((i) => ({ id: i.subjectId, ...slaColumnsOf(i.view) })));
}

// Every clock recomputation (events, the sweep, calendar corrections) keeps the incident row in step.
registerClockSubject('incident', syncSlaColumns, syncSlaColumnsBulk);
// The sweep replays incident clocks in SQL and copies their summaries with this.
registerClockSubjectSql('incident', syncIncidentSlaFromClocks);

/** The error for an incident that does not exist or is outside the caller's scope. */
export function incidentNotFound(): AppError {
  return new AppError('INCIDENT_NOT_FOUND', '故障单不存在，或您无权查看');
}

/**
 * An incident with its contract's head (so the SLA context needs no query of
 * its own) and the caller's grants (so one statement decides whether they may
 * see it); `withClock`: and its SLA clock with its history, what a command
 * recomputes it from (sla-clock.repo `clockOfSubjectColumn`).
 */
function visibleIncidentQuery(withClock: boolean) {
  return precompiled((db, p: Placeholders<{ incidentId: string; userId: string; now: Date }>) =>
    db
      .selectFrom('incidents')
      .innerJoin('contracts', 'contracts.id', 'incidents.contract_id')
      .selectAll('incidents')
      .select(['contracts.current_version_id as contract_version_id', 'contracts.timezone as contract_timezone'])
      .select(grantsColumn(p.userId, p.now, sql.ref('contracts.id'), sql.ref('contracts.vendor_access_ends_at')))
      .select(withClock ? clockOfSubjectColumn('incident', sql.ref('incidents.id')) : sql<RawVersionedClock | null>`NULL::json`.as('clock'))
      .where('incidents.id', '=', p.incidentId),
  );
}
const VISIBLE_INCIDENT = visibleIncidentQuery(false);
const VISIBLE_INCIDENT_WITH_CLOCK = visibleIncidentQuery(true);

/** Load an incident the caller may see (with its clock when asked); otherwise INCIDENT_NOT_FOUND (never the record). */
async function loadVisible(db: Db, ctx: Ctx, incidentId: string, allowed?: readonly Role[], withClock = false) {
  if (!/^[0-9a-f-]{36}$/i.test(incidentId)) throw incidentNotFound();
  const row = await first(db, withClock ? VISIBLE_INCIDENT_WITH_CLOCK : VISIBLE_INCIDENT, { incidentId, userId: ctx.user.id, now: ctx.now });
  if (!row) throw incidentNotFound();
  const { contract_version_id, contract_timezone, grants, clock, ...inc } = row;
  // a label whose MAC fails reads as the highest (fail closed)
  const read = readLabel('incidents', inc);
  const { roles, clearance } = requireLocatedRecordOfGrants(ctx, { contractId: inc.contract_id, district: inc.district, street: inc.street, label: read.label }, grants, incidentNotFound, allowed);
  return {
    inc,
    label: read.label,
    read,
    roles,
    clearance,
    contractHead: { current_version_id: contract_version_id, timezone: contract_timezone },
    clock: clock ? parseVersionedClock(clock) : null,
  };
}

/**
 * Check that the caller may see an incident (and, with `allowed`, act on it
 * in one of those roles); returns its contract. For routes about an
 * incident's parts (attachments, report-up notices) that need no more.
 */
export async function requireIncidentAccess(
  db: Db,
  ctx: Ctx,
  incidentId: string,
  allowed?: readonly Role[],
): Promise<{ contractId: string; roles: Role[]; clearance: SecurityLabel; label: SecurityLabel; version: number; number: string }> {
  const { inc, roles, clearance, label } = await loadVisible(db, ctx, incidentId, allowed);
  return { contractId: inc.contract_id, roles, clearance, label, version: inc.version, number: inc.number };
}

/** How often a command is recomputed when its clock changed between its read and its write. */
const CLOCK_ATTEMPTS = 3;

/**
 * Apply a command; `expectedVersion` must match the stored version. The
 * command is computed from one read (the incident, its clock, the caller's
 * grants) and written by one statement that checks both versions. When only
 * the clock changed meanwhile (another writer recorded an event on it, e.g.
 * a report-up confirmation), the command is computed again from a fresh read.
 */
export async function applyIncidentCommand(db: Db, ctx: Ctx, incidentId: string, expectedVersion: number, cmd: IncidentCommand) {
  for (let attempt = 1; ; attempt++) {
    const r = await attemptCommand(db, ctx, incidentId, expectedVersion, cmd);
    if (r !== 'clockChanged') return r;
    if (attempt >= CLOCK_ATTEMPTS) throw versionConflict(null);
  }
}

function versionConflict(currentVersion: number | null): AppError {
  return new AppError('VERSION_CONFLICT', '该故障单已被他人修改，请刷新后重试', currentVersion === null ? undefined : { currentVersion });
}

async function attemptCommand(db: Db, ctx: Ctx, incidentId: string, expectedVersion: number, cmd: IncidentCommand): Promise<{ id: string; version: number; status: string } | 'clockChanged'> {
  const { inc, roles, contractHead, clock: storedClock } = await loadVisible(db, ctx, incidentId, undefined, true);
  const allowed = COMMAND_ROLES[cmd.type];
  const actingRole = roles.find((r) => allowed.includes(r));
  if (!actingRole && !ctx.user.isPlatformAdmin) {
    throw new AppError('FORBIDDEN', `您在该合同中的角色无权执行「${COMMAND_NAMES[cmd.type]}」`);
  }
  const sla = await loadSlaContext(db, inc.contract_id, ctx.now, contractHead);
  const def = sla.definition;
  const at = 'occurredAt' in cmd && cmd.occurredAt ? cmd.occurredAt : ctx.now;
  if (at.getTime() > ctx.now.getTime() + 60_000) throw new AppError('VALIDATION_FAILED', '发生时间不能晚于当前时间');
  if (at.getTime() < new Date(inc.reported_at).getTime()) throw new AppError('VALIDATION_FAILED', '发生时间不能早于首次报告时间');

  const patch: Record<string, unknown> = {};
  const slaEvents: SlaEvent[] = [];
  let eventData: Record<string, unknown> = {};
  const status = inc.status as IncidentStatus;

  switch (cmd.type) {
    case 'acknowledge':
    case 'arrive':
    case 'startWork':
    case 'wait':
    case 'resume':
    case 'resolve':
    case 'callback':
    case 'close':
    case 'reopen': {
      const action: LifecycleAction = cmd.type === 'wait' ? { type: 'wait', reason: cmd.reason } : { type: cmd.type };
      const next = transition({ status, leaderApprovalRequired: inc.leader_approval_required, leaderApproved: inc.leader_approval !== null }, action);
      patch['status'] = next.status;
      patch['waiting_reason'] = next.waitingReason;
      if (cmd.type === 'resolve') {
        if (!cmd.resolution?.trim()) throw new AppError('VALIDATION_FAILED', '解决故障须填写处理结果');
        patch['resolution'] = cmd.resolution;
      }
      if (cmd.type === 'callback') {
        if (!cmd.satisfaction || cmd.satisfaction < 1 || cmd.satisfaction > 5) throw new AppError('VALIDATION_FAILED', '回访须记录满意度（1–5）');
        patch['satisfaction'] = cmd.satisfaction;
        patch['callback_note'] = cmd.note ?? null;
      }
      const slaType = { acknowledge: 'responded', arrive: 'arrived', startWork: null, wait: 'paused', resume: 'resumed', resolve: 'resolved', callback: 'callbackDone', close: 'closed', reopen: 'reopened' } as const;
      const t = slaType[cmd.type];
      if (cmd.type === 'wait') slaEvents.push({ type: 'paused', at, reason: cmd.reason });
      else if (t && t !== 'paused') slaEvents.push({ type: t, at });
      eventData = { from: status, to: next.status, ...(cmd.type === 'wait' ? { reason: cmd.reason } : {}), note: cmd.note ?? null, ...(cmd.type === 'resolve' ? { resolution: cmd.resolution } : {}), ...(cmd.type === 'callback' ? { satisfaction: cmd.satisfaction } : {}) };
      break;
    }
    case 'assign': {
      if (status === 'closed') throw new AppError('INCIDENT_TRANSITION_FORBIDDEN', '已关闭的故障单不能分派');
      if (cmd.supplierName) {
        const consent = inc.supplier_consent as { supplierName?: string } | null;
        if (!consent || consent.supplierName !== cmd.supplierName) {
          throw new AppError('SUPPLIER_CONSENT_REQUIRED', `转交第三方供应商「${cmd.supplierName}」须先记录甲方同意`);
        }
      }
      if (cmd.assigneeUserId) {
        // an assignee's vendor grant counts only while the contract's vendor access lasts
        const member = await db
          .selectFrom('memberships as m')
          .innerJoin('contracts as c', 'c.id', 'm.contract_id')
          .select('m.id')
          .where('m.user_id', '=', cmd.assigneeUserId)
          .where('m.contract_id', '=', inc.contract_id)
          .where('m.revoked_at', 'is', null)
          .where('m.role', 'in', VENDOR_HANDLERS)
          .where((eb) => eb.or([eb('m.vendor_side', '=', false), eb('c.vendor_access_ends_at', '>', at)]))
          .executeTakeFirst();
        if (!member) throw new AppError('VALIDATION_FAILED', '被分派人不是该合同的乙方运维人员');
      }
      patch['line'] = cmd.line;
      patch['assignee_user_id'] = cmd.assigneeUserId ?? null;
      patch['assignee_team'] = cmd.team ?? null;
      patch['supplier_name'] = cmd.supplierName ?? null;
      eventData = { line: cmd.line, assigneeUserId: cmd.assigneeUserId ?? null, team: cmd.team ?? null, supplierName: cmd.supplierName ?? null, note: cmd.note ?? null };
      break;
    }
    case 'changeLevel': {
      const level = levelOf(def, cmd.levelKey);
      if (!level) throw new AppError('CONTRACT_REFERENCE_UNKNOWN', `合同未定义故障等级「${cmd.levelKey}」`);
      if (!cmd.reason.trim()) throw new AppError('VALIDATION_FAILED', '调整故障等级须填写理由');
      if (cmd.levelKey === inc.level_key) throw new AppError('VALIDATION_FAILED', '新等级与当前等级相同');
      if (status === 'closed') throw new AppError('INCIDENT_TRANSITION_FORBIDDEN', '已关闭的故障单不能调整等级');
      patch['level_key'] = cmd.levelKey;
      patch['level_reason'] = cmd.reason;
      patch['leader_approval_required'] = level.requiresLeaderApproval !== undefined;
      slaEvents.push({ type: 'levelChanged', at, toLevel: cmd.levelKey });
      eventData = { from: inc.level_key, to: cmd.levelKey, reason: cmd.reason };
      break;
    }
    case 'leaderApproval': {
      if (!cmd.instruction.trim()) throw new AppError('VALIDATION_FAILED', '须填写领导批示内容');
      patch['leader_approval'] = JSON.stringify({ by: ctx.user.id, byName: ctx.user.displayName, at: ctx.now.toISOString(), instruction: cmd.instruction });
      eventData = { instruction: cmd.instruction };
      break;
    }
    case 'supplierConsent': {
      patch['supplier_consent'] = JSON.stringify({ supplierName: cmd.supplierName, by: ctx.user.id, byName: ctx.user.displayName, at: ctx.now.toISOString(), note: cmd.note ?? null });
      eventData = { supplierName: cmd.supplierName, note: cmd.note ?? null };
      break;
    }
    case 'reportedUp':
      slaEvents.push({ type: 'reportedUp', at });
      eventData = { note: cmd.note };
      break;
    case 'analysisSubmitted':
      slaEvents.push({ type: 'analysisSubmitted', at: ctx.now });
      eventData = { note: cmd.note };
      break;
    case 'emergencyPlanSubmitted':
      slaEvents.push({ type: 'emergencyPlanSubmitted', at: ctx.now });
      eventData = { note: cmd.note };
      break;
    case 'setDeadline':
      if (cmd.dueAt.getTime() <= new Date(inc.reported_at).getTime()) throw new AppError('VALIDATION_FAILED', '指定的处理时限须晚于首次报告时间');
      slaEvents.push({ type: 'perTicketDeadline', at: ctx.now, dueAt: cmd.dueAt, targetKind: cmd.targetKind });
      eventData = { dueAt: cmd.dueAt.toISOString(), targetKind: cmd.targetKind ?? null };
      break;
    case 'comment':
      if (!cmd.text.trim()) throw new AppError('VALIDATION_FAILED', '备注内容不能为空');
      eventData = { text: cmd.text };
      break;
    default: {
      const never: never = cmd;
      return never;
    }
  }
  // Personal data: the columns and the timeline keep masked text; the originals go into the envelope.
  const piiChanges: Partial<Record<IncidentPiiField, string | null>> = {};
  if ('resolution' in patch) piiChanges.resolution = patch['resolution'] as string | null;
  if ('callback_note' in patch) piiChanges.callbackNote = patch['callback_note'] as string | null;
  if (Object.keys(piiChanges).length > 0) {
    const sealed = sealIncident(incidentId, piiChanges, inc.pii_sealed);
    if ('resolution' in piiChanges) patch['resolution'] = sealed.masked.resolution;
    if ('callbackNote' in piiChanges) patch['callback_note'] = sealed.masked.callbackNote;
    patch['pii_sealed'] = sealed.sealed;
    patch['pii_index'] = sealed.indexes;
  }
  eventData = Object.fromEntries(Object.entries(eventData).map(([k, v]) => [k, typeof v === 'string' ? maskText(v) : v]));

  let clock: PreparedClockWrite | null = null;
  if (slaEvents.length > 0) {
    if (!storedClock) throw new AppError('NOT_FOUND', '计时器不存在');
    clock = prepareClockEvents(sla, storedClock, slaEvents, ctx.now);
  }
  // The audit row can say what the incident becomes: it is written only if the version check passes.
  const next = { status: typeof patch['status'] === 'string' ? patch['status'] : inc.status, version: expectedVersion + 1 };
  const audit = { action: `incident.${cmd.type}`, entityType: 'incident', entityId: incidentId, contractId: inc.contract_id, before: { status: inc.status, levelKey: inc.level_key, version: inc.version }, after: { ...next, ...eventData } };
  const write = {
    incidentId,
    expectedVersion,
    set: { ...patch, ...(clock ? slaColumnsOf(clock.view) : {}), updated_at: ctx.now },
    event: { type: cmd.type, at, actor_user_id: ctx.user.id, actor_name: ctx.user.displayName, actor_role: actingRole ?? 'platformAdmin', data: JSON.stringify(eventData) },
    audit: auditRow(actorOf(ctx, actingRole ?? null), audit, ctx.now),
    clock: clock?.ctes,
  };
  // One autocommitted statement, unless a new level reports up: its notices join the transaction.
  const written =
    cmd.type === 'changeLevel' && hasReportUpNotices(def, cmd.levelKey)
      ? await db.transaction().execute(async (trx) => {
          const w = await writeIncidentCommand(trx, write);
          if (!w.ok) return w; // a failed statement has aborted the transaction: it rolls back
          const level = levelOf(def, cmd.levelKey);
          const systemName = def.systems.find((s) => s.key === inc.system_key)?.name ?? inc.system_key;
          await createReportUpNotices(trx, def, { incidentId, contractId: inc.contract_id, number: inc.number, title: inc.title, levelKey: cmd.levelKey, levelName: level?.name ?? cmd.levelKey, systemName, reportedAt: new Date(inc.reported_at) }, ctx.now);
          return w;
        })
      : await writeIncidentCommand(db, write);
  if (written.ok) return { id: incidentId, version: written.version, status: written.status };
  if (written.conflict === 'clock') return 'clockChanged';
  throw versionConflict(inc.version);
}

const LIFECYCLE: ReadonlySet<string> = new Set(['acknowledge', 'arrive', 'startWork', 'wait', 'resume', 'resolve', 'callback', 'close', 'reopen']);

/**
 * The commands this caller may give now: their roles allow it and the state
 * machine permits it in the current status. The UI shows exactly these, so the
 * rules live in one place (the leader-instruction gate is still enforced on submit).
 */
export function availableCommands(status: IncidentStatus, roles: readonly Role[], isPlatformAdmin: boolean): IncidentCommand['type'][] {
  return (Object.keys(COMMAND_ROLES) as IncidentCommand['type'][]).filter((type) => {
    if (!isPlatformAdmin && !roles.some((r) => COMMAND_ROLES[type].includes(r))) return false;
    if (LIFECYCLE.has(type)) return isAllowedFrom(status, type as LifecycleAction['type']);
    if (status === 'closed') return type === 'comment';
    return true;
  });
}

/** One incident with its timeline and its SLA clock. */
export async function getIncident(db: Db, ctx: Ctx, incidentId: string) {
  const { inc, read, roles, clearance, contractHead } = await loadVisible(db, ctx, incidentId);
  const [events, clock] = await Promise.all([
    db.selectFrom('incident_events').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute(),
    findClock(db, 'incident', incidentId),
  ]);
  const def = (await loadSlaContext(db, inc.contract_id, ctx.now, contractHead)).definition;
  const level = levelOf(def, inc.level_key);
  const system = def.systems.find((s) => s.key === inc.system_key);
  return {
    incident: toView(inc, level?.name ?? inc.level_key, system?.name ?? inc.system_key, read),
    myRoles: roles,
    canChangeLabel: ctx.user.isPlatformAdmin || roles.some((r) => LABEL_SETTERS.includes(r)),
    labelChoices: labelsWithin(clearance),
    availableCommands: availableCommands(inc.status as IncidentStatus, roles, ctx.user.isPlatformAdmin),
    canRevealPii: roles.some((r) => PII_REVEALERS.includes(r)),
    events: events.map((e) => ({
      id: String(e.id),
      type: e.type,
      typeName: e.type === 'created' ? '登记' : e.type === 'labelChanged' ? LABEL_EVENT_NAME : (COMMAND_NAMES as Record<string, string>)[e.type] ?? e.type,
      at: new Date(e.at).toISOString(),
      actorName: e.actor_name,
      actorRole: e.actor_role,
      data: Object.fromEntries(Object.entries((e.data ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? maskText(v) : v])),
    })),
    sla: clock,
  };
}

type IncidentRow = Awaited<ReturnType<typeof loadVisible>>['inc'];

function toView(inc: IncidentRow, levelName: string, systemName: string, read: ReadLabel) {
  return {
    id: inc.id,
    contractId: inc.contract_id,
    number: inc.number,
    // personal data (ID numbers, mobiles, bank cards) is masked in every response and export
    title: maskText(inc.title),
    description: maskText(inc.description),
    systemKey: inc.system_key,
    systemName,
    siteKey: inc.site_key,
    site: inc.site,
    siteZone: inc.site_zone,
    district: inc.district,
    street: inc.street,
    channel: inc.channel,
    reporterName: inc.reporter_name,
    reporterOrg: inc.reporter_org,
    reporterContact: inc.reporter_contact === null ? null : maskText(inc.reporter_contact),
    reportedAt: new Date(inc.reported_at).toISOString(),
    createdAt: new Date(inc.created_at).toISOString(),
    levelKey: inc.level_key,
    levelName,
    suggestedLevelKey: inc.suggested_level_key,
    levelReason: inc.level_reason,
    impact: (inc.impact ?? {}) as Record<string, unknown>,
    tags: inc.tags,
    status: inc.status as IncidentStatus,
    statusName: STATUS_NAMES[inc.status as IncidentStatus] ?? inc.status,
    waitingReason: inc.waiting_reason,
    line: inc.line,
    assigneeUserId: inc.assignee_user_id,
    assigneeTeam: inc.assignee_team,
    supplierName: inc.supplier_name,
    supplierConsent: inc.supplier_consent as Record<string, unknown> | null,
    leaderApprovalRequired: inc.leader_approval_required,
    leaderApproval: inc.leader_approval as Record<string, unknown> | null,
    resolution: inc.resolution === null ? null : maskText(inc.resolution),
    satisfaction: inc.satisfaction,
    callbackNote: inc.callback_note === null ? null : maskText(inc.callback_note),
    slaDueAt: inc.sla_due_at ? new Date(inc.sla_due_at).toISOString() : null,
    slaBreached: inc.sla_breached,
    slaAtRisk: inc.sla_at_risk,
    securityLabel: read.label,
    securityLabelName: labelName(read.label),
    labelIntegrityFailed: !read.intact,
    version: inc.version,
    updatedAt: new Date(inc.updated_at).toISOString(),
  };
}

/**
 * The search form of a text, as the database's `yunwei_search_double`: lower
 * case, every character written twice, so that two-character Chinese queries
 * have trigrams for the pg_trgm index.
 */
export function doubleForSearch(text: string): string {
  return [...text.toLowerCase()].map((c) => c + c).join('');
}

/** Filters of the incident list and board. */
export interface IncidentFilter {
  contractId: string;
  systemKey?: string | undefined;
  levelKey?: string | undefined;
  status?: IncidentStatus[] | undefined;
  assigneeUserId?: string | undefined;
  breached?: boolean | undefined;
  atRisk?: boolean | undefined;
  q?: string | undefined;
  openOnly?: boolean | undefined;
  limit: number;
  offset: number;
}

/** The list / board: filtered, sorted by the nearest deadline, Chinese substring search via pg_trgm. */
export async function listIncidents(db: Db, ctx: Ctx, f: IncidentFilter) {
  const access = await requireContractAccess(db, ctx, f.contractId);
  const def = (await loadSlaContext(db, f.contractId, ctx.now, access.head)).definition;
  let q = db.selectFrom('incidents').selectAll().where('contract_id', '=', f.contractId).where(reachFilter(access));
  if (f.systemKey) q = q.where('system_key', '=', f.systemKey);
  if (f.levelKey) q = q.where('level_key', '=', f.levelKey);
  if (f.status && f.status.length > 0) q = q.where('status', 'in', f.status);
  if (f.openOnly) q = q.where('status', '<>', 'closed');
  if (f.assigneeUserId) q = q.where('assignee_user_id', '=', f.assigneeUserId);
  if (f.breached !== undefined) q = q.where('sla_breached', '=', f.breached);
  if (f.atRisk !== undefined) q = q.where('sla_at_risk', '=', f.atRisk);
  const piiIndex = f.q ? piiLookupIndex(f.q) : null;
  if (piiIndex) {
    // A full phone or ID number: found by its blind index (the text holds only the masked form).
    q = q.where('id', 'in', (eb) => eb.selectFrom('incident_search').select('incident_id').where(sql<boolean>`pii_index @> ARRAY[${piiIndex}]::text[]`));
  } else if (f.q && f.q.trim()) {
    // LIKE wildcards are dropped from the query rather than escaped: escapes would be doubled too.
    const needle = doubleForSearch(f.q.trim().replace(/[\\%_]/g, ''));
    q = q.where('id', 'in', (eb) => eb.selectFrom('incident_search').select('incident_id').where('doubled', 'like', `%${needle}%`));
  }
  const rows = await q.orderBy(sql`sla_due_at ASC NULLS LAST`).orderBy('reported_at', 'desc').limit(f.limit).offset(f.offset).execute();
  const levels = new Map(def.severityLevels.map((l) => [l.key, l.name]));
  const systems = new Map(def.systems.map((s) => [s.key, s.name]));
  // A row whose label MAC fails reads as the highest label: dropped here for callers below it (fail closed).
  return rows.flatMap((r) => {
    const read = readLabel('incidents', r);
    return mayRead(access.clearance, read.label) ? [toView(r, levels.get(r.level_key) ?? r.level_key, systems.get(r.system_key) ?? r.system_key, read)] : [];
  });
}
