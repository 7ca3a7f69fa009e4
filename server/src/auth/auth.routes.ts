/**
 * Sign-in, sign-out and "who am I".
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { signIn, signOut } from './auth.service.ts';
import { listMyMemberships } from '../orgs/user.service.ts';
import { ROLE_KEYS } from './roles.ts';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'yunwei_session';

const ZMe = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  organisationName: z.string().nullable(),
  isPlatformAdmin: z.boolean(),
  lastSignInAt: z.string().nullable().describe('上一次登录时间'),
  lastSignInIp: z.string().nullable(),
  memberships: z.array(z.object({ contractId: z.string(), contractCode: z.string(), contractName: z.string(), role: z.enum(ROLE_KEYS) })),
});

/** Authentication routes. */
export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/api/auth/login',
    {
      config: {
        access: 'public',
        rateLimit: {
          max: () => app.services.signInPerMinute,
          timeWindow: '1 minute',
          keyGenerator: (req) => {
            const body = req.body as { username?: unknown } | undefined;
            return `${req.ip}|${typeof body?.username === 'string' ? body.username.toLowerCase() : ''}`;
          },
        },
      },
      schema: {
        tags: ['登录'],
        summary: '用户名密码登录',
        security: [],
        body: z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }),
        response: { 200: ZMe, 401: ZErrorResponse, 403: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const { db, sessionPolicy, cookieSecure } = app.services;
      const { token, user } = await signIn(
        db,
        { username: req.body.username, password: req.body.password, clientIp: req.ip, userAgent: req.headers['user-agent'] ?? null },
        sessionPolicy,
        new Date(),
      );
      reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: cookieSecure,
        path: '/',
        maxAge: sessionPolicy.maxHours * 3600,
      });
      const memberships = await listMyMemberships(db, user.id);
      return {
        id: user.id,
        username: user.username,
        displayName: user.displayName,
        organisationName: user.organisationName,
        isPlatformAdmin: user.isPlatformAdmin,
        lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
        lastSignInIp: user.lastSignInIp,
        memberships,
      };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { access: 'user' },
      schema: { tags: ['登录'], summary: '退出登录', response: { 200: z.object({ ok: z.literal(true) }) } },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      await signOut(app.services.db, ctx.user, ctx.clientIp, ctx.now);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true as const };
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { access: 'user' },
      schema: { tags: ['登录'], summary: '当前用户及其在各合同中的角色', response: { 200: ZMe, 401: ZErrorResponse } },
    },
    async (req) => {
      const ctx = ctxOf(req);
      const memberships = await listMyMemberships(app.services.db, ctx.user.id);
      return {
        id: ctx.user.id,
        username: ctx.user.username,
        displayName: ctx.user.displayName,
        organisationName: ctx.user.organisationName,
        isPlatformAdmin: ctx.user.isPlatformAdmin,
        lastSignInAt: ctx.user.lastSignInAt?.toISOString() ?? null,
        lastSignInIp: ctx.user.lastSignInIp,
        memberships,
      };
    },
  );
};
