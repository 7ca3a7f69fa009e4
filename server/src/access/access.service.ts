/**
 * Who has what in a contract (权限复核): every active grant with its scope,
 * who granted it and the holder's last sign-in; the periodic review record
 * (who, when, comment, hash of the list reviewed); grant candidates for the
 * agency administrator; and the contract's sites, filtered by the caller's
 * district/street scope.
 */
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { ACCESS_REVIEWERS, isRole, ROLES, type Role, MEMBERSHIP_MANAGERS } from '../auth/roles.ts';
import type { Ctx } from '../shared/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { requireContractAccess, requireWholeContract } from '../contracts/contract-access.ts';
import { assertInScope, effectiveScope, listScopeAreas, scopeFilter } from '../contracts/scope.ts';
import type { TContractDefinition } from '../contracts/contract-definition.schema.ts';
import { clearanceProblems } from '../staff/staff-clearance.ts';
import { asClearance } from '../labels/security-label.ts';
import { localDateOf } from '../staff/staff-rules.ts';
import { DEFAULT_REVIEW_FREQUENCY, grantSnapshot, nextAccessReviewDue, REVIEW_FREQUENCY_NAMES, type ReviewFrequency } from './access-review.ts';

async function contractFacts(db: Db, contractId: string) {
  const row = await db
    .selectFrom('contracts as c')
    .innerJoin('contract_versions as v', 'v.id', 'c.current_version_id')
    .select(['c.timezone', 'c.period_start', 'v.definition'])
    .where('c.id', '=', contractId)
    .executeTakeFirstOrThrow();
  const def = row.definition as TContractDefinition;
  const frequency: ReviewFrequency = def.staffing?.accessReview?.frequency ?? DEFAULT_REVIEW_FREQUENCY;
  return { timezone: row.timezone, periodStart: row.period_start, def, frequency, frequencySource: def.staffing?.accessReview?.source ?? null, frequencyIsDefault: !def.staffing?.accessReview };
}

/** Every active grant of a contract, in display order. */
async function loadGrants(db: Db, contractId: string, def: TContractDefinition) {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .leftJoin('users as g', 'g.id', 'm.granted_by')
    .leftJoin('staff_members as s', (join) =>
      join.onRef('s.user_id', '=', 'm.user_id').onRef('s.contract_id', '=', 'm.contract_id').on('s.status', 'not in', ['left', 'rejected']),
    )
    .select([
      'm.id',
      'm.role',
      'm.scope_district',
      'm.scope_street',
      'm.clearance',
      'm.granted_at',
      'u.id as user_id',
      'u.username',
      'u.display_name',
      'u.status as user_status',
      'u.last_sign_in_at',
      'o.name as organisation_name',
      'g.display_name as granted_by_name',
      's.id as staff_id',
      's.status as staff_status',
      's.agreement_document_id',
      's.background_check_result',
    ])
    .where('m.contract_id', '=', contractId)
    .where('m.revoked_at', 'is', null)
    .orderBy('u.username')
    .orderBy('m.role')
    .execute();
  const needsBackgroundCheck = def.staffing?.clearance?.backgroundCheck === true;
  return rows.flatMap((r) => {
    if (!isRole(r.role)) return [];
    const vendorRole = ROLES[r.role].side === 'vendor';
    return [
      {
        id: r.id,
        userId: r.user_id,
        username: r.username,
        displayName: r.display_name,
        userStatus: r.user_status,
        organisationName: r.organisation_name,
        role: r.role,
        roleSide: ROLES[r.role].side,
        scope: r.scope_district === null ? null : { district: r.scope_district, street: r.scope_street },
        clearance: asClearance(r.clearance),
        grantedAt: new Date(r.granted_at).toISOString(),
        grantedByName: r.granted_by_name,
        lastSignInAt: r.last_sign_in_at ? new Date(r.last_sign_in_at).toISOString() : null,
        staff: r.staff_id
          ? {
              id: r.staff_id,
              status: r.staff_status ?? 'proposed',
              cleared: clearanceProblems({ status: r.staff_status ?? '', agreement_document_id: r.agreement_document_id, background_check_result: r.background_check_result }, needsBackgroundCheck).length === 0,
            }
          : null,
        vendorRole,
      },
    ];
  });
}

