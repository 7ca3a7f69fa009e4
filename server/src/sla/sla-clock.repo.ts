/**
 * SLA clock queries: the only place that builds SQL for `sla_clocks`,
 * `sla_events` and `sla_signals`. Writes for many clocks at once (the sweep,
 * a calendar correction) are set-based: one statement per batch, with the
 * rows passed as one JSON document (`jsonb_to_recordset`), or, for the
 * sweep's replay of stored schedules, computed in SQL from the rows themselves.
 *
 * Writing rule: every writer of a clock's events rewrites the clock row, so
 * an unchanged row version (`xmin`) means an unchanged history. A writer
 * either holds the clock row's lock (`FOR NO KEY UPDATE`: writers exclude
 * each other, while the foreign-key checks of signal inserts, e.g. the
 * sweep's, do not wait for them) before reading the history, or reads it
 * without a lock and writes only if the row is still the version it read
 * ({@link clockWriteCtes}, the incident commands' path). A writer then writes
 * the clock's `sla_clock_schedules` row; the sweep writes only that row, and
 * only if it is still the version it read. Rows are locked in one order:
 * clock, schedule, then the ticket.
 */
import { sql, type AliasedRawBuilder, type RawBuilder } from 'kysely';
import type { DbOrTrx, Trx } from '../db/database.ts';

/** A clock row as the recomputation needs it. */
export interface ClockRow {
  id: string;
  contract_id: string;
  subject_type: string;
  subject_id: string;
  system_key: string | null;
  conditions: unknown;
}

/** A stored clock event (`data` as stored, `at` as read). */
export interface StoredClockEvent {
  type: string;
  at: Date;
  data: Record<string, unknown>;
}

/** A clock row with its whole event history in order, and the signals it has recorded. */
export interface ClockWithEvents extends ClockRow {
  events: StoredClockEvent[];
  /** {@link signalKey} of every signal already recorded for the clock. */
  signals: Set<string>;
}

/** Identity of a signal: target, kind, percent and deadline (epoch milliseconds, or an ISO instant). */
export function signalKey(s: { target_key: string; kind: string; percent: number; deadline_at: number | string }): string {
  return `${s.target_key}|${s.kind}|${s.percent}|${typeof s.deadline_at === 'number' ? s.deadline_at : Date.parse(s.deadline_at)}`;
}

/** A recomputed clock to store. */
export interface ClockUpdate {
  id: string;
  subject_type: string;
  subject_id: string;
  level_key: string;
  is_open: boolean;
  next_deadline_at: string | null;
  /** The serialised engine result (JSON text). */
  result: string;
  /** The serialised schedule of future instants (JSON text, sla-schedule.ts `ClockSchedule`), for `sla_clock_schedules`. */
  schedule: string;
  /** The clock's summary (sla-schedule.ts `ClockSummary`), for `sla_clock_schedules`. */
  due_at: string | null;
  breached: boolean;
  at_risk: boolean;
  calendar_version: string;
  contract_version_id: string;
}

/** A warning or breach to record once. */
export interface SignalInsert {
  clock_id: string;
  contract_id: string;
  target_key: string;
  kind: 'warning' | 'breach';
  percent: number;
  deadline_at: string;
}

/** The columns a history and its signals come back as from SQL (json_agg), before parsing. */
type RawHistory = { events: [string, number, Record<string, unknown> | null][]; signals: [string, string, number, number][] };

/** Per clock `c`: its events in order (instants as epoch milliseconds: cheaper both sides than text). */
const EVENTS_JSON = sql`coalesce((SELECT json_agg(json_build_array(e.type, floor(extract(epoch FROM e.at) * 1000)::bigint, e.data) ORDER BY e.id)
    FROM sla_events e WHERE e.clock_id = c.id), '[]'::json)`;
/** Per clock `c`: its recorded signals. */
const SIGNALS_JSON = sql`coalesce((SELECT json_agg(json_build_array(s.target_key, s.kind, s.percent, floor(extract(epoch FROM s.deadline_at) * 1000)::bigint))
    FROM sla_signals s WHERE s.clock_id = c.id), '[]'::json)`;
const HISTORY_COLUMNS = sql`${EVENTS_JSON} AS events, ${SIGNALS_JSON} AS signals`;

function parseHistory<T extends ClockRow>(row: T & RawHistory): Omit<T, keyof RawHistory> & { events: StoredClockEvent[]; signals: Set<string> } {
  const { events, signals, ...clock } = row;
  return {
    ...clock,
    events: events.map(([type, at, data]) => ({ type, at: new Date(at), data: data ?? {} })),
    signals: new Set(signals.map(([target_key, kind, percent, deadline_at]) => signalKey({ target_key, kind, percent, deadline_at }))),
  };
}

