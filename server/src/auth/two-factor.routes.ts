/**
 * The user's own two-factor setup: status, enrolment (also the forced
 * enrolment right after a password sign-in), recovery codes, switching off.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { AppError } from '../errors.ts';
import { actorOf } from '../orgs/user.service.ts';
import { requireRecentAuth } from './reauth.ts';
import { confirmEnrolment, disableTwoFactor, hasTwoFactor, regenerateRecoveryCodes, startTotpEnrolment, twoFactorStatus } from './two-factor.service.ts';
import { authSessionOf, presentSignIn } from './auth.routes.ts';
import { passwordChangeRequired } from './auth.service.ts';
import { ZRecoveryCodes, ZSecondFactorCode, ZSignInResult, ZTotpEnrolment, ZTwoFactorStatus } from './auth.schema.ts';

/** Two-factor routes. */
export const twoFactorRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/api/auth/two-factor',
    {
      config: { access: 'user' },
      schema: { tags: ['账号安全'], summary: '我的双因素验证状态', response: { 200: ZTwoFactorStatus } },
    },
    async (req) => twoFactorStatus(app.services.db, ctxOf(req).user, app.services.sessionPolicy.twoFactor),
  );

  app.post(
    '/api/auth/two-factor/enrol',
    {
      config: { access: 'signingIn' },
      schema: {
        tags: ['账号安全'],
        summary: '开始绑定验证器：生成新的 TOTP 密钥（确认验证码之前不生效；更换验证器需先再次验证身份）',
        response: { 200: ZTotpEnrolment, 401: ZErrorResponse, 403: ZErrorResponse },
      },
    },
    async (req) => {
      const session = authSessionOf(req);
      if (session.stage === 'secondFactor') throw new AppError('SECOND_FACTOR_REQUIRED', '请先输入动态验证码完成登录');
      if (session.stage === 'passwordChange') throw passwordChangeRequired();
      if (session.stage === 'complete' && (await hasTwoFactor(app.services.db, session.user.id))) requireRecentAuth(req);
      return startTotpEnrolment(app.services.db, session.user, new Date());
    },
  );

  app.post(
    '/api/auth/two-factor/confirm',
    {
      config: { access: 'signingIn' },
      schema: {
        tags: ['账号安全'],
        summary: '确认绑定：输入验证器显示的验证码；返回一次性恢复码（仅显示这一次）。登录时被要求绑定的，确认后即完成登录',
        body: z.object({ code: z.string().trim().regex(/^\d{6}$/, { message: '请输入 6 位数字验证码' }) }),
        response: { 200: ZRecoveryCodes.extend({ signIn: ZSignInResult.nullable() }), 401: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const { db, sessionPolicy } = app.services;
      const r = await confirmEnrolment(db, authSessionOf(req), req.body.code, { clientIp: req.ip, userAgent: req.headers['user-agent'] ?? null }, sessionPolicy, new Date());
      if (!r.signIn) return { recoveryCodes: r.recoveryCodes, signIn: null };
      return { recoveryCodes: r.recoveryCodes, signIn: await presentSignIn(reply, app, r.signIn) };
    },
  );

  app.post(
    '/api/auth/two-factor/recovery-codes',
    {
      config: { access: 'user' },
      schema: {
        tags: ['账号安全'],
        summary: '重新生成恢复码（旧恢复码全部作废；需先再次验证身份）',
        response: { 200: ZRecoveryCodes, 403: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      requireRecentAuth(req);
      return { recoveryCodes: await regenerateRecoveryCodes(app.services.db, actorOf(ctx), ctx.user.id, ctx.now) };
    },
  );

  app.post(
    '/api/auth/two-factor/disable',
    {
      config: { access: 'user' },
      schema: {
        tags: ['账号安全'],
        summary: '关闭双因素验证（安全策略要求必须启用的账号不能关闭；需先再次验证身份）',
        response: { 200: z.object({ ok: z.literal(true) }), 403: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      requireRecentAuth(req);
      await disableTwoFactor(app.services.db, actorOf(ctx), ctx.user, app.services.sessionPolicy.twoFactor, ctx.now);
      return { ok: true as const };
    },
  );
};
