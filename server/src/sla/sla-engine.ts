/**
 * The SLA clock engine: a pure function from a ticket's event history, the
 * contract's targets and `now` to the state of every target clock.
 *
 * No database, no environment, no hidden clock: `now` is an argument, and the
 * same input always gives the same output. The ticket service stores
 * `nextDeadlineAt` in an indexed column and a sweep recomputes tickets whose
 * `nextDeadlineAt` has passed (principles 4 and 5).
 *
 * Rules (each is also tested in test/sla/sla-engine.test.ts):
 *
 * 1. Resolution. Instants are truncated to the whole minute. A target whose
 *    stop event is stamped in the due minute is met (合同中的“以内”包括本数,
 *    民法典 第一千二百五十九条); the target becomes breached from the next
 *    minute on. `breachedAt` is the deadline that was missed (= `dueAt`).
 * 2. Level. The ticket's level is the `created` event's level, replaced by each
 *    `levelChanged` (as of `now`). A level change recomputes everything from
 *    the event history with the new level's targets: the original start events
 *    and all pauses are kept (nothing restarts, no pause is lost).
 * 3. Target selection. Within the level, targets are grouped by kind (custom
 *    targets by kind and name); in each group the first target whose `when`
 *    matches is used. `siteZone` and `tags` come from `conditions`; `dayType`
 *    is `workday` when the local date of the target's start instant is a
 *    working day of the calendar (make-up workdays included) and `holiday`
 *    otherwise (weekends and statutory holidays); before the start event
 *    happens it is evaluated at the ticket's creation.
 * 4. Start and stop. The clock starts at the first `startOn` event (default
 *    `created`) and stops at the first `stopOn` event after it (default by
 *    kind: respond→responded, arrive→arrived, resolve→resolved,
 *    reportUp→reportedUp, analysisReport→analysisSubmitted,
 *    emergencyPlan→emergencyPlanSubmitted, callback→callbackDone,
 *    progressUpdate→resolved; custom targets must name `stopOn`). A stop event
 *    before the start stops the clock at the start (met, 0 minutes).
 * 5. Metering. Calendar units (minutes/hours/days; a day is 1440 minutes)
 *    count real time and ignore every window. Working units count the working
 *    time of the target's `within.window`, else `defaultWindowKey` (the
 *    system's window, else the contract's default). `workingDays` converts at
 *    the start to the working minutes up to the end of the Nth working day
 *    after the start date (see `CompiledServiceWindow.addWorkingDaysAt`).
 * 6. Pauses. A `paused` event whose reason is in `pauseOn` stops every running
 *    clock until the next `resumed` (another `paused` replaces the reason).
 *    The due time moves out by the working (or, for calendar targets, real)
 *    time spent paused. While a clock is paused its `dueAt` is the due time if
 *    it resumed now, and it has no `nextChangeAt`. Pauses for other reasons
 *    are recorded by the ticket but do not stop the clock.
 * 7. Reopen. A `reopened` event restarts every target whose stop event is
 *    `resolved`: the time before the first resolution is kept and the clock
 *    runs again from the reopen (the resolved→reopened gap does not count).
 *    A target met the first time can still be breached after a reopen.
 * 8. Progress updates (`progressUpdate`) are periodic: each `progressUpdated`
 *    event ends a cycle and starts a new one with the full allowance; a cycle
 *    that ran past its due makes the target breached (first `breachedAt` kept),
 *    and the current cycle keeps its own `dueAt` and warnings.
 * 9. Per-ticket deadlines (`perTicket`). The latest `perTicketDeadline` event
 *    (for the target's kind, or without a kind) sets an absolute due instant;
 *    pauses do not move it (the agency sets a new one if needed). Until one is
 *    set the target's `within` is used, or, without `within`, the target is
 *    `notStarted` with `pending: 'perTicketDeadline'`.
 * 10. Closing. When the ticket is closed as of `now` (a `closed` event not
 *    followed by `reopened`), every clock that started before the close and
 *    is still running is frozen at the close: the target is `waived` unless it
 *    was already breached (a target whose `stopOn` is `closed` is simply met).
 *    Later events do not move a frozen clock. Targets that start on or after
 *    the close (e.g. a callback with `startOn: closed`) run normally.
 * 11. Warnings. For each percentage in `warnAt` (default 50/80/100) the result
 *    gives the instant the elapsed time reaches it — in the past (crossed) or
 *    projected — so a sweep can schedule it. A running target is `atRisk` once
 *    the largest warning below 100% has been crossed.
 * 12. `nextDeadlineAt` is the earliest instant after `now` at which a result
 *    would change by itself: an uncrossed warning of a running target, or the
 *    minute a running target becomes breached (its `dueAt` + 1 minute).
 *    Paused (except on a per-ticket deadline, which pauses do not move),
 *    stopped and unstarted targets contribute nothing (their change needs a
 *    new event, which triggers a recomputation anyway).
 * 13. Events after `now` are ignored, so `computeSla` also answers "what was
 *    the state at time X" for reports.
 *
 * Errors are thrown as `SlaError` with a Chinese message: unknown level or
 * window, malformed targets or events, a working target on a window with no
 * working time, a date in an unpublished year (unless the calendar assumes
 * Mon–Fri; the assumption is then listed in `assumptions`).
 */
