/**
 * Contract scoping: a user sees only contracts they are a member of. A request
 * for another contract's data answers 404, never 403, so existence is not leaked.
 */
import type { Db } from '../db/database.ts';
import { AppError, contractNotFound } from '../errors.ts';
import { isRole, type Role } from '../auth/roles.ts';
import type { Ctx } from '../shared/context.ts';
import { findRoles } from './contract.repo.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Resolve the caller's roles in a contract. Throws CONTRACT_NOT_FOUND when the
 * caller is not a member (platform administrators see every contract), and
 * FORBIDDEN when `allowed` is given and none of the caller's roles is in it.
 */
export async function requireContractRoles(db: Db, ctx: Ctx, contractId: string, allowed?: readonly Role[]): Promise<Role[]> {
  if (!UUID_RE.test(contractId)) throw contractNotFound();
  const roles = (await findRoles(db, ctx.user.id, contractId)).filter(isRole);
  if (roles.length === 0 && !ctx.user.isPlatformAdmin) throw contractNotFound();
  if (roles.length === 0) {
    const exists = await db.selectFrom('contracts').select('id').where('id', '=', contractId).executeTakeFirst();
    if (!exists) throw contractNotFound();
  }
  if (allowed && !ctx.user.isPlatformAdmin && !roles.some((r) => allowed.includes(r))) {
    throw new AppError('FORBIDDEN', '您在该合同中的角色无权执行此操作');
  }
  return roles;
}

/**
 * {@link requireContractRoles} for a record that belongs to a contract: when
 * the caller may not see the contract, the record itself is reported missing
 * (`notFound()`), so a 404 never reveals that it exists.
 */
export async function requireRecordRoles(db: Db, ctx: Ctx, contractId: string, notFound: () => AppError, allowed?: readonly Role[]): Promise<Role[]> {
  try {
    return await requireContractRoles(db, ctx, contractId, allowed);
  } catch (e) {
    if (e instanceof AppError && e.code === 'CONTRACT_NOT_FOUND') throw notFound();
    throw e;
  }
}
