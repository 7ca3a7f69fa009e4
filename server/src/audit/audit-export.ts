/**
 * The auditor's export: the filtered audit trail as an Excel workbook
 * (exceljs), newest first, up to AUDIT_EXPORT_MAX_ROWS rows. The export is
 * itself audited (filter and row count) and counts against the user's daily
 * export limit (privacy/export-limit.ts).
 */
import ExcelJS from 'exceljs';
import type { Db } from '../db/database.ts';
import type { Ctx } from '../shared/context.ts';
import { listAuditRows, type AuditFilter } from './audit.repo.ts';
import { recordExportWithinLimit } from '../privacy/export-limit.ts';
import { formatLocalDateTime } from '../shared/local-time.ts';

/** Most rows one export carries. */
export const AUDIT_EXPORT_MAX_ROWS = 50_000;

/** Chinese names of the common actions (others are shown by their code). */
export const AUDIT_ACTION_NAMES: Readonly<Record<string, string>> = {
  'auth.signIn': '登录',
  'auth.signInFailed': '登录失败',
  'auth.signInRefused': '拒绝登录',
  'auth.accountLocked': '账号锁定',
  'auth.accountUnlocked': '解除锁定',
  'auth.signOut': '退出登录',
  'auth.signOutEverywhere': '退出所有设备',
  'auth.forcedSignOut': '强制下线',
  'auth.secondFactorFailed': '动态验证码错误',
  'auth.secondFactorReplayed': '动态验证码重复使用',
  'auth.twoFactorEnrolled': '启用双因素验证',
  'auth.twoFactorDisabled': '关闭双因素验证',
  'auth.twoFactorReset': '重置双因素验证',
  'auth.recoveryCodesRegenerated': '重新生成恢复码',
  'auth.reauthenticated': '再次验证身份',
  'auth.reauthFailed': '再次验证身份失败',
  'auth.passwordChanged': '修改密码',
  'auth.passwordChangeFailed': '修改密码失败',
  'user.created': '创建用户',
  'membership.granted': '授予角色',
  'membership.revoked': '撤销角色',
  'contract.imported': '导入合同',
  'contract.versionImported': '导入新版本',
  'incident.exported': '导出故障清单',
  'audit.exported': '导出审计日志',
  'privacy.unmaskedExported': '明文导出（数据处理工单）',
  'security.exportLimitExceeded': '超出每日导出上限',
  'attachment.malwareRefused': '上传文件含恶意代码被拒绝',
};

function json(v: unknown): string {
  if (v === null || v === undefined) return '';
  const text = JSON.stringify(v);
  // Excel cells hold at most 32,767 characters
  return text.length > 32_000 ? `${text.slice(0, 32_000)}…` : text;
}

/** Build the workbook of the filtered audit trail and record the export; `dailyLimit`: the user's bulk exports allowed per day. */
export async function exportAuditXlsx(db: Db, ctx: Ctx, filter: Omit<AuditFilter, 'limit' | 'beforeSeq'>, dailyLimit: number): Promise<{ buffer: Buffer; rows: number; truncated: boolean }> {
  const request = { contractId: filter.contractId ?? null, what: '审计日志' };
  await recordExportWithinLimit(db, ctx, request, null, dailyLimit);
  const wb = new ExcelJS.Workbook();
  wb.creator = '运维 Yunwei';
  wb.created = ctx.now;
  const ws = wb.addWorksheet('审计日志', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: '序号', key: 'seq', width: 10 },
    { header: '时间（北京时间）', key: 'at', width: 18 },
    { header: '操作人', key: 'actor', width: 14 },
    { header: '角色', key: 'role', width: 14 },
    { header: '动作', key: 'actionName', width: 16 },
    { header: '动作代码', key: 'action', width: 26 },
    { header: '对象类型', key: 'entityType', width: 14 },
    { header: '对象 ID', key: 'entityId', width: 38 },
    { header: '合同 ID', key: 'contractId', width: 38 },
    { header: '客户端 IP', key: 'ip', width: 16 },
    { header: '变更前', key: 'before', width: 40 },
    { header: '变更后', key: 'after', width: 40 },
    { header: 'SM3 摘要', key: 'hash', width: 66 },
  ];
  let count = 0;
  let beforeSeq: string | undefined;
  let truncated = false;
  for (;;) {
    const page = await listAuditRows(db, { ...filter, beforeSeq, limit: 2000 });
    for (const r of page) {
      if (count >= AUDIT_EXPORT_MAX_ROWS) {
        truncated = true;
        break;
      }
      ws.addRow({
        seq: Number(r.seq),
        at: formatLocalDateTime(r.occurred_at),
        actor: r.actor_name ?? '系统',
        role: r.actor_role ?? '',
        actionName: AUDIT_ACTION_NAMES[r.action] ?? r.action,
        action: r.action,
        entityType: r.entity_type,
        entityId: r.entity_id ?? '',
        contractId: r.contract_id ?? '',
        ip: r.client_ip ?? '',
        before: json(r.before),
        after: json(r.after),
        hash: r.hash,
      });
      count++;
    }
    if (truncated || page.length < 2000) break;
    beforeSeq = page[page.length - 1]?.seq;
  }
  if (truncated) ws.addRow({ seq: '', at: `仅导出最新的 ${AUDIT_EXPORT_MAX_ROWS} 条记录，请缩小时间范围后分批导出` });
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE6EEF8' } };
  await recordExportWithinLimit(
    db,
    ctx,
    request,
    {
      action: 'audit.exported',
      entityType: 'auditLog',
      entityId: null,
      contractId: filter.contractId ?? null,
      after: {
        rows: count,
        truncated,
        filter: {
          contractId: filter.contractId ?? null,
          action: filter.action ?? null,
          entityType: filter.entityType ?? null,
          actor: filter.actor ?? null,
          from: filter.from?.toISOString() ?? null,
          to: filter.to?.toISOString() ?? null,
        },
      },
    },
    dailyLimit,
  );
  return { buffer: Buffer.from(await wb.xlsx.writeBuffer()), rows: count, truncated };
}
