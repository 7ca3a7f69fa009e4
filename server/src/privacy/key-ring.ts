/**
 * The data-key file: the SM4 keys that seal personal data, kept outside the
 * database (a database dump alone never opens a sealed field). JSON, mode
 * 0600, written atomically (temporary file + rename):
 *
 *   { "format": 1, "active": "k20261124a1b2", "keys": [{ "id", "secret" (base64), "createdAt", "retiredAt" }] }
 *
 * Rotation adds a key and makes it active; old keys stay so that envelopes
 * (and older backups) sealed with them still open until they are re-sealed.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { DataKey, KeyRing } from './field-crypto.ts';

const ZKeyFile = z.object({
  format: z.literal(1),
  active: z.string().min(1),
  keys: z
    .array(
      z.object({
        id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
        secret: z.string().min(1),
        createdAt: z.string(),
        retiredAt: z.string().nullable().optional(),
      }),
    )
    .min(1),
});

/** The key file as stored. */
export type KeyFile = z.infer<typeof ZKeyFile>;

/** Thrown when the key file is unreadable or inconsistent (start-up stops). */
export class KeyFileError extends Error {}

function newKeyId(now: Date): string {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return `k${day}${randomBytes(3).toString('hex')}`;
}

/** Read and check the key file. */
export function readKeyFile(path: string): KeyFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new KeyFileError(`无法读取数据密钥文件 ${path}：${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = ZKeyFile.safeParse(raw);
  if (!parsed.success) throw new KeyFileError(`数据密钥文件 ${path} 格式不正确：${parsed.error.issues.map((i) => i.path.join('.')).join('，')}`);
  const file = parsed.data;
  if (!file.keys.some((k) => k.id === file.active)) throw new KeyFileError(`数据密钥文件 ${path} 的当前密钥「${file.active}」不存在`);
  for (const k of file.keys) {
    if (Buffer.from(k.secret, 'base64').length !== 32) throw new KeyFileError(`数据密钥「${k.id}」长度不是 32 字节`);
  }
  return file;
}

function writeKeyFile(path: string, file: KeyFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  chmodSync(path, 0o600);
}

function ringOf(file: KeyFile, path: string | null): KeyRing {
  const keys = new Map<string, DataKey>(file.keys.map((k) => [k.id, { id: k.id, secret: Buffer.from(k.secret, 'base64') }]));
  return {
    activeKeyId: file.active,
    keys,
    reload: path ? () => (existsSync(path) ? ringOf(readKeyFile(path), null) : null) : undefined,
  };
}

/** Load the key ring; on first start (no file yet) create a file with one fresh key. */
export function loadOrCreateKeyRing(path: string, now: Date): { ring: KeyRing; created: boolean } {
  if (existsSync(path)) return { ring: ringOf(readKeyFile(path), path), created: false };
  const id = newKeyId(now);
  writeKeyFile(path, { format: 1, active: id, keys: [{ id, secret: randomBytes(32).toString('base64'), createdAt: now.toISOString(), retiredAt: null }] });
  return { ring: ringOf(readKeyFile(path), path), created: true };
}

/** Add a fresh key and make it the active one; the previous keys are marked retired but kept. */
export function addActiveKey(path: string, now: Date): { ring: KeyRing; newKeyId: string; previousKeyId: string } {
  const file = readKeyFile(path);
  const id = newKeyId(now);
  const keys = file.keys.map((k) => (k.retiredAt ? k : { ...k, retiredAt: now.toISOString() }));
  keys.push({ id, secret: randomBytes(32).toString('base64'), createdAt: now.toISOString(), retiredAt: null });
  writeKeyFile(path, { format: 1, active: id, keys });
  return { ring: ringOf(readKeyFile(path), path), newKeyId: id, previousKeyId: file.active };
}

/** Drop retired keys that no sealed value uses any more. */
export function dropKeys(path: string, keyIds: readonly string[]): KeyFile {
  const file = readKeyFile(path);
  const next = { ...file, keys: file.keys.filter((k) => k.id === file.active || !keyIds.includes(k.id)) };
  writeKeyFile(path, next);
  return next;
}

/** A ring built in memory (tests, benchmarks). */
export function memoryKeyRing(keys: readonly DataKey[], activeKeyId: string): KeyRing {
  return { activeKeyId, keys: new Map(keys.map((k) => [k.id, k])) };
}
