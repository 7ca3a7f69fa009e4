/**
 * Sign-in (password, then the second factor when needed), sign-out, "who am
 * I", re-authentication before sensitive actions, and the account's own
 * security: password change, open sessions, sign-in history, sign out everywhere.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ZErrorResponse, ctxOf } from '../http/context.ts';
import { AppError } from '../errors.ts';
import type { Db } from '../db/database.ts';
import {
  changePassword,
  completePasswordChange,
  completeSecondFactor,
  forcedChangeMessage,
  listMySessions,
  listMySignInEvents,
  reauthenticate,
  signIn,
  signOut,
  signOutEverywhere,
  type AuthenticatedSession,
  type SessionPolicy,
  type SessionUser,
} from './auth.service.ts';
import { hasTwoFactor, isTwoFactorRequired } from './two-factor.service.ts';
import { listMyMemberships } from '../orgs/user.service.ts';
import { isPlatformAuditor } from '../orgs/platform-auditor.ts';
import { REAUTH_MAX_AGE_MINUTES } from './reauth.ts';
import { ZMe, ZPasswordChangeBody, ZReauthBody, ZSecondFactorCode, ZSession, ZSignInBody, ZSignInEvent, ZSignInResult, type TMe, type TSignInResult } from './auth.schema.ts';
import type { SignInOutcome } from './session.ts';

/** Name of the session cookie over plain HTTP (development, tests). */
export const SESSION_COOKIE = 'yunwei_session';

/**
 * Name of the session cookie over HTTPS (YUNWEI_COOKIE_SECURE=true): the
 * `__Host-` prefix makes the browser refuse it unless it is Secure, has
 * Path=/ and no Domain, so neither a sibling subdomain nor a plain-HTTP page
 * can plant or overwrite it (security.md check 15).
 */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** The session cookie's name for the deployment: `__Host-` prefixed when the cookie is Secure. */
export function sessionCookieName(cookieSecure: boolean): string {
  return cookieSecure ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/** Set the session cookie (httpOnly, SameSite=Strict, Path=/, no Domain; Secure and `__Host-` behind TLS). */
export function setSessionCookie(reply: FastifyReply, token: string, opts: { cookieSecure: boolean; maxSeconds: number }): void {
  reply.setCookie(sessionCookieName(opts.cookieSecure), token, { httpOnly: true, sameSite: 'strict', secure: opts.cookieSecure, path: '/', maxAge: opts.maxSeconds });
}

/** Clear the session cookie (same attributes as when it was set, or the browser keeps a `__Host-` cookie). */
export function clearSessionCookie(reply: FastifyReply, cookieSecure: boolean): void {
  reply.clearCookie(sessionCookieName(cookieSecure), { httpOnly: true, sameSite: 'strict', secure: cookieSecure, path: '/' });
}

/** The `me` document of a signed-in user. */
export async function presentMe(db: Db, user: SessionUser, policy: SessionPolicy): Promise<TMe> {
  const [memberships, twoFactorEnabled, twoFactorRequired, platformAuditor] = await Promise.all([
    listMyMemberships(db, user.id, new Date()),
    hasTwoFactor(db, user.id),
    isTwoFactorRequired(db, user, policy.twoFactor),
    isPlatformAuditor(db, user.id),
  ]);
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    organisationName: user.organisationName,
    isPlatformAdmin: user.isPlatformAdmin,
    isPlatformAuditor: platformAuditor,
    lastSignInAt: user.lastSignInAt?.toISOString() ?? null,
    lastSignInIp: user.lastSignInIp,
    twoFactorEnabled,
    twoFactorRequired,
    memberships,
  };
}

/**
 * Answer a sign-in step that passed: set the cookie of the new session and
 * present it (the user for a complete session; for one that must first change
 * its password, a short-lived cookie and the reason).
 */
