/**
 * Twelve small month grids of one year: public holidays in red with their
 * name on hover, make-up workdays marked 班, weekends grey, days changed by
 * an override outlined.
 */
import { Tooltip } from 'antd';
import type { CalendarDay, CalendarYear } from '../api/types';
import { useT, type Translate } from '../i18n/i18n';

/** ISO date of year/month/day (month 1–12). */
function isoDate(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The cells of a month, Monday first: null for the leading blanks. */
export function monthCells(year: number, month: number): (number | null)[] {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay(); // 0 = Sunday
  const lead = (first + 6) % 7;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return [...Array.from({ length: lead }, () => null), ...Array.from({ length: days }, (_, i) => i + 1)];
}

function isWeekend(year: number, month: number, day: number): boolean {
  const wd = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return wd === 0 || wd === 6;
}

function dayTitle(t: Translate, date: string, d: CalendarDay): string {
  const what = d.reason === 'holiday' ? t('cal.dayHoliday') : d.reason === 'makeupWorkday' ? t('cal.dayMakeup') : d.workday ? t('cal.dayWorkday') : t('cal.dayRest');
  const name = d.name ? `${d.name} · ` : '';
  const source = d.source === 'override' ? t('cal.sourceOverride') : d.source === 'official' ? t('cal.sourceOfficial') : t('cal.sourceWeekday');
  return `${date} ${name}${what}${t('common.paren', { text: source })}`;
}

const WEEK_HEAD = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export function YearGrid({ data, today }: { data: CalendarYear; today: string }) {
  const t = useT();
  const special = new Map(data.days.map((d) => [d.date, d]));
  return (
    <div className="year-grid">
      {Array.from({ length: 12 }, (_, i) => i + 1).map((month) => (
        <div key={month} className="month">
          <div className="month-title">{t('cal.month', { m: month })}</div>
          <div className="month-days">
            {WEEK_HEAD.map((d) => (
              <div key={d} className={`month-head${d === 'sat' || d === 'sun' ? ' weekend' : ''}`}>
                {t(`cal.wd.${d}`)}
              </div>
            ))}
            {monthCells(data.year, month).map((day, i) => {
              if (day === null) return <div key={`b${i}`} className="day blank" />;
              const date = isoDate(data.year, month, day);
              const d = special.get(date);
              const classes = ['day'];
              if (d?.reason === 'holiday' || (d && !d.workday && d.reason !== 'weekend')) classes.push('holiday');
              else if (d?.reason === 'makeupWorkday' || (d?.workday && isWeekend(data.year, month, day))) classes.push('makeup');
              else if (d ? !d.workday : isWeekend(data.year, month, day)) classes.push('weekend');
              if (d?.source === 'override') classes.push('override');
              if (date === today) classes.push('today');
              const cell = (
                <div key={date} className={classes.join(' ')} data-date={date}>
                  <span className="day-n">{day}</span>
                  {classes.includes('holiday') && <span className="day-mark">{t('cal.markRest')}</span>}
                  {classes.includes('makeup') && <span className="day-mark">{t('cal.markWork')}</span>}
                </div>
              );
              return d ? (
                <Tooltip key={date} title={dayTitle(t, date, d)} mouseEnterDelay={0.05}>
                  {cell}
                </Tooltip>
              ) : (
                cell
              );
            })}
          </div>
        </div>
      ))}
    </div>
  );
}

const LEGEND = [
  ['holiday', 'cal.legendHoliday'],
  ['makeup', 'cal.legendMakeup'],
  ['weekend', 'cal.legendWeekend'],
  ['override', 'cal.legendOverride'],
  ['today', 'cal.legendToday'],
] as const;

/** The legend under the grid. */
export function YearLegend() {
  const t = useT();
  return (
    <div className="cal-legend">
      {LEGEND.map(([cls, key]) => (
        <span className="legend-item" key={cls}>
          <span className={`day ${cls} sample`}>
            <span className="day-n">1</span>
          </span>
          {t(key)}
        </span>
      ))}
    </div>
  );
}
