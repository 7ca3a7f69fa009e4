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
  /** Account disabled. */
  ACCOUNT_DISABLED: 403,
  /** Signed in, but the role does not allow this action. */
  FORBIDDEN: 403,
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
  /** The state machine does not allow this action in the current state. */
  INCIDENT_TRANSITION_FORBIDDEN: 409,
  /** A serious fault's handling needs an agency leader's instruction first. */
  LEADER_APPROVAL_REQUIRED: 409,
  /** A third-party supplier needs the agency's recorded consent first. */
  SUPPLIER_CONSENT_REQUIRED: 409,
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
  /** A sealed personal-data value cannot be opened (changed ciphertext, wrong place or missing key). */
  PII_DECRYPT_FAILED: 500,
  /** Revealing personal data needs a stated reason. */
  PII_REVEAL_REASON_REQUIRED: 400,
  /** Too many reveals of personal data in the last hour. */
  PII_REVEAL_RATE_LIMITED: 429,
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
