/**
 * The in-process app of a test file: built before its tests, closed (with
 * the test database pool) after them.
 */
import { after, before } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/db/database.ts';
import { closeTestDb, testDb } from './db.ts';
import { buildTestApp } from './factories.ts';

/**
 * Register the file's app (built over the shared test database by `build`,
 * default {@link buildTestApp}); returns a stand-in that forwards to it once
 * built, so a file can say `const app = useTestApp()` at top level and
 * `app.inject(…)` in its tests.
 */
export function useTestApp(build: (db: Db) => Promise<FastifyInstance> = buildTestApp): FastifyInstance {
  let app: FastifyInstance | undefined;
  before(async () => {
    app = await build(testDb());
  });
  after(async () => {
    await app?.close();
    await closeTestDb();
  });
  return new Proxy({} as FastifyInstance, {
    get(_target, prop) {
      if (!app) throw new Error('the test app is used before it was built');
      const value: unknown = Reflect.get(app, prop, app);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(app) : value;
    },
  });
}
