/**
 * In-app notification endpoints.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ctxOf } from '../http/context.ts';
import { listMyNotifications, markNotificationsRead } from './notification.service.ts';

/** Notification routes. */
export const notificationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/notifications',
    {
      config: { access: 'user' },
      schema: {
        tags: ['通知'],
        summary: '我的站内通知（时限预警、超时、上报、电话任务）',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(30) }),
        response: {
          200: z.object({
            unread: z.number(),
            items: z.array(z.object({ id: z.string(), kind: z.string(), title: z.string(), body: z.string(), contractId: z.string().nullable(), subjectType: z.string().nullable(), subjectId: z.string().nullable(), createdAt: z.string(), readAt: z.string().nullable() })),
          }),
        },
      },
    },
    async (req) => listMyNotifications(app.services.db, ctxOf(req), req.query.limit),
  );

  app.post(
    '/api/notifications/read',
    {
      config: { access: 'user' },
      schema: { tags: ['通知'], summary: '标记已读', body: z.object({ ids: z.union([z.array(z.string().uuid()).max(500), z.literal('all')]) }), response: { 200: z.object({ updated: z.number() }) } },
    },
    async (req) => ({ updated: await markNotificationsRead(app.services.db, ctxOf(req), req.body.ids) }),
  );
};
