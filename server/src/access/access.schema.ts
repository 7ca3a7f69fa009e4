/**
 * HTTP schemas of the permission review and the scoped sites.
 */
import { z } from 'zod';
import { ROLE_KEYS } from '../auth/roles.ts';
import { SECURITY_LABEL_KEYS } from '../labels/security-label.ts';

const ZArea = z.object({ district: z.string(), street: z.string().nullable() });

export const ZGrantRow = z.object({
  id: z.string(),
  userId: z.string(),
  username: z.string(),
  displayName: z.string(),
  userStatus: z.string(),
  organisationName: z.string().nullable(),
  role: z.enum(ROLE_KEYS),
  roleSide: z.enum(['agency', 'vendor', 'either']),
  scope: ZArea.nullable().describe('授权范围；null 为整个合同'),
  clearance: z.enum(SECURITY_LABEL_KEYS).describe('可阅最高安全标记'),
  grantedAt: z.string(),
  grantedByName: z.string().nullable().describe('授权人（null：系统初始化或命令行）'),
  lastSignInAt: z.string().nullable(),
  staff: z.object({ id: z.string(), status: z.string(), cleared: z.boolean() }).nullable().describe('在乙方人员名单中的登记'),
  vendorRole: z.boolean(),
});

export const ZAccessReview = z.object({
  today: z.string(),
  grants: z.array(ZGrantRow),
  grantCount: z.number(),
  snapshotHash: z.string().describe('当前权限清单的 SM3 摘要；记录复核时原样提交'),
  changedSinceLastReview: z.boolean().nullable(),
  frequency: z.enum(['monthly', 'quarterly', 'halfYearly', 'yearly']),
  frequencyName: z.string(),
  frequencySource: z.string().nullable(),
  frequencyIsDefault: z.boolean(),
  nextReviewDue: z.string(),
  overdue: z.boolean(),
  reviews: z.array(
    z.object({ id: z.string(), reviewerName: z.string(), reviewedAt: z.string(), comment: z.string(), grantCount: z.number(), snapshotHash: z.string(), nextDueOn: z.string() }),
  ),
  areas: z.array(z.object({ district: z.string(), streets: z.array(z.string()) })).describe('可用于授权范围的区与街道'),
  permissions: z.object({ manage: z.boolean().describe('授予、撤销角色'), review: z.boolean().describe('记录复核') }),
});

export const ZReviewBody = z
  .object({
    comment: z.string().trim().min(1, { message: '须填写复核意见' }).max(2000),
    snapshotHash: z.string().regex(/^[0-9a-f]{64}$/, { message: '清单摘要格式不正确' }),
  })
  .strict();

export const ZGrantCandidate = z.object({
  userId: z.string(),
  username: z.string(),
  displayName: z.string(),
  organisationName: z.string().nullable(),
  side: z.enum(['agency', 'vendor', 'thirdParty']).nullable(),
  userStatus: z.string(),
  staffId: z.string().nullable(),
  staffStatus: z.string().nullable(),
  vendorCleared: z.boolean().describe('作为乙方人员是否满足授权条件'),
  vendorProblems: z.array(z.string()),
});

export const ZSite = z.object({
  key: z.string(),
  name: z.string(),
  kind: z.string().nullable(),
  district: z.string().nullable(),
  street: z.string().nullable(),
  zone: z.enum(['urban', 'suburban']).nullable(),
  systemKeys: z.array(z.string()),
});

export const ZSiteList = z.object({ scope: z.array(ZArea).nullable().describe('本人的授权范围；null 为整个合同'), sites: z.array(ZSite) });
