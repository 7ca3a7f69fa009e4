/**
 * Roles are scoped to a contract (a user may hold several roles in several
 * contracts). Platform administration (importing contracts, creating users)
 * is a separate flag on the user, not a contract role.
 */

/** Every contract role, with its side and Chinese label. */
export const ROLES = {
  agencyAdmin: { side: 'agency', label: '甲方系统管理员' },
  agencyProjectLead: { side: 'agency', label: '甲方项目负责人' },
  agencyLeader: { side: 'agency', label: '甲方领导' },
  agencyReviewer: { side: 'agency', label: '甲方审核/考核人' },
  auditor: { side: 'agency', label: '审计员' },
  vendorProjectManager: { side: 'vendor', label: '乙方项目经理' },
  vendorTeamLead: { side: 'vendor', label: '乙方组长' },
  deskAgent: { side: 'vendor', label: '服务台/热线坐席' },
  engineer: { side: 'vendor', label: '二线工程师' },
  onsiteEngineer: { side: 'vendor', label: '驻场/现场工程师' },
  readOnly: { side: 'either', label: '只读用户' },
} as const;

/** A contract role. */
export type Role = keyof typeof ROLES;

/** All role keys, in display order. */
export const ROLE_KEYS = Object.keys(ROLES) as Role[];

/** Whether `value` is a known role. */
export function isRole(value: string): value is Role {
  return Object.hasOwn(ROLES, value);
}

/**
 * Roles that may read the audit trail of a contract: the auditor only.
 * 三权分立 (security.md check 7): the contract's system administrator
 * (agencyAdmin) grants roles but does not read the trail that records them;
 * the two roles never go to one person (ROLE_CONFLICT).
 */
export const AUDIT_READERS: readonly Role[] = ['auditor'];

/** Who may see the permission list and record a review: the agency administrator and the auditor. */
export const ACCESS_REVIEWERS: readonly Role[] = ['agencyAdmin', 'auditor'];

/** Roles that may manage memberships of a contract. */
export const MEMBERSHIP_MANAGERS: readonly Role[] = ['agencyAdmin'];

/**
 * Roles that may change the security label of an incident or work order
 * (security.md check 8): the agency's administrator and project lead, the
 * owners of the data; never vendor roles. Each change is audited.
 */
export const LABEL_SETTERS: readonly Role[] = ['agencyAdmin', 'agencyProjectLead'];

/** Roles that may import a new version of an existing contract. */
export const CONTRACT_EDITORS: readonly Role[] = ['agencyAdmin'];

/** Contract roles that must sign in with a second factor under the "privileged" policy (besides platform administrators). */
export const TWO_FACTOR_ROLES: readonly Role[] = ['agencyAdmin', 'auditor'];
