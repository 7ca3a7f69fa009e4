/**
 * Password hashing with argon2id (@node-rs/argon2, prebuilt, maintained) and the password policy.
 */
import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../errors.ts';

/** Hash a password with argon2id (library defaults: m=19 MiB, t=2, p=1, per OWASP). */
export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/** Verify a password against an argon2 hash; false on any mismatch or malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** Minimum password length. */
export const PASSWORD_MIN_LENGTH = 12;

/**
 * Enforce the password policy: at least 12 characters and at least three of
 * lower case, upper case, digits and symbols. Throws PASSWORD_POLICY.
 */
export function assertPasswordPolicy(password: string): void {
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (password.length < PASSWORD_MIN_LENGTH || classes < 3) {
    throw new AppError('PASSWORD_POLICY', `密码至少 ${PASSWORD_MIN_LENGTH} 位，且须包含大写字母、小写字母、数字、符号中的至少三类`);
  }
}
