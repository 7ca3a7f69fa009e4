/**
 * The printable work-order form (工单表, PDF): the request, the kind's own
 * particulars, the execution record, the SLA deadlines, every approval
 * decision (who, role, when, comment) and blank lines for wet signatures.
 * Personal data is masked as everywhere else. Printing is audited.
 */
import type { Db } from '../db/database.ts';
import type { Ctx } from '../shared/context.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { ROLES } from '../auth/roles.ts';
import { formatLocalDateTime } from '../shared/local-time.ts';
import { createPdf, type PdfBuilder } from '../documents/pdf.ts';
import { maskText } from '../privacy/pii.ts';
import { TARGET_KIND_NAMES } from '../sla/sla-engine.ts';
import { KIND_NAMES, PERSONAL_DATA_CATEGORIES, subtypeName, type PersonalDataCategory } from './workorder-kinds.ts';
import { STATE_NAMES } from './workorder-state.ts';
import { DETAILS_SCHEMAS, type TOutcome } from './workorder.schema.ts';
import { getWorkOrder } from './workorder.query.ts';
import { loadVisible, outcomeOf } from './workorder.service.ts';

const FORM_NAMES = { serviceRequest: '服务请求单', dataWorkOrder: '数据处理工单', change: '变更申请单', release: '发布申请单', content: '内容发布审批单' } as const;
const RISK_NAMES = { low: '低', medium: '中', high: '高' } as const;
const ENV_NAMES = { production: '生产环境', staging: '预发布环境', test: '测试环境' } as const;
const CHANNEL_NAMES = { website: '网站', wechat: '公众号', app: 'App', kiosk: '自助终端' } as const;
const RESULT_NAMES = { succeeded: '成功', failed: '失败', rolledBack: '已回退' } as const;
const SLA_STATE_NAMES: Record<string, string> = { notStarted: '未开始', running: '计时中', atRisk: '即将超时', paused: '暂停', met: '按时完成', breached: '已超时', waived: '已免除' };

/** Longest statement text printed on the form (the whole text stays in the system). */
const MAX_STATEMENT_CHARS = 3000;

function t(value: string | null | undefined): string {
  return value ? maskText(value) : '—';
}

function when(value: Date | string | null | undefined): string {
  return value ? formatLocalDateTime(value) : '—';
}

