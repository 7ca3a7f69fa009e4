/**
 * Typed domain errors with stable codes. Services throw `AppError`; only the
 * HTTP adapter maps `status` to a response `{ error: { code, message } }`.
 * Clients must branch on `code`, never on the (Chinese) message.
 */

/** Every stable error code, with its default HTTP status. */
export const ERROR_CODES = {
  /** Request body, query or params failed validation. */
  VALIDATION_FAILED: 400,
  /** Not signed in, or the session expired. */
  UNAUTHENTICATED: 401,
  /** Wrong username or password. */
  INVALID_CREDENTIALS: 401,
  /** Account disabled. Never answered at the password step, which says INVALID_CREDENTIALS (no enumeration). */
  ACCOUNT_DISABLED: 403,
  /**
   * Too many failed attempts (password or second factor): the account is locked
   * for a while. Answered only once the password was right (second factor,
   * re-authentication, password change); the password step says INVALID_CREDENTIALS.
   */
  ACCOUNT_LOCKED: 403,
  /** The password was right, but the session still needs the second factor (or TOTP enrolment) before anything else works. */
  SECOND_FACTOR_REQUIRED: 401,
  /** Wrong, expired or already used TOTP code or recovery code. */
  SECOND_FACTOR_INVALID: 401,
  /** The two-factor setup is not in a state that allows this (no enrolment started, already enrolled…). */
  TWO_FACTOR_STATE: 409,
  /** The password must be changed (initial password set by an administrator, or older than YUNWEI_PASSWORD_MAX_AGE_DAYS) before anything else. */
  PASSWORD_CHANGE_REQUIRED: 403,
  /** The policy requires two-factor sign-in for this user: it cannot be switched off. */
  TWO_FACTOR_MANDATORY: 409,
  /** A sensitive action needs a fresh confirmation of identity (POST /api/auth/reauth), then a retry. */
  REAUTH_REQUIRED: 403,
  /** Signed in, but the role does not allow this action. */
  FORBIDDEN: 403,
  /** A security label (or a clearance to grant) above the caller's own clearance (security.md check 8). */
  SECURITY_LABEL_ABOVE_CLEARANCE: 403,
  /** The resource does not exist or is outside the caller's scope. */
  NOT_FOUND: 404,
  /** The contract does not exist or the caller is not a member. */
  CONTRACT_NOT_FOUND: 404,
  /** A user with this username already exists. */
  USER_EXISTS: 409,
  /** The contract definition is invalid; details list every issue. */
  CONTRACT_DEFINITION_INVALID: 400,
  /** The imported version is identical to the current one. */
  CONTRACT_VERSION_UNCHANGED: 409,
  /** A party in the definition conflicts with an existing organisation. */
  CONTRACT_PARTY_CONFLICT: 409,
  /** The role is not one of the known roles. */
  ROLE_UNKNOWN: 400,
  /** Password does not meet the policy. */
  PASSWORD_POLICY: 400,
  /** The record was changed by someone else; reload and retry. */
  VERSION_CONFLICT: 409,
  /** The incident does not exist or is outside the caller's scope. */
  INCIDENT_NOT_FOUND: 404,
  /**
   * The state machine does not allow this action in the current state (a
   * skipped or forbidden transition, security.md check 39): 422, unlike a
   * concurrent change (VERSION_CONFLICT, 409).
   */
  INCIDENT_TRANSITION_FORBIDDEN: 422,
  /** A serious fault's handling needs an agency leader's instruction first (a skipped step: 422, check 39). */
  LEADER_APPROVAL_REQUIRED: 422,
  /** A third-party supplier needs the agency's recorded consent first (a skipped step: 422, check 39). */
  SUPPLIER_CONSENT_REQUIRED: 422,
  /** The system, level or other reference is not defined by the contract. */
  CONTRACT_REFERENCE_UNKNOWN: 400,
  /** The uploaded file is larger than allowed. */
  ATTACHMENT_TOO_LARGE: 413,
  /** The uploaded file's content is not an allowed type, or does not match its name. */
  ATTACHMENT_TYPE_REFUSED: 415,
  /** The request is not waiting for a decision (already approved, rejected, or decided by this person). */
  APPROVAL_NOT_PENDING: 409,
  /** Nobody approves their own request. */
  SELF_APPROVAL_FORBIDDEN: 403,
  /** The work order does not exist or is outside the caller's scope. */
  WORK_ORDER_NOT_FOUND: 404,
  /** The work order's state machine does not allow this action in the current state (a skipped or forbidden transition: 422, check 39). */
  WORK_ORDER_TRANSITION_FORBIDDEN: 422,
  /** The action lies past the approval gate and the approvals it needs are missing (skipping the approval: 422, check 39). */
  WORK_ORDER_APPROVAL_REQUIRED: 422,
  /** The work order lacks what its kind requires (rollback plan, backup confirmation, legal basis…). */
  WORK_ORDER_INCOMPLETE: 400,
  /** The planned window ends before it starts, or has already ended. */
  WORK_ORDER_WINDOW_INVALID: 400,
  /** Data work outside the approved window: the data-access grant is not (or no longer) in force. */
  DATA_ACCESS_WINDOW_CLOSED: 409,
  /**
   * An export with unmasked personal data was asked for without what allows it:
   * an approved data extraction that names an export scope, its executor, its
   * access window in force, and no export made under it yet.
   */
  UNMASKED_EXPORT_NOT_ALLOWED: 403,
  /** A sealed personal-data value cannot be opened (changed ciphertext, wrong place or missing key). */
  PII_DECRYPT_FAILED: 500,
  /** Revealing personal data needs a stated reason. */
  PII_REVEAL_REASON_REQUIRED: 400,
  /** Too many reveals of personal data in the last hour. */
  PII_REVEAL_RATE_LIMITED: 429,
  /** A vendor person gets system access only once the agency accepted them and their confidentiality agreement is on file. */
  STAFF_NOT_CLEARED: 409,
  /** The roster entry (or replacement request) does not exist or is outside the caller's contracts. */
  STAFF_NOT_FOUND: 404,
  /** The roster entry's status does not allow this action (e.g. accepting someone who left): 422, like the other forbidden transitions. */
  STAFF_TRANSITION_FORBIDDEN: 422,
  /** Separation of duties (三权分立): the role cannot be held together with one the user already holds (auditor and system administrator). */
  ROLE_CONFLICT: 409,
  /** The method is not allowed on this resource (e.g. the audit trail is append-only: no PUT, PATCH or DELETE). */
  METHOD_NOT_ALLOWED: 405,
  /** The district/street scope is not allowed for this role or is not one of the contract's sites. */
  SCOPE_INVALID: 400,
  /** The grant list changed since it was loaded for review; reload and review again. */
  ACCESS_REVIEW_STALE: 409,
  /** The request body has a content type the endpoint does not read (a JSON endpoint sent `text/plain`, say). */
  UNSUPPORTED_MEDIA_TYPE: 415,
  /** The request body is over the limit (1 MB for JSON; contract definitions and file uploads have their own). */
  REQUEST_TOO_LARGE: 413,
  /** An archive (ZIP, or a Word/Excel file, which is a ZIP) unpacks too large, compresses too well, has too many entries or is encrypted. */
  ATTACHMENT_ARCHIVE_REFUSED: 422,
  /** The virus scanner (clamd) found malicious content in the upload; nothing was stored. */
  ATTACHMENT_MALWARE_FOUND: 422,
  /** The virus scanner is configured but could not be reached or did not answer: uploads are refused (fail closed). */
  MALWARE_SCAN_UNAVAILABLE: 503,
  /** The user reached the daily limit of bulk exports (YUNWEI_EXPORT_DAILY_LIMIT); the auditors were alerted. */
  EXPORT_LIMIT_EXCEEDED: 429,
  /** Anything unexpected. */
  INTERNAL: 500,
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** A domain error: stable code, Chinese message, optional structured details. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_CODES[code];
  }
}

/** Shorthand for the out-of-scope / missing contract error. */
export function contractNotFound(): AppError {
  return new AppError('CONTRACT_NOT_FOUND', '合同不存在，或您没有访问该合同的权限');
}
