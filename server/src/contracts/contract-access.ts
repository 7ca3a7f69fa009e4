/**
 * Contract scoping: a user sees only contracts they are a member of. A request
 * for another contract's data answers 404, never 403, so existence is not leaked.
 */
import type { Db } from '../db/database.ts';
import { AppError, contractNotFound } from '../errors.ts';
import { isRole, type Role } from '../auth/roles.ts';
import type { Ctx } from '../shared/context.ts';
import { findContractGrants, type Grant } from './contract.repo.ts';
import type { ContractHead } from '../sla/sla-context.ts';
import { isInScope, scopeOfGrants, type ContractScope } from './scope.ts';
import { HIGHEST_LABEL, highestOf, mayRead, type SecurityLabel } from '../labels/security-label.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The caller's roles in a contract, the district/street scope they act in
 * (null = the whole contract) and their clearance: the highest security
 * label they may read (labels/security-label.ts). Lists filter on both with
 * `reachFilter` (scope.ts); single records are checked by {@link requireLocatedRecord}.
 */
export interface ContractAccess {
  roles: Role[];
  scope: ContractScope;
  clearance: SecurityLabel;
}

/**
 * Resolve the caller's roles in a contract and their scope, from one query of
 * their grants. Throws CONTRACT_NOT_FOUND when the caller is not a member
 * (platform administrators see every contract, unscoped), and FORBIDDEN when
 * `allowed` is given and none of the caller's roles is in it. The scope is
 * that of the grants of the `allowed` roles (the roles the caller acts in),
 * or of all grants when `allowed` is not given.
 */
export async function requireContractAccess(db: Db, ctx: Ctx, contractId: string, allowed?: readonly Role[]): Promise<ContractAccess & { head: ContractHead }> {
  if (!UUID_RE.test(contractId)) throw contractNotFound();
  const found = await findContractGrants(db, ctx.user.id, contractId, ctx.now);
  if (!found) throw contractNotFound();
  return { ...accessOfGrants(ctx, found.grants, allowed), head: found.head };
}

/**
 * {@link requireContractAccess} from grants already read (contract.repo.ts
 * `findGrants`, or a `grantsColumn` read with the record) of a contract known
 * to exist.
 */
export function accessOfGrants(ctx: Ctx, rawGrants: readonly Grant[], allowed?: readonly Role[]): ContractAccess {
  const grants = rawGrants.filter((g): g is Grant & { role: Role } => isRole(g.role));
  const roles = [...new Set(grants.map((g) => g.role))];
  if (roles.length === 0 && !ctx.user.isPlatformAdmin) throw contractNotFound();
  if (allowed && !ctx.user.isPlatformAdmin && !roles.some((r) => allowed.includes(r))) {
    throw new AppError('FORBIDDEN', '您在该合同中的角色无权执行此操作');
  }
  if (ctx.user.isPlatformAdmin) return { roles, scope: null, clearance: HIGHEST_LABEL };
  const acting = allowed ? grants.filter((g) => allowed.includes(g.role)) : grants;
  return {
    roles,
    scope: scopeOfGrants(acting.map((g) => ({ scopeDistrict: g.scope_district, scopeStreet: g.scope_street }))),
    // the highest clearance among the grants the caller acts in
    clearance: highestOf(acting.map((g) => g.clearance)),
  };
}

/**
 * Resolve the caller's roles in a contract. Throws CONTRACT_NOT_FOUND when the
 * caller is not a member (platform administrators see every contract), and
 * FORBIDDEN when `allowed` is given and none of the caller's roles is in it.
 * Says nothing about district/street scopes: use {@link requireContractAccess}
 * or {@link requireWholeContract} where records or contract-wide data are read.
 */
export async function requireContractRoles(db: Db, ctx: Ctx, contractId: string, allowed?: readonly Role[]): Promise<Role[]> {
  return (await requireContractAccess(db, ctx, contractId, allowed)).roles;
}

/**
 * For contract-wide resources (the roster, the audit trail as a whole,
 * close-out, contract-wide exports): a caller whose grants are limited to a
 * district or street is treated like a stranger, CONTRACT_NOT_FOUND (404).
 */
export async function requireWholeContract(db: Db, ctx: Ctx, contractId: string, allowed?: readonly Role[]): Promise<Role[]> {
  const { roles, scope } = await requireContractAccess(db, ctx, contractId, allowed);
  if (scope !== null) throw contractNotFound();
  return roles;
}

/**
 * {@link requireWholeContract} for a record that belongs to the contract as a
 * whole (a roster entry, a staff document): when the caller may not see the
 * contract, or only a district/street of it, the record itself is reported
 * missing (`notFound()`), so a 404 never reveals that it exists. Records that
 * have a place use {@link requireLocatedRecord}.
 */
export async function requireRecordRoles(db: Db, ctx: Ctx, contractId: string, notFound: () => AppError, allowed?: readonly Role[]): Promise<Role[]> {
  try {
    return await requireWholeContract(db, ctx, contractId, allowed);
  } catch (e) {
    if (e instanceof AppError && e.code === 'CONTRACT_NOT_FOUND') throw notFound();
    throw e;
  }
}

/**
 * Access to one located record (incident, work order, and through them their
 * attachments and documents): contract membership, optionally one of
 * `allowed` roles, the record inside the caller's district/street scope, and
 * its security label within the caller's clearance (`label`: the label the
 * record reads as, label-mac.ts `effectiveLabel`). Out of contract, out of
 * scope and above clearance all answer `notFound()` (404).
 */
export async function requireLocatedRecord(
  db: Db,
  ctx: Ctx,
  record: LocatedRecord,
  notFound: () => AppError,
  allowed?: readonly Role[],
): Promise<ContractAccess> {
  const found = UUID_RE.test(record.contractId) ? await findContractGrants(db, ctx.user.id, record.contractId, ctx.now) : undefined;
  if (!found) throw notFound();
  return requireLocatedRecordOfGrants(ctx, record, found.grants, notFound, allowed);
}

/** A record's contract, place and label, as {@link requireLocatedRecord} checks them. */
export interface LocatedRecord {
  contractId: string;
  district: string | null;
  street: string | null;
  label: SecurityLabel;
}

/** {@link requireLocatedRecord} with the caller's grants read together with the record (contract.repo.ts `grantsColumn`). */
export function requireLocatedRecordOfGrants(ctx: Ctx, record: LocatedRecord, grants: readonly Grant[], notFound: () => AppError, allowed?: readonly Role[]): ContractAccess {
  let access: ContractAccess;
  try {
    access = accessOfGrants(ctx, grants, allowed);
  } catch (e) {
    if (e instanceof AppError && e.code === 'CONTRACT_NOT_FOUND') throw notFound();
    throw e;
  }
  if (!isInScope(access.scope, record) || !mayRead(access.clearance, record.label)) throw notFound();
  return access;
}
