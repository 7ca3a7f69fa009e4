/**
 * Users and their contract roles.
 */
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { recordAudit, type AuditActor } from '../audit/audit.service.ts';
import { assertPasswordPolicy, hashPassword } from '../auth/password.ts';
import { assertNotCommonPassword } from '../auth/password-profile.ts';
import { isRole, ROLES, type Role } from '../auth/roles.ts';
import { requireContractAccess, requireContractRoles } from '../contracts/contract-access.ts';
import { DEFAULT_CLEARANCE, isSecurityLabel, labelName, type SecurityLabel } from '../labels/security-label.ts';
import { assertLabelWithinClearance } from '../labels/label-rules.ts';
import { ACCESS_REVIEWERS, MEMBERSHIP_MANAGERS } from '../auth/roles.ts';
import type { Ctx } from '../shared/context.ts';
import { describeScope, effectiveScope, isInScope, validateGrantScope, type ScopeArea } from '../contracts/scope.ts';
import { assertGrantCleared } from '../staff/staff-clearance.ts';
import { platformDutiesConflict } from './platform-auditor.ts';

/** Input for creating a user. */
export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  organisationName?: string | undefined;
  organisationKind?: 'agency' | 'vendor' | 'thirdParty' | 'platform' | undefined;
  isPlatformAdmin?: boolean | undefined;
  /** The platform's security auditor (orgs/platform-auditor.ts); never together with isPlatformAdmin (ROLE_CONFLICT). */
  isPlatformAuditor?: boolean | undefined;
  /**
   * The password is an initial one set by an administrator: it must be changed
   * at the first sign-in (security.md check 13). Default true; only the demo
   * seed and tests pass false.
   */
  mustChangePassword?: boolean | undefined;
  /** A demo account (demo seed): never forced to change its password. */
  demoAccount?: boolean | undefined;
}

/** The actor of a context, for audit rows. */
export function actorOf(ctx: Ctx | null, role: string | null = null): AuditActor {
  if (!ctx) return { userId: null, name: '系统（命令行）', role: 'cli', clientIp: null };
  return { userId: ctx.user.id, name: ctx.user.displayName, role: role ?? (ctx.user.isPlatformAdmin ? 'platformAdmin' : null), clientIp: ctx.clientIp };
}

/**
 * Create a user (platform administrators, or the CLI with ctx = null).
 * `hash` turns the password into its stored form; only test factories pass
 * another one (a cached hash, so that hundreds of test users do not cost one
 * PBKDF2 each).
 */
export async function createUser(db: Db, ctx: Ctx | null, input: NewUser, now: Date, hash: (password: string) => Promise<string> = hashPassword): Promise<{ id: string }> {
  if (input.isPlatformAdmin === true && input.isPlatformAuditor === true) throw platformDutiesConflict();
  assertPasswordPolicy(input.password);
  assertNotCommonPassword(input.password);
  const demoAccount = input.demoAccount ?? false;
  const mustChangePassword = !demoAccount && (input.mustChangePassword ?? true);
  const passwordHash = await hash(input.password);
  return db.transaction().execute(async (trx) => {
    const clash = await trx
      .selectFrom('users')
      .select('id')
      .where((eb) => eb(eb.fn('lower', ['username']), '=', input.username.toLowerCase()))
      .executeTakeFirst();
    if (clash) throw new AppError('USER_EXISTS', `用户名「${input.username}」已存在`);
    let organisationId: string | null = null;
    if (input.organisationName) {
      const org = await trx.selectFrom('organisations').select('id').where('name', '=', input.organisationName).executeTakeFirst();
      organisationId =
        org?.id ??
        (await trx
          .insertInto('organisations')
          .values({ name: input.organisationName, kind: input.organisationKind ?? 'platform' })
          .returning('id')
          .executeTakeFirstOrThrow()).id;
    }
    const row = await trx
      .insertInto('users')
      .values({
        username: input.username,
        display_name: input.displayName,
        password_hash: passwordHash,
        organisation_id: organisationId,
        is_platform_admin: input.isPlatformAdmin ?? false,
        is_platform_auditor: input.isPlatformAuditor ?? false,
        password_changed_at: now,
        must_change_password: mustChangePassword,
        demo_account: demoAccount,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(
      trx,
      actorOf(ctx),
      { action: 'user.created', entityType: 'user', entityId: row.id, contractId: null, after: { username: input.username, displayName: input.displayName, organisation: input.organisationName ?? null, isPlatformAdmin: input.isPlatformAdmin ?? false, isPlatformAuditor: input.isPlatformAuditor ?? false, mustChangePassword, demoAccount } },
      now,
    );
    return row;
  });
}

/**
 * Mark an existing account as a demo account (the demo seed, for accounts
 * created before demo accounts were marked): never forced to change its password. Audited.
 */
export async function markDemoAccount(db: Db, userId: string, now: Date): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const r = await trx.updateTable('users').set({ demo_account: true, must_change_password: false }).where('id', '=', userId).where('demo_account', '=', false).returning('username').executeTakeFirst();
    if (r) await recordAudit(trx, actorOf(null), { action: 'user.markedDemo', entityType: 'user', entityId: userId, contractId: null, after: { username: r.username } }, now);
  });
}

