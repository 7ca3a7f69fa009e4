/**
 * Types of the sign-in and account-security endpoints, derived from the
 * generated `paths` (nothing written by hand).
 */
import type { paths } from '../api/schema';

type Json200<Op> = Op extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;

/** `POST /api/auth/login` and the second step: signed in, or the next step to take. */
export type SignInResult = Json200<paths['/api/auth/login']['post']>;
/** A new TOTP secret and its otpauth:// URI. */
export type TotpEnrolment = Json200<paths['/api/auth/two-factor/enrol']['post']>;
/** Recovery codes (and, for a forced enrolment, the completed sign-in). */
export type TotpConfirmation = Json200<paths['/api/auth/two-factor/confirm']['post']>;
/** The caller's two-factor state. */
export type TwoFactorStatus = Json200<paths['/api/auth/two-factor']['get']>;
/** One open session. */
export type AccountSession = Json200<paths['/api/auth/sessions']['get']>[number];
/** One sign-in event. */
export type SignInEvent = Json200<paths['/api/auth/sign-ins']['get']>[number];
