/**
 * Request-level helpers shared by route modules: the access declaration each
 * route must make, and the per-request use-case context.
 */
import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { AuthenticatedSession, SessionUser } from '../auth/auth.service.ts';
import type { Ctx } from '../shared/context.ts';

/**
 * Who may call a route. Every route states one:
 * - `public`: anyone (health, sign-in, the OpenAPI document);
 * - `user`: any signed-in user (contract-level roles are then checked by the service);
 * - `platformAdmin`: platform administrators only;
 * - `signingIn`: any session, also one that still waits for its second factor or
 *   TOTP enrolment (only the sign-in steps declare it).
 */
export type Access = 'public' | 'user' | 'platformAdmin' | 'signingIn';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** The signed-in user of a complete session; null otherwise. */
    sessionUser: SessionUser | null;
    /** The session behind the cookie, in any stage (sign-in steps, re-authentication guard). */
    authSession: AuthenticatedSession | null;
  }
}

/** The use-case context of an authenticated request; `now` is read once, here. */
export function ctxOf(req: FastifyRequest): Ctx {
  if (!req.sessionUser) throw new AppError('UNAUTHENTICATED', '请先登录');
  return { user: req.sessionUser, clientIp: req.ip, now: new Date() };
}

/** Standard error response schema, `{ error: { code, message, details? } }`. */
export { ZErrorResponse } from './error-schema.ts';
