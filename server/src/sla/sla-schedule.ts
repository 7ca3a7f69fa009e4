/**
 * What time alone does to a computed clock, as pure functions over a stored
 * (JSON) engine result, with the instant passed in.
 *
 * Between two events a clock's result changes by itself only at known
 * instants: a running target crosses a warning percentage, or passes its due
 * minute and becomes breached (engine rules 11 and 12). Everything else
 * (pauses, stops, level changes, per-ticket deadlines, reopening) needs an
 * event, and every event recomputes the clock from its history.
 *
 * So, at each recomputation, the clock stores its {@link ClockSchedule}: each
 * future instant at which it changes, the warnings and breaches recorded then,
 * and the clock's {@link ClockSummary} from then on. The sweep then only
 * replays the schedule in SQL (signals, next deadline, summary) instead of
 * recomputing histories, and readers advance the stored result to the
 * instant they need with {@link advanceSlaResult}.
 *
 * Not advanced: `elapsedMinutes` / `remainingMinutes` (working time needs the
 * calendar) and `computedAt` stay as of the last recomputation; `dueAt` is the
 * instant to count down to.
 */
import type { SlaResult, SlaState } from './sla-engine.ts';

/** Recursively replace Date with string. */
export type JsonOf<T> = T extends Date ? string : T extends readonly (infer U)[] ? JsonOf<U>[] : T extends object ? { [K in keyof T]: JsonOf<T[K]> } : T;

/** {@link SlaResult} with every Date as an ISO string (as stored and served). */
export type SlaResultJson = JsonOf<SlaResult>;

/** One target of a {@link SlaResultJson}. */
export type SlaTargetJson = SlaResultJson['targets'][number];

/** A warning or a breach, identified as `sla_signals` identifies it. */
export interface SignalSpec {
  targetKey: string;
  kind: 'warning' | 'breach';
  percent: number;
  /** The target's due instant (ISO) when it fired. */
  deadlineAt: string;
}

/** What a ticket's row shows of its clock: the nearest open deadline and the breached / at-risk flags. */
export interface ClockSummary {
  /** Nearest due instant (ISO) of a running, at-risk or paused target; null when none. */
  dueAt: string | null;
  /** Some target is breached. */
  breached: boolean;
  /** Some target is at risk (past its largest warning below 100%, not breached). */
  atRisk: boolean;
}

/** One future instant of a clock's schedule. */
export interface ScheduleStep extends ClockSummary {
  /** The instant (ISO, a whole minute) at which the result changes by itself. */
  at: string;
  /** The warnings and breaches reached at that instant (new since the previous step). */
  signals: SignalSpec[];
}

/** A clock's future instants in time order; empty when nothing changes without an event. */
export type ClockSchedule = ScheduleStep[];

const MINUTE = 60_000;

/** Whole epoch minute at or before `t` (the engine's resolution). */
function minuteOf(t: Date): number {
  return Math.floor(t.getTime() / MINUTE);
}

function minuteOfIso(iso: string | null): number | null {
  return iso === null ? null : Math.floor(Date.parse(iso) / MINUTE);
}

function isoOfMinute(m: number): string {
  return new Date(m * MINUTE).toISOString();
}

/** The percentage at which a target becomes at risk: as the engine picks it (the last warning below 100%, else 100). */
function riskPercentOf(t: SlaTargetJson): number {
  return t.warnings.filter((w) => w.percent < 100).pop()?.percent ?? 100;
}

/** A target advanced to epoch minute `now` (only a target that changes by itself moves). */
function advanceTarget(t: SlaTargetJson, now: number): SlaTargetJson {
  const next = minuteOfIso(t.nextChangeAt);
  if (next === null || next > now) return t;
  const due = minuteOfIso(t.dueAt);
  const warnings = t.warnings.map((w) => {
    const at = minuteOfIso(w.at);
    return w.crossed || at === null || at > now ? w : { ...w, crossed: true };
  });
  const breachedNow = due !== null && now > due;
  let state: SlaState = t.state;
  let breachedAt = t.breachedAt;
  if (breachedNow) {
    state = 'breached';
    breachedAt ??= t.dueAt;
  } else if (state === 'running') {
    const risk = riskPercentOf(t);
    const riskAt = risk === 100 ? due : minuteOfIso(t.warnings.find((w) => w.percent === risk)?.at ?? null);
    if (riskAt !== null && riskAt <= now) state = 'atRisk';
  }
  const candidates: number[] = [];
  for (const w of warnings) {
    const at = minuteOfIso(w.at);
    if (at !== null && at > now) candidates.push(at);
  }
  if (due !== null && due + 1 > now) candidates.push(due + 1);
  const nextChangeAt = candidates.length > 0 ? isoOfMinute(Math.min(...candidates)) : null;
  return { ...t, state, breachedAt, warnings, nextChangeAt };
}

/**
 * The result as it stands at `at` when no event happened since it was
 * computed: warnings crossed, targets at risk or breached, next change and
 * next deadline moved on. Returns the same object when nothing changed.
 */
