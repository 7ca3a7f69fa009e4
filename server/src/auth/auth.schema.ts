/**
 * Request and response schemas of the sign-in, account and two-factor routes.
 */
import { z } from 'zod';
import { ROLE_KEYS } from './roles.ts';

/** The signed-in user. */
export const ZMe = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  organisationName: z.string().nullable(),
  isPlatformAdmin: z.boolean(),
  isPlatformAuditor: z.boolean().describe('平台安全审计员：查看并校验全平台审计日志'),
  lastSignInAt: z.string().nullable().describe('上一次登录时间'),
  lastSignInIp: z.string().nullable(),
  twoFactorEnabled: z.boolean().describe('已启用双因素验证（TOTP）'),
  twoFactorRequired: z.boolean().describe('按安全策略必须启用双因素验证'),
  memberships: z.array(
    z.object({
      contractId: z.string(),
      contractCode: z.string(),
      contractName: z.string(),
      role: z.enum(ROLE_KEYS),
      scope: z.object({ district: z.string(), street: z.string().nullable() }).nullable().describe('该授权限定的区、街道；null 为整个合同'),
    }),
  ),
});

/** The signed-in user (TypeScript). */
export type TMe = z.infer<typeof ZMe>;

/**
 * Outcome of a sign-in step: signed in (`complete`, with the user), or the
 * password was right and the session now waits for the TOTP code
 * (`secondFactor`) or for TOTP enrolment (`enrolment`, required by policy),
 * or for the forced password change (`passwordChange`: an initial password set
 * by an administrator, or one older than the policy allows).
 */
export const ZSignInResult = z.discriminatedUnion('stage', [
  ZMe.extend({ stage: z.literal('complete') }),
  z.object({ stage: z.literal('secondFactor'), username: z.string(), displayName: z.string() }),
  z.object({ stage: z.literal('enrolment'), username: z.string(), displayName: z.string() }),
  z.object({
    stage: z.literal('passwordChange'),
    username: z.string(),
    displayName: z.string(),
    reason: z.enum(['initial', 'expired']).describe('initial：管理员设置的初始密码；expired：密码已超过有效期'),
    message: z.string().describe('须修改密码的原因（中文）'),
  }),
]);

/** Outcome of a sign-in step (TypeScript). */
export type TSignInResult = z.infer<typeof ZSignInResult>;

/** Sign-in body. */
export const ZSignInBody = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) });

/** A TOTP code (6 digits) or a recovery code (xxxx-xxxx-xxxx). */
export const ZSecondFactorCode = z.string().trim().min(6).max(20).describe('验证器中的 6 位动态验证码，或一个恢复码');

/** Re-authentication body. */
export const ZReauthBody = z.object({ password: z.string().min(1).max(200), code: ZSecondFactorCode.optional() });

/** Password change body. */
export const ZPasswordChangeBody = z.object({ currentPassword: z.string().min(1).max(200), newPassword: z.string().min(1).max(200) });

/** One open session. */
export const ZSession = z.object({
  id: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  clientIp: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});

/** One sign-in event. */
export const ZSignInEvent = z.object({ seq: z.string(), occurredAt: z.string(), action: z.string(), clientIp: z.string().nullable(), method: z.string().nullable() });

/** The two-factor state. */
export const ZTwoFactorStatus = z.object({ enabled: z.boolean(), required: z.boolean(), enabledAt: z.string().nullable(), recoveryCodesLeft: z.number() });

/** A new TOTP secret being enrolled. */
export const ZTotpEnrolment = z.object({
  secret: z.string().describe('Base32 密钥（无法扫码时手动输入）'),
  otpauthUri: z.string().describe('otpauth:// 地址，网页将其显示为二维码'),
});

/** Recovery codes, shown once. */
export const ZRecoveryCodes = z.object({ recoveryCodes: z.array(z.string()).describe('一次性恢复码，仅显示这一次') });

/** An administrator's reason (optional, recorded in the audit row). */
export const ZAdminReason = z.object({ reason: z.string().max(200).optional() });