/** The form of one work order the caller may see, as PDF bytes and a file name. */
export async function workOrderFormPdf(db: Db, ctx: Ctx, id: string): Promise<{ fileName: string; content: Buffer }> {
  const { wo, roles } = await loadVisible(db, ctx, id);
  const detail = await getWorkOrder(db, ctx, id);
  const contract = await db.selectFrom('contracts').select(['code', 'name']).where('id', '=', wo.contract_id).executeTakeFirstOrThrow();
  const v = detail.workOrder;
  const outcome: TOutcome = outcomeOf(wo);
  const formName = FORM_NAMES[wo.kind];
  const pdf = createPdf({ title: `${formName} ${wo.number}`, subject: v.title, keywords: wo.number, createdAt: ctx.now, footer: `${wo.number} · 打印：${ctx.user.displayName} ${formatLocalDateTime(ctx.now)} · 运维 Yunwei 生成` });

  pdf.title(formName, `${contract.name}（${contract.code}）`);
  pdf.fields([
    ['工单编号', wo.number],
    ['类型', `${KIND_NAMES[wo.kind]} / ${subtypeName(wo.kind, wo.subtype)}`],
    ['标题', v.title],
    ['状态', STATE_NAMES[v.state]],
    ['涉及系统', v.systemName ?? '—'],
    ['时限类别', v.levelName ?? '合同未约定'],
    ['登记人', v.createdBy.name],
    ['需求提出人', [v.requester.name, v.requesterName].filter(Boolean).join(' / ') || '—'],
    ['执行人', v.assignee?.name ?? '—'],
    ['提出时间', when(wo.requested_at)],
    ['实施窗口', wo.window_start || wo.window_end ? `${when(wo.window_start)} 至 ${when(wo.window_end)}` : '—'],
    ['提交审批', when(wo.submitted_at)],
  ]);
  if (v.description) {
    pdf.section('说明');
    pdf.paragraph(v.description);
  }

  kindSection(pdf, wo.kind, wo.details, outcome);

  if (detail.accessGrants.length > 0) {
    pdf.section('数据访问授权');
    pdf.table(
      [
        { header: '被授权人', weight: 2 },
        { header: '生效', weight: 3 },
        { header: '失效', weight: 3 },
        { header: '状态', weight: 2 },
        { header: '说明', weight: 3 },
      ],
      detail.accessGrants.map((g) => [g.userName, when(g.startsAt), when(g.endsAt), { active: '有效', expired: '已到期', revoked: '已收回' }[g.status], g.endReason ?? '']),
    );
  }

  if (detail.sla) {
    pdf.section('合同时限');
    pdf.table(
      [
        { header: '时限', weight: 3 },
        { header: '截止时间', weight: 3 },
        { header: '完成时间', weight: 3 },
        { header: '状态', weight: 2 },
      ],
      detail.sla.result.targets.map((tg) => [tg.name || TARGET_KIND_NAMES[tg.kind], when(tg.dueAt), when(tg.stoppedAt), SLA_STATE_NAMES[tg.state] ?? tg.state]),
    );
  }

  pdf.section('审批记录');
  if (detail.approval.decisions.length === 0) pdf.paragraph('尚无审批记录。', { color: '#555555' });
  else {
    pdf.table(
      [
        { header: '轮次', weight: 1 },
        { header: '环节', weight: 3 },
        { header: '审批人', weight: 2 },
        { header: '角色', weight: 2.5 },
        { header: '结论', weight: 1.3 },
        { header: '意见', weight: 4 },
        { header: '时间', weight: 2.8 },
      ],
      detail.approval.decisions.map((d) => [String(d.round), d.stepName, d.userName, d.roleLabel, d.decision === 'approve' ? '同意' : '退回', d.comment || '—', when(d.at)]),
    );
  }

  pdf.section('签字');
  const lines = [`申请人（${v.createdBy.name}）`];
  for (const step of detail.approval.steps) lines.push(`${step.name}（${step.roles.map((r) => ROLES[r.role].label).join('、')}）`);
  if (wo.kind === 'serviceRequest' || wo.kind === 'dataWorkOrder') lines.push(`需求提出人确认（${v.requester.name}）`);
  pdf.signatureLines(lines);

  const content = await pdf.finish();
  await db.transaction().execute((trx) =>
    recordAudit(trx, actorOf(ctx, roles[0] ?? null), { action: 'workOrder.formPrinted', entityType: 'workOrder', entityId: wo.id, contractId: wo.contract_id, after: { number: wo.number } }, ctx.now),
  );
  return { fileName: `${wo.number}-${formName}.pdf`, content };
}

