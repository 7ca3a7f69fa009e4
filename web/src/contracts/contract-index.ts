/**
 * Lookup tables over one contract, so that tabs can resolve the keys the
 * definition uses for cross references (party, system, window, penalty…).
 */
import type {
  Acceptance,
  ContractDetail,
  ContractSystem,
  DefinitionParty,
  Obligation,
  PaymentMilestone,
  Penalty,
  PriceItem,
  ServiceWindow,
} from '../api/types';

export interface ContractIndex {
  detail: ContractDetail;
  parties: Map<string, DefinitionParty>;
  systems: Map<string, ContractSystem>;
  windows: Map<string, ServiceWindow>;
  priceItems: Map<string, PriceItem>;
  /** Price items by parent key ('' for top level), in document order. */
  priceChildren: Map<string, PriceItem[]>;
  penalties: Map<string, Penalty>;
  obligations: Map<string, Obligation>;
  acceptance: Map<string, Acceptance>;
  payments: Map<string, PaymentMilestone>;
}

function byKey<T extends { key: string }>(items: readonly T[] | undefined): Map<string, T> {
  return new Map((items ?? []).map((i) => [i.key, i]));
}

/** Builds the lookup tables of a contract detail. */
export function buildIndex(detail: ContractDetail): ContractIndex {
  const def = detail.definition;
  const priceChildren = new Map<string, PriceItem[]>();
  for (const item of detail.priceItems) {
    const parent = item.parentKey ?? '';
    const list = priceChildren.get(parent);
    if (list) list.push(item);
    else priceChildren.set(parent, [item]);
  }
  return {
    detail,
    parties: byKey(def.parties),
    systems: byKey(def.systems),
    windows: byKey(def.serviceWindows),
    priceItems: byKey(detail.priceItems),
    priceChildren,
    penalties: byKey(def.penalties),
    obligations: byKey(def.obligations),
    acceptance: byKey(def.acceptance),
    payments: byKey(def.paymentMilestones),
  };
}

/** Short name of a party (falls back to the legal name, then the key). */
export function partyShortName(index: ContractIndex, key: string | null | undefined): string {
  if (!key) return '';
  const p = index.parties.get(key);
  return p ? (p.shortName ?? p.name) : key;
}

/** Legal name of a party. */
export function partyName(index: ContractIndex, key: string | null | undefined): string {
  if (!key) return '';
  return index.parties.get(key)?.name ?? key;
}

/** Name of a system (or the key when unknown). */
export function systemName(index: ContractIndex, key: string): string {
  return index.systems.get(key)?.name ?? key;
}

/** A node of the system tree, as antd's TreeSelect takes it. */
export interface SystemTreeNode {
  value: string;
  title: string;
  children?: SystemTreeNode[];
}

/** The contract's systems as a tree (children under their `parent`), in document order. */
export function systemTree(systems: readonly ContractSystem[]): SystemTreeNode[] {
  const keys = new Set(systems.map((s) => s.key));
  const byParent = new Map<string, ContractSystem[]>();
  for (const s of systems) {
    const parent = s.parent && keys.has(s.parent) ? s.parent : '';
    const list = byParent.get(parent);
    if (list) list.push(s);
    else byParent.set(parent, [s]);
  }
  const build = (parent: string, depth: number): SystemTreeNode[] =>
    (byParent.get(parent) ?? []).map((s) => {
      const children = depth < 20 ? build(s.key, depth + 1) : [];
      return children.length ? { value: s.key, title: s.name, children } : { value: s.key, title: s.name };
    });
  return build('', 0);
}

/** The system and its ancestors, nearest first. */
export function systemAncestry(systems: readonly ContractSystem[], key: string): string[] {
  const byKey = new Map(systems.map((s) => [s.key, s]));
  const out: string[] = [];
  let cur = byKey.get(key);
  while (cur && !out.includes(cur.key)) {
    out.push(cur.key);
    cur = cur.parent ? byKey.get(cur.parent) : undefined;
  }
  return out;
}
