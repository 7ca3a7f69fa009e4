/**
 * The bounds of the personal-data retention policy (YUNWEI_PII_RETENTION_DAYS,
 * config.ts; the job is retention.service.ts). Kept apart so the
 * configuration imports no database code.
 */

/** The shortest retention a deployment may set: closed records are still reopened, called back, assessed and settled for a quarter. */
export const MIN_PII_RETENTION_DAYS = 90;

/** The default retention: one year after the record was finished (the annual assessment and settlement). */
export const DEFAULT_PII_RETENTION_DAYS = 365;