/** The permission review page: grants, their hash, review history and the next due date. */
export async function getAccessReview(db: Db, ctx: Ctx, contractId: string) {
  const roles = await requireWholeContract(db, ctx, contractId, ACCESS_REVIEWERS);
  const facts = await contractFacts(db, contractId);
  const grants = await loadGrants(db, contractId, facts.def);
  const { hash } = grantSnapshot(grants.map((g) => ({ id: g.id, userId: g.userId, role: g.role, district: g.scope?.district ?? null, street: g.scope?.street ?? null, clearance: g.clearance })));
  const reviews = await db.selectFrom('access_reviews').selectAll().where('contract_id', '=', contractId).orderBy('reviewed_at', 'desc').limit(50).execute();
  const today = localDateOf(ctx.now, facts.timezone);
  const last = reviews[0];
  const nextDue = last ? last.next_due_on : nextAccessReviewDue({ lastReviewedOn: null, periodStart: facts.periodStart, frequency: facts.frequency });
  const has = (allowed: readonly Role[]): boolean => ctx.user.isPlatformAdmin || roles.some((r) => allowed.includes(r));
  return {
    today,
    grants,
    grantCount: grants.length,
    snapshotHash: hash,
    changedSinceLastReview: last ? last.snapshot_hash !== hash : null,
    frequency: facts.frequency,
    frequencyName: REVIEW_FREQUENCY_NAMES[facts.frequency],
    frequencySource: facts.frequencySource,
    frequencyIsDefault: facts.frequencyIsDefault,
    nextReviewDue: nextDue,
    overdue: today > nextDue,
    reviews: reviews.map((r) => ({
      id: r.id,
      reviewerName: r.reviewer_name,
      reviewedAt: new Date(r.reviewed_at).toISOString(),
      comment: r.comment,
      grantCount: r.grant_count,
      snapshotHash: r.snapshot_hash,
      nextDueOn: r.next_due_on,
    })),
    areas: await listScopeAreas(db, contractId),
    permissions: { manage: has(MEMBERSHIP_MANAGERS), review: has(ACCESS_REVIEWERS) },
  };
}

/**
 * Record a review of the grant list. `snapshotHash` is the hash the reviewer
 * saw; when the list changed since, ACCESS_REVIEW_STALE (they must look again).
 */
export async function recordAccessReview(db: Db, ctx: Ctx, contractId: string, input: { comment: string; snapshotHash: string }) {
  const roles = await requireWholeContract(db, ctx, contractId, ACCESS_REVIEWERS);
  const facts = await contractFacts(db, contractId);
  return db.transaction().execute(async (trx) => {
    // serialise with grants and revocations of this contract while hashing
    await trx.selectFrom('contracts').select('id').where('id', '=', contractId).forUpdate().execute();
    const grants = await loadGrants(db, contractId, facts.def);
    const { hash, snapshot } = grantSnapshot(grants.map((g) => ({ id: g.id, userId: g.userId, role: g.role, district: g.scope?.district ?? null, street: g.scope?.street ?? null, clearance: g.clearance })));
    if (hash !== input.snapshotHash) throw new AppError('ACCESS_REVIEW_STALE', '权限清单在您查看之后发生了变化，请刷新后重新复核');
    const reviewedOn = localDateOf(ctx.now, facts.timezone);
    const nextDue = nextAccessReviewDue({ lastReviewedOn: reviewedOn, periodStart: facts.periodStart, frequency: facts.frequency });
    const row = await trx
      .insertInto('access_reviews')
      .values({
        contract_id: contractId,
        reviewed_by: ctx.user.id,
        reviewer_name: ctx.user.displayName,
        reviewed_at: ctx.now,
        comment: input.comment,
        grant_count: grants.length,
        snapshot_hash: hash,
        snapshot: JSON.stringify(snapshot),
        next_due_on: nextDue,
      })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    await recordAudit(
      trx,
      actorOf(ctx, roles.find((r) => ACCESS_REVIEWERS.includes(r)) ?? null),
      { action: 'access.reviewed', entityType: 'accessReview', entityId: row.id, contractId, after: { comment: input.comment, grantCount: grants.length, snapshotHash: hash, nextDueOn: nextDue } },
      ctx.now,
    );
    return { id: row.id, snapshotHash: hash, nextDueOn: nextDue };
  });
}

