/**
 * Backup and restore drill (security check 38; 等保 数据备份恢复): a live
 * embedded PostgreSQL with WAL archiving on is seeded, backed up with
 * `yunwei backup` while it runs, changed further, and restored with
 * `yunwei restore` into fresh data directories: to the latest archived state
 * (same row counts, the audit chain verifies, sealed personal data opens with
 * the key file, a Yunwei server on it answers the health check) and to a
 * point in time T (exactly the state at T).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createDb, type Db } from '../../src/db/database.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { loadOrCreateKeyRing } from '../../src/privacy/key-ring.ts';
import { installKeyRing, openRecord, sealContext } from '../../src/privacy/pii-vault.ts';
import { verifyAuditChain } from '../../src/audit/audit.service.ts';
import { countTableRows, restoreBaseBackup } from '../../src/backup/restore.service.ts';
import { listBaseBackups } from '../../src/backup/backup.service.ts';
import { readManifest } from '../../src/backup/backup-manifest.ts';
import { WAL_ARCHIVE_SCRIPT } from '../../src/backup/wal-archive.ts';
import { walSwitchJob } from '../../src/backup/wal-switch.jobs.ts';
import { gunzipSync } from 'node:zlib';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { buildContract, buildTestApp, buildUser, signInAs } from '../helpers/factories.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'yunwei.mjs');
const ROOT = join(import.meta.dirname, '..', '..', '.test-data');

// Fictitious values that pass their checksums (no real person).
const ID = '11010519491231002X';
const MOBILE = '13812345678';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const children = new Set<ChildProcess>();

/** Run the CLI asynchronously (the embedded server in this process keeps being served meanwhile). */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, DATABASE_URL: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  children.delete(child);
  return { code, stdout, stderr };
}

/** Open a restored data directory, run `check` on it, stop it again whatever happens. */
async function withRestored<T>(dataDir: string, check: (db: Db) => Promise<T>): Promise<T> {
  const server = await startEmbeddedPostgres({ dataDir, postgresFlags: ['-c', 'fsync=off'] });
  const db = createDb(server.url, 2);
  try {
    return await check(db);
  } finally {
    await db.destroy();
    await server.stop();
  }
}

let parent = '';
let sourceDir = '';
let keyFile = '';
let source: EmbeddedServer | null = null;
let db: Db | null = null;
let app: FastifyInstance | null = null;
let backupDir = '';
let pointInTime = new Date(0);
let countsAtT: Record<string, number> = {};
let countsLatest: Record<string, number> = {};
let auditRowsLatest = 0;
const incidents = { beforeBackup: '', afterBackup: '', afterT: '', statusAtT: '' };

function database(): Db {
  if (!db) throw new Error('the source database is not open');
  return db;
}

async function createIncident(cookie: string, contractId: string, title: string): Promise<string> {
  if (!app) throw new Error('no app');
  const res = await app.inject({
    method: 'POST',
    url: `/api/contracts/${contractId}/incidents`,
    headers: { cookie },
    payload: { title, description: `来电人手机 ${MOBILE}`, systemKey: 'S1', channel: 'phone', reporterName: '张三丰', reporterContact: MOBILE, reportedAt: new Date().toISOString(), levelKey: 'P1' },
  });
  assert.equal(res.statusCode, 201, res.body);
  return (res.json() as { id: string }).id;
}

async function command(cookie: string, id: string, cmd: Record<string, unknown>): Promise<void> {
  if (!app) throw new Error('no app');
  const version = (await database().selectFrom('incidents').select('version').where('id', '=', id).executeTakeFirstOrThrow()).version;
  const res = await app.inject({ method: 'POST', url: `/api/incidents/${id}/commands`, headers: { cookie }, payload: { version, command: cmd } });
  assert.equal(res.statusCode, 200, res.body);
}

async function statusOf(d: Db, id: string): Promise<string | undefined> {
  return (await d.selectFrom('incidents').select('status').where('id', '=', id).executeTakeFirst())?.status;
}

before(async () => {
  mkdirSync(ROOT, { recursive: true });
  parent = mkdtempSync(join(ROOT, 'backup-'));
  sourceDir = join(parent, 'source');
  keyFile = join(parent, 'keys', 'data-keys.json');
  installKeyRing(loadOrCreateKeyRing(keyFile, new Date()).ring);
  source = await startEmbeddedPostgres({ dataDir: sourceDir, postgresFlags: ['-c', 'fsync=off'], walArchive: { dir: join(sourceDir, 'backup', 'wal'), timeoutSeconds: 0 } });
  db = createDb(source.url, 4);
  await migrateToLatest(db);
  app = await buildTestApp(db);
});

