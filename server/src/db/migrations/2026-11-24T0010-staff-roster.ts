/**
 * Vendor staff roster (人员管理) and access scoping:
 * - contract_sites: the sites (outlets, kiosks, offices) of each contract version, with district and street;
 * - memberships.scope_district / scope_street: an agency grant may be limited to one district or street;
 * - staff_members, staff_documents, staff_replacement_requests: the roster, its files and the agency's replacement requests;
 * - access_reviews: periodic permission reviews with a hash of the grant list reviewed.
 * Frozen: never edit after merge; add a new migration instead.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE contract_sites (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      version_id uuid NOT NULL REFERENCES contract_versions(id),
      key text NOT NULL,
      name text NOT NULL,
      kind text,
      district text,
      street text,
      zone text CHECK (zone IN ('urban', 'suburban')),
      system_keys text[] NOT NULL DEFAULT '{}',
      sort integer NOT NULL,
      UNIQUE (version_id, key),
      CHECK (street IS NULL OR district IS NOT NULL)
    )`.execute(db);
  await sql`CREATE INDEX contract_sites_scope ON contract_sites (contract_id, district, street)`.execute(db);
  // backfill: sites of versions imported before this migration
  await sql`
    INSERT INTO contract_sites (contract_id, version_id, key, name, kind, district, street, zone, system_keys, sort)
    SELECT v.contract_id, v.id, s.value->>'key', s.value->>'name', s.value->>'kind', s.value->>'district', s.value->>'street', s.value->>'zone',
           COALESCE(ARRAY(SELECT jsonb_array_elements_text(s.value->'systems')), '{}'), (s.ordinality - 1)::int
    FROM contract_versions v
    CROSS JOIN LATERAL jsonb_array_elements(COALESCE(v.definition->'sites', '[]'::jsonb)) WITH ORDINALITY AS s(value, ordinality)`.execute(db);

  await sql`ALTER TABLE memberships ADD COLUMN scope_district text, ADD COLUMN scope_street text`.execute(db);
  await sql`ALTER TABLE memberships ADD CONSTRAINT memberships_scope_street_in_district CHECK (scope_street IS NULL OR scope_district IS NOT NULL)`.execute(db);
  // one active grant per (user, contract, role, area): an agency user may hold a role for several districts
  await sql`DROP INDEX memberships_active`.execute(db);
  await sql`
    CREATE UNIQUE INDEX memberships_active ON memberships (user_id, contract_id, role, COALESCE(scope_district, ''), COALESCE(scope_street, ''))
    WHERE revoked_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE staff_members (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      person_name text NOT NULL,
      user_id uuid REFERENCES users(id),
      position_key text,
      position_name text NOT NULL,
      member_party_key text,
      qualifications jsonb NOT NULL DEFAULT '[]',
      education text NOT NULL CHECK (education IN ('highSchoolOrBelow', 'secondaryVocational', 'juniorCollege', 'bachelor', 'master', 'doctorate')),
      system_start_on date NOT NULL,
      experience_years integer CHECK (experience_years >= 0),
      background_check_on date,
      background_check_result text CHECK (background_check_result IN ('passed', 'failed', 'pending')),
      agreement_signed_on date,
      agreement_document_id uuid,
      status text NOT NULL CHECK (status IN ('proposed', 'accepted', 'active', 'rejected', 'left')),
      accepted_by uuid REFERENCES users(id),
      accepted_at timestamptz,
      rejected_reason text,
      started_on date,
      left_on date,
      left_at timestamptz,
      left_reason text,
      created_by uuid REFERENCES users(id),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      version integer NOT NULL DEFAULT 1
    )`.execute(db);
  await sql`CREATE INDEX staff_members_contract ON staff_members (contract_id, status)`.execute(db);
  // a user account belongs to at most one current roster entry per contract
  await sql`CREATE UNIQUE INDEX staff_members_user_current ON staff_members (contract_id, user_id) WHERE user_id IS NOT NULL AND status NOT IN ('left', 'rejected')`.execute(db);

  await sql`
    CREATE TABLE staff_documents (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      staff_member_id uuid NOT NULL REFERENCES staff_members(id),
      kind text NOT NULL CHECK (kind IN ('agreement', 'backgroundCheck', 'qualification', 'entryApplication', 'exitApplication', 'other')),
      file_name text NOT NULL,
      mime_type text NOT NULL,
      size_bytes integer NOT NULL,
      digest_sm3 text NOT NULL,
      content bytea NOT NULL,
      uploaded_by uuid REFERENCES users(id),
      uploaded_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX staff_documents_member ON staff_documents (staff_member_id)`.execute(db);
  await sql`ALTER TABLE staff_members ADD CONSTRAINT staff_members_agreement_fk FOREIGN KEY (agreement_document_id) REFERENCES staff_documents(id)`.execute(db);

  await sql`
    CREATE TABLE staff_replacement_requests (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      staff_member_id uuid NOT NULL REFERENCES staff_members(id),
      reason text NOT NULL,
      requested_by uuid REFERENCES users(id),
      requested_at timestamptz NOT NULL,
      due_at timestamptz NOT NULL,
      deadline_rule text NOT NULL,
      status text NOT NULL CHECK (status IN ('open', 'overdue', 'fulfilled', 'withdrawn')),
      overdue_at timestamptz,
      replacement_member_id uuid REFERENCES staff_members(id),
      fulfilled_at timestamptz,
      withdrawn_at timestamptz,
      withdrawn_reason text
    )`.execute(db);
  await sql`CREATE INDEX staff_replacements_due ON staff_replacement_requests (due_at) WHERE status = 'open'`.execute(db);
  await sql`CREATE INDEX staff_replacements_contract ON staff_replacement_requests (contract_id)`.execute(db);
  // at most one pending request per person
  await sql`CREATE UNIQUE INDEX staff_replacements_pending ON staff_replacement_requests (staff_member_id) WHERE status IN ('open', 'overdue')`.execute(db);

  await sql`
    CREATE TABLE access_reviews (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      reviewed_by uuid REFERENCES users(id),
      reviewer_name text NOT NULL,
      reviewed_at timestamptz NOT NULL,
      comment text NOT NULL,
      grant_count integer NOT NULL,
      snapshot_hash text NOT NULL,
      snapshot jsonb NOT NULL,
      next_due_on date NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX access_reviews_contract ON access_reviews (contract_id, reviewed_at DESC)`.execute(db);
}
