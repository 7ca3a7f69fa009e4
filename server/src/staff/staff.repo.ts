/**
 * Roster queries: the only place that builds SQL for staff_members,
 * staff_documents and staff_replacement_requests.
 */
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import type { StaffMembersTable, StaffReplacementRequestsTable } from '../db/schema.ts';
import type { TContractDefinition } from '../contracts/contract-definition.schema.ts';

export type StaffRow = Selectable<StaffMembersTable>;
export type ReplacementRow = Selectable<StaffReplacementRequestsTable>;

/** The contract facts the roster needs: time zone and the current definition. */
export async function findContractContext(db: Db | Trx, contractId: string): Promise<{ timezone: string; periodStart: string; definition: TContractDefinition } | undefined> {
  const row = await db
    .selectFrom('contracts as c')
    .innerJoin('contract_versions as v', 'v.id', 'c.current_version_id')
    .select(['c.timezone', 'c.period_start', 'v.definition'])
    .where('c.id', '=', contractId)
    .executeTakeFirst();
  if (!row) return undefined;
  return { timezone: row.timezone, periodStart: row.period_start, definition: row.definition as TContractDefinition };
}

/** One roster entry. */
export async function findStaff(db: Db | Trx, id: string): Promise<StaffRow | undefined> {
  return db.selectFrom('staff_members').selectAll().where('id', '=', id).executeTakeFirst();
}