/** A grant's district/street limit (agency-side roles only). */
export interface GrantScopeInput {
  district: string;
  street?: string | null | undefined;
}

/**
 * Grant a contract role (agency administrators of the contract, platform
 * administrators, or the CLI). Nobody has a role by default: every role is an
 * explicit, audited grant. A vendor person must be cleared on the roster first
 * (STAFF_NOT_CLEARED); an agency grant may be limited to a district or street
 * of the contract's sites (SCOPE_INVALID otherwise). The grant's clearance
 * (highest security label its holder reads; default 内部) may not exceed the
 * granting administrator's own (SECURITY_LABEL_ABOVE_CLEARANCE).
 */
export async function grantRole(
  db: Db,
  ctx: Ctx | null,
  input: { userId: string; contractId: string; role: string; scope?: GrantScopeInput | null | undefined; clearance?: SecurityLabel | undefined },
  now: Date,
): Promise<{ id: string }> {
  if (!isRole(input.role)) throw new AppError('ROLE_UNKNOWN', `未知角色「${input.role}」`);
  const role: Role = input.role;
  const clearance = input.clearance ?? DEFAULT_CLEARANCE;
  if (ctx) assertLabelWithinClearance((await requireContractAccess(db, ctx, input.contractId, MEMBERSHIP_MANAGERS)).clearance, clearance, 'clearance');
  return db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'username']).where('id', '=', input.userId).executeTakeFirst();
    if (!user) throw new AppError('NOT_FOUND', '用户不存在');
    const scope = input.scope ? await validateGrantScope(trx, input.contractId, role, input.scope) : null;
    if (ctx) await assertWithinGrantorScope(trx, ctx, input.contractId, scope);
    const vendorSide = await assertGrantCleared(trx, input.contractId, input.userId, role);
    await assertSeparateDuties(trx, input.contractId, input.userId, role);
    const existing = await trx
      .selectFrom('memberships')
      .select('id')
      .where('user_id', '=', input.userId)
      .where('contract_id', '=', input.contractId)
      .where('role', '=', role)
      .where('revoked_at', 'is', null)
      .where((eb) => (scope ? eb('scope_district', '=', scope.district) : eb('scope_district', 'is', null)))
      .where((eb) => (scope?.street ? eb('scope_street', '=', scope.street) : eb('scope_street', 'is', null)))
      .executeTakeFirst();
    if (existing) return existing;
    const row = await trx
      .insertInto('memberships')
      .values({ user_id: input.userId, contract_id: input.contractId, role, granted_by: ctx?.user.id ?? null, scope_district: scope?.district ?? null, scope_street: scope?.street ?? null, vendor_side: vendorSide, clearance })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(
      trx,
      actorOf(ctx),
      { action: 'membership.granted', entityType: 'membership', entityId: row.id, contractId: input.contractId, after: { userId: input.userId, username: user.username, role, scope, vendorSide, clearance } },
      now,
    );
    return row;
  });
}