import type { TContractDefinition, TDuration, TSlaTarget } from '../contracts/contract-definition.schema.ts';
import {
  CALENDAR_METER,
  compileServiceWindows,
  DEFAULT_TIMEZONE,
  fromEpochMinute,
  toEpochMinute,
  type CompiledServiceWindow,
  type Meter,
  type ServiceWindowSet,
} from '../calendar/service-window.ts';
import { assumedYearNote, type WorkingCalendar } from '../calendar/working-calendar.ts';
import { SlaError } from './sla-errors.ts';

// ---------------------------------------------------------------- input types

/** A target kind (respond, arrive, resolve, …). */
export type SlaTargetKind = TSlaTarget['kind'];
/** An event a target's clock can start or stop on. */
export type SlaClockEvent = NonNullable<TSlaTarget['startOn']>;

/** Event types that carry nothing but their instant. */
export type SlaPlainEventType =
  | 'responded'
  | 'arrived'
  | 'resumed'
  | 'resolved'
  | 'reopened'
  | 'confirmed'
  | 'closed'
  | 'reportedUp'
  | 'analysisSubmitted'
  | 'emergencyPlanSubmitted'
  | 'callbackDone'
  | 'progressUpdated';

/** One entry of a ticket's history, as the engine needs it. */
export type SlaEvent =
  | { readonly type: 'created'; readonly at: Date; readonly level: string }
  | { readonly type: 'levelChanged'; readonly at: Date; readonly toLevel: string }
  | { readonly type: 'paused'; readonly at: Date; readonly reason: string }
  | {
      readonly type: 'perTicketDeadline';
      readonly at: Date;
      /** The deadline the agency set. */
      readonly dueAt: Date;
      /** The target kind it applies to; omitted: every `perTicket` target. */
      readonly targetKind?: SlaTargetKind | undefined;
    }
  | { readonly type: SlaPlainEventType; readonly at: Date };

/** A severity level's key and targets (a `TSeverityLevel` fits). */
export interface SlaLevel {
  readonly key: string;
  readonly name?: string | undefined;
  readonly targets: readonly TSlaTarget[];
}

/** Facts about the ticket that `when` conditions test. */
export interface SlaConditions {
  /** Where the site is. */
  readonly siteZone?: 'urban' | 'suburban' | undefined;
  /** The ticket's tags. */
  readonly tags?: readonly string[] | undefined;
}

/** Input of {@link computeSla}. */
export interface ComputeSlaInput {
  /** The contract's severity levels; the ticket's level is read from its events. */
  readonly levels: readonly SlaLevel[];
  /** The contract's compiled windows (they carry the calendar and the time zone). */
  readonly windows: ServiceWindowSet;
  /** Window for working-time targets that name none: the system's window, else `slaPolicy.defaultWindow`. */
  readonly defaultWindowKey: string;
  /** The ticket's history, in any order (ties keep their order). */
  readonly events: readonly SlaEvent[];
  /** The instant to evaluate at. */
  readonly now: Date;
  /** Warning percentages (1–100); default {@link DEFAULT_WARN_AT}. */
  readonly warnAt?: readonly number[] | undefined;
  /** Pause reasons that stop the clock (`slaPolicy.pauseOn`); default none. */
  readonly pauseOn?: readonly string[] | undefined;
  /** Facts for `when` conditions. */
  readonly conditions?: SlaConditions | undefined;
}

// ---------------------------------------------------------------- output types

/**
 * State of one target clock.
 * `waived`: the ticket was closed while the clock was still running and before it was breached.
 */
export type SlaState = 'notStarted' | 'running' | 'atRisk' | 'paused' | 'met' | 'breached' | 'waived';

/** One warning threshold. */
export interface SlaWarning {
  /** Percentage of the allowed time. */
  readonly percent: number;
  /** When it was (crossed) or will be (projected) reached; null when it never will (clock stopped or not started). */
  readonly at: Date | null;
  /** Reached at or before `now`. */
  readonly crossed: boolean;
}

/** Which contract rule produced a target result. */
export interface SlaRule {
  /** Severity level key. */
  readonly levelKey: string;
  /** Index of the target in the level's `targets`. */
  readonly targetIndex: number;
  /** Window used for working time; null for calendar time. */
  readonly windowKey: string | null;
  /** Calendar version used. */
  readonly calendarVersion: string;
  /** Time zone used. */
  readonly timezone: string;
  /** `working`: working minutes of the window; `calendar`: real minutes. */
  readonly meter: 'working' | 'calendar';
  /** The target's duration, if it has one. */
  readonly within: TDuration | null;
  /** `perTicket`: the due instant was set by the agency. */
  readonly deadlineSource: 'within' | 'perTicket';
  /** Start event. */
  readonly startOn: SlaClockEvent;
  /** Stop event. */
  readonly stopOn: SlaClockEvent;
  /** Event that restarts the clock, if any. */
  readonly restartOn: 'reopened' | 'progressUpdated' | null;
}

