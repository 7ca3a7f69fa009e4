/**
 * Configuration, parsed once at start-up from the environment into a frozen,
 * typed object. Nothing else in the code reads `process.env`.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_PII_RETENTION_DAYS, MIN_PII_RETENTION_DAYS } from './privacy/retention-policy.ts';

const ZEnv = z.object({
  /** HTTP port for the API and the web app. */
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  /** Address to bind; 0.0.0.0 inside a container, 127.0.0.1 by default. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** External PostgreSQL; when absent an embedded PostgreSQL runs under the data directory. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL 必须以 postgres:// 或 postgresql:// 开头' })
    .optional(),
  /** Where the embedded database, uploaded files and keys live. */
  YUNWEI_DATA_DIR: z.string().min(1).default('./data'),
  /** The SM4 data-key file (personal data at rest); default <data dir>/keys/data-keys.json. Keep it off the database host's backups. */
  YUNWEI_DATA_KEY_FILE: z.string().min(1).optional(),
  /** Set to "true" when served over HTTPS (behind a TLS reverse proxy) so cookies are Secure. */
  YUNWEI_COOKIE_SECURE: z.enum(['true', 'false']).default('false'),
  /** Idle session timeout in minutes. */
  YUNWEI_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  /** Absolute session lifetime in hours. */
  YUNWEI_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  /** SMS gateway (HTTP POST JSON {to, text, ref}); report-up SMS is skipped when unset. */
  YUNWEI_SMS_GATEWAY_URL: z.string().url({ message: '必须是 http(s) 地址' }).optional(),
  /** Mail gateway (HTTP POST JSON {to, subject, text, ref}). */
  YUNWEI_MAIL_GATEWAY_URL: z.string().url({ message: '必须是 http(s) 地址' }).optional(),
  /** WeCom (企业微信) group robot webhook. */
  YUNWEI_WECOM_WEBHOOK_URL: z.string().url({ message: '必须是 http(s) 地址' }).optional(),
  /** DingTalk (钉钉) group robot webhook. */
  YUNWEI_DINGTALK_WEBHOOK_URL: z.string().url({ message: '必须是 http(s) 地址' }).optional(),
  /** Minutes to wait for a report-up acknowledgement (or call result) before the next channel / person. */
  YUNWEI_REPORT_UP_ACK_MINUTES: z.coerce.number().int().min(1).max(120).default(5),
  /** Requests per minute per client address for the whole API (0 = off); sign-in is always limited to 10 a minute. */
  YUNWEI_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(3000),
  /** Log level of the server. */
  YUNWEI_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * Which peers may set X-Forwarded-For (the client address in the audit trail and rate limits):
   * "loopback" (a reverse proxy on this machine; default), "false" (nobody: Yunwei faces clients directly),
   * or a comma-separated list of proxy addresses / CIDR ranges. "true" trusts any peer: only behind a proxy that overwrites the header.
   */
  YUNWEI_TRUST_PROXY: z.string().min(1).default('loopback'),
  /** Failed sign-ins in a row (password or second factor) before the account locks. */
  YUNWEI_LOCKOUT_THRESHOLD: z.coerce.number().int().min(3, { message: '不得少于 3 次' }).max(20, { message: '不得多于 20 次' }).default(5),
  /** How long a locked account stays locked, in minutes. */
  YUNWEI_LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(15),
  /**
   * Two-factor sign-in (TOTP) policy: "privileged" = required for platform administrators and for
   * agency administrators and auditors, optional for others (default); "all" = required for everyone;
   * "optional" = nobody is forced (not for MLPS level 3 deployments).
   */
  YUNWEI_TWO_FACTOR: z.enum(['privileged', 'all', 'optional']).default('privileged'),
  /** Days audit rows are kept at least; the Cybersecurity Law requires six months, so never below 180. */
  YUNWEI_AUDIT_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(180, { message: '审计日志保留期不得少于 180 天（《网络安全法》要求网络日志留存不少于六个月）' })
    .default(200),
  /**
   * Days after an incident was closed, or a work order finished, before the retention job destroys the sealed
   * originals of its personal data (the masked text stays). PIPL art. 19: no longer than needed.
   */
  YUNWEI_PII_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(MIN_PII_RETENTION_DAYS, { message: `个人信息保留期不得少于 ${MIN_PII_RETENTION_DAYS} 天（已关闭的工单仍可能重开、回访、考核和结算）` })
    .max(3650, { message: '个人信息保留期不得超过 3650 天' })
    .default(DEFAULT_PII_RETENTION_DAYS),
  /** Minutes between signed audit anchors (SM2 signature over the head of the audit chain). */
  YUNWEI_AUDIT_ANCHOR_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(10),
  /** The SM2 anchor-signing key file; default <data dir>/keys/audit-anchor-sm2.json (created on first start, mode 0600). */
  YUNWEI_AUDIT_ANCHOR_KEY_FILE: z.string().min(1).optional(),
  /** Alternatively the SM2 private key itself (64 hex digits), e.g. from a secrets manager; wins over the key file. */
  YUNWEI_AUDIT_ANCHOR_PRIVATE_KEY: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { message: '应为 64 位十六进制的 SM2 私钥' })
    .optional(),
  /** Where the append-only anchor files are written; default <data dir>/audit-anchors. Ship them off the host. */
  YUNWEI_AUDIT_ANCHOR_DIR: z.string().min(1).optional(),
  /**
   * Days after the last day of a contract's service period during which its vendor side keeps access
   * (acceptance, hand-over and close-out work); the agency administrator may extend it per contract.
   */
  YUNWEI_VENDOR_ACCESS_GRACE_DAYS: z.coerce.number().int().min(0, { message: '不得为负数' }).max(365, { message: '不得超过 365 天（更长的访问期请由甲方管理员按合同延长）' }).default(90),
  /** Days a password stays valid before its holder must change it at sign-in (等保: periodic change). */
  YUNWEI_PASSWORD_MAX_AGE_DAYS: z.coerce.number().int().min(1, { message: '不得少于 1 天' }).max(365, { message: '不得超过 365 天（等保要求定期更换密码）' }).default(90),
  /**
   * ClamAV daemon that scans every uploaded file before it is stored, as "host:port" (clamd's TCP socket,
   * INSTREAM). When set, an upload is refused if clamd finds malware or cannot be reached (fail closed).
   */
  YUNWEI_CLAMD: z
    .string()
    .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):([1-9]\d{0,4})$/, { message: '应为 主机:端口，例如 127.0.0.1:3310' })
    .refine((v) => Number(v.slice(v.lastIndexOf(':') + 1)) <= 65535, { message: '端口应在 1–65535 之间' })
    .optional(),
  /** Bulk exports (incident list, audit trail) one user may make per day (Beijing time); over it: 429 and an alert to the auditors. */
  YUNWEI_EXPORT_DAILY_LIMIT: z.coerce.number().int().min(1, { message: '不得少于 1 次' }).max(10_000).default(50),
  /**
   * WAL archiving of the embedded PostgreSQL ("on" by default): finished WAL segments are copied to
   * <backup dir>/wal, which with a base backup (`yunwei backup`) allows point-in-time restore. Ignored with DATABASE_URL.
   */
  YUNWEI_WAL_ARCHIVE: z.enum(['on', 'off'], { message: '应为 on 或 off' }).default('on'),
  /**
   * Seconds after which a partly filled WAL segment is closed and archived anyway (the server's `backup.walSwitch` job, and
   * PostgreSQL's archive_timeout): bounds the data-loss window. 0 = only full segments. Archived segments are gzip-compressed.
   */
  YUNWEI_WAL_ARCHIVE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600, { message: '不得超过 3600 秒' })
    .refine((n) => n === 0 || n >= 30, { message: '应为 0（关闭）或不少于 30 秒' })
    .default(60),
  /** Where base backups (base/) and the WAL archive (wal/) go; default <data dir>/backup. Put it on another disk and copy it off the host. */
  YUNWEI_BACKUP_DIR: z.string().min(1).optional(),
});

