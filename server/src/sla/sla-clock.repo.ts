/**
 * SLA clock queries: the only place that builds SQL for `sla_clocks`,
 * `sla_events` and `sla_signals`. Writes for many clocks at once (the sweep,
 * a calendar correction) are set-based: one statement per batch, with the
 * rows passed as one JSON document (`jsonb_to_recordset`).
 *
 * Locking rule: every writer of a clock's events holds the clock row's lock
 * (`FOR UPDATE`) first, so events read after taking the lock are complete.
 */
import { sql } from 'kysely';
import type { Trx } from '../db/database.ts';

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
  level_key: string;
  is_open: boolean;
  next_deadline_at: string | null;
  /** The serialised engine result (JSON text). */
  result: string;
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

/** Per clock `c`: its events in order, and its signals (instants as epoch milliseconds: cheaper both sides than text). */
const HISTORY_COLUMNS = sql`
  coalesce((SELECT json_agg(json_build_array(e.type, floor(extract(epoch FROM e.at) * 1000)::bigint, e.data) ORDER BY e.id)
    FROM sla_events e WHERE e.clock_id = c.id), '[]'::json) AS events,
  coalesce((SELECT json_agg(json_build_array(s.target_key, s.kind, s.percent, floor(extract(epoch FROM s.deadline_at) * 1000)::bigint))
    FROM sla_signals s WHERE s.clock_id = c.id), '[]'::json) AS signals`;

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
export async function lockClockWithHistory(trx: Trx, by: { id: string } | { subjectType: string; subjectId: string }): Promise<ClockWithEvents | undefined> {
  const where = 'id' in by ? sql`c.id = ${by.id}::uuid` : sql`c.subject_type = ${by.subjectType} AND c.subject_id = ${by.subjectId}::uuid`;
  const r = await sql<ClockRow & RawHistory & { locked: string; seen: string | null }>`
    SELECT c.id, c.contract_id, c.subject_type, c.subject_id, c.system_key, c.conditions,
      c.xmin::text AS locked, (SELECT v.xmin::text FROM sla_clocks v WHERE v.id = c.id) AS seen, ${HISTORY_COLUMNS}
    FROM sla_clocks c WHERE ${where} FOR UPDATE OF c`.execute(trx);
  const row = r.rows[0];
  if (!row) return undefined;
  const { locked, seen, ...rest } = row;
  const clock = parseHistory(rest);
  if (locked === seen) return clock;
  const again = await loadClocksWithEvents(trx, [clock.id]);
  return again[0];
}

/**
 * Store one recomputed clock, appending `events` to its history in the same
 * statement (the caller holds the clock's lock and computed with them).
 */
export async function appendEventsAndUpdateClock(trx: Trx, update: ClockUpdate, events: readonly StoredClockEvent[], now: Date): Promise<void> {
  const rows = JSON.stringify(events.map((e) => ({ type: e.type, at: e.at.toISOString(), data: e.data })));
  await sql`
    WITH ins AS (
      INSERT INTO sla_events (clock_id, type, at, data, recorded_at)
      SELECT ${update.id}::uuid, e.type, e.at, e.data, ${now}::timestamptz
      FROM ROWS FROM (jsonb_to_recordset(${rows}::jsonb) AS (type text, at timestamptz, data jsonb)) WITH ORDINALITY AS e(type, at, data, n)
      ORDER BY e.n
    )
    UPDATE sla_clocks SET level_key = ${update.level_key}, is_open = ${update.is_open}, next_deadline_at = ${update.next_deadline_at}::timestamptz,
      result = ${update.result}::jsonb, computed_at = ${now}::timestamptz, calendar_version = ${update.calendar_version},
      contract_version_id = ${update.contract_version_id}::uuid
    WHERE id = ${update.id}::uuid`.execute(trx);
}

/** Insert a new clock, already computed, with its first event; returns its id. */
export async function insertComputedClock(
  trx: Trx,
  clock: Omit<ClockRow, 'id' | 'conditions'> & { conditions: string; update: Omit<ClockUpdate, 'id'> },
  first: StoredClockEvent,
  now: Date,
): Promise<string> {
  const u = clock.update;
  const r = await sql<{ clock_id: string }>`
    WITH c AS (
      INSERT INTO sla_clocks (contract_id, subject_type, subject_id, system_key, conditions, is_open, level_key,
        next_deadline_at, result, computed_at, calendar_version, contract_version_id)
      VALUES (${clock.contract_id}::uuid, ${clock.subject_type}, ${clock.subject_id}::uuid, ${clock.system_key}, ${clock.conditions}::jsonb,
        ${u.is_open}, ${u.level_key}, ${u.next_deadline_at}::timestamptz, ${u.result}::jsonb, ${now}::timestamptz,
        ${u.calendar_version}, ${u.contract_version_id}::uuid)
      RETURNING id
    )
    INSERT INTO sla_events (clock_id, type, at, data, recorded_at)
    SELECT c.id, ${first.type}, ${first.at}::timestamptz, ${JSON.stringify(first.data)}::jsonb, ${now}::timestamptz FROM c
    RETURNING clock_id`.execute(trx);
  const id = r.rows[0]?.clock_id;
  if (!id) throw new Error('sla: inserting the clock returned no row');
  return id;
}

/** Lock up to `limit` clocks whose next deadline has passed, skipping clocks other sweepers hold. */
export async function lockDueClockIds(trx: Trx, now: Date, limit: number): Promise<string[]> {
  const r = await sql<{ id: string }>`
    SELECT id FROM sla_clocks WHERE next_deadline_at <= ${now}
    ORDER BY next_deadline_at LIMIT ${limit} FOR UPDATE SKIP LOCKED`.execute(trx);
  return r.rows.map((x) => x.id);
}

/** Lock the next `limit` open clocks after `afterId` (in id order), waiting for their current writers. */
export async function lockOpenClockIdsAfter(trx: Trx, afterId: string, limit: number): Promise<string[]> {
  const rows = await trx.selectFrom('sla_clocks').select('id').where('is_open', '=', true).where('id', '>', afterId).orderBy('id').limit(limit).forUpdate().execute();
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
        `"calendar_version":${JSON.stringify(u.calendar_version)},"contract_version_id":${JSON.stringify(u.contract_version_id)},"result":${u.result}}`,
    )
    .join(',')}]`;
  await sql`
    UPDATE sla_clocks AS c SET level_key = u.level_key, is_open = u.is_open, next_deadline_at = u.next_deadline_at, result = u.result,
      computed_at = ${now}::timestamptz, calendar_version = u.calendar_version, contract_version_id = u.contract_version_id
    FROM jsonb_to_recordset(${doc}::jsonb) AS u(id uuid, level_key text, is_open boolean, next_deadline_at timestamptz, result jsonb,
      calendar_version text, contract_version_id uuid)
    WHERE c.id = u.id`.execute(trx);
}

/** Park clocks that cannot be computed (e.g. a broken contract version): the sweep no longer picks them up. */
export async function parkClocks(trx: Trx, clockIds: readonly string[]): Promise<void> {
  if (clockIds.length === 0) return;
  await trx.updateTable('sla_clocks').set({ next_deadline_at: null }).where('id', 'in', clockIds).execute();
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
