/**
 * Contract use cases: validate, import (new contract or new version), list, read.
 */
import type { Db } from '../db/database.ts';
import { AppError, contractNotFound } from '../errors.ts';
import { recordAudit, type AuditActor } from '../audit/audit.service.ts';
import { sm3Hex } from '../shared/crypto.ts';
import { parseYuanToFen } from '../shared/money.ts';
import type { Ctx } from '../shared/context.ts';
import { CONTRACT_EDITORS } from '../auth/roles.ts';
import { parseContractDefinition, type DefinitionIssue } from './contract-definition.parse.ts';
import { CONTRACT_FORMAT_VERSION, type PriceItemInput, type TContractDefinition } from './contract-definition.schema.ts';
import {
  findContractWithCurrentVersion,
  findRoles,
  insertVersionRows,
  listContractsForUser,
  listParties,
  listPriceItems,
  listVersions,
  lockContractByCode,
  upsertOrganisation,
} from './contract.repo.ts';
import { requireContractRoles } from './contract-access.ts';
import { DEFAULT_VENDOR_ACCESS_GRACE_DAYS, newContractVendorAccessEndsAt, vendorAccessEndsAtSql, vendorAccessLastDay } from './vendor-access.ts';

/** Validate a definition without writing anything. */
export function validateContractYaml(text: string): { ok: true; definition: TContractDefinition } | { ok: false; issues: DefinitionIssue[] } {
  return parseContractDefinition(text);
}

/** Result of an import. */
export interface ImportResult {
  contractId: string;
  versionId: string;
  version: number;
  created: boolean;
}

/**
 * Import a contract definition: a new contract (platform administrators), or a
 * new version of an existing one (its agency administrator). All or nothing:
 * a rejected import changes nothing.
 */
