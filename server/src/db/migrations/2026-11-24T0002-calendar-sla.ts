/**
 * Working-calendar overrides with history, and persisted SLA clocks: one clock
 * per ticket of any kind, its event history, its next deadline (indexed, for
 * the sweep) and the signals (warnings, breaches) that fired exactly once.
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE calendar_overrides (
      id bigserial PRIMARY KEY,
      date date NOT NULL,
      kind text NOT NULL CHECK (kind IN ('holiday', 'workday')),
      name text NOT NULL,
      reason text,
      effective_from timestamptz NOT NULL,
      created_by uuid REFERENCES users(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      retracted_at timestamptz,
      retracted_by uuid REFERENCES users(id)
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX calendar_overrides_active_date ON calendar_overrides (date) WHERE retracted_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE sla_clocks (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      subject_type text NOT NULL,
      subject_id uuid NOT NULL,
      system_key text,
      conditions jsonb NOT NULL DEFAULT '{}',
      is_open boolean NOT NULL DEFAULT true,
      level_key text NOT NULL,
      next_deadline_at timestamptz,
      result jsonb,
      computed_at timestamptz,
      calendar_version text,
      contract_version_id uuid REFERENCES contract_versions(id),
      UNIQUE (subject_type, subject_id)
    )`.execute(db);
  await sql`CREATE INDEX sla_clocks_next_deadline ON sla_clocks (next_deadline_at) WHERE next_deadline_at IS NOT NULL`.execute(db);
  await sql`CREATE INDEX sla_clocks_contract ON sla_clocks (contract_id)`.execute(db);

  await sql`
    CREATE TABLE sla_events (
      id bigserial PRIMARY KEY,
      clock_id uuid NOT NULL REFERENCES sla_clocks(id),
      type text NOT NULL,
      at timestamptz NOT NULL,
      data jsonb NOT NULL DEFAULT '{}',
      recorded_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX sla_events_clock ON sla_events (clock_id, id)`.execute(db);

  await sql`
    CREATE TABLE sla_signals (
      id bigserial PRIMARY KEY,
      clock_id uuid NOT NULL REFERENCES sla_clocks(id),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      target_key text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('warning', 'breach')),
      percent integer NOT NULL,
      deadline_at timestamptz NOT NULL,
      fired_at timestamptz NOT NULL,
      UNIQUE (clock_id, target_key, kind, percent, deadline_at)
    )`.execute(db);
  await sql`CREATE INDEX sla_signals_contract ON sla_signals (contract_id, fired_at)`.execute(db);

  await sql`
    CREATE TABLE notifications (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid REFERENCES contracts(id),
      user_id uuid NOT NULL REFERENCES users(id),
      kind text NOT NULL,
      title text NOT NULL,
      body text NOT NULL,
      subject_type text,
      subject_id uuid,
      dedupe_key text,
      created_at timestamptz NOT NULL,
      read_at timestamptz,
      UNIQUE (user_id, dedupe_key)
    )`.execute(db);
  await sql`CREATE INDEX notifications_user ON notifications (user_id, created_at DESC)`.execute(db);
}