/** The state of one target. All minutes are on the rule's meter (working or real minutes). */
export interface SlaTargetResult {
  /** Stable key within the ticket: the kind, or "custom:<name>". */
  readonly key: string;
  readonly kind: SlaTargetKind;
  /** Display name (the target's name, or the kind's Chinese name). */
  readonly name: string;
  readonly rule: SlaRule;
  readonly state: SlaState;
  /** Why a `notStarted` target has not started. */
  readonly pending: 'startEvent' | 'perTicketDeadline' | null;
  /** Start event instant. */
  readonly startAt: Date | null;
  /** Start of the current cycle (progress updates only). */
  readonly cycleStartAt: Date | null;
  /** Due instant (the last on-time minute); while paused, the due if resumed now. */
  readonly dueAt: Date | null;
  /** When the target was met. */
  readonly metAt: Date | null;
  /** The deadline that was missed (the target is breached from the next minute on). */
  readonly breachedAt: Date | null;
  /** When the clock last stopped (stop event, or the ticket's close). */
  readonly stoppedAt: Date | null;
  /** Allowed minutes. */
  readonly allowedMinutes: number | null;
  /** Minutes counted so far (current cycle for progress updates). */
  readonly elapsedMinutes: number;
  /** Allowed − elapsed; negative when overdue. */
  readonly remainingMinutes: number | null;
  /** Minutes spent in counted pauses while the clock was running. */
  readonly pausedMinutes: number;
  /** The warning thresholds. */
  readonly warnings: readonly SlaWarning[];
  /** Earliest instant after `now` at which this result changes by itself. */
  readonly nextChangeAt: Date | null;
  /** Unpublished years whose Mon–Fri assumption this result relied on. */
  readonly assumedYears: readonly number[];
}

/** A calendar assumption a result relied on. */
export interface SlaAssumption {
  readonly year: number;
  /** Chinese note for people. */
  readonly message: string;
}

/** Output of {@link computeSla}. */
export interface SlaResult {
  /** The ticket's level as of `now`. */
  readonly levelKey: string;
  /** `now`, truncated to the minute. */
  readonly computedAt: Date;
  readonly calendarVersion: string;
  readonly timezone: string;
  /** One result per applicable target, in the level's order. */
  readonly targets: readonly SlaTargetResult[];
  /** Earliest instant after `now` at which any target changes by itself; null if none (store it; sweep on it). */
  readonly nextDeadlineAt: Date | null;
  /** Calendar assumptions (unpublished years treated as Mon–Fri). */
  readonly assumptions: readonly SlaAssumption[];
}

/** Default warning thresholds (percent of the allowed time). */
export const DEFAULT_WARN_AT: readonly number[] = Object.freeze([50, 80, 100]);

/** Chinese display names of the target kinds. */
export const TARGET_KIND_NAMES: Readonly<Record<SlaTargetKind, string>> = Object.freeze({
  respond: '响应',
  arrive: '到场',
  resolve: '解决',
  reportUp: '上报',
  analysisReport: '故障分析报告',
  progressUpdate: '进展通报',
  emergencyPlan: '应急预案',
  callback: '回访',
  custom: '自定义时限',
});

const DEFAULT_STOP: Readonly<Record<Exclude<SlaTargetKind, 'custom'>, SlaClockEvent>> = {
  respond: 'responded',
  arrive: 'arrived',
  resolve: 'resolved',
  reportUp: 'reportedUp',
  analysisReport: 'analysisSubmitted',
  progressUpdate: 'resolved',
  emergencyPlan: 'emergencyPlanSubmitted',
  callback: 'callbackDone',
};

const UNIT_MINUTES: Readonly<Record<TDuration['unit'], number>> = {
  minutes: 1,
  hours: 60,
  days: 1440,
  workingMinutes: 1,
  workingHours: 60,
  workingDays: 0,
};

const PLAIN_EVENT_TYPES: ReadonlySet<string> = new Set<SlaPlainEventType>([
  'responded',
  'arrived',
  'resumed',
  'resolved',
  'reopened',
  'confirmed',
  'closed',
  'reportedUp',
  'analysisSubmitted',
  'emergencyPlanSubmitted',
  'callbackDone',
  'progressUpdated',
]);

// ---------------------------------------------------------------- normalised events

interface Ev {
  readonly type: SlaEvent['type'];
  /** Epoch minute. */
  readonly t: number;
  readonly level?: string;
  readonly reason?: string;
  readonly dueAt?: number;
  readonly targetKind?: SlaTargetKind | undefined;
}

