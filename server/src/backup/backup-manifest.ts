/**
 * The manifest of a base backup (`backup-manifest.json` in its directory):
 * when and from which cluster it was taken, the WAL range it needs, every
 * file with its SM3 digest, and what must be kept separately (the keys).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BackupError } from './backup-files.ts';

/** File name of the manifest inside a base backup directory. */
export const MANIFEST_FILE = 'backup-manifest.json';

/** The cluster copy inside a base backup directory. */
export const CLUSTER_DIR = 'pg';

/** The embedded server's credentials file inside a base backup (same name as in a data directory). */
export const CREDENTIALS_FILE = 'pg-credentials.json';

const ZManifest = z.object({
  format: z.literal(1),
  label: z.string(),
  /** When pg_backup_start returned (database clock, ISO). */
  startedAt: z.string(),
  /** When pg_backup_stop returned (database clock, ISO): the earliest point a restore can reach. */
  stoppedAt: z.string(),
  pgVersion: z.string(),
  systemIdentifier: z.string(),
  timeline: z.number().int(),
  startLsn: z.string(),
  stopLsn: z.string(),
  startWalFile: z.string(),
  stopWalFile: z.string(),
  /** Directories to recreate (some deliberately empty, e.g. pg_wal/archive_status). */
  dirs: z.array(z.string()),
  files: z.array(z.object({ path: z.string(), size: z.number().int().min(0), sm3: z.string().regex(/^[0-9a-f]{64}$/) })),
  /** Kept apart from the data on purpose: listed here so a restore knows what to fetch, never copied. */
  separate: z.object({
    keysIncluded: z.literal(false),
    dataKeyFile: z.string(),
    /** Ids of the data keys in the key file at backup time (the active one first); key material is never written here. */
    dataKeyIds: z.array(z.string()),
    /** null when the anchor key came from YUNWEI_AUDIT_ANCHOR_PRIVATE_KEY. */
    anchorKeyFile: z.string().nullable(),
    anchorDir: z.string(),
  }),
});

/** A parsed manifest. */
export type BackupManifest = z.infer<typeof ZManifest>;

/** Read and check the manifest of the base backup in `dir`. */
export function readManifest(dir: string): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8'));
  } catch (e) {
    throw new BackupError(`${dir} 不是基础备份目录：无法读取 ${MANIFEST_FILE}（${e instanceof Error ? e.message : String(e)}）`);
  }
  const parsed = ZManifest.safeParse(raw);
  if (!parsed.success) throw new BackupError(`备份清单 ${join(dir, MANIFEST_FILE)} 格式不正确：${parsed.error.issues.map((i) => i.path.join('.')).join('，')}`);
  return parsed.data;
}
