/**
 * Contract endpoints: validate, import, list, detail, members.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { getContractDetail, importContract, listContracts, validateContractYaml } from './contract.service.ts';
import { ZContractDetail, ZContractIdParams, ZContractSummary, ZImportResponse, ZMember, ZValidateResponse, ZYamlBody } from './contract.schema.ts';
import { grantRole, listContractMembers, revokeRole } from '../orgs/user.service.ts';
import { ROLE_KEYS } from '../auth/roles.ts';
import { contractJsonSchema } from './contract-json-schema.ts';

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
      schema: {
        tags: ['合同'],
        summary: '导入合同定义（新合同须平台管理员；新版本须该合同的甲方系统管理员）',
        body: ZYamlBody,
        response: { 201: ZImportResponse, 400: ZErrorResponse, 403: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      const result = await importContract(app.services.db, ctx, req.body.yaml, ctx.now, req.body.note);
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
    async (req) => getContractDetail(app.services.db, ctxOf(req), req.params.contractId),
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
        }),
        response: { 201: z.object({ id: z.string() }), 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      const r = await grantRole(app.services.db, ctx, { userId: req.body.userId, contractId: req.params.contractId, role: req.body.role, scope: req.body.scope }, ctx.now);
      return reply.status(201).send({ id: r.id });
    },
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
