/**
 * When the vendor side's access to a contract ends (security.md check 6).
 *
 * A contract's vendor access lasts through the last day of its service
 * period plus a grace period (YUNWEI_VENDOR_ACCESS_GRACE_DAYS, for acceptance,
 * hand-over and close-out work), or through the last day of an explicit,
 * audited extension by the agency, whichever is later. It ends at midnight
 * after that day, in the contract's time zone.
 *
 * The instant is stored on the contract row (`vendor_access_ends_at`), so the
 * access check compares it in the query that already reads the caller's
 * grants; vendor-side grants (`memberships.vendor_side`) stop counting from
 * then on. The SQL below is the one formula every writer uses (import,
 * extension, and the sweep that reconciles the stored instant with the setting).
 */
import { sql, type RawBuilder } from 'kysely';

/** Default grace period after the service period, in days (YUNWEI_VENDOR_ACCESS_GRACE_DAYS). */
export const DEFAULT_VENDOR_ACCESS_GRACE_DAYS = 90;

/** `YYYY-MM-DD` plus `days` calendar days (pure; dates only, no time zone involved). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * The last day (contract time zone) of the vendor side's access: the service
 * period's last day plus the grace period, or the extension if later. Pure.
 */
export function vendorAccessLastDay(input: { periodEnd: string; graceDays: number; extendedUntil: string | null }): string {
  const byGrace = addDays(input.periodEnd, input.graceDays);
  return input.extendedUntil !== null && input.extendedUntil > byGrace ? input.extendedUntil : byGrace;
}

/**
 * The stored instant, as SQL over a `contracts` row (unqualified columns
 * `period_end`, `timezone`, `vendor_access_extended_until`): midnight after
 * the last day of {@link vendorAccessLastDay}, in the contract's time zone.
 */
export function vendorAccessEndsAtSql(graceDays: number): RawBuilder<Date> {
  return sql<Date>`GREATEST(
    ((period_end + 1 + ${graceDays}::int)::timestamp AT TIME ZONE timezone),
    COALESCE(((vendor_access_extended_until + 1)::timestamp AT TIME ZONE timezone), '-infinity'::timestamptz))`;
}

/** The instant for a new contract row (values, not columns): midnight after `periodEnd + graceDays` in `timezone`. */
export function newContractVendorAccessEndsAt(periodEnd: string, timezone: string, graceDays: number): RawBuilder<Date> {
  return sql<Date>`((${periodEnd}::date + 1 + ${graceDays}::int)::timestamp AT TIME ZONE ${timezone})`;
}