/**
 * Lock one clock (by id, or by its ticket) and read its history and signals,
 * in one statement. The history is read with the statement's snapshot: when
 * the lock had to wait for a writer that then committed (the locked row
 * version is not the one the snapshot saw), it is read again, now under the
 * lock. Every writer of events also updates the clock row, so an unchanged
 * row version means an unchanged history.
 */
export async function lockClockWithHistory(trx: Trx, by: { id: string } | { subjectType: string; subjectId: string }): Promise<VersionedClock | undefined> {
  const where = 'id' in by ? sql`c.id = ${by.id}::uuid` : sql`c.subject_type = ${by.subjectType} AND c.subject_id = ${by.subjectId}::uuid`;
  const r = await sql<ClockRow & RawHistory & { locked: string; seen: string | null }>`
    SELECT c.id, c.contract_id, c.subject_type, c.subject_id, c.system_key, c.conditions,
      c.xmin::text AS locked, (SELECT v.xmin::text FROM sla_clocks v WHERE v.id = c.id) AS seen, ${HISTORY_COLUMNS}
    FROM sla_clocks c WHERE ${where} FOR NO KEY UPDATE OF c`.execute(trx);
  const row = r.rows[0];
  if (!row) return undefined;
  const { locked, seen, ...rest } = row;
  // the locked row is the latest version: its xmin is the version a write under the lock checks
  const clock = { ...parseHistory(rest), version: locked };
  if (locked === seen) return clock;
  const [again] = await loadClocksWithEvents(trx, [clock.id]);
  return again && { ...again, version: locked };
}

/**
 * Lock up to `limit` due clocks without a schedule (stored before migration
 * 0015), for a recompute from their histories, skipping clocks other
 * sweepers hold. Found through the partial index of unscheduled clocks.
 */
export async function lockDueClocksToRecompute(trx: Trx, now: Date, limit: number): Promise<string[]> {
  const r = await sql<{ id: string }>`
    SELECT id FROM sla_clocks WHERE NOT scheduled AND next_deadline_at <= ${now}
    ORDER BY next_deadline_at LIMIT ${limit} FOR NO KEY UPDATE SKIP LOCKED`.execute(trx);
  return r.rows.map((x) => x.id);
}

/** The notification job to enqueue for each new signal of a replay (the queue's `jobs` columns). */
export interface SignalJobSpec {
  kind: string;
  version: number;
  maxAttempts: number;
}

/** Outcome of one replay batch. */
export interface ReplayBatch {
  /** Due clocks the batch looked at (fewer than the limit: none left in this lane). */
  picked: number;
  /** Clocks replayed (a clock changed meanwhile by a writer is left for the next batch). */
  replayed: number;
  /** New signals recorded. */
  signals: number;
  /** Replayed clocks that reached a step (their summary or next deadline moved), by ticket kind. */
  moved: { id: string; subjectType: string }[];
}

/**
 * Replay, up to `now`, the stored schedules of up to `limit` due clocks in
 * lane `lane` of `lanes` (clocks split by id), in one statement: record the
 * signals of every step that has come (each once: the unique key skips what
 * is already recorded), enqueue one notification job per new signal (payload
 * `{ signalId, subjectType, subjectId }`, dedupe key `sla.signal:<id>`), move
 * the schedule's `next_at` to the first step still to come and set its
 * summary to the last step that has come (a schedule none of whose steps has
 * come keeps its summary). Only `sla_clock_schedules` rows are written: the
 * clock's stored result is advanced by readers (sla-schedule.ts `advanceSlaResult`).
 *
 * No row is locked beforehand: the UPDATE locks what it writes, and writes a
 * schedule only if it is still the version read (same `xmin`), so a clock
 * that an event recomputed meanwhile is skipped, its new schedule replayed by
 * the next batch, and signals come only from the version written.
 */
