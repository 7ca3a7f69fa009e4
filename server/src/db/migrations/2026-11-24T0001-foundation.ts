/**
 * Foundation schema: organisations, users, sessions, contracts and their
 * versions, memberships (roles per contract), the audit chain, the job table.
 * Frozen: never edit after merge; add a new migration instead.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`.execute(db);
  await sql`CREATE EXTENSION IF NOT EXISTS pgcrypto`.execute(db);

  await sql`
    CREATE TABLE organisations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL UNIQUE,
      kind text NOT NULL CHECK (kind IN ('agency', 'vendor', 'thirdParty', 'platform')),
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE users (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      username text NOT NULL,
      display_name text NOT NULL,
      organisation_id uuid REFERENCES organisations(id),
      password_hash text NOT NULL,
      is_platform_admin boolean NOT NULL DEFAULT false,
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
      failed_attempts integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      last_sign_in_at timestamptz,
      last_sign_in_ip text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX users_username_lower ON users (lower(username))`.execute(db);

  await sql`
    CREATE TABLE sessions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      token_hash text NOT NULL UNIQUE,
      user_id uuid NOT NULL REFERENCES users(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      client_ip text,
      user_agent text,
      revoked_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX sessions_user ON sessions (user_id)`.execute(db);

  await sql`
    CREATE TABLE contracts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      code text NOT NULL UNIQUE,
      name text NOT NULL,
      period_start date NOT NULL,
      period_end date NOT NULL,
      timezone text NOT NULL DEFAULT 'Asia/Shanghai',
      total_amount_fen bigint NOT NULL CHECK (total_amount_fen >= 0),
      current_version_id uuid,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE contract_versions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      version integer NOT NULL,
      format_version integer NOT NULL,
      definition jsonb NOT NULL,
      source_yaml text NOT NULL,
      source_digest text NOT NULL,
      effective_from timestamptz NOT NULL,
      imported_by uuid REFERENCES users(id),
      imported_at timestamptz NOT NULL DEFAULT now(),
      note text,
      UNIQUE (contract_id, version)
    )`.execute(db);
  await sql`ALTER TABLE contracts ADD CONSTRAINT contracts_current_version_fk
    FOREIGN KEY (current_version_id) REFERENCES contract_versions(id) DEFERRABLE INITIALLY DEFERRED`.execute(db);

  await sql`
    CREATE TABLE contract_parties (
      contract_id uuid NOT NULL REFERENCES contracts(id),
      party_key text NOT NULL,
      organisation_id uuid NOT NULL REFERENCES organisations(id),
      side text NOT NULL CHECK (side IN ('agency', 'vendor', 'thirdParty')),
      lead_member boolean NOT NULL DEFAULT false,
      PRIMARY KEY (contract_id, party_key)
    )`.execute(db);
  await sql`CREATE INDEX contract_parties_org ON contract_parties (organisation_id)`.execute(db);

  await sql`
    CREATE TABLE contract_systems (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      version_id uuid NOT NULL REFERENCES contract_versions(id),
      key text NOT NULL,
      name text NOT NULL,
      parent_key text,
      service_window_key text,
      sort integer NOT NULL,
      UNIQUE (version_id, key)
    )`.execute(db);

  await sql`
    CREATE TABLE contract_price_items (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      version_id uuid NOT NULL REFERENCES contract_versions(id),
      key text NOT NULL,
      parent_key text,
      name text NOT NULL,
      quantity text,
      unit text,
      unit_price_fen bigint,
      amount_fen bigint NOT NULL,
      member_party_key text,
      system_keys text[] NOT NULL DEFAULT '{}',
      depth integer NOT NULL,
      sort integer NOT NULL,
      UNIQUE (version_id, key)
    )`.execute(db);

  await sql`
    CREATE TABLE memberships (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL REFERENCES users(id),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      role text NOT NULL,
      granted_by uuid REFERENCES users(id),
      granted_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX memberships_active ON memberships (user_id, contract_id, role) WHERE revoked_at IS NULL`.execute(db);
  await sql`CREATE INDEX memberships_contract ON memberships (contract_id) WHERE revoked_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE audit_log (
      seq bigserial PRIMARY KEY,
      id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
      occurred_at timestamptz NOT NULL,
      actor_user_id uuid,
      actor_name text,
      actor_role text,
      contract_id uuid,
      action text NOT NULL,
      entity_type text NOT NULL,
      entity_id text,
      before jsonb,
      after jsonb,
      client_ip text,
      prev_hash text NOT NULL,
      hash text NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX audit_log_contract ON audit_log (contract_id, seq)`.execute(db);
  await sql`CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id)`.execute(db);

  await sql`
    CREATE TABLE jobs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind text NOT NULL,
      payload jsonb NOT NULL,
      dedupe_key text UNIQUE,
      run_at timestamptz NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'running', 'done', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      max_attempts integer NOT NULL DEFAULT 5,
      last_error text,
      locked_until timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX jobs_due ON jobs (run_at) WHERE status IN ('pending', 'running')`.execute(db);
}