function normaliseEvents(events: readonly SlaEvent[], now: number): Ev[] {
  if (!Array.isArray(events)) throw new SlaError('SLA_BAD_EVENTS', '工单事件必须是数组');
  const out: { ev: Ev; i: number }[] = [];
  events.forEach((e, i) => {
    const where = `第 ${i + 1} 个工单事件`;
    const type: unknown = e?.type;
    if (!(e?.at instanceof Date) || !Number.isFinite(e.at.getTime())) {
      throw new SlaError('SLA_BAD_EVENTS', `${where}（${String(type)}）的时间无效`, { index: i });
    }
    const t = toEpochMinute(e.at);
    if (t > now) return; // not yet happened as of `now`
    switch (e.type) {
      case 'created':
        if (typeof e.level !== 'string' || e.level === '') throw new SlaError('SLA_BAD_EVENTS', `${where}（创建）缺少故障等级 level`, { index: i });
        out.push({ ev: { type: e.type, t, level: e.level }, i });
        return;
      case 'levelChanged':
        if (typeof e.toLevel !== 'string' || e.toLevel === '') throw new SlaError('SLA_BAD_EVENTS', `${where}（调整等级）缺少新等级 toLevel`, { index: i });
        out.push({ ev: { type: e.type, t, level: e.toLevel }, i });
        return;
      case 'paused':
        if (typeof e.reason !== 'string' || e.reason === '') throw new SlaError('SLA_BAD_EVENTS', `${where}（暂停）缺少暂停原因 reason`, { index: i });
        out.push({ ev: { type: e.type, t, reason: e.reason }, i });
        return;
      case 'perTicketDeadline':
        if (!(e.dueAt instanceof Date) || !Number.isFinite(e.dueAt.getTime())) {
          throw new SlaError('SLA_BAD_EVENTS', `${where}（甲方指定时限）的期限时间 dueAt 无效`, { index: i });
        }
        out.push({ ev: { type: e.type, t, dueAt: toEpochMinute(e.dueAt), targetKind: e.targetKind }, i });
        return;
      default:
        if (typeof type !== 'string' || !PLAIN_EVENT_TYPES.has(type)) {
          throw new SlaError('SLA_BAD_EVENTS', `${where}的类型「${String(type)}」无法识别`, { index: i });
        }
        out.push({ ev: { type: e.type, t }, i });
    }
  });
  out.sort((a, b) => a.ev.t - b.ev.t || a.i - b.i);
  return out.map((x) => x.ev);
}

// ---------------------------------------------------------------- the engine

/**
 * Compute the state of every SLA target of a ticket at `now`. Pure: same input, same output.
 *
 * See the module comment for the rules (level changes, pauses, reopen, per-ticket deadlines,
 * warnings, `nextDeadlineAt`).
 *
 * @throws {SlaError} `SLA_UNKNOWN_LEVEL`, `SLA_UNKNOWN_WINDOW`, `SLA_BAD_TARGET`, `SLA_BAD_EVENTS`,
 *   `SLA_BAD_INPUT`, `SLA_WINDOW_EMPTY`, `CALENDAR_YEAR_UNPUBLISHED`, `CALENDAR_OUT_OF_RANGE`
 */
export function computeSla(input: ComputeSlaInput): SlaResult {
  const now = toEpochMinute(input.now, '计算时间 now');
  const { windows } = input;
  const calendar = windows.calendar;
  const warnAt = normaliseWarnAt(input.warnAt ?? DEFAULT_WARN_AT);
  const pauseOn = new Set(input.pauseOn ?? []);
  const conditions = input.conditions ?? {};
  const defaultWindow = windows.get(input.defaultWindowKey);

  const events = normaliseEvents(input.events, now);
  const created = events.find((e) => e.type === 'created');
  if (!created) {
    throw new SlaError('SLA_BAD_EVENTS', '工单事件中缺少创建事件（created），或创建时间晚于计算时间 now，无法计时');
  }
  let levelKey = created.level ?? '';
  for (const e of events) if (e.type === 'levelChanged' && e.level !== undefined) levelKey = e.level;
  const level = input.levels.find((l) => l.key === levelKey);
  if (!level) {
    throw new SlaError('SLA_UNKNOWN_LEVEL', `故障等级「${levelKey}」不在合同定义的等级中（${input.levels.map((l) => l.key).join('、') || '无'}）`, {
      level: levelKey,
    });
  }

  // Final close: a `closed` event not followed by `reopened`.
  let finalCloseIndex: number | null = null;
  events.forEach((e, i) => {
    if (e.type === 'closed') finalCloseIndex = i;
    else if (e.type === 'reopened') finalCloseIndex = null;
  });

  const ctx: TargetContext = { events, now, warnAt, pauseOn, finalCloseIndex, windows, defaultWindow, levelKey: level.key, createdAt: created.t };

  // Group targets and choose the first matching one of each group.
  const groups = new Map<string, number[]>();
  level.targets.forEach((target, i) => {
    const key = groupKey(target, i);
    const list = groups.get(key);
    if (list) list.push(i);
    else groups.set(key, [i]);
  });
  const chosen: { key: string; index: number }[] = [];
  const dayTypeYears: number[] = [];
  for (const [key, indices] of groups) {
    for (const i of indices) {
      const target = level.targets[i];
      if (target && matches(target, conditions, ctx, dayTypeYears)) {
        chosen.push({ key, index: i });
        break;
      }
    }
  }
  chosen.sort((a, b) => a.index - b.index);

  const targets: SlaTargetResult[] = [];
  for (const { key, index } of chosen) {
    const target = level.targets[index];
    if (target) targets.push(computeTarget(target, index, key, ctx));
  }

  let next: number | null = null;
  for (const r of targets) {
    if (r.nextChangeAt) {
      const t = toEpochMinute(r.nextChangeAt);
      if (next === null || t < next) next = t;
    }
  }
  const years = new Set<number>(dayTypeYears);
  for (const r of targets) for (const y of r.assumedYears) years.add(y);

  return {
    levelKey: level.key,
    computedAt: fromEpochMinute(now),
    calendarVersion: calendar.version,
    timezone: windows.timezone,
    targets,
    nextDeadlineAt: next === null ? null : fromEpochMinute(next),
    assumptions: [...years].sort((a, b) => a - b).map((year) => ({ year, message: assumedYearNote(year) })),
  };
}