export async function replayDueSchedules(trx: Trx, now: Date, limit: number, lane: { lane: number; lanes: number }, job: SignalJobSpec): Promise<ReplayBatch> {
  const r = await sql<{ picked: string; replayed: string; signals: string; moved: [string, string][] | null }>`
    WITH due AS (
      SELECT s.clock_id AS id, s.xmin AS v, s.subject_type, s.subject_id, s.steps FROM sla_clock_schedules s
      WHERE s.next_at <= ${now}::timestamptz AND get_byte(uuid_send(s.clock_id), 15) % ${lane.lanes}::int = ${lane.lane}::int
      ORDER BY s.next_at LIMIT ${limit}
    ), steps AS (
      SELECT d.id, x.step, (x.step->>'at')::timestamptz AS at, x.n
      FROM due d CROSS JOIN LATERAL jsonb_array_elements(d.steps) WITH ORDINALITY AS x(step, n)
    ), reached AS (
      SELECT DISTINCT ON (id) id, step FROM steps WHERE at <= ${now}::timestamptz ORDER BY id, n DESC
    ), upcoming AS (
      SELECT id, min(at) AS at FROM steps WHERE at > ${now}::timestamptz GROUP BY id
    ), upd AS (
      UPDATE sla_clock_schedules s SET next_at = u.at,
        due_at = CASE WHEN r.id IS NULL THEN s.due_at ELSE (r.step->>'dueAt')::timestamptz END,
        breached = CASE WHEN r.id IS NULL THEN s.breached ELSE (r.step->>'breached')::boolean END,
        at_risk = CASE WHEN r.id IS NULL THEN s.at_risk ELSE (r.step->>'atRisk')::boolean END
      FROM due d LEFT JOIN reached r ON r.id = d.id LEFT JOIN upcoming u ON u.id = d.id
      WHERE s.clock_id = d.id AND s.xmin = d.v
      RETURNING s.clock_id AS id, d.subject_type, d.subject_id, r.id IS NOT NULL AS moved
    ), sig AS (
      INSERT INTO sla_signals (clock_id, contract_id, target_key, kind, percent, deadline_at, fired_at)
      SELECT upd.id, c.contract_id, x."targetKey", x.kind, x.percent, x."deadlineAt", ${now}::timestamptz
      FROM upd JOIN steps st ON st.id = upd.id JOIN sla_clocks c ON c.id = upd.id
        CROSS JOIN LATERAL jsonb_to_recordset(st.step->'signals') AS x("targetKey" text, kind text, percent integer, "deadlineAt" timestamptz)
      WHERE upd.moved AND st.at <= ${now}::timestamptz
      ORDER BY upd.id, st.n
      ON CONFLICT (clock_id, target_key, kind, percent, deadline_at) DO NOTHING
      RETURNING id, clock_id
    ), job AS (
      INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts)
      SELECT ${job.kind}, jsonb_build_object('v', ${job.version}::int, 'data',
          jsonb_build_object('signalId', sig.id::text, 'subjectType', upd.subject_type, 'subjectId', upd.subject_id::text)),
        'sla.signal:' || sig.id::text, ${now}::timestamptz, ${job.maxAttempts}::int
      FROM sig JOIN upd ON upd.id = sig.clock_id
      ON CONFLICT (dedupe_key) DO NOTHING
    )
    SELECT (SELECT count(*) FROM due)::text AS picked, (SELECT count(*) FROM upd)::text AS replayed, (SELECT count(*) FROM sig)::text AS signals,
      (SELECT json_agg(json_build_array(id, subject_type)) FROM upd WHERE moved) AS moved`.execute(trx);
  const row = r.rows[0];
  return {
    picked: Number(row?.picked ?? 0),
    replayed: Number(row?.replayed ?? 0),
    signals: Number(row?.signals ?? 0),
    moved: (row?.moved ?? []).map(([id, subjectType]) => ({ id, subjectType })),
  };
}

/** A clock's stored result with its schedule, for readers that advance it. */
export interface StoredClock {
  id: string;
  subject_id: string;
  level_key: string;
  is_open: boolean;
  result: unknown;
  scheduled: boolean;
  /** The clock's next deadline: its schedule's next step, or (unscheduled) as last recomputed. */
  next_at: Date | null;
  steps: unknown;
}

/** Stored clocks, by ticket or by clock ids. */
export async function loadStoredClocks(db: DbOrTrx, by: { subjectType: string; subjectId: string } | { clockIds: readonly string[] }): Promise<StoredClock[]> {
  const where = 'clockIds' in by ? sql`c.id = ANY(${by.clockIds}::uuid[])` : sql`c.subject_type = ${by.subjectType} AND c.subject_id = ${by.subjectId}::uuid`;
  const r = await sql<StoredClock>`
    SELECT c.id, c.subject_id, c.level_key, c.is_open, c.result, c.scheduled,
      CASE WHEN c.scheduled THEN s.next_at ELSE c.next_deadline_at END AS next_at, s.steps
    FROM sla_clocks c LEFT JOIN sla_clock_schedules s ON s.clock_id = c.id AND c.scheduled
    WHERE ${where}`.execute(db);
  return r.rows;
}

