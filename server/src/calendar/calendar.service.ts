/**
 * The working calendar in the database: the official calendar (from the
 * `chinese-days` package) plus administrators' overrides, with history.
 * A calendar change re-computes every open SLA clock (a job, enqueued in the
 * same transaction).
 */
import type { Db, Trx } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { actorOf } from '../orgs/user.service.ts';
import { sm3Hex } from '../shared/crypto.ts';
import type { Ctx } from '../shared/context.ts';
import { enqueueJob } from '../jobs/job.queue.ts';
import { recomputeAllClocksJob } from '../sla/sla.jobs.ts';
import { createWorkingCalendar, type WorkingCalendar, type DayInfo } from './working-calendar.ts';
import { loadOfficialCalendar } from './official-calendar.ts';

const cache = new Map<string, WorkingCalendar>();

type OverrideRow = { id: string; date: string; kind: 'holiday' | 'workday'; name: string; effective_from: Date; retracted_at: Date | null };

/**
 * Every override row (the table is small), re-read at most once a second per
 * process and at once after a change made here; other processes see a change
 * within a second, and the recompute job that every change enqueues runs after that.
 */
let rowsCache: { rows: OverrideRow[]; at: number } | null = null;
const ROWS_TTL_MS = 1000;

async function allOverrides(db: Db | Trx): Promise<OverrideRow[]> {
  if (rowsCache && performance.now() - rowsCache.at < ROWS_TTL_MS) return rowsCache.rows;
  const rows = await db.selectFrom('calendar_overrides').select(['id', 'date', 'kind', 'name', 'effective_from', 'retracted_at']).orderBy('date').execute();
  const typed = rows.map((r) => ({ id: String(r.id), date: r.date, kind: r.kind, name: r.name, effective_from: new Date(r.effective_from), retracted_at: r.retracted_at ? new Date(r.retracted_at) : null }));
  rowsCache = { rows: typed, at: performance.now() };
  return typed;
}

/** Overrides in force at `at`. */
async function activeOverrides(db: Db | Trx, at: Date) {
  return (await allOverrides(db)).filter((r) => r.effective_from <= at && (r.retracted_at === null || r.retracted_at > at));
}

/**
 * The working calendar in force at `at`. Its version names the official data
 * source and the set of overrides, so every due time can say what produced it.
 * Years not yet published are assumed Mon–Fri, and results say so.
 */
export async function loadWorkingCalendar(db: Db | Trx, at: Date): Promise<WorkingCalendar> {
  const rows = await activeOverrides(db, at);
  const official = loadOfficialCalendar();
  const version = rows.length === 0 ? `${official.source}` : `${official.source}+调整${rows.length}项#${sm3Hex(rows.map((r) => `${r.id}:${r.date}:${r.kind}`).join(',')).slice(0, 8)}`;
  const hit = cache.get(version);
  if (hit) return hit;
  const calendar = createWorkingCalendar({
    overrides: rows.map((r) => ({ date: r.date, kind: r.kind, name: r.name })),
    version,
    assumeUnpublished: 'weekdays',
  });
  if (cache.size > 50) cache.clear();
  cache.set(version, calendar);
  return calendar;
}

/** Input of an override. */
export interface OverrideInput {
  date: string;
  kind: 'holiday' | 'workday';
  name: string;
  reason?: string | undefined;
  effectiveFrom?: Date | undefined;
}

