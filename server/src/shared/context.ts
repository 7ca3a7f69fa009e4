/**
 * The context a use case runs in: who is acting, from where, and when.
 * `now` is passed in so services never read the clock themselves.
 */
import type { SessionUser } from '../auth/auth.service.ts';

/** Caller context for a use case. */
export interface Ctx {
  user: SessionUser;
  clientIp: string | null;
  now: Date;
}
