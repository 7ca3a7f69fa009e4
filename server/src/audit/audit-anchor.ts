/**
 * Signed anchors of the audit chain. The SM3 chain shows that no row was
 * altered or removed in the middle, but not that the newest rows were cut
 * off (nor that someone with database access re-hashed the whole chain after
 * a change). So, every few minutes and on demand, the head of the chain
 * {last seq, last hash, row count, time} is signed with SM2 (GB/T 32918, SM3
 * with the default user id 1234567812345678, `sm-crypto-v2`) using a private
 * key kept outside the database, and appended to a JSONL file outside the
 * database. Verification trusts those files, never the `audit_anchors` table
 * (a copy for display).
 *
 * One line per anchor, in `<anchor dir>/<YYYY-MM>.jsonl` (UTC month):
 *
 *   {"payload":"<canonical JSON>","signature":"<DER hex>","publicKey":"04…"}
 *
 * where payload = {v, anchoredAt, lastSeq, lastHash, rowCount, prev} and
 * `prev` is the SM3 of the previous line's signature (GENESIS for the first),
 * so a line removed from the files is noticed too. Anyone can check a line
 * with OpenSSL and the public key in `<key file>.pub.pem`:
 *
 *   printf %s "$payload" > m.bin; echo "$signature" | xxd -r -p > s.der
 *   openssl pkeyutl -verify -pubin -inkey audit-anchor-sm2.json.pub.pem -rawin -digest sm3 \
 *     -pkeyopt distid:1234567812345678 -in m.bin -sigfile s.der
 */
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sql } from 'kysely';
import { sm2 } from 'sm-crypto-v2';
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { AppConfig } from '../config.ts';
import { canonicalJson } from '../shared/canonical-json.ts';
import { sm3Hex } from '../shared/crypto.ts';
import { formatLocalDateTime } from '../shared/local-time.ts';
import { defineJob, type JobDefinition, type RecurringJob } from '../jobs/job.types.ts';
import { recordAudit, verifyAuditChain, type AuditActor, type VerifyResult } from './audit.service.ts';

/** `prev` of the first anchor. */
export const ANCHOR_GENESIS = 'GENESIS';

/** Advisory lock key that serialises anchor writers (server worker, CLI). */
const ANCHOR_LOCK = 7_220_002;

/** Order n of the SM2 curve (GB/T 32918.5): a private key is in [1, n-2]. */
const SM2_N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;

/** SubjectPublicKeyInfo prefix for an uncompressed SM2 point (id-ecPublicKey, curve 1.2.156.10197.1.301). */
const SPKI_PREFIX = '3059301306072a8648ce3d020106082a811ccf5501822d034200';

/** A signing key replaced by `yunwei audit rotate-anchor-key`: its public key stays trusted for the anchors it signed. */
export interface RetiredAnchorKey {
  publicKey: string;
  createdAt: string;
  /** Anchors signed by this key after this instant are not trusted. */
  retiredAt: string;
}

/** The signing key and where anchors go. */
export interface AnchorStore {
  privateKey: string;
  publicKey: string;
  /** Where the key came from (for start-up messages). */
  keySource: 'environment' | 'file';
  /** Directory of the JSONL files. */
  dir: string;
  /**
   * The key file, when the key came from one: it is read again before each
   * signature and each verification, so a rotation reaches a running server.
   */
  keyFile?: string;
  /** Earlier keys, trusted for the anchors signed before their retirement. */
  retiredKeys?: readonly RetiredAnchorKey[];
}

/** A bad key file or key (start-up stops with this message). */
export class AnchorKeyError extends Error {}

const ZPublicKey = z.string().regex(/^04[0-9a-f]{128}$/);
const ZKeyFile = z.object({
  format: z.literal(1),
  algorithm: z.literal('SM2'),
  privateKey: z.string().regex(/^[0-9a-f]{64}$/),
  publicKey: ZPublicKey,
  createdAt: z.string(),
  /** Public keys of the keys this one replaced (`yunwei audit rotate-anchor-key`), oldest first. */
  retired: z.array(z.object({ publicKey: ZPublicKey, createdAt: z.string(), retiredAt: z.string() })).default([]),
});
type TKeyFile = z.infer<typeof ZKeyFile>;