interface TargetContext {
  readonly events: readonly Ev[];
  readonly now: number;
  readonly warnAt: readonly number[];
  readonly pauseOn: ReadonlySet<string>;
  /** Index in `events` of the ticket's final close, if it is closed as of now. */
  readonly finalCloseIndex: number | null;
  readonly windows: ServiceWindowSet;
  readonly defaultWindow: CompiledServiceWindow;
  readonly levelKey: string;
  readonly createdAt: number;
}

function normaliseWarnAt(list: readonly number[]): number[] {
  for (const p of list) {
    if (!Number.isInteger(p) || p < 1 || p > 100) {
      throw new SlaError('SLA_BAD_INPUT', `预警阈值必须是 1 到 100 之间的整数百分比，收到 ${String(p)}`);
    }
  }
  return [...new Set(list)].sort((a, b) => a - b);
}

function groupKey(target: TSlaTarget, index: number): string {
  if (target.kind !== 'custom') return target.kind;
  return `custom:${target.name ?? `#${index}`}`;
}

function firstEventAt(events: readonly Ev[], type: SlaClockEvent): number | null {
  for (const e of events) if (e.type === type) return e.t;
  return null;
}

function matches(target: TSlaTarget, conditions: SlaConditions, ctx: TargetContext, assumed: number[]): boolean {
  const when = target.when;
  if (!when) return true;
  if (when.siteZone !== undefined && conditions.siteZone !== when.siteZone) return false;
  if (when.tags && when.tags.length > 0) {
    const have = new Set(conditions.tags ?? []);
    if (!when.tags.every((t) => have.has(t))) return false;
  }
  if (when.dayType !== undefined) {
    const at = firstEventAt(ctx.events, target.startOn ?? 'created') ?? ctx.createdAt;
    const info = ctx.windows.calendar.dayInfo(ctx.windows.localDateAt(at));
    if (info.assumed) assumed.push(Number(info.date.slice(0, 4)));
    const dayType = info.workday ? 'workday' : 'holiday';
    if (dayType !== when.dayType) return false;
  }
  return true;
}

/** Clock history of one target: the running (counted) segments, the paused segments and the stop. */
interface ClockHistory {
  /** Active segments per cycle: [a, b] in epoch minutes. */
  readonly cycles: { readonly start: number; readonly segments: [number, number][]; readonly end: number | null }[];
  readonly paused: [number, number][];
  /** Instant the clock is stopped at as of now, or null when it is running or paused. */
  readonly stoppedAt: number | null;
  /** Stopped by the ticket's close rather than by its own stop event. */
  readonly stoppedByClose: boolean;
  /** Counting is currently paused. */
  readonly pausedNow: boolean;
}

function clockHistory(
  events: readonly Ev[],
  start: number,
  startIndex: number,
  stopOn: SlaClockEvent,
  restartOn: 'reopened' | null,
  periodic: boolean,
  ctx: TargetContext,
): ClockHistory {
  let running = true;
  let paused = false;
  let stoppedAt: number | null = null;
  let stoppedByClose = false;
  // State before the start: a stop (not undone by a restart) stops the clock at the start; a pause carries over.
  for (let i = 0; i < startIndex; i++) {
    const e = events[i];
    if (!e) continue;
    if (e.type === stopOn) running = false;
    else if (restartOn !== null && e.type === restartOn) running = true;
    else if (e.type === 'paused') paused = ctx.pauseOn.has(e.reason ?? '');
    else if (e.type === 'resumed') paused = false;
  }
  if (!running) stoppedAt = start;

  const cycles: { start: number; segments: [number, number][]; end: number | null }[] = [{ start, segments: [], end: null }];
  const pausedSegs: [number, number][] = [];
  let activeFrom: number | null = running && !paused ? start : null;
  let pausedFrom: number | null = running && paused ? start : null;
  const current = () => cycles[cycles.length - 1] ?? { start, segments: [], end: null };

  const transition = (t: number, nextRunning: boolean, nextPaused: boolean): void => {
    if (activeFrom !== null && !(nextRunning && !nextPaused)) {
      current().segments.push([activeFrom, t]);
      activeFrom = null;
    } else if (activeFrom === null && nextRunning && !nextPaused) {
      activeFrom = t;
    }
    if (pausedFrom !== null && !(nextRunning && nextPaused)) {
      pausedSegs.push([pausedFrom, t]);
      pausedFrom = null;
    } else if (pausedFrom === null && nextRunning && nextPaused) {
      pausedFrom = t;
    }
    running = nextRunning;
    paused = nextPaused;
  };

  for (let i = startIndex + 1; i < events.length; i++) {
    const e = events[i];
    if (!e) continue;
    if (i === ctx.finalCloseIndex) {
      // The ticket is closed for good: freeze the clock (a target that stops on `closed` is simply stopped).
      if (running) {
        transition(e.t, false, paused);
        stoppedAt = e.t;
        stoppedByClose = stopOn !== 'closed';
        if (periodic) current().end = e.t;
      }
      break;
    }
    if (e.type === stopOn) {
      if (running) {
        transition(e.t, false, paused);
        stoppedAt = e.t;
        if (periodic) current().end = e.t;
      }
    } else if (restartOn !== null && e.type === restartOn) {
      if (!running) {
        if (periodic) cycles.push({ start: e.t, segments: [], end: null });
        transition(e.t, true, paused);
        stoppedAt = null;
      }
    } else if (periodic && e.type === 'progressUpdated') {
      if (running) {
        // End the cycle and start a new one with the full allowance.
        if (activeFrom !== null) {
          current().segments.push([activeFrom, e.t]);
          activeFrom = e.t;
        }
        current().end = e.t;
        cycles.push({ start: e.t, segments: [], end: null });
      }
    } else if (e.type === 'paused') {
      transition(e.t, running, ctx.pauseOn.has(e.reason ?? ''));
    } else if (e.type === 'resumed') {
      transition(e.t, running, false);
    }
  }
  // Close the open segments at `now`.
  if (activeFrom !== null) current().segments.push([activeFrom, ctx.now]);
  if (pausedFrom !== null) pausedSegs.push([pausedFrom, ctx.now]);
  return { cycles, paused: pausedSegs, stoppedAt, stoppedByClose, pausedNow: stoppedAt === null && paused };
}

