/**
 * Schemas of work orders: the request of each kind (`details`, stored as
 * jsonb and validated here), what commands record (`outcome`), and the HTTP
 * request and response bodies.
 */
import { z } from 'zod';
import { ROLE_KEYS } from '../auth/roles.ts';
import { ZSlaResult } from '../sla/sla.schema.ts';
import { PERSONAL_DATA_CATEGORY_KEYS, SUBTYPE_KEYS, WORK_ORDER_KINDS, type WorkOrderKind } from './workorder-kinds.ts';
import { WORK_ORDER_STATES } from './workorder-state.ts';
import { SECURITY_LABEL_KEYS } from '../labels/security-label.ts';

const ZDateTime = z.string().datetime({ offset: true, message: '时间格式应为 ISO 8601，如 2024-03-15T16:30:00+08:00' });
const ZLine = (max: number) => z.string().trim().max(max);
const ZNote = z.string().max(2000).optional();

// ---------------------------------------------------------------- the request of each kind (details)

export const ZServiceRequestDetails = z
  .object({
    contact: ZLine(100).optional().describe('需求方联系方式'),
    location: ZLine(200).optional().describe('网点或地点'),
    expectedBy: ZDateTime.optional().describe('需求方期望完成时间'),
  })
  .strict();

export const ZDataTable = z
  .object({
    name: ZLine(200).min(1, { message: '须填写表名' }).describe('表名'),
    fields: z.array(ZLine(200).min(1)).max(300).default([]).describe('涉及字段'),
  })
  .strict();

/**
 * The records an unmasked export (明文导出) asks for: the contract's incidents
 * first reported in a period, optionally of some systems. Once the order is
 * approved, its executor may download them once, inside the approved window,
 * with the original personal data (workorder-unmasked-export.ts).
 */
export const ZUnmaskedExportScope = z
  .object({
    records: z.literal('incidents').describe('导出的记录：故障单'),
    reportedFrom: ZDateTime.describe('首次报告时间自（含）'),
    reportedTo: ZDateTime.describe('首次报告时间至（不含）'),
    systemKeys: z.array(z.string().min(1).max(64)).max(50).default([]).describe('限定的系统（合同中的系统标识）；空表示合同内全部系统'),
  })
  .strict()
  .refine((s) => new Date(s.reportedFrom).getTime() < new Date(s.reportedTo).getTime(), { message: '导出范围的开始时间须早于结束时间', path: ['reportedTo'] });
export type TUnmaskedExportScope = z.infer<typeof ZUnmaskedExportScope>;

export const ZDataWorkOrderDetails = z
  .object({
    purpose: ZLine(2000).default('').describe('目的'),
    legalBasis: ZLine(2000).default('').describe('依据（合同条款、业务处室来函等）'),
    tables: z.array(ZDataTable).max(100).default([]).describe('涉及的表和字段'),
    personalDataCategories: z.array(z.enum(PERSONAL_DATA_CATEGORY_KEYS)).default([]).describe('涉及的个人信息类别；空表示不涉及个人信息'),
    rowEstimate: z.number().int().min(0).max(1_000_000_000_000).optional().describe('预计涉及行数'),
    environment: ZLine(200).optional().describe('实施环境，如 甲方政务外网运维终端'),
    deliveryMethod: ZLine(200).optional().describe('结果交付方式，如 加密压缩包当面交付'),
    exportScope: ZUnmaskedExportScope.optional().describe('申请明文导出（仅「数据提取」）：批准后，执行人可在实施窗口内下载一次含原始个人信息、带水印的 Excel'),
  })
  .strict();

export const ZChangeDetails = z
  .object({
    reason: ZLine(4000).default('').describe('变更原因'),
    riskLevel: z.enum(['low', 'medium', 'high']).optional().describe('风险等级：低/中/高'),
    risks: ZLine(4000).default('').describe('可能的风险'),
    method: ZLine(4000).default('').describe('操作方法'),
    tools: ZLine(2000).default('').describe('使用的工具'),
    steps: z.array(ZLine(2000).min(1)).max(100).default([]).describe('操作步骤'),
    rollbackPlan: ZLine(4000).default('').describe('回退方案'),
    backupConfirmed: z.boolean().default(false).describe('已完成备份'),
    backupNote: ZLine(2000).default('').describe('备份说明（备份内容、时间、位置）'),
    affectedSystems: z.array(z.string().min(1).max(64)).max(50).default([]).describe('受影响的系统（合同中的系统标识）'),
    verificationPlan: ZLine(4000).default('').describe('验证方法'),
  })
  .strict();