function readKeyFile(keyFile: string): TKeyFile {
  const mode = statSync(keyFile).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new AnchorKeyError(`审计锚点签名密钥文件 ${keyFile} 的权限过宽（${mode.toString(8)}），请执行 chmod 600`);
  let parsed: TKeyFile;
  try {
    parsed = ZKeyFile.parse(JSON.parse(readFileSync(keyFile, 'utf8')));
  } catch (e) {
    throw new AnchorKeyError(`无法读取审计锚点签名密钥文件 ${keyFile}：${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  checkPrivateKey(parsed.privateKey);
  if (sm2.getPublicKeyFromPrivateKey(parsed.privateKey) !== parsed.publicKey) throw new AnchorKeyError(`审计锚点签名密钥文件 ${keyFile} 中的公钥与私钥不匹配`);
  return parsed;
}

function checkPrivateKey(hex: string): void {
  const d = BigInt(`0x${hex}`);
  if (d < 1n || d > SM2_N - 2n) throw new AnchorKeyError('SM2 私钥超出有效范围');
}

/** The SPKI PEM of an SM2 public key (for OpenSSL and outside verifiers). */
export function publicKeyPem(publicKeyHex: string): string {
  const der = Buffer.from(`${SPKI_PREFIX}${publicKeyHex}`, 'hex').toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${(der.match(/.{1,64}/g) ?? []).join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/**
 * The anchor-signing key: from the environment when given, otherwise from the
 * key file, which is created (mode 0600, folder 0700) on first use. A key file
 * readable by others, malformed, or whose public key does not match its
 * private key stops start-up.
 */
export function loadOrCreateAnchorKey(
  opts: { privateKey: string | undefined; keyFile: string },
  now: Date,
): { privateKey: string; publicKey: string; source: 'environment' | 'file'; created: boolean; retired: RetiredAnchorKey[] } {
  if (opts.privateKey) {
    checkPrivateKey(opts.privateKey);
    return { privateKey: opts.privateKey, publicKey: sm2.getPublicKeyFromPrivateKey(opts.privateKey), source: 'environment', created: false, retired: [] };
  }
  if (existsSync(opts.keyFile)) {
    const parsed = readKeyFile(opts.keyFile);
    return { privateKey: parsed.privateKey, publicKey: parsed.publicKey, source: 'file', created: false, retired: parsed.retired };
  }
  const kp = sm2.generateKeyPairHex();
  mkdirSync(dirname(opts.keyFile), { recursive: true, mode: 0o700 });
  // 'wx': two processes starting at once never overwrite each other's key
  writeFileSync(opts.keyFile, `${JSON.stringify({ format: 1, algorithm: 'SM2', privateKey: kp.privateKey, publicKey: kp.publicKey, createdAt: now.toISOString() }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(opts.keyFile, 0o600);
  writeFileSync(`${opts.keyFile}.pub.pem`, publicKeyPem(kp.publicKey), { mode: 0o644 });
  return { privateKey: kp.privateKey, publicKey: kp.publicKey, source: 'file', created: true, retired: [] };
}

/** The store's keys as they are now: from its key file when it has one (a rotation may have happened since start-up). */
function currentKeys(store: AnchorStore): { privateKey: string; publicKey: string; retired: readonly RetiredAnchorKey[] } {
  if (store.keyFile && existsSync(store.keyFile)) {
    const k = readKeyFile(store.keyFile);
    return { privateKey: k.privateKey, publicKey: k.publicKey, retired: k.retired };
  }
  return { privateKey: store.privateKey, publicKey: store.publicKey, retired: store.retiredKeys ?? [] };
}

/**
 * Replace the anchor-signing key (`yunwei audit rotate-anchor-key`): a new
 * SM2 key pair becomes the key file's key; the old public key moves to its
 * `retired` list (with the time), so the anchors it signed still verify, and
 * anchors it might sign later do not. The old key's public PEM stays next to
 * the file as `<key file>.<retired at>.pub.pem`. The file is replaced
 * atomically (write, fsync, rename). Keys given in the environment are not
 * rotated here.
 */
export function rotateAnchorKeyFile(keyFile: string, now: Date): { previousPublicKey: string; publicKey: string } {
  if (!existsSync(keyFile)) throw new AnchorKeyError(`审计锚点签名密钥文件 ${keyFile} 不存在：先启动一次服务或执行 yunwei audit anchor 生成密钥`);
  const old = readKeyFile(keyFile);
  const kp = sm2.generateKeyPairHex();
  const retiredAt = now.toISOString();
  const next: TKeyFile = {
    format: 1,
    algorithm: 'SM2',
    privateKey: kp.privateKey,
    publicKey: kp.publicKey,
    createdAt: retiredAt,
    retired: [...old.retired, { publicKey: old.publicKey, createdAt: old.createdAt, retiredAt }],
  };
  const tmp = `${keyFile}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(next, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  writeFileSync(`${keyFile}.${retiredAt.replace(/[:.]/g, '-')}.pub.pem`, publicKeyPem(old.publicKey), { mode: 0o644 });
  renameSync(tmp, keyFile);
  writeFileSync(`${keyFile}.pub.pem`, publicKeyPem(kp.publicKey), { mode: 0o644 });
  return { previousPublicKey: old.publicKey, publicKey: kp.publicKey };
}

/** Open the anchor store from the configuration (key loaded or created, folder created). */
export function openAnchorStore(audit: AppConfig['audit'], now: Date): AnchorStore & { created: boolean } {
  const key = loadOrCreateAnchorKey({ privateKey: audit.anchorPrivateKey, keyFile: audit.anchorKeyFile }, now);
  mkdirSync(audit.anchorDir, { recursive: true, mode: 0o700 });
  return {
    privateKey: key.privateKey,
    publicKey: key.publicKey,
    keySource: key.source,
    dir: audit.anchorDir,
    created: key.created,
    retiredKeys: key.retired,
    ...(key.source === 'file' ? { keyFile: audit.anchorKeyFile } : {}),
  };
}

/**
 * The anchor store as configured, without creating a key (for `verify`): null
 * when neither a key in the environment nor a key file exists.
 */
export function findAnchorStore(audit: AppConfig['audit'], now: Date): AnchorStore | null {
  if (!audit.anchorPrivateKey && !existsSync(audit.anchorKeyFile)) return null;
  const key = loadOrCreateAnchorKey({ privateKey: audit.anchorPrivateKey, keyFile: audit.anchorKeyFile }, now);
  return { privateKey: key.privateKey, publicKey: key.publicKey, keySource: key.source, dir: audit.anchorDir, retiredKeys: key.retired, ...(key.source === 'file' ? { keyFile: audit.anchorKeyFile } : {}) };
}

/** What an anchor says. */
export interface AnchorPayload {
  v: 1;
  anchoredAt: string;
  lastSeq: string;
  lastHash: string;
  rowCount: string;
  prev: string;
}

/** One line of an anchor file. */
export interface AnchorLine {
  payload: string;
  signature: string;
  publicKey: string;
}

const ZPayload = z.object({
  v: z.literal(1),
  anchoredAt: z.string(),
  lastSeq: z.string().regex(/^\d+$/),
  lastHash: z.string().regex(/^[0-9a-f]{64}$/),
  rowCount: z.string().regex(/^\d+$/),
  prev: z.string(),
});
const ZLine = z.object({ payload: z.string(), signature: z.string().regex(/^[0-9a-f]+$/), publicKey: z.string().regex(/^04[0-9a-f]{128}$/) });

/** Sign a payload: SM2 with SM3 and the default user id, DER-encoded hex. */
export function signAnchor(privateKey: string, payload: AnchorPayload): AnchorLine {
  const text = canonicalJson(payload);
  return { payload: text, signature: sm2.doSignature(text, privateKey, { hash: true, der: true }), publicKey: sm2.getPublicKeyFromPrivateKey(privateKey) };
}

/** Whether a line's signature is valid for its own payload and public key. */
export function verifyAnchorSignature(line: AnchorLine): boolean {
  try {
    return sm2.doVerifySignature(line.payload, line.signature, line.publicKey, { hash: true, der: true });
  } catch {
    return false;
  }
}

/** An anchor read back from its file, with where it was. */
export interface StoredAnchor {
  file: string;
  line: number;
  raw: AnchorLine | null;
  payload: AnchorPayload | null;
  /** Why the line could not be read, if it could not. */
  unreadable: string | null;
}

function anchorFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d{4}-\d{2}\.jsonl$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

function parseLine(file: string, line: number, text: string): StoredAnchor {
  try {
    const raw = ZLine.parse(JSON.parse(text));
    const payload = ZPayload.parse(JSON.parse(raw.payload));
    return { file, line, raw, payload, unreadable: null };
  } catch (e) {
    return { file, line, raw: null, payload: null, unreadable: e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e) };
  }
}

/** Every anchor in the store's files, oldest first. */
export function readAnchors(dir: string): StoredAnchor[] {
  const out: StoredAnchor[] = [];
  for (const file of anchorFiles(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((text, i) => {
      if (text.trim() === '') return;
      out.push(parseLine(file, i + 1, text));
    });
  }
  return out;
}

function lastAnchor(dir: string): StoredAnchor | null {
  const files = anchorFiles(dir);
  for (let i = files.length - 1; i >= 0; i--) {
    const file = files[i] ?? '';
    const lines = readFileSync(file, 'utf8').split('\n');
    for (let j = lines.length - 1; j >= 0; j--) {
      const text = lines[j] ?? '';
      if (text.trim() !== '') return parseLine(file, j + 1, text);
    }
  }
  return null;
}

function appendDurably(file: string, text: string): void {
  const fd = openSync(file, 'a', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The anchor just written. */
export interface WrittenAnchor {
  payload: AnchorPayload;
  file: string;
}

/**
 * Sign the current head of the chain and append it to this month's file (and
 * copy it into `audit_anchors` for display). Writers are serialised by an
 * advisory lock. Returns null when the chain is empty or has not grown since
 * the last anchor (`force` signs anyway).
 */
export async function anchorAuditChain(db: Db, store: AnchorStore, now: Date, opts: { force?: boolean } = {}): Promise<WrittenAnchor | null> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${ANCHOR_LOCK})`.execute(trx);
    const head = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
    if (!head) return null;
    const count = await trx
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('seq', '<=', head.seq)
      .executeTakeFirstOrThrow();
    const previous = lastAnchor(store.dir);
    if (!opts.force && previous?.payload?.lastSeq === String(head.seq) && previous.payload.lastHash === head.hash) return null;
    const payload: AnchorPayload = {
      v: 1,
      anchoredAt: now.toISOString(),
      lastSeq: String(head.seq),
      lastHash: head.hash,
      rowCount: String(count.n),
      prev: previous?.raw ? sm3Hex(previous.raw.signature) : ANCHOR_GENESIS,
    };
    const line = signAnchor(currentKeys(store).privateKey, payload);
    mkdirSync(store.dir, { recursive: true, mode: 0o700 });
    const file = join(store.dir, `${payload.anchoredAt.slice(0, 7)}.jsonl`);
    appendDurably(file, `${JSON.stringify(line)}\n`);
    await trx
      .insertInto('audit_anchors')
      .values({ anchored_at: now, last_seq: payload.lastSeq, last_hash: payload.lastHash, row_count: payload.rowCount, public_key: line.publicKey, signature: line.signature, file_name: basename(file) })
      .execute();
    return { payload, file };
  });
}

/** A problem found while checking the anchors. */
export interface AnchorProblem {
  kind: 'unreadable' | 'forged' | 'foreignKey' | 'missingAnchor' | 'truncated' | 'rewritten';
  file: string;
  line: number;
  anchoredAt: string | null;
  lastSeq: string | null;
  message: string;
}

/** The outcome of the chain walk plus the anchor checks. */
export interface AnchoredVerifyResult {
  ok: boolean;
  chain: VerifyResult;
  anchors: {
    checked: number;
    latest: { anchoredAt: string; lastSeq: string; lastHash: string; rowCount: string; file: string } | null;
    /** Rows appended after the latest anchor (not yet protected against being cut off). */
    rowsAfterLatest: number;
    problem: AnchorProblem | null;
    /** Something to know that is not a proof of tampering (no anchor yet, no key configured). */
    warning: string | null;
  };
}

function where(a: StoredAnchor): string {
  return `${basename(a.file)} 第 ${a.line} 行`;
}

function anchorName(a: StoredAnchor, p: AnchorPayload): string {
  return `${formatLocalDateTime(p.anchoredAt)} 签署的锚点（${where(a)}）`;
}

/**
 * Walk the chain (`verifyAuditChain`), then check every anchor in the files:
 * its SM2 signature, that it was signed by our key, that no anchor line is
 * missing (each names the previous one), and that the row it anchors still
 * exists with the anchored hash. Rows cut off after an anchor, or a chain
 * re-hashed after a change, are reported with a Chinese message naming the anchor.
 */
export async function verifyAuditWithAnchors(db: Db, store: AnchorStore | null): Promise<AnchoredVerifyResult> {
  const chain = await verifyAuditChain(db);
  if (!store) {
    return { ok: chain.ok, chain, anchors: { checked: 0, latest: null, rowsAfterLatest: 0, problem: null, warning: '未配置审计锚点签名密钥：只校验了哈希链，无法发现末尾记录被截断' } };
  }
  const anchors = readAnchors(store.dir);
  const keys = currentKeys(store);
  const precomputed = new Map([keys.publicKey, ...keys.retired.map((k) => k.publicKey)].map((k) => [k, sm2.precomputePublicKey(k)]));
  let problem: AnchorProblem | null = null;
  let prevSignature: string | null = null;
  const valid: { a: StoredAnchor; p: AnchorPayload }[] = [];
  for (const a of anchors) {
    const fail = (kind: AnchorProblem['kind'], message: string): AnchorProblem => ({ kind, file: basename(a.file), line: a.line, anchoredAt: a.payload?.anchoredAt ?? null, lastSeq: a.payload?.lastSeq ?? null, message });
    if (!a.raw || !a.payload) {
      problem = fail('unreadable', `审计锚点文件 ${where(a)} 无法解析（${a.unreadable ?? ''}）：锚点文件被改动`);
      break;
    }
    const publicKey = precomputed.get(a.raw.publicKey);
    if (!publicKey) {
      problem = fail('foreignKey', `${anchorName(a, a.payload)}不是用本平台的锚点签名密钥（现用或已退役）签署的：锚点文件被替换或伪造`);
      break;
    }
    const retired = keys.retired.find((k) => k.publicKey === a.raw?.publicKey);
    if (retired && a.payload.anchoredAt > retired.retiredAt) {
      problem = fail('foreignKey', `${anchorName(a, a.payload)}是用已于 ${formatLocalDateTime(retired.retiredAt)} 退役的锚点签名密钥签署的：退役之后的签名不可信`);
      break;
    }
    let signatureOk = false;
    try {
      signatureOk = sm2.doVerifySignature(a.raw.payload, a.raw.signature, publicKey, { hash: true, der: true });
    } catch {
      signatureOk = false;
    }
    if (!signatureOk) {
      problem = fail('forged', `${anchorName(a, a.payload)}的 SM2 签名校验失败：锚点内容被改动或伪造`);
      break;
    }
    const expectedPrev = prevSignature === null ? ANCHOR_GENESIS : sm3Hex(prevSignature);
    if (a.payload.prev !== expectedPrev) {
      problem = fail('missingAnchor', `${anchorName(a, a.payload)}与前一个锚点衔接不上：锚点文件中有锚点被删除`);
      break;
    }
    prevSignature = a.raw.signature;
    valid.push({ a, p: a.payload });
  }

  if (!problem && valid.length > 0) {
    const seqs = [...new Set(valid.map((v) => v.p.lastSeq))];
    const found = new Map<string, string>();
    for (let i = 0; i < seqs.length; i += 1000) {
      const rows = await db.selectFrom('audit_log').select(['seq', 'hash']).where('seq', 'in', seqs.slice(i, i + 1000)).execute();
      for (const r of rows) found.set(String(r.seq), r.hash);
    }
    for (const { a, p } of valid) {
      const hash = found.get(p.lastSeq);
      if (hash === undefined) {
        problem = {
          kind: 'truncated',
          file: basename(a.file),
          line: a.line,
          anchoredAt: p.anchoredAt,
          lastSeq: p.lastSeq,
          message: `审计记录被截断：${anchorName(a, p)}记录当时链末为第 ${p.lastSeq} 条（共 ${p.rowCount} 条，摘要 ${p.lastHash.slice(0, 12)}…），但数据库中已没有第 ${p.lastSeq} 条记录${chain.lastSeq ? `，现存最后一条为第 ${chain.lastSeq} 条` : '，审计表为空'}`,
        };
        break;
      }
      if (hash !== p.lastHash) {
        problem = {
          kind: 'rewritten',
          file: basename(a.file),
          line: a.line,
          anchoredAt: p.anchoredAt,
          lastSeq: p.lastSeq,
          message: `审计记录被改写：第 ${p.lastSeq} 条记录的摘要与${anchorName(a, p)}不一致，该记录或它之前的记录在签署锚点之后被修改并重新计算了哈希链`,
        };
        break;
      }
    }
  }

  const latestValid = valid[valid.length - 1];
  const latest = latestValid
    ? { anchoredAt: latestValid.p.anchoredAt, lastSeq: latestValid.p.lastSeq, lastHash: latestValid.p.lastHash, rowCount: latestValid.p.rowCount, file: basename(latestValid.a.file) }
    : null;
  let rowsAfterLatest = 0;
  if (latest) {
    const n = await db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('seq', '>', latest.lastSeq).executeTakeFirstOrThrow();
    rowsAfterLatest = Number(n.n);
  }
  const warning =
    anchors.length === 0 && chain.rowsChecked > 0 ? `锚点目录 ${store.dir} 中没有任何签名锚点：无法发现末尾记录被截断（锚点每隔数分钟由服务自动签署，也可执行 yunwei audit anchor）` : null;
  return { ok: chain.ok && problem === null, chain, anchors: { checked: valid.length, latest, rowsAfterLatest, problem, warning } };
}

/**
 * `yunwei audit rotate-anchor-key`: sign a last anchor with the old key (so
 * every row written so far is anchored by it), replace the key in the key
 * file (the old public key stays trusted for what it signed), audit the
 * rotation (key fingerprints, never key material), and sign a first anchor
 * with the new key, which covers the audit row too.
 */
export async function rotateAnchorKey(db: Db, store: AnchorStore, actor: AuditActor, now: Date): Promise<{ previousFingerprint: string; fingerprint: string; lastOldAnchor: WrittenAnchor | null; firstNewAnchor: WrittenAnchor | null }> {
  if (!store.keyFile) throw new AnchorKeyError('审计锚点签名密钥来自环境变量 YUNWEI_AUDIT_ANCHOR_PRIVATE_KEY：请改用密钥文件后再轮换（环境变量中的密钥无法保留旧公钥）');
  const lastOldAnchor = await anchorAuditChain(db, store, now, { force: true });
  const rotated = rotateAnchorKeyFile(store.keyFile, now);
  const previousFingerprint = sm3Hex(rotated.previousPublicKey).slice(0, 16);
  const fingerprint = sm3Hex(rotated.publicKey).slice(0, 16);
  await db.transaction().execute((trx) =>
    recordAudit(trx, actor, { action: 'security.anchorKeyRotated', entityType: 'auditAnchorKey', entityId: fingerprint, contractId: null, after: { previousFingerprint, fingerprint, lastOldAnchorSeq: lastOldAnchor?.payload.lastSeq ?? null } }, now),
  );
  const firstNewAnchor = await anchorAuditChain(db, store, now, { force: true });
  return { previousFingerprint, fingerprint, lastOldAnchor, firstNewAnchor };
}

const ZAnchorJobPayload = z.object({});

/** The anchor job's (empty) payload. */
export type AnchorJobPayload = z.infer<typeof ZAnchorJobPayload>;

/** The recurring anchor job: sign the head of the chain when it has grown. */
export function createAuditAnchorJob(store: AnchorStore): JobDefinition<AnchorJobPayload> {
  return defineJob({
    kind: 'audit.anchor',
    version: 1,
    payload: ZAnchorJobPayload,
    maxAttempts: 3,
    backoffSeconds: 30,
    async handler({ db, now }) {
      await anchorAuditChain(db, store, now);
    },
  });
}

/** The recurring schedule of the anchor job (every `everyMinutes`). */
export function auditAnchorRecurring(job: JobDefinition<AnchorJobPayload>, everyMinutes: number): RecurringJob<AnchorJobPayload> {
  return { definition: job, everySeconds: everyMinutes * 60, payload: {} };
}
