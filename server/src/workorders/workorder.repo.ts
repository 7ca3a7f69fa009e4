/**
 * Work-order queries: rows, decisions, links, grants, the filtered list with
 * its total, and the approvals inbox. The only place that builds work-order SQL.
 */
import { sql, type Selectable } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import type { WorkOrdersTable } from '../db/schema.ts';
import type { ApprovalDecision } from '../approvals/approval-flow.ts';
import { isRole, type Role } from '../auth/roles.ts';
import type { WorkOrderKind } from './workorder-kinds.ts';
import type { WorkOrderState } from './workorder-state.ts';
import { reachFilter, type RecordReach } from '../contracts/scope.ts';
import { SECURITY_LABEL_KEYS } from '../labels/security-label.ts';
import type { LabelledRow, LabelledTable } from '../labels/label-mac.ts';

/** The columns a label check needs. */
const LABEL_COLUMNS = ['contract_id', 'security_label', 'label_mac', 'label_alarm_at'] as const;

/** A stored work order. */
export type WorkOrderRow = Selectable<WorkOrdersTable>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` looks like a uuid (anything else cannot exist). */
export function isUuid(id: string): boolean {
  return UUID_RE.test(id);
}

/** One work order, or undefined. */
export async function findWorkOrder(db: Db | Trx, id: string): Promise<WorkOrderRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('work_orders').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A recorded decision with the decider's name. */
export type StoredDecision = ApprovalDecision & { userName: string };

/** Every decision on a work order, all rounds, in order. */
export async function findDecisions(db: Db | Trx, workOrderId: string): Promise<StoredDecision[]> {
  return (await findDecisionsOf(db, [workOrderId])).get(workOrderId) ?? [];
}

/** The decisions of several work orders, by order id, each list in order. */
export async function findDecisionsOf(db: Db | Trx, workOrderIds: readonly string[]): Promise<Map<string, StoredDecision[]>> {
  const out = new Map<string, StoredDecision[]>();
  if (workOrderIds.length === 0) return out;
  const rows = await db.selectFrom('work_order_approvals').selectAll().where('work_order_id', 'in', workOrderIds).orderBy('id').execute();
  for (const r of rows) {
    if (!isRole(r.role)) continue;
    const list = out.get(r.work_order_id) ?? [];
    list.push({ round: r.round, stepKey: r.step_key, userId: r.user_id, userName: r.user_name, role: r.role, decision: r.decision, comment: r.comment, at: new Date(r.at) });
    out.set(r.work_order_id, list);
  }
  return out;
}

/** The active roles of a user in a contract. */
export async function rolesInContract(db: Db | Trx, userId: string, contractId: string): Promise<Role[]> {
  const rows = await db.selectFrom('memberships').select('role').where('user_id', '=', userId).where('contract_id', '=', contractId).where('revoked_at', 'is', null).execute();
  return rows.map((r) => r.role).filter(isRole);
}

/** Display names of users by id. */
export async function userNames(db: Db | Trx, ids: readonly (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((x): x is string => x !== null))];
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'display_name']).where('id', 'in', wanted).execute();
  return new Map(rows.map((r) => [r.id, r.display_name]));
}

/** Filters of the list. */
export interface WorkOrderFilter {
  contractId: string;
  kind?: WorkOrderKind | undefined;
  subtype?: string | undefined;
  states?: WorkOrderState[] | undefined;
  systemKey?: string | undefined;
  assigneeUserId?: string | undefined;
  /** Only orders this user created, requested or executes. */
  involvingUserId?: string | undefined;
  openOnly?: boolean | undefined;
  breached?: boolean | undefined;
  /** Already in the doubled search form. */
  doubledNeedle?: string | undefined;
  /** The caller's district/street scope and clearance (contract-access.ts `ContractAccess`). */
  reach: RecordReach;
  limit: number;
  offset: number;
}

const FINAL_FOR_LIST: WorkOrderState[] = ['closed', 'cancelled', 'withdrawn', 'rolledBack'];

/** A page of the filtered list (newest first) and the total number of matches. */
export async function listWorkOrderRows(db: Db, f: WorkOrderFilter): Promise<{ rows: WorkOrderRow[]; total: number }> {
  let q = db.selectFrom('work_orders').where('contract_id', '=', f.contractId).where(reachFilter(f.reach));
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.subtype) q = q.where('subtype', '=', f.subtype);
  if (f.states && f.states.length > 0) q = q.where('state', 'in', f.states);
  if (f.systemKey) q = q.where('system_key', '=', f.systemKey);
  if (f.assigneeUserId) q = q.where('assignee_user_id', '=', f.assigneeUserId);
  if (f.openOnly) q = q.where('state', 'not in', FINAL_FOR_LIST);
  if (f.breached !== undefined) q = q.where('sla_breached', '=', f.breached);
  const who = f.involvingUserId;
  if (who) q = q.where((eb) => eb.or([eb('created_by', '=', who), eb('requester_user_id', '=', who), eb('assignee_user_id', '=', who)]));
  if (f.doubledNeedle) q = q.where('search_doubled', 'like', `%${f.doubledNeedle}%`);
  const [rows, count] = await Promise.all([
    q.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(f.limit).offset(f.offset).execute(),
    q.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
  ]);
  return { rows, total: Number(count?.n ?? 0) };
}

/** An order waiting on a role the user holds in its contract (the inbox's candidates). */
export interface InboxCandidate {
  row: WorkOrderRow;
  contractCode: string;
  contractName: string;
  roles: Role[];
  /** The user's highest clearance among the grants that let them decide this order. */
  clearance: string | null;
}

/**
 * Orders pending approval whose current step waits on a role the user holds
 * in that order's contract, excluding orders the user created or requested.
 * Oldest wait first.
 */
export async function findInboxCandidates(db: Db, userId: string): Promise<InboxCandidate[]> {
  const labels = sql`${[...SECURITY_LABEL_KEYS]}::text[]`;
  const grantCovers = sql`(m.scope_district IS NULL OR (m.scope_district = w.district AND (m.scope_street IS NULL OR m.scope_street = w.street)))`;
  const rows = await db
    .selectFrom('work_orders as w')
    .innerJoin('contracts as c', 'c.id', 'w.contract_id')
    .selectAll('w')
    .select(['c.code as contract_code', 'c.name as contract_name'])
    .select(
      sql<string[]>`(SELECT array_agg(DISTINCT m.role) FROM memberships m WHERE m.user_id = ${userId} AND m.contract_id = w.contract_id AND m.revoked_at IS NULL)`.as('my_roles'),
    )
    .select(
      sql<string>`(SELECT (${labels})[max(array_position(${labels}, m.clearance))] FROM memberships m WHERE m.user_id = ${userId} AND m.contract_id = w.contract_id AND m.revoked_at IS NULL
        AND m.role = ANY(w.approval_waiting_roles) AND ${grantCovers})`.as('my_clearance'),
    )
    .where('w.state', '=', 'pendingApproval')
    .where('w.created_by', '<>', userId)
    .where('w.requester_user_id', '<>', userId)
    .where(
      // a grant of a waiting role whose district/street scope covers the order and whose clearance
      // reaches its label (a label the integrity verifier flagged counts as the highest)
      sql<boolean>`EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = ${userId} AND m.contract_id = w.contract_id AND m.revoked_at IS NULL
        AND m.role = ANY(w.approval_waiting_roles) AND ${grantCovers}
        AND array_position(${labels}, m.clearance) >= CASE WHEN w.label_alarm_at IS NULL THEN array_position(${labels}, w.security_label) ELSE ${SECURITY_LABEL_KEYS.length} END)`,
    )
    .orderBy('w.approval_step_since')
    .limit(500)
    .execute();
  return rows.map(({ contract_code, contract_name, my_roles, my_clearance, ...row }) => ({
    row,
    contractCode: contract_code,
    contractName: contract_name,
    roles: (my_roles ?? []).filter(isRole),
    clearance: my_clearance,
  }));
}

/**
 * Links from and to a work order, with the other side's number and title;
 * `other` is null when that record is above the caller's clearance
 * (`mayReadRow`) or gone.
 */
export async function findLinks(db: Db, workOrderId: string, mayReadRow: (table: LabelledTable, row: LabelledRow) => boolean) {
  const out = await db.selectFrom('work_order_links').selectAll().where('work_order_id', '=', workOrderId).orderBy('id').execute();
  const inc = await db.selectFrom('work_order_links').selectAll().where('target_type', '=', 'workOrder').where('target_id', '=', workOrderId).orderBy('id').execute();
  const woIds = [...out.filter((l) => l.target_type === 'workOrder').map((l) => l.target_id), ...inc.map((l) => l.work_order_id)];
  const incidentIds = out.filter((l) => l.target_type === 'incident').map((l) => l.target_id);
  const [wos, incidents] = await Promise.all([
    woIds.length ? db.selectFrom('work_orders').select(['id', 'number', 'title', ...LABEL_COLUMNS]).where('id', 'in', woIds).execute() : [],
    incidentIds.length ? db.selectFrom('incidents').select(['id', 'number', 'title', ...LABEL_COLUMNS]).where('id', 'in', incidentIds).execute() : [],
  ]);
  const names = new Map([...wos.filter((r) => mayReadRow('work_orders', r)), ...incidents.filter((r) => mayReadRow('incidents', r))].map((r) => [r.id, r]));
  return [
    ...out.map((l) => ({ link: l, otherType: l.target_type, otherId: l.target_id, other: names.get(l.target_id) ?? null, direction: 'outgoing' as const })),
    ...inc.map((l) => ({ link: l, otherType: 'workOrder' as const, otherId: l.work_order_id, other: names.get(l.work_order_id) ?? null, direction: 'incoming' as const })),
  ];
}

/** The data-access grants of a work order, with the grantee's name. */
export async function findGrants(db: Db | Trx, workOrderId: string) {
  return db
    .selectFrom('data_access_grants as g')
    .innerJoin('users as u', 'u.id', 'g.user_id')
    .selectAll('g')
    .select('u.display_name')
    .where('g.work_order_id', '=', workOrderId)
    .orderBy('g.granted_at')
    .execute();
}
