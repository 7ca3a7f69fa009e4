/**
 * The contract definition format (合同定义格式), version 1.
 *
 * A contract is loaded as data from YAML. This zod schema is the single source
 * of truth: the published JSON Schema (docs/contract-definition.schema.json)
 * is generated from it, and the importer validates against it before running
 * the cross-field consistency checks in contract-definition.check.ts.
 *
 * Conventions:
 * - Money is a decimal string in yuan with at most two decimals ("11940656.00"),
 *   or a whole number. Floats are refused.
 * - Rates are strings with a unit: "5%", "0.5%", "0.5‰".
 * - Dates are ISO dates ("2023-05-01"); times of day are "HH:MM".
 * - Every object is strict: an unknown field is an error, so typos never pass.
 * - `source` fields hold line references into the original contract ("L187").
 */
import { z } from 'zod';
import { parseDecimal, parseRatePpm, parseYuanToFen } from '../shared/money.ts';
import { ROLE_KEYS } from '../auth/roles.ts';
import { WORK_ORDER_KINDS } from '../workorders/workorder-kinds.ts';

/** Format version understood by this build. */
export const CONTRACT_FORMAT_VERSION = 1;

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$/;
const TIME_RE = /^([01]\d|2[0-4]):([0-5]\d)$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Stable identifier used for cross references inside one contract file. */
export const ZKey = z
  .string()
  .regex(KEY_RE, { message: '标识只能包含字母、数字、点、下划线和连字符，且以字母或数字开头（最长 64 个字符）' })
  .describe('标识（在本合同内唯一，用于相互引用）');

/** Line reference(s) into the source contract, e.g. "L187" or "L544, L614". */
export const ZSource = z.string().min(1).max(200).describe('原合同行号出处，如 "L187"');

const ZText = z.string().min(1).max(4000);
const ZName = z.string().min(1).max(200);

/** ISO calendar date. */
export const ZDate = z
  .string()
  .regex(DATE_RE, { message: '日期格式应为 YYYY-MM-DD' })
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    message: '不是有效的日历日期',
  })
  .describe('日期 YYYY-MM-DD');

/** Money in yuan, exact to the fen. */
export const ZMoney = z
  .union([z.string(), z.number()])
  .refine((v) => parseYuanToFen(v) !== null, {
    message: '金额必须是精确到分的十进制字符串（如 "1194065.60"）或整数，不能是浮点数',
  })
  .describe('金额（元），十进制字符串，最多两位小数');

/** A non-negative exact decimal quantity. */
export const ZQuantity = z
  .union([z.string(), z.number()])
  .refine((v) => {
    const d = parseDecimal(v);
    return d !== null && d.units >= 0n;
  }, { message: '数量必须是非负的十进制数（如 "36" 或 "12.5"）' })
  .describe('数量，十进制');

/** A rate such as "5%" or "0.5‰". */
export const ZRate = z
  .string()
  .refine((v) => parseRatePpm(v) !== null, { message: '比例应写成 "5%"、"0.5%" 或 "0.5‰" 的形式' })
  .describe('比例，如 "5%"、"0.5‰"');

const ZTimeOfDay = z.string().regex(TIME_RE, { message: '时间格式应为 HH:MM（24 小时制）' });