/** Earliest instants at which the metered time over `segments` reaches each of `required` (or null). */
function reachInstants(meter: Meter, segments: readonly [number, number][], required: readonly number[]): { acc: number; at: (number | null)[] } {
  const at: (number | null)[] = required.map(() => null);
  let acc = 0;
  for (const [a, b] of segments) {
    const len = meter.betweenAt(a, b);
    for (let k = 0; k < required.length; k++) {
      const r = required[k] ?? 0;
      if (at[k] === null && acc + len >= r) at[k] = r - acc <= 0 ? a : meter.addAt(a, r - acc);
    }
    acc += len;
  }
  return { acc, at };
}

function computeTarget(target: TSlaTarget, index: number, key: string, ctx: TargetContext): SlaTargetResult {
  const { events, now, windows } = ctx;
  const startOn: SlaClockEvent = target.startOn ?? 'created';
  let stopOn: SlaClockEvent;
  if (target.stopOn !== undefined) stopOn = target.stopOn;
  else if (target.kind === 'custom') {
    throw new SlaError('SLA_BAD_TARGET', `等级「${ctx.levelKey}」的自定义时限「${target.name ?? `第 ${index + 1} 项`}」必须指定计时终点事件 stopOn`, {
      level: ctx.levelKey,
      target: index,
    });
  } else stopOn = DEFAULT_STOP[target.kind];
  const periodic = target.kind === 'progressUpdate';
  const restartOn: 'reopened' | null = stopOn === 'resolved' ? 'reopened' : null;
  const name = target.name ?? TARGET_KIND_NAMES[target.kind];

  // Deadline source and meter.
  let perTicketDue: number | null = null;
  if (target.perTicket) {
    for (const e of events) {
      if (e.type === 'perTicketDeadline' && (e.targetKind === undefined || e.targetKind === target.kind) && e.dueAt !== undefined) perTicketDue = e.dueAt;
    }
  }
  const within = target.within ?? null;
  if (!target.perTicket && within === null) {
    throw new SlaError('SLA_BAD_TARGET', `等级「${ctx.levelKey}」的时限「${name}」既没有时长 within，也不是甲方按单指定（perTicket）`, {
      level: ctx.levelKey,
      target: index,
    });
  }
  if (within !== null) checkDuration(within, ctx.levelKey, name, index);
  const usesWithin = perTicketDue === null && within !== null;
  const working = usesWithin && within !== null && within.unit.startsWith('working');
  const window = working ? (within?.window !== undefined ? windows.get(within.window) : ctx.defaultWindow) : null;
  if (window?.empty) {
    throw new SlaError(
      'SLA_WINDOW_EMPTY',
      `等级「${ctx.levelKey}」的时限「${name}」按服务时间窗「${window.name}」（${window.key}）计算，但该时间窗没有任何工作时间，时限永远无法达成`,
      { level: ctx.levelKey, target: index, window: window.key },
    );
  }
  const meter: Meter = window ?? CALENDAR_METER;
  const rule: SlaRule = {
    levelKey: ctx.levelKey,
    targetIndex: index,
    windowKey: window?.key ?? null,
    calendarVersion: windows.calendar.version,
    timezone: windows.timezone,
    meter: window ? 'working' : 'calendar',
    within,
    deadlineSource: target.perTicket && perTicketDue !== null ? 'perTicket' : 'within',
    startOn,
    stopOn,
    restartOn: periodic ? 'progressUpdated' : restartOn,
  };
  const base = { key, kind: target.kind, name, rule };

  const startIndex = events.findIndex((e) => e.type === startOn);
  const startEv = events[startIndex];
  const notStarted = (pending: 'startEvent' | 'perTicketDeadline', startAt: number | null): SlaTargetResult => ({
    ...base,
    state: 'notStarted',
    pending,
    startAt: startAt === null ? null : fromEpochMinute(startAt),
    cycleStartAt: null,
    dueAt: null,
    metAt: null,
    breachedAt: null,
    stoppedAt: null,
    allowedMinutes: null,
    elapsedMinutes: 0,
    remainingMinutes: null,
    pausedMinutes: 0,
    warnings: ctx.warnAt.map((percent) => ({ percent, at: null, crossed: false })),
    nextChangeAt: null,
    assumedYears: [],
  });
  if (startIndex < 0 || !startEv) return notStarted('startEvent', null);
  const start = startEv.t;

  const history = clockHistory(events, start, startIndex, stopOn, restartOn, periodic, ctx);
  const stopped = history.stoppedAt !== null;
  const deadline: { kind: 'absolute'; due: number } | { kind: 'duration'; within: TDuration } | null =
    perTicketDue !== null ? { kind: 'absolute', due: perTicketDue } : within !== null ? { kind: 'duration', within } : null;
  if (deadline === null) {
    // perTicket without a deadline yet and without a fallback duration.
    if (stopped && !history.stoppedByClose) {
      return { ...notStarted('perTicketDeadline', start), state: 'met', pending: null, metAt: fromEpochMinute(history.stoppedAt ?? start), stoppedAt: fromEpochMinute(history.stoppedAt ?? start) };
    }
    return notStarted('perTicketDeadline', start);
  }

  const lastEnd = history.stoppedAt ?? now;
  const pausedMinutes = history.paused.reduce((s, [a, b]) => s + meter.betweenAt(a, b), 0);
  const riskPercent = ctx.warnAt.filter((p) => p < 100).pop() ?? 100;
  const percents = [...new Set([...ctx.warnAt, riskPercent, 100])].sort((a, b) => a - b);

  let allowed: number;
  let due: number | null; // the instant the allowance is used up, if reached
  let crossAt: (number | null)[]; // per percent, past or projected
  let elapsed: number;
  let firstBreach: number | null = null;
  let cycleStart: number | null = null;

  if (deadline.kind === 'absolute') {
    // Absolute deadline set by the agency; real minutes; pauses do not move it.
    const fixedDue = deadline.due;
    allowed = Math.max(0, fixedDue - start);
    elapsed = history.cycles.reduce((s, c) => s + c.segments.reduce((x, [a, b]) => x + (b - a), 0), 0) + pausedMinutes;
    due = fixedDue;
    crossAt = percents.map((p) => (p === 100 ? fixedDue : start + Math.ceil((p * allowed) / 100)));
    if (lastEnd > fixedDue) firstBreach = fixedDue;
  } else {
    allowed = allowedMinutes(deadline.within, start, window);
    const required = percents.map((p) => Math.ceil((p * allowed) / 100));
    // Past cycles (progress updates): each ran against the full allowance.
    for (let c = 0; c < history.cycles.length - 1; c++) {
      const cycle = history.cycles[c];
      if (!cycle) continue;
      const { at } = reachInstants(meter, cycle.segments, [allowed]);
      const d = at[0] ?? null;
      if (d !== null && firstBreach === null && (cycle.end ?? now) > d) firstBreach = d;
    }
    const cur = history.cycles[history.cycles.length - 1] ?? { start, segments: [], end: null };
    if (periodic) cycleStart = cur.start;
    const reached = reachInstants(meter, cur.segments, required);
    elapsed = reached.acc;
    const tail = history.stoppedAt ?? now; // for projections: from the stop (display) or from now
    crossAt = required.map((r, k) => {
      const past = reached.at[k] ?? null;
      if (past !== null) return past;
      if (stopped) return null;
      return meter.addAt(tail, r - reached.acc);
    });
    const dueIdx = percents.indexOf(100);
    due = crossAt[dueIdx] ?? null;
    if (due === null && stopped) due = projectQuietly(meter, tail, allowed - reached.acc);
    const curDue = reached.at[dueIdx] ?? null;
    if (curDue !== null && lastEnd > curDue && firstBreach === null) firstBreach = curDue;
  }

  // Which crossings have happened.
  const crossed = crossAt.map((x) => x !== null && x <= lastEnd && x <= now);
  const warnings: SlaWarning[] = ctx.warnAt.map((percent) => {
    const k = percents.indexOf(percent);
    const at = crossAt[k] ?? null;
    const isCrossed = crossed[k] ?? false;
    return { percent, at: at === null || (!isCrossed && stopped) ? null : fromEpochMinute(at), crossed: isCrossed };
  });

  const breached = firstBreach !== null;
  let state: SlaState;
  if (breached) state = 'breached';
  else if (stopped) state = history.stoppedByClose ? 'waived' : 'met';
  else if (history.pausedNow) state = 'paused';
  else if (crossed[percents.indexOf(riskPercent)]) state = 'atRisk';
  else state = 'running';

  // Next change: only running clocks change by themselves, and clocks on an agency-set deadline,
  // which pauses do not move (rule 9): paused, they still cross their warnings and breach.
  let nextChange: number | null = null;
  if (!stopped && (!history.pausedNow || deadline.kind === 'absolute')) {
    const candidates: number[] = [];
    ctx.warnAt.forEach((p) => {
      const x = crossAt[percents.indexOf(p)];
      if (x !== null && x !== undefined && x > now) candidates.push(x);
    });
    // The current deadline becomes a breach one minute after the due minute.
    if (due !== null && due + 1 > now) candidates.push(due + 1);
    nextChange = candidates.length > 0 ? Math.min(...candidates) : null;
  }

  const horizon = Math.max(lastEnd, due ?? lastEnd, ...crossAt.map((x) => x ?? lastEnd));
  const assumedYears = window ? window.assumedYearsAt(start, horizon) : [];

  return {
    ...base,
    state,
    pending: null,
    startAt: fromEpochMinute(start),
    cycleStartAt: cycleStart === null ? null : fromEpochMinute(cycleStart),
    dueAt: due === null ? null : fromEpochMinute(due),
    metAt: state === 'met' && history.stoppedAt !== null ? fromEpochMinute(history.stoppedAt) : null,
    breachedAt: firstBreach === null ? null : fromEpochMinute(firstBreach),
    stoppedAt: history.stoppedAt === null ? null : fromEpochMinute(history.stoppedAt),
    allowedMinutes: allowed,
    elapsedMinutes: elapsed,
    remainingMinutes: allowed - elapsed,
    pausedMinutes,
    warnings,
    nextChangeAt: nextChange === null ? null : fromEpochMinute(nextChange),
    assumedYears,
  };
}

