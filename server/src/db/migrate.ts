/**
 * Forward-only migrations, applied at start. Each migration file is frozen
 * once merged; the list below is the order they run in.
 */
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database.ts';
import * as m0001 from './migrations/2026-11-24T0001-foundation.ts';
import * as m0002 from './migrations/2026-11-24T0002-calendar-sla.ts';
import * as m0003 from './migrations/2026-11-24T0003-incidents.ts';
import * as m0004 from './migrations/2026-11-24T0004-report-up.ts';
import * as m0005 from './migrations/2026-11-24T0005-attachments.ts';
import * as m0006 from './migrations/2026-11-24T0006-incident-list-order.ts';
import * as m0007 from './migrations/2026-11-24T0007-audit-commit-chain.ts';
import * as m0008 from './migrations/2026-11-24T0008-work-orders.ts';
import * as m0009 from './migrations/2026-11-24T0009-auth-audit-security.ts';
import * as m0010 from './migrations/2026-11-24T0010-staff-roster.ts';
import * as m0011 from './migrations/2026-11-24T0011-personal-data.ts';
import * as m0012 from './migrations/2026-11-24T0012-record-scopes.ts';
import * as m0014 from './migrations/2026-11-24T0014-staff-document-destruction.ts';
import * as m0015 from './migrations/2026-11-24T0015-sla-clock-schedule.ts';
import * as m0016 from './migrations/2026-11-24T0016-security-labels.ts';
import * as m0017 from './migrations/2026-11-24T0017-vendor-access-password-profile.ts';
import * as m0018 from './migrations/2026-11-24T0018-export-limit-index.ts';
import * as m0019 from './migrations/2026-11-24T0019-platform-auditor-retention.ts';
import * as m0020 from './migrations/2026-11-24T0020-work-order-details-sealing.ts';
import * as m0021 from './migrations/2026-11-24T0021-incident-search-table.ts';
import * as m0022 from './migrations/2026-11-24T0022-statement-guard.ts';

const MIGRATIONS: Record<string, Migration> = {
  '2026-11-24T0001-foundation': m0001,
  '2026-11-24T0002-calendar-sla': m0002,
  '2026-11-24T0003-incidents': m0003,
  '2026-11-24T0004-report-up': m0004,
  '2026-11-24T0005-attachments': m0005,
  '2026-11-24T0006-incident-list-order': m0006,
  '2026-11-24T0007-audit-commit-chain': m0007,
  '2026-11-24T0008-work-orders': m0008,
  '2026-11-24T0009-auth-audit-security': m0009,
  '2026-11-24T0010-staff-roster': m0010,
  '2026-11-24T0011-personal-data': m0011,
  '2026-11-24T0012-record-scopes': m0012,
  '2026-11-24T0014-staff-document-destruction': m0014,
  '2026-11-24T0015-sla-clock-schedule': m0015,
  '2026-11-24T0016-security-labels': m0016,
  '2026-11-24T0017-vendor-access-password-profile': m0017,
  '2026-11-24T0018-export-limit-index': m0018,
  '2026-11-24T0019-platform-auditor-retention': m0019,
  '2026-11-24T0020-work-order-details-sealing': m0020,
  '2026-11-24T0021-incident-search-table': m0021,
  '2026-11-24T0022-statement-guard': m0022,
};

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/** Apply every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticProvider(), migrationTableName: 'schema_migrations', migrationLockTableName: 'schema_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const msg = error instanceof Error ? error.message : String(error);
    throw new Error(`数据库迁移失败${failed ? `（${failed.migrationName}）` : ''}：${msg}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
