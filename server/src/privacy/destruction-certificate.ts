/**
 * The destruction certificate (个人信息销毁证明) of a contract close-out, as
 * PDF for both parties to sign: what was returned (with the package's SM3),
 * what was destroyed, how it was verified, and blank signature lines.
 */
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { requireWholeContract } from '../contracts/contract-access.ts';
import { formatLocalDateTimeCn } from '../shared/local-time.ts';
import type { Ctx } from '../shared/context.ts';
import { CLOSEOUT_ROLES } from './closeout.service.ts';
import { createPdf } from '../documents/pdf.ts';

interface Summary {
  destroyed?: { label: string; count: number }[];
  vendorAccessRevoked?: number;
}
interface Verification {
  ok?: boolean;
  checkedAt?: string;
  checks?: { label: string; remaining: number }[];
}
interface ExportSummary {
  records?: { sheet: string; rows: number }[];
  files?: number;
}

/** Render the certificate; only after verification succeeded. */
export async function destructionCertificatePdf(db: Db, ctx: Ctx, contractId: string): Promise<{ fileName: string; content: Buffer }> {
  await requireWholeContract(db, ctx, contractId, [...CLOSEOUT_ROLES, 'auditor']);
  const c = await db.selectFrom('contract_closeouts').selectAll().where('contract_id', '=', contractId).executeTakeFirst();
  if (!c || c.status !== 'verified' || !c.destroyed_at || !c.verified_at) throw new AppError('VALIDATION_FAILED', '须在核验个人信息已全部销毁后，才能出具销毁证明');
  const contract = await db.selectFrom('contracts').select(['code', 'name', 'timezone']).where('id', '=', contractId).executeTakeFirstOrThrow();
  const parties = await db.selectFrom('contract_parties as p').innerJoin('organisations as o', 'o.id', 'p.organisation_id').select(['p.side', 'o.name']).where('p.contract_id', '=', contractId).execute();
  const agency = parties.filter((p) => p.side === 'agency').map((p) => p.name).join('、');
  const vendor = parties.filter((p) => p.side === 'vendor').map((p) => p.name).join('、');
  const tz = contract.timezone;
  const destroyed = (c.destruction_summary ?? {}) as Summary;
  const verification = (c.verification ?? {}) as Verification;
  const exported = (c.export_summary ?? {}) as ExportSummary;

  const pdf = createPdf({ title: `个人信息返还与销毁证明 ${contract.code}`, createdAt: ctx.now, keywords: contract.code, footer: `${contract.code} 个人信息返还与销毁证明` });
  pdf.title('个人信息返还与销毁证明', `证明编号：XH-${contract.code}-${new Date(c.verified_at).toISOString().slice(0, 10).replaceAll('-', '')}`);
  pdf.fields([
    ['合同', `${contract.name}（${contract.code}）`],
    ['甲方（委托方）', agency || '—'],
    ['乙方（受托方）', vendor || '—'],
  ], 1);

  pdf.section('一、数据返还');
  pdf.paragraph(`${formatLocalDateTimeCn(c.exported_at, tz)}，通过本平台导出返还数据包并交付甲方。数据包 SM3 摘要：${c.export_digest_sm3}`);
  pdf.table(
    [{ header: '返还内容', weight: 3 }, { header: '数量', weight: 1 }],
    [...(exported.records ?? []).map((r) => [r.sheet, `${r.rows} 条记录`] as const), ['附件文件', `${exported.files ?? 0} 个`]],
  );

  pdf.section('二、销毁');
  pdf.paragraph(`${formatLocalDateTimeCn(c.destroyed_at, tz)}，销毁该合同在本平台保存的下列个人信息（加密原文、检索索引及文件内容）；列表与报表中只保留脱敏后的内容。同时收回乙方人员对本合同的访问权限 ${destroyed.vendorAccessRevoked ?? 0} 人。`);
  pdf.table([{ header: '销毁内容', weight: 4 }, { header: '数量', weight: 1 }], (destroyed.destroyed ?? []).map((d) => [d.label, `${d.count} 项`] as const));

  pdf.section('三、核验');
  pdf.paragraph(`${verification.checkedAt ? formatLocalDateTimeCn(verification.checkedAt, tz) : ''}，平台逐项核验剩余个人信息。结论：${verification.ok ? '未发现残留的个人信息。' : '存在残留，需处理后重新核验。'}`);
  pdf.table([{ header: '核验项目', weight: 4 }, { header: '剩余', weight: 1 }], (verification.checks ?? []).map((k) => [k.label, String(k.remaining)] as const));
  pdf.paragraph('以上各步骤均已记入审计日志（SM3 哈希链），可在平台中核查。', { size: 9, color: '#555555' });

  pdf.section('四、双方确认（签字并加盖公章）');
  pdf.signatureLines(['甲方经办人', '乙方经办人']);
  pdf.paragraph(`本证明由运维平台于 ${formatLocalDateTimeCn(ctx.now, tz)} 生成（生成人：${ctx.user.displayName}）。`, { size: 8, color: '#777777' });
  const content = await pdf.finish();
  return { fileName: `个人信息销毁证明-${contract.code}.pdf`, content };
}
