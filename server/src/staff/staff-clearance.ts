/**
 * The gate between the roster and system access: a vendor person may hold a
 * role in a contract only when the agency has accepted their roster entry and
 * their signed confidentiality agreement is on file (card contract L189,
 * civil-affairs contract L86; and a passed background check when the contract
 * asks for one, civil-affairs L389). Used by every grant, whoever grants.
 */
import { sql } from 'kysely';
import type { Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { ROLES, type Role } from '../auth/roles.ts';

/** Why a person is not cleared, in Chinese; empty when cleared. */
export function clearanceProblems(entry: { status: string; agreement_document_id: string | null; background_check_result: string | null } | undefined, needsBackgroundCheck: boolean): string[] {
  if (!entry) return ['该用户未登记在本合同的乙方人员名单中'];
  const problems: string[] = [];
  if (entry.status !== 'accepted' && entry.status !== 'active') problems.push('其人员登记尚未经甲方确认');
  if (!entry.agreement_document_id) problems.push('尚未上传其签署的保密协议');
  if (needsBackgroundCheck && entry.background_check_result !== 'passed') problems.push('合同要求的背景审查尚未通过');
  return problems;
}

/**
 * Whether a grant of `role` to `userId` needs clearance: vendor-side roles,
 * and any role for a user of a vendor organisation of the contract.
 */
export async function grantNeedsClearance(trx: Trx, contractId: string, userId: string, role: Role): Promise<boolean> {
  if (ROLES[role].side === 'vendor') return true;
  const vendorOrg = await trx
    .selectFrom('users as u')
    .innerJoin('contract_parties as p', 'p.organisation_id', 'u.organisation_id')
    .select('u.id')
    .where('u.id', '=', userId)
    .where('p.contract_id', '=', contractId)
    .where('p.side', '=', 'vendor')
    .executeTakeFirst();
  return vendorOrg !== undefined;
}

/**
 * Throw STAFF_NOT_CLEARED unless the grant is allowed. Locks the person's
 * roster entry, so a concurrent "left" cannot slip between check and grant.
 * Returns whether the grant is a vendor-side one (it needed clearance), which
 * the grant records: such grants end with the contract's vendor access.
 */
export async function assertGrantCleared(trx: Trx, contractId: string, userId: string, role: Role): Promise<boolean> {
  if (!(await grantNeedsClearance(trx, contractId, userId, role))) return false;
  const entry = await trx
    .selectFrom('staff_members')
    .select(['id', 'status', 'agreement_document_id', 'background_check_result'])
    .where('contract_id', '=', contractId)
    .where('user_id', '=', userId)
    .where('status', 'not in', ['left', 'rejected'])
    .forUpdate()
    .executeTakeFirst();
  const needsBackgroundCheck = await contractNeedsBackgroundCheck(trx, contractId);
  const problems = clearanceProblems(entry, needsBackgroundCheck);
  if (problems.length > 0) {
    throw new AppError('STAFF_NOT_CLEARED', `不能授予乙方人员系统权限：${problems.join('；')}`, { problems, staffId: entry?.id ?? null });
  }
  return true;
}

/** Whether the contract's current definition requires a passed background check before access. */
export async function contractNeedsBackgroundCheck(trx: Trx, contractId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('contracts as c')
    .innerJoin('contract_versions as v', 'v.id', 'c.current_version_id')
    .select(sql<boolean | null>`(v.definition -> 'staffing' -> 'clearance' ->> 'backgroundCheck')::boolean`.as('needs'))
    .where('c.id', '=', contractId)
    .executeTakeFirst();
  return row?.needs === true;
}
