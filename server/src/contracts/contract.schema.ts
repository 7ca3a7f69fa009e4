/**
 * HTTP request and response schemas of the contract endpoints.
 */
import { z } from 'zod';
import { ZContractDefinition } from './contract-definition.schema.ts';
import { ROLE_KEYS } from '../auth/roles.ts';

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
  scope: z.object({ district: z.string(), street: z.string().nullable() }).nullable().describe('授权范围（区、街道）；null 为整个合同'),
});
