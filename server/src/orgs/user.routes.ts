/**
 * User administration (platform administrators).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { createUser, listUsers } from './user.service.ts';
import { setPlatformAuditor } from './platform-auditor.ts';

/** User routes. */
export const userRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/users',
    {
      config: { access: 'platformAdmin' },
      schema: {
        tags: ['用户'],
        summary: '用户列表（平台管理员）',
        response: {
          200: z.array(z.object({ id: z.string(), username: z.string(), displayName: z.string(), organisationName: z.string().nullable(), isPlatformAdmin: z.boolean(), isPlatformAuditor: z.boolean().describe('平台安全审计员'), status: z.string() })),
        },
      },
    },
    async () => listUsers(app.services.db),
  );

  app.post(
    '/api/users',
    {
      config: { access: 'platformAdmin' },
      schema: {
        tags: ['用户'],
        summary: '创建用户（平台管理员）',
        body: z.object({
          username: z.string().regex(/^[A-Za-z0-9_.\-]{3,50}$/, { message: '用户名为 3–50 位字母、数字、点、下划线或连字符' }),
          displayName: z.string().min(1).max(50),
          password: z.string().min(1).max(200),
          organisationName: z.string().min(1).max(200).optional(),
          isPlatformAdmin: z.boolean().optional(),
          isPlatformAuditor: z.boolean().optional().describe('平台安全审计员（不能同时为平台管理员）'),
        }),
        response: { 201: z.object({ id: z.string() }), 400: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      const r = await createUser(app.services.db, ctx, req.body, ctx.now);
      return reply.status(201).send(r);
    },
  );

  app.put(
    '/api/users/:id/platform-auditor',
    {
      config: { access: 'platformAdmin' },
      schema: {
        tags: ['用户'],
        summary: '授予或撤销平台安全审计员身份（平台管理员；不能授予自己或平台管理员；记入审计日志）',
        params: z.object({ id: z.string().uuid() }),
        body: z.object({ isPlatformAuditor: z.boolean() }),
        response: { 200: z.object({ id: z.string(), isPlatformAuditor: z.boolean() }), 403: ZErrorResponse, 404: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      return setPlatformAuditor(app.services.db, ctx, req.params.id, req.body.isPlatformAuditor, ctx.now);
    },
  );
};
