/**
 * The one way to an export with unmasked personal data (明文导出): a data
 * extraction order that names an export scope (`details.exportScope`), signed
 * by the agency, lets its executor download the contract's incidents in that
 * scope once, inside the approved access window, with the originals opened
 * from their SM4 envelopes. Every other export stays masked.
 *
 * - refused (UNMASKED_EXPORT_NOT_ALLOWED, with the reason in Chinese) unless the
 *   order is approved, names a scope, the caller is its executor, the grant is in
 *   force (checked against the times) and nothing was exported under it yet;
 * - needs a fresh re-authentication (REAUTH_REQUIRED), asked for only once the
 *   rest allows the export;
 * - each sheet starts with a visible watermark line (order number, user, time)
 *   and repeats it in the print header;
 * - the download is the order's execution: one transaction records the
 *   execution evidence (scope as statement, row count, the file's SM3, computed
 *   by the server) and the audit row `privacy.unmaskedExported` (order, rows,
 *   file SM3, never a value).
 */
import ExcelJS from 'exceljs';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../shared/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { requireFreshReauth, type StepUp } from '../auth/reauth.ts';
import { sm3Hex } from '../shared/crypto.ts';
import { formatLocalDateTime } from '../shared/local-time.ts';
import { CHANNEL_NAMES, STATUS_NAMES } from '../incidents/incident-state.ts';
import { INCIDENT_FULL_RECORD_COLUMNS, originalIncidentText } from '../incidents/incident-pii.ts';
import { PERSONAL_DATA_CATEGORIES } from './workorder-kinds.ts';
import { STATE_NAMES } from './workorder-state.ts';
import { DETAILS_SCHEMAS, type TUnmaskedExportScope } from './workorder.schema.ts';
import { applyWorkOrderCommand, loadVisible, outcomeOf, VENDOR_ROLES } from './workorder.service.ts';
import { labelFilter, mayRead, type SecurityLabel } from '../labels/security-label.ts';
import { effectiveLabel } from '../labels/label-mac.ts';
import type { WorkOrderRow } from './workorder.repo.ts';

/** At most this many records in one unmasked export (a larger scope is refused: ask for a narrower one). */
export const UNMASKED_EXPORT_MAX_ROWS = 50_000;

/** The file and what was recorded about it. */
export interface UnmaskedExport {
  fileName: string;
  content: Buffer;
  rows: number;
  /** SM3 of the file, as recorded in the execution evidence and the audit row. */
  sm3: string;
}

function notAllowed(message: string): AppError {
  return new AppError('UNMASKED_EXPORT_NOT_ALLOWED', message);
}

/** The export scope of an order (the Chinese wording is also the execution's "statement"). */
export function describeExportScope(scope: TUnmaskedExportScope, systemNames: ReadonlyMap<string, string>): string {
  const systems = scope.systemKeys.length === 0 ? '合同内全部系统' : scope.systemKeys.map((k) => systemNames.get(k) ?? k).join('、');
  return `明文导出故障单：${systems}，首次报告时间 ${formatLocalDateTime(scope.reportedFrom)} 至 ${formatLocalDateTime(scope.reportedTo)}（不含）`;
}

/** Check everything that allows the export (except the re-authentication); returns the scope. */
async function requireExportAllowed(db: Db, ctx: Ctx, wo: WorkOrderRow): Promise<TUnmaskedExportScope> {
  if (wo.kind !== 'dataWorkOrder') throw notAllowed('含原始个人信息的导出只能通过经甲方审批的「数据提取」工单进行');
  const scope = DETAILS_SCHEMAS.dataWorkOrder.parse(wo.details ?? {}).exportScope;
  if (!scope || wo.subtype !== 'extraction') throw notAllowed('该工单未申请明文导出：含原始个人信息的导出须在「数据提取」工单中写明导出范围，并经甲方审批签字');
  if (wo.assignee_user_id !== ctx.user.id) throw notAllowed('只有工单指定的执行人可以导出明文（数据访问授权只给执行人）');
  switch (wo.state) {
    case 'approved':
      break;
    case 'draft':
    case 'returned':
    case 'pendingApproval':
      throw notAllowed(`该工单尚未经甲方审批签字（当前状态：${STATE_NAMES[wo.state]}），不能导出明文`);
    default: {
      const done = outcomeOf(wo).execution;
      throw notAllowed(
        done
          ? `本工单已于 ${formatLocalDateTime(done.executedAt)} 执行（当前状态：${STATE_NAMES[wo.state]}）；每张工单只能导出一次明文，如需再次导出，请重新申请数据处理工单`
          : `工单当前状态为「${STATE_NAMES[wo.state]}」，不能导出明文`,
      );
    }
  }
  const grant = await db
    .selectFrom('data_access_grants')
    .select(['status', 'starts_at', 'ends_at'])
    .where('work_order_id', '=', wo.id)
    .where('user_id', '=', ctx.user.id)
    .orderBy('granted_at', 'desc')
    .executeTakeFirst();
  if (!grant || grant.status !== 'active' || new Date(grant.ends_at).getTime() <= ctx.now.getTime()) {
    throw notAllowed(`实施窗口已于 ${formatLocalDateTime(grant?.ends_at ?? wo.window_end ?? ctx.now)} 结束，数据访问授权已失效，不能再导出明文；如仍需导出，请重新申请数据处理工单`);
  }
  if (new Date(grant.starts_at).getTime() > ctx.now.getTime()) {
    throw notAllowed(`实施窗口自 ${formatLocalDateTime(grant.starts_at)} 开始，尚未到达，数据访问授权尚未生效，不能导出明文`);
  }
  return scope;
}