export const ZReleaseDetails = z
  .object({
    version: ZLine(100).default('').describe('版本号'),
    environment: z.enum(['production', 'staging', 'test']).default('production').describe('环境：生产/预发布/测试'),
    testEvidence: ZLine(4000).default('').describe('测试证据（测试报告、用例结果）'),
    releaseNotes: ZLine(8000).default('').describe('发布说明'),
    observationHours: z.number().int().min(1).max(2160).default(72).describe('上线后观察期（小时）'),
  })
  .strict();

export const CONTENT_CHANNELS = ['website', 'wechat', 'app', 'kiosk'] as const;
export const ZContentDetails = z
  .object({
    channel: z.enum(CONTENT_CHANNELS).default('website').describe('渠道：网站/公众号/App/自助终端'),
    body: ZLine(20000).default('').describe('正文'),
    displayUntil: ZDateTime.optional().describe('展示截止时间'),
    securityScan: ZLine(2000).optional().describe('安全扫描结果（重点业务上线前须附）'),
  })
  .strict();

/** The details schema of each kind. */
export const DETAILS_SCHEMAS = {
  serviceRequest: ZServiceRequestDetails,
  dataWorkOrder: ZDataWorkOrderDetails,
  change: ZChangeDetails,
  release: ZReleaseDetails,
  content: ZContentDetails,
} as const satisfies Record<WorkOrderKind, z.ZodType>;

export type TServiceRequestDetails = z.infer<typeof ZServiceRequestDetails>;
export type TDataWorkOrderDetails = z.infer<typeof ZDataWorkOrderDetails>;
export type TChangeDetails = z.infer<typeof ZChangeDetails>;
export type TReleaseDetails = z.infer<typeof ZReleaseDetails>;
export type TContentDetails = z.infer<typeof ZContentDetails>;

/** The approval flow copied onto an order at submission. */
export const ZStoredFlow = z.object({
  steps: z.array(z.object({ key: z.string(), name: z.string(), roles: z.array(z.enum(ROLE_KEYS)), mode: z.enum(['any', 'all']) })),
});

// ---------------------------------------------------------------- what commands record (outcome)

export const ZOutcome = z
  .object({
    resolution: z.string().optional(),
    execution: z
      .object({
        statement: z.string(),
        statementSm3: z.string(),
        beforeCount: z.number().int(),
        afterCount: z.number().int(),
        output: z.object({ fileName: z.string(), sm3: z.string(), sizeBytes: z.number().int().nullable(), attachmentId: z.string().nullable(), declared: z.boolean() }),
        note: z.string().nullable(),
        executedAt: z.string(),
        executedBy: z.string(),
      })
      .optional(),
    delivery: z.object({ method: z.string(), note: z.string().nullable(), deliveredAt: z.string(), deliveredBy: z.string() }).optional(),
    confirmation: z.object({ comment: z.string().nullable(), confirmedAt: z.string(), confirmedBy: z.string() }).optional(),
    startedAt: z.string().optional(),
    result: z.enum(['succeeded', 'failed', 'rolledBack']).optional(),
    resultNote: z.string().optional(),
    verification: z.string().optional(),
    completedAt: z.string().optional(),
    deployedAt: z.string().optional(),
    deployedVersion: z.string().optional(),
    observationEndsAt: z.string().optional(),
    closeNote: z.string().optional(),
    rollbackReason: z.string().optional(),
    publishedAt: z.string().optional(),
    publishedBy: z.string().optional(),
    withdrawnAt: z.string().optional(),
    withdrawReason: z.string().optional(),
    cancelReason: z.string().optional(),
  })
  .describe('执行与结果记录（由各项操作写入）');
export type TOutcome = z.infer<typeof ZOutcome>;

// ---------------------------------------------------------------- requests

const base = {
  title: z.string().trim().min(2, { message: '标题至少 2 个字' }).max(200),
  description: z.string().max(10000).default(''),
  systemKey: z.string().min(1).max(64).optional().describe('涉及的系统（合同中的系统标识）'),
  siteKey: z.string().min(1).max(64).optional().describe('涉及的地点（合同地点清单中的标识，决定所属区、街道）'),
  site: z.string().max(200).optional().describe('涉及的地点（不在地点清单中时填写文字）'),
  requesterUserId: z.string().uuid().optional().describe('需求提出人（本合同成员，确认结果的人）；缺省为登记人'),
  requesterName: z.string().max(200).optional().describe('需求方单位或姓名（如 市社会福利管理处）'),
  requestedAt: ZDateTime.optional().describe('提出需求的时间（计时起点）；缺省为当前时间'),
  assigneeUserId: z.string().uuid().optional().describe('执行人（乙方人员）；数据处理工单的数据访问授权给此人'),
  windowStart: ZDateTime.optional().describe('计划实施窗口开始'),
  windowEnd: ZDateTime.optional().describe('计划实施窗口结束'),
  securityLabel: z.enum(SECURITY_LABEL_KEYS).optional().describe('安全标记：public 公开 / internal 内部 / sensitive 敏感；不填为内部，不能高于本人的可阅最高标记'),
};

