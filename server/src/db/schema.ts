/**
 * Kysely table types. Column names are snake_case in SQL; Kysely uses them as is.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

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
  status: Generated<'active' | 'disabled'>;
  failed_attempts: Generated<number>;
  locked_until: Timestamp | null;
  last_sign_in_at: Timestamp | null;
  last_sign_in_ip: string | null;
  created_at: CreatedAt;
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
  search_doubled: ColumnType<string, never, never>;
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
  content: Buffer;
  uploaded_by: string | null;
  uploaded_at: Timestamp;
  deleted_at: Timestamp | null;
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
  audit_log: AuditLogTable;
  jobs: JobsTable;
  calendar_overrides: CalendarOverridesTable;
  sla_clocks: SlaClocksTable;
  sla_events: SlaEventsTable;
  sla_signals: SlaSignalsTable;
  notifications: NotificationsTable;
  incidents: IncidentsTable;
  incident_events: IncidentEventsTable;
  contract_contacts: ContractContactsTable;
  report_up_notices: ReportUpNoticesTable;
  report_up_attempts: ReportUpAttemptsTable;
  attachments: AttachmentsTable;
}

export type UserRow = Selectable<UsersTable>;
export type ContractRow = Selectable<ContractsTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type NewAuditRow = Insertable<AuditLogTable>;
