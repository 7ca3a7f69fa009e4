/**
 * Export the filtered incident list to Excel (exceljs). The export is audited
 * and counts against the user's daily export limit (privacy/export-limit.ts).
 */
import ExcelJS from 'exceljs';
import type { Db } from '../db/database.ts';
import type { Ctx } from '../shared/context.ts';
import { recordExportWithinLimit } from '../privacy/export-limit.ts';
import { listIncidents, type IncidentFilter } from './incident.service.ts';
import { CHANNEL_NAMES } from './incident-state.ts';
import { formatLocalDateTime } from '../shared/local-time.ts';

/** Build the workbook of the filtered list (up to 10,000 rows); `dailyLimit`: the user's bulk exports allowed per day. */
export async function exportIncidentsXlsx(db: Db, ctx: Ctx, filter: Omit<IncidentFilter, 'limit' | 'offset'>, dailyLimit: number, timezone = 'Asia/Shanghai'): Promise<Buffer> {
  const rows = await listIncidents(db, ctx, { ...filter, limit: 10_000, offset: 0 });
  const request = { contractId: filter.contractId, what: '故障清单' };
  await recordExportWithinLimit(db, ctx, request, null, dailyLimit);
  const wb = new ExcelJS.Workbook();
  wb.creator = '运维 Yunwei';
  wb.created = ctx.now;
  const ws = wb.addWorksheet('故障清单', { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: '故障单号', key: 'number', width: 16 },
    { header: '标题', key: 'title', width: 36 },
    { header: '系统', key: 'system', width: 28 },
    { header: '故障等级', key: 'level', width: 12 },
    { header: '状态', key: 'status', width: 10 },
    { header: '报告渠道', key: 'channel', width: 10 },
    { header: '报告人', key: 'reporter', width: 14 },
    { header: '首次报告时间', key: 'reportedAt', width: 18 },
    { header: '最近截止时间', key: 'dueAt', width: 18 },
    { header: '是否超时', key: 'breached', width: 10 },
    { header: '处理结果', key: 'resolution', width: 36 },
    { header: '满意度', key: 'satisfaction', width: 8 },
  ];
  for (const r of rows) {
    ws.addRow({
      number: r.number,
      title: r.title,
      system: r.systemName,
      level: r.levelName,
      status: r.statusName,
      channel: CHANNEL_NAMES[r.channel] ?? r.channel,
      reporter: r.reporterName,
      reportedAt: formatLocalDateTime(r.reportedAt, timezone),
      dueAt: r.slaDueAt ? formatLocalDateTime(r.slaDueAt, timezone) : '',
      breached: r.slaBreached ? '是' : '否',
      resolution: r.resolution ?? '',
      satisfaction: r.satisfaction ?? '',
    });
  }
  const header = ws.getRow(1);
  header.font = { bold: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE6EEF8' } };
  await recordExportWithinLimit(
    db,
    ctx,
    request,
    { action: 'incident.exported', entityType: 'incidentList', entityId: null, contractId: filter.contractId, after: { rows: rows.length, filter: { ...filter, q: filter.q ?? null } } },
    dailyLimit,
  );
  return Buffer.from(await wb.xlsx.writeBuffer());
}