/** A new work order (created as a draft). */
export const ZNewWorkOrder = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('serviceRequest'), subtype: z.enum(SUBTYPE_KEYS.serviceRequest), ...base, details: ZServiceRequestDetails.prefault({}) }),
  z.object({ kind: z.literal('dataWorkOrder'), subtype: z.enum(SUBTYPE_KEYS.dataWorkOrder), ...base, details: ZDataWorkOrderDetails.prefault({}) }),
  z.object({ kind: z.literal('change'), subtype: z.enum(SUBTYPE_KEYS.change), ...base, details: ZChangeDetails.prefault({}) }),
  z.object({ kind: z.literal('release'), subtype: z.enum(SUBTYPE_KEYS.release), ...base, details: ZReleaseDetails.prefault({}) }),
  z.object({ kind: z.literal('content'), subtype: z.enum(SUBTYPE_KEYS.content), ...base, details: ZContentDetails.prefault({}) }),
]);
export type TNewWorkOrder = z.infer<typeof ZNewWorkOrder>;

/** Changes to a draft or returned order; `null` clears an optional field. */
export const ZWorkOrderEdit = z.object({
  version: z.number().int().min(1),
  subtype: z.string().min(1).max(64).optional(),
  title: base.title.optional(),
  description: z.string().max(10000).optional(),
  systemKey: z.string().min(1).max(64).nullable().optional(),
  requesterUserId: z.string().uuid().optional(),
  requesterName: z.string().max(200).nullable().optional(),
  assigneeUserId: z.string().uuid().nullable().optional(),
  windowStart: ZDateTime.nullable().optional(),
  windowEnd: ZDateTime.nullable().optional(),
  details: z.record(z.string(), z.unknown()).optional().describe('本类工单的完整申请内容（结构与登记时的 details 相同，按工单类型校验，整体替换）'),
});
export type TWorkOrderEdit = z.infer<typeof ZWorkOrderEdit>;

/** A command, with the version the caller last saw. */
export const ZWorkOrderCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('submit'), note: ZNote }),
  z.object({ type: z.literal('approve'), comment: z.string().max(2000).default('') }),
  z.object({ type: z.literal('reject'), comment: z.string().trim().min(1, { message: '退回须填写理由' }).max(2000) }),
  z.object({ type: z.literal('acknowledge'), note: ZNote }),
  z.object({ type: z.literal('assign'), assigneeUserId: z.string().uuid(), note: ZNote }),
  z.object({ type: z.literal('start'), note: ZNote }),
  z.object({ type: z.literal('resolve'), resolution: z.string().trim().min(1, { message: '须填写处理结果' }).max(5000) }),
  z.object({
    type: z.literal('execute'),
    statement: z.string().trim().min(1, { message: '须填写执行的语句或脚本' }).max(100_000).describe('执行的 SQL 语句或脚本'),
    beforeCount: z.number().int().min(0).describe('执行前记录数'),
    afterCount: z.number().int().min(0).describe('执行后记录数'),
    output: z
      .union([
        z.object({ attachmentId: z.string().uuid().describe('已上传到本工单的输出文件（服务器计算其 SM3）') }).strict(),
        z.object({ fileName: z.string().min(1).max(200), sm3: z.string().regex(/^[0-9a-f]{64}$/, { message: 'SM3 摘要应为 64 位小写十六进制' }), sizeBytes: z.number().int().min(0).optional() }).strict().describe('不能离开甲方网络的输出文件：登记文件名与 SM3 摘要'),
      ])
      .describe('输出文件'),
    note: ZNote,
  }),
  z.object({ type: z.literal('deliver'), method: z.string().trim().min(1, { message: '须填写交付方式' }).max(500), note: ZNote }),
  z.object({ type: z.literal('confirm'), comment: z.string().max(2000).optional() }),
  z.object({
    type: z.literal('complete'),
    result: z.enum(['succeeded', 'failed', 'rolledBack']).describe('结果：成功/失败/已回退'),
    resultNote: z.string().trim().min(1, { message: '须填写实施结果' }).max(5000),
    verification: z.string().trim().min(1, { message: '须填写验证情况' }).max(5000),
    causedIncidentIds: z.array(z.string().uuid()).max(20).default([]).describe('变更引发的故障'),
  }),
  z.object({ type: z.literal('close'), note: ZNote }),
  z.object({ type: z.literal('deploy'), deployedVersion: z.string().max(100).optional(), note: ZNote }),
  z.object({ type: z.literal('rollback'), reason: z.string().trim().min(1, { message: '须填写回退原因' }).max(2000) }),
  z.object({ type: z.literal('schedule'), publishAt: ZDateTime.describe('发布时间') }),
  z.object({ type: z.literal('unschedule'), note: ZNote }),
  z.object({ type: z.literal('publish'), note: ZNote }),
  z.object({ type: z.literal('withdraw'), reason: z.string().trim().min(1, { message: '须填写撤下原因' }).max(2000) }),
  z.object({ type: z.literal('cancel'), reason: z.string().trim().min(1, { message: '须填写取消原因' }).max(2000) }),
  z.object({ type: z.literal('link'), targetType: z.enum(['incident', 'workOrder']), targetId: z.string().uuid(), relation: z.enum(['causedIncident', 'delivers', 'relatesTo']) }),
  z.object({ type: z.literal('comment'), text: z.string().trim().min(1, { message: '备注内容不能为空' }).max(5000) }),
]);
export type TWorkOrderCommand = z.infer<typeof ZWorkOrderCommand>;
export type WorkOrderCommandType = TWorkOrderCommand['type'];

