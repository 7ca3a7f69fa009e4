/**
 * Benchmark of security.md check 10 (no account enumeration by timing): the
 * refused password step costs the same whatever the reason. Against a fresh
 * embedded PostgreSQL, it makes N sign-in attempts (default 100) each for an
 * unknown user, a wrong password, a locked account and a disabled account,
 * interleaved round by round in a rotating order (so drift of the machine
 * spreads evenly over the four paths), through the same `signIn` service the
 * HTTP route calls, and prints the total time of each path and the largest
 * spread between two totals, relative to the smallest (the bar: within 10%).
 *
 * Why the paths cost the same is asserted structurally by a unit test
 * (test/security/password-profile.test.ts, "check 10"): each performs exactly
 * one password hash verification (PBKDF2-HMAC-SM3); this script measures what that gives.
 *
 * Output: one `metric: value unit` line per figure; every other line starts with '# '.
 *
 * Run:  npm run bench:signin-timing                 (100 attempts per path)
 *       npm run bench:signin-timing -- --attempts 300
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.ts';
import { createDb, type Db } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { memoryKeyRing } from '../src/privacy/key-ring.ts';
import { installKeyRing } from '../src/privacy/pii-vault.ts';
import { registerDomains } from '../src/domains.ts';
import { createUser } from '../src/orgs/user.service.ts';
import { signIn, type SessionPolicy } from '../src/auth/auth.service.ts';
import { AppError } from '../src/errors.ts';
import { randomBytes } from 'node:crypto';
import { metric, note } from './incidents/stats.ts';

const argv = process.argv.slice(2);
const at = argv.indexOf('--attempts');
const ATTEMPTS = at >= 0 ? Number(argv[at + 1]) : 100;
if (!Number.isInteger(ATTEMPTS) || ATTEMPTS < 1 || ATTEMPTS > 10_000) throw new Error('--attempts needs an integer between 1 and 10000');

const SERVER_DIR = join(import.meta.dirname, '..');
const PASSWORD = 'Bench-Signin-Pass-2026';

/** The production lockout policy, except that the wrong-password account must not lock during the run. */
const policy: SessionPolicy = { idleMinutes: 30, maxHours: 12, maxFailedAttempts: 1_000_000, lockMinutes: 15, twoFactor: 'privileged', passwordMaxAgeDays: 90 };

type Path = 'unknown_user' | 'wrong_password' | 'locked' | 'disabled';
const PATHS: readonly Path[] = ['unknown_user', 'wrong_password', 'locked', 'disabled'];

async function prepare(db: Db): Promise<Record<Path, { username: string; password: string }>> {
  const now = new Date();
  const make = async (name: string) => {
    const username = `bench-${name}-${randomBytes(3).toString('hex')}`;
    const u = await createUser(db, null, { username, displayName: username, password: PASSWORD, mustChangePassword: false }, now);
    return { id: u.id, username };
  };
  const wrong = await make('wrong');
  const locked = await make('locked');
  const disabled = await make('disabled');
  // lock the account as an attacker would: failures up to the production threshold (5)
  const lockPolicy: SessionPolicy = { ...policy, maxFailedAttempts: 5, lockMinutes: 24 * 60 };
  for (let i = 0; i < 5; i++) await signIn(db, { username: locked.username, password: 'wrong', clientIp: null, userAgent: null }, lockPolicy, now).catch(() => undefined);
  // disabling is an administrator's act; the benchmark sets the column as the security tests do
  await db.updateTable('users').set({ status: 'disabled' }).where('id', '=', disabled.id).execute();
  return {
    unknown_user: { username: `nobody-${randomBytes(4).toString('hex')}`, password: PASSWORD },
    wrong_password: { username: wrong.username, password: 'Wrong-Pass-2026!' },
    locked: { username: locked.username, password: PASSWORD },
    disabled: { username: disabled.username, password: PASSWORD },
  };
}

async function main(): Promise<void> {
  mkdirSync(join(SERVER_DIR, '.test-data'), { recursive: true });
  const dataDir = mkdtempSync(join(SERVER_DIR, '.test-data', 'bench-signin-'));
  let pg: EmbeddedServer | null = null;
  let db: Db | null = null;
  try {
    note(`sign-in timing benchmark: ${ATTEMPTS} attempts per path; data in ${dataDir}`);
    pg = await startEmbeddedPostgres({ dataDir });
    db = createDb(pg.url, 4);
    await migrateToLatest(db);
    installKeyRing(memoryKeyRing([{ id: 'kbench', secret: randomBytes(32) }], 'kbench'));
    registerDomains();
    const cases = await prepare(db);
    const totals: Record<Path, number> = { unknown_user: 0, wrong_password: 0, locked: 0, disabled: 0 };
    const attempt = async (path: Path): Promise<void> => {
      const c = cases[path];
      const t0 = performance.now();
      try {
        await signIn(db as Db, { username: c.username, password: c.password, clientIp: '127.0.0.1', userAgent: 'bench' }, policy, new Date());
        throw new Error(`${path}: the sign-in was not refused`);
      } catch (e) {
        if (!(e instanceof AppError) || e.code !== 'INVALID_CREDENTIALS') throw e;
      }
      totals[path] += performance.now() - t0;
    };
    // warm-up: argon2's first hash, the prepared statements
    for (const p of PATHS) await attempt(p);
    for (const p of PATHS) totals[p] = 0;
    for (let round = 0; round < ATTEMPTS; round++) {
      for (let k = 0; k < PATHS.length; k++) await attempt(PATHS[(round + k) % PATHS.length] ?? 'unknown_user');
    }
    for (const p of PATHS) metric(`${p}_ms_total`, totals[p], 'ms');
    const values = PATHS.map((p) => totals[p]);
    const min = Math.min(...values);
    const max = Math.max(...values);
    metric('max_spread_percent', ((max - min) / min) * 100, '%');
    note(`bar: max_spread_percent within 10 % (${((max - min) / min) * 100 <= 10 ? 'met' : 'NOT met'})`);
  } finally {
    await db?.destroy().catch(() => undefined);
    if (pg) await Promise.race([pg.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 20_000))]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
