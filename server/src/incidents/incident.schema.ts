/**
 * HTTP schemas of the incident endpoints.
 */
import { z } from 'zod';
import { ROLE_KEYS } from '../auth/roles.ts';
import { TARGET_KINDS } from '../contracts/contract-definition.schema.ts';
import { ZSlaResult } from '../sla/sla.schema.ts';
import { INCIDENT_STATUSES, WAITING_REASONS } from './incident-state.ts';
import { SECURITY_LABEL_KEYS } from '../labels/security-label.ts';
import { CHANNELS } from './incident.service.ts';

const ZDateTime = z.string().datetime({ offset: true, message: '时间格式应为 ISO 8601，如 2024-03-15T16:30:00+08:00' });
const ZNote = z.string().max(2000).optional();

export const ZImpact = z
  .object({
    usersAffectedShare: z.number().min(0).max(100).optional().describe('受影响用户占比（%）'),
    outageMinutes: z.number().int().min(0).optional().describe('已中断时长（分钟）'),
    wholeSystemDown: z.boolean().optional().describe('系统整体瘫痪'),
    businessSeriouslyAffected: z.boolean().optional().describe('业务受到严重影响'),
    dataCompromised: z.boolean().optional().describe('数据保密性或完整性受损'),
    businessPeak: z.boolean().optional().describe('处于业务高峰期'),
    partialFunctionDown: z.boolean().optional().describe('部分功能或设备故障'),
  })
  .strict();

export const ZNewIncident = z.object({
  title: z.string().trim().min(2, { message: '标题至少 2 个字' }).max(200),
  description: z.string().max(10000).default(''),
  systemKey: z.string().min(1),
  siteKey: z.string().min(1).max(64).optional().describe('合同地点清单中的地点标识（决定所属区、街道）'),
  site: z.string().max(200).optional().describe('网点、设备或地点（不在地点清单中时填写文字）'),
  siteZone: z.enum(['urban', 'suburban']).optional().describe('城区 / 郊区（不填则取地点清单中的设置）'),
  channel: z.enum(CHANNELS),
  reporterName: z.string().trim().min(1, { message: '须填写报告人' }).max(100),
  reporterOrg: z.string().max(200).optional(),
  reporterContact: z.string().max(100).optional(),
  reportedAt: ZDateTime.describe('首次报告时间（计时起点）'),
  impact: ZImpact.default({}),
  levelKey: z.string().optional().describe('不填则按影响情况自动判定'),
  levelReason: z.string().max(1000).optional().describe('与建议等级不同时须填写'),
  tags: z.array(z.string().max(50)).max(20).optional(),
  securityLabel: z.enum(SECURITY_LABEL_KEYS).optional().describe('安全标记：public 公开 / internal 内部 / sensitive 敏感；不填为内部，不能高于本人的可阅最高标记'),
});

export const ZIncidentCommand = z.discriminatedUnion('type', [
  z.object({ type: z.literal('acknowledge'), note: ZNote, occurredAt: ZDateTime.optional() }),
  z.object({ type: z.literal('arrive'), note: ZNote, occurredAt: ZDateTime.optional() }),
  z.object({ type: z.literal('startWork'), note: ZNote, occurredAt: ZDateTime.optional() }),
  z.object({ type: z.literal('wait'), reason: z.enum(WAITING_REASONS), note: ZNote, occurredAt: ZDateTime.optional() }),
  z.object({ type: z.literal('resume'), note: ZNote, occurredAt: ZDateTime.optional() }),
  z.object({ type: z.literal('resolve'), resolution: z.string().max(5000), note: ZNote, occurredAt: ZDateTime.optional() }),
  z.object({ type: z.literal('callback'), satisfaction: z.number().int().min(1).max(5), note: ZNote }),
  z.object({ type: z.literal('close'), note: ZNote }),
  z.object({ type: z.literal('reopen'), note: z.string().min(1, { message: '重新打开须填写原因' }).max(2000) }),
  z.object({ type: z.literal('assign'), line: z.union([z.literal(1), z.literal(2)]), assigneeUserId: z.string().uuid().optional(), team: z.string().max(100).optional(), supplierName: z.string().max(200).optional(), note: ZNote }),
  z.object({ type: z.literal('changeLevel'), levelKey: z.string().min(1), reason: z.string().min(1, { message: '调整等级须填写理由' }).max(1000) }),
  z.object({ type: z.literal('leaderApproval'), instruction: z.string().min(1, { message: '须填写批示内容' }).max(2000) }),
  z.object({ type: z.literal('supplierConsent'), supplierName: z.string().min(1).max(200), note: ZNote }),
  z.object({ type: z.literal('reportedUp'), note: z.string().min(1).max(2000), occurredAt: ZDateTime.optional() }),
  z.object({ type: z.literal('analysisSubmitted'), note: z.string().min(1).max(5000) }),
  z.object({ type: z.literal('emergencyPlanSubmitted'), note: z.string().min(1).max(5000) }),
  z.object({ type: z.literal('setDeadline'), dueAt: ZDateTime, targetKind: z.enum(TARGET_KINDS).optional() }),
  z.object({ type: z.literal('comment'), text: z.string().min(1).max(5000) }),
]);

