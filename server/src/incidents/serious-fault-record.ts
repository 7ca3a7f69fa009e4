/**
 * The serious-fault record (严重故障记录表), produced from an incident as a Word
 * document (the `docx` package): the facts, the leader's instruction, the
 * handling timeline, each deadline with its outcome, and signature lines.
 */
import { AlignmentType, BorderStyle, Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';
import type { Db } from '../db/database.ts';
import type { Ctx } from '../shared/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { getIncident } from './incident.service.ts';
import { CHANNEL_NAMES } from './incident-state.ts';
import { formatLocalDateTimeCn } from '../shared/local-time.ts';

const FONT = 'SimSun';
const STATE_NAMES: Record<string, string> = { notStarted: '未开始', running: '计时中', atRisk: '临近超时', paused: '已暂停', met: '按时完成', breached: '超时', waived: '已关闭未计' };

/** "2024年03月15日 16:30", or a dash. */
function cn(iso: string | null | undefined): string {
  return iso ? formatLocalDateTimeCn(iso) : '—';
}

function text(t: string, bold = false, size = 21): TextRun {
  return new TextRun({ text: t, bold, size, font: { eastAsia: FONT, ascii: FONT, hAnsi: FONT } });
}

function cell(t: string, opts: { bold?: boolean; width?: number; span?: number } = {}): TableCell {
  return new TableCell({
    children: t.split('\n').map((line) => new Paragraph({ children: [text(line, opts.bold)] })),
    width: opts.width ? { size: opts.width, type: WidthType.PERCENTAGE } : undefined,
    columnSpan: opts.span,
    margins: { top: 60, bottom: 60, left: 100, right: 100 },
  });
}

function row(label: string, value: string, label2?: string, value2?: string): TableRow {
  return new TableRow({
    children: label2 === undefined ? [cell(label, { bold: true, width: 18 }), cell(value, { span: 3 })] : [cell(label, { bold: true, width: 18 }), cell(value, { width: 32 }), cell(label2, { bold: true, width: 18 }), cell(value2 ?? '', { width: 32 })],
  });
}

/** Build the record for an incident the caller may see; the export is audited. */
export async function seriousFaultRecordDocx(db: Db, ctx: Ctx, incidentId: string): Promise<{ fileName: string; content: Buffer }> {
  const d = await getIncident(db, ctx, incidentId);
  const inc = d.incident;
  const approval = inc.leaderApproval as { byName?: string; at?: string; instruction?: string } | null;
  const impact = Object.entries(inc.impact)
    .map(([k, v]) => {
      const names: Record<string, string> = { usersAffectedShare: '受影响用户占比', outageMinutes: '已中断时长（分钟）', wholeSystemDown: '系统整体瘫痪', businessSeriouslyAffected: '业务严重受影响', dataCompromised: '数据保密性/完整性受损', businessPeak: '业务高峰期', partialFunctionDown: '部分功能故障' };
      const value = typeof v === 'boolean' ? (v ? '是' : '否') : k === 'usersAffectedShare' ? `${String(v)}%` : String(v);
      return `${names[k] ?? k}：${value}`;
    })
    .join('；');
  const restoredAt = d.events.find((e) => e.type === 'resolve')?.at ?? null;

  const info = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      row('故障单号', inc.number, '故障等级', inc.levelName),
      row('所属系统', inc.systemName, '故障地点', `${inc.site ?? '—'}${inc.siteZone ? `（${inc.siteZone === 'urban' ? '城区' : '郊区'}）` : ''}`),
      row('报告人', `${inc.reporterName}${inc.reporterOrg ? `（${inc.reporterOrg}）` : ''}`, '报告渠道', CHANNEL_NAMES[inc.channel] ?? inc.channel),
      row('首次报告时间', cn(inc.reportedAt), '恢复时间', cn(restoredAt)),
      row('故障标题', inc.title),
      row('故障现象', inc.description || '—'),
      row('影响范围', impact || '—'),
      row('领导批示', approval ? `${approval.instruction ?? ''}\n批示人：${approval.byName ?? ''}    时间：${cn(approval.at)}` : inc.leaderApprovalRequired ? '（未记录）' : '本等级无须领导批示'),
      row('处理结果', inc.resolution ?? '—'),
      row('回访满意度', inc.satisfaction ? `${inc.satisfaction} 分（满分 5 分）${inc.callbackNote ? `；${inc.callbackNote}` : ''}` : '—'),
    ],
  });

  const slaRows = (d.sla?.result.targets ?? []).map(
    (t) =>
      new TableRow({
        children: [
          cell(t.name),
          cell(t.rule.within ? `${t.rule.within.amount} ${{ minutes: '分钟', hours: '小时', days: '天', workingMinutes: '个工作分钟', workingHours: '个工作小时', workingDays: '个工作日' }[t.rule.within.unit]}${t.rule.windowKey ? `（${t.rule.windowKey}）` : ''}` : '按单指定'),
          cell(cn(t.dueAt)),
          cell(t.metAt ? cn(t.metAt) : '—'),
          cell(STATE_NAMES[t.state] ?? t.state),
        ],
      }),
  );
  const sla = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: ['时限', '要求', '截止时间', '完成时间', '结果'].map((h) => cell(h, { bold: true })) }),
      ...(slaRows.length > 0 ? slaRows : [new TableRow({ children: [cell('合同对该故障等级未规定处置时限', { span: 5 })] })]),
    ],
  });

  const timeline = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: [cell('时间', { bold: true, width: 26 }), cell('操作', { bold: true, width: 14 }), cell('操作人', { bold: true, width: 14 }), cell('说明', { bold: true, width: 46 })] }),
      ...d.events.map((e) => {
        const note = ['note', 'instruction', 'resolution', 'text', 'reason'].map((k) => e.data[k]).filter((v): v is string => typeof v === 'string' && v.length > 0).join('；');
        return new TableRow({ children: [cell(cn(e.at), { width: 26 }), cell(e.typeName, { width: 14 }), cell(e.actorName ?? '—', { width: 14 }), cell(note || '—', { width: 46 })] });
      }),
    ],
  });

  const signature = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    borders: { top: { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' }, bottom: { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' }, left: { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' }, right: { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' }, insideHorizontal: { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' }, insideVertical: { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' } },
    rows: [
      new TableRow({ children: [cell('乙方项目经理（签字）：'), cell('甲方项目负责人（签字）：')] }),
      new TableRow({ children: [cell('日期：      年    月    日'), cell('日期：      年    月    日')] }),
    ],
  });

  const doc = new Document({
    creator: '运维 Yunwei',
    title: `严重故障记录表 ${inc.number}`,
    styles: { default: { document: { run: { font: { eastAsia: FONT, ascii: FONT, hAnsi: FONT }, size: 21 } } } },
    sections: [
      {
        children: [
          new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [text('严重故障记录表', true, 36)] }),
          new Paragraph({ alignment: AlignmentType.RIGHT, children: [text(`生成时间：${cn(ctx.now.toISOString())}`, false, 18)] }),
          info,
          new Paragraph({ spacing: { before: 240, after: 120 }, children: [text('一、各项时限', true, 24)] }),
          sla,
          new Paragraph({ spacing: { before: 240, after: 120 }, children: [text('二、处置过程', true, 24)] }),
          timeline,
          new Paragraph({ spacing: { before: 480 }, children: [] }),
          signature,
        ],
      },
    ],
  });
  const content = await Packer.toBuffer(doc);
  await db.transaction().execute((trx) =>
    recordAudit(trx, actorOf(ctx), { action: 'incident.recordExported', entityType: 'incident', entityId: incidentId, contractId: inc.contractId, after: { document: '严重故障记录表' } }, ctx.now),
  );
  return { fileName: `严重故障记录表-${inc.number}.docx`, content };
}
