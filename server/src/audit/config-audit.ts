/**
 * The "configuration change" audit event (security.md check 31). Settings are
 * environment variables read once at start (config.ts), so a change can only
 * happen across a restart: at each start the security-relevant settings are
 * compared with the last recorded ones, and one audit row is written when
 * they differ (`security.configChanged`, naming each changed setting with its
 * old and new value) or when none was recorded yet (`security.configRecorded`).
 *
 * Secrets (the database URL, the audit anchor private key, gateway and
 * webhook URLs, which carry tokens) never reach the audit trail: for them only
 * whether they are set and a short SM3 fingerprint are recorded.
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { AppConfig } from '../config.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import { sm3Hex } from '../shared/crypto.ts';
import { recordAudit, SYSTEM_ACTOR } from './audit.service.ts';

/** A recorded plain setting value (the effective value, after defaults). */
export type PlainSettingValue = string | number | boolean | null;

/** A recorded secret: only whether it is set and a fingerprint of it. */
export interface SecretSettingValue {
  set: boolean;
  /** First 16 hex digits of SM3(name NUL value); null when unset. */
  sm3: string | null;
}

/** One setting's recorded form. */
export type SettingValue = PlainSettingValue | SecretSettingValue;

interface SettingSpec {
  /** The environment variable. */
  name: string;
  /** Recorded only as set/unset and a fingerprint. */
  secret: boolean;
  read(config: AppConfig): string | number | boolean | null | undefined;
}

/**
 * The security-relevant settings, by environment variable. A test checks
 * that every variable config.ts reads is either here or in
 * {@link NOT_SECURITY_RELEVANT}.
 */
export const SECURITY_SETTINGS: readonly SettingSpec[] = [
  { name: 'HOST', secret: false, read: (c) => c.host },
  { name: 'DATABASE_URL', secret: true, read: (c) => c.databaseUrl },
  { name: 'YUNWEI_DATA_DIR', secret: false, read: (c) => c.dataDir },
  { name: 'YUNWEI_DATA_KEY_FILE', secret: false, read: (c) => c.dataKeyFile },
  { name: 'YUNWEI_COOKIE_SECURE', secret: false, read: (c) => c.cookieSecure },
  { name: 'YUNWEI_SESSION_IDLE_MINUTES', secret: false, read: (c) => c.sessionIdleMinutes },
  { name: 'YUNWEI_SESSION_MAX_HOURS', secret: false, read: (c) => c.sessionMaxHours },
  { name: 'YUNWEI_SMS_GATEWAY_URL', secret: true, read: (c) => c.channels.smsGatewayUrl },
  { name: 'YUNWEI_MAIL_GATEWAY_URL', secret: true, read: (c) => c.channels.mailGatewayUrl },
  { name: 'YUNWEI_WECOM_WEBHOOK_URL', secret: true, read: (c) => c.channels.wecomWebhookUrl },
  { name: 'YUNWEI_DINGTALK_WEBHOOK_URL', secret: true, read: (c) => c.channels.dingtalkWebhookUrl },
  { name: 'YUNWEI_RATE_LIMIT_PER_MINUTE', secret: false, read: (c) => c.rateLimitPerMinute },
  { name: 'YUNWEI_LOG_LEVEL', secret: false, read: (c) => c.logLevel },
  { name: 'YUNWEI_TRUST_PROXY', secret: false, read: (c) => c.trustProxy },
  { name: 'YUNWEI_LOCKOUT_THRESHOLD', secret: false, read: (c) => c.auth.lockoutThreshold },
  { name: 'YUNWEI_LOCKOUT_MINUTES', secret: false, read: (c) => c.auth.lockoutMinutes },
  { name: 'YUNWEI_TWO_FACTOR', secret: false, read: (c) => c.auth.twoFactor },
  { name: 'YUNWEI_PASSWORD_MAX_AGE_DAYS', secret: false, read: (c) => c.auth.passwordMaxAgeDays },
  { name: 'YUNWEI_VENDOR_ACCESS_GRACE_DAYS', secret: false, read: (c) => c.auth.vendorAccessGraceDays },
  { name: 'YUNWEI_AUDIT_RETENTION_DAYS', secret: false, read: (c) => c.audit.retentionDays },
  { name: 'YUNWEI_PII_RETENTION_DAYS', secret: false, read: (c) => c.piiRetentionDays },
  { name: 'YUNWEI_AUDIT_ANCHOR_MINUTES', secret: false, read: (c) => c.audit.anchorMinutes },
  { name: 'YUNWEI_AUDIT_ANCHOR_KEY_FILE', secret: false, read: (c) => c.audit.anchorKeyFile },
  { name: 'YUNWEI_AUDIT_ANCHOR_PRIVATE_KEY', secret: true, read: (c) => c.audit.anchorPrivateKey },
  { name: 'YUNWEI_AUDIT_ANCHOR_DIR', secret: false, read: (c) => c.audit.anchorDir },
  { name: 'YUNWEI_CLAMD', secret: false, read: (c) => (c.clamd ? `${c.clamd.host}:${c.clamd.port}` : null) },
  { name: 'YUNWEI_EXPORT_DAILY_LIMIT', secret: false, read: (c) => c.exportDailyLimit },
  { name: 'YUNWEI_WAL_ARCHIVE', secret: false, read: (c) => c.backup.walArchive },
  { name: 'YUNWEI_WAL_ARCHIVE_TIMEOUT_SECONDS', secret: false, read: (c) => c.backup.archiveTimeoutSeconds },
  { name: 'YUNWEI_BACKUP_DIR', secret: false, read: (c) => c.backup.dir },
];

