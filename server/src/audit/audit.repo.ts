/**
 * Audit trail queries (read side).
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../db/database.ts';
import { scopeFilter, type ContractScope } from '../contracts/scope.ts';

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
   * The reader's district/street scope in `contractId`. Limited: only rows
   * about incidents and work orders inside it (and their attachments,
   * report-up notices and data-access grants); contract-wide rows are hidden.
   */
  scope?: ContractScope | undefined;
  limit: number;
}

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Audit rows whose entity lies inside `scope` (the CASE keeps the uuid cast from ever seeing other ids). */
function auditRowInScope(scope: ContractScope): Expression<SqlBool> {
  const inc = scopeFilter(scope, { district: 'i.district', street: 'i.street' });
  const wo = scopeFilter(scope, { district: 'w.district', street: 'w.street' });
  const incident = (id: Expression<string>) => sql`EXISTS (SELECT 1 FROM incidents i WHERE i.id = ${id} AND ${inc})`;
  const workOrder = (id: Expression<string>) => sql`EXISTS (SELECT 1 FROM work_orders w WHERE w.id = ${id} AND ${wo})`;
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
  if (f.scope) q = q.where(auditRowInScope(f.scope));
  return q.execute();
}

/** When the oldest audit row still kept was written (null when there is none). */
export async function oldestAuditAt(db: Db): Promise<Date | null> {
  const row = await db.selectFrom('audit_log').select('occurred_at').orderBy('seq', 'asc').limit(1).executeTakeFirst();
  return row ? new Date(row.occurred_at) : null;
}
