/**
 * Roster formatting shared by the page and the drawer.
 */
import { formatDateTimeShort } from '../shared/datetime';

/**
 * A deadline at local midnight is the end of the previous day (民法典: a period ends at 24:00
 * of its last day): show "2026-12-01 24:00" rather than "2026-12-02 00:00".
 */
export function formatDue(iso: string): string {
  const s = formatDateTimeShort(iso);
  if (!s.endsWith(' 00:00')) return s;
  return `${formatDateTimeShort(new Date(Date.parse(iso) - 60_000).toISOString()).slice(0, 10)} 24:00`;
}
