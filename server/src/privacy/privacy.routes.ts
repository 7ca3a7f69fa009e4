/**
 * Personal-data endpoints: reveal one field's full value with a reason.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { revealPii } from './reveal.service.ts';
import { requireRecentAuth } from '../auth/reauth.ts';

const ZRevealRequest = z
  .object({
    entityType: z.enum(['incident', 'workOrder']).describe('记录类型'),
    entityId: z.string().uuid({ message: '记录编号格式不正确' }),
    field: z.string().min(1).max(60).describe('字段名，如 reporterContact、description'),
    reason: z.string().max(500).describe('查看理由（必填，记入审计）'),
  })
  .strict();

/** Privacy routes. */
export const privacyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/pii/reveal',
    {
      config: { access: 'user' },
      schema: {
        tags: ['个人信息'],
        summary: '查看个人信息明文（须有权限、填写理由、近期重新验证身份；每次查看记入审计）',
        body: ZRevealRequest,
        response: { 200: z.object({ value: z.string().nullable() }), 400: ZErrorResponse, 401: ZErrorResponse, 403: ZErrorResponse, 404: ZErrorResponse, 429: ZErrorResponse },
      },
    },
    async (req) => {
      requireRecentAuth(req);
      return revealPii(app.services.db, ctxOf(req), req.body);
    },
  );
};
