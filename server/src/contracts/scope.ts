/**
 * District / street scopes (区/街道数据权限). An agency grant may be limited to
 * one district, or one street within a district, of the contract's sites
 * (civil-affairs contract L171: permissions configured per district and
 * street). A user's effective scope in a contract is the union of the areas
 * of their grants; one unscoped grant means the whole contract.
 *
 * Records outside the scope answer 404, exactly like records of another
 * contract, so a scoped user cannot learn that they exist.
 *
 * Usage for a table with `district` / `street` columns:
 *
 *   const scope = await effectiveScope(db, ctx, contractId);
 *   db.selectFrom('incidents as i').selectAll().where('i.contract_id', '=', contractId)
 *     .where(scopeFilter(scope, { district: 'i.district', street: 'i.street' }))
 *
 * and for one record: `await requireLocatedRecord(db, ctx, { contractId, district, street }, incidentNotFound, allowed)`
 * (contracts/contract-access.ts), which checks membership, role and scope
 * from one query. Contract-wide resources use `requireWholeContract`.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { ROLES, type Role } from '../auth/roles.ts';
import type { Ctx } from '../shared/context.ts';
import type { TSite } from './contract-definition.schema.ts';
import { findGrants } from './contract.repo.ts';
import { labelFilter, type SecurityLabel } from '../labels/security-label.ts';

/** One area: a whole district (street null) or one street of a district. */
export interface ScopeArea {
  district: string;
  street: string | null;
}

/** A caller's reach in a contract: `null` = the whole contract; otherwise only these areas. */
export type ContractScope = readonly ScopeArea[] | null;

/** The location columns of a record, as stored. */
export interface Located {
  district: string | null;
  street: string | null;
}

/**
 * Remove duplicates and street areas already covered by their district;
 * sorted, so equal scopes compare equal.
 */
