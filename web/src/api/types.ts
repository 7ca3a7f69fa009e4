/**
 * Named types for the UI, all derived from the generated `paths` so that they
 * follow the server's route schemas. Nothing here is written by hand.
 */
import type { paths } from './schema';

/** JSON body of the 200/201 answer of `Method` on `Path`. */
type Ok<Path extends keyof paths, Method extends 'get' | 'post'> = paths[Path][Method] extends {
  responses: infer R;
}
  ? R extends { 200: { content: { 'application/json': infer B } } }
    ? B
    : R extends { 201: { content: { 'application/json': infer B } } }
      ? B
      : never
  : never;

/** The signed-in user (`GET /api/auth/me`). */
export type Me = Ok<'/api/auth/me', 'get'>;
/** One of my roles in one contract. */
export type Membership = Me['memberships'][number];
/** A platform role within a contract. */
export type Role = Membership['role'];

/** A row of `GET /api/contracts`. */
export type ContractSummary = Ok<'/api/contracts', 'get'>[number];
/** `GET /api/contracts/{contractId}`. */
export type ContractDetail = Ok<'/api/contracts/{contractId}', 'get'>;
/** A party of the contract as resolved to an organisation. */
export type ContractParty = ContractDetail['parties'][number];
/** A price item, flattened in document order with its depth. */
export type PriceItem = ContractDetail['priceItems'][number];
/** An imported version of the contract. */
export type ContractVersion = ContractDetail['versions'][number];
/** A member with a role (`GET /api/contracts/{contractId}/members`). */
export type ContractMember = Ok<'/api/contracts/{contractId}/members', 'get'>[number];

/** The contract definition of the current version. */
export type Definition = ContractDetail['definition'];
export type DefinitionParty = Definition['parties'][number];
export type PerformanceBond = NonNullable<Definition['performanceBond']>;
export type PaymentMilestone = Definition['paymentMilestones'][number];
export type ServiceWindow = Definition['serviceWindows'][number];
export type ContractSystem = Definition['systems'][number];
export type SlaPolicy = Definition['slaPolicy'];
export type SeverityLevel = Definition['severityLevels'][number];
export type SlaTarget = SeverityLevel['targets'][number];
export type Criterion = NonNullable<SeverityLevel['criteria']>[number];
export type EscalationStep = NonNullable<SeverityLevel['escalation']>[number];
export type Notify = EscalationStep['notify'][number];
export type Duration = NonNullable<SlaTarget['within']>;
export type Kpi = NonNullable<Definition['kpis']>[number];
export type Obligation = NonNullable<Definition['obligations']>[number];
export type ObligationKind = Obligation['kind'];
export type Frequency = Obligation['schedule']['frequency'];
export type Penalty = NonNullable<Definition['penalties']>[number];
export type Acceptance = NonNullable<Definition['acceptance']>[number];
export type Assumption = NonNullable<Definition['assumptions']>[number];

/** A row of `GET /api/audit`. */
export type AuditRow = Ok<'/api/audit', 'get'>[number];
/** Query of `GET /api/audit`. */
export type AuditQuery = NonNullable<paths['/api/audit']['get']['parameters']['query']>;
/** `POST /api/audit/verify`. */
export type AuditVerifyResult = Ok<'/api/audit/verify', 'post'>;
