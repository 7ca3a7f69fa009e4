/**
 * Audit trail queries (read side).
 */
import type { Db } from '../db/database.ts';

/** Filters for listing audit rows. */
export interface AuditFilter {
  contractId?: string | undefined;
  action?: string | undefined;
  entityType?: string | undefined;
  actor?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  beforeSeq?: string | undefined;
  limit: number;
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
  return q.execute();
}

/** When the oldest audit row still kept was written (null when there is none). */
export async function oldestAuditAt(db: Db): Promise<Date | null> {
  const row = await db.selectFrom('audit_log').select('occurred_at').orderBy('seq', 'asc').limit(1).executeTakeFirst();
  return row ? new Date(row.occurred_at) : null;
}