after(async () => {
  for (const child of children) child.kill('SIGTERM');
  await app?.close();
  await db?.destroy();
  await source?.stop();
  if (parent) rmSync(parent, { recursive: true, force: true });
});

test('backup settings: archiving on by default with a 60 s archive_timeout, the backup root under the data directory; bad values stop start-up', () => {
  const c = loadConfig({}, '/srv/yunwei');
  assert.deepEqual(c.backup, { walArchive: true, archiveTimeoutSeconds: 60, dir: '/srv/yunwei/data/backup' });
  assert.deepEqual(loadConfig({ YUNWEI_WAL_ARCHIVE: 'off', YUNWEI_WAL_ARCHIVE_TIMEOUT_SECONDS: '0', YUNWEI_BACKUP_DIR: '/backup/yunwei' }, '/srv').backup, {
    walArchive: false,
    archiveTimeoutSeconds: 0,
    dir: '/backup/yunwei',
  });
  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig(env, '/');
      return '';
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.join('\n');
      throw e;
    }
  };
  assert.match(problems({ YUNWEI_WAL_ARCHIVE: 'yes' }), /YUNWEI_WAL_ARCHIVE: 应为 on 或 off/);
  assert.match(problems({ YUNWEI_WAL_ARCHIVE_TIMEOUT_SECONDS: '5' }), /不少于 30 秒/);
});

test('the archive command copies a WAL segment once and never overwrites a different file of the same name', () => {
  const dir = join(parent, 'archive-check');
  mkdirSync(join(dir, 'pg_wal'), { recursive: true });
  mkdirSync(join(dir, 'archive'));
  const segment = join(dir, 'pg_wal', '000000010000000000000042');
  writeFileSync(segment, 'first');
  const archive = () => spawnSync(process.execPath, [WAL_ARCHIVE_SCRIPT, 'archive', join(dir, 'archive'), segment], { encoding: 'utf8' });
  assert.equal(archive().status, 0);
  assert.equal(archive().status, 0, 'archiving the same content again succeeds (PostgreSQL retries after a crash)');
  writeFileSync(segment, 'second');
  const clash = archive();
  assert.equal(clash.status, 1);
  assert.match(clash.stderr, /拒绝覆盖/);
  assert.equal(gunzipSync(readFileSync(join(dir, 'archive', '000000010000000000000042.gz'))).toString('utf8'), 'first', 'the archived copy is untouched (stored gzip-compressed)');
  assert.deepEqual(readdirSync(join(dir, 'archive')), ['000000010000000000000042.gz'], 'no temporary file is left behind');
  const back = spawnSync(process.execPath, [WAL_ARCHIVE_SCRIPT, 'restore', join(dir, 'archive'), '000000010000000000000042', join(dir, 'back')]);
  assert.equal(back.status, 0);
  assert.equal(readFileSync(join(dir, 'back'), 'utf8'), 'first', 'restore gives the segment back uncompressed');
  const restore = spawnSync(process.execPath, [WAL_ARCHIVE_SCRIPT, 'restore', join(dir, 'archive'), '000000010000000000000043', join(dir, 'out')]);
  assert.equal(restore.status, 1, 'a segment the archive does not have: exit 1 (end of archive)');
});