function kindSection(pdf: PdfBuilder, kind: 'serviceRequest' | 'dataWorkOrder' | 'change' | 'release' | 'content', raw: unknown, o: TOutcome): void {
  switch (kind) {
    case 'serviceRequest': {
      const d = DETAILS_SCHEMAS.serviceRequest.parse(raw ?? {});
      pdf.section('服务请求');
      pdf.fields([
        ['联系方式', t(d.contact)],
        ['地点', t(d.location)],
        ['期望完成', when(d.expectedBy)],
        ['处理结果', t(o.resolution)],
      ]);
      break;
    }
    case 'dataWorkOrder': {
      const d = DETAILS_SCHEMAS.dataWorkOrder.parse(raw ?? {});
      pdf.section('数据处理内容');
      pdf.fields(
        [
          ['目的', t(d.purpose)],
          ['依据', t(d.legalBasis)],
          ['个人信息类别', d.personalDataCategories.length ? d.personalDataCategories.map((c: PersonalDataCategory) => PERSONAL_DATA_CATEGORIES[c]).join('、') : '不涉及个人信息'],
          ['预计行数', d.rowEstimate === undefined ? '—' : String(d.rowEstimate)],
          ['实施环境', t(d.environment)],
          ['交付方式', t(d.deliveryMethod)],
        ],
        1,
      );
      if (d.tables.length > 0) {
        pdf.table(
          [
            { header: '表', weight: 2 },
            { header: '字段', weight: 5 },
          ],
          d.tables.map((tb) => [tb.name, tb.fields.join('、') || '（全部字段）']),
        );
      }
      if (o.execution) {
        const e = o.execution;
        pdf.section('执行记录');
        pdf.fields([
          ['执行人', e.executedBy],
          ['执行时间', when(e.executedAt)],
          ['执行前记录数', String(e.beforeCount)],
          ['执行后记录数', String(e.afterCount)],
          ['输出文件', `${e.output.fileName}${e.output.declared ? '（执行人登记摘要）' : ''}`],
          ['语句 SM3', e.statementSm3],
        ]);
        pdf.fields([['输出文件 SM3', e.output.sm3]], 1);
        const stmt = e.statement.length > MAX_STATEMENT_CHARS ? `${e.statement.slice(0, MAX_STATEMENT_CHARS)}…（共 ${e.statement.length} 字，全文见系统）` : e.statement;
        pdf.fields([['执行的语句或脚本', maskText(stmt)]], 1);
      }
      if (o.delivery) pdf.fields([['交付', `${t(o.delivery.method)}（${when(o.delivery.deliveredAt)}，${o.delivery.deliveredBy}）`]], 1);
      if (o.confirmation) pdf.fields([['需求方确认', `${o.confirmation.confirmedBy} ${when(o.confirmation.confirmedAt)}${o.confirmation.comment ? `：${maskText(o.confirmation.comment)}` : ''}`]], 1);
      break;
    }
    case 'change': {
      const d = DETAILS_SCHEMAS.change.parse(raw ?? {});
      pdf.section('变更内容');
      pdf.fields(
        [
          ['变更原因', t(d.reason)],
          ['风险等级', d.riskLevel ? RISK_NAMES[d.riskLevel] : '—'],
          ['可能的风险', t(d.risks)],
          ['操作方法', t(d.method)],
          ['使用工具', t(d.tools)],
          ['操作步骤', d.steps.length ? d.steps.map((s, i) => `${i + 1}. ${maskText(s)}`).join('\n') : '—'],
          ['回退方案', t(d.rollbackPlan)],
          ['备份确认', d.backupConfirmed ? `已完成备份${d.backupNote ? `：${maskText(d.backupNote)}` : ''}` : '未确认'],
          ['受影响系统', d.affectedSystems.join('、') || '—'],
          ['验证方法', t(d.verificationPlan)],
        ],
        1,
      );
      if (o.result) {
        pdf.section('实施结果');
        pdf.fields(
          [
            ['开始实施', when(o.startedAt)],
            ['完成时间', when(o.completedAt)],
            ['结果', RESULT_NAMES[o.result]],
            ['结果说明', t(o.resultNote)],
            ['验证情况', t(o.verification)],
          ],
          1,
        );
      }
      break;
    }
    case 'release': {
      const d = DETAILS_SCHEMAS.release.parse(raw ?? {});
      pdf.section('发布内容');
      pdf.fields(
        [
          ['版本', t(d.version)],
          ['环境', ENV_NAMES[d.environment]],
          ['测试证据', t(d.testEvidence)],
          ['发布说明', t(d.releaseNotes)],
          ['观察期', `${d.observationHours} 小时`],
          ['上线时间', when(o.deployedAt)],
          ['观察期至', when(o.observationEndsAt)],
          ['回退原因', t(o.rollbackReason)],
        ],
        1,
      );
      break;
    }
    case 'content': {
      const d = DETAILS_SCHEMAS.content.parse(raw ?? {});
      pdf.section('发布内容');
      pdf.fields(
        [
          ['渠道', CHANNEL_NAMES[d.channel]],
          ['展示截止', when(d.displayUntil)],
          ['安全扫描', t(d.securityScan)],
          ['发布时间', when(o.publishedAt)],
          ['撤下', o.withdrawnAt ? `${when(o.withdrawnAt)}：${t(o.withdrawReason)}` : '—'],
        ],
        1,
      );
      pdf.paragraph('正文：');
      pdf.paragraph(t(d.body));
      break;
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}
