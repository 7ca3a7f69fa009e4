/**
 * Audit trail queries (read side).
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../db/database.ts';
import { reachFilter, type RecordReach } from '../contracts/scope.ts';
import { HIGHEST_LABEL } from '../labels/security-label.ts';

/** Filters for listing audit rows. */
export interface AuditFilter {
  contractId?: string | undefined;
  action?: string | undefined;
  entityType?: string | undefined;
  actor?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  beforeSeq?: string | undefined;
  /**
   * The reader's district/street scope and clearance in `contractId`
   * (absent: every row). A limited scope shows only rows about incidents and
   * work orders inside it (and their attachments, report-up notices and
   * data-access grants); contract-wide rows are hidden. A clearance below the
   * highest label hides rows about records labelled above it, except the
   * integrity alarms, which name a record but hold none of its content.
   */
  reach?: RecordReach | undefined;
  limit: number;
}

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/**
 * Whether an audit row is about a record (an incident or work order, directly
 * or through its attachment, report-up notice or data-access grant) for which
 * `holds` is true; `holds(alias)` is a predicate over `incidents i` or
 * `work_orders w`. The CASE keeps the uuid cast from ever seeing other ids.
 */
function aboutRecord(holds: (alias: 'i' | 'w') => Expression<SqlBool>): Expression<SqlBool> {
  const incident = (id: Expression<string>) => sql`EXISTS (SELECT 1 FROM incidents i WHERE i.id = ${id} AND ${holds('i')})`;
  const workOrder = (id: Expression<string>) => sql`EXISTS (SELECT 1 FROM work_orders w WHERE w.id = ${id} AND ${holds('w')})`;
  const id = sql<string>`audit_log.entity_id::uuid`;
  return sql<SqlBool>`CASE WHEN audit_log.entity_id ~ ${UUID_PATTERN} THEN CASE audit_log.entity_type
      WHEN 'incident' THEN ${incident(id)}
      WHEN 'workOrder' THEN ${workOrder(id)}
      WHEN 'attachment' THEN EXISTS (SELECT 1 FROM attachments t WHERE t.id = ${id}
        AND ((t.subject_type = 'incident' AND ${incident(sql`t.subject_id`)}) OR (t.subject_type = 'workOrder' AND ${workOrder(sql`t.subject_id`)})))
      WHEN 'reportUpNotice' THEN EXISTS (SELECT 1 FROM report_up_notices n WHERE n.id = ${id} AND ${incident(sql`n.incident_id`)})
      WHEN 'dataAccessGrant' THEN EXISTS (SELECT 1 FROM data_access_grants g WHERE g.id = ${id} AND ${workOrder(sql`g.work_order_id`)})
      ELSE FALSE END
    ELSE FALSE END`;
}

/**
 * Audit rows within `reach`. A limited scope keeps only rows about records
 * inside it and within the clearance. The whole contract with a lower
 * clearance hides only rows about records labelled above it (or flagged by
 * the integrity verifier), except the integrity alarms themselves, which name
 * a record but hold none of its content.
 */
function auditRowInReach(reach: RecordReach): Expression<SqlBool> {
  if (reach.scope !== null) return aboutRecord((alias) => reachFilter(reach, alias));
  return sql<SqlBool>`(audit_log.action = 'security.integrityViolation' OR NOT ${aboutRecord((alias) => sql<SqlBool>`NOT ${reachFilter(reach, alias)}`)})`;
}

/** List audit rows, newest first, keyset-paginated by seq. */
export async function listAuditRows(db: Db, f: AuditFilter) {
  let q = db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(f.limit);
  if (f.contractId) q = q.where('contract_id', '=', f.contractId);
  if (f.action) q = q.where('action', 'like', `${f.action.replace(/[%_]/g, '')}%`);
  if (f.entityType) q = q.where('entity_type', '=', f.entityType);
  if (f.actor) q = q.where('actor_name', 'like', `%${f.actor.replace(/[%_]/g, '')}%`);
  if (f.from) q = q.where('occurred_at', '>=', f.from);
  if (f.to) q = q.where('occurred_at', '<', f.to);
  if (f.beforeSeq) q = q.where('seq', '<', f.beforeSeq);
  if (f.reach && (f.reach.scope !== null || f.reach.clearance !== HIGHEST_LABEL)) q = q.where(auditRowInReach(f.reach));
  return q.execute();
}

/** When the oldest audit row still kept was written (null when there is none). */
export async function oldestAuditAt(db: Db): Promise<Date | null> {
  const row = await db.selectFrom('audit_log').select('occurred_at').orderBy('seq', 'asc').limit(1).executeTakeFirst();
  return row ? new Date(row.occurred_at) : null;
}