/** Roles one person may not hold together in a contract (三权分立: who administers does not audit). */
const EXCLUSIVE_ROLES: readonly (readonly [Role, Role])[] = [['auditor', 'agencyAdmin']];

/** Refuse a grant that would give one person two roles that must stay apart (ROLE_CONFLICT). */
async function assertSeparateDuties(trx: Trx, contractId: string, userId: string, role: Role): Promise<void> {
  const excluded = EXCLUSIVE_ROLES.flatMap(([a, b]) => (a === role ? [b] : b === role ? [a] : []));
  if (excluded.length === 0) return;
  const held = await trx
    .selectFrom('memberships')
    .select('role')
    .where('user_id', '=', userId)
    .where('contract_id', '=', contractId)
    .where('revoked_at', 'is', null)
    .where('role', 'in', excluded)
    .executeTakeFirst();
  if (held && isRole(held.role)) {
    throw new AppError('ROLE_CONFLICT', `该用户已是本合同的「${ROLES[held.role].label}」，按三权分立不能同时担任「${ROLES[role].label}」`);
  }
}

/**
 * An administrator whose own grant is limited to a district or street may
 * grant and revoke only within that area (never contract-wide, never vendor roles).
 */
async function assertWithinGrantorScope(trx: Trx, ctx: Ctx, contractId: string, target: ScopeArea | null): Promise<void> {
  const mine = await effectiveScope(trx, ctx, contractId, MEMBERSHIP_MANAGERS);
  if (mine === null) return;
  if (target === null || !isInScope(mine, target)) throw new AppError('SCOPE_INVALID', `您的管理范围限于${describeScope(mine)}，只能在该范围内授予或撤销权限`);
}

/**
 * Change the clearance of a grant (agency administrators within their own
 * district/street scope, never above their own clearance), audited as
 * `membership.clearanceChanged` with the clearance before and after.
 */
export async function setGrantClearance(db: Db, ctx: Ctx, input: { membershipId: string; contractId: string; clearance: SecurityLabel }): Promise<{ id: string; clearance: SecurityLabel }> {
  const mine = (await requireContractAccess(db, ctx, input.contractId, MEMBERSHIP_MANAGERS)).clearance;
  assertLabelWithinClearance(mine, input.clearance, 'clearance');
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('memberships')
      .select(['id', 'user_id', 'role', 'scope_district', 'scope_street', 'clearance'])
      .where('id', '=', input.membershipId)
      .where('contract_id', '=', input.contractId)
      .where('revoked_at', 'is', null)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new AppError('NOT_FOUND', '该授权不存在或已撤销');
    await assertWithinGrantorScope(trx, ctx, input.contractId, current.scope_district === null ? null : { district: current.scope_district, street: current.scope_street });
    if (current.clearance === input.clearance) throw new AppError('VALIDATION_FAILED', `该授权的可阅最高标记已是「${labelName(input.clearance)}」`);
    await trx.updateTable('memberships').set({ clearance: input.clearance }).where('id', '=', current.id).execute();
    await recordAudit(
      trx,
      actorOf(ctx),
      {
        action: 'membership.clearanceChanged',
        entityType: 'membership',
        entityId: current.id,
        contractId: input.contractId,
        before: { userId: current.user_id, role: current.role, clearance: current.clearance },
        after: { userId: current.user_id, role: current.role, clearance: input.clearance },
      },
      ctx.now,
    );
    return { id: current.id, clearance: input.clearance };
  });
}

