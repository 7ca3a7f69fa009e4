/**
 * Platform administrators acting on another user's sign-in: force sign-out,
 * lift a lockout, reset the second factor (lost phone). All audited.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { AppError } from '../errors.ts';
import { actorOf } from '../orgs/user.service.ts';
import { requireRecentAuth } from './reauth.ts';
import { resetTwoFactor } from './two-factor.service.ts';
import { forceSignOut, unlockUser } from './user-security.service.ts';
import { ZAdminReason } from './auth.schema.ts';

const ZUserParams = z.object({ userId: z.string().uuid() });

/** Administrator routes on users' sign-in. */
export const userSecurityRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/users/:userId/sign-out',
    {
      config: { access: 'platformAdmin' },
      schema: {
        tags: ['用户'],
        summary: '强制用户下线：结束其全部登录会话（平台管理员）',
        params: ZUserParams,
        body: ZAdminReason,
        response: { 200: z.object({ sessionsEnded: z.number() }), 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      return forceSignOut(app.services.db, actorOf(ctx), req.params.userId, ctx.now, req.body.reason ?? null);
    },
  );

  app.post(
    '/api/users/:userId/unlock',
    {
      config: { access: 'platformAdmin' },
      schema: {
        tags: ['用户'],
        summary: '解除账号锁定（平台管理员）',
        params: ZUserParams,
        response: { 200: z.object({ wasLocked: z.boolean() }), 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      return unlockUser(app.services.db, actorOf(ctx), req.params.userId, ctx.now);
    },
  );

  app.post(
    '/api/users/:userId/two-factor/reset',
    {
      config: { access: 'platformAdmin' },
      schema: {
        tags: ['用户'],
        summary: '重置用户的双因素验证（手机丢失且无恢复码时；需先再次验证身份；该用户全部会话随之结束）',
        params: ZUserParams,
        body: ZAdminReason,
        response: { 200: z.object({ sessionsEnded: z.number() }), 403: ZErrorResponse, 404: ZErrorResponse },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      if (req.params.userId === ctx.user.id) throw new AppError('FORBIDDEN', '不能重置自己的双因素验证；请在“账号与安全”中更换验证器');
      requireRecentAuth(req);
      return resetTwoFactor(app.services.db, actorOf(ctx), req.params.userId, ctx.now, req.body.reason ?? null);
    },
  );
};
