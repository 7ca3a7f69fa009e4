/**
 * Test database access. The test runner (bin/run-tests.mjs) starts a real
 * embedded PostgreSQL, migrates a template database and passes its URL here.
 */
import { sql } from 'kysely';
import { after, before } from 'node:test';
import { randomBytes } from 'node:crypto';
import { createDb, type Db } from '../../src/db/database.ts';
import { memoryKeyRing } from '../../src/privacy/key-ring.ts';
import { installKeyRing } from '../../src/privacy/pii-vault.ts';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests with "npm test" (bin/run-tests.mjs)`);
  return v;
}

let shared: Db | null = null;

// Every test process seals personal data with its own in-memory data key.
installKeyRing(memoryKeyRing([{ id: 'ktest', secret: randomBytes(32) }], 'ktest'));

/** The shared test database (every test creates its own tenant data in it). */
export function testDb(): Db {
  shared ??= createDb(env('YUNWEI_TEST_DATABASE_URL'), 5);
  return shared;
}

/**
 * A fresh database of its own, copied from the migrated template, for tests
 * that must change global state (e.g. tamper with the audit chain).
 */
export async function isolatedDb(): Promise<{ db: Db; url: string; drop(): Promise<void> }> {
  const base = env('YUNWEI_TEST_PG_BASE');
  const name = `yunwei_iso_${randomBytes(6).toString('hex')}`;
  const admin = createDb(`${base}/postgres`, 1);
  await sql`CREATE DATABASE ${sql.id(name)} TEMPLATE yunwei_template`.execute(admin);
  const db = createDb(`${base}/${name}`, 3);
  return {
    db,
    url: `${base}/${name}`,
    drop: async () => {
      await db.destroy();
      await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin);
      await admin.destroy();
    },
  };
}

/**
 * A database of the file's own (see {@link isolatedDb}), created before its
 * tests and dropped after them; returns a stand-in that forwards to it once
 * created, so a file can say `const db = useIsolatedDb()` at top level.
 */
export function useIsolatedDb(): Db {
  let iso: Awaited<ReturnType<typeof isolatedDb>> | undefined;
  before(async () => {
    iso = await isolatedDb();
  });
  after(async () => {
    await iso?.drop();
  });
  return new Proxy({} as Db, {
    get(_target, prop) {
      if (!iso) throw new Error('the isolated database is used before it was created');
      const value: unknown = Reflect.get(iso.db, prop, iso.db);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(iso.db) : value;
    },
  });
}

/** Close the shared pool (call in an `after` hook). */
export async function closeTestDb(): Promise<void> {
  if (shared) await shared.destroy();
  shared = null;
}
