/**
 * Online base backup of the embedded PostgreSQL with the non-exclusive
 * low-level API (PostgreSQL docs, "Making a Base Backup Using the Low Level
 * API"): pg_backup_start, a file copy of the running cluster, pg_backup_stop
 * on the same connection, whose backup_label goes into the copy. The WAL
 * written during the copy is taken from the WAL archive, so the backup
 * restores on its own; later WAL from the archive brings it forward in time.
 *
 * Keys are not part of the backup: see `separate` in the manifest.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { readKeyFile } from '../privacy/key-ring.ts';
import { BackupError, copyFileWithDigest, copyTree, writeFileWithDigest, type CopiedFile, type CopyRule } from './backup-files.ts';
import { CLUSTER_DIR, CREDENTIALS_FILE, MANIFEST_FILE, type BackupManifest } from './backup-manifest.ts';

/** What a base backup needs to know. */
export interface BaseBackupInput {
  /** Connection URL of the running embedded server (a superuser: the embedded "yunwei" user). */
  url: string;
  /** The cluster directory the server runs on (`<data dir>/pg`). */
  clusterDir: string;
  /** The embedded server's credentials file (`<data dir>/pg-credentials.json`). */
  credentialsFile: string;
  /** The backup root: base backups go to `<root>/base/<UTC time>/`. */
  backupRoot: string;
  /** The WAL archive the server writes to. */
  archiveDir: string;
  /** Where the separately kept secrets are, for the manifest. */
  separate: { dataKeyFile: string; anchorKeyFile: string | null; anchorDir: string };
  now: Date;
}

/** Outcome of a base backup. */
export interface BaseBackupResult {
  dir: string;
  manifest: BackupManifest;
  bytes: number;
}

/** Directories whose contents are left out but which must exist in the copy (PostgreSQL docs, low-level API). */
const EMPTY_DIRS = new Set(['pg_wal', 'pg_dynshmem', 'pg_notify', 'pg_serial', 'pg_snapshots', 'pg_stat_tmp', 'pg_subtrans', 'pg_replslot']);

/** Files of the running server that must not be in a backup. */
const SKIPPED_FILES = new Set(['postmaster.pid', 'postmaster.opts', 'backup_label', 'tablespace_map', 'recovery.signal', 'standby.signal']);

/** What the cluster copy takes, by path relative to the cluster directory. */
export function clusterCopyRule(relativePath: string, isDirectory: boolean): CopyRule {
  const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  if (name.startsWith('pgsql_tmp') || name === 'pg_internal.init') return 'skip';
  if (!relativePath.includes('/') && !isDirectory && SKIPPED_FILES.has(name)) return 'skip';
  if (isDirectory && EMPTY_DIRS.has(relativePath)) return 'emptyDir';
  return 'copy';
}

/** A WAL segment file name: timeline, log and segment, 8 hex digits each. */
const WAL_SEGMENT = /^[0-9A-F]{24}$/;

/** `2026-11-24T08:30:15.123Z` → `20261124T083015Z` (a directory name that sorts by time). */
function stamp(at: Date): string {
  return at.toISOString().replace(/\.\d+Z$/, 'Z').replaceAll('-', '').replaceAll(':', '');
}

