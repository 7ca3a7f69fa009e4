/**
 * Persisted SLA clocks for tickets of any kind (incidents, work orders, …).
 * Each clock keeps its event history; every event recomputes the clock with
 * the pure engine in the caller's transaction and stores the result and the
 * clock's schedule (`sla_clock_schedules`, next instant indexed): its future
 * instants with the warnings and breaches each records and the clock's
 * summary from then on (sla-schedule.ts). Only time moves a clock between
 * events, so the sweep does not recompute: it replays the schedules of the
 * clocks whose next instant has passed in one set-based statement per batch
 * (signals once each, their notification jobs, next instant, summary) and
 * lets each ticket kind copy the summaries onto its rows (in SQL when the
 * kind registered it, else through its JS sync). Readers advance the stored
 * result to the instant they read at ({@link findClock}). Clocks stored
 * before migration 0015 are recomputed from their histories once.
 */
import { sql, type RawBuilder } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { enqueueJobs } from '../jobs/job.queue.ts';
import { computeSla, type SlaConditions, type SlaEvent, type SlaResult, type SlaTargetKind } from './sla-engine.ts';
import { advanceSlaResult, reachedSignals, scheduleOf, summariseResult, type ClockSchedule, type SlaResultJson } from './sla-schedule.ts';
import { loadSlaContext, type SlaContext } from './sla-context.ts';
import { slaSignalFiredJob } from './sla.jobs.ts';
import {
  clockWriteCtes,
  FAIL_UNLESS_CLOCK_WRITTEN,
  insertSignals,
  loadClocksWithEvents,
  lockClockWithHistory,
  loadStoredClocks,
  lockDueClocksToRecompute,
  lockOpenClockIdsAfter,
  newClockCtes,
  parkClocks,
  replayDueSchedules,
  signalKey,
  updateClocks,
  type ClockRow,
  type ClockUpdate,
  type SignalInsert,
  type SignalJobSpec,
  type StoredClock,
  type StoredClockEvent,
  type VersionedClock,
} from './sla-clock.repo.ts';

/** Keeps a ticket kind's own columns (e.g. an incident's nearest deadline) in step with its clock. */
export type ClockSubjectSync = (trx: Trx, subjectId: string, view: ClockView) => Promise<void>;

/** {@link ClockSubjectSync} for many tickets of the kind at once (one statement, for the sweep). */
export type ClockSubjectBulkSync = (trx: Trx, items: readonly { subjectId: string; view: ClockView }[]) => Promise<void>;

/**
 * Copies, in SQL, the next deadline and summary of the given clocks
 * (`sla_clock_schedules.next_at`, `due_at`, `breached`, `at_risk`, written by
 * the caller's transaction) onto the tickets of the kind: what the sweep
 * calls after replaying schedules.
 */
export type ClockSubjectSqlSync = (trx: Trx, clockIds: readonly string[]) => Promise<void>;

const subjectSyncs = new Map<string, { one: ClockSubjectSync; many?: ClockSubjectBulkSync | undefined }>();
const subjectSqlSyncs = new Map<string, ClockSubjectSqlSync>();

/**
 * Register the SQL form of a ticket kind's sync, for the sweep. The kind's
 * registered JS sync must store the same thing from a view (its nearest open
 * deadline, breached and at-risk flags as in sla-schedule.ts `summariseResult`,
 * and `nextDeadlineAt`). Without it, the sweep calls the JS sync with each
 * replayed clock's view (read and advanced one by one: fine for small volumes).
 */
export function registerClockSubjectSql(subjectType: string, sync: ClockSubjectSqlSync): void {
  subjectSqlSyncs.set(subjectType, sync);
}

/**
 * Register the sync of a ticket kind. Every recomputation (an event, the
 * sweep, a calendar correction) calls it in the same transaction, so the
 * ticket's denormalised SLA columns never go stale. `bulk`, when given, is
 * used for batches (the sweep, a calendar correction) instead of one call per ticket.
 */