/** A projection that is only for display (a stopped clock): a calendar gap gives null, not an error. */
function projectQuietly(meter: Meter, from: number, minutes: number): number | null {
  try {
    return meter.addAt(from, Math.max(0, minutes));
  } catch (e) {
    if (e instanceof SlaError && (e.code === 'CALENDAR_YEAR_UNPUBLISHED' || e.code === 'CALENDAR_OUT_OF_RANGE')) return null;
    throw e;
  }
}

function checkDuration(d: TDuration, levelKey: string, name: string, index: number): void {
  if (!Number.isInteger(d.amount) || d.amount <= 0) {
    throw new SlaError('SLA_BAD_TARGET', `等级「${levelKey}」的时限「${name}」的时长必须是正整数，收到 ${String(d.amount)}`, { level: levelKey, target: index });
  }
  if (!Object.hasOwn(UNIT_MINUTES, d.unit)) {
    throw new SlaError('SLA_BAD_TARGET', `等级「${levelKey}」的时限「${name}」的时长单位「${String(d.unit)}」无法识别`, { level: levelKey, target: index });
  }
}

function allowedMinutes(within: TDuration, start: number, window: CompiledServiceWindow | null): number {
  if (within.unit === 'workingDays') {
    // A working unit always has a window (resolved in computeTarget); the check keeps the types honest.
    if (!window) throw new SlaError('SLA_BAD_TARGET', '工作日时限必须依据一个服务时间窗计算');
    return window.betweenAt(start, window.addWorkingDaysAt(start, within.amount));
  }
  return within.amount * UNIT_MINUTES[within.unit];
}

