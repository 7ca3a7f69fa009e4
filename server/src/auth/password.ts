/**
 * Password storage (security.md check 14) and the password policy.
 *
 * New hashes are PBKDF2-HMAC-SM3 (Node's built-in `crypto.pbkdf2` with the
 * `sm3` digest; the asynchronous call runs on libuv's thread pool, off the
 * event loop), stored as
 *
 *     pbkdf2-sm3$<iterations>$<salt: 16 bytes, lowercase hex>$<hash: 32 bytes, lowercase hex>
 *
 * and compared with `crypto.timingSafeEqual`. Hashes made before the switch
 * are argon2id (`$argon2id$…`, @node-rs/argon2); they keep verifying, and the
 * sign-in replaces them ({@link needsRehash}).
 */
import { pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { verify as verifyArgon2 } from '@node-rs/argon2';
import { AppError } from '../errors.ts';

const pbkdf2Async = promisify(pbkdf2);

/** The scheme tag that starts every PBKDF2-HMAC-SM3 hash. */
export const PASSWORD_HASH_SCHEME = 'pbkdf2-sm3';

/**
 * PBKDF2 iterations for new hashes: the bar's minimum (security.md §2.4,
 * check 14). One hash takes about 36 ms on the 2-core machine when idle and
 * about 80 ms under load. Raising it is safe at any time: stored hashes keep
 * their own count and are re-hashed at the next sign-in.
 */
export const PBKDF2_ITERATIONS = 100_000;

/** Stored hashes with fewer iterations than this are refused (never weakened by an edited row). */
export const PBKDF2_MIN_ITERATIONS = 100_000;

/** Salt length in bytes. */
export const PBKDF2_SALT_BYTES = 16;

/** Derived hash length in bytes. */
export const PBKDF2_HASH_BYTES = 32;

const STORED_PATTERN = /^pbkdf2-sm3\$([1-9]\d{0,8})\$([0-9a-f]{32})\$([0-9a-f]{64})$/;

/** Hash a password with PBKDF2-HMAC-SM3, a fresh random salt and {@link PBKDF2_ITERATIONS}. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(PBKDF2_SALT_BYTES);
  const derived = await pbkdf2Async(password, salt, PBKDF2_ITERATIONS, PBKDF2_HASH_BYTES, 'sm3');
  return `${PASSWORD_HASH_SCHEME}$${PBKDF2_ITERATIONS}$${salt.toString('hex')}$${derived.toString('hex')}`;
}

/**
 * Verify a password against a stored hash of either scheme (PBKDF2-HMAC-SM3,
 * or a legacy argon2id hash); false on any mismatch or on a malformed hash,
 * or one with fewer than {@link PBKDF2_MIN_ITERATIONS} iterations.
 */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  if (passwordHash.startsWith('$argon2')) {
    try {
      return await verifyArgon2(passwordHash, password);
    } catch {
      return false;
    }
  }
  const m = STORED_PATTERN.exec(passwordHash);
  if (!m) return false;
  const iterations = Number(m[1]);
  if (iterations < PBKDF2_MIN_ITERATIONS) return false;
  const expected = Buffer.from(m[3] ?? '', 'hex');
  const derived = await pbkdf2Async(password, Buffer.from(m[2] ?? '', 'hex'), iterations, PBKDF2_HASH_BYTES, 'sm3');
  return timingSafeEqual(derived, expected);
}

/**
 * Whether a stored hash should be replaced after a successful verification:
 * anything that is not PBKDF2-HMAC-SM3 with at least the current iteration count.
 */
export function needsRehash(passwordHash: string): boolean {
  const m = STORED_PATTERN.exec(passwordHash);
  return !m || Number(m[1]) < PBKDF2_ITERATIONS;
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
