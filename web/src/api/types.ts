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

/** JSON request body of `Method` on `Path`. */
type Body<Path extends keyof paths, Method extends 'post'> = paths[Path][Method] extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

/** `GET /api/calendar/years/{year}`. */
export type CalendarYear = Ok<'/api/calendar/years/{year}', 'get'>;
/** A named or overridden day of a year. */
export type CalendarDay = CalendarYear['days'][number];
/** A row of `GET /api/calendar/overrides`. */
export type CalendarOverride = Ok<'/api/calendar/overrides', 'get'>[number];
/** Body of `POST /api/calendar/overrides`. */
export type NewCalendarOverride = Body<'/api/calendar/overrides', 'post'>;
/** `POST /api/contracts/{contractId}/sla/preview`. */
export type SlaPreview = Ok<'/api/contracts/{contractId}/sla/preview', 'post'>;
/** Body of the SLA preview. */
export type SlaPreviewInput = Body<'/api/contracts/{contractId}/sla/preview', 'post'>;
/** `GET /api/contracts/{contractId}/working-time`. */
export type WorkingTime = Ok<'/api/contracts/{contractId}/working-time', 'get'>;
/** The due times of every target of a level (a preview or a live clock). */
export type SlaResult = SlaPreview['result'];
/** One target's state and due time. */
export type SlaTargetResult = SlaResult['targets'][number];
/** The rule that produced a due time. */
export type SlaRule = SlaTargetResult['rule'];
/** State of one target. */
export type SlaTargetState = SlaTargetResult['state'];

/** A row of the incident list / board. */
export type Incident = Ok<'/api/contracts/{contractId}/incidents', 'get'>[number];
/** Lifecycle state of an incident. */
export type IncidentStatus = Incident['status'];
/** Query of the incident list. */
export type IncidentQuery = NonNullable<paths['/api/contracts/{contractId}/incidents']['get']['parameters']['query']>;
/** Body of `POST /api/contracts/{contractId}/incidents`. */
export type NewIncident = Body<'/api/contracts/{contractId}/incidents', 'post'>;
/** Intake channel. */
export type IncidentChannel = NewIncident['channel'];
/** Answers to the impact questions. */
export type IncidentImpact = NonNullable<NewIncident['impact']>;
/** `GET /api/incidents/{incidentId}`. */
export type IncidentDetail = Ok<'/api/incidents/{incidentId}', 'get'>;
/** One timeline event. */
export type IncidentEvent = IncidentDetail['events'][number];
/** A command on an incident. */
export type IncidentCommand = Body<'/api/incidents/{incidentId}/commands', 'post'>['command'];
/** The command types. */
export type IncidentCommandType = IncidentCommand['type'];
/** Reason an incident waits. */
export type WaitingReason = Extract<IncidentCommand, { type: 'wait' }>['reason'];
/** A report-up notice with its attempts. */
export type ReportUpNotice = Ok<'/api/incidents/{incidentId}/report-ups', 'get'>[number];
/** An attachment of an incident. */
export type Attachment = Ok<'/api/incidents/{incidentId}/attachments', 'get'>[number];
/** Answer of an upload. */
export type UploadedAttachment = Ok<'/api/incidents/{incidentId}/attachments', 'post'>;

/** JSON request body of a PATCH on `Path`. */
type PatchBody<Path extends keyof paths> = paths[Path] extends { patch: { requestBody: { content: { 'application/json': infer B } } } } ? B : never;

/** A row of the work-order list. */
export type WorkOrder = Ok<'/api/contracts/{contractId}/work-orders', 'get'>['items'][number];
/** The five kinds of work order. */
export type WorkOrderKind = WorkOrder['kind'];
/** Lifecycle state of a work order. */
export type WorkOrderState = WorkOrder['state'];
/** Query of the work-order list. */
export type WorkOrderQuery = NonNullable<paths['/api/contracts/{contractId}/work-orders']['get']['parameters']['query']>;
/** Body of `POST /api/contracts/{contractId}/work-orders`. */
export type NewWorkOrder = Body<'/api/contracts/{contractId}/work-orders', 'post'>;
/** Body of `PATCH /api/work-orders/{workOrderId}`. */
export type WorkOrderEdit = PatchBody<'/api/work-orders/{workOrderId}'>;
/** `GET /api/work-orders/{workOrderId}`. */
export type WorkOrderDetail = Ok<'/api/work-orders/{workOrderId}', 'get'>;
/** The approval state of a work order. */
export type WorkOrderApproval = WorkOrderDetail['approval'];
/** One recorded approval decision. */
export type WorkOrderDecision = WorkOrderApproval['decisions'][number];
/** One timeline event of a work order. */
export type WorkOrderEvent = WorkOrderDetail['events'][number];
/** A link of a work order to an incident or another work order. */
export type WorkOrderLink = WorkOrderDetail['links'][number];
/** A data-access grant of a data work order. */
export type AccessGrant = WorkOrderDetail['accessGrants'][number];
/** What commands recorded on a work order (execution, delivery, result…). */
export type WorkOrderOutcome = WorkOrder['outcome'];
/** A command on a work order. */
export type WorkOrderCommand = Body<'/api/work-orders/{workOrderId}/commands', 'post'>['command'];
/** The work-order command types. */
export type WorkOrderCommandType = WorkOrderCommand['type'];
/** `GET /api/contracts/{contractId}/work-order-rules`. */
export type WorkOrderRules = Ok<'/api/contracts/{contractId}/work-order-rules', 'get'>;
/** The rules of one kind. */
export type WorkOrderKindRules = WorkOrderRules['kinds'][number];
/** A row of the approvals inbox (`GET /api/approvals/inbox`). */
export type ApprovalInboxItem = Ok<'/api/approvals/inbox', 'get'>[number];

/** The contract's sites inside the caller's district/street scope (`GET /api/contracts/{contractId}/sites`). */
export type ScopedSites = Ok<'/api/contracts/{contractId}/sites', 'get'>;
/** One site of the contract. */
export type ContractSite = ScopedSites['sites'][number];
