/**
 * Contract queries. The only place that builds SQL for contracts.
 */
import { sql, type AliasedRawBuilder, type RawBuilder } from 'kysely';
import type { Db, Trx } from '../db/database.ts';
import { first, precompiled, type Placeholders } from '../db/precompiled.ts';
import type { PriceItemInput, TContractDefinition } from './contract-definition.schema.ts';
import { parseYuanToFen } from '../shared/money.ts';

/** Find a contract id by its code, locking the row for update. */
export async function lockContractByCode(trx: Trx, code: string): Promise<{ id: string; current_version_id: string | null } | undefined> {
  return trx.selectFrom('contracts').select(['id', 'current_version_id']).where('code', '=', code).forUpdate().executeTakeFirst();
}

/** Find or create an organisation by its exact legal name. */
export async function upsertOrganisation(trx: Trx, name: string, kind: 'agency' | 'vendor' | 'thirdParty'): Promise<string> {
  const existing = await trx.selectFrom('organisations').select('id').where('name', '=', name).executeTakeFirst();
  if (existing) return existing.id;
  const row = await trx.insertInto('organisations').values({ name, kind }).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Insert the normalised rows (systems, price items, sites) of one contract version. */
export async function insertVersionRows(trx: Trx, contractId: string, versionId: string, def: TContractDefinition): Promise<void> {
  if (def.systems.length > 0) {
    await trx
      .insertInto('contract_systems')
      .values(
        def.systems.map((s, i) => ({
          contract_id: contractId,
          version_id: versionId,
          key: s.key,
          name: s.name,
          parent_key: s.parent ?? null,
          service_window_key: s.serviceWindow ?? null,
          sort: i,
        })),
      )
      .execute();
  }
  const rows: {
    contract_id: string;
    version_id: string;
    key: string;
    parent_key: string | null;
    name: string;
    quantity: string | null;
    unit: string | null;
    unit_price_fen: number | null;
    amount_fen: number;
    member_party_key: string | null;
    system_keys: string[];
    depth: number;
    sort: number;
  }[] = [];
  const walk = (items: readonly PriceItemInput[], parent: string | null, depth: number): void => {
    for (const item of items) {
      rows.push({
        contract_id: contractId,
        version_id: versionId,
        key: item.key,
        parent_key: parent,
        name: item.name,
        quantity: item.quantity === undefined ? null : String(item.quantity),
        unit: item.unit ?? null,
        unit_price_fen: item.unitPrice === undefined ? null : parseYuanToFen(item.unitPrice),
        amount_fen: parseYuanToFen(item.amount) ?? 0,
        member_party_key: item.member ?? null,
        system_keys: item.systems ?? [],
        depth,
        sort: rows.length,
      });
      if (item.children) walk(item.children, item.key, depth + 1);
    }
  };
  walk(def.priceItems, null, 0);
  if (rows.length > 0) await trx.insertInto('contract_price_items').values(rows).execute();
  const sites = def.sites ?? [];
  if (sites.length > 0) {
    await trx
      .insertInto('contract_sites')
      .values(
        sites.map((s, i) => ({
          contract_id: contractId,
          version_id: versionId,
          key: s.key,
          name: s.name,
          kind: s.kind ?? null,
          district: s.district ?? null,
          street: s.street ?? null,
          zone: s.zone ?? null,
          system_keys: s.systems ?? [],
          sort: i,
        })),
      )
      .execute();
  }
}

/**
 * Contracts visible to a user: those with a grant that counts at `now` (all, for
 * platform administrators). Only the parties and the number of systems are
 * read from each definition, not the whole document.
 */
export async function listContractsForUser(db: Db, userId: string, all: boolean, now: Date) {
  let q = db
    .selectFrom('contracts')
    .innerJoin('contract_versions as v', 'v.id', 'contracts.current_version_id')
    .select([
      'contracts.id',
      'contracts.code',
      'contracts.name',
      'contracts.period_start',
      'contracts.period_end',
      'contracts.total_amount_fen',
      'contracts.timezone',
      'v.version',
      sql<TContractDefinition['parties']>`v.definition -> 'parties'`.as('parties'),
      sql<number>`jsonb_array_length(v.definition -> 'systems')`.as('system_count'),
    ])
    .orderBy('contracts.period_start', 'desc');
  if (!all) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('memberships')
          .select('memberships.id')
          .whereRef('memberships.contract_id', '=', 'contracts.id')
          .where('memberships.user_id', '=', userId)
          .where('memberships.revoked_at', 'is', null)
          .where((w) => w.or([w('memberships.vendor_side', '=', false), w('contracts.vendor_access_ends_at', '>', now)])),
      ),
    );
  }
  return q.execute();
}

