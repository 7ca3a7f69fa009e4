/**
 * Typed readers of a work order's `details` (the request of its kind, sent
 * by the API as a plain record) and of timeline event data. The server
 * validated the shape; these only narrow `unknown` without assertions.
 */
import type { WorkOrderKind } from '../api/types';

type Rec = Record<string, unknown>;

/** A non-empty string, or null. */
export function str(d: Rec, key: string): string | null {
  const v = d[key];
  return typeof v === 'string' && v.trim() ? v : null;
}

/** A number, or null. */
export function num(d: Rec, key: string): number | null {
  const v = d[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A boolean (false when missing). */
export function bool(d: Rec, key: string): boolean {
  return d[key] === true;
}

/** The strings of an array field. */
export function strs(d: Rec, key: string): string[] {
  const v = d[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** One table of a data work order with its fields. */
export interface DataTable {
  name: string;
  fields: string[];
}

/** The tables and fields of a data work order. */
export function tablesOf(d: Rec): DataTable[] {
  const v = d['tables'];
  if (!Array.isArray(v)) return [];
  return v.filter(isRec).map((x) => ({ name: str(x, 'name') ?? '', fields: strs(x, 'fields') }));
}

/** The request of a service request. */
export interface ServiceRequestDetails {
  contact: string | null;
  location: string | null;
  expectedBy: string | null;
}

/** The request of a data work order. */
export interface DataWorkOrderDetails {
  purpose: string | null;
  legalBasis: string | null;
  tables: DataTable[];
  personalDataCategories: string[];
  rowEstimate: number | null;
  environment: string | null;
  deliveryMethod: string | null;
  /** The unmasked export asked for (an extraction only), or null. */
  exportScope: UnmaskedExportScope | null;
}

/** The records an unmasked export asks for. */
export interface UnmaskedExportScope {
  reportedFrom: string;
  reportedTo: string;
  systemKeys: string[];
}

function exportScopeOf(d: Rec): UnmaskedExportScope | null {
  const v = d['exportScope'];
  if (!isRec(v)) return null;
  const from = str(v, 'reportedFrom');
  const to = str(v, 'reportedTo');
  return from && to ? { reportedFrom: from, reportedTo: to, systemKeys: strs(v, 'systemKeys') } : null;
}

/** The request of a change. */
export interface ChangeDetails {
  reason: string | null;
  riskLevel: string | null;
  risks: string | null;
  method: string | null;
  tools: string | null;
  steps: string[];
  rollbackPlan: string | null;
  backupConfirmed: boolean;
  backupNote: string | null;
  affectedSystems: string[];
  verificationPlan: string | null;
}

/** The request of a release. */
export interface ReleaseDetails {
  version: string | null;
  environment: string | null;
  testEvidence: string | null;
  releaseNotes: string | null;
  observationHours: number | null;
}

/** The request of a content item. */
export interface ContentDetails {
  channel: string | null;
  body: string | null;
  displayUntil: string | null;
  securityScan: string | null;
}

/** The details of any kind, tagged by kind. */
export type KindDetails =
  | { kind: 'serviceRequest'; d: ServiceRequestDetails }
  | { kind: 'dataWorkOrder'; d: DataWorkOrderDetails }
  | { kind: 'change'; d: ChangeDetails }
  | { kind: 'release'; d: ReleaseDetails }
  | { kind: 'content'; d: ContentDetails };

/** Read the details of an order of `kind`. */
export function readDetails(kind: WorkOrderKind, d: Rec): KindDetails {
  switch (kind) {
    case 'serviceRequest':
      return { kind, d: { contact: str(d, 'contact'), location: str(d, 'location'), expectedBy: str(d, 'expectedBy') } };
    case 'dataWorkOrder':
      return {
        kind,
        d: {
          purpose: str(d, 'purpose'),
          legalBasis: str(d, 'legalBasis'),
          tables: tablesOf(d),
          personalDataCategories: strs(d, 'personalDataCategories'),
          rowEstimate: num(d, 'rowEstimate'),
          environment: str(d, 'environment'),
          deliveryMethod: str(d, 'deliveryMethod'),
          exportScope: exportScopeOf(d),
        },
      };
    case 'change':
      return {
        kind,
        d: {
          reason: str(d, 'reason'),
          riskLevel: str(d, 'riskLevel'),
          risks: str(d, 'risks'),
          method: str(d, 'method'),
          tools: str(d, 'tools'),
          steps: strs(d, 'steps'),
          rollbackPlan: str(d, 'rollbackPlan'),
          backupConfirmed: bool(d, 'backupConfirmed'),
          backupNote: str(d, 'backupNote'),
          affectedSystems: strs(d, 'affectedSystems'),
          verificationPlan: str(d, 'verificationPlan'),
        },
      };
    case 'release':
      return {
        kind,
        d: { version: str(d, 'version'), environment: str(d, 'environment'), testEvidence: str(d, 'testEvidence'), releaseNotes: str(d, 'releaseNotes'), observationHours: num(d, 'observationHours') },
      };
    case 'content':
      return { kind, d: { channel: str(d, 'channel'), body: str(d, 'body'), displayUntil: str(d, 'displayUntil'), securityScan: str(d, 'securityScan') } };
  }
}
