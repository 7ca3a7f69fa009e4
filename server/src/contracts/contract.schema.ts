/**
 * HTTP request and response schemas of the contract endpoints.
 */
import { z } from 'zod';
import { SECURITY_LABEL_KEYS } from '../labels/security-label.ts';
import { ZContractDefinition } from './contract-definition.schema.ts';
import { ROLE_KEYS } from '../auth/roles.ts';

/** When the contract's vendor side loses access (service period end + grace period, or an explicit extension). */
export const ZVendorAccess = z
  .object({
    graceDays: z.number().describe('服务期结束后的宽限天数（YUNWEI_VENDOR_ACCESS_GRACE_DAYS）'),
    lastDayByGrace: z.string().describe('按宽限期计算的乙方访问最后一天'),
    extendedUntil: z.string().nullable().describe('甲方延长后的最后一天；null 为未延长'),
    endsAt: z.string().describe('乙方访问截止时刻（该日次日零点，合同时区）'),
    ended: z.boolean().describe('乙方访问是否已截止（此后乙方授权不再生效，乙方人员无法登录）'),
  })
  .describe('乙方访问期限');

/** Body of an extension of the vendor side's access. */
export const ZVendorAccessExtensionBody = z.object({
  until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: '日期格式应为 YYYY-MM-DD' }).describe('延长后乙方访问的最后一天（含当日，合同时区）'),
  reason: z.string().trim().min(2, { message: '请填写延长理由' }).max(500).describe('延长理由（记入审计日志）'),
});

export const ZContractIdParams = z.object({ contractId: z.string().describe('合同 ID') });

export const ZDefinitionIssue = z.object({
  path: z.string().describe('字段路径'),
  line: z.number().nullable().describe('源文件行号'),
  column: z.number().nullable(),
  message: z.string().describe('中文说明'),
});

export const ZYamlBody = z.object({
  yaml: z.string().min(1, { message: '合同定义内容不能为空' }).max(2_000_000).describe('合同定义 YAML 文本'),
  note: z.string().max(500).optional().describe('版本说明'),
});

export const ZValidateResponse = z.object({
  ok: z.boolean(),
  issues: z.array(ZDefinitionIssue),
  summary: z
    .object({ code: z.string(), name: z.string(), totalAmount: z.string(), systems: z.number(), severityLevels: z.number() })
    .nullable(),
});

export const ZImportResponse = z.object({
  contractId: z.string(),
  versionId: z.string(),
  version: z.number(),
  created: z.boolean(),
});

export const ZContractSummary = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  totalAmountFen: z.number().describe('合同总价（分）'),
  version: z.number(),
  agency: z.array(z.string()),
  vendors: z.array(z.string()),
  leadVendor: z.string().nullable().describe('联合体牵头单位（非联合体为 null）'),
  systemCount: z.number(),
});

export const ZPriceItemRow = z.object({
  key: z.string(),
  parentKey: z.string().nullable(),
  name: z.string(),
  quantity: z.string().nullable(),
  unit: z.string().nullable(),
  unitPriceFen: z.number().nullable(),
  amountFen: z.number(),
  memberPartyKey: z.string().nullable(),
  systemKeys: z.array(z.string()),
  depth: z.number(),
  category: z.enum(['system', 'service', 'consumable', 'other']).nullable(),
  note: z.string().nullable(),
  source: z.string().nullable().describe('原合同行号出处'),
});

export const ZContractDetail = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  periodStart: z.string(),
  periodEnd: z.string(),
  timezone: z.string(),
  totalAmountFen: z.number(),
  version: z.number(),
  versionEffectiveFrom: z.string(),
  myRoles: z.array(z.enum(ROLE_KEYS)),
  vendorAccess: ZVendorAccess,
  parties: z.array(
    z.object({ key: z.string(), side: z.enum(['agency', 'vendor', 'thirdParty']), leadMember: z.boolean(), organisationId: z.string(), name: z.string() }),
  ),
  priceItems: z.array(ZPriceItemRow).describe('分项报价（按文档顺序展开，depth 为层级）'),
  versions: z.array(
    z.object({
      id: z.string(),
      version: z.number(),
      effectiveFrom: z.string(),
      effectiveTo: z.string().nullable(),
      importedAt: z.string(),
      importedBy: z.string().nullable(),
      digest: z.string(),
      note: z.string().nullable(),
    }),
  ),
  definition: ZContractDefinition.omit({ priceItems: true }).describe('当前版本的合同定义（分项报价见 priceItems）'),
});

export const ZMember = z.object({
  id: z.string(),
  role: z.enum(ROLE_KEYS),
  grantedAt: z.string(),
  userId: z.string(),
  username: z.string(),
  displayName: z.string(),
  organisationName: z.string().nullable(),
  scope: z.object({ district: z.string(), street: z.string().nullable() }).nullable().optional().describe('授权范围（区、街道）；null 为整个合同；仅授权管理员与全合同权限复核人可见'),
  clearance: z.enum(SECURITY_LABEL_KEYS).optional().describe('可阅最高安全标记；仅授权管理员与全合同权限复核人可见'),
});
