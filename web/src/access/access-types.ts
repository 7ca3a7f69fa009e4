/**
 * Types of the permission review endpoints, derived from the generated `paths`.
 */
import type { paths } from '../api/schema';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** `GET /api/contracts/{contractId}/access-review`. */
export type AccessReview = Json<paths['/api/contracts/{contractId}/access-review']['get']['responses'][200]>;
/** One active grant. */
export type GrantRow = AccessReview['grants'][number];
/** One recorded review. */
export type ReviewRecord = AccessReview['reviews'][number];
/** A district with its streets. */
export type ScopeArea = AccessReview['areas'][number];
/** `GET /api/contracts/{contractId}/grant-candidates`. */
export type GrantCandidate = Json<paths['/api/contracts/{contractId}/grant-candidates']['get']['responses'][200]>[number];

/** Roles that may open the permission review (the server decides; this only hides the link). */
export const ACCESS_REVIEWER_ROLES: readonly string[] = ['agencyAdmin', 'auditor'];