export function advanceSlaResult(result: SlaResultJson, at: Date): SlaResultJson {
  const now = minuteOf(at);
  const next = minuteOfIso(result.nextDeadlineAt);
  if (next === null || next > now) return result;
  const targets = result.targets.map((t) => advanceTarget(t, now));
  let nextDeadline: number | null = null;
  for (const t of targets) {
    const m = minuteOfIso(t.nextChangeAt);
    if (m !== null && (nextDeadline === null || m < nextDeadline)) nextDeadline = m;
  }
  return { ...result, targets, nextDeadlineAt: nextDeadline === null ? null : isoOfMinute(nextDeadline) };
}

/** The warnings and breaches a result has reached (each is recorded once per deadline). */
export function reachedSignals(result: SlaResultJson): SignalSpec[] {
  const out: SignalSpec[] = [];
  for (const t of result.targets) {
    if (!t.dueAt) continue;
    if (t.state === 'breached' && t.breachedAt) out.push({ targetKey: t.key, kind: 'breach', percent: 100, deadlineAt: t.dueAt });
    if (t.state === 'met' || t.state === 'waived') continue;
    for (const w of t.warnings) {
      if (w.crossed && w.percent < 100) out.push({ targetKey: t.key, kind: 'warning', percent: w.percent, deadlineAt: t.dueAt });
    }
  }
  return out;
}

/** Identity of a signal (target, kind, percent, deadline minute). */
export function signalSpecKey(s: SignalSpec): string {
  return `${s.targetKey}|${s.kind}|${s.percent}|${Date.parse(s.deadlineAt)}`;
}

/** A clock's {@link ClockSummary}. */
export function summariseResult(result: SlaResultJson): ClockSummary {
  let dueAt: string | null = null;
  let due = Infinity;
  for (const t of result.targets) {
    if ((t.state === 'running' || t.state === 'atRisk' || t.state === 'paused') && t.dueAt) {
      const m = Date.parse(t.dueAt);
      if (m < due) {
        due = m;
        dueAt = t.dueAt;
      }
    }
  }
  return { dueAt, breached: result.targets.some((t) => t.state === 'breached'), atRisk: result.targets.some((t) => t.state === 'atRisk') };
}

interface Change {
  /** Epoch minute. */
  at: number;
  target: number;
  kind: 'warning' | 'breach';
  percent: number;
}

/**
 * Every future instant at which `result` changes by itself (its successive
 * next deadlines), each with the signals reached then and the summary from
 * then on: what replaying {@link advanceSlaResult} step by step would give
 * (test/sla/sla-schedule.test.ts checks both against the engine), computed in
 * one pass over the targets' warning and breach instants.
 */
export function scheduleOf(result: SlaResultJson): ClockSchedule {
  if (result.nextDeadlineAt === null) return [];
  const targets = result.targets;
  const states: SlaState[] = targets.map((t) => t.state);
  const changes: Change[] = [];
  targets.forEach((t, i) => {
    if (t.nextChangeAt === null) return;
    for (const w of t.warnings) {
      const at = minuteOfIso(w.at);
      if (!w.crossed && at !== null) changes.push({ at, target: i, kind: 'warning', percent: w.percent });
    }
    const due = minuteOfIso(t.dueAt);
    if (due !== null) changes.push({ at: due + 1, target: i, kind: 'breach', percent: 100 });
  });
  changes.sort((a, b) => a.at - b.at || (a.kind === b.kind ? 0 : a.kind === 'warning' ? -1 : 1));
  const riskPercents = targets.map(riskPercentOf);
  const steps: ClockSchedule = [];
  for (let k = 0; k < changes.length; ) {
    const at = changes[k]?.at ?? 0;
    const signals: SignalSpec[] = [];
    for (; k < changes.length && changes[k]?.at === at; k++) {
      const c = changes[k];
      const t = c ? targets[c.target] : undefined;
      if (!c || !t || t.dueAt === null) continue;
      if (c.kind === 'breach') {
        // A target breached in an earlier cycle (progress updates) has recorded its breach already.
        if (t.state !== 'breached') signals.push({ targetKey: t.key, kind: 'breach', percent: 100, deadlineAt: t.dueAt });
        states[c.target] = 'breached';
        continue;
      }
      if (c.percent < 100) signals.push({ targetKey: t.key, kind: 'warning', percent: c.percent, deadlineAt: t.dueAt });
      if (c.percent === riskPercents[c.target] && states[c.target] === 'running') states[c.target] = 'atRisk';
    }
    steps.push({ at: isoOfMinute(at), signals, ...summaryOf(targets, states) });
  }
  return steps;
}

/** {@link summariseResult} with the targets' states replaced by `states`. */
function summaryOf(targets: readonly SlaTargetJson[], states: readonly SlaState[]): ClockSummary {
  let dueAt: string | null = null;
  let due = Infinity;
  let breached = false;
  let atRisk = false;
  targets.forEach((t, i) => {
    const state = states[i];
    if (state === 'breached') breached = true;
    else if (state === 'atRisk') atRisk = true;
    if ((state === 'running' || state === 'atRisk' || state === 'paused') && t.dueAt) {
      const m = Date.parse(t.dueAt);
      if (m < due) {
        due = m;
        dueAt = t.dueAt;
      }
    }
  });
  return { dueAt, breached, atRisk };
}
