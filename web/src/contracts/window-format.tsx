/**
 * How a service window reads: its hours ("09:00-12:00、13:00-17:00，每日 7 小时")
 * and what it does on public holidays. Used by the contract's windows tab and
 * by the working-calendar page.
 */
import { Tag } from 'antd';
import type { ServiceWindow } from '../api/types';
import type { Translate } from '../i18n/i18n';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function toMinutes(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** Total minutes of spans such as "09:00-12:00". */
export function spanMinutes(spans: readonly string[]): number {
  return spans.reduce((sum, span) => {
    const [from = '00:00', to = '00:00'] = span.split('-');
    return sum + Math.max(0, toMinutes(to) - toMinutes(from));
  }, 0);
}

/** "7 小时", "7 小时 30 分钟". */
export function formatMinutes(t: Translate, minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (m === 0) return t('dur.hours', { n: h });
  return h ? `${t('dur.hours', { n: h })} ${t('dur.minutes', { n: m })}` : t('dur.minutes', { n: m });
}

/** The hours of a window, as tags or one line per weekday. */
export function WindowHours({ window: w, t }: { window: ServiceWindow; t: Translate }) {
  if (w.type === 'always') return <span>{t('win.allDay')}</span>;
  if (w.type === 'weekly') {
    const weekly = w.weekly ?? {};
    return (
      <div>
        {WEEKDAYS.filter((d) => weekly[d]?.length).map((d) => (
          <div key={d}>
            <span className="weekday">{t(`weekday.${d}`)}</span> {(weekly[d] ?? []).join(t('common.listSeparator'))}
          </div>
        ))}
      </div>
    );
  }
  return w.hours?.length ? (
    <div className="hours">
      {w.hours.map((h) => (
        <Tag key={h} className="mono">
          {h}
        </Tag>
      ))}
      <div className="muted small">{t('win.dailyTotal', { total: formatMinutes(t, spanMinutes(w.hours)) })}</div>
    </div>
  ) : (
    <span className="muted">{t('win.noHours')}</span>
  );
}

/** What the window does on public holidays. */
export function windowHolidays(t: Translate, w: ServiceWindow): string {
  if (w.type === 'always') return t('win.holidaysContinue');
  if (w.type === 'workdays') return t('win.holidaysCalendar');
  return w.followsHolidays ? t('win.holidaysStop') : t('win.holidaysContinue');
}
