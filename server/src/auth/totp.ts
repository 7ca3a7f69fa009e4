/**
 * TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, the form every
 * authenticator app reads) and recovery codes. Pure functions with `now`
 * passed in, plus the one place where a secret is sealed for storage.
 *
 * A code is accepted for the current step or one step either side (clock
 * drift), and only for a step later than the last one accepted: each code
 * works once.
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';
import { sm3Hex } from '../shared/crypto.ts';
import { decryptField, encryptField, type KeyRing } from '../privacy/field-crypto.ts';
import { keyRing } from '../privacy/pii-vault.ts';

/** Seconds per step. */
export const TOTP_PERIOD = 30;
/** Digits per code. */
export const TOTP_DIGITS = 6;
/** Steps accepted on either side of the current one. */
export const TOTP_WINDOW = 1;
/** Recovery codes issued at a time. */
export const RECOVERY_CODE_COUNT = 10;
/** Name shown in authenticator apps. */
export const TOTP_ISSUER = 'Yunwei 运维平台';

// No 0/o, 1/l/i: codes are read off paper.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A fresh random secret (160 bits), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app imports (shown as a QR code). */
export function totpUri(secret: string, username: string): string {
  return new TOTP({ issuer: TOTP_ISSUER, label: username, secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD }).toString();
}

/** The 30-second step `now` falls in. */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD);
}

/** The code of a step (tests, the demo helper). */
export function totpCodeAt(secret: string, step: number): string {
  return HOTP.generate({ secret: Secret.fromBase32(secret), counter: step, digits: TOTP_DIGITS, algorithm: 'SHA1' });
}

/** The current code (tests, the demo helper). */
export function totpCode(secret: string, now: Date): string {
  return totpCodeAt(secret, totpStep(now));
}

/** Whether `code` looks like a TOTP code (six digits) rather than a recovery code. */
export function isTotpCode(code: string): boolean {
  return /^\d{6}$/.test(code.replace(/\s/g, ''));
}

/**
 * The step `code` belongs to, if it is valid at `now` and later than
 * `lastUsedStep`; null otherwise (wrong, expired or already used).
 */
export function matchTotp(secret: string, code: string, now: Date, lastUsedStep: number | null): number | null {
  const given = Buffer.from(code.replace(/\s/g, ''));
  if (given.length !== TOTP_DIGITS) return null;
  const current = totpStep(now);
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    if (lastUsedStep !== null && step <= lastUsedStep) continue;
    const expected = Buffer.from(totpCodeAt(secret, step));
    if (timingSafeEqual(given, expected)) return step;
  }
  return null;
}

/** Whether `code` is right for some step of the window that was already used (a replay, reported as such). */
export function isReplayedTotp(secret: string, code: string, now: Date, lastUsedStep: number | null): boolean {
  if (lastUsedStep === null) return false;
  const given = code.replace(/\s/g, '');
  const current = totpStep(now);
  for (let step = current - TOTP_WINDOW; step <= Math.min(current + TOTP_WINDOW, lastUsedStep); step++) {
    if (totpCodeAt(secret, step) === given) return true;
  }
  return false;
}

/** Fresh recovery codes, `xxxx-xxxx-xxxx` (12 characters from 31, about 59 bits each). */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const chars = Array.from({ length: 12 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)] ?? 'a').join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8)}`;
  });
}

/** Lower case, no spaces or dashes. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/** What is stored for a recovery code: SM3 over the user id and the normalised code. */
export function recoveryCodeHash(userId: string, code: string): string {
  return sm3Hex(`yunwei-recovery:${userId}:${normaliseRecoveryCode(code)}`);
}

/**
 * Seal a TOTP secret for the `user_totp.secret` column: an SM4 envelope
 * (privacy/field-crypto.ts) under the data key held outside the database,
 * bound to the user, so a database dump alone yields no working secret.
 */
export function sealTotpSecret(userId: string, secret: string): string {
  return encryptField(keyRing(), secret, `user_totp:${userId}`);
}

/** Open a sealed TOTP secret (see {@link sealTotpSecret}). */
export function openTotpSecret(userId: string, stored: string): string {
  return decryptField(keyRing(), stored, `user_totp:${userId}`);
}

/** Re-seal a stored TOTP secret under `ring`'s active key (data-key rotation). */
export function resealTotpSecret(userId: string, stored: string, ring: KeyRing): string {
  const context = `user_totp:${userId}`;
  return encryptField(ring, decryptField(ring, stored, context), context);
}