/**
 * Accounts the agency administrator may grant roles to: users of the
 * contract's party organisations and current members, with (for vendor
 * people) whether the roster clears them.
 */
export async function listGrantCandidates(db: Db, ctx: Ctx, contractId: string) {
  await requireContractAccess(db, ctx, contractId, MEMBERSHIP_MANAGERS);
  const facts = await contractFacts(db, contractId);
  const rows = await db
    .selectFrom('users as u')
    .leftJoin('organisations as o', 'o.id', 'u.organisation_id')
    .leftJoin('contract_parties as p', (join) => join.onRef('p.organisation_id', '=', 'u.organisation_id').on('p.contract_id', '=', contractId))
    .leftJoin('staff_members as s', (join) => join.onRef('s.user_id', '=', 'u.id').on('s.contract_id', '=', contractId).on('s.status', 'not in', ['left', 'rejected']))
    .select(['u.id', 'u.username', 'u.display_name', 'u.status', 'o.name as organisation_name', 'p.side', 's.id as staff_id', 's.person_name', 's.status as staff_status', 's.agreement_document_id', 's.background_check_result'])
    .where((eb) =>
      eb.or([
        eb('p.contract_id', '=', contractId),
        eb('s.id', 'is not', null),
        eb.exists(eb.selectFrom('memberships as m').select('m.id').whereRef('m.user_id', '=', 'u.id').where('m.contract_id', '=', contractId).where('m.revoked_at', 'is', null)),
      ]),
    )
    .where('u.is_platform_admin', '=', false)
    .orderBy('u.username')
    .execute();
  const needsBackgroundCheck = facts.def.staffing?.clearance?.backgroundCheck === true;
  return rows.map((r) => {
    const problems = r.staff_id ? clearanceProblems({ status: r.staff_status ?? '', agreement_document_id: r.agreement_document_id, background_check_result: r.background_check_result }, needsBackgroundCheck) : ['该用户未登记在本合同的乙方人员名单中'];
    return {
      userId: r.id,
      username: r.username,
      displayName: r.display_name,
      organisationName: r.organisation_name,
      side: r.side ?? null,
      userStatus: r.status,
      staffId: r.staff_id,
      staffStatus: r.staff_status,
      vendorCleared: problems.length === 0,
      vendorProblems: problems,
    };
  });
}

function siteNotFound(): AppError {
  return new AppError('NOT_FOUND', '地点不存在，或不在您的授权范围内');
}

/** The contract's sites inside the caller's district/street scope. */
export async function listSites(db: Db, ctx: Ctx, contractId: string) {
  const { scope } = await requireContractAccess(db, ctx, contractId);
  const rows = await db
    .selectFrom('contract_sites as s')
    .innerJoin('contracts as c', 'c.current_version_id', 's.version_id')
    .select(['s.key', 's.name', 's.kind', 's.district', 's.street', 's.zone', 's.system_keys'])
    .where('c.id', '=', contractId)
    .where(scopeFilter(scope, { district: 's.district', street: 's.street' }))
    .orderBy('s.sort')
    .execute();
  return { scope: scope === null ? null : [...scope], sites: rows.map(toSite) };
}

function toSite(r: { key: string; name: string; kind: string | null; district: string | null; street: string | null; zone: 'urban' | 'suburban' | null; system_keys: string[] }) {
  return { key: r.key, name: r.name, kind: r.kind, district: r.district, street: r.street, zone: r.zone, systemKeys: r.system_keys };
}

/** One site; 404 when it is not in the contract or outside the caller's scope. */
export async function getSite(db: Db, ctx: Ctx, contractId: string, siteKey: string) {
  const r = await db
    .selectFrom('contract_sites as s')
    .innerJoin('contracts as c', 'c.current_version_id', 's.version_id')
    .select(['s.key', 's.name', 's.kind', 's.district', 's.street', 's.zone', 's.system_keys'])
    .where('c.id', '=', contractId)
    .where('s.key', '=', siteKey)
    .executeTakeFirst();
  const { scope } = await requireContractAccess(db, ctx, contractId).catch((e: unknown) => {
    throw e instanceof AppError && e.code === 'CONTRACT_NOT_FOUND' ? siteNotFound() : e;
  });
  if (!r) throw siteNotFound();
  assertInScope(scope, r, siteNotFound);
  return toSite(r);
}