/** Active roles of a user in a contract (at `now`: see {@link findGrants}). */
export async function findRoles(db: Db, userId: string, contractId: string, now: Date): Promise<string[]> {
  return (await findGrants(db, userId, contractId, now)).map((r) => r.role);
}

/**
 * A user's grants that count at `now` in a contract: role, district/street
 * scope and clearance (highest readable security label). Revoked grants never
 * count; vendor-side grants stop counting when the contract's vendor access
 * has ended (read from the contract row in the same query).
 */
export async function findGrants(db: Db | Trx, userId: string, contractId: string, now: Date): Promise<Grant[]> {
  return (await findContractGrants(db, userId, contractId, now))?.grants ?? [];
}

const CONTRACT_GRANTS = precompiled((db, p: Placeholders<{ userId: string; contractId: string; now: Date }>) =>
  db
    .selectFrom('contracts')
    .select(['current_version_id', 'timezone', grantsColumn(p.userId, p.now, sql.ref('contracts.id'), sql.ref('contracts.vendor_access_ends_at'))])
    .where('id', '=', p.contractId),
);

/**
 * {@link findGrants} with the contract's head (current version and time zone,
 * what the SLA context is keyed by) in the same statement; undefined when the
 * contract does not exist.
 */
export async function findContractGrants(db: Db | Trx, userId: string, contractId: string, now: Date): Promise<{ grants: Grant[]; head: { current_version_id: string | null; timezone: string } } | undefined> {
  const r = await first(db, CONTRACT_GRANTS, { userId, contractId, now });
  return r && { grants: r.grants, head: { current_version_id: r.current_version_id, timezone: r.timezone } };
}

/** One active grant of a user in a contract. */
export interface Grant {
  role: string;
  scope_district: string | null;
  scope_street: string | null;
  clearance: string;
}

/**
 * The user's active grants in a contract, as a `grants` column of a query
 * that has the contract's row (`contractId`, `vendorAccessEndsAt`: its
 * columns), so a record can be read with its reader's grants in one
 * statement. Vendor-side grants stop counting when the contract's vendor
 * access has ended (contracts/vendor-access.ts).
 */
export function grantsColumn(userId: string, now: Date, contractId: RawBuilder<unknown>, vendorAccessEndsAt: RawBuilder<unknown>): AliasedRawBuilder<Grant[], 'grants'> {
  return sql<Grant[]>`coalesce((SELECT json_agg(json_build_object('role', m.role, 'scope_district', m.scope_district, 'scope_street', m.scope_street, 'clearance', m.clearance))
    FROM memberships m WHERE m.user_id = ${userId}::uuid AND m.contract_id = ${contractId} AND m.revoked_at IS NULL
      AND (NOT m.vendor_side OR ${vendorAccessEndsAt} > ${now}::timestamptz)), '[]'::json)`.as('grants');
}

/** The contract header with its current version. */
export async function findContractWithCurrentVersion(db: Db, contractId: string) {
  return db
    .selectFrom('contracts')
    .innerJoin('contract_versions as v', 'v.id', 'contracts.current_version_id')
    .select([
      'contracts.id',
      'contracts.code',
      'contracts.name',
      'contracts.period_start',
      'contracts.period_end',
      'contracts.total_amount_fen',
      'contracts.timezone',
      'contracts.vendor_access_extended_until',
      'contracts.vendor_access_ends_at',
      'v.id as version_id',
      'v.version',
      'v.definition',
      'v.effective_from',
      'v.source_digest',
    ])
    .where('contracts.id', '=', contractId)
    .executeTakeFirst();
}

/** Price items of a version in document order. */
export async function listPriceItems(db: Db, versionId: string) {
  return db.selectFrom('contract_price_items').selectAll().where('version_id', '=', versionId).orderBy('sort').execute();
}

/** Version history of a contract, newest first. */
export async function listVersions(db: Db, contractId: string) {
  return db
    .selectFrom('contract_versions as v')
    .leftJoin('users as u', 'u.id', 'v.imported_by')
    .select(['v.id', 'v.version', 'v.effective_from', 'v.imported_at', 'v.source_digest', 'v.note', 'u.display_name as imported_by_name'])
    .where('v.contract_id', '=', contractId)
    .orderBy('v.version', 'desc')
    .execute();
}

/** Parties of a contract with organisation ids. */
export async function listParties(db: Db, contractId: string) {
  return db
    .selectFrom('contract_parties as p')
    .innerJoin('organisations as o', 'o.id', 'p.organisation_id')
    .select(['p.party_key', 'p.side', 'p.lead_member', 'o.id as organisation_id', 'o.name'])
    .where('p.contract_id', '=', contractId)
    .execute();
}
