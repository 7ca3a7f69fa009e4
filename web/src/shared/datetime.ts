/**
 * Date and time display. Instants are always shown in Asia/Shanghai (the
 * contracts' time zone), whatever the browser's zone is.
 */
import dayjs, { type Dayjs } from 'dayjs';

const SHANGHAI = 'Asia/Shanghai';

const dateTimeParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: SHANGHAI,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function partsOf(iso: string): Record<string, string> | null {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const out: Record<string, string> = {};
  for (const p of dateTimeParts.formatToParts(d)) out[p.type] = p.value;
  return out;
}

/** "2026-11-24 14:35:23" in Beijing time. */
export function formatDateTime(iso: string): string {
  const p = partsOf(iso);
  if (!p) return iso;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** "2026-11-24 14:35" in Beijing time. */
export function formatDateTimeShort(iso: string): string {
  const p = partsOf(iso);
  if (!p) return iso;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** Number of calendar days from `start` to `end` inclusive, for ISO dates ("2023-05-01"). */
export function daysInclusive(start: string, end: string): number | null {
  const a = Date.parse(`${start}T00:00:00Z`);
  const b = Date.parse(`${end}T00:00:00Z`);
  if (Number.isNaN(a) || Number.isNaN(b)) return null;
  return Math.round((b - a) / 86_400_000) + 1;
}

/** Beijing has kept UTC+8 all year since 1991 (no daylight saving). */
const BEIJING_OFFSET = '+08:00';

/**
 * The instant a date picker's wall-clock value means in Beijing time, as ISO
 * 8601 with offset ("2026-11-24T14:35:00+08:00"), whatever the browser's zone.
 */
export function beijingWallClockToIso(value: Dayjs): string {
  return `${value.format('YYYY-MM-DDTHH:mm:ss')}${BEIJING_OFFSET}`;
}

/** A picker value showing `iso` on Beijing's wall clock. */
export function isoToBeijingWallClock(iso: string): Dayjs {
  return dayjs(formatDateTime(iso));
}

/** "Now" on Beijing's wall clock, for picker defaults. */
export function beijingNow(): Dayjs {
  return isoToBeijingWallClock(new Date().toISOString());
}

/** Today's date in Beijing, "2026-11-24". */
export function beijingToday(): string {
  return formatDateTime(new Date().toISOString()).slice(0, 10);
}
