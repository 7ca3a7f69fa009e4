/**
 * Kysely table types. Column names are snake_case in SQL; Kysely uses them as is.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { WorkOrderState } from '../workorders/workorder-state.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** JSONB column: written as a JSON string or value, read as parsed JSON. */
type Json<T = unknown> = ColumnType<T, string, string>;
/** bigint columns are read as strings by node-postgres; we parse them in repositories. */
type BigIntCol = ColumnType<string, number | string | bigint, number | string | bigint>;

export interface OrganisationsTable {
  id: Generated<string>;
  name: string;
  kind: 'agency' | 'vendor' | 'thirdParty' | 'platform';
  created_at: CreatedAt;
}

export interface UsersTable {
  id: Generated<string>;
  username: string;
  display_name: string;
  organisation_id: string | null;
  password_hash: string;
  is_platform_admin: Generated<boolean>;
  /** The platform's security auditor (migration 0019): reads and verifies the whole audit trail; never also a platform administrator. */
  is_platform_auditor: Generated<boolean>;
  status: Generated<'active' | 'disabled'>;
  failed_attempts: Generated<number>;
  locked_until: Timestamp | null;
  last_sign_in_at: Timestamp | null;
  last_sign_in_ip: string | null;
  created_at: CreatedAt;
  /** When the current password was set (forced change after YUNWEI_PASSWORD_MAX_AGE_DAYS). */
  password_changed_at: ColumnType<Date, Date | string | undefined, Date | string>;
  /** The password was set by an administrator: it must be changed at the next sign-in. */
  must_change_password: Generated<boolean>;
  /** A demo account (demo seed): never forced to change its password. */
  demo_account: Generated<boolean>;
}

/** Hashes of a user's replaced passwords (a new password may not repeat one of the last five). */
export interface UserPasswordHistoryTable {
  id: Generated<string>;
  user_id: string;
  password_hash: string;
  replaced_at: Timestamp;
}

export interface SessionsTable {
  id: Generated<string>;
  token_hash: string;
  user_id: string;
  created_at: CreatedAt;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  client_ip: string | null;
  user_agent: string | null;
  revoked_at: Timestamp | null;
  /** 'complete', or a password-only session that may only pass the second factor ('secondFactor') or enrol TOTP ('enrolment'). */
  stage: Generated<'complete' | 'secondFactor' | 'enrolment' | 'passwordChange'>;
  /** Last re-authentication (step-up) in this session. */
  reauthenticated_at: Timestamp | null;
}

export interface UserTotpTable {
  user_id: string;
  /** The active TOTP secret, sealed (auth/totp.ts `sealTotpSecret`); null until a first code is confirmed. */
  secret: string | null;
  confirmed_at: Timestamp | null;
  /** Highest 30-second step accepted so far: a code is usable once. */
  last_used_step: BigIntCol | null;
  /** A new secret being enrolled (sealed); it replaces `secret` once a code from it is confirmed. */
  pending_secret: string | null;
  pending_since: Timestamp | null;
}

export interface UserRecoveryCodesTable {
  id: Generated<string>;
  user_id: string;
  /** SM3 digest of the user id and the normalised code; the code itself is shown once and never stored. */
  code_hash: string;
  created_at: Timestamp;
  used_at: Timestamp | null;
}

export interface AuditAnchorsTable {
  id: ColumnType<string, never, never>;
  anchored_at: Timestamp;
  last_seq: BigIntCol;
  last_hash: string;
  row_count: BigIntCol;
  public_key: string;
  signature: string;
  file_name: string;
}

export interface ContractsTable {
  id: Generated<string>;
  code: string;
  name: string;
  period_start: string;
  period_end: string;
  timezone: string;
  total_amount_fen: BigIntCol;
  current_version_id: string | null;
  created_at: CreatedAt;
  /** Last day (contract time zone) of an explicit extension of the vendor side's access; null = none. */
  vendor_access_extended_until: string | null;
  /** When the vendor side's access ends: period end + grace setting, or the extension if later. */
  vendor_access_ends_at: Timestamp;
}

export interface ContractVersionsTable {
  id: Generated<string>;
  contract_id: string;
  version: number;
  format_version: number;
  definition: Json;
  source_yaml: string;
  source_digest: string;
  effective_from: Timestamp;
  imported_by: string | null;
  imported_at: CreatedAt;
  note: string | null;
}

export interface ContractPartiesTable {
  contract_id: string;
  party_key: string;
  organisation_id: string;
  side: 'agency' | 'vendor' | 'thirdParty';
  lead_member: boolean;
}