/**
 * The incidents in the scope, with their originals (null when the scope holds
 * more than the maximum); only those within the executor's clearance
 * (security labels: the approval does not lift them).
 */
async function loadIncidents(db: Db, contractId: string, scope: TUnmaskedExportScope, clearance: SecurityLabel) {
  let q = db
    .selectFrom('incidents')
    .select(INCIDENT_FULL_RECORD_COLUMNS)
    .select(['contract_id', 'security_label', 'label_mac', 'label_alarm_at'])
    .where('contract_id', '=', contractId)
    .where(labelFilter(clearance, { label: 'security_label', alarm: 'label_alarm_at' }))
    .where('reported_at', '>=', new Date(scope.reportedFrom))
    .where('reported_at', '<', new Date(scope.reportedTo));
  if (scope.systemKeys.length > 0) q = q.where('system_key', 'in', scope.systemKeys);
  const rows = await q.orderBy('reported_at').orderBy('number').limit(UNMASKED_EXPORT_MAX_ROWS + 1).execute();
  if (rows.length > UNMASKED_EXPORT_MAX_ROWS) return null;
  const statusNames: Record<string, string> = STATUS_NAMES;
  return rows.filter((r) => mayRead(clearance, effectiveLabel('incidents', r))).map((r) => {
    const text = originalIncidentText(r);
    return {
      number: r.number,
      systemKey: r.system_key,
      site: r.site ?? '',
      channel: CHANNEL_NAMES[r.channel] ?? r.channel,
      reportedAt: formatLocalDateTime(new Date(r.reported_at)),
      status: statusNames[r.status] ?? r.status,
      title: text.title,
      description: text.description,
      reporterName: text.reporterName,
      reporterOrg: r.reporter_org ?? '',
      reporterContact: text.reporterContact ?? '',
      resolution: text.resolution ?? '',
      callbackNote: text.callbackNote ?? '',
    };
  });
}

/** Put the watermark on a sheet: a visible first line, and the print header and footer. */
function watermark(ws: ExcelJS.Worksheet, text: string, columns: number): void {
  ws.spliceRows(1, 0, [text]);
  ws.mergeCells(1, 1, 1, Math.max(columns, 1));
  const cell = ws.getCell(1, 1);
  cell.font = { bold: true, color: { argb: 'FFC00000' } };
  cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFFF2CC' } };
  cell.alignment = { wrapText: true, vertical: 'middle' };
  ws.getRow(1).height = 32;
  const printable = text.replace(/&/g, '&&');
  ws.headerFooter = { oddHeader: `&C${printable}`, oddFooter: `&L${printable}&R第 &P 页，共 &N 页` };
}

/**
 * Export the incidents in an approved order's scope with their original
 * personal data, and record it as the order's execution (see the file comment).
 */
