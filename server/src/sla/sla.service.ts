/**
 * SLA use cases for the API: preview the due times of a hypothetical ticket,
 * and measure working time on a contract's service window.
 */
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../shared/context.ts';
import { requireContractRoles } from '../contracts/contract-access.ts';
import { computeSla } from './sla-engine.ts';
import { loadSlaContext } from './sla-context.ts';
import { serializeSlaResult } from './sla-clock.service.ts';

/** A hypothetical ticket. */
export interface PreviewInput {
  levelKey: string;
  reportedAt: Date;
  systemKey?: string | undefined;
  siteZone?: 'urban' | 'suburban' | undefined;
  tags?: string[] | undefined;
}

/** Due times of every target of a level for a ticket reported at `reportedAt`. */
export async function previewDueTimes(db: Db, ctx: Ctx, contractId: string, input: PreviewInput) {
  await requireContractRoles(db, ctx, contractId);
  const sla = await loadSlaContext(db, contractId, ctx.now);
  const level = sla.levels.find((l) => l.key === input.levelKey);
  if (!level) throw new AppError('VALIDATION_FAILED', `合同未定义故障等级「${input.levelKey}」（已定义：${sla.levels.map((l) => l.key).join('、')}）`);
  if (input.systemKey && !sla.definition.systems.some((s) => s.key === input.systemKey)) {
    throw new AppError('VALIDATION_FAILED', `合同中没有系统「${input.systemKey}」`);
  }
  const result = computeSla({
    levels: sla.levels,
    windows: sla.windows,
    defaultWindowKey: sla.windowForSystem(input.systemKey),
    events: [{ type: 'created', at: input.reportedAt, level: input.levelKey }],
    now: input.reportedAt,
    warnAt: sla.warnAt,
    pauseOn: sla.pauseOn,
    conditions: { siteZone: input.siteZone, tags: input.tags },
  });
  return { levelName: level.name ?? level.key, windowKey: sla.windowForSystem(input.systemKey), result: serializeSlaResult(result) };
}

/** Working minutes between two instants on one of the contract's windows. */
export async function workingTimeBetween(db: Db, ctx: Ctx, contractId: string, windowKey: string, from: Date, to: Date) {
  await requireContractRoles(db, ctx, contractId);
  if (to < from) throw new AppError('VALIDATION_FAILED', '结束时间早于开始时间');
  const sla = await loadSlaContext(db, contractId, ctx.now);
  const w = sla.windows.get(windowKey);
  const minutes = w.workingMinutesBetween(from, to);
  const assumed = w.assumedYears(from, to);
  return {
    windowKey,
    windowName: w.name,
    minutes,
    text: `${Math.floor(minutes / 60)} 小时 ${minutes % 60} 分钟`,
    calendarVersion: sla.windows.calendar.version,
    assumptions: assumed.map((y) => `${y} 年的放假安排尚未发布，按周一至周五为工作日计算`),
  };
}
