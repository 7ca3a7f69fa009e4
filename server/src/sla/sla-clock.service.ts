/**
 * Persisted SLA clocks for tickets of any kind (incidents, work orders, …).
 * Each clock keeps its event history; every event recomputes the clock with
 * the pure engine in the caller's transaction and stores the next deadline in
 * an indexed column. The sweep picks up clocks whose next deadline has passed,
 * recomputes them and fires each warning and breach exactly once.
 */
import { sql } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { enqueueJob } from '../jobs/job.queue.ts';
import { computeSla, type SlaConditions, type SlaEvent, type SlaResult, type SlaTargetKind } from './sla-engine.ts';
import { loadSlaContext } from './sla-context.ts';
import { slaSignalFiredJob } from './sla.jobs.ts';

/** Keeps a ticket kind's own columns (e.g. an incident's nearest deadline) in step with its clock. */
export type ClockSubjectSync = (trx: Trx, subjectId: string, view: ClockView) => Promise<void>;

const subjectSyncs = new Map<string, ClockSubjectSync>();

/**
 * Register the sync of a ticket kind. Every recomputation (an event, the
 * sweep, a calendar correction) calls it in the same transaction, so the
 * ticket's denormalised SLA columns never go stale.
 */
export function registerClockSubject(subjectType: string, sync: ClockSubjectSync): void {
  subjectSyncs.set(subjectType, sync);
}

/** Opening facts of a ticket's clock. */
export interface OpenClockInput {
  contractId: string;
  subjectType: string;
  subjectId: string;
  systemKey: string | null;
  levelKey: string;
  conditions: SlaConditions;
  /** When the fault was first reported: the clock starts here, not when someone typed it in. */
  reportedAt: Date;
}

type StoredEvent = { type: string; at: Date; data: Record<string, unknown> };

function toEngineEvent(e: StoredEvent): SlaEvent {
  switch (e.type) {
    case 'created':
      return { type: 'created', at: e.at, level: String(e.data['level']) };
    case 'levelChanged':
      return { type: 'levelChanged', at: e.at, toLevel: String(e.data['toLevel']) };
    case 'paused':
      return { type: 'paused', at: e.at, reason: String(e.data['reason']) };
    case 'perTicketDeadline': {
      const targetKind = e.data['targetKind'];
      return {
        type: 'perTicketDeadline',
        at: e.at,
        dueAt: new Date(String(e.data['dueAt'])),
        targetKind: typeof targetKind === 'string' ? (targetKind as SlaTargetKind) : undefined,
      };
    }
    default:
      return { type: e.type as Exclude<SlaEvent['type'], 'created' | 'levelChanged' | 'paused' | 'perTicketDeadline'>, at: e.at };
  }
}

function toStored(e: SlaEvent): { type: string; at: Date; data: Record<string, unknown> } {
  switch (e.type) {
    case 'created':
      return { type: e.type, at: e.at, data: { level: e.level } };
    case 'levelChanged':
      return { type: e.type, at: e.at, data: { toLevel: e.toLevel } };
    case 'paused':
      return { type: e.type, at: e.at, data: { reason: e.reason } };
    case 'perTicketDeadline':
      return { type: e.type, at: e.at, data: { dueAt: e.dueAt.toISOString(), ...(e.targetKind ? { targetKind: e.targetKind } : {}) } };
    default:
      return { type: e.type, at: e.at, data: {} };
  }
}

/** A clock's computed state as stored and served (instants as ISO strings). */
export interface ClockView {
  clockId: string;
  levelKey: string;
  isOpen: boolean;
  nextDeadlineAt: string | null;
  result: SlaResultJson;
}

/** {@link SlaResult} with every Date as an ISO string. */
export type SlaResultJson = JsonOf<SlaResult>;

/** Recursively replace Date with string. */
export type JsonOf<T> = T extends Date ? string : T extends readonly (infer U)[] ? JsonOf<U>[] : T extends object ? { [K in keyof T]: JsonOf<T[K]> } : T;

/** Serialise an engine result for storage and the API. */
export function serializeSlaResult(result: SlaResult): SlaResultJson {
  return JSON.parse(JSON.stringify(result)) as SlaResultJson;
}