/** Lock the next `limit` open clocks after `afterId` (in id order), waiting for their current writers. */
export async function lockOpenClockIdsAfter(trx: Trx, afterId: string, limit: number): Promise<string[]> {
  const rows = await trx.selectFrom('sla_clocks').select('id').where('is_open', '=', true).where('id', '>', afterId).orderBy('id').limit(limit).forNoKeyUpdate().execute();
  return rows.map((x) => x.id);
}

/**
 * Clocks (already locked by the caller) with their histories and recorded
 * signals, in one query. Only holders of a clock's lock record its signals,
 * so the set read here stays exact until the caller commits.
 */
export async function loadClocksWithEvents(trx: Trx, clockIds: readonly string[]): Promise<ClockWithEvents[]> {
  if (clockIds.length === 0) return [];
  const r = await sql<ClockRow & RawHistory>`
    SELECT c.id, c.contract_id, c.subject_type, c.subject_id, c.system_key, c.conditions, ${HISTORY_COLUMNS}
    FROM sla_clocks c WHERE c.id = ANY(${clockIds}::uuid[])`.execute(trx);
  return r.rows.map(parseHistory);
}

/** Store recomputed clocks, one statement for the batch. */
export async function updateClocks(trx: Trx, updates: readonly ClockUpdate[], now: Date): Promise<void> {
  if (updates.length === 0) return;
  // `result` is already JSON text: spliced in as a raw JSON value, never re-encoded as a string.
  const doc = `[${updates
    .map(
      (u) =>
        `{"id":${JSON.stringify(u.id)},"level_key":${JSON.stringify(u.level_key)},"is_open":${u.is_open},"next_deadline_at":${JSON.stringify(u.next_deadline_at)},` +
        `"calendar_version":${JSON.stringify(u.calendar_version)},"contract_version_id":${JSON.stringify(u.contract_version_id)},` +
        `"subject_type":${JSON.stringify(u.subject_type)},"subject_id":${JSON.stringify(u.subject_id)},` +
        `"due_at":${JSON.stringify(u.due_at)},"breached":${u.breached},"at_risk":${u.at_risk},"result":${u.result},"schedule":${u.schedule}}`,
    )
    .join(',')}]`;
  await sql`
    WITH u AS (
      SELECT * FROM jsonb_to_recordset(${doc}::jsonb) AS u(id uuid, subject_type text, subject_id uuid, level_key text, is_open boolean,
        next_deadline_at timestamptz, result jsonb, schedule jsonb, due_at timestamptz, breached boolean, at_risk boolean,
        calendar_version text, contract_version_id uuid)
    ), sch AS (
      INSERT INTO sla_clock_schedules AS s (clock_id, subject_type, subject_id, next_at, steps, due_at, breached, at_risk)
      SELECT id, subject_type, subject_id, next_deadline_at, schedule, due_at, breached, at_risk FROM u
      ON CONFLICT (clock_id) DO UPDATE SET next_at = EXCLUDED.next_at, steps = EXCLUDED.steps, due_at = EXCLUDED.due_at,
        breached = EXCLUDED.breached, at_risk = EXCLUDED.at_risk
    )
    UPDATE sla_clocks AS c SET level_key = u.level_key, is_open = u.is_open, next_deadline_at = u.next_deadline_at, result = u.result,
      scheduled = true, computed_at = ${now}::timestamptz, calendar_version = u.calendar_version, contract_version_id = u.contract_version_id
    FROM u WHERE c.id = u.id`.execute(trx);
}

/** Park clocks that cannot be computed (e.g. a broken contract version): the sweep no longer picks them up. */
export async function parkClocks(trx: Trx, clockIds: readonly string[]): Promise<void> {
  if (clockIds.length === 0) return;
  await trx.deleteFrom('sla_clock_schedules').where('clock_id', 'in', clockIds).execute();
  await trx.updateTable('sla_clocks').set({ next_deadline_at: null, scheduled: false }).where('id', 'in', clockIds).execute();
}

