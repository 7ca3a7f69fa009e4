/**
 * Security labels (安全标记; 等保 访问控制 g, security.md check 8): every
 * incident and work order carries one, and every contract grant a clearance,
 * the highest label its holder may read. Ordered: 公开 < 内部 < 敏感. A record
 * above the caller's clearance is treated exactly like one outside their
 * district/street scope: absent from lists, searches, totals, exports and the
 * inbox, and 404 on every single read or command.
 *
 * Pure: ordering, names and the SQL predicate; the integrity MAC is in label-mac.ts.
 */
import { sql, type Expression, type SqlBool } from 'kysely';

/** Every label, lowest first, with its rank and Chinese name. */
export const SECURITY_LABELS = {
  public: { rank: 0, name: '公开' },
  internal: { rank: 1, name: '内部' },
  sensitive: { rank: 2, name: '敏感' },
} as const;

/** A security label (also used as a clearance). */
export type SecurityLabel = keyof typeof SECURITY_LABELS;

/** All labels, lowest first. */
export const SECURITY_LABEL_KEYS = ['public', 'internal', 'sensitive'] as const satisfies readonly SecurityLabel[];

/** The label of a new record when its author names none. */
export const DEFAULT_LABEL: SecurityLabel = 'internal';

/** The clearance of a new grant when the administrator names none. */
export const DEFAULT_CLEARANCE: SecurityLabel = 'internal';

/** The label a record reads as when its integrity cannot be shown (fail closed). */
export const HIGHEST_LABEL: SecurityLabel = 'sensitive';

/** Whether `value` is a known label. */
export function isSecurityLabel(value: string): value is SecurityLabel {
  return Object.hasOwn(SECURITY_LABELS, value);
}

/** The stored label, or the highest one when the value is unknown (fail closed). */
export function asSecurityLabel(value: string): SecurityLabel {
  return isSecurityLabel(value) ? value : HIGHEST_LABEL;
}

/** A stored clearance, or the lowest one when the value is unknown (fail closed). */
export function asClearance(value: string | null): SecurityLabel {
  return value !== null && isSecurityLabel(value) ? value : 'public';
}

/** Whether a holder of `clearance` may read a record labelled `label`. */
export function mayRead(clearance: SecurityLabel, label: SecurityLabel): boolean {
  return SECURITY_LABELS[label].rank <= SECURITY_LABELS[clearance].rank;
}

/** The labels a holder of `clearance` may read (and set), lowest first. */
export function labelsWithin(clearance: SecurityLabel): SecurityLabel[] {
  return SECURITY_LABEL_KEYS.filter((l) => mayRead(clearance, l));
}

/** The highest of some clearances (`public` for none). */
export function highestOf(labels: readonly string[]): SecurityLabel {
  let best: SecurityLabel = 'public';
  for (const l of labels) if (isSecurityLabel(l) && SECURITY_LABELS[l].rank > SECURITY_LABELS[best].rank) best = l;
  return best;
}

/** Chinese name of a label. */
export function labelName(label: SecurityLabel): string {
  return SECURITY_LABELS[label].name;
}

/**
 * A Kysely predicate keeping the rows a holder of `clearance` may read, for
 * tables with a `security_label` and a `label_alarm_at` column (names as
 * Kysely references, e.g. 'i.security_label'). A row the integrity verifier
 * flagged reads as the highest label.
 */
export function labelFilter(clearance: SecurityLabel, columns: { label: string; alarm: string }): Expression<SqlBool> {
  if (clearance === HIGHEST_LABEL) return sql<SqlBool>`TRUE`;
  return sql<SqlBool>`(${sql.ref(columns.label)} IN (${sql.join(labelsWithin(clearance))}) AND ${sql.ref(columns.alarm)} IS NULL)`;
}