export const ZWorkOrderListQuery = z.object({
  kind: z.enum(WORK_ORDER_KINDS).optional(),
  subtype: z.string().max(64).optional(),
  state: z
    .string()
    .optional()
    .describe('状态，逗号分隔')
    .transform((s) => (s ? s.split(',').filter(Boolean) : undefined))
    .pipe(z.array(z.enum(WORK_ORDER_STATES)).optional()),
  systemKey: z.string().max(64).optional(),
  assigneeUserId: z.string().uuid().optional(),
  mine: z.enum(['true', 'false']).optional().transform((v) => v === 'true').describe('只看我登记、我提出或由我执行的'),
  openOnly: z.enum(['true', 'false']).optional().transform((v) => v === 'true'),
  breached: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
  q: z.string().max(100).optional().describe('编号、标题和描述中的关键词（中文子串）'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

// ---------------------------------------------------------------- responses

const ZRoleRef = z.object({ role: z.enum(ROLE_KEYS), label: z.string() });

export const ZWorkOrder = z.object({
  id: z.string(),
  contractId: z.string(),
  number: z.string(),
  kind: z.enum(WORK_ORDER_KINDS),
  kindName: z.string(),
  subtype: z.string(),
  subtypeName: z.string(),
  systemKey: z.string().nullable(),
  systemName: z.string().nullable(),
  siteKey: z.string().nullable(),
  site: z.string().nullable(),
  district: z.string().nullable().describe('所属区（县）'),
  street: z.string().nullable().describe('所属街道（乡镇）'),
  title: z.string(),
  description: z.string(),
  state: z.enum(WORK_ORDER_STATES),
  stateName: z.string(),
  createdBy: z.object({ id: z.string(), name: z.string() }),
  requester: z.object({ id: z.string(), name: z.string() }),
  requesterName: z.string().nullable(),
  requestedAt: z.string(),
  assignee: z.object({ id: z.string(), name: z.string() }).nullable(),
  windowStart: z.string().nullable(),
  windowEnd: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).describe('申请内容（按类型，见 ZXxxDetails）'),
  outcome: ZOutcome,
  levelKey: z.string().nullable(),
  levelName: z.string().nullable(),
  approvalRound: z.number(),
  waitingOnRoles: z.array(ZRoleRef),
  waitingSince: z.string().nullable(),
  submittedAt: z.string().nullable(),
  approvedAt: z.string().nullable(),
  respondedAt: z.string().nullable(),
  scheduledPublishAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  slaDueAt: z.string().nullable().describe('最近的未到期时限'),
  slaBreached: z.boolean(),
  slaAtRisk: z.boolean(),
  securityLabel: z.enum(SECURITY_LABEL_KEYS).describe('安全标记（完整性校验失败时按「敏感」处理）'),
  securityLabelName: z.string(),
  labelIntegrityFailed: z.boolean().describe('安全标记的 HMAC-SM3 校验未通过（已告警）'),
  version: z.number().describe('乐观锁版本号：修改和操作时须带上'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const ZDecision = z.object({
  round: z.number(),
  stepKey: z.string(),
  stepName: z.string(),
  userId: z.string(),
  userName: z.string(),
  role: z.enum(ROLE_KEYS),
  roleLabel: z.string(),
  decision: z.enum(['approve', 'reject']),
  comment: z.string(),
  at: z.string(),
});

export const ZApprovalView = z.object({
  status: z.enum(['notSubmitted', 'pending', 'approved', 'rejected']).describe('本轮审批状态'),
  round: z.number(),
  flowSource: z.enum(['contract', 'platform']).describe('审批流程来自合同约定还是平台默认'),
  steps: z.array(
    z.object({
      key: z.string(),
      name: z.string(),
      mode: z.enum(['any', 'all']),
      roles: z.array(ZRoleRef),
      status: z.enum(['approved', 'pending', 'notReached', 'rejected']),
      since: z.string().nullable(),
      decisions: z.array(ZDecision),
    }),
  ),
  currentStepKey: z.string().nullable(),
  waitingOnRoles: z.array(ZRoleRef),
  waitingSince: z.string().nullable(),
  waitingMinutes: z.number().nullable(),
  rejection: ZDecision.nullable(),
  decisions: z.array(ZDecision).describe('各轮全部审批记录'),
});

export const ZAccessGrant = z.object({
  id: z.string(),
  userId: z.string(),
  userName: z.string(),
  systemKey: z.string().nullable(),
  startsAt: z.string(),
  endsAt: z.string(),
  status: z.enum(['active', 'expired', 'revoked']),
  inForce: z.boolean().describe('此刻是否有效（状态有效且在窗口内）'),
  grantedAt: z.string(),
  endedAt: z.string().nullable(),
  endReason: z.string().nullable(),
});

export const ZWorkOrderLink = z.object({
  id: z.string(),
  targetType: z.enum(['incident', 'workOrder']),
  targetId: z.string(),
  targetNumber: z.string().nullable(),
  targetTitle: z.string().nullable(),
  relation: z.string(),
  relationName: z.string(),
  direction: z.enum(['outgoing', 'incoming']),
  createdAt: z.string(),
});

export const ZWorkOrderDetail = z.object({
  workOrder: ZWorkOrder,
  myRoles: z.array(z.enum(ROLE_KEYS)),
  canChangeLabel: z.boolean().describe('当前用户可否调整安全标记'),
  labelChoices: z.array(z.enum(SECURITY_LABEL_KEYS)).describe('当前用户可设置的安全标记（不高于其可阅最高标记）'),
  availableCommands: z.array(z.string()).describe('当前用户此刻可执行的操作（按角色、状态、审批环节计算）'),
  canEdit: z.boolean().describe('当前用户可否修改（草稿或已退回，且为登记人）'),
  approval: ZApprovalView,
  events: z.array(z.object({ id: z.string(), type: z.string(), typeName: z.string(), at: z.string(), actorName: z.string().nullable(), actorRole: z.string().nullable(), data: z.record(z.string(), z.unknown()) })),
  sla: z.object({ clockId: z.string(), levelKey: z.string(), isOpen: z.boolean(), nextDeadlineAt: z.string().nullable(), result: ZSlaResult }).nullable(),
  links: z.array(ZWorkOrderLink),
  accessGrants: z.array(ZAccessGrant),
});

export const ZWorkOrderList = z.object({ items: z.array(ZWorkOrder), total: z.number() });

export const ZInboxItem = z.object({
  workOrderId: z.string(),
  contractId: z.string(),
  contractCode: z.string(),
  contractName: z.string(),
  number: z.string(),
  kind: z.enum(WORK_ORDER_KINDS),
  kindName: z.string(),
  subtypeName: z.string(),
  title: z.string(),
  requesterName: z.string(),
  stepKey: z.string(),
  stepName: z.string(),
  myRole: z.enum(ROLE_KEYS),
  myRoleLabel: z.string(),
  waitingSince: z.string(),
  waitingMinutes: z.number(),
  version: z.number(),
});

export const ZWorkOrderRules = z.object({
  kinds: z.array(
    z.object({
      kind: z.enum(WORK_ORDER_KINDS),
      kindName: z.string(),
      states: z.array(z.object({ state: z.enum(WORK_ORDER_STATES), name: z.string() })),
      subtypes: z.array(
        z.object({
          subtype: z.string(),
          name: z.string(),
          levelKey: z.string().nullable(),
          levelName: z.string().nullable(),
          flowSource: z.enum(['contract', 'platform']),
          flowClause: z.string().nullable(),
          steps: z.array(z.object({ key: z.string(), name: z.string(), mode: z.enum(['any', 'all']), roles: z.array(ZRoleRef) })),
        }),
      ),
    }),
  ),
  personalDataCategories: z.array(z.object({ key: z.string(), name: z.string() })),
});