export function registerClockSubject(subjectType: string, sync: ClockSubjectSync, bulk?: ClockSubjectBulkSync): void {
  subjectSyncs.set(subjectType, { one: sync, many: bulk });
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

/** Options of a single clock write. */
export interface ClockWriteOptions {
  /** The contract's SLA context, when the caller has already loaded it (ignored if it is another contract's). */
  sla?: SlaContext | undefined;
  /**
   * false: do not call the ticket kind's registered sync; the caller stores the
   * returned view on its ticket itself, in the same transaction (e.g. in the
   * UPDATE it makes anyway). Default true.
   */
  syncSubject?: boolean | undefined;
}

function toEngineEvent(e: StoredClockEvent): SlaEvent {
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

function toStored(e: SlaEvent): StoredClockEvent {
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

export type { JsonOf, SlaResultJson } from './sla-schedule.ts';

/**
 * Serialise an engine result for storage and the API: what a JSON round trip
 * would give (every Date as its ISO string, undefined properties dropped),
 * built by one walk instead of printing and parsing the text (the sweep does
 * this for every clock).
 */
export function serializeSlaResult(result: SlaResult): SlaResultJson {
  return toJsonValue(result) as SlaResultJson;
}

function toJsonValue(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(toJsonValue);
  const out: Record<string, unknown> = {};
  // for…in over the engine's plain objects: no entries array per object (the sweep walks every result)
  for (const k in v) {
    const x: unknown = Reflect.get(v, k);
    if (x !== undefined) out[k] = toJsonValue(x);
  }
  return out;
}

/** A clock recomputed in memory, ready to store. */
interface Computed {
  clock: ClockRow;
  update: ClockUpdate;
  view: ClockView;
}

/** Whether the history leaves the ticket open: no `closed`, or a `reopened` after the last one. */
function isOpenAfter(events: readonly SlaEvent[]): boolean {
  let open = true;
  for (const e of events) {
    if (e.type === 'closed') open = false;
    else if (e.type === 'reopened') open = true;
  }
  return open;
}

/** Recompute a clock from its whole history with the pure engine (no database). */
function computeClock(ctx: SlaContext, clock: ClockRow, stored: readonly StoredClockEvent[], now: Date): Computed {
  const events = stored.map(toEngineEvent);
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
  const isOpen = isOpenAfter(events);
  const json = serializeSlaResult(result);
  const schedule: ClockSchedule = scheduleOf(json);
  const summary = summariseResult(json);
  return {
    clock,
    update: {
      id: clock.id,
      subject_type: clock.subject_type,
      subject_id: clock.subject_id,
      level_key: json.levelKey,
      is_open: isOpen,
      next_deadline_at: json.nextDeadlineAt,
      result: JSON.stringify(json),
      schedule: JSON.stringify(schedule),
      due_at: summary.dueAt,
      breached: summary.breached,
      at_risk: summary.atRisk,
      calendar_version: json.calendarVersion,
      contract_version_id: ctx.versionId,
    },
    view: { clockId: clock.id, levelKey: json.levelKey, isOpen, nextDeadlineAt: json.nextDeadlineAt, result: json },
  };
}

/**
 * The warnings and breaches a result has reached (each is recorded once per
 * deadline), without those in `recorded` ({@link signalKey}s the clock has recorded).
 */
function signalCandidates(c: Computed, recorded?: ReadonlySet<string>): SignalInsert[] {
  const all = reachedSignals(c.view.result).map((s) => ({
    clock_id: c.clock.id,
    contract_id: c.clock.contract_id,
    target_key: s.targetKey,
    kind: s.kind,
    percent: s.percent,
    deadline_at: s.deadlineAt,
  }));
  return recorded ? all.filter((s) => !recorded.has(signalKey(s))) : all;
}

/**
 * Record new warnings and breaches; each new signal enqueues its notification
 * job in the same transaction. Returns how many were new. `known`: signals
 * the caller has read as already recorded (a batch loads them with the
 * clocks), left out before the insert, which still skips any duplicate.
 */
async function fireSignals(trx: Trx, computed: readonly Computed[], now: Date, known?: ReadonlyMap<string, ReadonlySet<string>>): Promise<number> {
  const candidates = computed.flatMap((c) => signalCandidates(c, known?.get(c.clock.id)));
  if (candidates.length === 0) return 0;
  const inserted = await insertSignals(trx, candidates, now);
  if (inserted.length === 0) return 0;
  const subjects = new Map(computed.map((c) => [c.clock.id, c.clock]));
  await enqueueJobs(
    trx,
    slaSignalFiredJob,
    inserted.map((s) => {
      const clock = subjects.get(s.clock_id);
      return { payload: { signalId: s.id, subjectType: clock?.subject_type ?? '', subjectId: clock?.subject_id ?? '' }, runAt: now, dedupeKey: `sla.signal:${s.id}` };
    }),
  );
  return inserted.length;
}

/** Call each ticket kind's sync: its bulk form for a batch, when it has one. */
async function syncSubjects(trx: Trx, computed: readonly Computed[]): Promise<void> {
  const byType = new Map<string, { subjectId: string; view: ClockView }[]>();
  for (const c of computed) {
    const list = byType.get(c.clock.subject_type) ?? [];
    list.push({ subjectId: c.clock.subject_id, view: c.view });
    byType.set(c.clock.subject_type, list);
  }
  for (const [type, items] of byType) {
    const sync = subjectSyncs.get(type);
    if (!sync) continue;
    if (sync.many && items.length > 1) await sync.many(trx, items);
    else for (const item of items) await sync.one(trx, item.subjectId, item.view);
  }
}

/** Store computed clocks with their signals and tickets' columns. */
async function storeComputed(trx: Trx, computed: readonly Computed[], now: Date, syncSubject: boolean, known?: ReadonlyMap<string, ReadonlySet<string>>): Promise<void> {
  await updateClocks(
    trx,
    computed.map((c) => c.update),
    now,
  );
  await fireSignals(trx, computed, now, known);
  if (syncSubject) await syncSubjects(trx, computed);
}

async function contextFor(trx: Trx, contractId: string, now: Date, given: SlaContext | undefined): Promise<SlaContext> {
  return given && given.contractId === contractId ? given : loadSlaContext(trx, contractId, now);
}

/** The notification job of a new signal, as the set-based writes enqueue it. */
const SIGNAL_JOB: SignalJobSpec = { kind: slaSignalFiredJob.kind, version: slaSignalFiredJob.version, maxAttempts: slaSignalFiredJob.maxAttempts };

/**
 * A clock write computed in memory: `ctes` store it inside a statement of
 * the caller's (sla-clock.repo `clockWriteCtes` / `newClockCtes`, whose
 * `clk` and `sch` the caller's own write can depend on), `view` is what it stores.
 */
export interface PreparedClockWrite {
  ctes: RawBuilder<unknown>;
  view: ClockView;
}

/** Compute the clock of a new ticket (no database): what {@link openClock} stores, for a caller that stores it in its own statement. */
export function prepareNewClock(ctx: SlaContext, input: OpenClockInput, now: Date): PreparedClockWrite {
  if (ctx.contractId !== input.contractId) throw new Error('sla: the context is another contract\'s');
  if (!ctx.levels.some((l) => l.key === input.levelKey)) {
    throw new AppError('VALIDATION_FAILED', `合同未定义故障等级「${input.levelKey}」`);
  }
  const first = toStored({ type: 'created', at: input.reportedAt, level: input.levelKey });
  const draft: ClockRow = { id: '', contract_id: input.contractId, subject_type: input.subjectType, subject_id: input.subjectId, system_key: input.systemKey, conditions: input.conditions };
  const computed = computeClock(ctx, draft, [first], now);
  return {
    ctes: newClockCtes({ ...draft, conditions: JSON.stringify(input.conditions) }, { update: computed.update, events: [first], signals: signalCandidates(computed), job: SIGNAL_JOB }, now),
    view: computed.view,
  };
}

/**
 * Recompute a clock read with its ticket (sla-clock.repo
 * `clockOfSubjectColumn`) with `events` appended (no database): what
 * {@link recordClockEvents} stores, for a caller that stores it in its own
 * statement, only if the clock is still the version read.
 */
export function prepareClockEvents(ctx: SlaContext, clock: VersionedClock, events: readonly SlaEvent[], now: Date): PreparedClockWrite {
  if (ctx.contractId !== clock.contract_id) throw new Error('sla: the context is another contract\'s');
  const added = events.map(toStored);
  const computed = computeClock(ctx, clock, [...clock.events, ...added], now);
  return {
    ctes: clockWriteCtes(clock.id, clock.version, { update: computed.update, events: added, signals: signalCandidates(computed, clock.signals), job: SIGNAL_JOB }, now),
    view: computed.view,
  };
}

/** Run a prepared clock write on its own; returns the clock's id. */
async function storePrepared(trx: Trx, w: PreparedClockWrite): Promise<string> {
  const r = await sql<{ id: string }>`WITH ${w.ctes}
    SELECT CASE ${FAIL_UNLESS_CLOCK_WRITTEN} END AS guard, (SELECT id FROM clk) AS id`.execute(trx);
  const id = r.rows[0]?.id;
  if (!id) throw new Error('sla: storing the clock returned no row');
  return id;
}

/** Open a clock for a new ticket and compute it. */
export async function openClock(trx: Trx, input: OpenClockInput, now: Date, opts: ClockWriteOptions = {}): Promise<ClockView> {
  const ctx = await contextFor(trx, input.contractId, now, opts.sla);
  const prepared = prepareNewClock(ctx, input, now);
  const id = await storePrepared(trx, prepared);
  const view: ClockView = { ...prepared.view, clockId: id };
  if (opts.syncSubject !== false) await syncSubject(trx, input.subjectType, input.subjectId, view);
  return view;
}

async function appendAndRecompute(trx: Trx, clock: VersionedClock, events: readonly SlaEvent[], now: Date, opts: ClockWriteOptions): Promise<ClockView> {
  const ctx = await contextFor(trx, clock.contract_id, now, opts.sla);
  // The caller holds the clock's lock: the version check cannot fail.
  const prepared = prepareClockEvents(ctx, clock, events, now);
  await storePrepared(trx, prepared);
  if (opts.syncSubject !== false) await syncSubject(trx, clock.subject_type, clock.subject_id, prepared.view);
  return prepared.view;
}

/** Call the ticket kind's registered sync for one clock. */
async function syncSubject(trx: Trx, subjectType: string, subjectId: string, view: ClockView): Promise<void> {
  await subjectSyncs.get(subjectType)?.one(trx, subjectId, view);
}

/**
 * Append events to a clock and recompute it in `trx` (the caller's
 * transaction, together with the ticket change and its audit row).
 */
export async function recordClockEvents(trx: Trx, clockId: string, events: readonly SlaEvent[], now: Date, opts: ClockWriteOptions = {}): Promise<ClockView> {
  const clock = await lockClockWithHistory(trx, { id: clockId });
  if (!clock) throw new AppError('NOT_FOUND', '计时器不存在');
  return appendAndRecompute(trx, clock, events, now, opts);
}

/** {@link recordClockEvents} for the clock of a ticket, found by the ticket. */
export async function recordSubjectClockEvents(trx: Trx, subjectType: string, subjectId: string, events: readonly SlaEvent[], now: Date, opts: ClockWriteOptions = {}): Promise<ClockView> {
  const clock = await lockClockWithHistory(trx, { subjectType, subjectId });
  if (!clock) throw new AppError('NOT_FOUND', '计时器不存在');
  return appendAndRecompute(trx, clock, events, now, opts);
}

/** Recompute a clock from its whole event history (after an event, a calendar correction, or in the sweep). */
export async function recomputeClock(trx: Trx, clockId: string, now: Date): Promise<ClockView> {
  return recordClockEvents(trx, clockId, [], now);
}

/** Outcome of one sweep pass. */
export interface SweepResult {
  clocks: number;
  errors: number;
}

/** SLA contexts of the contracts met in one pass (sweep or recompute), loaded once each. */
type ContextCache = Map<string, Promise<SlaContext>>;

/**
 * Recompute clocks the caller has locked, as one batch. A clock that cannot
 * be computed (e.g. its contract version is broken) is parked, not retried forever.
 */
async function recomputeLocked(trx: Trx, clockIds: readonly string[], now: Date, contexts: ContextCache): Promise<SweepResult> {
  const clocks = await loadClocksWithEvents(trx, clockIds);
  const computed: Computed[] = [];
  const parked: string[] = [];
  for (const clock of clocks) {
    try {
      let ctx = contexts.get(clock.contract_id);
      if (!ctx) {
        ctx = loadSlaContext(trx, clock.contract_id, now);
        contexts.set(clock.contract_id, ctx);
      }
      computed.push(computeClock(await ctx, clock, clock.events, now));
    } catch {
      parked.push(clock.id);
    }
  }
  await storeComputed(trx, computed, now, true, new Map(clocks.map((c) => [c.id, c.signals])));
  await parkClocks(trx, parked);
  return { clocks: computed.length, errors: parked.length };
}

/** The old path, one clock at a time, each in a savepoint: used for a batch whose set-based write failed. */
async function recomputeOneByOne(trx: Trx, clockIds: readonly string[], now: Date): Promise<SweepResult> {
  const out: SweepResult = { clocks: 0, errors: 0 };
  for (const id of clockIds) {
    try {
      await sql`SAVEPOINT clock`.execute(trx);
      await recomputeClock(trx, id, now);
      await sql`RELEASE SAVEPOINT clock`.execute(trx);
      out.clocks++;
    } catch {
      await sql`ROLLBACK TO SAVEPOINT clock`.execute(trx);
      await parkClocks(trx, [id]);
      out.errors++;
    }
  }
  return out;
}

/**
 * Lock a batch with `lock`, recompute it set-based; if the batch's writes
 * fail, redo that batch one clock at a time so one bad clock is parked
 * instead of failing the whole pass. Returns the batch's size.
 */
async function runBatch(db: Db, now: Date, contexts: ContextCache, lock: (trx: Trx) => Promise<string[]>, out: SweepResult): Promise<string[]> {
  try {
    return await db.transaction().execute(async (trx) => {
      const ids = await lock(trx);
      const r = await recomputeLocked(trx, ids, now, contexts);
      out.clocks += r.clocks;
      out.errors += r.errors;
      return ids;
    });
  } catch {
    return db.transaction().execute(async (trx) => {
      const ids = await lock(trx);
      const r = await recomputeOneByOne(trx, ids, now);
      out.clocks += r.clocks;
      out.errors += r.errors;
      return ids;
    });
  }
}

/** A stored clock as it stands at `until` (null: as the sweep has replayed it). */
function viewOf(c: StoredClock, until: Date | null): ClockView | null {
  if (!c.result) return null;
  const stored = c.result as SlaResultJson;
  const at = until ?? (c.scheduled ? replayedUntil(c.steps, c.next_at) : null);
  const result = at ? advanceSlaResult(stored, at) : stored;
  const next = until ? result.nextDeadlineAt : c.next_at ? new Date(c.next_at).toISOString() : null;
  return { clockId: c.id, levelKey: c.level_key, isOpen: c.is_open, nextDeadlineAt: next, result };
}

/** After a replay: let each ticket kind copy the moved clocks' summaries onto its rows (in SQL, else through its JS sync). */
async function syncReplayed(trx: Trx, moved: readonly { id: string; subjectType: string }[], now: Date): Promise<void> {
  const byType = new Map<string, string[]>();
  for (const c of moved) {
    const list = byType.get(c.subjectType) ?? [];
    list.push(c.id);
    byType.set(c.subjectType, list);
  }
  for (const [type, ids] of byType) {
    const bySql = subjectSqlSyncs.get(type);
    if (bySql) {
      await bySql(trx, ids);
      continue;
    }
    const sync = subjectSyncs.get(type);
    if (!sync) continue;
    const items: { subjectId: string; view: ClockView }[] = [];
    for (const c of await loadStoredClocks(trx, { clockIds: ids })) {
      const view = viewOf(c, now);
      if (view) items.push({ subjectId: c.subject_id, view });
    }
    if (sync.many && items.length > 1) await sync.many(trx, items);
    else for (const item of items) await sync.one(trx, item.subjectId, item.view);
  }
}

/** Options of {@link sweepDueClocks}. */
export interface SweepOptions {
  /**
   * Batches in flight at once, each in its own transaction: replay lanes take
   * disjoint clocks (split by id), recompute lanes skip each other's rows
   * (SKIP LOCKED). Default 2 (PostgreSQL does the replay's work: one lane per core).
   */
  concurrency?: number | undefined;
}

/** Clocks recomputed from their histories per batch, at most. */
const RECOMPUTE_BATCH = 1000;

/**
 * Bring every clock whose next deadline is due up to `now`. Clocks with a
 * schedule are replayed set-based in batches of `batchSize` (see
 * sla-clock.repo `replayDueSchedules`), their tickets' columns following in
 * the same transaction; clocks without one (stored before migration 0015)
 * are recomputed from their histories, which stores their schedule, and one
 * that cannot be computed (e.g. a broken contract version) is parked, not
 * retried forever. Each warning and breach is recorded once.
 */
export async function sweepDueClocks(db: Db, now: Date, batchSize = 25_000, opts: SweepOptions = {}): Promise<SweepResult> {
  const out: SweepResult = { clocks: 0, errors: 0 };
  const contexts: ContextCache = new Map();
  const lanes = Math.max(1, opts.concurrency ?? 2);
  const replayLane = async (lane: number): Promise<void> => {
    for (;;) {
      const b = await db.transaction().execute(async (trx) => {
        const r = await replayDueSchedules(trx, now, batchSize, { lane, lanes }, SIGNAL_JOB);
        await syncReplayed(trx, r.moved, now);
        return r;
      });
      out.clocks += b.replayed;
      // A clock skipped because an event rewrote it meanwhile is due again, with its new schedule: go on.
      if (b.picked < batchSize && b.replayed === b.picked) return;
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, lane) => replayLane(lane)));
  const recomputeBatch = Math.min(batchSize, RECOMPUTE_BATCH);
  const recomputeLane = async (): Promise<void> => {
    for (;;) {
      const ids = await runBatch(db, now, contexts, (trx) => lockDueClocksToRecompute(trx, now, recomputeBatch), out);
      if (ids.length < recomputeBatch) return;
    }
  };
  await Promise.all(Array.from({ length: lanes }, recomputeLane));
  return out;
}

/**
 * Recompute every open clock (after a working-calendar correction), in id
 * order and batches of `batchSize`, each batch locked and written set-based
 * like the sweep.
 */
export async function recomputeOpenClocks(db: Db, now: Date, batchSize = 500): Promise<SweepResult> {
  const out: SweepResult = { clocks: 0, errors: 0 };
  const contexts: ContextCache = new Map();
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const from = after;
    const ids = await runBatch(db, now, contexts, (trx) => lockOpenClockIdsAfter(trx, from, batchSize), out);
    if (ids.length === 0) break;
    after = ids[ids.length - 1] ?? after;
  }
  return out;
}

/**
 * The last step of a stored schedule that the sweep has replayed: every step
 * before the clock's next deadline (all of them once none is left).
 */
function replayedUntil(steps: unknown, nextAt: Date | null): Date | null {
  if (!Array.isArray(steps)) return null;
  const next = nextAt ? new Date(nextAt).getTime() : Infinity;
  let last: Date | null = null;
  for (const step of steps as ClockSchedule) {
    const at = new Date(step.at);
    if (at.getTime() >= next) break;
    last = at;
  }
  return last;
}

/**
 * The clock of a ticket, as it stands: the stored result advanced to `now`
 * when given, else to the last step the sweep has replayed (what a sweep
 * that recomputed the clock would have stored).
 */
export async function findClock(db: Db, subjectType: string, subjectId: string, now?: Date): Promise<ClockView | null> {
  const [c] = await loadStoredClocks(db, { subjectType, subjectId });
  return c ? viewOf(c, now ?? null) : null;
}