/** Settings deliberately left out of the record (no bearing on security). */
export const NOT_SECURITY_RELEVANT: readonly string[] = ['PORT', 'YUNWEI_REPORT_UP_ACK_MINUTES'];

/** The recorded form of every security-relevant setting, by variable name. */
export function configSnapshot(config: AppConfig): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = {};
  for (const s of SECURITY_SETTINGS) {
    const v = s.read(config);
    if (s.secret) {
      const set = v !== undefined && v !== null && v !== '';
      out[s.name] = { set, sm3: set ? sm3Hex(`${s.name}\u0000${String(v)}`).slice(0, 16) : null };
    } else {
      out[s.name] = v ?? null;
    }
  }
  return out;
}

/** SM3 of the snapshot's canonical JSON: equal digests, equal settings. */
export function configDigest(snapshot: Record<string, SettingValue>): string {
  return sm3Hex(canonicalJson(snapshot));
}

/** Arbitrary constant key of the advisory lock that serialises two starts recording at once. */
const CONFIG_RECORD_LOCK = 7_220_031;

/** The actions of the configuration record, newest of which holds the last settings. */
export const CONFIG_AUDIT_ACTIONS = ['security.configRecorded', 'security.configChanged'] as const;

/** What a start recorded: nothing (unchanged), the first record, or the changed settings. */
export type ConfigRecordOutcome = { action: null } | { action: 'security.configRecorded' } | { action: 'security.configChanged'; changed: string[] };

function isSettings(v: unknown): v is Record<string, SettingValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Compare the settings with the last recorded ones and write one audit row
 * when they differ (or were never recorded). Called once at each start of the
 * server, after migrations.
 */
export async function recordConfigAtStart(db: Db, config: AppConfig, now: Date): Promise<ConfigRecordOutcome> {
  const settings = configSnapshot(config);
  const digest = configDigest(settings);
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${CONFIG_RECORD_LOCK})`.execute(trx);
    const last = await trx
      .selectFrom('audit_log')
      .select(['after'])
      .where('action', 'in', [...CONFIG_AUDIT_ACTIONS])
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    const lastAfter = last?.after as { digest?: unknown; settings?: unknown } | null | undefined;
    if (!last || !isSettings(lastAfter?.settings)) {
      await recordAudit(trx, SYSTEM_ACTOR, { action: 'security.configRecorded', entityType: 'config', entityId: null, contractId: null, after: { digest, settings } }, now);
      return { action: 'security.configRecorded' };
    }
    if (lastAfter.digest === digest) return { action: null };
    const previous = lastAfter.settings;
    const names = [...new Set([...Object.keys(previous), ...Object.keys(settings)])].sort();
    const changed = names.filter((n) => canonicalJson(previous[n] ?? null) !== canonicalJson(settings[n] ?? null));
    if (changed.length === 0) return { action: null };
    const before: Record<string, SettingValue> = {};
    const after: Record<string, SettingValue> = {};
    for (const n of changed) {
      before[n] = previous[n] ?? null;
      after[n] = settings[n] ?? null;
    }
    await recordAudit(
      trx,
      SYSTEM_ACTOR,
      { action: 'security.configChanged', entityType: 'config', entityId: null, contractId: null, before: { values: before }, after: { changed, values: after, digest, settings } },
      now,
    );
    return { action: 'security.configChanged', changed };
  });
}
