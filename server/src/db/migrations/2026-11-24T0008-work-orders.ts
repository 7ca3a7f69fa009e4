/**
 * Work orders (服务请求、数据处理工单、变更、发布、内容发布): the orders, their
 * approval decisions, their timeline, links to incidents and other orders,
 * and the data-access grants of data work orders, which end when the approved
 * window closes. Chinese search as for incidents (`yunwei_search_double`).
 * Frozen: never edit after merge.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE work_orders (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      number text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('serviceRequest', 'dataWorkOrder', 'change', 'release', 'content')),
      subtype text NOT NULL,
      system_key text,
      title text NOT NULL,
      description text NOT NULL DEFAULT '',
      state text NOT NULL,
      version integer NOT NULL DEFAULT 1,
      created_by uuid NOT NULL REFERENCES users(id),
      requester_user_id uuid NOT NULL REFERENCES users(id),
      requester_name text,
      requested_at timestamptz NOT NULL,
      assignee_user_id uuid REFERENCES users(id),
      window_start timestamptz,
      window_end timestamptz,
      details jsonb NOT NULL DEFAULT '{}',
      outcome jsonb NOT NULL DEFAULT '{}',
      level_key text,
      approval_flow jsonb,
      approval_round integer NOT NULL DEFAULT 0,
      approval_step_key text,
      approval_waiting_roles text[] NOT NULL DEFAULT '{}',
      approval_step_since timestamptz,
      submitted_at timestamptz,
      approved_at timestamptz,
      responded_at timestamptz,
      scheduled_publish_at timestamptz,
      closed_at timestamptz,
      sla_next_deadline_at timestamptz,
      sla_due_at timestamptz,
      sla_breached boolean NOT NULL DEFAULT false,
      sla_at_risk boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      search_doubled text GENERATED ALWAYS AS (yunwei_search_double(number || ' ' || title || ' ' || description)) STORED,
      UNIQUE (contract_id, number),
      CHECK (window_end IS NULL OR window_start IS NULL OR window_end > window_start)
    )`.execute(db);
  await sql`CREATE INDEX work_orders_search ON work_orders USING gin (search_doubled gin_trgm_ops)`.execute(db);
  await sql`CREATE INDEX work_orders_list ON work_orders (contract_id, kind, created_at DESC)`.execute(db);
  await sql`CREATE INDEX work_orders_state ON work_orders (contract_id, state)`.execute(db);
  await sql`CREATE INDEX work_orders_pending ON work_orders (contract_id) WHERE state = 'pendingApproval'`.execute(db);

  await sql`
    CREATE TABLE work_order_approvals (
      id bigserial PRIMARY KEY,
      work_order_id uuid NOT NULL REFERENCES work_orders(id),
      round integer NOT NULL,
      step_key text NOT NULL,
      user_id uuid NOT NULL REFERENCES users(id),
      user_name text NOT NULL,
      role text NOT NULL,
      decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
      comment text NOT NULL DEFAULT '',
      at timestamptz NOT NULL,
      UNIQUE (work_order_id, round, step_key, user_id)
    )`.execute(db);
  await sql`CREATE INDEX work_order_approvals_order ON work_order_approvals (work_order_id, id)`.execute(db);

  await sql`
    CREATE TABLE work_order_events (
      id bigserial PRIMARY KEY,
      work_order_id uuid NOT NULL REFERENCES work_orders(id),
      type text NOT NULL,
      at timestamptz NOT NULL,
      actor_user_id uuid REFERENCES users(id),
      actor_name text,
      actor_role text,
      data jsonb NOT NULL DEFAULT '{}'
    )`.execute(db);
  await sql`CREATE INDEX work_order_events_order ON work_order_events (work_order_id, id)`.execute(db);

  await sql`
    CREATE TABLE work_order_links (
      id bigserial PRIMARY KEY,
      work_order_id uuid NOT NULL REFERENCES work_orders(id),
      target_type text NOT NULL CHECK (target_type IN ('incident', 'workOrder')),
      target_id uuid NOT NULL,
      relation text NOT NULL,
      created_by uuid REFERENCES users(id),
      created_at timestamptz NOT NULL,
      UNIQUE (work_order_id, target_type, target_id, relation)
    )`.execute(db);
  await sql`CREATE INDEX work_order_links_target ON work_order_links (target_type, target_id)`.execute(db);

  await sql`
    CREATE TABLE data_access_grants (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      contract_id uuid NOT NULL REFERENCES contracts(id),
      work_order_id uuid NOT NULL REFERENCES work_orders(id),
      user_id uuid NOT NULL REFERENCES users(id),
      system_key text,
      scope jsonb NOT NULL DEFAULT '{}',
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      status text NOT NULL CHECK (status IN ('active', 'expired', 'revoked')),
      granted_at timestamptz NOT NULL,
      ended_at timestamptz,
      end_reason text,
      CHECK (ends_at > starts_at)
    )`.execute(db);
  await sql`CREATE INDEX data_access_grants_due ON data_access_grants (ends_at) WHERE status = 'active'`.execute(db);
  await sql`CREATE INDEX data_access_grants_order ON data_access_grants (work_order_id)`.execute(db);

  await sql`CREATE SEQUENCE work_order_number_seq`.execute(db);
}
