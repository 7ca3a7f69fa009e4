/**
 * Permission review (权限复核), grant candidates and scoped sites.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { ZContractIdParams } from '../contracts/contract.schema.ts';
import { ZAccessReview, ZGrantCandidate, ZReviewBody, ZSite, ZSiteList } from './access.schema.ts';
import { getAccessReview, getSite, listGrantCandidates, listSites, recordAccessReview } from './access.service.ts';

const TAGS = ['权限'];

/** Access routes. */
export const accessRoutes: FastifyPluginAsyncZod = async (app) => {
  const db = app.services.db;

  app.get(
    '/api/contracts/:contractId/access-review',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '权限清单与复核记录（甲方系统管理员、审计员）', params: ZContractIdParams, response: { 200: ZAccessReview, 403: ZErrorResponse, 404: ZErrorResponse } },
    },
    async (req) => getAccessReview(db, ctxOf(req), req.params.contractId),
  );

  app.post(
    '/api/contracts/:contractId/access-review',
    {
      config: { access: 'user' },
      schema: {
        tags: TAGS,
        summary: '记录一次权限复核（须提交所复核清单的摘要；清单已变化时 409）',
        params: ZContractIdParams,
        body: ZReviewBody,
        response: { 201: z.object({ id: z.string(), snapshotHash: z.string(), nextDueOn: z.string() }), 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req, reply) => reply.status(201).send(await recordAccessReview(db, ctxOf(req), req.params.contractId, req.body)),
  );

  app.get(
    '/api/contracts/:contractId/grant-candidates',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '可授权的账号（合同各方单位的用户；乙方人员附带准入状态）', params: ZContractIdParams, response: { 200: z.array(ZGrantCandidate), 403: ZErrorResponse, 404: ZErrorResponse } },
    },
    async (req) => listGrantCandidates(db, ctxOf(req), req.params.contractId),
  );

  app.get(
    '/api/contracts/:contractId/sites',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '合同地点（网点、终端点位等），按本人的区/街道授权范围过滤', params: ZContractIdParams, response: { 200: ZSiteList, 404: ZErrorResponse } },
    },
    async (req) => listSites(db, ctxOf(req), req.params.contractId),
  );

  app.get(
    '/api/contracts/:contractId/sites/:siteKey',
    {
      config: { access: 'user' },
      schema: { tags: TAGS, summary: '一个地点（不在授权范围内时 404）', params: ZContractIdParams.extend({ siteKey: z.string().max(64) }), response: { 200: ZSite, 404: ZErrorResponse } },
    },
    async (req) => getSite(db, ctxOf(req), req.params.contractId, req.params.siteKey),
  );
};
