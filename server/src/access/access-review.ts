/**
 * Pure rules of the periodic permission review (定期检查权限, civil-affairs
 * contract L171): when the next review is due, and a stable hash of the grant
 * list that was reviewed.
 */
import { canonicalJson } from '../shared/canonical-json.ts';
import { sm3Hex } from '../shared/crypto.ts';
import { DEFAULT_CLEARANCE } from '../labels/security-label.ts';

/** Review frequencies a contract may set. */
export type ReviewFrequency = 'monthly' | 'quarterly' | 'halfYearly' | 'yearly';

/** The default when the contract only says "regularly" (定期): every quarter. */
export const DEFAULT_REVIEW_FREQUENCY: ReviewFrequency = 'quarterly';

/** Months per frequency. */
export const REVIEW_MONTHS: Readonly<Record<ReviewFrequency, number>> = Object.freeze({ monthly: 1, quarterly: 3, halfYearly: 6, yearly: 12 });

/** Chinese names of the frequencies. */
export const REVIEW_FREQUENCY_NAMES: Readonly<Record<ReviewFrequency, string>> = Object.freeze({ monthly: '每月', quarterly: '每季度', halfYearly: '每半年', yearly: '每年' });

/** `date` plus `months`, clamped to the last day of the target month (2023-01-31 + 1 → 2023-02-28). */
export function addMonthsClamped(date: string, months: number): string {
  const [y = 0, m = 1, d = 1] = date.split('-').map(Number);
  const total = y * 12 + (m - 1) + months;
  const ty = Math.floor(total / 12);
  const tm = (total % 12) + 1;
  const lastDay = new Date(Date.UTC(ty, tm, 0)).getUTCDate();
  const td = Math.min(d, lastDay);
  return `${String(ty).padStart(4, '0')}-${String(tm).padStart(2, '0')}-${String(td).padStart(2, '0')}`;
}

/**
 * The date the next review is due: one period after the last review, or one
 * period after the contract's start when nobody has reviewed yet.
 */
export function nextAccessReviewDue(input: { lastReviewedOn: string | null; periodStart: string; frequency: ReviewFrequency }): string {
  return addMonthsClamped(input.lastReviewedOn ?? input.periodStart, REVIEW_MONTHS[input.frequency]);
}

/** One grant as it enters the reviewed snapshot. */
export interface SnapshotGrant {
  id: string;
  userId: string;
  role: string;
  district: string | null;
  street: string | null;
  /** The grant's clearance; part of the snapshot only when it is not the default (内部), so hashes of lists reviewed before clearances existed stay valid. */
  clearance?: string | undefined;
}

/** The canonical snapshot (sorted by grant id) and its SM3 hash. */
export function grantSnapshot(grants: readonly SnapshotGrant[]): { hash: string; snapshot: SnapshotGrant[] } {
  const snapshot = [...grants]
    .map((g) => ({ id: g.id, userId: g.userId, role: g.role, district: g.district, street: g.street, ...(g.clearance && g.clearance !== DEFAULT_CLEARANCE ? { clearance: g.clearance } : {}) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { hash: sm3Hex(canonicalJson(snapshot)), snapshot };
}
