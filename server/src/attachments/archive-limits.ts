/**
 * Limits on uploaded archives (ZIP, and Word/Excel files, which are ZIPs):
 * the central directory is read with yauzl, in memory; nothing is unpacked
 * to disk. The declared sizes are checked first (entries, unpacked total,
 * compression ratio), then every entry is inflated into a counter and thrown
 * away, so a directory that lies about its sizes is caught too (yauzl stops
 * an entry that inflates past its declared size).
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { AppError } from '../errors.ts';

/** Content types that are ZIP containers. */
export const ZIP_CONTAINER_TYPES: ReadonlySet<string> = new Set([
  'application/zip',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
]);

/** Limits of an uploaded archive. */
export interface ArchiveLimits {
  /** Most entries (files and folders) in one archive. */
  readonly maxEntries: number;
  /** Largest total unpacked size. */
  readonly maxUnpackedBytes: number;
  /** Largest ratio of the unpacked total to the archive's size… */
  readonly maxRatio: number;
  /** …applied once the unpacked total passes this size (a small, well-compressed file is harmless). */
  readonly ratioAppliesAboveBytes: number;
}

/** The limits applied to uploads. */
export const ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  /** Most entries (files and folders) in one archive. */
  maxEntries: 10_000,
  /** Largest total unpacked size. */
  maxUnpackedBytes: 100 * 1024 * 1024,
  /** Largest ratio of the unpacked total to the archive's size… */
  maxRatio: 100,
  /** …applied once the unpacked total passes this size (a small, well-compressed file is harmless). */
  ratioAppliesAboveBytes: 1024 * 1024,
});

function refused(message: string): AppError {
  return new AppError('ATTACHMENT_ARCHIVE_REFUSED', message);
}

const MB = 1024 * 1024;

/** Throws ATTACHMENT_ARCHIVE_REFUSED when the archive is over a limit, encrypted or unreadable. */
export async function checkArchive(fileName: string, content: Buffer, limits: ArchiveLimits = ARCHIVE_LIMITS): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(content, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false });
  } catch {
    throw refused(`文件「${fileName}」不是完整有效的 ZIP 压缩格式，已拒绝`);
  }
  try {
    if (zip.entryCount > limits.maxEntries) throw refused(`压缩文件「${fileName}」含 ${zip.entryCount} 个条目，超过 ${limits.maxEntries} 个上限，已拒绝`);
    const entries: yauzl.Entry[] = [];
    let declared = 0;
    for await (const entry of zip.eachEntry()) {
      if (entry.isEncrypted()) throw refused(`压缩文件「${fileName}」中有加密条目，无法进行病毒扫描，已拒绝；请上传未加密的文件`);
      declared += entry.uncompressedSize;
      entries.push(entry);
    }
    assertWithin(fileName, content.length, declared, limits);
    let inflated = 0;
    for (const entry of entries) {
      if (entry.fileName.endsWith('/')) continue;
      const counter = new Writable({
        write(chunk: Buffer, _enc, done) {
          inflated += chunk.length;
          done(inflated > limits.maxUnpackedBytes ? refused(`压缩文件「${fileName}」解压后超过 ${limits.maxUnpackedBytes / MB} MB 上限，已拒绝`) : null);
        },
      });
      await pipeline(await zip.openReadStreamPromise(entry), counter);
    }
    assertWithin(fileName, content.length, inflated, limits);
  } catch (e) {
    if (e instanceof AppError) throw e;
    // yauzl: an entry larger than declared, a bad compression method, a corrupt stream
    throw refused(`压缩文件「${fileName}」的内容与其目录不符或已损坏（${e instanceof Error ? e.message : String(e)}），已拒绝`);
  } finally {
    zip.close();
  }
}

function assertWithin(fileName: string, packed: number, unpacked: number, limits: ArchiveLimits): void {
  if (unpacked > limits.maxUnpackedBytes) throw refused(`压缩文件「${fileName}」解压后约 ${Math.ceil(unpacked / MB)} MB，超过 ${limits.maxUnpackedBytes / MB} MB 上限，已拒绝`);
  const ratio = unpacked / Math.max(packed, 1);
  if (unpacked > limits.ratioAppliesAboveBytes && ratio > limits.maxRatio) {
    throw refused(`压缩文件「${fileName}」的压缩比约为 ${Math.round(ratio)}:1，超过 ${limits.maxRatio}:1 上限（疑似“压缩炸弹”），已拒绝`);
  }
}