export async function presentSignIn(reply: FastifyReply, app: FastifyInstance, outcome: SignInOutcome): Promise<TSignInResult> {
  const { db, sessionPolicy, cookieSecure } = app.services;
  if (outcome.stage === 'complete') {
    setSessionCookie(reply, outcome.token, { cookieSecure, maxSeconds: sessionPolicy.maxHours * 3600 });
    return { stage: 'complete' as const, ...(await presentMe(db, outcome.user, sessionPolicy)) };
  }
  setSessionCookie(reply, outcome.token, { cookieSecure, maxSeconds: 15 * 60 });
  return { stage: 'passwordChange' as const, username: outcome.user.username, displayName: outcome.user.displayName, reason: outcome.reason, message: forcedChangeMessage(outcome.reason, sessionPolicy) };
}

/** The session behind the request in any stage (routes with access `signingIn`). */
export function authSessionOf(req: FastifyRequest): AuthenticatedSession {
  if (!req.authSession) throw new AppError('UNAUTHENTICATED', '未登录或登录已过期，请重新登录');
  return req.authSession;
}

/** Per (address, username or session) limit for the sign-in steps. */
function signInRateLimit(max: () => number) {
  return {
    max,
    timeWindow: '1 minute',
    keyGenerator: (req: FastifyRequest) => {
      const body = req.body as { username?: unknown } | undefined;
      return `${req.ip}|${typeof body?.username === 'string' ? body.username.toLowerCase() : (req.authSession?.user.id ?? '')}`;
    },
  };
}

