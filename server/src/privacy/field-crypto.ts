/**
 * Field encryption at rest with commercial cryptography (GB/T 39786):
 * SM4-CBC with a random IV, then HMAC-SM3 over the whole envelope and the
 * record it belongs to (encrypt-then-MAC; Node has no SM4-GCM). Keys come
 * from a key ring held outside the database (see key-ring.ts); every envelope
 * names the key that sealed it, so keys can be rotated without losing data.
 *
 * Envelope: `sm4c1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts).
 *
 * Blind index: HMAC-SM3 of a normalised value under a separate derived key,
 * so an exact value (a caller's phone number) can be found without storing it.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';

const PREFIX = 'sm4c1';

/** One data key: 32 random bytes from which the cipher, MAC and index keys are derived. */
export interface DataKey {
  id: string;
  secret: Buffer;
}

/** The keys a process can use: the active one seals, all of them open. */
export interface KeyRing {
  activeKeyId: string;
  keys: ReadonlyMap<string, DataKey>;
  /** Called once when an envelope names a key the ring does not hold (e.g. rotated by the CLI meanwhile). */
  reload?: () => KeyRing | null;
}

interface DerivedKeys {
  cipher: Buffer;
  mac: Buffer;
  index: Buffer;
}

const derivedCache = new WeakMap<Buffer, DerivedKeys>();

function derive(secret: Buffer): DerivedKeys {
  const hit = derivedCache.get(secret);
  if (hit) return hit;
  const okm = (info: string, len: number): Buffer => Buffer.from(hkdfSync('sm3', secret, Buffer.alloc(0), info, len));
  const keys = { cipher: okm('yunwei/sm4-cbc', 16), mac: okm('yunwei/hmac-sm3', 32), index: okm('yunwei/blind-index', 32) };
  derivedCache.set(secret, keys);
  return keys;
}

function keyOf(ring: KeyRing, id: string): DataKey {
  const key = ring.keys.get(id) ?? ring.reload?.()?.keys.get(id);
  if (!key) throw new AppError('PII_DECRYPT_FAILED', `缺少数据密钥「${id}」，无法解密个人信息；请检查密钥文件`);
  return key;
}

function macOf(mac: Buffer, head: string, context: string): Buffer {
  return createHmac('sm3', mac).update(head, 'utf8').update('\u0000').update(context, 'utf8').digest();
}

/** Whether a stored value is one of our envelopes. */
export function isEnvelope(value: string): boolean {
  return value.startsWith(`${PREFIX}.`);
}

/** The id of the key that sealed an envelope. */
export function envelopeKeyId(envelope: string): string {
  return envelope.split('.')[1] ?? '';
}

/**
 * Seal `plaintext` with the ring's active key. `context` binds the envelope
 * to its place (table, row, column): moved elsewhere it no longer opens.
 */
export function encryptField(ring: KeyRing, plaintext: string, context: string): string {
  const key = keyOf(ring, ring.activeKeyId);
  const { cipher, mac } = derive(key.secret);
  const iv = randomBytes(16);
  const c = createCipheriv('sm4-cbc', cipher, iv);
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  const head = `${PREFIX}.${key.id}.${iv.toString('base64url')}.${ct.toString('base64url')}`;
  return `${head}.${macOf(mac, head, context).toString('base64url')}`;
}

/** Open an envelope; a changed bit, another place or a wrong key fails with PII_DECRYPT_FAILED. */
export function decryptField(ring: KeyRing, envelope: string, context: string): string {
  const parts = envelope.split('.');
  if (parts.length !== 5 || parts[0] !== PREFIX) throw new AppError('PII_DECRYPT_FAILED', '个人信息密文格式不正确');
  const [, keyId = '', ivB64 = '', ctB64 = '', tagB64 = ''] = parts;
  const { cipher, mac } = derive(keyOf(ring, keyId).secret);
  const expected = macOf(mac, `${PREFIX}.${keyId}.${ivB64}.${ctB64}`, context);
  const tag = Buffer.from(tagB64, 'base64url');
  if (tag.length !== expected.length || !timingSafeEqual(tag, expected)) {
    throw new AppError('PII_DECRYPT_FAILED', '个人信息密文校验失败（密文被改动、位置不符或密钥不正确）');
  }
  try {
    const d = createDecipheriv('sm4-cbc', cipher, Buffer.from(ivB64, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ctB64, 'base64url')), d.final()]).toString('utf8');
  } catch {
    throw new AppError('PII_DECRYPT_FAILED', '个人信息密文无法解密');
  }
}

/** Normalise a value before indexing: no spaces or dashes, upper-case X. */
export function normaliseForIndex(value: string): string {
  return value.replace(/[\s-]/g, '').toUpperCase();
}

/** Blind index of a value under the active key (hex, 32 chars). */
export function blindIndex(ring: KeyRing, value: string): string {
  const { index } = derive(keyOf(ring, ring.activeKeyId).secret);
  return createHmac('sm3', index).update(normaliseForIndex(value), 'utf8').digest('hex').slice(0, 32);
}
