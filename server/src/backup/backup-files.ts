/**
 * File copying for physical backups: a directory tree copied file by file
 * with an SM3 digest of every byte written (so the manifest can prove later
 * that a backup is intact), each file flushed to disk before the next.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Thrown when a backup or a restore cannot go on; the message is for people (Chinese). */
export class BackupError extends Error {}

/** One copied file: its path relative to the backup root, size and SM3 digest. */
export interface CopiedFile {
  path: string;
  size: number;
  sm3: string;
}

/** What a copy does with an entry of the source tree, by its relative path. */
export type CopyRule = 'copy' | 'skip' | 'emptyDir';

const CHUNK = 1 << 20;

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && 'code' in e && e.code === code;
}

/**
 * Copy one file, hashing what is written; resolves to null when the source
 * vanished before it could be opened (PostgreSQL deletes files while a live
 * backup runs; WAL replay recreates them).
 */
export async function copyFileWithDigest(from: string, to: string): Promise<{ size: number; sm3: string } | null> {
  let source;
  try {
    source = await open(from, 'r');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return null;
    throw e;
  }
  try {
    const target = await open(to, 'wx', 0o600);
    try {
      const hash = createHash('sm3');
      const buffer = Buffer.allocUnsafe(CHUNK);
      let size = 0;
      for (;;) {
        const { bytesRead } = await source.read(buffer, 0, CHUNK, null);
        if (bytesRead === 0) break;
        const chunk = buffer.subarray(0, bytesRead);
        hash.update(chunk);
        await target.write(chunk);
        size += bytesRead;
      }
      await target.sync();
      return { size, sm3: hash.digest('hex') };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** Write a small file (0600, flushed) and return its entry. */
export async function writeFileWithDigest(root: string, path: string, content: string | Buffer): Promise<CopiedFile> {
  const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const handle = await open(join(root, path), 'wx', 0o600);
  try {
    await handle.write(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { path, size: data.length, sm3: createHash('sm3').update(data).digest('hex') };
}

/**
 * Copy the tree under `from` into `to` (which must not exist), as `prefix/…`
 * in the returned lists. `rule` decides per relative path: copy, skip, or
 * keep the directory but none of its contents. Symbolic links are refused
 * (a tablespace or a moved pg_wal would need handling this copy lacks).
 */
export async function copyTree(
  from: string,
  to: string,
  prefix: string,
  rule: (relativePath: string, isDirectory: boolean) => CopyRule,
): Promise<{ files: CopiedFile[]; dirs: string[] }> {
  const files: CopiedFile[] = [];
  const dirs: string[] = [prefix];
  await mkdir(to, { mode: 0o700 });
  const walk = async (relative: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(from, relative), { withFileTypes: true });
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return;
      throw e;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) throw new BackupError(`数据目录中有符号链接 ${rel}（表空间或外置 WAL 目录）：本备份命令不支持，请改用 pg_basebackup`);
      const action = rule(rel, entry.isDirectory());
      if (action === 'skip') continue;
      if (entry.isDirectory()) {
        await mkdir(join(to, rel), { mode: 0o700 });
        dirs.push(`${prefix}/${rel}`);
        if (action === 'copy') await walk(rel);
        continue;
      }
      if (!entry.isFile()) continue;
      const copied = await copyFileWithDigest(join(from, rel), join(to, rel));
      if (copied) files.push({ path: `${prefix}/${rel}`, ...copied });
    }
  };
  await walk('');
  return { files, dirs };
}