test('backup of the live server, more changes, WAL switch; restore to the latest state and to a point in time', { timeout: 180_000 }, async () => {
  const d = database();
  if (!app) throw new Error('no app');
  const contract = await buildContract(d);
  const desk = await buildUser(d, { contractId: contract.id, roles: ['deskAgent'] });
  const engineer = await buildUser(d, { contractId: contract.id, roles: ['engineer'] });
  const deskCookie = await signInAs(app, desk);
  const engineerCookie = await signInAs(app, engineer);
  incidents.beforeBackup = await createIncident(deskCookie, contract.id, `市民补卡失败，身份证 ${ID}`);

  // --- back up while the server runs
  const env = { YUNWEI_DATA_DIR: sourceDir, YUNWEI_DATA_KEY_FILE: keyFile, YUNWEI_WAL_ARCHIVE: 'on' };
  const backup = await cli(['backup'], env);
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(backup.stdout, /已完成基础备份/);
  assert.match(backup.stdout, /未包含密钥/);
  const backups = listBaseBackups(join(sourceDir, 'backup'));
  assert.equal(backups.length, 1);
  backupDir = backups[0] ?? '';
  const manifest = readManifest(backupDir);
  assert.equal(manifest.separate.keysIncluded, false);
  const keySecret = (JSON.parse(readFileSync(keyFile, 'utf8')) as { keys: { secret: string }[] }).keys[0]?.secret ?? 'missing';
  assert.ok(!readFileSync(join(backupDir, 'backup-manifest.json'), 'utf8').includes(keySecret), 'no key material in the manifest');
  assert.ok(!manifest.files.some((f) => f.path.includes('keys/') || f.path.endsWith('data-keys.json')), 'the key file is not in the backup');
  assert.ok(manifest.files.some((f) => f.path === 'pg/backup_label'));
  assert.ok(manifest.files.some((f) => f.path === `pg/pg_wal/${manifest.startWalFile}`), 'the WAL the backup needs is inside it');
  assert.ok(!manifest.files.some((f) => f.path === 'pg/postmaster.pid'));

  // --- changes after the backup but before T
  incidents.afterBackup = await createIncident(deskCookie, contract.id, '网点读卡器故障');
  await command(deskCookie, incidents.beforeBackup, { type: 'acknowledge' });
  incidents.statusAtT = (await statusOf(d, incidents.beforeBackup)) ?? '';
  countsAtT = await countTableRows(d);
  // T is taken from the database clock; a JavaScript Date keeps milliseconds only (restore --to takes milliseconds),
  // so leave a few milliseconds on either side of it.
  await new Promise((r) => setTimeout(r, 20));
  pointInTime = (await sql<{ t: Date }>`SELECT clock_timestamp() AS t`.execute(d)).rows[0]?.t ?? new Date();
  await new Promise((r) => setTimeout(r, 300));

  // --- changes after T: a new incident, and the first one worked through to closed
  incidents.afterT = await createIncident(deskCookie, contract.id, `另一位市民来电，手机 ${MOBILE}`);
  await command(engineerCookie, incidents.beforeBackup, { type: 'arrive' });
  await command(engineerCookie, incidents.beforeBackup, { type: 'resolve', resolution: '更换读卡模块' });
  await command(deskCookie, incidents.beforeBackup, { type: 'callback', satisfaction: 5 });
  await command(deskCookie, incidents.beforeBackup, { type: 'close' });
  assert.equal(await statusOf(d, incidents.beforeBackup), 'closed');
  countsLatest = await countTableRows(d);
  auditRowsLatest = countsLatest['audit_log'] ?? 0;
  assert.ok(countsLatest['incidents'] === (countsAtT['incidents'] ?? 0) + 1 && auditRowsLatest > (countsAtT['audit_log'] ?? 0), 'the changes after T are visible');
  const sourceSealed = await d.selectFrom('incidents').select(['id', 'pii_sealed']).where('contract_id', '=', contract.id).orderBy('id').execute();
  assert.ok(sourceSealed.every((r) => r.pii_sealed), 'every incident has an SM4 envelope');

  // make the last changes reach the archive: the server's periodic WAL switch job, then wait for the archiver
  const switched = (await sql<{ wal: string }>`SELECT pg_walfile_name(pg_current_wal_lsn()) AS wal`.execute(d)).rows[0]?.wal ?? '';
  await walSwitchJob.handler({ db: d, payload: {}, now: new Date(), attempt: 1 });
  for (let i = 0; ; i++) {
    const archived = (await sql<{ wal: string | null }>`SELECT last_archived_wal AS wal FROM pg_stat_archiver`.execute(d)).rows[0]?.wal ?? '';
    if (archived >= switched) break;
    assert.ok(i < 150, `WAL segment ${switched} was not archived (last archived: ${archived})`);
    await new Promise((r) => setTimeout(r, 100));
  }

  // --- (1) restore to the latest archived state
  const latestDir = join(parent, 'restored-latest');
  const restored = await cli(['restore', '--backup', backupDir, '--target', latestDir], env);
  assert.equal(restored.code, 0, restored.stderr + restored.stdout);
  assert.match(restored.stdout, /已恢复/);
  assert.match(restored.stdout, new RegExp(`审计链完整：共校验 ${auditRowsLatest} 条记录`));

  const ring = loadOrCreateKeyRing(keyFile, new Date());
  assert.equal(ring.created, false);
  await withRestored(latestDir, async (r) => {
    assert.deepEqual(await countTableRows(r), countsLatest, 'every table has the same number of rows as the source');
    const chain = await verifyAuditChain(r);
    assert.deepEqual([chain.ok, chain.rowsChecked], [true, auditRowsLatest], 'the audit chain verifies after the restore');
    assert.equal(await statusOf(r, incidents.beforeBackup), 'closed');
    const sealed = await r.selectFrom('incidents').select(['id', 'pii_sealed', 'title']).where('contract_id', '=', contract.id).orderBy('id').execute();
    assert.deepEqual(
      sealed.map((s) => [s.id, s.pii_sealed]),
      sourceSealed.map((s) => [s.id, s.pii_sealed]),
    );
    const first = sealed.find((s) => s.id === incidents.beforeBackup);
    assert.ok(first?.pii_sealed);
    assert.equal(first.title, '市民补卡失败，身份证 110105********002X', 'the readable column is masked');
    const originals = openRecord<string>(sealContext('incidents', first.id), first.pii_sealed, ring.ring);
    assert.equal(originals['title'], `市民补卡失败，身份证 ${ID}`, 'the envelope opens with the key file kept apart from the backup');
    assert.equal(originals['reporterContact'], MOBILE);
  });

  // a Yunwei server started on the restored data directory answers the health check
  const port = await freePort();
  const server = spawn(process.execPath, [CLI, 'start'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      YUNWEI_DATA_DIR: latestDir,
      YUNWEI_DATA_KEY_FILE: keyFile,
      YUNWEI_AUDIT_ANCHOR_KEY_FILE: join(parent, 'keys', 'audit-anchor-sm2.json'),
      YUNWEI_AUDIT_ANCHOR_DIR: join(parent, 'audit-anchors'),
      YUNWEI_WAL_ARCHIVE: 'off',
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(server);
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server on the restored data did not start:\n${out}`)), 90_000);
      const onData = (b: Buffer) => {
        out += b.toString();
        if (out.includes('已启动')) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout?.on('data', onData);
      server.stderr?.on('data', onData);
      server.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${String(code)}):\n${out}`));
      });
    });
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { database: string }).database, 'ok');
  } finally {
    const exited = new Promise((resolve) => server.on('exit', resolve));
    server.kill('SIGTERM');
    await exited;
    children.delete(server);
  }

  // --- (2) restore to T: exactly the state at T
  const pitDir = join(parent, 'restored-t');
  const pit = await cli(['restore', '--backup', backupDir, '--target', pitDir, '--to', pointInTime.toISOString()], env);
  assert.equal(pit.code, 0, pit.stderr + pit.stdout);
  await withRestored(pitDir, async (r) => {
    assert.deepEqual(await countTableRows(r), countsAtT, 'every table has the row count it had at T');
    assert.equal(await statusOf(r, incidents.afterBackup), 'new', 'an incident created after the backup but before T is there');
    assert.equal(await statusOf(r, incidents.beforeBackup), incidents.statusAtT, 'the first incident is as it was at T, not closed');
    assert.equal(await statusOf(r, incidents.afterT), undefined, 'an incident created after T is absent');
    const chain = await verifyAuditChain(r);
    assert.deepEqual([chain.ok, chain.rowsChecked], [true, countsAtT['audit_log']]);
  });

  // refusals: a non-empty target, a time before the backup finished, an external database
  await assert.rejects(restoreBaseBackup({ backupDir, targetDir: pitDir, archiveDir: null, targetTime: null }), /不是空目录/);
  await assert.rejects(
    restoreBaseBackup({ backupDir, targetDir: join(parent, 'too-early'), archiveDir: null, targetTime: new Date(new Date(manifest.startedAt).getTime() - 60_000) }),
    /早于该基础备份的完成时间/,
  );
  assert.equal(existsSync(join(parent, 'too-early')), false, 'nothing was written for a refused restore');
  const external = await cli(['backup'], { ...env, DATABASE_URL: 'postgres://yunwei:x@db.internal:5432/yunwei' });
  assert.equal(external.code, 1);
  assert.match(external.stderr, /外部 PostgreSQL.*pgBackRest/);
});
