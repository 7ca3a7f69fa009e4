/**
 * Incident writes that merge what would otherwise be several statements
 * (the hot path of every incident command).
 */
import { sql, type Insertable, type RawBuilder, type Updateable } from 'kysely';
import { auditInsertFrom, type AuditPendingRow } from '../audit/audit.service.ts';
import type { DbOrTrx, Trx } from '../db/database.ts';
import { setClause, valuesClause } from '../db/raw-rows.ts';
import { CLOCK_CHANGED_SQLSTATE, FAIL_UNLESS_CLOCK_WRITTEN } from '../sla/sla-clock.repo.ts';
import type { IncidentEventsTable, IncidentsTable } from '../db/schema.ts';

/** The next incident number, `GZ{year of report}-{000123}`, drawn inside the INSERT that uses it. */
export function incidentNumber(reportedAt: Date): RawBuilder<string> {
  return sql<string>`(SELECT 'GZ' || ${reportedAt.toISOString().slice(0, 4)}::text || '-' || lpad(n, greatest(6, length(n)), '0')
    FROM (SELECT nextval('incident_number_seq')::text AS n) s)`;
}

/** An incident's denormalised SLA columns. */
export interface IncidentSlaColumns {
  sla_next_deadline_at: string | null;
  sla_due_at: string | null;
  sla_breached: boolean;
  sla_at_risk: boolean;
}

/** The timeline event of an incident write (its incident is the row written). */
export type IncidentEventValues = Omit<Insertable<IncidentEventsTable>, 'incident_id'>;

/** The INSERT of a timeline event for the incident the CTE `inc` wrote, if it wrote one. */
function eventFromInc(e: IncidentEventValues): RawBuilder<unknown> {
  return sql`INSERT INTO incident_events (incident_id, type, at, actor_user_id, actor_name, actor_role, data)
    SELECT inc.id, ${e.type}::text, ${e.at}::timestamptz, ${e.actor_user_id ?? null}::uuid, ${e.actor_name ?? null}::text,
      ${e.actor_role ?? null}::text, ${e.data ?? '{}'}::jsonb FROM inc`;
}

/** SQLSTATE of an incident write whose version check matched nothing after its clock was written (migration 0022 `yunwei_fail`). */
const VERSION_CHANGED_SQLSTATE = 'YW002';

/** Outcome of {@link writeIncidentCommand}. */
export type CommandWrite = { ok: true; version: number; status: string } | { ok: false; conflict: 'version' | 'clock' };

/**
 * Write an incident command as one statement: update the incident if it
 * still has `expectedVersion` (incrementing it), add its timeline event and
 * its audit row (audit.service `auditRow`) and, with `clock`, store its
 * recomputed SLA clock (sla-clock.service `prepareClockEvents`) if the clock
 * is still the version read. Either everything is written or nothing:
 * - version changed: the UPDATE matches nothing, so neither does anything
 *   that depends on it; with a clock (written first, in the sweep's lock
 *   order), the statement fails instead (`yunwei_fail`);
 * - clock changed meanwhile (another writer recorded events): the statement
 *   fails; the caller recomputes from a fresh read.
 * Autocommitted on its own, or part of the caller's transaction.
 */