export function normaliseAreas(areas: readonly ScopeArea[]): ScopeArea[] {
  const wholeDistricts = new Set(areas.filter((a) => a.street === null).map((a) => a.district));
  const seen = new Set<string>();
  const out: ScopeArea[] = [];
  for (const a of areas) {
    if (a.street !== null && wholeDistricts.has(a.district)) continue;
    const k = `${a.district}\u0000${a.street ?? ''}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ district: a.district, street: a.street });
  }
  return out.sort((x, y) => x.district.localeCompare(y.district, 'zh-CN') || (x.street ?? '').localeCompare(y.street ?? '', 'zh-CN'));
}

/**
 * The effective scope from a user's grants: null as soon as one grant is
 * unscoped. Pure; `grants` are the active grants considered.
 */
export function scopeOfGrants(grants: readonly { scopeDistrict: string | null; scopeStreet: string | null }[]): ContractScope {
  if (grants.length === 0) return [];
  if (grants.some((g) => g.scopeDistrict === null)) return null;
  return normaliseAreas(grants.map((g) => ({ district: g.scopeDistrict ?? '', street: g.scopeStreet })));
}

/**
 * The caller's effective scope in a contract (null = the whole contract).
 * With `roles`, only grants of those roles count (the scope in which the
 * caller acts in one of those roles); when the caller holds none of them,
 * all their grants count. Platform administrators see the whole contract.
 * Call it after `requireContractRoles`, which
 * establish that the caller may see the contract at all.
 */
export async function effectiveScope(db: Db | Trx, ctx: Ctx, contractId: string, roles?: readonly Role[]): Promise<ContractScope> {
  if (ctx.user.isPlatformAdmin) return null;
  const rows = await findGrants(db, ctx.user.id, contractId, ctx.now);
  const acting = roles ? rows.filter((r) => (roles as readonly string[]).includes(r.role)) : rows;
  const considered = acting.length > 0 ? acting : rows;
  return scopeOfGrants(considered.map((r) => ({ scopeDistrict: r.scope_district, scopeStreet: r.scope_street })));
}

/**
 * A Kysely predicate keeping the rows inside `scope`, for tables with a
 * district and a street column (names as Kysely references, e.g. 'i.district').
 * Rows without a district are outside every limited scope (least privilege).
 *
 * @example q.where(scopeFilter(scope, { district: 'i.district', street: 'i.street' }))
 */
export function scopeFilter(scope: ContractScope, columns: { district: string; street: string }): Expression<SqlBool> {
  if (scope === null) return sql<SqlBool>`TRUE`;
  if (scope.length === 0) return sql<SqlBool>`FALSE`;
  const d = sql.ref(columns.district);
  const s = sql.ref(columns.street);
  const parts = scope.map((a) => (a.street === null ? sql`(${d} = ${a.district})` : sql`(${d} = ${a.district} AND ${s} = ${a.street})`));
  return sql<SqlBool>`(${sql.join(parts, sql` OR `)})`;
}

/** What a caller reaches among a contract's records: their district/street scope and their clearance (contract-access.ts `ContractAccess` fits). */
export interface RecordReach {
  scope: ContractScope;
  clearance: SecurityLabel;
}

/**
 * The one predicate every list, search, count and export of incidents and
 * work orders applies: inside the caller's scope ({@link scopeFilter}) and
 * within their clearance (security-label.ts `labelFilter`). `alias` is the
 * table's alias in the query ('' for none).
 *
 * @example q.where(reachFilter(access, 'w'))
 */
export function reachFilter(reach: RecordReach, alias = ''): Expression<SqlBool> {
  const c = (name: string) => (alias ? `${alias}.${name}` : name);
  return sql<SqlBool>`(${scopeFilter(reach.scope, { district: c('district'), street: c('street') })} AND ${labelFilter(reach.clearance, { label: c('security_label'), alarm: c('label_alarm_at') })})`;
}

/** Whether a record lies inside `scope` (same rule as {@link scopeFilter}). */
export function isInScope(scope: ContractScope, record: Located): boolean {
  if (scope === null) return true;
  if (record.district === null) return false;
  return scope.some((a) => a.district === record.district && (a.street === null || a.street === record.street));
}

/** Throw `notFound()` (a 404) when the record is outside `scope`. */
export function assertInScope(scope: ContractScope, record: Located, notFound: () => AppError): void {
  if (!isInScope(scope, record)) throw notFound();
}

/** Whether a grant of `role` may carry a district/street scope (agency-side and read-only roles). */
export function roleAcceptsScope(role: Role): boolean {
  return ROLES[role].side !== 'vendor';
}

/**
 * Validate a requested grant scope against the role and the contract's
 * current sites; returns the normalised area. Throws SCOPE_INVALID.
 */
export async function validateGrantScope(db: Db | Trx, contractId: string, role: Role, scope: { district: string; street?: string | null | undefined }): Promise<ScopeArea> {
  if (!roleAcceptsScope(role)) throw new AppError('SCOPE_INVALID', `乙方角色「${ROLES[role].label}」不能按区或街道限定范围`);
  const district = scope.district.trim();
  const street = scope.street?.trim() || null;
  if (!district) throw new AppError('SCOPE_INVALID', '请填写区（县）');
  const sites = await db
    .selectFrom('contract_sites as s')
    .innerJoin('contracts as c', 'c.current_version_id', 's.version_id')
    .select(['s.district', 's.street'])
    .where('c.id', '=', contractId)
    .where('s.district', '=', district)
    .execute();
  if (sites.length === 0) throw new AppError('SCOPE_INVALID', `合同的地点清单中没有「${district}」，不能按该区授权`);
  if (street !== null && !sites.some((s) => s.street === street)) throw new AppError('SCOPE_INVALID', `合同的地点清单中「${district}」下没有「${street}」，不能按该街道授权`);
  return { district, street };
}

/** The districts and streets of a contract's current sites, for scope pickers. */
export async function listScopeAreas(db: Db | Trx, contractId: string): Promise<{ district: string; streets: string[] }[]> {
  const rows = await db
    .selectFrom('contract_sites as s')
    .innerJoin('contracts as c', 'c.current_version_id', 's.version_id')
    .select(['s.district', 's.street'])
    .where('c.id', '=', contractId)
    .where('s.district', 'is not', null)
    .orderBy('s.sort')
    .execute();
  const byDistrict = new Map<string, Set<string>>();
  for (const r of rows) {
    if (r.district === null) continue;
    const set = byDistrict.get(r.district) ?? new Set<string>();
    if (r.street !== null) set.add(r.street);
    byDistrict.set(r.district, set);
  }
  return [...byDistrict.entries()].map(([district, streets]) => ({ district, streets: [...streets] }));
}

/** Where a record is, as stored on incidents and work orders. */
export interface RecordPlace extends Located {
  siteKey: string | null;
  /** The site's name, or the free text a reporter typed. */
  site: string | null;
  zone: 'urban' | 'suburban' | null;
}

/**
 * Resolve the place of a new record from the contract's sites: by key, or by
 * a free-text site that is exactly a site's name; any other text stays free
 * text without a district (only unscoped users see such records). Pure.
 */
export function resolveSite(sites: readonly TSite[] | undefined, input: { siteKey?: string | null | undefined; site?: string | null | undefined }): RecordPlace {
  const text = input.site?.trim() || null;
  const found = input.siteKey ? sites?.find((s) => s.key === input.siteKey) : text ? sites?.find((s) => s.name === text) : undefined;
  if (input.siteKey && !found) throw new AppError('CONTRACT_REFERENCE_UNKNOWN', `合同的地点清单中没有「${input.siteKey}」`);
  if (!found) return { siteKey: null, site: text, district: null, street: null, zone: null };
  return { siteKey: found.key, site: found.name, district: found.district ?? null, street: found.street ?? null, zone: found.zone ?? null };
}

/** How a scope reads in a message: 朝阳区、海淀区中关村街道. */
export function describeScope(scope: readonly ScopeArea[]): string {
  return scope.map((a) => `${a.district}${a.street ?? ''}`).join('、') || '（无）';
}

/**
 * A caller limited to a district or street may only create records at a
 * site inside it: otherwise they would create something they cannot see.
 */
export function assertPlaceInScope(scope: ContractScope, place: Located): void {
  if (scope === null || isInScope(scope, place)) return;
  throw new AppError('SCOPE_INVALID', `您的权限范围限于${describeScope(scope)}，请选择该范围内的地点`);
}