export async function importContract(
  db: Db,
  ctx: Ctx | null,
  text: string,
  now: Date,
  note?: string,
  opts: { vendorAccessGraceDays?: number } = {},
): Promise<ImportResult> {
  const graceDays = opts.vendorAccessGraceDays ?? DEFAULT_VENDOR_ACCESS_GRACE_DAYS;
  const parsed = parseContractDefinition(text);
  if (!parsed.ok) {
    throw new AppError('CONTRACT_DEFINITION_INVALID', `合同定义校验未通过：共 ${parsed.issues.length} 处问题`, { issues: parsed.issues });
  }
  const def = parsed.definition;
  const digest = sm3Hex(text);
  const actor: AuditActor = ctx
    ? { userId: ctx.user.id, name: ctx.user.displayName, role: ctx.user.isPlatformAdmin ? 'platformAdmin' : null, clientIp: ctx.clientIp }
    : { userId: null, name: '系统（命令行）', role: 'cli', clientIp: null };

  return db.transaction().execute(async (trx) => {
    const existing = await lockContractByCode(trx, def.contract.code);
    if (ctx && !ctx.user.isPlatformAdmin) {
      const roles = existing ? await findRoles(db, ctx.user.id, existing.id, now) : [];
      if (!existing || !roles.some((r) => (CONTRACT_EDITORS as readonly string[]).includes(r))) {
        throw new AppError('FORBIDDEN', existing ? '只有该合同的甲方系统管理员可以导入新版本' : '只有平台管理员可以导入新合同');
      }
    }
    let contractId: string;
    let version = 1;
    if (existing) {
      contractId = existing.id;
      if (existing.current_version_id) {
        const cur = await trx
          .selectFrom('contract_versions')
          .select(['version', 'source_digest'])
          .where('id', '=', existing.current_version_id)
          .executeTakeFirstOrThrow();
        if (cur.source_digest === digest) throw new AppError('CONTRACT_VERSION_UNCHANGED', `合同定义与当前版本（第 ${cur.version} 版）完全相同，未导入`);
      }
      const max = await trx
        .selectFrom('contract_versions')
        .select((eb) => eb.fn.max('version').as('v'))
        .where('contract_id', '=', contractId)
        .executeTakeFirst();
      version = (max?.v ?? 0) + 1;
      await trx
        .updateTable('contracts')
        .set({
          name: def.contract.name,
          period_start: def.contract.period.start,
          period_end: def.contract.period.end,
          timezone: def.contract.timezone ?? 'Asia/Shanghai',
          total_amount_fen: parseYuanToFen(def.contract.totalAmount) ?? 0,
        })
        .where('id', '=', contractId)
        .execute();
      // the service period may have moved: so does the end of the vendor side's access
      await trx.updateTable('contracts').set({ vendor_access_ends_at: vendorAccessEndsAtSql(graceDays) }).where('id', '=', contractId).execute();
    } else {
      const row = await trx
        .insertInto('contracts')
        .values({
          code: def.contract.code,
          name: def.contract.name,
          period_start: def.contract.period.start,
          period_end: def.contract.period.end,
          timezone: def.contract.timezone ?? 'Asia/Shanghai',
          total_amount_fen: parseYuanToFen(def.contract.totalAmount) ?? 0,
          vendor_access_ends_at: newContractVendorAccessEndsAt(def.contract.period.end, def.contract.timezone ?? 'Asia/Shanghai', graceDays),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      contractId = row.id;
    }
    const v = await trx
      .insertInto('contract_versions')
      .values({
        contract_id: contractId,
        version,
        format_version: CONTRACT_FORMAT_VERSION,
        definition: JSON.stringify(def),
        source_yaml: text,
        source_digest: digest,
        effective_from: now,
        imported_by: ctx?.user.id ?? null,
        note: note ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await insertVersionRows(trx, contractId, v.id, def);
    await trx.deleteFrom('contract_parties').where('contract_id', '=', contractId).execute();
    for (const p of def.parties) {
      const orgId = await upsertOrganisation(trx, p.name, p.side);
      await trx
        .insertInto('contract_parties')
        .values({ contract_id: contractId, party_key: p.key, organisation_id: orgId, side: p.side, lead_member: p.leadMember ?? false })
        .execute();
    }
    await trx.updateTable('contracts').set({ current_version_id: v.id }).where('id', '=', contractId).execute();
    await recordAudit(
      trx,
      actor,
      {
        action: existing ? 'contract.versionImported' : 'contract.imported',
        entityType: 'contract',
        entityId: contractId,
        contractId,
        after: { code: def.contract.code, version, digest, totalAmount: def.contract.totalAmount },
      },
      now,
    );
    return { contractId, versionId: v.id, version, created: !existing };
  });
}

/** Contracts the caller can see, with summary figures. */
export async function listContracts(db: Db, ctx: Ctx) {
  const rows = await listContractsForUser(db, ctx.user.id, ctx.user.isPlatformAdmin, ctx.now);
  return rows.map((r) => {
    const parties = r.parties;
    return {
      id: r.id,
      code: r.code,
      name: r.name,
      periodStart: r.period_start,
      periodEnd: r.period_end,
      totalAmountFen: Number(r.total_amount_fen),
      version: r.version,
      agency: parties.filter((p) => p.side === 'agency').map((p) => p.name),
      vendors: parties.filter((p) => p.side === 'vendor').map((p) => p.name),
      leadVendor: parties.find((p) => p.side === 'vendor' && p.leadMember)?.name ?? null,
      systemCount: r.system_count,
    };
  });
}

/** Full contract detail for the contract page. */
export async function getContractDetail(db: Db, ctx: Ctx, contractId: string, vendorAccessGraceDays: number = DEFAULT_VENDOR_ACCESS_GRACE_DAYS) {
  const roles = await requireContractRoles(db, ctx, contractId);
  const c = await findContractWithCurrentVersion(db, contractId);
  if (!c) throw contractNotFound();
  const [items, versions, parties] = await Promise.all([listPriceItems(db, c.version_id), listVersions(db, contractId), listParties(db, contractId)]);
  const { priceItems: tree, ...definition } = c.definition as TContractDefinition;
  const itemInfo = new Map<string, PriceItemInput>();
  const index = (list: readonly PriceItemInput[]): void => {
    for (const i of list) {
      itemInfo.set(i.key, i);
      if (i.children) index(i.children);
    }
  };
  index(tree);
  return {
    id: c.id,
    code: c.code,
    name: c.name,
    periodStart: c.period_start,
    periodEnd: c.period_end,
    timezone: c.timezone,
    totalAmountFen: Number(c.total_amount_fen),
    version: c.version,
    versionEffectiveFrom: new Date(c.effective_from).toISOString(),
    myRoles: roles,
    vendorAccess: {
      graceDays: vendorAccessGraceDays,
      lastDayByGrace: vendorAccessLastDay({ periodEnd: c.period_end, graceDays: vendorAccessGraceDays, extendedUntil: null }),
      extendedUntil: c.vendor_access_extended_until,
      endsAt: new Date(c.vendor_access_ends_at).toISOString(),
      ended: new Date(c.vendor_access_ends_at).getTime() <= ctx.now.getTime(),
    },
    parties: parties.map((p) => ({ key: p.party_key, side: p.side, leadMember: p.lead_member, organisationId: p.organisation_id, name: p.name })),
    priceItems: items.map((i) => ({
      key: i.key,
      parentKey: i.parent_key,
      name: i.name,
      quantity: i.quantity,
      unit: i.unit,
      unitPriceFen: i.unit_price_fen === null ? null : Number(i.unit_price_fen),
      amountFen: Number(i.amount_fen),
      memberPartyKey: i.member_party_key,
      systemKeys: i.system_keys,
      depth: i.depth,
      category: itemInfo.get(i.key)?.category ?? null,
      note: itemInfo.get(i.key)?.note ?? null,
      source: itemInfo.get(i.key)?.source ?? null,
    })),
    versions: versions.map((v, idx) => ({
      id: v.id,
      version: v.version,
      effectiveFrom: new Date(v.effective_from).toISOString(),
      effectiveTo: idx === 0 ? null : new Date((versions[idx - 1]?.effective_from ?? v.effective_from)).toISOString(),
      importedAt: new Date(v.imported_at).toISOString(),
      importedBy: v.imported_by_name,
      digest: v.source_digest,
      note: v.note,
    })),
    definition,
  };
}