/** Record signals; returns only the ones that are new (each warning and breach exists once). */
export async function insertSignals(trx: Trx, signals: readonly SignalInsert[], now: Date): Promise<{ id: string; clock_id: string }[]> {
  if (signals.length === 0) return [];
  const r = await sql<{ id: string; clock_id: string }>`
    INSERT INTO sla_signals (clock_id, contract_id, target_key, kind, percent, deadline_at, fired_at)
    SELECT s.clock_id, s.contract_id, s.target_key, s.kind, s.percent, s.deadline_at, ${now}::timestamptz
    FROM jsonb_to_recordset(${JSON.stringify(signals)}::jsonb) AS s(clock_id uuid, contract_id uuid, target_key text, kind text, percent integer, deadline_at timestamptz)
    ON CONFLICT (clock_id, target_key, kind, percent, deadline_at) DO NOTHING
    RETURNING id, clock_id`.execute(trx);
  return r.rows.map((x) => ({ id: String(x.id), clock_id: x.clock_id }));
}

/** SQLSTATE a statement raises (migration 0022 `yunwei_fail`) when the clock it writes changed since it was read. */
export const CLOCK_CHANGED_SQLSTATE = 'YW001';

/**
 * The CASE branch that fails a statement of {@link clockWriteCtes} with
 * {@link CLOCK_CHANGED_SQLSTATE} when `clk` wrote nothing, so none of the
 * statement's other writes is kept.
 */
export const FAIL_UNLESS_CLOCK_WRITTEN = sql`WHEN NOT EXISTS (SELECT 1 FROM clk) THEN yunwei_fail(${CLOCK_CHANGED_SQLSTATE}, 'the clock changed since it was read')`;

/** A clock with its history and signals, and its row version (`xmin`) when read: for an optimistic write ({@link clockWriteCtes}). */
export interface VersionedClock extends ClockWithEvents {
  version: string;
}

/** {@link VersionedClock} as the column of {@link clockOfSubjectColumn} brings it, before parsing. */
export type RawVersionedClock = ClockRow & RawHistory & { version: string };

/**
 * The clock of a ticket, with its history, signals and row version, as one
 * `clock` JSON column of a query that reads the ticket (`subjectId`: its id
 * column): a writer reads everything it recomputes with in the statement
 * that reads the ticket. Null when the ticket has no clock.
 */
export function clockOfSubjectColumn(subjectType: string, subjectId: RawBuilder<unknown>): AliasedRawBuilder<RawVersionedClock | null, 'clock'> {
  return sql<RawVersionedClock | null>`(SELECT json_build_object('id', c.id, 'version', c.xmin::text, 'contract_id', c.contract_id,
      'subject_type', c.subject_type, 'subject_id', c.subject_id, 'system_key', c.system_key, 'conditions', c.conditions,
      'events', ${EVENTS_JSON}, 'signals', ${SIGNALS_JSON})
    FROM sla_clocks c WHERE c.subject_type = ${subjectType}::text AND c.subject_id = ${subjectId})`.as('clock');
}

/** Parse the column of {@link clockOfSubjectColumn}. */
export function parseVersionedClock(raw: RawVersionedClock): VersionedClock {
  return parseHistory(raw);
}

/** What storing a recomputed clock writes, besides the clock row: its schedule, new events and new signals. */
export interface ClockWriteParts {
  update: ClockUpdate;
  /** Events to append, in order. */
  events: readonly StoredClockEvent[];
  /** Signals the recomputation reached that the clock has not recorded (their `clock_id` is taken from `clk`). */
  signals: readonly Omit<SignalInsert, 'clock_id'>[];
  /** The notification job each new signal enqueues. */
  job: SignalJobSpec;
}

/**
 * CTEs after `clk` (one row, `id` and `contract_id`, when the clock was
 * written): the schedule (`sch`, one row after the clock), the events, the
 * signals each once and their notification jobs (payload and dedupe key as
 * {@link replayDueSchedules} gives them).
 */
