/**
 * HTTP schemas of the vendor staff roster (人员管理).
 */
import { z } from 'zod';
import { ROLE_KEYS } from '../auth/roles.ts';
import { EDUCATION_LEVELS, ZDate } from '../contracts/contract-definition.schema.ts';

export const STAFF_STATUSES = ['proposed', 'accepted', 'active', 'rejected', 'left'] as const;
export const STAFF_DOCUMENT_KINDS = ['agreement', 'backgroundCheck', 'qualification', 'entryApplication', 'exitApplication', 'other'] as const;
export const REPLACEMENT_STATUSES = ['open', 'overdue', 'fulfilled', 'withdrawn'] as const;
export const BACKGROUND_RESULTS = ['passed', 'failed', 'pending'] as const;

export const ZStaffIdParams = z.object({ staffId: z.string().describe('人员登记 ID') });
export const ZRequestIdParams = z.object({ requestId: z.string().describe('更换要求 ID') });

export const ZQualification = z
  .object({
    name: z.string().trim().min(1, { message: '资质名称不能为空' }).max(200).describe('资质、证书或经历名称，如 客服行业工作经验、Oracle OCP'),
    certificateNo: z.string().trim().max(100).optional().describe('证书编号'),
    issuedOn: ZDate.optional(),
    validUntil: ZDate.optional(),
  })
  .strict();

const ZVersion = z.number().int().positive().describe('读取时的版本号（并发修改检查）');

/** Fields a vendor project manager fills in. */
const staffFields = {
  personName: z.string().trim().min(1, { message: '须填写姓名' }).max(50),
  username: z.string().trim().min(1).max(50).nullable().optional().describe('关联的平台账号（用户名）；不填表示暂无账号'),
  positionKey: z.string().max(64).nullable().optional().describe('合同约定的岗位标识（staffing.positions）'),
  positionName: z.string().trim().min(1).max(100).optional().describe('岗位名称（填写 positionKey 时可省略）'),
  memberPartyKey: z.string().max(64).nullable().optional().describe('所属联合体成员（乙方当事方标识）'),
  qualifications: z.array(ZQualification).max(30).optional(),
  education: z.enum(EDUCATION_LEVELS, { message: '学历应为 高中及以下/中专/大专/本科/硕士/博士 之一' }),
  systemStartOn: ZDate.describe('开始服务本系统的日期（用于计算本系统服务年限）'),
  experienceYears: z.number().int().min(0).max(60).nullable().optional().describe('相关工作年限（整年）'),
  backgroundCheckOn: ZDate.nullable().optional(),
  backgroundCheckResult: z.enum(BACKGROUND_RESULTS).nullable().optional(),
};

export const ZNewStaff = z
  .object({
    ...staffFields,
    replacesRequestId: z.string().uuid().optional().describe('作为某项更换要求的替换人员登记'),
  })
  .strict();

export const ZStaffPatch = z.object(staffFields).partial().extend({ version: ZVersion }).strict();

export const ZVersionBody = z.object({ version: ZVersion }).strict();
export const ZRejectBody = z.object({ version: ZVersion, reason: z.string().trim().min(1, { message: '须填写不予接受的理由' }).max(1000) }).strict();
export const ZActivateBody = z.object({ version: ZVersion, startedOn: ZDate.optional().describe('进场日期（缺省今天）') }).strict();
export const ZLeaveBody = z
  .object({
    version: ZVersion,
    leftOn: ZDate.optional().describe('离场日期（缺省今天；不能晚于今天）'),
    reason: z.string().trim().min(1, { message: '须填写离场原因' }).max(1000),
  })
  .strict();
export const ZReplacementBody = z
  .object({
    reason: z.string().trim().min(1, { message: '须填写要求更换的理由' }).max(2000),
    removeNow: z.boolean().optional().describe('立即停止其系统权限（按离场处理）'),
  })
  .strict();
export const ZFulfilBody = z.object({ replacementStaffId: z.string().uuid() }).strict();
export const ZWithdrawBody = z.object({ reason: z.string().trim().min(1, { message: '须填写撤回原因' }).max(1000) }).strict();
export const ZDocumentQuery = z
  .object({
    kind: z.enum(STAFF_DOCUMENT_KINDS).describe('agreement 保密协议、backgroundCheck 背景审查材料、qualification 资质证书、entryApplication 入场申请单、exitApplication 离场申请单、other'),
    signedOn: ZDate.optional().describe('保密协议签署日期（kind 为 agreement 时必填）'),
  })
  .strict();

