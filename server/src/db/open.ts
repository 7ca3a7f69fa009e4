/**
 * Open the database the configuration points at: `DATABASE_URL` when set,
 * otherwise the embedded PostgreSQL under the data directory (reusing one
 * that a running server already started on the same directory).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config.ts';
import { createDb, type Db } from './database.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { migrateToLatest } from './migrate.ts';
import { walArchiveDir } from '../backup/wal-archive.ts';

/** An open database and how to close it. */
export interface OpenDatabase {
  db: Db;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

function runningEmbeddedUrl(dataDir: string): string | null {
  const pidFile = join(dataDir, 'pg', 'postmaster.pid');
  const credFile = join(dataDir, 'pg-credentials.json');
  if (!existsSync(pidFile) || !existsSync(credFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null;
  }
  const { password } = JSON.parse(readFileSync(credFile, 'utf8')) as { password: string };
  return `postgres://yunwei:${encodeURIComponent(password)}@127.0.0.1:${port}/yunwei`;
}

async function canConnect(url: string): Promise<boolean> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Open (and migrate) the configured database. */
export async function openDatabase(
  config: Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'backup'>,
  opts: { migrate?: boolean; poolSize?: number; log?: (m: string) => void } = {},
): Promise<OpenDatabase> {
  const log = opts.log ?? (() => undefined);
  let url: string;
  let stopEmbedded: (() => Promise<void>) | null = null;
  if (config.databaseUrl) {
    url = config.databaseUrl;
  } else {
    let running = runningEmbeddedUrl(config.dataDir);
    if (running && !(await canConnect(running))) {
      // a server that is shutting down (or a stale pid file): wait for it to go, then start our own
      for (let i = 0; i < 30 && runningEmbeddedUrl(config.dataDir); i++) await new Promise((r) => setTimeout(r, 500));
      running = runningEmbeddedUrl(config.dataDir);
      if (running && !(await canConnect(running))) throw new Error(`内置 PostgreSQL（${join(config.dataDir, 'pg')}）正在运行但无法连接，请稍后再试`);
    }
    if (running) {
      url = running;
      log('使用已在运行的内置 PostgreSQL');
    } else {
      log(`启动内置 PostgreSQL（数据目录 ${join(config.dataDir, 'pg')}）…`);
      const walArchive = config.backup.walArchive ? { dir: walArchiveDir(config.backup.dir), timeoutSeconds: config.backup.archiveTimeoutSeconds } : undefined;
      const server = await startEmbeddedPostgres({ dataDir: config.dataDir, walArchive });
      url = server.url;
      stopEmbedded = server.stop;
    }
  }
  const db = createDb(url, opts.poolSize ?? 10);
  try {
    if (opts.migrate !== false) {
      const applied = await migrateToLatest(db);
      if (applied.length > 0) log(`已执行数据库迁移：${applied.join(', ')}`);
    }
  } catch (e) {
    await db.destroy();
    if (stopEmbedded) await stopEmbedded();
    throw e;
  }
  return {
    db,
    url,
    embedded: stopEmbedded !== null,
    close: async () => {
      await db.destroy();
      if (stopEmbedded) await stopEmbedded();
    },
  };
}
