/**
 * Instants shown to people, in the contract's time zone (Asia/Shanghai by
 * default). Formatters are built once per zone.
 */

/** The wall-clock fields of an instant in a time zone. */
export interface LocalParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Year, month, day, hour and minute of `instant` in `timezone` (zero-padded, 24-hour). */
export function localParts(instant: Date | string, timezone = 'Asia/Shanghai'): LocalParts {
  let fmt = formatters.get(timezone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('zh-CN', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timezone, fmt);
  }
  const parts = fmt.formatToParts(new Date(instant));
  const get = (t: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === t)?.value ?? '';
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute') };
}

/** "2024-03-15 16:30" (tables and exports). */
export function formatLocalDateTime(instant: Date | string, timezone?: string): string {
  const p = localParts(instant, timezone);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** "2024年03月15日 16:30" (documents). */
export function formatLocalDateTimeCn(instant: Date | string, timezone?: string): string {
  const p = localParts(instant, timezone);
  return `${p.year}年${p.month}月${p.day}日 ${p.hour}:${p.minute}`;
}