export const ZIncident = z.object({
  id: z.string(),
  contractId: z.string(),
  number: z.string(),
  title: z.string(),
  description: z.string(),
  systemKey: z.string(),
  systemName: z.string(),
  siteKey: z.string().nullable(),
  site: z.string().nullable(),
  siteZone: z.enum(['urban', 'suburban']).nullable(),
  district: z.string().nullable().describe('所属区（县）'),
  street: z.string().nullable().describe('所属街道（乡镇）'),
  channel: z.string(),
  reporterName: z.string(),
  reporterOrg: z.string().nullable(),
  reporterContact: z.string().nullable(),
  reportedAt: z.string(),
  createdAt: z.string(),
  levelKey: z.string(),
  levelName: z.string(),
  suggestedLevelKey: z.string().nullable(),
  levelReason: z.string().nullable(),
  impact: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  status: z.enum(INCIDENT_STATUSES),
  statusName: z.string(),
  waitingReason: z.string().nullable(),
  line: z.number(),
  assigneeUserId: z.string().nullable(),
  assigneeTeam: z.string().nullable(),
  supplierName: z.string().nullable(),
  supplierConsent: z.record(z.string(), z.unknown()).nullable(),
  leaderApprovalRequired: z.boolean(),
  leaderApproval: z.record(z.string(), z.unknown()).nullable(),
  resolution: z.string().nullable(),
  satisfaction: z.number().nullable(),
  callbackNote: z.string().nullable(),
  slaDueAt: z.string().nullable().describe('最近的未到期时限'),
  slaBreached: z.boolean(),
  slaAtRisk: z.boolean(),
  securityLabel: z.enum(SECURITY_LABEL_KEYS).describe('安全标记（完整性校验失败时按「敏感」处理）'),
  securityLabelName: z.string(),
  labelIntegrityFailed: z.boolean().describe('安全标记的 HMAC-SM3 校验未通过（已告警）'),
  version: z.number().describe('乐观锁版本号：提交操作时须带上'),
  updatedAt: z.string(),
});

export const ZIncidentDetail = z.object({
  incident: ZIncident,
  myRoles: z.array(z.enum(ROLE_KEYS)),
  canChangeLabel: z.boolean().describe('当前用户可否调整安全标记'),
  labelChoices: z.array(z.enum(SECURITY_LABEL_KEYS)).describe('当前用户可设置的安全标记（不高于其可阅最高标记）'),
  availableCommands: z.array(z.string()).describe('当前用户此刻可执行的操作（按角色与状态计算）'),
  canRevealPii: z.boolean().describe('当前用户可否查看个人信息明文（须填写理由）'),
  events: z.array(z.object({ id: z.string(), type: z.string(), typeName: z.string(), at: z.string(), actorName: z.string().nullable(), actorRole: z.string().nullable(), data: z.record(z.string(), z.unknown()) })),
  sla: z.object({ clockId: z.string(), levelKey: z.string(), isOpen: z.boolean(), nextDeadlineAt: z.string().nullable(), result: ZSlaResult }).nullable(),
});

export const ZIncidentListQuery = z.object({
  systemKey: z.string().optional(),
  levelKey: z.string().optional(),
  status: z
    .string()
    .optional()
    .describe('状态，逗号分隔')
    .transform((s) => (s ? s.split(',').filter(Boolean) : undefined))
    .pipe(z.array(z.enum(INCIDENT_STATUSES)).optional()),
  assigneeUserId: z.string().uuid().optional(),
  breached: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
  atRisk: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')),
  openOnly: z.enum(['true', 'false']).optional().transform((v) => v === 'true'),
  q: z.string().max(100).optional().describe('标题和描述中的中文关键词'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
