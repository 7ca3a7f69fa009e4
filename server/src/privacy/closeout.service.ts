/**
 * Contract close-out (合同终止时个人信息的返还与销毁, PIPL art. 21):
 * 1. export the return package for the agency (every record with its
 *    personal data in full, and the files), recorded with its SM3 digest;
 * 2. destroy the contract's personal data (sealed originals, blind indexes,
 *    files) and withdraw the vendor's access, in one transaction;
 * 3. verify that nothing remains (counts per holder and a scan of the
 *    readable text for identifiable values);
 * 4. print the destruction certificate (销毁证明) for both sides to sign.
 *
 * Each domain with personal data registers a holder; the close-out walks them.
 */
import { sql } from 'kysely';
import ExcelJS from 'exceljs';
import { zipSync, strToU8 } from 'fflate';
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { requireWholeContract } from '../contracts/contract-access.ts';
import { actorOf } from '../orgs/user.service.ts';
import { sm3Hex } from '../shared/crypto.ts';
import type { Ctx } from '../shared/context.ts';
import type { Role } from '../auth/roles.ts';

/** Roles that run a close-out. */
export const CLOSEOUT_ROLES: readonly Role[] = ['agencyAdmin', 'agencyProjectLead'];

/** A sheet of the return package. */
export interface ReturnSheet {
  name: string;
  columns: { key: string; header: string; width?: number }[];
  rows: Record<string, string | number | null>[];
}

/** A file of the return package. */
export interface ReturnFile {
  path: string;
  content: Uint8Array;
  digestSm3: string;
}

/** Something that holds a contract's personal data. */
export interface PersonalDataHolder {
  key: string;
  /** Chinese label for the certificate, e.g. 故障工单中的个人信息. */
  label: string;
  /** Records and files to hand back, with personal data in full. */
  collect(db: Db, contractId: string): Promise<{ sheets: ReturnSheet[]; files: ReturnFile[] }>;
  /** Destroy inside the close-out transaction; returns how many records or files were destroyed. */
  destroy(trx: Trx, contractId: string, now: Date): Promise<number>;
  /** How many records or files still hold personal data (0 after destruction). */
  remaining(db: Db, contractId: string): Promise<number>;
}

/**
 * `destroy` and `remaining` of a holder whose files are rows of `table` with
 * their bytes in `content`: destruction empties the content (the row stays,
 * with `destroyed_at`), and a file still holding content remains.
 */