/** Authentication routes. */
export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  const cookieOpts = () => ({ cookieSecure: app.services.cookieSecure, maxSeconds: app.services.sessionPolicy.maxHours * 3600 });

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public', rateLimit: signInRateLimit(() => app.services.signInPerMinute) },
      schema: {
        tags: ['登录'],
        summary: '用户名密码登录（第一步）；需要双因素验证时返回 stage=secondFactor 或 enrolment',
        security: [],
        body: ZSignInBody,
        response: { 200: ZSignInResult, 401: ZErrorResponse, 403: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const { db, sessionPolicy } = app.services;
      const r = await signIn(db, { username: req.body.username, password: req.body.password, clientIp: req.ip, userAgent: req.headers['user-agent'] ?? null }, sessionPolicy, new Date());
      if (r.stage === 'complete') {
        setSessionCookie(reply, r.token, cookieOpts());
        return { stage: 'complete' as const, ...(await presentMe(db, r.user, sessionPolicy)) };
      }
      if (r.stage === 'passwordChange') return presentSignIn(reply, app, { stage: 'passwordChange', token: r.token, user: r.user, reason: r.passwordChangeReason ?? 'expired' });
      // a short-lived cookie for the second step only
      setSessionCookie(reply, r.token, { ...cookieOpts(), maxSeconds: 15 * 60 });
      return { stage: r.stage, username: r.user.username, displayName: r.user.displayName };
    },
  );

  app.post(
    '/api/auth/login/second-factor',
    {
      config: { access: 'signingIn', rateLimit: signInRateLimit(() => app.services.signInPerMinute) },
      schema: {
        tags: ['登录'],
        summary: '登录第二步：输入验证器中的动态验证码或一个恢复码',
        body: z.object({ code: ZSecondFactorCode }),
        response: { 200: ZSignInResult, 401: ZErrorResponse, 403: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const { db, sessionPolicy } = app.services;
      const r = await completeSecondFactor(db, authSessionOf(req), req.body.code, { clientIp: req.ip, userAgent: req.headers['user-agent'] ?? null }, sessionPolicy, new Date());
      return presentSignIn(reply, app, r);
    },
  );

  app.post(
    '/api/auth/login/password-change',
    {
      config: { access: 'signingIn', rateLimit: signInRateLimit(() => app.services.signInPerMinute) },
      schema: {
        tags: ['登录'],
        summary: '登录时强制修改密码（初始密码或密码已过期）：再次输入当前密码并设置新密码，完成登录；其他设备上的登录随之失效',
        body: ZPasswordChangeBody,
        response: { 200: ZSignInResult, 400: ZErrorResponse, 401: ZErrorResponse, 403: ZErrorResponse, 409: ZErrorResponse },
      },
    },
    async (req, reply) => {
      const { db, sessionPolicy } = app.services;
      const r = await completePasswordChange(db, authSessionOf(req), req.body, { clientIp: req.ip, userAgent: req.headers['user-agent'] ?? null }, sessionPolicy, new Date());
      return presentSignIn(reply, app, { stage: 'complete', ...r });
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { access: 'signingIn' },
      schema: { tags: ['登录'], summary: '退出登录（也可放弃未完成的登录）', response: { 200: z.object({ ok: z.literal(true) }) } },
    },
    async (req, reply) => {
      await signOut(app.services.db, authSessionOf(req).user, req.ip, new Date());
      clearSessionCookie(reply, app.services.cookieSecure);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { access: 'user' },
      schema: { tags: ['登录'], summary: '当前用户及其在各合同中的角色', response: { 200: ZMe, 401: ZErrorResponse } },
    },
    async (req) => presentMe(app.services.db, ctxOf(req).user, app.services.sessionPolicy),
  );

  app.post(
    '/api/auth/reauth',
    {
      config: { access: 'user', rateLimit: signInRateLimit(() => app.services.signInPerMinute) },
      schema: {
        tags: ['登录'],
        summary: `再次验证身份（密码；已启用双因素验证的还需动态验证码或恢复码），此后 ${REAUTH_MAX_AGE_MINUTES} 分钟内可执行敏感操作`,
        body: ZReauthBody,
        response: { 200: z.object({ reauthenticatedAt: z.string(), validMinutes: z.number() }), 401: ZErrorResponse, 403: ZErrorResponse },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      const at = await reauthenticate(app.services.db, ctx.user, req.body, ctx.clientIp, app.services.sessionPolicy, ctx.now);
      return { reauthenticatedAt: at.toISOString(), validMinutes: REAUTH_MAX_AGE_MINUTES };
    },
  );

  app.post(
    '/api/auth/password',
    {
      config: { access: 'user', rateLimit: signInRateLimit(() => app.services.signInPerMinute) },
      schema: {
        tags: ['账号安全'],
        summary: '修改密码（需当前密码）；其他设备上的登录随之失效',
        body: ZPasswordChangeBody,
        response: { 200: z.object({ otherSessionsEnded: z.number() }), 400: ZErrorResponse, 401: ZErrorResponse, 403: ZErrorResponse },
      },
    },
    async (req) => {
      const ctx = ctxOf(req);
      return changePassword(app.services.db, ctx.user, req.body, ctx.clientIp, app.services.sessionPolicy, ctx.now);
    },
  );

  app.get(
    '/api/auth/sessions',
    {
      config: { access: 'user' },
      schema: { tags: ['账号安全'], summary: '我当前有效的登录会话', response: { 200: z.array(ZSession) } },
    },
    async (req) => {
      const ctx = ctxOf(req);
      return listMySessions(app.services.db, ctx.user, ctx.now);
    },
  );

  app.post(
    '/api/auth/sign-out-everywhere',
    {
      config: { access: 'user' },
      schema: { tags: ['账号安全'], summary: '退出所有设备（含当前设备）上的登录', response: { 200: z.object({ sessionsEnded: z.number() }) } },
    },
    async (req, reply) => {
      const ctx = ctxOf(req);
      const sessionsEnded = await signOutEverywhere(app.services.db, ctx.user, ctx.clientIp, ctx.now);
      clearSessionCookie(reply, app.services.cookieSecure);
      return { sessionsEnded };
    },
  );

  app.get(
    '/api/auth/sign-ins',
    {
      config: { access: 'user' },
      schema: {
        tags: ['账号安全'],
        summary: '我最近的登录记录（成功、失败、锁定），来自审计日志',
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
        response: { 200: z.array(ZSignInEvent) },
      },
    },
    async (req) => listMySignInEvents(app.services.db, ctxOf(req).user.id, req.query.limit),
  );
};
