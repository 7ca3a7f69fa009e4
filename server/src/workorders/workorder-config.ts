/**
 * What a contract says about a kind of work order: its approval flow and the
 * SLA level (时限类别) whose deadlines apply. Pure: the contract definition in,
 * the resolved rules out. Precedence, most specific first:
 *
 * - flow: the subtype's `approval` → the kind's `approval` → the platform's
 *   default for the subtype → the platform's default for the kind
 *   (see DEFAULT_FLOWS);
 * - level: the subtype's `level` → the kind's `level` → the first severity
 *   level (lowest rank) whose `ticketKinds` names the kind → none (no clock).
 */
import type { ApprovalFlow } from '../approvals/approval-flow.ts';
import type { TApprovalFlowDef, TContractDefinition } from '../contracts/contract-definition.schema.ts';
import { DEFAULT_FLOWS, DEFAULT_SUBTYPE_FLOWS, SUBTYPE_KEYS, type WorkOrderKind } from './workorder-kinds.ts';

/** The rules that apply to one kind and subtype. */
export interface ResolvedWorkOrderRules {
  flow: ApprovalFlow;
  /** Where the flow comes from. */
  flowSource: 'contract' | 'platform';
  /** Line reference of the contract clause, when the contract gives the flow. */
  flowClause: string | null;
  levelKey: string | null;
  levelSource: 'contract' | 'ticketKinds' | 'none';
}

function toFlow(def: TApprovalFlowDef): ApprovalFlow {
  return { steps: def.steps.map((s) => ({ key: s.key, name: s.name, roles: s.roles, mode: s.mode ?? 'any' })) };
}

/** Resolve the flow and the SLA level of a work order of `kind` / `subtype` under `def`. */
export function resolveWorkOrderRules(def: TContractDefinition, kind: WorkOrderKind, subtype: string): ResolvedWorkOrderRules {
  const cfg = def.workOrders?.[kind];
  const sub = cfg?.subtypes?.find((s) => s.subtype === subtype);
  const contractFlow = sub?.approval ?? cfg?.approval;
  const flow = contractFlow ? toFlow(contractFlow) : (DEFAULT_SUBTYPE_FLOWS[kind]?.[subtype] ?? DEFAULT_FLOWS[kind]);
  const explicitLevel = sub?.level ?? cfg?.level;
  let levelKey: string | null = explicitLevel ?? null;
  let levelSource: ResolvedWorkOrderRules['levelSource'] = explicitLevel ? 'contract' : 'none';
  if (!levelKey) {
    const byKind = [...def.severityLevels].sort((a, b) => a.rank - b.rank).find((l) => l.ticketKinds?.includes(kind));
    if (byKind) {
      levelKey = byKind.key;
      levelSource = 'ticketKinds';
    }
  }
  return {
    flow,
    flowSource: contractFlow ? 'contract' : 'platform',
    flowClause: contractFlow ? (contractFlow.source ?? sub?.source ?? cfg?.source ?? null) : null,
    levelKey,
    levelSource,
  };
}

/** The rules of every subtype of `kind`, for forms and the contract page. */
export function rulesOfKind(def: TContractDefinition, kind: WorkOrderKind): { subtype: string; rules: ResolvedWorkOrderRules }[] {
  return SUBTYPE_KEYS[kind].map((subtype) => ({ subtype, rules: resolveWorkOrderRules(def, kind, subtype) }));
}