export async function exportUnmaskedIncidents(db: Db, ctx: Ctx, workOrderId: string, stepUp: StepUp): Promise<UnmaskedExport> {
  const { wo, roles, clearance } = await loadVisible(db, ctx, workOrderId);
  const scope = await requireExportAllowed(db, ctx, wo);
  if (stepUp !== 'inProcess') requireFreshReauth(stepUp.reauthenticatedAt, ctx.now);

  const details = DETAILS_SCHEMAS.dataWorkOrder.parse(wo.details ?? {});
  const systems = await db
    .selectFrom('contract_systems as s')
    .innerJoin('contracts as c', 'c.current_version_id', 's.version_id')
    .select(['s.key', 's.name'])
    .where('c.id', '=', wo.contract_id)
    .execute();
  const systemNames = new Map(systems.map((s) => [s.key, s.name]));
  const rows = await loadIncidents(db, wo.contract_id, scope, clearance);
  if (!rows) throw notAllowed(`导出范围内的故障单超过 ${UNMASKED_EXPORT_MAX_ROWS} 条，请缩小范围后重新申请`);
  const statement = describeExportScope(scope, systemNames);

  const mark = `明文导出 · 工单 ${wo.number} · 导出人 ${ctx.user.displayName}（${ctx.user.username}） · ${formatLocalDateTime(ctx.now)}（北京时间） · 含个人信息原文，仅限本工单批准的用途，不得复制或外传`;
  const wb = new ExcelJS.Workbook();
  wb.creator = `运维 Yunwei · ${wo.number}`;
  wb.created = ctx.now;
  const ws = wb.addWorksheet('故障工单', { views: [{ state: 'frozen', ySplit: 2 }] });
  ws.columns = [
    { header: '编号', key: 'number', width: 16 },
    { header: '系统', key: 'system', width: 28 },
    { header: '网点/地点', key: 'site', width: 20 },
    { header: '报告渠道', key: 'channel', width: 10 },
    { header: '首次报告时间', key: 'reportedAt', width: 18 },
    { header: '状态', key: 'status', width: 10 },
    { header: '标题', key: 'title', width: 40 },
    { header: '描述', key: 'description', width: 60 },
    { header: '报告人', key: 'reporterName', width: 12 },
    { header: '报告人单位', key: 'reporterOrg', width: 20 },
    { header: '联系方式', key: 'reporterContact', width: 16 },
    { header: '处理结果', key: 'resolution', width: 40 },
    { header: '回访说明', key: 'callbackNote', width: 40 },
  ];
  ws.getRow(1).font = { bold: true };
  for (const r of rows) ws.addRow({ ...r, system: systemNames.get(r.systemKey) ?? r.systemKey });
  watermark(ws, mark, ws.columns.length);

  const about = wb.addWorksheet('导出说明');
  about.columns = [
    { header: '项目', key: 'k', width: 18 },
    { header: '内容', key: 'v', width: 80 },
  ];
  about.getRow(1).font = { bold: true };
  const categories = details.personalDataCategories.map((c) => PERSONAL_DATA_CATEGORIES[c]).join('、') || '（未列明）';
  for (const [k, v] of [
    ['工单编号', wo.number],
    ['工单标题', wo.title],
    ['目的', details.purpose],
    ['依据', details.legalBasis],
    ['导出范围', statement],
    ['涉及的个人信息', categories],
    ['记录条数', String(rows.length)],
    ['批准的实施窗口', `${wo.window_start ? formatLocalDateTime(wo.window_start) : ''} 至 ${wo.window_end ? formatLocalDateTime(wo.window_end) : ''}`],
    ['导出人', `${ctx.user.displayName}（${ctx.user.username}）`],
    ['导出时间', `${formatLocalDateTime(ctx.now)}（北京时间）`],
  ] as const) {
    about.addRow({ k, v });
  }
  watermark(about, mark, 2);

  const content = Buffer.from(await wb.xlsx.writeBuffer());
  const sm3 = sm3Hex(content);
  const fileName = `明文导出-${wo.number}.xlsx`;
  const role = roles.find((r) => VENDOR_ROLES.includes(r)) ?? null;
  await applyWorkOrderCommand(
    db,
    ctx,
    wo.id,
    wo.version,
    { type: 'execute', statement, beforeCount: rows.length, afterCount: rows.length, output: { fileName, sm3, sizeBytes: content.length }, note: '服务器生成的明文导出文件（带水印），摘要由服务器计算' },
    {
      stepUp,
      serverOutput: {
        also: (trx) =>
          recordAudit(
            trx,
            actorOf(ctx, role),
            { action: 'privacy.unmaskedExported', entityType: 'workOrder', entityId: wo.id, contractId: wo.contract_id, after: { workOrderId: wo.id, number: wo.number, records: scope.records, rows: rows.length, fileName, fileSm3: sm3, sizeBytes: content.length, scope } },
            ctx.now,
          ),
      },
    },
  );
  return { fileName, content, rows: rows.length, sm3 };
}