/** One roster entry, locked for update. */
export async function lockStaff(trx: Trx, id: string): Promise<StaffRow | undefined> {
  return trx.selectFrom('staff_members').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Every roster entry of a contract with the linked username and the accepting user's name. */
export async function listStaffWithNames(db: Db | Trx, contractId: string, onlyId?: string) {
  let q = db
    .selectFrom('staff_members as s')
    .leftJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('users as a', 'a.id', 's.accepted_by')
    .selectAll('s')
    .select(['u.username', 'a.display_name as accepted_by_name'])
    .where('s.contract_id', '=', contractId);
  if (onlyId) q = q.where('s.id', '=', onlyId);
  return q.orderBy('s.created_at').execute();
}

/** Active roles of the given users in a contract. */
export async function rolesOfUsers(db: Db | Trx, contractId: string, userIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (userIds.length === 0) return out;
  const rows = await db
    .selectFrom('memberships')
    .select(['user_id', 'role'])
    .where('contract_id', '=', contractId)
    .where('user_id', 'in', [...userIds])
    .where('revoked_at', 'is', null)
    .execute();
  for (const r of rows) out.set(r.user_id, [...(out.get(r.user_id) ?? []), r.role]);
  return out;
}

/** Replacement requests of a contract (or of one person), newest first, with names. */
export async function listReplacementRequests(db: Db | Trx, contractId: string, staffId?: string) {
  let q = db
    .selectFrom('staff_replacement_requests as r')
    .innerJoin('staff_members as s', 's.id', 'r.staff_member_id')
    .leftJoin('staff_members as n', 'n.id', 'r.replacement_member_id')
    .leftJoin('users as u', 'u.id', 'r.requested_by')
    .selectAll('r')
    .select(['s.person_name', 'n.person_name as replacement_name', 'u.display_name as requested_by_name'])
    .where('r.contract_id', '=', contractId);
  if (staffId) q = q.where((eb) => eb.or([eb('r.staff_member_id', '=', staffId), eb('r.replacement_member_id', '=', staffId)]));
  return q.orderBy('r.requested_at', 'desc').execute();
}

/** One replacement request, locked for update. */
export async function lockReplacementRequest(trx: Trx, id: string): Promise<ReplacementRow | undefined> {
  return trx.selectFrom('staff_replacement_requests').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

/** One replacement request. */
export async function findReplacementRequest(db: Db | Trx, id: string): Promise<ReplacementRow | undefined> {
  return db.selectFrom('staff_replacement_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The pending (open or overdue) request naming `memberId` as the replacement, if any. */
export async function findPendingRequestForReplacement(trx: Trx, memberId: string): Promise<ReplacementRow | undefined> {
  return trx
    .selectFrom('staff_replacement_requests')
    .selectAll()
    .where('replacement_member_id', '=', memberId)
    .where('status', 'in', ['open', 'overdue'])
    .forUpdate()
    .executeTakeFirst();
}

/** The pending request about `staffId` (at most one). */
export async function findPendingRequestAbout(trx: Trx, staffId: string): Promise<ReplacementRow | undefined> {
  return trx.selectFrom('staff_replacement_requests').selectAll().where('staff_member_id', '=', staffId).where('status', 'in', ['open', 'overdue']).executeTakeFirst();
}

/** Documents of a roster entry (metadata only). */
export async function listDocuments(db: Db | Trx, staffId: string) {
  return db
    .selectFrom('staff_documents as d')
    .leftJoin('users as u', 'u.id', 'd.uploaded_by')
    .select(['d.id', 'd.kind', 'd.file_name', 'd.mime_type', 'd.size_bytes', 'd.digest_sm3', 'd.uploaded_at', 'u.display_name'])
    .where('d.staff_member_id', '=', staffId)
    .orderBy('d.uploaded_at')
    .execute();
}

/** A document with its content. */
export async function findDocument(db: Db | Trx, id: string) {
  return db.selectFrom('staff_documents').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A user id by username (case-insensitive). */
export async function findUserIdByUsername(db: Db | Trx, username: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
    .executeTakeFirst();
  return row?.id;
}

/** The current (not left, not rejected) roster entry of a user in a contract. */
export async function findCurrentEntryOfUser(db: Db | Trx, contractId: string, userId: string): Promise<StaffRow | undefined> {
  return db
    .selectFrom('staff_members')
    .selectAll()
    .where('contract_id', '=', contractId)
    .where('user_id', '=', userId)
    .where('status', 'not in', ['left', 'rejected'])
    .executeTakeFirst();
}

/** Insert a roster entry. */
export async function insertStaff(trx: Trx, values: Insertable<StaffMembersTable>): Promise<StaffRow> {
  return trx.insertInto('staff_members').values(values).returningAll().executeTakeFirstOrThrow();
}

/** Update a roster entry and bump its version. */
export async function updateStaffRow(trx: Trx, id: string, patch: Updateable<StaffMembersTable>): Promise<StaffRow> {
  return trx
    .updateTable('staff_members')
    .set((eb) => ({ ...patch, version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Revoke every active grant of a user in a contract; returns what was revoked. */
export async function revokeGrantsOfUser(trx: Trx, contractId: string, userId: string, now: Date) {
  return trx
    .updateTable('memberships')
    .set({ revoked_at: now })
    .where('contract_id', '=', contractId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'role', 'scope_district', 'scope_street'])
    .execute();
}

/** End every open session of a user; returns how many. */
export async function endSessionsOfUser(trx: Trx, userId: string, now: Date): Promise<number> {
  const r = await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Users holding any of `roles` in a contract. */
export async function usersWithRoles(db: Db | Trx, contractId: string, roles: readonly string[]): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .select('user_id')
    .distinct()
    .where('contract_id', '=', contractId)
    .where('revoked_at', 'is', null)
    .where('role', 'in', [...roles])
    .execute();
  return rows.map((r) => r.user_id);
}

/** Insert in-app notifications for several users; a repeated dedupe key is ignored. */
export async function notifyUsers(
  trx: Trx | Db,
  userIds: readonly string[],
  n: { contractId: string; kind: string; title: string; body: string; subjectType: string; subjectId: string; dedupeKey: string; now: Date },
): Promise<void> {
  if (userIds.length === 0) return;
  await trx
    .insertInto('notifications')
    .values(
      userIds.map((userId) => ({
        contract_id: n.contractId,
        user_id: userId,
        kind: n.kind,
        title: n.title,
        body: n.body,
        subject_type: n.subjectType,
        subject_id: n.subjectId,
        dedupe_key: n.dedupeKey,
        created_at: n.now,
      })),
    )
    .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing())
    .execute();
}

/** Open requests whose deadline has passed, oldest deadline first. */
export async function findDueReplacementIds(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('staff_replacement_requests').select('id').where('status', '=', 'open').where('due_at', '<=', now).orderBy('due_at').limit(limit).execute();
  return rows.map((r) => r.id);
}

/** Mark one request overdue if it is still open; returns it when this call made the change. */
export async function markReplacementOverdue(trx: Trx, id: string, now: Date): Promise<ReplacementRow | undefined> {
  return trx
    .updateTable('staff_replacement_requests')
    .set({ status: 'overdue', overdue_at: now })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .returningAll()
    .executeTakeFirst();
}