function afterClockCtes(p: ClockWriteParts, now: Date): RawBuilder<unknown> {
  const u = p.update;
  const events = JSON.stringify(p.events.map((e) => ({ type: e.type, at: e.at.toISOString(), data: e.data })));
  const parts = [
    sql`sch AS (
      INSERT INTO sla_clock_schedules AS s (clock_id, subject_type, subject_id, next_at, steps, due_at, breached, at_risk)
      SELECT clk.id, ${u.subject_type}::text, ${u.subject_id}::uuid, ${u.next_deadline_at}::timestamptz, ${u.schedule}::jsonb,
        ${u.due_at}::timestamptz, ${u.breached}::boolean, ${u.at_risk}::boolean FROM clk
      ON CONFLICT (clock_id) DO UPDATE SET next_at = EXCLUDED.next_at, steps = EXCLUDED.steps, due_at = EXCLUDED.due_at,
        breached = EXCLUDED.breached, at_risk = EXCLUDED.at_risk
      RETURNING s.clock_id
    )`,
    sql`sev AS (
      INSERT INTO sla_events (clock_id, type, at, data, recorded_at)
      SELECT clk.id, e.type, e.at, e.data, ${now}::timestamptz
      FROM clk CROSS JOIN ROWS FROM (jsonb_to_recordset(${events}::jsonb) AS (type text, at timestamptz, data jsonb)) WITH ORDINALITY AS e(type, at, data, n)
      ORDER BY e.n
    )`,
  ];
  if (p.signals.length > 0) {
    const signals = JSON.stringify(p.signals.map((s) => ({ target_key: s.target_key, kind: s.kind, percent: s.percent, deadline_at: s.deadline_at })));
    parts.push(
      sql`sig AS (
        INSERT INTO sla_signals (clock_id, contract_id, target_key, kind, percent, deadline_at, fired_at)
        SELECT clk.id, clk.contract_id, x.target_key, x.kind, x.percent, x.deadline_at, ${now}::timestamptz
        FROM clk CROSS JOIN jsonb_to_recordset(${signals}::jsonb) AS x(target_key text, kind text, percent integer, deadline_at timestamptz)
        ON CONFLICT (clock_id, target_key, kind, percent, deadline_at) DO NOTHING
        RETURNING id
      )`,
      sql`sjob AS (
        INSERT INTO jobs (kind, payload, dedupe_key, run_at, max_attempts)
        SELECT ${p.job.kind}::text, jsonb_build_object('v', ${p.job.version}::int, 'data',
            jsonb_build_object('signalId', sig.id::text, 'subjectType', ${u.subject_type}::text, 'subjectId', ${u.subject_id}::text)),
          'sla.signal:' || sig.id::text, ${now}::timestamptz, ${p.job.maxAttempts}::int
        FROM sig
        ON CONFLICT (dedupe_key) DO NOTHING
      )`,
    );
  }
  return sql.join(parts, sql`, `);
}

/**
 * CTEs that store a recomputed clock inside the caller's statement, only if
 * the clock row is still at `version` (its `xmin` when read: every writer of
 * its events rewrites the row). `clk` has one row when the clock was
 * written, none when it changed meanwhile: the caller's statement must then
 * fail ({@link FAIL_UNLESS_CLOCK_WRITTEN}) so none of its writes is kept, and
 * recompute from a fresh read. The caller's own write depends on `sch` (one
 * row after the clock and its schedule), so rows are locked in the sweep's
 * order: clock, schedule, then the ticket.
 */
export function clockWriteCtes(clockId: string, version: string, p: ClockWriteParts, now: Date): RawBuilder<unknown> {
  const u = p.update;
  return sql`clk AS (
      UPDATE sla_clocks SET level_key = ${u.level_key}::text, is_open = ${u.is_open}::boolean, next_deadline_at = ${u.next_deadline_at}::timestamptz,
        result = ${u.result}::jsonb, scheduled = true, computed_at = ${now}::timestamptz,
        calendar_version = ${u.calendar_version}::text, contract_version_id = ${u.contract_version_id}::uuid
      WHERE id = ${clockId}::uuid AND xmin = ${version}::xid
      RETURNING id, contract_id
    ), ${afterClockCtes(p, now)}`;
}

/** {@link clockWriteCtes} for a new clock (`clk` inserts it, with its first event in `p.events`). */
export function newClockCtes(clock: Omit<ClockRow, 'id' | 'conditions'> & { conditions: string }, p: ClockWriteParts, now: Date): RawBuilder<unknown> {
  const u = p.update;
  return sql`clk AS (
      INSERT INTO sla_clocks (contract_id, subject_type, subject_id, system_key, conditions, is_open, level_key,
        next_deadline_at, result, scheduled, computed_at, calendar_version, contract_version_id)
      VALUES (${clock.contract_id}::uuid, ${clock.subject_type}::text, ${clock.subject_id}::uuid, ${clock.system_key}::text, ${clock.conditions}::jsonb,
        ${u.is_open}::boolean, ${u.level_key}::text, ${u.next_deadline_at}::timestamptz, ${u.result}::jsonb, true, ${now}::timestamptz,
        ${u.calendar_version}::text, ${u.contract_version_id}::uuid)
      RETURNING id, contract_id
    ), ${afterClockCtes(p, now)}`;
}