/** Revoke a contract role. */
export async function revokeRole(db: Db, ctx: Ctx, input: { membershipId: string; contractId: string }): Promise<void> {
  await requireContractRoles(db, ctx, input.contractId, MEMBERSHIP_MANAGERS);
  await db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('memberships')
      .select(['scope_district', 'scope_street'])
      .where('id', '=', input.membershipId)
      .where('contract_id', '=', input.contractId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (current) await assertWithinGrantorScope(trx, ctx, input.contractId, current.scope_district === null ? null : { district: current.scope_district, street: current.scope_street });
    const m = await trx
      .updateTable('memberships')
      .set({ revoked_at: ctx.now })
      .where('id', '=', input.membershipId)
      .where('contract_id', '=', input.contractId)
      .where('revoked_at', 'is', null)
      .returning(['id', 'user_id', 'role', 'scope_district', 'scope_street'])
      .executeTakeFirst();
    if (!m) throw new AppError('NOT_FOUND', '该授权不存在或已撤销');
    const scope = m.scope_district === null ? null : { district: m.scope_district, street: m.scope_street };
    await recordAudit(trx, actorOf(ctx), { action: 'membership.revoked', entityType: 'membership', entityId: m.id, contractId: input.contractId, before: { userId: m.user_id, role: m.role, scope } }, ctx.now);
  });
}

/** Every membership of a user that counts at `now` (not vendor grants past the contract's vendor access), with the contract's code and name. */
export async function listMyMemberships(db: Db, userId: string, now: Date): Promise<{ contractId: string; contractCode: string; contractName: string; role: Role; scope: ScopeArea | null }[]> {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('contracts as c', 'c.id', 'm.contract_id')
    .select(['m.contract_id', 'm.role', 'm.scope_district', 'm.scope_street', 'c.code', 'c.name'])
    .where('m.user_id', '=', userId)
    .where('m.revoked_at', 'is', null)
    .where((eb) => eb.or([eb('m.vendor_side', '=', false), eb('c.vendor_access_ends_at', '>', now)]))
    .orderBy('c.code')
    .execute();
  return rows.flatMap((r) =>
    isRole(r.role)
      ? [{ contractId: r.contract_id, contractCode: r.code, contractName: r.name, role: r.role, scope: r.scope_district === null ? null : { district: r.scope_district, street: r.scope_street } }]
      : [],
  );
}

/**
 * Whether the caller sees the scope and clearance of every grant: those who
 * manage grants, and the permission reviewers of the whole contract (the
 * same facts as the permission review). Other members see who holds which
 * role (for the assignee pickers), not where or how far each grant reaches.
 */
function seesGrantDetails(ctx: Ctx, access: { roles: Role[]; scope: unknown }): boolean {
  if (ctx.user.isPlatformAdmin) return true;
  return access.roles.some((r) => MEMBERSHIP_MANAGERS.includes(r)) || (access.scope === null && access.roles.some((r) => ACCESS_REVIEWERS.includes(r)));
}

/** Members of a contract with their roles (and, for managers and reviewers, each grant's scope and clearance). */
export async function listContractMembers(db: Db, ctx: Ctx, contractId: string) {
  const details = seesGrantDetails(ctx, await requireContractAccess(db, ctx, contractId));
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .select(['m.id', 'm.role', 'm.granted_at', 'm.scope_district', 'm.scope_street', 'm.clearance', 'u.id as user_id', 'u.username', 'u.display_name', 'o.name as organisation_name'])
    .where('m.contract_id', '=', contractId)
    .where('m.revoked_at', 'is', null)
    .orderBy('u.username')
    .execute();
  return rows.flatMap((r) =>
    isRole(r.role)
      ? [
          {
            id: r.id,
            role: r.role,
            grantedAt: new Date(r.granted_at).toISOString(),
            userId: r.user_id,
            username: r.username,
            displayName: r.display_name,
            organisationName: r.organisation_name,
            ...(details
              ? {
                  scope: r.scope_district === null ? null : { district: r.scope_district, street: r.scope_street },
                  clearance: isSecurityLabel(r.clearance) ? r.clearance : DEFAULT_CLEARANCE,
                }
              : {}),
          },
        ]
      : [],
  );
}

/** Every user, for platform administrators. */
export async function listUsers(db: Db) {
  const rows = await db
    .selectFrom('users as u')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .select(['u.id', 'u.username', 'u.display_name', 'o.name as organisation_name', 'u.is_platform_admin', 'u.is_platform_auditor', 'u.status'])
    .orderBy('u.username')
    .execute();
  return rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, organisationName: r.organisation_name, isPlatformAdmin: r.is_platform_admin, isPlatformAuditor: r.is_platform_auditor, status: r.status }));
}