/** Add (or replace) an override for one date. Platform administrators only (checked by the route). */
export async function addCalendarOverride(db: Db, ctx: Ctx, input: OverrideInput): Promise<{ id: string }> {
  const effectiveFrom = input.effectiveFrom ?? ctx.now;
  // validate the date against the calendar's range before writing anything
  const probe = createWorkingCalendar({ overrides: [{ date: input.date, kind: input.kind, name: input.name }], assumeUnpublished: 'weekdays' });
  const info: DayInfo = probe.dayInfo(input.date);
  return db.transaction().execute(async (trx) => {
    const previous = await trx
      .updateTable('calendar_overrides')
      .set({ retracted_at: ctx.now, retracted_by: ctx.user.id })
      .where('date', '=', input.date)
      .where('retracted_at', 'is', null)
      .returning(['id', 'kind', 'name'])
      .executeTakeFirst();
    const row = await trx
      .insertInto('calendar_overrides')
      .values({ date: input.date, kind: input.kind, name: input.name, reason: input.reason ?? null, effective_from: effectiveFrom, created_by: ctx.user.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(
      trx,
      actorOf(ctx),
      {
        action: 'calendar.overrideSet',
        entityType: 'calendarDay',
        entityId: input.date,
        contractId: null,
        before: previous ? { kind: previous.kind, name: previous.name } : null,
        after: { kind: input.kind, name: input.name, reason: input.reason ?? null, effectiveFrom: effectiveFrom.toISOString(), workday: info.workday },
      },
      ctx.now,
    );
    await enqueueJob(trx, recomputeAllClocksJob, { reason: `calendar ${input.date}` }, { runAt: effectiveFrom > ctx.now ? effectiveFrom : ctx.now });
    rowsCache = null;
    return { id: String(row.id) };
  });
}

/** Retract an override (the official arrangement applies again). */
export async function retractCalendarOverride(db: Db, ctx: Ctx, id: string): Promise<void> {
  if (!/^\d+$/.test(id)) throw new AppError('NOT_FOUND', '该日历调整不存在');
  await db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('calendar_overrides')
      .set({ retracted_at: ctx.now, retracted_by: ctx.user.id })
      .where('id', '=', id as never)
      .where('retracted_at', 'is', null)
      .returning(['date', 'kind', 'name'])
      .executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND', '该日历调整不存在或已撤销');
    await recordAudit(trx, actorOf(ctx), { action: 'calendar.overrideRetracted', entityType: 'calendarDay', entityId: row.date, contractId: null, before: { kind: row.kind, name: row.name } }, ctx.now);
    await enqueueJob(trx, recomputeAllClocksJob, { reason: `calendar ${row.date} retracted` }, { runAt: ctx.now });
    rowsCache = null;
  });
}

/** Every override ever made, newest first, with who made and retracted it. */
export async function listCalendarOverrides(db: Db) {
  const rows = await db
    .selectFrom('calendar_overrides as o')
    .leftJoin('users as c', 'c.id', 'o.created_by')
    .leftJoin('users as r', 'r.id', 'o.retracted_by')
    .select(['o.id', 'o.date', 'o.kind', 'o.name', 'o.reason', 'o.effective_from', 'o.created_at', 'o.retracted_at', 'c.display_name as created_by_name', 'r.display_name as retracted_by_name'])
    .orderBy('o.id', 'desc')
    .execute();
  return rows.map((r) => ({
    id: String(r.id),
    date: r.date,
    kind: r.kind,
    name: r.name,
    reason: r.reason,
    effectiveFrom: new Date(r.effective_from).toISOString(),
    createdAt: new Date(r.created_at).toISOString(),
    createdBy: r.created_by_name,
    retractedAt: r.retracted_at ? new Date(r.retracted_at).toISOString() : null,
    retractedBy: r.retracted_by_name,
  }));
}

/** The days of a year that are not ordinary (holidays, make-up workdays), plus the year's status. */
export function yearView(calendar: WorkingCalendar, year: number) {
  const days: { date: string; workday: boolean; reason: DayInfo['reason']; name: string | null; source: DayInfo['source'] }[] = [];
  let workdays = 0;
  const start = Date.UTC(year, 0, 1);
  for (let t = start; new Date(t).getUTCFullYear() === year; t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    const d = calendar.dayInfo(date);
    if (d.workday) workdays++;
    if (d.reason === 'holiday' || d.reason === 'makeupWorkday' || d.source === 'override') {
      days.push({ date, workday: d.workday, reason: d.reason, name: d.name, source: d.source });
    }
  }
  return {
    year,
    published: calendar.isPublishedYear(year),
    calendarVersion: calendar.version,
    source: calendar.source,
    workdays,
    days,
    note: calendar.isPublishedYear(year) ? null : `${year} 年的放假安排尚未由国务院办公厅发布，暂按周一至周五为工作日、周六周日休息计算；发布后将更新。`,
  };
}