export const ZStaffMember = z.object({
  id: z.string(),
  contractId: z.string(),
  personName: z.string(),
  userId: z.string().nullable(),
  username: z.string().nullable(),
  positionKey: z.string().nullable(),
  positionName: z.string(),
  memberPartyKey: z.string().nullable(),
  memberName: z.string().nullable(),
  qualifications: z.array(ZQualification),
  education: z.enum(EDUCATION_LEVELS),
  educationLabel: z.string(),
  systemStartOn: z.string(),
  yearsOnSystem: z.number().describe('本系统服务整年数（按合同时区的今天计算）'),
  experienceYears: z.number().nullable(),
  backgroundCheckOn: z.string().nullable(),
  backgroundCheckResult: z.enum(BACKGROUND_RESULTS).nullable(),
  agreementSignedOn: z.string().nullable(),
  agreementDocumentId: z.string().nullable(),
  status: z.enum(STAFF_STATUSES),
  statusLabel: z.string(),
  acceptedByName: z.string().nullable(),
  acceptedAt: z.string().nullable(),
  rejectedReason: z.string().nullable(),
  startedOn: z.string().nullable(),
  leftOn: z.string().nullable(),
  leftAt: z.string().nullable(),
  leftReason: z.string().nullable(),
  cleared: z.boolean().describe('是否满足授予系统权限的条件'),
  clearanceProblems: z.array(z.string()),
  roles: z.array(z.enum(ROLE_KEYS)).describe('当前在本合同中的角色'),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const ZStaffDocument = z.object({
  id: z.string(),
  kind: z.enum(STAFF_DOCUMENT_KINDS),
  fileName: z.string(),
  mimeType: z.string(),
  sizeBytes: z.number(),
  digest: z.string().describe('SM3 摘要'),
  uploadedAt: z.string(),
  uploadedBy: z.string().nullable(),
});

export const ZReplacementRequest = z.object({
  id: z.string(),
  staffMemberId: z.string(),
  personName: z.string(),
  reason: z.string(),
  requestedByName: z.string().nullable(),
  requestedAt: z.string(),
  dueAt: z.string(),
  deadlineRule: z.string().describe('时限的计算依据'),
  status: z.enum(REPLACEMENT_STATUSES),
  overdueAt: z.string().nullable(),
  replacementMemberId: z.string().nullable(),
  replacementName: z.string().nullable(),
  fulfilledAt: z.string().nullable(),
  withdrawnAt: z.string().nullable(),
  withdrawnReason: z.string().nullable(),
});

export const ZStaffingKpi = z.object({
  key: z.string(),
  name: z.string(),
  kind: z.enum(['share', 'headcount', 'experience']),
  requirement: z.string(),
  numerator: z.number(),
  denominator: z.number(),
  sharePermille: z.number().nullable().describe('比例（千分比，向下取整）'),
  shareText: z.string().nullable(),
  status: z.enum(['met', 'notMet', 'noData']),
  source: z.string().nullable(),
});

export const ZRoster = z.object({
  today: z.string().describe('合同时区的今天'),
  members: z.array(ZStaffMember),
  replacementRequests: z.array(ZReplacementRequest),
  kpis: z.array(ZStaffingKpi),
  positions: z.array(
    z.object({ key: z.string(), name: z.string(), headcount: z.number().nullable(), minExperienceYears: z.number().nullable(), requirements: z.string().nullable(), source: z.string().nullable() }),
  ),
  vendorParties: z.array(z.object({ key: z.string(), name: z.string(), leadMember: z.boolean() })),
  replacementWithin: z.object({ amount: z.number(), unit: z.string(), source: z.string().nullable(), isDefault: z.boolean() }),
  vendorChangeNotice: z.object({ amount: z.number(), unit: z.string(), writtenConsent: z.boolean(), source: z.string().nullable() }).nullable(),
  needsBackgroundCheck: z.boolean(),
  permissions: z.object({
    edit: z.boolean().describe('登记、修改、上传材料、进场（乙方项目经理）'),
    decide: z.boolean().describe('确认、不予接受、要求更换（甲方）'),
    leave: z.boolean().describe('办理离场'),
  }),
});

export const ZStaffDetail = z.object({
  member: ZStaffMember,
  documents: z.array(ZStaffDocument),
  replacementRequests: z.array(ZReplacementRequest),
});
