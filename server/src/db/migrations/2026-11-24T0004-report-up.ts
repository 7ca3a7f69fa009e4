/**
 * Contract contacts (who holds which position, how to reach them) and the
 * report-up notices sent for incidents: each notice walks its channels in
 * order, records every attempt, and escalates to the next contact when
 * nobody acknowledges in time. Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE contract_contacts (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      position text NOT NULL,
      name text NOT NULL,
      side text NOT NULL CHECK (side IN ('agency', 'vendor')),
      user_id uuid REFERENCES users(id),
      phone text,
      email text,
      priority integer NOT NULL DEFAULT 1,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX contract_contacts_position ON contract_contacts (contract_id, position, priority) WHERE active`.execute(db);

  await sql`
    CREATE TABLE report_up_notices (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      incident_id uuid NOT NULL REFERENCES incidents(id),
      level_key text NOT NULL,
      target_index integer NOT NULL,
      notify_index integer NOT NULL,
      position text NOT NULL,
      channels text[] NOT NULL,
      channel_index integer NOT NULL DEFAULT 0,
      contact_id uuid REFERENCES contract_contacts(id),
      escalation_step integer NOT NULL DEFAULT 0,
      status text NOT NULL CHECK (status IN ('pending', 'awaitingCall', 'delivered', 'acknowledged', 'escalated', 'exhausted', 'cancelled')),
      message text NOT NULL,
      created_at timestamptz NOT NULL,
      delivered_at timestamptz,
      acknowledged_at timestamptz,
      acknowledged_by uuid REFERENCES users(id),
      next_action_at timestamptz,
      version integer NOT NULL DEFAULT 1
    )`.execute(db);
  await sql`CREATE INDEX report_up_notices_incident ON report_up_notices (incident_id, created_at)`.execute(db);

  await sql`
    CREATE TABLE report_up_attempts (
      id bigserial PRIMARY KEY,
      notice_id uuid NOT NULL REFERENCES report_up_notices(id),
      channel text NOT NULL,
      recipient text,
      status text NOT NULL CHECK (status IN ('sent', 'failed', 'skipped', 'awaitingCall', 'answered', 'unanswered')),
      detail text,
      at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX report_up_attempts_notice ON report_up_attempts (notice_id, id)`.execute(db);
}
