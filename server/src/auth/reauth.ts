/**
 * Step-up guard for sensitive actions (revealing personal data, approving a
 * data work order, exporting): the session must have confirmed the user's
 * identity (POST /api/auth/reauth) within the last few minutes.
 *
 * Call it in a route handler before the service call:
 *
 *   requireRecentAuth(req);          // 5 minutes
 *   requireRecentAuth(req, 10);
 *
 * The web client answers REAUTH_REQUIRED by asking for the password (and the
 * TOTP code when enrolled), calling /api/auth/reauth, and retrying the request.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

/** Default freshness of a re-authentication, in minutes. */
export const REAUTH_MAX_AGE_MINUTES = 5;

/** The REAUTH_REQUIRED error (for services that check freshness themselves). */
export function reauthRequired(): AppError {
  return new AppError('REAUTH_REQUIRED', '此操作涉及敏感数据，需要再次验证身份：请输入登录密码（已启用双因素验证的还需输入动态验证码）后重试');
}

/**
 * Throws REAUTH_REQUIRED unless the request's session re-authenticated within
 * `maxAgeMinutes`. Also throws UNAUTHENTICATED when there is no signed-in session.
 */
export function requireRecentAuth(request: Pick<FastifyRequest, 'authSession'>, maxAgeMinutes = REAUTH_MAX_AGE_MINUTES, now: Date = new Date()): void {
  const session = request.authSession;
  if (!session || session.stage !== 'complete') throw new AppError('UNAUTHENTICATED', '未登录或登录已过期，请重新登录');
  requireFreshReauth(session.reauthenticatedAt, now, maxAgeMinutes);
}

/**
 * Throws REAUTH_REQUIRED unless `reauthenticatedAt` (the session's last
 * re-authentication) lies within `maxAgeMinutes` before `now`. For services
 * that decide themselves whether an action is sensitive (approving a data
 * work order, the unmasked export).
 */
export function requireFreshReauth(reauthenticatedAt: Date | null, now: Date, maxAgeMinutes = REAUTH_MAX_AGE_MINUTES): void {
  const at = reauthenticatedAt;
  if (!at || now.getTime() - at.getTime() > maxAgeMinutes * 60_000 || at.getTime() > now.getTime() + 60_000) throw reauthRequired();
}

/**
 * What a service needs to know about the caller's step-up: the session's
 * last re-authentication (HTTP requests), or `'inProcess'` for callers that
 * have no session (the demo seed, the CLI, service-level tests).
 */
export type StepUp = { reauthenticatedAt: Date | null } | 'inProcess';

/** The step-up state of an HTTP request's session. */
export function stepUpOf(request: Pick<FastifyRequest, 'authSession'>): StepUp {
  return { reauthenticatedAt: request.authSession?.reauthenticatedAt ?? null };
}
