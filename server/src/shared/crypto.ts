/**
 * Commercial-cryptography helpers (GB/T 39786): SM3 digests from Node's built-in crypto.
 */
import { createHash, randomBytes } from 'node:crypto';

/** SM3 digest of UTF-8 text, or of raw bytes, lowercase hex. */
export function sm3Hex(data: string | Uint8Array): string {
  return typeof data === 'string' ? createHash('sm3').update(data, 'utf8').digest('hex') : createHash('sm3').update(data).digest('hex');
}

/** A random URL-safe token with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
