/**
 * Incident writes that merge what would otherwise be several statements
 * (the hot path of every incident command).
 */
import { sql, type Insertable, type RawBuilder, type Updateable } from 'kysely';
import { first, precompiled, type Placeholders, type Precompiled } from '../db/precompiled.ts';
import type { AuditPendingRow } from '../audit/audit.service.ts';
import type { Trx } from '../db/database.ts';
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

/**
 * Update an incident if it still has `expectedVersion` (incrementing it), add
 * its timeline event and its audit row (`audit`: audit.service `auditRow`),
 * in one statement. Undefined when the version did not match: the row and its
 * event are then not written, and the caller must throw so the transaction
 * rolls back (the audit row is inserted whatever the outcome).
 *
 * Precompiled (db/precompiled.ts) once per set of updated columns: a command
 * type always updates the same columns, so there are a handful of shapes.
 */
export async function updateWithEvent(
  trx: Trx,
  incidentId: string,
  expectedVersion: number,
  set: Updateable<IncidentsTable>,
  event: Insertable<IncidentEventsTable>,
  audit: AuditPendingRow,
): Promise<{ version: number; status: string } | undefined> {
  const given = Object.entries(set).filter(([, v]) => v !== undefined);
  const columns = given.map(([k]) => k).sort();
  const key = columns.join(',');
  let q = UPDATE_SHAPES.get(key);
  if (!q) {
    q = updateWithEventQuery(columns);
    UPDATE_SHAPES.set(key, q);
  }
  const values: Record<string, unknown> = {
    incidentId,
    expectedVersion,
    evType: event.type,
    evAt: event.at,
    evActorUserId: event.actor_user_id ?? null,
    evActorName: event.actor_name ?? null,
    evActorRole: event.actor_role ?? null,
    evData: event.data ?? '{}',
  };
  for (const [k, v] of given) values[`set.${k}`] = v;
  for (const [k, v] of Object.entries(audit)) values[`audit.${k}`] = v;
  return first(trx, q, values);
}

type UpdateResult = { version: number; status: string };
const UPDATE_SHAPES = new Map<string, Precompiled<Record<string, unknown>, UpdateResult>>();

function updateWithEventQuery(columns: readonly string[]): Precompiled<Record<string, unknown>, UpdateResult> {
  return precompiled((db, p: Placeholders<Record<string, unknown>>) =>
    db
      .with('a', (qc) => qc.insertInto('audit_pending').values(Object.fromEntries(AUDIT_PENDING_COLUMNS.map((c) => [c, p[`audit.${c}`]])) as unknown as AuditPendingRow))
      .with('u', (qb) =>
        qb
          .updateTable('incidents')
          .set({ ...(Object.fromEntries(columns.map((c) => [c, p[`set.${c}`]])) as Updateable<IncidentsTable>), version: sql`version + 1` })
          .where('id', '=', p['incidentId'] as string)
          .where('version', '=', p['expectedVersion'] as number)
          .returning(['id', 'version', 'status']),
      )
      .with('ev', (qb) =>
        qb
          .insertInto('incident_events')
          .columns(['incident_id', 'type', 'at', 'actor_user_id', 'actor_name', 'actor_role', 'data'])
          .expression((eb) =>
            eb
              .selectFrom('u')
              .select([
                'u.id',
                sql<string>`${p['evType']}::text`.as('type'),
                sql<Date>`${p['evAt']}::timestamptz`.as('at'),
                sql<string | null>`${p['evActorUserId']}::uuid`.as('actor_user_id'),
                sql<string | null>`${p['evActorName']}::text`.as('actor_name'),
                sql<string | null>`${p['evActorRole']}::text`.as('actor_role'),
                sql<string>`${p['evData']}::jsonb`.as('data'),
              ]),
          ),
      )
      .selectFrom('u')
      .select(['version', 'status']),
  );
}

/** The columns of an `audit_pending` row, as audit.service `auditRow` gives them. */
const AUDIT_PENDING_COLUMNS: readonly (keyof AuditPendingRow)[] = [
  'id', 'occurred_at', 'actor_user_id', 'actor_name', 'actor_role', 'contract_id', 'action', 'entity_type', 'entity_id', 'before', 'after', 'client_ip', 'hash_head', 'hash_tail',
];

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
