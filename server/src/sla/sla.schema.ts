/**
 * HTTP schemas of SLA results (instants as ISO strings).
 */
import { z } from 'zod';
import { DURATION_UNITS, TARGET_KINDS, TARGET_EVENTS } from '../contracts/contract-definition.schema.ts';

const ZIso = z.string().describe('ISO 8601 时间（UTC）');

export const ZSlaTargetResult = z.object({
  key: z.string(),
  kind: z.enum(TARGET_KINDS),
  name: z.string().describe('时限名称'),
  rule: z.object({
    levelKey: z.string(),
    targetIndex: z.number(),
    windowKey: z.string().nullable().describe('计算工作时间所用的服务时间窗；日历时间为 null'),
    calendarVersion: z.string().describe('所用工作日历版本'),
    timezone: z.string(),
    meter: z.enum(['working', 'calendar']),
    within: z.object({ amount: z.number(), unit: z.enum(DURATION_UNITS), window: z.string().optional() }).nullable(),
    deadlineSource: z.enum(['within', 'perTicket']),
    startOn: z.enum(TARGET_EVENTS),
    stopOn: z.enum(TARGET_EVENTS),
    restartOn: z.enum(['reopened', 'progressUpdated']).nullable(),
  }),
  state: z.enum(['notStarted', 'running', 'atRisk', 'paused', 'met', 'breached', 'waived']),
  pending: z.enum(['startEvent', 'perTicketDeadline']).nullable(),
  startAt: ZIso.nullable(),
  cycleStartAt: ZIso.nullable(),
  dueAt: ZIso.nullable().describe('截止时间（最后一个按时的分钟）'),
  metAt: ZIso.nullable(),
  breachedAt: ZIso.nullable(),
  stoppedAt: ZIso.nullable(),
  allowedMinutes: z.number().nullable(),
  elapsedMinutes: z.number(),
  remainingMinutes: z.number().nullable(),
  pausedMinutes: z.number(),
  warnings: z.array(z.object({ percent: z.number(), at: ZIso.nullable(), crossed: z.boolean() })),
  nextChangeAt: ZIso.nullable(),
  assumedYears: z.array(z.number()),
});

export const ZSlaResult = z.object({
  levelKey: z.string(),
  computedAt: ZIso,
  calendarVersion: z.string(),
  timezone: z.string(),
  targets: z.array(ZSlaTargetResult),
  nextDeadlineAt: ZIso.nullable(),
  assumptions: z.array(z.object({ year: z.number(), message: z.string() })),
});