/** A span of working hours within one day, "09:00-12:00". */
export const ZHourSpan = z
  .string()
  .regex(/^([01]\d|2[0-4]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, { message: '时段格式应为 "HH:MM-HH:MM"' })
  .refine((s) => {
    const [a = '', b = ''] = s.split('-');
    return toMinutes(a) < toMinutes(b) && toMinutes(b) <= 24 * 60;
  }, { message: '时段的结束时间必须晚于开始时间，且不超过 24:00' })
  .describe('工作时段 "HH:MM-HH:MM"');

function toMinutes(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** Units a duration may be expressed in. Working units count only the service window's working time. */
export const DURATION_UNITS = [
  'minutes',
  'hours',
  'days',
  'workingMinutes',
  'workingHours',
  'workingDays',
] as const;

/** A duration: calendar minutes/hours/days, or working minutes/hours/days on a service window. */
export const ZDuration = z
  .object({
    amount: z.number().int().positive({ message: '时长必须是正整数' }),
    unit: z.enum(DURATION_UNITS, { message: '时长单位应为 minutes/hours/days/workingMinutes/workingHours/workingDays 之一' }),
    window: ZKey.optional().describe('计算工作时长所依据的服务时间窗（workingXxx 单位时使用；缺省用该系统或合同的默认时间窗）'),
  })
  .strict()
  .describe('时长');

// ---------------------------------------------------------------- parties

export const ZParty = z
  .object({
    key: ZKey,
    side: z.enum(['agency', 'vendor', 'thirdParty'], { message: '当事方应为 agency（甲方）、vendor（乙方）或 thirdParty（第三方）' }),
    name: ZName.describe('法定名称'),
    shortName: ZName.optional(),
    aliases: z.array(ZName).optional().describe('合同中出现的其他写法'),
    leadMember: z.boolean().optional().describe('联合体牵头单位（收款方）'),
    role: ZText.optional().describe('在本合同中的角色说明'),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- money terms

export const ZPerformanceBond = z
  .object({
    rate: ZRate.optional(),
    amount: ZMoney,
    form: z.enum(['bankGuarantee', 'deposit']).optional().describe('履约保函 / 履约保证金'),
    providedBy: ZKey.describe('提交方（当事方标识）'),
    due: z
      .object({ within: ZDuration, after: z.enum(['signing', 'effective', 'award']) })
      .strict()
      .optional(),
    validUntil: ZDate.optional(),
    note: ZText.optional(),
    source: ZSource.optional(),
  })
  .strict();

export const PAYMENT_CONDITIONS = ['contractEffective', 'contractSigned', 'acceptancePassed', 'invoiceReceived', 'date', 'other'] as const;

export const ZPaymentMilestone = z
  .object({
    key: ZKey,
    name: ZName,
    share: ZRate.describe('占合同总价比例'),
    amount: ZMoney,
    condition: z
      .object({
        kind: z.enum(PAYMENT_CONDITIONS, { message: '付款条件类型不正确' }),
        acceptance: ZKey.optional().describe('kind 为 acceptancePassed 时引用的验收节点'),
        date: ZDate.optional(),
        description: ZText.optional(),
      })
      .strict(),
    due: z
      .object({ within: ZDuration.optional(), by: ZDate.optional() })
      .strict()
      .optional(),
    payee: ZKey.optional().describe('收款方（联合体时为牵头单位）'),
    preconditions: z.array(ZText).optional().describe('前置条件，如收到等额合法发票'),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- service windows

const ZDaySpans = z.array(ZHourSpan);

export const ZServiceWindow = z
  .object({
    key: ZKey,
    name: ZName.describe('显示名称，如 5×8'),
    type: z.enum(['always', 'workdays', 'daily', 'weekly'], {
      message: '时间窗类型应为 always（7×24）、workdays（法定工作日，含调休）、daily（每天）或 weekly（自定义每周）',
    }),
    hours: ZDaySpans.optional().describe('workdays/daily 类型的每日工作时段'),
    weekly: z
      .object({ mon: ZDaySpans, tue: ZDaySpans, wed: ZDaySpans, thu: ZDaySpans, fri: ZDaySpans, sat: ZDaySpans, sun: ZDaySpans })
      .partial()
      .strict()
      .optional()
      .describe('weekly 类型每周各天的时段'),
    followsHolidays: z.boolean().optional().describe('weekly/daily 类型是否在法定节假日停止（缺省：否）'),
    description: ZText.optional(),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- systems and price items

export const ZSystem = z
  .object({
    key: ZKey,
    name: ZName,
    parent: ZKey.optional().describe('上级系统（子系统时填写）'),
    description: ZText.optional(),
    serviceWindow: ZKey.optional().describe('缺省服务时间窗'),
    priceItems: z.array(ZKey).optional().describe('对应的分项报价（可多项，如常规运维 + 数据运维）'),
    users: ZText.optional().describe('用户规模说明'),
    source: ZSource.optional(),
  })
  .strict();

/** A price item (分项报价) node; groups carry children, leaves carry quantity × unit price. */
export interface PriceItemInput {
  key: string;
  name: string;
  quantity?: string | number | undefined;
  unit?: string | undefined;
  unitPrice?: string | number | undefined;
  amount: string | number;
  member?: string | undefined;
  systems?: string[] | undefined;
  category?: 'system' | 'service' | 'consumable' | 'other' | undefined;
  note?: string | undefined;
  source?: string | undefined;
  children?: PriceItemInput[] | undefined;
}

export const ZPriceItem: z.ZodType<PriceItemInput> = z.lazy(() =>
  z
    .object({
      key: ZKey,
      name: ZName,
      quantity: ZQuantity.optional(),
      unit: z.string().min(1).max(20).optional().describe('单位，如 项、人/月、条'),
      unitPrice: ZMoney.optional(),
      amount: ZMoney.describe('总价（小计）'),
      member: ZKey.optional().describe('负责的联合体成员'),
      systems: z.array(ZKey).optional().describe('此报价对应的系统'),
      category: z.enum(['system', 'service', 'consumable', 'other']).optional(),
      note: ZText.optional(),
      source: ZSource.optional(),
      children: z.array(ZPriceItem).optional(),
    })
    .strict(),
);

// ---------------------------------------------------------------- severity levels and SLA targets

export const TARGET_KINDS = ['respond', 'arrive', 'resolve', 'reportUp', 'analysisReport', 'progressUpdate', 'emergencyPlan', 'callback', 'custom'] as const;
export const TARGET_EVENTS = ['created', 'responded', 'arrived', 'resolved', 'confirmed', 'reportedUp', 'analysisSubmitted', 'emergencyPlanSubmitted', 'callbackDone', 'closed'] as const;

export const ZNotify = z
  .object({
    position: ZName.describe('被通知人的职位，如 乙方总经理、甲方信息中心负责人'),
    side: z.enum(['agency', 'vendor']).optional(),
    role: ZKey.optional().describe('对应的平台角色（可选）'),
    channels: z.array(z.enum(['phone', 'sms', 'email', 'inApp', 'wecom', 'dingtalk', 'written'])).optional(),
  })
  .strict();

export const ZSlaTarget = z
  .object({
    kind: z.enum(TARGET_KINDS, { message: '时限类型应为 respond/arrive/resolve/reportUp/analysisReport/progressUpdate/emergencyPlan/callback/custom 之一' }),
    name: ZName.optional().describe('显示名称，如 响应、到场、解决'),
    within: ZDuration.optional().describe('时限；perTicket 为真时可省略'),
    perTicket: z.boolean().optional().describe('时限由甲方按单指定（如“在用户指定的时间内恢复”）'),
    activateAfter: ZDuration.optional().describe('仅当超过此时长仍未解决时才生效（如重大故障 12 小时未解决须提交应急方案）'),
    startOn: z.enum(TARGET_EVENTS).optional().describe('计时起点事件（缺省：created）'),
    stopOn: z.enum(TARGET_EVENTS).optional().describe('计时终点事件（缺省按 kind 推定）'),
    when: z
      .object({
        siteZone: z.enum(['urban', 'suburban']).optional(),
        dayType: z.enum(['workday', 'holiday']).optional().describe('报修时是工作日还是节假日'),
        tags: z.array(ZKey).optional().describe('工单标签条件，如 database'),
      })
      .strict()
      .optional()
      .describe('适用条件；同一 kind 的多条目标按顺序取第一条匹配的'),
    notify: z.array(ZNotify).optional().describe('reportUp：通知对象及方式'),
    source: ZSource.optional(),
  })
  .strict();

export const ZCriterion = z
  .object({
    metric: z.enum(['usersAffectedShare', 'outageMinutes', 'wholeSystemDown', 'businessSeriouslyAffected', 'dataCompromised', 'businessPeak', 'partialFunctionDown', 'custom'], {
      message: '影响判定指标不正确',
    }),
    op: z.enum(['gte', 'gt', 'lte', 'lt', 'eq']).optional(),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    label: ZName.describe('给填单人看的问题或判定说明'),
  })
  .strict();

export const ZEscalationStep = z
  .object({
    after: ZDuration.describe('未解决超过此时长'),
    notify: z.array(ZNotify).min(1),
    source: ZSource.optional(),
  })
  .strict();

/** Ticket kinds a severity level (SLA class) may apply to: incidents, the work-order kinds, hotline events, hardware repairs. */
export const TICKET_KINDS = ['incident', ...WORK_ORDER_KINDS, 'hotlineEvent', 'hardwareRepair'] as const;

export const ZSeverityLevel = z
  .object({
    key: ZKey,
    name: ZName,
    rank: z.number().int().min(1).max(20).describe('严重程度，1 为最严重'),
    definition: ZText,
    criteria: z.array(ZCriterion).optional().describe('判定标准'),
    criteriaMode: z.enum(['any', 'all']).optional().describe('判定标准的组合方式：any 任一满足（缺省），all 全部满足'),
    appliesTo: z.array(ZKey).optional().describe('适用系统（缺省为全部）'),
    ticketKinds: z.array(z.enum(TICKET_KINDS)).optional().describe('适用的工单类型（故障、各类工单、热线事件、硬件报修）'),
    requiresLeaderApproval: z
      .object({ approver: ZName.describe('审批人，如 甲方信息中心领导'), note: ZText.optional(), source: ZSource.optional() })
      .strict()
      .optional()
      .describe('处置前须领导批示'),
    targets: z.array(ZSlaTarget).describe('各项时限'),
    escalation: z.array(ZEscalationStep).optional().describe('超时升级'),
    source: ZSource.optional(),
  })
  .strict();

export const ZSlaPolicy = z
  .object({
    defaultWindow: ZKey.describe('缺省服务时间窗'),
    warnAt: z.array(z.number().int().min(1).max(100)).optional().describe('预警阈值（已用时限百分比），缺省 [50, 80, 100]'),
    pauseOn: z
      .array(z.enum(['waitingOnReporter', 'waitingOnAgency', 'waitingOnSupplier']))
      .optional()
      .describe('哪些等待状态暂停计时'),
    note: ZText.optional(),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- work orders

export const ZApprovalStepDef = z
  .object({
    key: ZKey,
    name: ZName.describe('环节名称，如 甲方项目负责人审批签字'),
    roles: z.array(z.enum(ROLE_KEYS, { message: '审批角色应为平台角色之一（如 agencyProjectLead、vendorProjectManager）' })).min(1, { message: '审批环节至少指定一个角色' }),
    mode: z.enum(['any', 'all']).optional().describe('any：任一角色一人审批即可（或签，缺省）；all：每个角色各须一人审批（会签）'),
    source: ZSource.optional(),
  })
  .strict();

export const ZApprovalFlowDef = z
  .object({
    steps: z.array(ZApprovalStepDef).describe('按顺序进行的审批环节；空列表表示提交即视为批准'),
    source: ZSource.optional(),
  })
  .strict();

export const ZWorkOrderSubtypeConfig = z
  .object({
    subtype: ZKey.describe('子类标识，如 outletInfoChange、statistics、kioskContent'),
    level: ZKey.optional().describe('适用的时限类别（severityLevels 中的标识）'),
    approval: ZApprovalFlowDef.optional(),
    note: ZText.optional(),
    source: ZSource.optional(),
  })
  .strict();

export const ZWorkOrderKindConfig = z
  .object({
    level: ZKey.optional().describe('本类工单适用的时限类别（severityLevels 中的标识；缺省取 ticketKinds 含本类的第一个等级）'),
    approval: ZApprovalFlowDef.optional().describe('审批流程（缺省用平台默认流程）'),
    subtypes: z.array(ZWorkOrderSubtypeConfig).optional().describe('按子类覆盖时限类别或审批流程'),
    note: ZText.optional(),
    source: ZSource.optional(),
  })
  .strict();

export const ZWorkOrders = z
  .object({
    serviceRequest: ZWorkOrderKindConfig.optional().describe('服务请求'),
    dataWorkOrder: ZWorkOrderKindConfig.optional().describe('数据处理工单'),
    change: ZWorkOrderKindConfig.optional().describe('变更'),
    release: ZWorkOrderKindConfig.optional().describe('发布/升级'),
    content: ZWorkOrderKindConfig.optional().describe('内容发布'),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- KPIs

export const ZKpi = z
  .object({
    key: ZKey,
    name: ZName,
    metric: ZKey.describe('指标口径标识，如 availability、responseOnTimeRate、hotline.answerRate'),
    target: z
      .object({
        op: z.enum(['gte', 'gt', 'lte', 'lt', 'eq']),
        value: z.union([z.string(), z.number()]).describe('目标值，十进制'),
        unit: z.enum(['percent', 'seconds', 'minutes', 'hours', 'count', 'ratio', 'score']),
      })
      .strict(),
    period: z.enum(['daily', 'weekly', 'monthly', 'quarterly', 'yearly', 'contract']).optional(),
    formula: ZText.optional().describe('计算口径（按合同原文）'),
    appliesTo: z.array(ZKey).optional(),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- obligations

export const OBLIGATION_KINDS = ['report', 'inspection', 'meeting', 'drill', 'backup', 'securityAssessment', 'vulnerabilityFix', 'training', 'dataService', 'monitoring', 'staffing', 'deliverable', 'other'] as const;
export const FREQUENCIES = ['daily', 'workdays', 'weekly', 'biweekly', 'monthly', 'bimonthly', 'quarterly', 'halfYearly', 'yearly', 'contract', 'once', 'onDemand'] as const;

export const ZObligation = z
  .object({
    key: ZKey,
    kind: z.enum(OBLIGATION_KINDS, { message: '义务类型不正确' }),
    name: ZName,
    description: ZText.optional(),
    systems: z.array(ZKey).optional().describe('涉及的系统（缺省为整个合同）'),
    responsible: z.enum(['agency', 'vendor', 'both']).optional(),
    schedule: z
      .object({
        frequency: z.enum(FREQUENCIES, { message: '频次应为 daily/workdays/weekly/biweekly/monthly/bimonthly/quarterly/halfYearly/yearly/contract/once/onDemand 之一' }),
        count: z.number().int().positive().optional().describe('每个周期的次数（如每年 2 次演练）'),
        dueTime: ZTimeOfDay.optional().describe('当日截止时间，如 18:00'),
        dueDay: z
          .enum(['lastWorkingDay', 'firstWorkingDay', 'periodEnd', 'periodStart', 'any'])
          .optional()
          .describe('周期内的截止日'),
        months: z.array(z.number().int().min(1).max(12)).optional().describe('限定月份，如季度末 [3,6,9,12]'),
        durationDays: z.number().int().positive().optional().describe('每次持续天数（如每次 4 周技术保障 = 28）'),
        anchor: z.enum(['calendar', 'contractStart']).optional().describe('周期的起算：calendar 自然周/月/季/年（缺省），contractStart 自服务期开始日起算'),
        window: ZKey.optional(),
      })
      .strict(),
    review: z
      .object({
        reviewer: z.enum(['agency', 'vendor']),
        within: ZDuration.optional(),
        silenceMeansApproval: z.boolean().optional().describe('逾期未提出意见视为通过'),
        source: ZSource.optional(),
      })
      .strict()
      .optional(),
    deliverable: ZName.optional().describe('成果文档名称'),
    penalty: ZKey.optional().describe('未履行时适用的违约条款'),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- penalties

export const PENALTY_TRIGGERS = [
  'serviceNotProvided',
  'assessmentFailed',
  'faultMissed',
  'lateReport',
  'missedMeeting',
  'vulnerability',
  'delay',
  'deliverableLate',
  'deliverableDefect',
  'confidentialityBreach',
  'latePayment',
  'slaBreach',
  'other',
] as const;

export const ZPenalty = z
  .object({
    key: ZKey,
    name: ZName,
    trigger: z
      .object({
        kind: z.enum(PENALTY_TRIGGERS, { message: '违约触发类型不正确' }),
        severity: z.enum(['low', 'medium', 'high']).optional().describe('漏洞等级'),
        obligation: ZKey.optional(),
        description: ZText,
      })
      .strict(),
    payer: z.enum(['vendor', 'agency']).optional().describe('承担方（缺省乙方）'),
    base: z.enum(['systemPriceItem', 'contractTotal', 'delayedAmount', 'fee', 'fixed', 'actualLoss'], {
      message: '计算基数应为 systemPriceItem（该系统分项报价）、contractTotal（合同总价）、delayedAmount（逾期款项）、fee（服务费）、fixed（固定金额）或 actualLoss（实际损失）',
    }),
    rate: ZRate.optional(),
    fixedAmount: ZMoney.optional(),
    systems: z.array(ZKey).optional().describe('base 为 systemPriceItem 时适用的系统（缺省：全部有报价的系统）'),
    per: z.enum(['occurrence', 'day', 'week', 'month', 'count']).optional().describe('计算单位（缺省每次）'),
    everyN: z.number().int().positive().optional().describe('per 为 count 时：每累计 N 次计一次（如累计缺席 2 次）'),
    partialPeriodCountsAsWhole: z.boolean().optional().describe('不足一周（一天）按一周（一天）计'),
    startsAfter: ZDuration.optional().describe('自逾期满此时长后开始计算'),
    addOns: z
      .array(z.object({ name: ZName, condition: ZText, rate: ZRate, source: ZSource.optional() }).strict())
      .optional()
      .describe('附加扣减，如对甲方造成影响的再扣 3%'),
    cap: z
      .object({ rate: ZRate.optional(), amount: ZMoney.optional(), base: z.enum(['systemPriceItem', 'contractTotal', 'delayedAmount', 'fee']).optional() })
      .strict()
      .optional(),
    onCap: ZText.optional().describe('达到上限后的后果，如甲方可解除合同'),
    discretionary: z.boolean().optional().describe('视情节（甲方酌定）'),
    alsoRefund: z.boolean().optional().describe('另须退还已收费用'),
    remedies: z
      .array(z.enum(['terminate', 'refund', 'compensateLoss', 'suspend', 'rework']))
      .optional()
      .describe('其他后果：解除合同、退还费用、赔偿损失、暂停履行、返工'),
    exemptions: z.array(ZText).optional().describe('免责情形，如财政资金未到位'),
    deductFrom: ZKey.optional().describe('从哪一笔付款中扣除'),
    note: ZText.optional(),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- acceptance

export const ZAcceptance = z
  .object({
    key: ZKey,
    kind: z.enum(['initial', 'phased', 'final', 'annual'], { message: '验收类型应为 initial/phased/final/annual' }),
    name: ZName,
    plannedBy: ZDate.optional(),
    applyWithin: z.object({ within: ZDuration, after: z.enum(['contractEnd', 'contractStart', 'phaseEnd']) }).strict().optional(),
    organisedBy: ZName.optional(),
    panel: ZText.optional().describe('验收组织要求，如 不少于 3 名专家'),
    deliverables: z
      .array(z.object({ key: ZKey, name: ZName, obligation: ZKey.optional(), source: ZSource.optional() }).strict())
      .optional(),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- sites (outlets, kiosks, offices)

/** Kinds of place a contract names. */
export const SITE_KINDS = ['outlet', 'kiosk', 'districtOffice', 'streetOffice', 'cityCentre', 'dataCentre', 'callCentre', 'office', 'other'] as const;

export const ZSite = z
  .object({
    key: ZKey,
    name: ZName.describe('名称，如 朝阳区社保经办机构网点'),
    kind: z.enum(SITE_KINDS, { message: '地点类型应为 outlet/kiosk/districtOffice/streetOffice/cityCentre/dataCentre/callCentre/office/other 之一' }).optional(),
    district: ZName.optional().describe('所属区（县），甲方用户可按区授权'),
    street: ZName.optional().describe('所属街道（乡镇），甲方用户可按街道授权；须同时填写 district'),
    zone: z.enum(['urban', 'suburban'], { message: 'zone 应为 urban（城区）或 suburban（郊区）' }).optional().describe('城区 / 郊区（决定到场时限）'),
    systems: z.array(ZKey).optional().describe('该地点使用或承载的系统'),
    note: ZText.optional(),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- vendor staffing (人员管理)

/** Education levels, lowest first (高中及以下 < 中专 < 大专 < 本科 < 硕士 < 博士). */
export const EDUCATION_LEVELS = ['highSchoolOrBelow', 'secondaryVocational', 'juniorCollege', 'bachelor', 'master', 'doctorate'] as const;

export const ZStaffPosition = z
  .object({
    key: ZKey,
    name: ZName.describe('岗位名称，如 坐席代表、驻场工程师'),
    headcount: z.number().int().positive().optional().describe('合同要求的最少在岗人数'),
    minExperienceYears: z.number().int().positive().optional().describe('本岗位每人至少的相关工作年限'),
    requirements: ZText.optional().describe('任职要求原文'),
    systems: z.array(ZKey).optional(),
    member: ZKey.optional().describe('负责的联合体成员'),
    source: ZSource.optional(),
  })
  .strict();

/** What a staffing KPI counts among active staff. */
export const STAFFING_KPI_METRICS = ['educationAtLeast', 'yearsOnSystemAtLeast', 'hasQualification'] as const;

export const ZStaffingKpi = z
  .object({
    key: ZKey,
    name: ZName,
    metric: z.enum(STAFFING_KPI_METRICS, { message: '人员指标口径应为 educationAtLeast（学历不低于）、yearsOnSystemAtLeast（本系统服务年限不少于）或 hasQualification（具备某项资质/经历）' }),
    education: z.enum(EDUCATION_LEVELS).optional().describe('educationAtLeast：最低学历'),
    years: z.number().int().positive().optional().describe('yearsOnSystemAtLeast：在本系统服务的最少整年数'),
    qualification: ZName.optional().describe('hasQualification：资质或经历名称（与人员资质名称一致）'),
    minShare: ZRate.describe('占统计人数的最低比例，如 "75%"'),
    positions: z.array(ZKey).optional().describe('只统计这些岗位的在岗人员（缺省：全部在岗人员）'),
    source: ZSource.optional(),
  })
  .strict();

export const ZStaffing = z
  .object({
    positions: z.array(ZStaffPosition).optional().describe('岗位与人数要求'),
    kpis: z.array(ZStaffingKpi).optional().describe('人员结构指标（按在岗人员计算）'),
    replacement: z
      .object({
        within: ZDuration.describe('甲方要求更换后乙方完成更换的时限（支持 days 自然日或 hours 小时）'),
        note: ZText.optional(),
        source: ZSource.optional(),
      })
      .strict()
      .optional()
      .describe('甲方要求更换人员（缺省 7 个自然日）'),
    vendorChangeNotice: z
      .object({ within: ZDuration.describe('乙方主动调整人员须提前通知的时长'), writtenConsent: z.boolean().optional().describe('须甲方书面同意'), source: ZSource.optional() })
      .strict()
      .optional()
      .describe('乙方主动调整人员的提前通知要求'),
    clearance: z
      .object({
        backgroundCheck: z.boolean().optional().describe('授予系统权限前须完成背景审查（结果为通过）'),
        note: ZText.optional(),
        source: ZSource.optional(),
      })
      .strict()
      .optional()
      .describe('授予系统权限的前置条件（甲方确认、已签保密协议始终必需）'),
    accessReview: z
      .object({
        frequency: z.enum(['monthly', 'quarterly', 'halfYearly', 'yearly'], { message: '权限复核周期应为 monthly/quarterly/halfYearly/yearly 之一' }),
        note: ZText.optional(),
        source: ZSource.optional(),
      })
      .strict()
      .optional()
      .describe('定期权限复核（缺省每季度）'),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- notes

export const ZAssumption = z
  .object({
    topic: ZName,
    chosen: ZText.describe('采用的默认或解释'),
    alternatives: ZText.optional().describe('合同中的其他说法'),
    source: ZSource.optional(),
  })
  .strict();

// ---------------------------------------------------------------- the whole definition

export const ZContractDefinition = z
  .object({
    formatVersion: z.literal(CONTRACT_FORMAT_VERSION, { message: `formatVersion 必须为 ${CONTRACT_FORMAT_VERSION}` }),
    contract: z
      .object({
        code: ZKey.describe('合同编号（平台内唯一；原合同空白时自行编定）'),
        name: ZName,
        signedOn: ZDate.optional(),
        effectiveOn: ZDate.optional(),
        period: z.object({ start: ZDate, end: ZDate }).strict(),
        timezone: z.string().min(1).optional().describe('时区，缺省 Asia/Shanghai'),
        currency: z.literal('CNY').optional(),
        totalAmount: ZMoney,
        procurement: z
          .object({ method: ZName.optional(), tenderNumber: ZName.optional(), agent: ZName.optional() })
          .strict()
          .optional(),
        summary: ZText.optional(),
        source: ZSource.optional(),
      })
      .strict(),
    parties: z.array(ZParty).min(2, { message: '至少需要甲方和乙方两个当事方' }),
    performanceBond: ZPerformanceBond.optional(),
    paymentMilestones: z.array(ZPaymentMilestone).min(1, { message: '至少需要一个付款节点' }),
    serviceWindows: z.array(ZServiceWindow).min(1, { message: '至少需要一个服务时间窗' }),
    systems: z.array(ZSystem).min(1, { message: '至少需要一个系统' }),
    priceItems: z.array(ZPriceItem).min(1, { message: '至少需要一个分项报价' }),
    slaPolicy: ZSlaPolicy,
    severityLevels: z.array(ZSeverityLevel).min(1, { message: '至少需要一个故障等级' }),
    workOrders: ZWorkOrders.optional().describe('工单（服务请求、数据处理、变更、发布、内容发布）的审批流程与时限类别'),
    kpis: z.array(ZKpi).optional(),
    obligations: z.array(ZObligation).optional(),
    penalties: z.array(ZPenalty).optional(),
    acceptance: z.array(ZAcceptance).optional(),
    sites: z.array(ZSite).optional().describe('服务网点、自助终端点位、区/街道经办机构等地点（甲方用户可按区、街道授权）'),
    staffing: ZStaffing.optional().describe('乙方人员要求：岗位、人员结构指标、更换时限、授权前置条件、权限复核周期'),
    assumptions: z.array(ZAssumption).optional().describe('原合同未明确或自相矛盾之处采用的默认值'),
  })
  .strict();

/** A contract definition as written in YAML (before normalisation). */
export type TContractDefinition = z.infer<typeof ZContractDefinition>;
export type TSeverityLevel = z.infer<typeof ZSeverityLevel>;
export type TSlaTarget = z.infer<typeof ZSlaTarget>;
export type TServiceWindow = z.infer<typeof ZServiceWindow>;
export type TDuration = z.infer<typeof ZDuration>;
export type TPenalty = z.infer<typeof ZPenalty>;
export type TObligation = z.infer<typeof ZObligation>;
export type TWorkOrders = z.infer<typeof ZWorkOrders>;
export type TWorkOrderKindConfig = z.infer<typeof ZWorkOrderKindConfig>;
export type TApprovalFlowDef = z.infer<typeof ZApprovalFlowDef>;
export type TSite = z.infer<typeof ZSite>;
export type TStaffing = z.infer<typeof ZStaffing>;
export type TStaffingKpi = z.infer<typeof ZStaffingKpi>;
export type TEducationLevel = (typeof EDUCATION_LEVELS)[number];