/** Two-factor sign-in policy (see YUNWEI_TWO_FACTOR). */
export type TwoFactorPolicy = z.infer<typeof ZEnv>['YUNWEI_TWO_FACTOR'];

/** Fastify's `trustProxy` value from YUNWEI_TRUST_PROXY. */
function parseTrustProxy(value: string): boolean | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

/** "host:port" (or "[v6]:port"), already validated by the schema. */
function parseHostPort(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return Object.freeze({ host: value.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(value.slice(at + 1)) });
}

/** The validated configuration. */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** Where the SM4 data keys are (outside the database). */
  readonly dataKeyFile: string;
  readonly cookieSecure: boolean;
  readonly sessionIdleMinutes: number;
  readonly sessionMaxHours: number;
  readonly logLevel: z.infer<typeof ZEnv>['YUNWEI_LOG_LEVEL'];
  readonly channels: {
    readonly smsGatewayUrl: string | undefined;
    readonly mailGatewayUrl: string | undefined;
    readonly wecomWebhookUrl: string | undefined;
    readonly dingtalkWebhookUrl: string | undefined;
  };
  readonly reportUpAckMinutes: number;
  readonly rateLimitPerMinute: number;
  /** Fastify `trustProxy`: which peers may name the client address in X-Forwarded-For. */
  readonly trustProxy: boolean | string;
  readonly auth: {
    /** Failed sign-ins in a row before the account locks. */
    readonly lockoutThreshold: number;
    /** Lock duration in minutes. */
    readonly lockoutMinutes: number;
    readonly twoFactor: TwoFactorPolicy;
    /** Days a password stays valid (then it must be changed at sign-in). */
    readonly passwordMaxAgeDays: number;
    /** Days after the service period's end during which a contract's vendor side keeps access. */
    readonly vendorAccessGraceDays: number;
  };
  readonly audit: {
    /** Minimum retention of audit rows, in days (≥ 180). */
    readonly retentionDays: number;
    /** Minutes between signed anchors. */
    readonly anchorMinutes: number;
    /** The SM2 key file (used when no private key is given in the environment). */
    readonly anchorKeyFile: string;
    /** The SM2 private key from the environment, if given (hex). */
    readonly anchorPrivateKey: string | undefined;
    /** Directory of the append-only anchor files. */
    readonly anchorDir: string;
  };
  /** Physical backups of the embedded PostgreSQL (see server/src/backup/). */
  readonly backup: {
    /** Whether the embedded PostgreSQL archives its WAL (YUNWEI_WAL_ARCHIVE). */
    readonly walArchive: boolean;
    /** PostgreSQL archive_timeout in seconds (0 = off). */
    readonly archiveTimeoutSeconds: number;
    /** Root of the base backups (`base/`) and the WAL archive (`wal/`). */
    readonly dir: string;
  };
  /** clamd's TCP address for scanning uploads; null: no scan. */
  readonly clamd: { readonly host: string; readonly port: number } | null;
  /** Bulk exports allowed per user per day. */
  readonly exportDailyLimit: number;
  /** Days after a record was finished before the retention job destroys its sealed personal data. */
  readonly piiRetentionDays: number;
}

