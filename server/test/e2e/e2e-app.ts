/**
 * The application for browser tests: a private database, the real app
 * listening on an ephemeral port and serving the built web app from
 * web/dist, the report-up job, and a local fake SMS gateway.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/db/database.ts';
import { buildApp } from '../../src/http/app.ts';
import { createReportUpJob } from '../../src/notices/report-up.service.ts';
import { runDueJobs } from '../../src/jobs/job.queue.ts';
import type { JobDefinition } from '../../src/jobs/job.types.ts';
import { createUser, grantRole } from '../../src/orgs/user.service.ts';
import type { Role } from '../../src/auth/roles.ts';
import { isolatedDb } from '../helpers/db.ts';
import { startFakeGateway, type FakeGateway } from '../helpers/fake-gateway.ts';
import { enrolTestStaff, TEST_PASSWORD, uniq } from '../helpers/factories.ts';
import { testLogger } from '../helpers/test-log.ts';

/** The built web app the server serves. */
export const WEB_DIST = join(import.meta.dirname, '..', '..', '..', 'web', 'dist');

/**
 * Fail clearly when the web app has not been built; warn (through `note`)
 * when web/src is newer than the build, since the browser would test old code.
 */
export function requireWebDist(note: (message: string) => void = () => undefined): void {
  const index = join(WEB_DIST, 'index.html');
  if (!existsSync(index)) {
    throw new Error(`浏览器测试需要先构建前端：${index} 不存在。请运行 npm run build -w web（The browser tests need the built web app: run "npm run build -w web".)`);
  }
  const built = statSync(index).mtimeMs;
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
      const p = join(dir, e.name);
      return Math.max(max, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
    }, 0);
  const src = join(WEB_DIST, '..', 'src');
  if (existsSync(src) && newest(src) > built) note('web/src 比 web/dist 新：浏览器测试的是上一次构建的前端（请运行 npm run build -w web）');
}

/** A running app for a browser test. */
export interface E2eApp {
  baseUrl: string;
  db: Db;
  app: FastifyInstance;
  gateway: FakeGateway;
  /** Run every due background job once (the in-process app has no worker). */
  runJobs(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Start the app over a private database, with SMS going to a local fake gateway.
 * `snapshotWeb`: serve a private copy of web/dist, so that a rebuild of the web
 * app while the test runs (another run on the same checkout) cannot replace the
 * lazily loaded chunks the open pages still ask for.
 */
export async function startE2eApp(options: { snapshotWeb?: boolean } = {}): Promise<E2eApp> {
  const webDist = options.snapshotWeb ? mkdtempSync(join(tmpdir(), 'yunwei-web-')) : WEB_DIST;
  if (options.snapshotWeb) cpSync(WEB_DIST, webDist, { recursive: true });
  const iso = await isolatedDb();
  const gateway = await startFakeGateway();
  const app = await buildApp({
    db: iso.db,
    config: { cookieSecure: false, sessionIdleMinutes: 30, sessionMaxHours: 12, logLevel: 'silent', channels: { smsGatewayUrl: `${gateway.url}/sms`, mailGatewayUrl: undefined, wecomWebhookUrl: undefined, dingtalkWebhookUrl: undefined }, reportUpAckMinutes: 5 },
    webDist,
    logger: testLogger(),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const job = createReportUpJob(app.services.reportUp);
  const registry = new Map<string, JobDefinition<unknown>>([[job.kind, job as JobDefinition<unknown>]]);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    db: iso.db,
    app,
    gateway,
    runJobs: async () => {
      await runDueJobs(iso.db, registry, new Date(), 50);
    },
    close: async () => {
      await app.close();
      await gateway.close();
      await iso.drop();
      if (options.snapshotWeb) rmSync(webDist, { recursive: true, force: true });
    },
  };
}

/** A user with a readable Chinese name and roles in one contract. */
export async function createPerson(
  db: Db,
  contractId: string,
  person: { displayName: string; organisationName: string; side: 'agency' | 'vendor' },
  roles: Role[],
): Promise<{ id: string; username: string; password: string; displayName: string }> {
  const username = `e2e-${uniq()}`;
  const u = await createUser(db, null, { username, displayName: person.displayName, password: TEST_PASSWORD, organisationName: person.organisationName, organisationKind: person.side, mustChangePassword: false }, new Date());
  if (person.side === 'vendor') await enrolTestStaff(db, contractId, u.id, person.displayName);
  for (const role of roles) await grantRole(db, null, { userId: u.id, contractId, role }, new Date());
  return { id: u.id, username, password: TEST_PASSWORD, displayName: person.displayName };
}