// ---------------------------------------------------------------- contract set-up

/** What {@link computeSla} needs from one contract, compiled once per contract and calendar version. */
export interface ContractSla {
  /** The contract's severity levels. */
  readonly levels: readonly SlaLevel[];
  /** Compiled service windows (with the calendar and the contract's time zone). */
  readonly windows: ServiceWindowSet;
  /** `slaPolicy.warnAt`, or the default. */
  readonly warnAt: readonly number[];
  /** `slaPolicy.pauseOn`. */
  readonly pauseOn: readonly string[];
  /**
   * The default window for a ticket on `systemKey`: the system's `serviceWindow`, else its parent's
   * (and so on up), else `slaPolicy.defaultWindow`. Without a system: `slaPolicy.defaultWindow`.
   * @throws {SlaError} `SLA_BAD_INPUT` for an unknown system
   */
  defaultWindowFor(systemKey?: string): string;
}

/**
 * Compile a contract's SLA set-up once (windows with its time zone, policy defaults), to be reused for
 * every ticket of the contract while the calendar version is unchanged:
 *
 * ```ts
 * const sla = prepareContractSla(definition, calendar);
 * const result = computeSla({ ...sla, defaultWindowKey: sla.defaultWindowFor(ticket.systemKey), events, now });
 * ```
 *
 * @throws {SlaError} `SLA_BAD_WINDOW`, `SLA_BAD_TIMEZONE`, `SLA_UNKNOWN_WINDOW` (the policy's default window)
 */
export function prepareContractSla(
  def: Pick<TContractDefinition, 'contract' | 'serviceWindows' | 'systems' | 'slaPolicy' | 'severityLevels'>,
  calendar: WorkingCalendar,
): ContractSla {
  const windows = compileServiceWindows(def.serviceWindows, calendar, { timezone: def.contract.timezone ?? DEFAULT_TIMEZONE });
  const policyDefault = windows.get(def.slaPolicy.defaultWindow).key;
  const systems = new Map(def.systems.map((s) => [s.key, s]));
  const defaultWindowFor = (systemKey?: string): string => {
    if (systemKey === undefined) return policyDefault;
    if (!systems.has(systemKey)) throw new SlaError('SLA_BAD_INPUT', `系统「${systemKey}」不在本合同的系统清单中`, { system: systemKey });
    const seen = new Set<string>();
    for (let key: string | undefined = systemKey; key !== undefined && !seen.has(key); ) {
      seen.add(key);
      const system = systems.get(key);
      if (system?.serviceWindow !== undefined) return windows.get(system.serviceWindow).key;
      key = system?.parent;
    }
    return policyDefault;
  };
  return Object.freeze({
    levels: def.severityLevels,
    windows,
    warnAt: def.slaPolicy.warnAt ?? DEFAULT_WARN_AT,
    pauseOn: def.slaPolicy.pauseOn ?? [],
    defaultWindowFor,
  });
}