/** Thrown when the environment is invalid; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`配置有误：\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parse and freeze the configuration from an environment map. */
export function loadConfig(env: Record<string, string | undefined>, cwd: string): AppConfig {
  // An empty variable counts as unset (e.g. `DATABASE_URL=` in a shell or a unit file).
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ZEnv.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: isAbsolute(e.YUNWEI_DATA_DIR) ? e.YUNWEI_DATA_DIR : resolve(cwd, e.YUNWEI_DATA_DIR),
    dataKeyFile: e.YUNWEI_DATA_KEY_FILE
      ? resolve(cwd, e.YUNWEI_DATA_KEY_FILE)
      : join(isAbsolute(e.YUNWEI_DATA_DIR) ? e.YUNWEI_DATA_DIR : resolve(cwd, e.YUNWEI_DATA_DIR), 'keys', 'data-keys.json'),
    cookieSecure: e.YUNWEI_COOKIE_SECURE === 'true',
    sessionIdleMinutes: e.YUNWEI_SESSION_IDLE_MINUTES,
    sessionMaxHours: e.YUNWEI_SESSION_MAX_HOURS,
    logLevel: e.YUNWEI_LOG_LEVEL,
    channels: Object.freeze({
      smsGatewayUrl: e.YUNWEI_SMS_GATEWAY_URL,
      mailGatewayUrl: e.YUNWEI_MAIL_GATEWAY_URL,
      wecomWebhookUrl: e.YUNWEI_WECOM_WEBHOOK_URL,
      dingtalkWebhookUrl: e.YUNWEI_DINGTALK_WEBHOOK_URL,
    }),
    reportUpAckMinutes: e.YUNWEI_REPORT_UP_ACK_MINUTES,
    rateLimitPerMinute: e.YUNWEI_RATE_LIMIT_PER_MINUTE,
    trustProxy: parseTrustProxy(e.YUNWEI_TRUST_PROXY),
    auth: Object.freeze({
      lockoutThreshold: e.YUNWEI_LOCKOUT_THRESHOLD,
      lockoutMinutes: e.YUNWEI_LOCKOUT_MINUTES,
      twoFactor: e.YUNWEI_TWO_FACTOR,
      passwordMaxAgeDays: e.YUNWEI_PASSWORD_MAX_AGE_DAYS,
      vendorAccessGraceDays: e.YUNWEI_VENDOR_ACCESS_GRACE_DAYS,
    }),
    audit: Object.freeze({
      retentionDays: e.YUNWEI_AUDIT_RETENTION_DAYS,
      anchorMinutes: e.YUNWEI_AUDIT_ANCHOR_MINUTES,
      anchorKeyFile: e.YUNWEI_AUDIT_ANCHOR_KEY_FILE
        ? resolve(cwd, e.YUNWEI_AUDIT_ANCHOR_KEY_FILE)
        : join(isAbsolute(e.YUNWEI_DATA_DIR) ? e.YUNWEI_DATA_DIR : resolve(cwd, e.YUNWEI_DATA_DIR), 'keys', 'audit-anchor-sm2.json'),
      anchorPrivateKey: e.YUNWEI_AUDIT_ANCHOR_PRIVATE_KEY?.toLowerCase(),
      anchorDir: e.YUNWEI_AUDIT_ANCHOR_DIR
        ? resolve(cwd, e.YUNWEI_AUDIT_ANCHOR_DIR)
        : join(isAbsolute(e.YUNWEI_DATA_DIR) ? e.YUNWEI_DATA_DIR : resolve(cwd, e.YUNWEI_DATA_DIR), 'audit-anchors'),
    }),
    backup: Object.freeze({
      walArchive: e.YUNWEI_WAL_ARCHIVE === 'on',
      archiveTimeoutSeconds: e.YUNWEI_WAL_ARCHIVE_TIMEOUT_SECONDS,
      dir: e.YUNWEI_BACKUP_DIR
        ? resolve(cwd, e.YUNWEI_BACKUP_DIR)
        : join(isAbsolute(e.YUNWEI_DATA_DIR) ? e.YUNWEI_DATA_DIR : resolve(cwd, e.YUNWEI_DATA_DIR), 'backup'),
    }),
    clamd: e.YUNWEI_CLAMD ? parseHostPort(e.YUNWEI_CLAMD) : null,
    exportDailyLimit: e.YUNWEI_EXPORT_DAILY_LIMIT,
    piiRetentionDays: e.YUNWEI_PII_RETENTION_DAYS,
  });
}
