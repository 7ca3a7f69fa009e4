/**
 * The 等保 (MLPS 2.0) password profile beyond length and character classes
 * (security.md check 13):
 *
 * - no common password: the 10,000 most common passwords of the ranked list
 *   that @zxcvbn-ts/language-common ships (MIT, bundled with the package; no
 *   download at run time), compared without case, and also after stripping
 *   leading and trailing digits and symbols and undoing common character
 *   substitutions (`P@ssw0rd2026!` → `password`);
 * - no reuse of one of the last {@link PASSWORD_HISTORY_DEPTH} passwords;
 * - a forced change at sign-in when the password is older than
 *   YUNWEI_PASSWORD_MAX_AGE_DAYS, or was set by an administrator (an initial
 *   password). Demo accounts are exempt.
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import { AppError } from '../errors.ts';

/** Default maximum age of a password, in days (YUNWEI_PASSWORD_MAX_AGE_DAYS). */
export const DEFAULT_PASSWORD_MAX_AGE_DAYS = 90;

/** A new password may not repeat the current one or the ones before it, this many in all. */
export const PASSWORD_HISTORY_DEPTH = 5;

/** How many of the ranked common passwords are refused. */
export const COMMON_PASSWORD_COUNT = 10_000;

let common: ReadonlySet<string> | null = null;

/** The refused list: the first {@link COMMON_PASSWORD_COUNT} of the ranked list, lower case. */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary['passwords-common'].slice(0, COMMON_PASSWORD_COUNT).map((p) => p.toLowerCase()));
  return common;
}

const SUBSTITUTIONS: Readonly<Record<string, string>> = { '@': 'a', '4': 'a', '0': 'o', '3': 'e', '1': 'i', '!': 'i', $: 's', '5': 's', '7': 't' };

/**
 * The forms of a password compared with the list: itself (lower case), its
 * core without leading and trailing digits and symbols, and that core with
 * common substitutions undone. Pure.
 */
export function passwordVariants(password: string): string[] {
  const lower = password.toLowerCase();
  const core = lower.replace(/^[^a-z]+/, '').replace(/[^a-z]+$/, '');
  const variants = new Set([lower]);
  if (core.length >= 4) {
    variants.add(core);
    // substitutions inside the core (p@ssw0rd), and on the whole (for cores the stripping cut short)
    variants.add(core.replace(/[@40315$!7]/g, (ch) => SUBSTITUTIONS[ch] ?? ch));
  }
  const unleet = lower.replace(/[@40315$!7]/g, (ch) => SUBSTITUTIONS[ch] ?? ch).replace(/^[^a-z]+/, '').replace(/[^a-z]+$/, '');
  if (unleet.length >= 4) variants.add(unleet);
  return [...variants];
}

/** Whether a password is, or is a trivial variant of, one of the 10,000 most common passwords. */
export function isCommonPassword(password: string): boolean {
  const list = commonPasswords();
  return passwordVariants(password).some((v) => list.has(v));
}

/** Throw PASSWORD_POLICY when the password is a common one. */
export function assertNotCommonPassword(password: string): void {
  if (isCommonPassword(password)) {
    throw new AppError('PASSWORD_POLICY', '该密码属于最常见的一万个密码（或其简单变形，如大小写、首尾加数字或符号、@ 代 a、0 代 o），极易被猜中，请换一个');
  }
}

/** Why a password must be changed before the user may go on; null when it need not. */
export type PasswordChangeReason = 'initial' | 'expired';

/**
 * Whether the user must change their password at this sign-in (pure): an
 * initial password set by an administrator, or a password older than
 * `maxAgeDays`. Demo accounts never must.
 */
export function passwordChangeReason(user: { mustChangePassword: boolean; passwordChangedAt: Date; demoAccount: boolean }, maxAgeDays: number, now: Date): PasswordChangeReason | null {
  if (user.demoAccount) return null;
  if (user.mustChangePassword) return 'initial';
  if (now.getTime() - user.passwordChangedAt.getTime() >= maxAgeDays * 86_400_000) return 'expired';
  return null;
}

/** The Chinese explanation shown at the forced change step. */
export function passwordChangeMessage(reason: PasswordChangeReason, maxAgeDays: number): string {
  switch (reason) {
    case 'initial':
      return '您正在使用管理员设置的初始密码，请先修改密码后再使用系统';
    case 'expired':
      return `您的密码已使用超过 ${maxAgeDays} 天，按安全策略须修改密码后才能继续使用系统`;
  }
}