export interface ContractSystemsTable {
  id: Generated<string>;
  contract_id: string;
  version_id: string;
  key: string;
  name: string;
  parent_key: string | null;
  service_window_key: string | null;
  sort: number;
}

export interface ContractPriceItemsTable {
  id: Generated<string>;
  contract_id: string;
  version_id: string;
  key: string;
  parent_key: string | null;
  name: string;
  quantity: string | null;
  unit: string | null;
  unit_price_fen: BigIntCol | null;
  amount_fen: BigIntCol;
  member_party_key: string | null;
  system_keys: string[];
  depth: number;
  sort: number;
}

export interface MembershipsTable {
  id: Generated<string>;
  user_id: string;
  contract_id: string;
  role: string;
  granted_by: string | null;
  granted_at: CreatedAt;
  revoked_at: Timestamp | null;
  /** Agency grants may be limited to a district (and a street within it); null = the whole contract. */
  scope_district: string | null;
  scope_street: string | null;
  /** The highest security label the holder may read through this grant (migration 0016). */
  clearance: Generated<'public' | 'internal' | 'sensitive'>;
  /** A vendor-side grant (vendor role, or held by a person of a vendor party): stops counting when the contract's vendor access ends (migration 0017). */
  vendor_side: Generated<boolean>;
}