/** Open a clock for a new ticket and compute it. */
export async function openClock(trx: Trx, input: OpenClockInput, now: Date): Promise<ClockView> {
  const ctx = await loadSlaContext(trx, input.contractId, now);
  if (!ctx.levels.some((l) => l.key === input.levelKey)) {
    throw new AppError('VALIDATION_FAILED', `合同未定义故障等级「${input.levelKey}」`);
  }
  const clock = await trx
    .insertInto('sla_clocks')
    .values({
      contract_id: input.contractId,
      subject_type: input.subjectType,
      subject_id: input.subjectId,
      system_key: input.systemKey,
      conditions: JSON.stringify(input.conditions),
      level_key: input.levelKey,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return recordClockEvents(trx, clock.id, [{ type: 'created', at: input.reportedAt, level: input.levelKey }], now);
}

/**
 * Append events to a clock and recompute it in `trx` (the caller's
 * transaction, together with the ticket change and its audit row).
 */
export async function recordClockEvents(trx: Trx, clockId: string, events: readonly SlaEvent[], now: Date): Promise<ClockView> {
  if (events.length > 0) {
    await trx
      .insertInto('sla_events')
      .values(events.map((e) => {
        const s = toStored(e);
        return { clock_id: clockId, type: s.type, at: s.at, data: JSON.stringify(s.data), recorded_at: now };
      }))
      .execute();
  }
  return recomputeClock(trx, clockId, now);
}

/** Recompute a clock from its whole event history (after an event, a calendar correction, or in the sweep). */
export async function recomputeClock(trx: Trx, clockId: string, now: Date): Promise<ClockView> {
  const clock = await trx.selectFrom('sla_clocks').selectAll().where('id', '=', clockId).forUpdate().executeTakeFirst();
  if (!clock) throw new AppError('NOT_FOUND', '计时器不存在');
  const ctx = await loadSlaContext(trx, clock.contract_id, now);
  const rows = await trx.selectFrom('sla_events').select(['type', 'at', 'data']).where('clock_id', '=', clockId).orderBy('id').execute();
  const events = rows.map((r) => toEngineEvent({ type: r.type, at: new Date(r.at), data: (r.data ?? {}) as Record<string, unknown> }));
  const result = computeSla({
    levels: ctx.levels,
    windows: ctx.windows,
    defaultWindowKey: ctx.windowForSystem(clock.system_key),
    events,
    now,
    warnAt: ctx.warnAt,
    pauseOn: ctx.pauseOn,
    conditions: clock.conditions as SlaConditions,
  });
  const isOpen = !events.some((e) => e.type === 'closed') || events.findLastIndex((e) => e.type === 'reopened') > events.findLastIndex((e) => e.type === 'closed');
  await trx
    .updateTable('sla_clocks')
    .set({
      level_key: result.levelKey,
      is_open: isOpen,
      next_deadline_at: result.nextDeadlineAt,
      result: JSON.stringify(serializeSlaResult(result)),
      computed_at: now,
      calendar_version: result.calendarVersion,
      contract_version_id: ctx.versionId,
    })
    .where('id', '=', clockId)
    .execute();
  await fireSignals(trx, clockId, clock.contract_id, clock.subject_type, clock.subject_id, result, now);
  const view: ClockView = { clockId, levelKey: result.levelKey, isOpen, nextDeadlineAt: result.nextDeadlineAt?.toISOString() ?? null, result: serializeSlaResult(result) };
  await subjectSyncs.get(clock.subject_type)?.(trx, clock.subject_id, view);
  return view;
}

/**
 * Record each warning and breach once per deadline. A signal that is new
 * enqueues a notification job in the same transaction.
 */
async function fireSignals(trx: Trx, clockId: string, contractId: string, subjectType: string, subjectId: string, result: SlaResult, now: Date): Promise<number> {
  const candidates: { target_key: string; kind: 'warning' | 'breach'; percent: number; deadline_at: Date }[] = [];
  for (const t of result.targets) {
    if (!t.dueAt) continue;
    if (t.state === 'breached' && t.breachedAt) candidates.push({ target_key: t.key, kind: 'breach', percent: 100, deadline_at: t.dueAt });
    if (t.state === 'met' || t.state === 'waived') continue;
    for (const w of t.warnings) {
      if (w.crossed && w.percent < 100) candidates.push({ target_key: t.key, kind: 'warning', percent: w.percent, deadline_at: t.dueAt });
    }
  }
  if (candidates.length === 0) return 0;
  const inserted = await trx
    .insertInto('sla_signals')
    .values(candidates.map((c) => ({ ...c, clock_id: clockId, contract_id: contractId, fired_at: now })))
    .onConflict((oc) => oc.columns(['clock_id', 'target_key', 'kind', 'percent', 'deadline_at']).doNothing())
    .returning('id')
    .execute();
  for (const s of inserted) {
    await enqueueJob(trx, slaSignalFiredJob, { signalId: String(s.id), subjectType, subjectId }, { runAt: now, dedupeKey: `sla.signal:${String(s.id)}` });
  }
  return inserted.length;
}

/** Outcome of one sweep pass. */
export interface SweepResult {
  clocks: number;
  errors: number;
}

/**
 * Recompute every clock whose next deadline is due, in bounded batches.
 * Concurrent sweepers skip each other's rows (SKIP LOCKED); a clock that
 * cannot be computed (e.g. a broken contract version) is parked, not retried forever.
 */
export async function sweepDueClocks(db: Db, now: Date, batchSize = 1000): Promise<SweepResult> {
  const out: SweepResult = { clocks: 0, errors: 0 };
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const due = await sql<{ id: string }>`
        SELECT id FROM sla_clocks WHERE next_deadline_at <= ${now}
        ORDER BY next_deadline_at LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`.execute(trx);
      for (const row of due.rows) {
        try {
          await sql`SAVEPOINT clock`.execute(trx);
          await recomputeClock(trx, row.id, now);
          await sql`RELEASE SAVEPOINT clock`.execute(trx);
          out.clocks++;
        } catch {
          await sql`ROLLBACK TO SAVEPOINT clock`.execute(trx);
          await trx.updateTable('sla_clocks').set({ next_deadline_at: null }).where('id', '=', row.id).execute();
          out.errors++;
        }
      }
      return due.rows.length;
    });
    if (n < batchSize) break;
  }
  return out;
}

/** The clock of a ticket, as last computed. */
export async function findClock(db: Db, subjectType: string, subjectId: string): Promise<ClockView | null> {
  const c = await db.selectFrom('sla_clocks').selectAll().where('subject_type', '=', subjectType).where('subject_id', '=', subjectId).executeTakeFirst();
  if (!c || !c.result) return null;
  return { clockId: c.id, levelKey: c.level_key, isOpen: c.is_open, nextDeadlineAt: c.next_deadline_at ? new Date(c.next_deadline_at).toISOString() : null, result: c.result as SlaResultJson };
}
