/**
 * What the SLA engine needs from a contract: its severity levels, compiled
 * service windows on the calendar in force, and the SLA policy. Compiled once
 * per (contract version, calendar version) and reused.
 */
import type { Db, Trx } from '../db/database.ts';
import { contractNotFound } from '../errors.ts';
import type { TContractDefinition } from '../contracts/contract-definition.schema.ts';
import { compileServiceWindows, type ServiceWindowSet } from '../calendar/service-window.ts';
import { loadWorkingCalendar } from '../calendar/calendar.service.ts';
import { DEFAULT_WARN_AT, type SlaLevel } from './sla-engine.ts';

/** A contract's SLA context. */
export interface SlaContext {
  contractId: string;
  versionId: string;
  definition: TContractDefinition;
  windows: ServiceWindowSet;
  levels: readonly SlaLevel[];
  warnAt: readonly number[];
  pauseOn: readonly string[];
  /** The window for working-time targets of a system (its own, its parent's, or the contract default). */
  windowForSystem(systemKey: string | null | undefined): string;
}

const cache = new Map<string, SlaContext>();

/** What identifies a contract's context: its current version (and its time zone, for a version that names none). */
export interface ContractHead {
  current_version_id: string | null;
  timezone: string;
}

/**
 * Load (or reuse) the SLA context of a contract at `now`. `head`: the
 * contract's current version as the caller has just read it (e.g. joined to
 * the ticket it loaded), which saves reading it again.
 */
export async function loadSlaContext(db: Db | Trx, contractId: string, now: Date, head?: ContractHead): Promise<SlaContext> {
  // The version id is enough to find a cached context; the (large) definition is read only on a miss.
  head ??= await db.selectFrom('contracts').select(['current_version_id', 'timezone']).where('id', '=', contractId).executeTakeFirst();
  if (!head?.current_version_id) throw contractNotFound();
  const calendar = await loadWorkingCalendar(db, now);
  const key = `${head.current_version_id}|${calendar.version}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const row = await db.selectFrom('contract_versions').select(['id as version_id', 'definition']).where('id', '=', head.current_version_id).executeTakeFirstOrThrow();
  const def = row.definition as TContractDefinition;
  const windows = compileServiceWindows(def.serviceWindows, calendar, { timezone: def.contract.timezone ?? head.timezone });
  const systems = new Map(def.systems.map((s) => [s.key, s]));
  const ctx: SlaContext = {
    contractId,
    versionId: row.version_id,
    definition: def,
    windows,
    levels: def.severityLevels,
    warnAt: def.slaPolicy.warnAt ?? DEFAULT_WARN_AT,
    pauseOn: def.slaPolicy.pauseOn ?? [],
    windowForSystem: (systemKey) => {
      let cur = systemKey ? systems.get(systemKey) : undefined;
      const seen = new Set<string>();
      while (cur && !seen.has(cur.key)) {
        seen.add(cur.key);
        if (cur.serviceWindow) return cur.serviceWindow;
        cur = cur.parent ? systems.get(cur.parent) : undefined;
      }
      return def.slaPolicy.defaultWindow;
    },
  };
  if (cache.size > 200) cache.clear();
  cache.set(key, ctx);
  return ctx;
}