export function fileContentDestruction(table: 'attachments' | 'staff_documents'): Pick<PersonalDataHolder, 'destroy' | 'remaining'> {
  return {
    destroy: async (trx, contractId, now) => {
      const r = await trx.updateTable(table).set({ content: null, destroyed_at: now }).where('contract_id', '=', contractId).where('content', 'is not', null).executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
    remaining: async (db, contractId) => {
      const r = await db
        .selectFrom(table)
        .select(sql<string>`count(*)`.as('n'))
        .where('contract_id', '=', contractId)
        .where('content', 'is not', null)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },
  };
}

const holders = new Map<string, PersonalDataHolder>();

/** Register a holder (done by its domain module). */
export function registerPersonalDataHolder(h: PersonalDataHolder): void {
  holders.set(h.key, h);
}

function holderList(): PersonalDataHolder[] {
  return [...holders.values()];
}

/** The close-out of a contract, as shown. */
export interface CloseoutView {
  contractId: string;
  status: 'none' | 'exported' | 'destroyed' | 'verified';
  exportedAt: string | null;
  exportDigest: string | null;
  exportSummary: unknown;
  destroyedAt: string | null;
  destructionSummary: unknown;
  verifiedAt: string | null;
  verification: unknown;
}

/** Current close-out state of a contract. */
export async function getCloseout(db: Db, ctx: Ctx, contractId: string): Promise<CloseoutView> {
  await requireWholeContract(db, ctx, contractId, [...CLOSEOUT_ROLES, 'auditor']);
  return loadCloseout(db, contractId);
}

async function loadCloseout(db: Db | Trx, contractId: string): Promise<CloseoutView> {
  const c = await db.selectFrom('contract_closeouts').selectAll().where('contract_id', '=', contractId).executeTakeFirst();
  const iso = (d: Date | string | null): string | null => (d ? new Date(d).toISOString() : null);
  return {
    contractId,
    status: c?.status ?? 'none',
    exportedAt: iso(c?.exported_at ?? null),
    exportDigest: c?.export_digest_sm3 ?? null,
    exportSummary: c?.export_summary ?? null,
    destroyedAt: iso(c?.destroyed_at ?? null),
    destructionSummary: c?.destruction_summary ?? null,
    verifiedAt: iso(c?.verified_at ?? null),
    verification: c?.verification ?? null,
  };
}

/**
 * Step 1: build the return package (zip: 记录.xlsx, the files, and a
 * manifest with every file's SM3) and record that it was exported.
 */
export async function exportReturnPackage(db: Db, ctx: Ctx, contractId: string): Promise<{ fileName: string; content: Buffer; digest: string }> {
  const roles = await requireWholeContract(db, ctx, contractId, CLOSEOUT_ROLES);
  const existing = await loadCloseout(db, contractId);
  if (existing.status === 'destroyed' || existing.status === 'verified') {
    throw new AppError('VALIDATION_FAILED', '该合同的个人信息已销毁，无法再导出返还数据');
  }
  const contract = await db.selectFrom('contracts').select(['code', 'name']).where('id', '=', contractId).executeTakeFirstOrThrow();
  const sheets: ReturnSheet[] = [];
  const files: ReturnFile[] = [];
  for (const h of holderList()) {
    const part = await h.collect(db, contractId);
    sheets.push(...part.sheets);
    files.push(...part.files);
  }
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Yunwei';
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name.slice(0, 31));
    ws.columns = s.columns.map((c) => ({ header: c.header, key: c.key, width: c.width ?? 18 }));
    ws.getRow(1).font = { bold: true };
    for (const r of s.rows) ws.addRow(r);
  }
  const xlsx = new Uint8Array(await wb.xlsx.writeBuffer());
  const manifest = {
    contract: { code: contract.code, name: contract.name },
    exportedAt: ctx.now.toISOString(),
    exportedBy: ctx.user.displayName,
    records: sheets.map((s) => ({ sheet: s.name, rows: s.rows.length })),
    files: [{ path: '记录.xlsx', digestSm3: sm3Hex(xlsx) }, ...files.map((f) => ({ path: f.path, digestSm3: f.digestSm3 }))],
  };
  const entries: Record<string, Uint8Array> = { '记录.xlsx': xlsx, 'manifest.json': strToU8(JSON.stringify(manifest, null, 2)) };
  for (const f of files) entries[f.path] = f.content;
  const zip = Buffer.from(zipSync(entries, { level: 6, mtime: ctx.now }));
  const digest = sm3Hex(zip);
  const summary = { records: manifest.records, files: files.length };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('contract_closeouts')
      .values({ contract_id: contractId, status: 'exported', exported_by: ctx.user.id, exported_at: ctx.now, export_digest_sm3: digest, export_summary: JSON.stringify(summary) })
      .onConflict((oc) => oc.column('contract_id').doUpdateSet({ exported_by: ctx.user.id, exported_at: ctx.now, export_digest_sm3: digest, export_summary: JSON.stringify(summary), version: (eb) => eb('contract_closeouts.version', '+', 1) }))
      .execute();
    await recordAudit(trx, actorOf(ctx, roles[0] ?? null), { action: 'closeout.exported', entityType: 'contract', entityId: contractId, contractId, after: { digestSm3: digest, ...summary } }, ctx.now);
  });
  return { fileName: `${contract.code}-返还数据包.zip`, content: zip, digest };
}

/**
 * Step 2: destroy the contract's personal data and withdraw the vendor's
 * access, all in one transaction with its audit row. The caller types the
 * contract code to confirm.
 */
