/**
 * Shared set-up of the work-order tests: a factory contract with a data-work
 * level (30-minute response), a content level (3 working days), and a release
 * flow with a countersign (会签) step; people on both sides.
 */
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/db/database.ts';
import type { Ctx } from '../../src/shared/context.ts';
import type { PersonalDataCategory } from '../../src/workorders/workorder-kinds.ts';
import { buildContract, buildUser, signInAs, type Plain } from '../helpers/factories.ts';

/** Mutate a factory contract: work-order levels and flows. */
export function withWorkOrders(d: Plain): void {
  const levels = d['severityLevels'] as Plain[];
  levels.push(
    {
      key: 'D1',
      name: '数据运维需求',
      rank: 2,
      definition: '采购方提出的数据运维需求',
      ticketKinds: ['dataWorkOrder', 'serviceRequest'],
      targets: [{ kind: 'respond', name: '提出需求后响应', within: { amount: 30, unit: 'minutes' } }],
    },
    {
      key: 'CT',
      name: '内容维护',
      rank: 3,
      definition: '用户方提交的内容维护',
      ticketKinds: ['content'],
      targets: [{ kind: 'resolve', name: '3 个工作日内处理', within: { amount: 3, unit: 'workingDays', window: 'w5x8' } }],
    },
  );
  d['workOrders'] = {
    release: {
      approval: {
        steps: [{ key: 'countersign', name: '甲方会签', roles: ['agencyProjectLead', 'agencyReviewer'], mode: 'all' }],
      },
    },
  };
}

/** The people of a work-order test. */
export interface People {
  engineer: { id: string; username: string; password: string };
  engineer2: { id: string; username: string; password: string };
  pm: { id: string; username: string; password: string };
  teamLead: { id: string; username: string; password: string };
  lead: { id: string; username: string; password: string };
  lead2: { id: string; username: string; password: string };
  reviewer: { id: string; username: string; password: string };
}

/** A contract with work-order rules and its people. */
export async function buildWorkOrderContract(db: Db): Promise<{ contractId: string; people: People }> {
  const c = await buildContract(db, withWorkOrders);
  const people: People = {
    engineer: await buildUser(db, { contractId: c.id, roles: ['engineer'] }),
    engineer2: await buildUser(db, { contractId: c.id, roles: ['engineer'] }),
    pm: await buildUser(db, { contractId: c.id, roles: ['vendorProjectManager'] }),
    teamLead: await buildUser(db, { contractId: c.id, roles: ['vendorTeamLead'] }),
    lead: await buildUser(db, { contractId: c.id, roles: ['agencyProjectLead'] }),
    lead2: await buildUser(db, { contractId: c.id, roles: ['agencyProjectLead'] }),
    reviewer: await buildUser(db, { contractId: c.id, roles: ['agencyReviewer'] }),
  };
  return { contractId: c.id, people };
}

/** Sign everyone in; returns their cookies. */
export async function signInAll(app: FastifyInstance, people: People): Promise<Record<keyof People, string>> {
  const entries = await Promise.all(Object.entries(people).map(async ([k, u]) => [k, await signInAs(app, u)] as const));
  return Object.fromEntries(entries) as Record<keyof People, string>;
}

/** A use-case context for a person at a fixed instant (service-level tests). */
export function ctxAt(user: { id: string; username: string }, now: Date, displayName = '测试'): Ctx {
  return {
    user: { id: user.id, username: user.username, displayName, organisationId: null, organisationName: null, isPlatformAdmin: false, sessionId: 's', lastSignInAt: null, lastSignInIp: null },
    clientIp: null,
    now,
  };
}

/** A complete data-extraction request on system S1 for the given window. */
export function dataExtraction(executorId: string, windowStart: Date, windowEnd: Date, extra: Record<string, unknown> = {}) {
  return {
    kind: 'dataWorkOrder' as const,
    subtype: 'extraction' as const,
    title: '提取残疾人两项补贴 2024 年发放名单',
    description: '市社会福利管理处来函，需提取 2024 年度发放名单用于核对',
    systemKey: 'S1',
    assigneeUserId: executorId,
    windowStart: windowStart.toISOString(),
    windowEnd: windowEnd.toISOString(),
    details: {
      purpose: '核对 2024 年度补贴发放名单',
      legalBasis: '合同 8.5.3 条；市社会福利管理处 2024 年 5 月来函',
      tables: [{ name: 'subsidy_payment', fields: ['name', 'id_number', 'bank_account', 'amount'] }],
      personalDataCategories: ['name', 'idNumber', 'bankAccount'] satisfies PersonalDataCategory[],
      rowEstimate: 12000,
      environment: '甲方政务外网运维终端',
      deliveryMethod: '加密压缩包当面交付',
    },
    ...extra,
  };
}
