/**
 * Live countdowns to deadlines: "剩余 1 小时 20 分", or in red "已超时 35 分".
 * One shared ticking clock re-renders every countdown on the page together.
 */
import { useEffect, useState } from 'react';
import type { Translate } from '../i18n/i18n';
import { useT } from '../i18n/i18n';

const listeners = new Set<(now: number) => void>();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(fn: (now: number) => void): () => void {
  listeners.add(fn);
  if (!timer) {
    timer = setInterval(() => {
      const now = Date.now();
      for (const l of listeners) l(now);
    }, 15_000);
  }
  return () => {
    listeners.delete(fn);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** The current time in milliseconds, refreshed every 15 seconds. */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => subscribe(setNow), []);
  return now;
}

/** "2 天 3 小时", "1 小时 20 分", "35 分", "不足 1 分" for a span in minutes. */
export function formatSpan(t: Translate, totalMinutes: number): string {
  const m = Math.max(0, Math.floor(totalMinutes));
  if (m === 0) return t('span.lessThanMinute');
  const days = Math.floor(m / 1440);
  const hours = Math.floor((m % 1440) / 60);
  const minutes = m % 60;
  if (days > 0) return hours > 0 ? t('span.daysHours', { d: days, h: hours }) : t('span.days', { d: days });
  if (hours > 0) return minutes > 0 ? t('span.hoursMinutes', { h: hours, m: minutes }) : t('span.hours', { h: hours });
  return t('span.minutes', { m: minutes });
}

/** The tone of a countdown: overdue, close to the deadline, or fine. */
export type CountdownTone = 'overdue' | 'soon' | 'ok';

/** Text and tone of the countdown to `dueAt` at `now`. */
export function countdownOf(t: Translate, dueAt: string, now: number, soonMinutes = 60): { text: string; tone: CountdownTone } {
  const diffMinutes = (Date.parse(dueAt) - now) / 60_000;
  if (diffMinutes < 0) return { text: t('countdown.overdue', { span: formatSpan(t, -diffMinutes) }), tone: 'overdue' };
  return { text: t('countdown.remaining', { span: formatSpan(t, diffMinutes) }), tone: diffMinutes <= soonMinutes ? 'soon' : 'ok' };
}

/** A live countdown to `dueAt`. */
export function Countdown({ dueAt, soonMinutes, className }: { dueAt: string; soonMinutes?: number; className?: string }) {
  const t = useT();
  const now = useNow();
  const { text, tone } = countdownOf(t, dueAt, now, soonMinutes);
  return <span className={`countdown countdown-${tone}${className ? ` ${className}` : ''}`}>{text}</span>;
}
