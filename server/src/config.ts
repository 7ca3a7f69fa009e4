/**
 * Configuration, parsed once at start-up from the environment into a frozen,
 * typed object. Nothing else in the code reads `process.env`.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';

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
});

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
  });
}