export async function writeIncidentCommand(
  db: DbOrTrx,
  w: { incidentId: string; expectedVersion: number; set: Updateable<IncidentsTable>; event: IncidentEventValues; audit: AuditPendingRow; clock?: RawBuilder<unknown> | undefined },
): Promise<CommandWrite> {
  const update = sql`UPDATE incidents SET ${setClause(w.set)}, version = version + 1
      WHERE id = ${w.incidentId}::uuid AND version = ${w.expectedVersion}::int${w.clock ? sql` AND EXISTS (SELECT 1 FROM sch)` : sql``}
      RETURNING id, version, status`;
  const guard = w.clock
    ? sql`CASE ${FAIL_UNLESS_CLOCK_WRITTEN}
        WHEN NOT EXISTS (SELECT 1 FROM inc) THEN yunwei_fail(${VERSION_CHANGED_SQLSTATE}, 'the incident changed since it was read') END`
    : sql`NULL::boolean`;
  try {
    const r = await sql<{ version: number | null; status: string | null }>`
      WITH ${w.clock ? sql`${w.clock}, ` : sql``}inc AS (${update}),
        ev AS (${eventFromInc(w.event)}),
        a AS (${auditInsertFrom(w.audit, 'inc')})
      SELECT ${guard} AS guard, inc.version, inc.status FROM (SELECT 1) AS one LEFT JOIN inc ON true`.execute(db);
    const row = r.rows[0];
    return row && row.version !== null && row.status !== null ? { ok: true, version: row.version, status: row.status } : { ok: false, conflict: 'version' };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === CLOCK_CHANGED_SQLSTATE) return { ok: false, conflict: 'clock' };
    if (code === VERSION_CHANGED_SQLSTATE) return { ok: false, conflict: 'version' };
    throw e;
  }
}

/**
 * Insert a new incident as one statement, with its SLA clock (sla-clock.service
 * `prepareNewClock`), its first timeline event and its audit row. The number
 * is drawn in the statement ({@link incidentNumber}, from the year of
 * `reported_at`): the audit entry holds `numberMarker` where the number goes
 * (audit.service `LateAuditValue`).
 */
export async function insertIncident(
  db: DbOrTrx,
  w: { row: Omit<Insertable<IncidentsTable>, 'number'> & { reported_at: Date }; clock: RawBuilder<unknown>; event: IncidentEventValues; audit: AuditPendingRow; numberMarker: string },
): Promise<{ id: string; number: string }> {
  const r = await sql<{ id: string; number: string }>`
    WITH ${w.clock},
      inc AS (INSERT INTO incidents ${valuesClause({ ...w.row, number: incidentNumber(w.row.reported_at) })} RETURNING id, number),
      ev AS (${eventFromInc(w.event)}),
      a AS (${auditInsertFrom(w.audit, 'inc', { marker: w.numberMarker, value: sql.ref('inc.number') })})
    SELECT id, number FROM inc`.execute(db);
  const row = r.rows[0];
  if (!row) throw new Error('incidents: the insert returned no row');
  return row;
}

/** Store the SLA columns of many incidents in one statement, skipping rows whose columns are unchanged. */
export async function updateIncidentSlaColumns(trx: Trx, rows: readonly ({ id: string } & IncidentSlaColumns)[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    UPDATE incidents AS i SET sla_next_deadline_at = u.sla_next_deadline_at, sla_due_at = u.sla_due_at,
      sla_breached = u.sla_breached, sla_at_risk = u.sla_at_risk
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      AS u(id uuid, sla_next_deadline_at timestamptz, sla_due_at timestamptz, sla_breached boolean, sla_at_risk boolean)
    WHERE i.id = u.id
      AND (i.sla_next_deadline_at, i.sla_due_at, i.sla_breached, i.sla_at_risk)
        IS DISTINCT FROM (u.sla_next_deadline_at, u.sla_due_at, u.sla_breached, u.sla_at_risk)`.execute(trx);
}

/**
 * The sweep's form of incident.service `syncSlaColumns`: copy the replayed
 * clocks' next deadline and summary (nearest open deadline, breached, at
 * risk: what `slaColumnsOf` derives from a view) onto their incidents, in one
 * statement, writing only rows that change.
 */
export async function syncIncidentSlaFromClocks(trx: Trx, clockIds: readonly string[]): Promise<void> {
  if (clockIds.length === 0) return;
  await sql`
    UPDATE incidents AS i SET sla_next_deadline_at = s.next_at, sla_due_at = s.due_at, sla_breached = s.breached, sla_at_risk = s.at_risk
    FROM sla_clock_schedules s
    WHERE s.clock_id = ANY(${clockIds}::uuid[]) AND s.subject_type = 'incident' AND i.id = s.subject_id
      AND (i.sla_next_deadline_at, i.sla_due_at, i.sla_breached, i.sla_at_risk)
        IS DISTINCT FROM (s.next_at, s.due_at, s.breached, s.at_risk)`.execute(trx);
}
