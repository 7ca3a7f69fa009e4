/**
 * User administration (platform administrators).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { createUser, listUsers } from './user.service.ts';

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
          200: z.array(z.object({ id: z.string(), username: z.string(), displayName: z.string(), organisationName: z.string().nullable(), isPlatformAdmin: z.boolean(), status: z.string() })),
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
};