export async function destroyPersonalData(db: Db, ctx: Ctx, contractId: string, confirmCode: string): Promise<CloseoutView> {
  const roles = await requireWholeContract(db, ctx, contractId, ['agencyAdmin']);
  const contract = await db.selectFrom('contracts').select(['code']).where('id', '=', contractId).executeTakeFirstOrThrow();
  if (confirmCode.trim() !== contract.code) throw new AppError('VALIDATION_FAILED', `请输入合同编号「${contract.code}」确认销毁`);
  return db.transaction().execute(async (trx) => {
    const c = await trx.selectFrom('contract_closeouts').selectAll().where('contract_id', '=', contractId).forUpdate().executeTakeFirst();
    if (!c) throw new AppError('VALIDATION_FAILED', '须先导出返还数据包，再销毁个人信息');
    if (c.status !== 'exported') throw new AppError('VALIDATION_FAILED', '该合同的个人信息已销毁');
    const destroyed: { key: string; label: string; count: number }[] = [];
    for (const h of holderList()) destroyed.push({ key: h.key, label: h.label, count: await h.destroy(trx, contractId, ctx.now) });
    const vendorRoles = ['vendorProjectManager', 'vendorTeamLead', 'deskAgent', 'engineer', 'onsiteEngineer'];
    const revoked = await trx
      .updateTable('memberships')
      .set({ revoked_at: ctx.now })
      .where('contract_id', '=', contractId)
      .where('revoked_at', 'is', null)
      .where('role', 'in', vendorRoles)
      .returning('user_id')
      .execute();
    const vendorUserIds = [...new Set(revoked.map((r) => r.user_id))];
    if (vendorUserIds.length > 0) {
      // Sessions of vendor users left with no active role anywhere end now.
      await trx
        .updateTable('sessions')
        .set({ revoked_at: ctx.now })
        .where('user_id', 'in', vendorUserIds)
        .where('revoked_at', 'is', null)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('memberships as m').select('m.id').whereRef('m.user_id', '=', 'sessions.user_id').where('m.revoked_at', 'is', null))),
        )
        .execute();
    }
    const summary = { destroyed, vendorAccessRevoked: vendorUserIds.length };
    await trx
      .updateTable('contract_closeouts')
      .set({ status: 'destroyed', destroyed_by: ctx.user.id, destroyed_at: ctx.now, destruction_summary: JSON.stringify(summary), version: c.version + 1 })
      .where('id', '=', c.id)
      .execute();
    await recordAudit(trx, actorOf(ctx, roles[0] ?? null), { action: 'closeout.destroyed', entityType: 'contract', entityId: contractId, contractId, after: summary }, ctx.now);
    return loadCloseout(trx, contractId);
  });
}

/** Step 3: check that nothing remains; records the result (verified only when every count is zero). */
export async function verifyDestruction(db: Db, ctx: Ctx, contractId: string): Promise<CloseoutView> {
  const roles = await requireWholeContract(db, ctx, contractId, [...CLOSEOUT_ROLES, 'auditor']);
  const c = await loadCloseout(db, contractId);
  if (c.status !== 'destroyed' && c.status !== 'verified') throw new AppError('VALIDATION_FAILED', '尚未销毁个人信息，无法核验');
  const checks: { key: string; label: string; remaining: number }[] = [];
  for (const h of holderList()) checks.push({ key: h.key, label: h.label, remaining: await h.remaining(db, contractId) });
  const ok = checks.every((x) => x.remaining === 0);
  const verification = { ok, checkedAt: ctx.now.toISOString(), checks };
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('contract_closeouts')
      .set({ status: ok ? 'verified' : 'destroyed', verified_at: ok ? ctx.now : null, verification: JSON.stringify(verification) })
      .where('contract_id', '=', contractId)
      .execute();
    await recordAudit(trx, actorOf(ctx, roles[0] ?? null), { action: 'closeout.verified', entityType: 'contract', entityId: contractId, contractId, after: verification }, ctx.now);
  });
  return loadCloseout(db, contractId);
}
