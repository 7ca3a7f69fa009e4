/**
 * Contract close-out endpoints: return package, destruction, verification, certificate.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { ZContractIdParams } from '../contracts/contract.schema.ts';
import { destroyPersonalData, exportReturnPackage, getCloseout, verifyDestruction } from './closeout.service.ts';
import { destructionCertificatePdf } from './destruction-certificate.ts';
import { requireRecentAuth } from '../auth/reauth.ts';
import { contentDisposition } from '../http/content-disposition.ts';

const ZCloseout = z.object({
  contractId: z.string(),
  status: z.enum(['none', 'exported', 'destroyed', 'verified']),
  exportedAt: z.string().nullable(),
  exportDigest: z.string().nullable(),
  exportSummary: z.unknown(),
  destroyedAt: z.string().nullable(),
  destructionSummary: z.unknown(),
  verifiedAt: z.string().nullable(),
  verification: z.unknown(),
});

/** Close-out routes. */
export const closeoutRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/contracts/:contractId/closeout',
    { config: { access: 'user' }, schema: { tags: ['合同终止'], summary: '合同终止：个人信息返还与销毁的进度', params: ZContractIdParams, response: { 200: ZCloseout, 403: ZErrorResponse, 404: ZErrorResponse } } },
    async (req) => getCloseout(app.services.db, ctxOf(req), req.params.contractId),
  );

  app.post(
    '/api/contracts/:contractId/closeout/export',
    { config: { access: 'user' }, schema: { tags: ['合同终止'], summary: '导出返还数据包（含个人信息明文与附件，zip；记录 SM3 摘要）', params: ZContractIdParams } },
    async (req, reply) => {
      requireRecentAuth(req);
      const r = await exportReturnPackage(app.services.db, ctxOf(req), req.params.contractId);
      return reply
        .type('application/zip')
        .header('content-disposition', contentDisposition(r.fileName))
        .header('x-content-sm3', r.digest)
        .send(r.content);
    },
  );

  app.post(
    '/api/contracts/:contractId/closeout/destroy',
    {
      config: { access: 'user' },
      schema: {
        tags: ['合同终止'],
        summary: '销毁该合同的个人信息与附件，并收回乙方人员权限（须输入合同编号确认）',
        params: ZContractIdParams,
        body: z.object({ confirmCode: z.string().min(1).max(100) }).strict(),
        response: { 200: ZCloseout, 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req) => {
      requireRecentAuth(req);
      return destroyPersonalData(app.services.db, ctxOf(req), req.params.contractId, req.body.confirmCode);
    },
  );

  app.post(
    '/api/contracts/:contractId/closeout/verify',
    { config: { access: 'user' }, schema: { tags: ['合同终止'], summary: '核验个人信息已全部销毁', params: ZContractIdParams, response: { 200: ZCloseout, 400: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse } } },
    async (req) => verifyDestruction(app.services.db, ctxOf(req), req.params.contractId),
  );

  app.get(
    '/api/contracts/:contractId/closeout/certificate.pdf',
    { config: { access: 'user' }, schema: { tags: ['合同终止'], summary: '个人信息销毁证明（PDF，供双方签字）', params: ZContractIdParams } },
    async (req, reply) => {
      const r = await destructionCertificatePdf(app.services.db, ctxOf(req), req.params.contractId);
      return reply
        .type('application/pdf')
        .header('content-disposition', contentDisposition(r.fileName))
        .send(r.content);
    },
  );
};