export interface AuditLogTable {
  seq: ColumnType<string, never, never>;
  id: Generated<string>;
  occurred_at: Timestamp;
  actor_user_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  contract_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: Json | null;
  after: Json | null;
  client_ip: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * An audit row waiting for its transaction's COMMIT, where a deferred trigger
 * links it into `audit_log` (migration 0007). Rows never outlive their transaction.
 */
export interface AuditPendingTable {
  id: string;
  occurred_at: Timestamp;
  actor_user_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  contract_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: Json | null;
  after: Json | null;
  client_ip: string | null;
  /** The canonical hash input before the previous row's hash. */
  hash_head: string;
  /** The canonical hash input after the previous row's hash. */
  hash_tail: string;
}

export interface JobsTable {
  id: Generated<string>;
  kind: string;
  payload: Json;
  dedupe_key: string | null;
  run_at: Timestamp;
  status: Generated<'pending' | 'running' | 'done' | 'failed'>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  last_error: string | null;
  locked_until: Timestamp | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
}

export interface CalendarOverridesTable {
  id: ColumnType<string, never, never>;
  date: string;
  kind: 'holiday' | 'workday';
  name: string;
  reason: string | null;
  effective_from: Timestamp;
  created_by: string | null;
  created_at: CreatedAt;
  retracted_at: Timestamp | null;
  retracted_by: string | null;
}

export interface SlaClocksTable {
  id: Generated<string>;
  contract_id: string;
  subject_type: string;
  subject_id: string;
  system_key: string | null;
  conditions: Json;
  is_open: Generated<boolean>;
  level_key: string;
  next_deadline_at: Timestamp | null;
  result: Json | null;
  computed_at: Timestamp | null;
  calendar_version: string | null;
  contract_version_id: string | null;
  /** The clock's schedule is in `sla_clock_schedules` and the sweep replays it (migration 0015). */
  scheduled: Generated<boolean>;
}

/** A clock's schedule and what the sweep moves (migration 0015). */
export interface SlaClockSchedulesTable {
  clock_id: string;
  subject_type: string;
  subject_id: string;
  /** The first step still to come; null: none. */
  next_at: Timestamp | null;
  /** sla-schedule.ts `ClockSchedule`, as of the last recomputation. */
  steps: Json;
  /** Summary as of the last step reached (or the recomputation): nearest open due instant. */
  due_at: Timestamp | null;
  breached: boolean;
  at_risk: boolean;
}

export interface SlaEventsTable {
  id: ColumnType<string, never, never>;
  clock_id: string;
  type: string;
  at: Timestamp;
  data: Json;
  recorded_at: Timestamp;
}

export interface SlaSignalsTable {
  id: ColumnType<string, never, never>;
  clock_id: string;
  contract_id: string;
  target_key: string;
  kind: 'warning' | 'breach';
  percent: number;
  deadline_at: Timestamp;
  fired_at: Timestamp;
}

export interface NotificationsTable {
  id: Generated<string>;
  contract_id: string | null;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  subject_type: string | null;
  subject_id: string | null;
  dedupe_key: string | null;
  created_at: Timestamp;
  read_at: Timestamp | null;
}

export interface IncidentsTable {
  id: Generated<string>;
  contract_id: string;
  number: string;
  title: string;
  description: string;
  system_key: string;
  site: string | null;
  site_zone: 'urban' | 'suburban' | null;
  /** The contract site (`contract_sites.key`) and its district/street, for scopes (migration 0012). */
  site_key: string | null;
  district: string | null;
  street: string | null;
  channel: string;
  reporter_name: string;
  reporter_org: string | null;
  reporter_contact: string | null;
  reported_at: Timestamp;
  created_at: Timestamp;
  created_by: string | null;
  level_key: string;
  suggested_level_key: string | null;
  level_reason: string | null;
  impact: Json;
  tags: string[];
  status: string;
  waiting_reason: string | null;
  line: Generated<number>;
  assignee_user_id: string | null;
  assignee_team: string | null;
  supplier_name: string | null;
  supplier_consent: Json | null;
  leader_approval_required: boolean;
  leader_approval: Json | null;
  resolution: string | null;
  satisfaction: number | null;
  callback_note: string | null;
  sla_next_deadline_at: Timestamp | null;
  sla_due_at: Timestamp | null;
  sla_breached: Generated<boolean>;
  sla_at_risk: Generated<boolean>;
  version: Generated<number>;
  updated_at: Timestamp;
  /** SM4 envelope with the originals of the masked personal-data fields (privacy/pii-vault.ts). */
  pii_sealed: string | null;
  /** Blind indexes of the personal values (exact lookup without plaintext). */
  pii_index: Generated<string[]>;
  /** When the record was sealed; null only for rows older than migration 0011. */
  pii_sealed_at: Timestamp | null;
  /** When the retention job destroyed the sealed originals (migration 0019); the masked text stays. */
  pii_anonymised_at: Timestamp | null;
  /** Security label (migration 0016): public | internal | sensitive (labels/security-label.ts). */
  security_label: Generated<'public' | 'internal' | 'sensitive'>;
  /** HMAC-SM3 of (table, id, contract, label), "<key id>.<hex>"; null only for rows older than migration 0016 until the first start. */
  label_mac: string | null;
  /** When the integrity verifier found the MAC broken; the row reads as sensitive until its label is set again. */
  label_alarm_at: Timestamp | null;
}

/** An incident's search text and blind indexes (migration 0021), kept in step by triggers on `incidents`. */
export interface IncidentSearchTable {
  incident_id: string;
  /** The title and description, lower case, every character doubled (`yunwei_search_double`). */
  doubled: ColumnType<string, never, never>;
  pii_index: ColumnType<string[], never, never>;
}

export interface IncidentEventsTable {
  id: ColumnType<string, never, never>;
  incident_id: string;
  type: string;
  at: Timestamp;
  actor_user_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  data: Json;
}

export interface ContractContactsTable {
  id: Generated<string>;
  contract_id: string;
  position: string;
  name: string;
  side: 'agency' | 'vendor';
  user_id: string | null;
  phone: string | null;
  email: string | null;
  priority: Generated<number>;
  active: Generated<boolean>;
  created_at: Timestamp;
}

export type NoticeStatus = 'pending' | 'awaitingCall' | 'delivered' | 'acknowledged' | 'escalated' | 'exhausted' | 'cancelled';

export interface ReportUpNoticesTable {
  id: Generated<string>;
  contract_id: string;
  incident_id: string;
  level_key: string;
  target_index: number;
  notify_index: number;
  position: string;
  channels: string[];
  channel_index: Generated<number>;
  contact_id: string | null;
  escalation_step: Generated<number>;
  status: NoticeStatus;
  message: string;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  acknowledged_at: Timestamp | null;
  acknowledged_by: string | null;
  next_action_at: Timestamp | null;
  version: Generated<number>;
}

export interface ReportUpAttemptsTable {
  id: ColumnType<string, never, never>;
  notice_id: string;
  channel: string;
  recipient: string | null;
  status: 'sent' | 'failed' | 'skipped' | 'awaitingCall' | 'answered' | 'unanswered';
  detail: string | null;
  at: Timestamp;
}

export interface AttachmentsTable {
  id: Generated<string>;
  contract_id: string;
  subject_type: string;
  subject_id: string;
  file_name: string;
  mime_type: string;
  size_bytes: number;
  digest_sm3: string;
  /** Null once destroyed at contract close-out. */
  content: Buffer | null;
  uploaded_by: string | null;
  uploaded_at: Timestamp;
  deleted_at: Timestamp | null;
  destroyed_at: Timestamp | null;
}

export interface ContractCloseoutsTable {
  id: Generated<string>;
  contract_id: string;
  status: 'exported' | 'destroyed' | 'verified';
  exported_by: string | null;
  exported_at: Timestamp;
  export_digest_sm3: string;
  export_summary: Json;
  destroyed_by: string | null;
  destroyed_at: Timestamp | null;
  destruction_summary: ColumnType<unknown, string | null, string | null>;
  verified_at: Timestamp | null;
  verification: ColumnType<unknown, string | null, string | null>;
  version: Generated<number>;
}

export interface WorkOrdersTable {
  id: Generated<string>;
  contract_id: string;
  number: string;
  kind: 'serviceRequest' | 'dataWorkOrder' | 'change' | 'release' | 'content';
  subtype: string;
  system_key: string | null;
  /** The contract site concerned, its name and district/street, for scopes (migration 0012). */
  site_key: string | null;
  site: string | null;
  district: string | null;
  street: string | null;
  title: string;
  description: string;
  state: WorkOrderState;
  version: Generated<number>;
  created_by: string;
  requester_user_id: string;
  requester_name: string | null;
  requested_at: Timestamp;
  assignee_user_id: string | null;
  window_start: Timestamp | null;
  window_end: Timestamp | null;
  /** The request, validated per kind (workorders/workorder.schema.ts). */
  details: Json;
  /** What was done: execution evidence, results, publication (written by commands). */
  outcome: Json;
  level_key: string | null;
  /** The approval flow in force, copied from the contract at submission. */
  approval_flow: Json | null;
  approval_round: Generated<number>;
  approval_step_key: string | null;
  approval_waiting_roles: Generated<string[]>;
  approval_step_since: Timestamp | null;
  submitted_at: Timestamp | null;
  approved_at: Timestamp | null;
  responded_at: Timestamp | null;
  scheduled_publish_at: Timestamp | null;
  closed_at: Timestamp | null;
  sla_next_deadline_at: Timestamp | null;
  sla_due_at: Timestamp | null;
  sla_breached: Generated<boolean>;
  sla_at_risk: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  search_doubled: ColumnType<string, never, never>;
  /** SM4 envelope with the originals of the masked personal-data fields. */
  pii_sealed: string | null;
  pii_index: Generated<string[]>;
  pii_sealed_at: Timestamp | null;
  /** When the retention job destroyed the sealed originals (migration 0019); the masked text stays. */
  pii_anonymised_at: Timestamp | null;
  /** Security label (migration 0016): public | internal | sensitive (labels/security-label.ts). */
  security_label: Generated<'public' | 'internal' | 'sensitive'>;
  /** HMAC-SM3 of (table, id, contract, label), "<key id>.<hex>"; null only for rows older than migration 0016 until the first start. */
  label_mac: string | null;
  /** When the integrity verifier found the MAC broken; the row reads as sensitive until its label is set again. */
  label_alarm_at: Timestamp | null;
}

export interface WorkOrderApprovalsTable {
  id: ColumnType<string, never, never>;
  work_order_id: string;
  round: number;
  step_key: string;
  user_id: string;
  user_name: string;
  role: string;
  decision: 'approve' | 'reject';
  comment: string;
  at: Timestamp;
}

export interface WorkOrderEventsTable {
  id: ColumnType<string, never, never>;
  work_order_id: string;
  type: string;
  at: Timestamp;
  actor_user_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  data: Json;
}

export interface WorkOrderLinksTable {
  id: ColumnType<string, never, never>;
  work_order_id: string;
  target_type: 'incident' | 'workOrder';
  target_id: string;
  relation: string;
  created_by: string | null;
  created_at: Timestamp;
}

export interface DataAccessGrantsTable {
  id: Generated<string>;
  contract_id: string;
  work_order_id: string;
  user_id: string;
  system_key: string | null;
  scope: Json;
  starts_at: Timestamp;
  ends_at: Timestamp;
  status: 'active' | 'expired' | 'revoked';
  granted_at: Timestamp;
  ended_at: Timestamp | null;
  end_reason: string | null;
}

export interface ContractSitesTable {
  id: Generated<string>;
  contract_id: string;
  version_id: string;
  key: string;
  name: string;
  kind: string | null;
  district: string | null;
  street: string | null;
  zone: 'urban' | 'suburban' | null;
  system_keys: string[];
  sort: number;
}

export type StaffStatus = 'proposed' | 'accepted' | 'active' | 'rejected' | 'left';
export type EducationLevel = 'highSchoolOrBelow' | 'secondaryVocational' | 'juniorCollege' | 'bachelor' | 'master' | 'doctorate';

/** One qualification of a roster entry (certificate or experience). */
export interface StaffQualification {
  name: string;
  certificateNo?: string | undefined;
  issuedOn?: string | undefined;
  validUntil?: string | undefined;
}

export interface StaffMembersTable {
  id: Generated<string>;
  contract_id: string;
  person_name: string;
  user_id: string | null;
  position_key: string | null;
  position_name: string;
  member_party_key: string | null;
  qualifications: Json<StaffQualification[]>;
  education: EducationLevel;
  system_start_on: string;
  experience_years: number | null;
  background_check_on: string | null;
  background_check_result: 'passed' | 'failed' | 'pending' | null;
  agreement_signed_on: string | null;
  agreement_document_id: string | null;
  status: StaffStatus;
  accepted_by: string | null;
  accepted_at: Timestamp | null;
  rejected_reason: string | null;
  started_on: string | null;
  left_on: string | null;
  left_at: Timestamp | null;
  left_reason: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export type StaffDocumentKind = 'agreement' | 'backgroundCheck' | 'qualification' | 'entryApplication' | 'exitApplication' | 'other';

export interface StaffDocumentsTable {
  id: Generated<string>;
  contract_id: string;
  staff_member_id: string;
  kind: StaffDocumentKind;
  file_name: string;
  mime_type: string;
  size_bytes: number;
  digest_sm3: string;
  /** Null once destroyed at contract close-out (migration 0014). */
  content: Buffer | null;
  uploaded_by: string | null;
  uploaded_at: Timestamp;
  destroyed_at: Timestamp | null;
}

export type ReplacementStatus = 'open' | 'overdue' | 'fulfilled' | 'withdrawn';

export interface StaffReplacementRequestsTable {
  id: Generated<string>;
  contract_id: string;
  staff_member_id: string;
  reason: string;
  requested_by: string | null;
  requested_at: Timestamp;
  due_at: Timestamp;
  deadline_rule: string;
  status: ReplacementStatus;
  overdue_at: Timestamp | null;
  replacement_member_id: string | null;
  fulfilled_at: Timestamp | null;
  withdrawn_at: Timestamp | null;
  withdrawn_reason: string | null;
}

export interface AccessReviewsTable {
  id: Generated<string>;
  contract_id: string;
  reviewed_by: string | null;
  reviewer_name: string;
  reviewed_at: Timestamp;
  comment: string;
  grant_count: number;
  snapshot_hash: string;
  snapshot: Json;
  next_due_on: string;
}

/** The whole database. */
export interface Database {
  organisations: OrganisationsTable;
  users: UsersTable;
  sessions: SessionsTable;
  contracts: ContractsTable;
  contract_versions: ContractVersionsTable;
  contract_parties: ContractPartiesTable;
  contract_systems: ContractSystemsTable;
  contract_price_items: ContractPriceItemsTable;
  memberships: MembershipsTable;
  contract_sites: ContractSitesTable;
  staff_members: StaffMembersTable;
  staff_documents: StaffDocumentsTable;
  staff_replacement_requests: StaffReplacementRequestsTable;
  access_reviews: AccessReviewsTable;
  audit_log: AuditLogTable;
  audit_pending: AuditPendingTable;
  user_totp: UserTotpTable;
  user_recovery_codes: UserRecoveryCodesTable;
  user_password_history: UserPasswordHistoryTable;
  audit_anchors: AuditAnchorsTable;
  jobs: JobsTable;
  calendar_overrides: CalendarOverridesTable;
  sla_clocks: SlaClocksTable;
  sla_clock_schedules: SlaClockSchedulesTable;
  sla_events: SlaEventsTable;
  sla_signals: SlaSignalsTable;
  notifications: NotificationsTable;
  incidents: IncidentsTable;
  incident_events: IncidentEventsTable;
  incident_search: IncidentSearchTable;
  contract_contacts: ContractContactsTable;
  report_up_notices: ReportUpNoticesTable;
  report_up_attempts: ReportUpAttemptsTable;
  attachments: AttachmentsTable;
  work_orders: WorkOrdersTable;
  work_order_approvals: WorkOrderApprovalsTable;
  work_order_events: WorkOrderEventsTable;
  work_order_links: WorkOrderLinksTable;
  data_access_grants: DataAccessGrantsTable;
  contract_closeouts: ContractCloseoutsTable;
}

export type UserRow = Selectable<UsersTable>;
export type ContractRow = Selectable<ContractsTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type NewAuditRow = Insertable<AuditLogTable>;