function sameDirectory(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

interface ServerFacts {
  archive_mode: string;
  data_directory: string;
  server_version: string;
  system_identifier: string;
  in_recovery: boolean;
}

/** Take a base backup of the running embedded server. */
export async function takeBaseBackup(input: BaseBackupInput): Promise<BaseBackupResult> {
  const client = new pg.Client({ connectionString: input.url });
  await client.connect();
  try {
    const facts = (
      await client.query<ServerFacts>(
        `SELECT current_setting('archive_mode') AS archive_mode, current_setting('data_directory') AS data_directory,
                current_setting('server_version') AS server_version, (SELECT system_identifier::text FROM pg_control_system()) AS system_identifier,
                pg_is_in_recovery() AS in_recovery`,
      )
    ).rows[0];
    if (!facts) throw new BackupError('无法读取数据库的设置');
    if (facts.archive_mode !== 'on') {
      throw new BackupError('内置 PostgreSQL 没有开启 WAL 归档，这样的基础备份无法恢复：请设置 YUNWEI_WAL_ARCHIVE=on（默认即为 on）并重启服务后再备份');
    }
    if (facts.in_recovery) throw new BackupError('数据库正处于恢复状态，不能在此时备份');
    if (!sameDirectory(facts.data_directory, input.clusterDir)) {
      throw new BackupError(`正在运行的数据库的数据目录（${facts.data_directory}）不是 ${input.clusterDir}：请检查 YUNWEI_DATA_DIR`);
    }

    const baseDir = join(input.backupRoot, 'base');
    const name = stamp(input.now);
    const finalDir = join(baseDir, name);
    if (existsSync(finalDir)) throw new BackupError(`备份目录 ${finalDir} 已存在：请稍后再试`);
    await mkdir(baseDir, { recursive: true, mode: 0o700 });
    // Work under a temporary name: an interrupted backup never looks like a finished one.
    const workDir = join(baseDir, `.partial-${name}`);
    await mkdir(workDir, { mode: 0o700 });

    const label = `yunwei ${name}`;
    const start = (
      await client.query<{ lsn: string; wal: string; started_at: Date; timeline: number }>(
        `SELECT s.lsn::text AS lsn, pg_walfile_name(s.lsn) AS wal, clock_timestamp() AS started_at,
                (SELECT timeline_id FROM pg_control_checkpoint()) AS timeline
           FROM pg_backup_start($1, fast => true) AS s(lsn)`,
        [label],
      )
    ).rows[0];
    if (!start) throw new BackupError('pg_backup_start 没有返回起始位置');

    // If anything below fails, closing the connection aborts the backup on the server.
    const copied = await copyTree(input.clusterDir, join(workDir, CLUSTER_DIR), CLUSTER_DIR, clusterCopyRule);

    const stop = (
      await client.query<{ lsn: string; wal: string; labelfile: string; spcmapfile: string | null; stopped_at: Date }>(
        `SELECT s.lsn::text AS lsn, pg_walfile_name(s.lsn) AS wal, s.labelfile, s.spcmapfile, clock_timestamp() AS stopped_at
           FROM pg_backup_stop(wait_for_archive => true) AS s`,
      )
    ).rows[0];
    if (!stop) throw new BackupError('pg_backup_stop 没有返回结束位置');

    const files: CopiedFile[] = [...copied.files];
    files.push(await writeFileWithDigest(workDir, `${CLUSTER_DIR}/backup_label`, stop.labelfile));
    if (stop.spcmapfile) files.push(await writeFileWithDigest(workDir, `${CLUSTER_DIR}/tablespace_map`, stop.spcmapfile));
    files.push(...(await copyBackupWal(input.archiveDir, workDir, start.wal, stop.wal)));
    const credentials = await copyFileWithDigest(input.credentialsFile, join(workDir, CREDENTIALS_FILE));
    if (!credentials) throw new BackupError(`找不到内置数据库的凭据文件 ${input.credentialsFile}`);
    files.push({ path: CREDENTIALS_FILE, ...credentials });

    const manifest: BackupManifest = {
      format: 1,
      label,
      startedAt: new Date(start.started_at).toISOString(),
      stoppedAt: new Date(stop.stopped_at).toISOString(),
      pgVersion: facts.server_version,
      systemIdentifier: facts.system_identifier,
      timeline: start.timeline,
      startLsn: start.lsn,
      stopLsn: stop.lsn,
      startWalFile: start.wal,
      stopWalFile: stop.wal,
      dirs: copied.dirs,
      files,
      separate: {
        keysIncluded: false,
        dataKeyFile: input.separate.dataKeyFile,
        dataKeyIds: dataKeyIds(input.separate.dataKeyFile),
        anchorKeyFile: input.separate.anchorKeyFile,
        anchorDir: input.separate.anchorDir,
      },
    };
    await writeFile(join(workDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await rename(workDir, finalDir);
    return { dir: finalDir, manifest, bytes: files.reduce((n, f) => n + f.size, 0) };
  } finally {
    await client.end();
  }
}

/**
 * Copy the WAL segments the backup needs (from its start to its stop
 * segment) from the archive into the copy's pg_wal, so that the base backup
 * restores to a consistent state even without the archive.
 */
async function copyBackupWal(archiveDir: string, workDir: string, startWal: string, stopWal: string): Promise<CopiedFile[]> {
  // archived segments are gzip-compressed (bin/wal-archive.mjs); archives written before that hold plain ones
  const archived = new Map<string, string>();
  for (const file of readdirSync(archiveDir)) {
    const n = file.endsWith('.gz') ? file.slice(0, -3) : file;
    if (WAL_SEGMENT.test(n) && n >= startWal && n <= stopWal && !archived.has(n)) archived.set(n, file);
  }
  const names = [...archived.keys()].sort();
  if (!names.includes(startWal) || !names.includes(stopWal)) {
    throw new BackupError(`WAL 归档 ${archiveDir} 中缺少本次备份所需的段文件（${startWal} 至 ${stopWal}）：请检查归档是否正常（数据库日志中的 archive_command 报错）`);
  }
  const out: CopiedFile[] = [];
  for (const n of names) {
    const path = `${CLUSTER_DIR}/pg_wal/${n}`;
    const file = archived.get(n) ?? n;
    if (file.endsWith('.gz')) {
      out.push(await writeFileWithDigest(workDir, path, gunzipSync(readFileSync(join(archiveDir, file)))));
      continue;
    }
    const copied = await copyFileWithDigest(join(archiveDir, file), join(workDir, path));
    if (!copied) throw new BackupError(`WAL 段文件 ${n} 在复制时消失`);
    out.push({ path, ...copied });
  }
  return out;
}

/** Ids of the data keys in the key file (active first); none when the file is missing or unreadable. */
function dataKeyIds(keyFile: string): string[] {
  if (!existsSync(keyFile)) return [];
  try {
    const file = readKeyFile(keyFile);
    return [file.active, ...file.keys.map((k) => k.id).filter((id) => id !== file.active)];
  } catch {
    return [];
  }
}

/** The base backups under a backup root, oldest first. */
export function listBaseBackups(backupRoot: string): string[] {
  const baseDir = join(backupRoot, 'base');
  if (!existsSync(baseDir)) return [];
  return readdirSync(baseDir)
    .filter((n) => /^\d{8}T\d{6}Z$/.test(n) && existsSync(join(baseDir, n, MANIFEST_FILE)))
    .sort()
    .map((n) => join(baseDir, n));
}

