#!/usr/bin/env node
// PostgreSQL's archive_command and restore_command for the embedded database
// (see server/src/backup/wal-archive.ts, which builds the command lines).
// Plain JavaScript with Node built-ins only: PostgreSQL runs it once per WAL
// segment, so it must start fast and needs no TypeScript loader.
//
//   wal-archive.mjs archive <archive dir> <%p>   copy a finished segment into the archive
//   wal-archive.mjs restore <archive dir> <%f> <%p>   copy a segment back for recovery
//
// archive: the segment is stored gzip-compressed as `<segment>.gz` (a segment
// switched early, by the periodic switch, is mostly zeros: 16 MB become a few
// KB). The copy is written to a temporary name, flushed to disk, then
// linked to its final name, which fails if that name exists, so an archived
// file is never overwritten. An existing file with the same content counts as
// archived (PostgreSQL retries after a crash); different content is an error
// and PostgreSQL keeps the segment and retries, which shows in its log.
// restore: the compressed or (from older archives) the plain segment; exit
// status 1 without a message when the archive has neither, which is how
// PostgreSQL learns it has reached the end of the archive.
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/** fsync a file or a directory by path. */
function syncPath(path) {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function archive(dir, source) {
  const name = `${basename(source)}.gz`;
  const target = join(dir, name);
  const content = readFileSync(source);
  if (existsSync(target)) {
    if (gunzipSync(readFileSync(target)).equals(content)) return 0;
    process.stderr.write(`WAL 归档中已有同名但内容不同的文件，拒绝覆盖：${target}\n`);
    return 1;
  }
  const temporary = join(dir, `.${name}.tmp-${process.pid}`);
  try {
    writeFileSync(temporary, gzipSync(content), { mode: 0o600 });
    syncPath(temporary);
    try {
      linkSync(temporary, target);
      unlinkSync(temporary);
    } catch (e) {
      if (e.code === 'EEXIST') throw e;
      // a file system without hard links: rename (the existence check above guards the overwrite)
      renameSync(temporary, target);
    }
    syncPath(dir);
    return 0;
  } catch (e) {
    if (existsSync(temporary)) unlinkSync(temporary);
    process.stderr.write(`WAL 归档失败（${name}）：${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

function restore(dir, name, destination) {
  const compressed = join(dir, `${name}.gz`);
  const plain = join(dir, name);
  if (existsSync(compressed)) writeFileSync(destination, gunzipSync(readFileSync(compressed)));
  else if (existsSync(plain)) writeFileSync(destination, readFileSync(plain));
  else return 1;
  return 0;
}

const [mode, dir, a, b] = process.argv.slice(2);
if (mode === 'archive' && dir && a) process.exit(archive(dir, a));
if (mode === 'restore' && dir && a && b) process.exit(restore(dir, a, b));
process.stderr.write('用法：wal-archive.mjs archive <归档目录> <%p> | restore <归档目录> <%f> <%p>\n');
process.exit(2);
