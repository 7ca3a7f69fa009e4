/**
 * WAL archiving of the embedded PostgreSQL: the server flags that make it copy
 * every finished WAL segment into the archive directory, and the recovery
 * flags that replay them. The copying itself is bin/wal-archive.mjs (run by
 * PostgreSQL through the shell, once per segment).
 */
import { join } from 'node:path';

/** The script PostgreSQL runs as archive_command and restore_command. */
export const WAL_ARCHIVE_SCRIPT = join(import.meta.dirname, '..', '..', 'bin', 'wal-archive.mjs');

/** Where and how often the embedded server archives its WAL. */
export interface WalArchiveSettings {
  /** The archive directory (`<backup dir>/wal`). */
  dir: string;
  /** archive_timeout in seconds; 0 archives full segments only. */
  timeoutSeconds: number;
}

/** The WAL archive under a backup root. */
export function walArchiveDir(backupRoot: string): string {
  return join(backupRoot, 'wal');
}

/** Quote one word for /bin/sh, and escape `%` (PostgreSQL's placeholder character). */
function shellWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`).replaceAll('%', '%%')}'`;
}

/** The node command line that runs the archive script in `mode`. */
function scriptCommand(mode: 'archive' | 'restore', dir: string): string {
  return [process.execPath, WAL_ARCHIVE_SCRIPT, mode, dir].map(shellWord).join(' ');
}

/** A timestamptz literal PostgreSQL's settings parser accepts (`2026-11-24 06:30:00.123+00`). */
function postgresTimestamp(at: Date): string {
  return at.toISOString().replace('T', ' ').replace('Z', '+00');
}

/** postgres `-c` flags that turn WAL archiving on. */
export function archiveFlags(settings: WalArchiveSettings): string[] {
  return [
    '-c', 'wal_level=replica',
    '-c', 'archive_mode=on',
    '-c', `archive_command=${scriptCommand('archive', settings.dir)} %p`,
    '-c', `archive_timeout=${settings.timeoutSeconds}`,
  ];
}

/**
 * postgres `-c` flags for archive recovery from `archiveDir` (with a
 * recovery.signal file in the cluster): to the end of the archive, or to
 * `targetTime` and then promote. Archiving stays off during the recovery run.
 */
export function recoveryFlags(archiveDir: string, targetTime: Date | null): string[] {
  const flags = ['-c', 'archive_mode=off', '-c', `restore_command=${scriptCommand('restore', archiveDir)} %f %p`];
  if (targetTime) {
    flags.push('-c', `recovery_target_time=${postgresTimestamp(targetTime)}`, '-c', 'recovery_target_action=promote', '-c', 'recovery_target_inclusive=true');
  }
  return flags;
}
