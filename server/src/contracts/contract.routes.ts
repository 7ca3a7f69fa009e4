/**
 * Contract endpoints: validate, import, list, detail, members.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { getContractDetail, importContract, listContracts, validateContractYaml } from './contract.service.ts';
import { ZContractDetail, ZContractIdParams, ZContractSummary, ZImportResponse, ZMember, ZValidateResponse, ZVendorAccessExtensionBody, ZYamlBody } from './contract.schema.ts';
import { extendVendorAccess } from './vendor-access.service.ts';
import { stepUpOf } from '../auth/reauth.ts';
import { grantRole, listContractMembers, revokeRole, setGrantClearance } from '../orgs/user.service.ts';
import { SECURITY_LABEL_KEYS } from '../labels/security-label.ts';
import { ROLE_KEYS } from '../auth/roles.ts';
import { contractJsonSchema } from './contract-json-schema.ts';

/**
 * The one JSON body allowed over the 1 MB default: a contract definition (up
 * to 2,000,000 characters of YAML, up to 3 bytes each in UTF-8, plus JSON
 * escaping). The demo contracts are 80–150 KB.
 */
export const CONTRACT_BODY_LIMIT = 8 * 1024 * 1024;

/** Contract routes. */
export const contractRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/contract-definition.schema.json',
    {
      config: { access: 'public' },
      schema: { tags: ['合同'], summary: '合同定义格式的 JSON Schema', security: [], response: { 200: z.record(z.string(), z.unknown()) } },
    },
    async () => contractJsonSchema(),
  );

  app.post(
    '/api/contracts/validate',
    {
      config: { access: 'user' },
      bodyLimit: CONTRACT_BODY_LIMIT,
      schema: { tags: ['合同'], summary: '校验合同定义（不写入）', body: ZYamlBody, response: { 200: ZValidateResponse } },
    },
    async (req) => {
      const r = validateContractYaml(req.body.yaml);
      if (!r.ok) return { ok: false, issues: r.issues, summary: null };
      const d = r.definition;
      return {
        ok: true,
        issues: [],
        summary: { code: d.contract.code, name: d.contract.name, totalAmount: String(d.contract.totalAmount), systems: d.systems.length, severityLevels: d.severityLevels.length },
      };
    },
  );

  app.post(
    '/api/contracts/import',
    {
      config: { access: 'user' },
      bodyLimit: CONTRACT_BODY_LIMIT,
      schema: {
        tags: ['合同'],
        summary: '导入合同定义（新合同须平台管理员；新版本须该合同的甲方系统管理员）',
        body: ZYamlBody,
        response: { 201: ZImportResponse, 400: ZErrorResponse, 403: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      const result = await importContract(app.services.db, ctx, req.body.yaml, ctx.now, req.body.note, { vendorAccessGraceDays: app.services.vendorAccessGraceDays });
      return reply.status(201).send(result);
    },
  );

  app.get(
    '/api/contracts',
    {
      config: { access: 'user' },
      schema: { tags: ['合同'], summary: '我参与的合同', response: { 200: z.array(ZContractSummary) } },
    },
    async (req) => listContracts(app.services.db, ctxOf(req)),
  );

  app.get(
    '/api/contracts/:contractId',
    {
      config: { access: 'user' },
      schema: {
        tags: ['合同'],
        summary: '合同详情（须为该合同成员，否则 404）',
        params: ZContractIdParams,
        response: { 200: ZContractDetail, 404: ZErrorResponse },
      },
    },
    async (req) => getContractDetail(app.services.db, ctxOf(req), req.params.contractId, app.services.vendorAccessGraceDays),
  );

  app.post(
    '/api/contracts/:contractId/vendor-access-extension',
    {
      config: { access: 'user' },
      schema: {
        tags: ['合同'],
        summary: '延长乙方访问期限（该合同的甲方系统管理员或平台管理员；须填写理由，记入审计日志；须先再次验证身份）',
        params: ZContractIdParams,
        body: ZVendorAccessExtensionBody,
        response: { 200: z.object({ extendedUntil: z.string(), endsAt: z.string() }), 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      return extendVendorAccess(app.services.db, ctx, { contractId: req.params.contractId, until: req.body.until, reason: req.body.reason }, app.services.vendorAccessGraceDays, ctx.now, stepUpOf(req));
    },
  );

  app.get(
    '/api/contracts/:contractId/members',
    {
      config: { access: 'user' },
      schema: { tags: ['合同'], summary: '合同成员及角色', params: ZContractIdParams, response: { 200: z.array(ZMember), 404: ZErrorResponse } },
    },
    async (req) => listContractMembers(app.services.db, ctxOf(req), req.params.contractId),
  );

  app.post(
    '/api/contracts/:contractId/members',
    {
      config: { access: 'user' },
      schema: {
        tags: ['合同'],
        summary: '授予角色（甲方系统管理员；乙方人员须已经甲方确认并上传保密协议；甲方角色可按区/街道限定范围）',
        params: ZContractIdParams,
        body: z.object({
          userId: z.string().uuid(),
          role: z.enum(ROLE_KEYS),
          scope: z
            .object({ district: z.string().min(1).max(200), street: z.string().min(1).max(200).nullable().optional() })
            .nullable()
            .optional()
            .describe('授权范围（区、街道）；不填为整个合同'),
          clearance: z.enum(SECURITY_LABEL_KEYS).optional().describe('可阅最高安全标记：public 公开 / internal 内部 / sensitive 敏感；不填为内部，不能高于授权人本人的'),
        }),
        response: { 201: z.object({ id: z.string() }), 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      const r = await grantRole(app.services.db, ctx, { userId: req.body.userId, contractId: req.params.contractId, role: req.body.role, scope: req.body.scope, clearance: req.body.clearance }, ctx.now);
      return reply.status(201).send({ id: r.id });
    },
  );

  app.patch(
    '/api/contracts/:contractId/members/:membershipId',
    {
      config: { access: 'user' },
      schema: {
        tags: ['合同'],
        summary: '调整授权的可阅最高安全标记（甲方系统管理员；不能高于本人的；记入审计）',
        params: ZContractIdParams.extend({ membershipId: z.string().uuid() }),
        body: z.object({ clearance: z.enum(SECURITY_LABEL_KEYS) }),
        response: { 200: z.object({ id: z.string(), clearance: z.enum(SECURITY_LABEL_KEYS) }), 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req) => setGrantClearance(app.services.db, ctxOf(req), { membershipId: req.params.membershipId, contractId: req.params.contractId, clearance: req.body.clearance }),
  );

  app.delete(
    '/api/contracts/:contractId/members/:membershipId',
    {
      config: { access: 'user' },
      schema: {
        tags: ['合同'],
        summary: '撤销角色（甲方系统管理员）',
        params: ZContractIdParams.extend({ membershipId: z.string().uuid() }),
        response: { 200: z.object({ ok: z.literal(true) }), 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req) => {
      await revokeRole(app.services.db, ctxOf(req), { membershipId: req.params.membershipId, contractId: req.params.contractId });
      return { ok: true as const };
    },
  );
};
