/**
 * Role helpers for showing or hiding navigation. The server enforces access;
 * these only avoid offering what the user cannot open.
 */
import type { Me, Membership, Role } from '../api/types';

/** Roles that may read a contract's audit log (the auditor only: 三权分立). */
export const AUDIT_READER_ROLES: readonly Role[] = ['auditor'];

/** Display order of roles, agency first. */
export const ROLE_ORDER: readonly Role[] = [
  'agencyAdmin',
  'agencyProjectLead',
  'agencyLeader',
  'agencyReviewer',
  'auditor',
  'vendorProjectManager',
  'vendorTeamLead',
  'deskAgent',
  'engineer',
  'onsiteEngineer',
  'readOnly',
];

/** Whether the user may open the audit page at all: auditors and the platform security auditor, never the platform administrator (三权分立). */
export function canReadAudit(me: Me): boolean {
  if (me.isPlatformAuditor) return true;
  return !me.isPlatformAdmin && me.memberships.some((m) => AUDIT_READER_ROLES.includes(m.role));
}

/** Whether the user may verify the audit chain (auditors not limited to a district, and the platform security auditor). */
export function canVerifyAudit(me: Me): boolean {
  if (me.isPlatformAuditor) return true;
  return !me.isPlatformAdmin && me.memberships.some((m) => m.role === 'auditor' && m.scope === null);
}

/** One entry per contract among the memberships, in first-seen order. */
export function contractsOf(memberships: readonly Membership[]): { contractId: string; contractCode: string; contractName: string }[] {
  const seen = new Map<string, { contractId: string; contractCode: string; contractName: string }>();
  for (const m of memberships) {
    if (!seen.has(m.contractId)) seen.set(m.contractId, { contractId: m.contractId, contractCode: m.contractCode, contractName: m.contractName });
  }
  return [...seen.values()];
}

/** Sorts roles by `ROLE_ORDER`. */
export function sortRoles(roles: readonly Role[]): Role[] {
  return [...new Set(roles)].sort((a, b) => ROLE_ORDER.indexOf(a) - ROLE_ORDER.indexOf(b));
}
