/**
 * Incidents (故障/事件) and their timeline. Chinese substring search uses
 * pg_trgm on a "doubled" copy of the text (every character written twice):
 * a two-character query such as 补卡 becomes the trigrams of 补补卡卡, so the
 * GIN index serves short Chinese queries too, and containment in the doubled
 * text is exactly containment in the original.
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION yunwei_search_double(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT regexp_replace(lower(coalesce(t, '')), '(.)', '\\1\\1', 'g') $$`.execute(db);

  await sql`
    CREATE TABLE incidents (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      number text NOT NULL,
      title text NOT NULL,
      description text NOT NULL DEFAULT '',
      system_key text NOT NULL,
      site text,
      site_zone text CHECK (site_zone IN ('urban', 'suburban')),
      channel text NOT NULL,
      reporter_name text NOT NULL,
      reporter_org text,
      reporter_contact text,
      reported_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      created_by uuid REFERENCES users(id),
      level_key text NOT NULL,
      suggested_level_key text,
      level_reason text,
      impact jsonb NOT NULL DEFAULT '{}',
      tags text[] NOT NULL DEFAULT '{}',
      status text NOT NULL,
      waiting_reason text,
      line integer NOT NULL DEFAULT 1,
      assignee_user_id uuid REFERENCES users(id),
      assignee_team text,
      supplier_name text,
      supplier_consent jsonb,
      leader_approval_required boolean NOT NULL DEFAULT false,
      leader_approval jsonb,
      resolution text,
      satisfaction integer CHECK (satisfaction BETWEEN 1 AND 5),
      callback_note text,
      sla_next_deadline_at timestamptz,
      sla_due_at timestamptz,
      sla_breached boolean NOT NULL DEFAULT false,
      sla_at_risk boolean NOT NULL DEFAULT false,
      version integer NOT NULL DEFAULT 1,
      updated_at timestamptz NOT NULL,
      search_doubled text GENERATED ALWAYS AS (yunwei_search_double(title || ' ' || description)) STORED,
      UNIQUE (contract_id, number)
    )`.execute(db);
  await sql`CREATE INDEX incidents_search ON incidents USING gin (search_doubled gin_trgm_ops)`.execute(db);
  await sql`CREATE INDEX incidents_board ON incidents (contract_id, sla_due_at NULLS LAST) WHERE status <> 'closed'`.execute(db);
  await sql`CREATE INDEX incidents_contract_status ON incidents (contract_id, status)`.execute(db);

  await sql`
    CREATE TABLE incident_events (
      id bigserial PRIMARY KEY,
      incident_id uuid NOT NULL REFERENCES incidents(id),
      type text NOT NULL,
      at timestamptz NOT NULL,
      actor_user_id uuid REFERENCES users(id),
      actor_name text,
      actor_role text,
      data jsonb NOT NULL DEFAULT '{}'
    )`.execute(db);
  await sql`CREATE INDEX incident_events_incident ON incident_events (incident_id, id)`.execute(db);

  await sql`CREATE SEQUENCE incident_number_seq`.execute(db);
}
