import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'yunwei.mjs');
const ROOT = join(import.meta.dirname, '..', '..', '.test-data');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function start(dataDir: string, port: number, env: Record<string, string> = {}): { child: ChildProcess; ready: Promise<string> } {
  const child = spawn(process.execPath, [CLI, 'start', '--demo'], {
    env: { ...process.env, YUNWEI_DATA_DIR: dataDir, PORT: String(port), DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 90_000);
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('已启动')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.stderr?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${String(code)}:\n${out}`));
    });
  });
  return { child, ready };
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.on('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

test('start with demo data, stop on SIGTERM/SIGINT cleanly, restart on the same data directory keeps the data', { timeout: 240_000 }, async () => {
  // A private parent (mkdtemp makes it 0700), as in a checkout made under `mktemp -d`:
  // when running as root, PostgreSQL's own user must still reach its cluster.
  const parent = mkdtempSync(join(ROOT, 'start-'));
  const dataDir = join(parent, 'data');
  try {
    const port = await freePort();
    const first = start(dataDir, port);
    const log = await first.ready;
    assert.match(log, /演示账号/);
    const creds = JSON.parse(readFileSync(join(dataDir, 'demo-credentials.json'), 'utf8')) as { username: string; password: string }[];
    const lead = creds.find((c) => c.username === 'mz-agency-lead');
    assert.ok(lead, 'demo account for the civil-affairs agency lead');
    assert.ok(lead.password.length >= 12);
    const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: lead.username, password: lead.password }),
    });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const contracts = (await (await fetch(`http://127.0.0.1:${port}/api/contracts`, { headers: { cookie } })).json()) as { code: string; totalAmountFen: number }[];
    assert.deepEqual(contracts.map((c) => [c.code, c.totalAmountFen]), [['BJ-MZ-2023-P7', 652_000_000]]);

    assert.equal(await stop(first.child, 'SIGTERM'), 0);
    assert.equal(existsSync(join(dataDir, 'pg', 'postmaster.pid')), false, 'embedded PostgreSQL stopped cleanly');

    assert.doesNotMatch(log, /安全相关配置.*有变更/, 'the first start records the settings without a change');
    // the second start runs with a changed lockout threshold: recorded as a configuration change (check 31)
    const second = start(dataDir, port, { YUNWEI_LOCKOUT_THRESHOLD: '7' });
    const log2 = await second.ready;
    assert.doesNotMatch(log2, /已导入示例合同/, 'the sample contracts are not imported twice');
    assert.match(log2, /安全相关配置自上次启动以来有变更（已记入审计日志）：YUNWEI_LOCKOUT_THRESHOLD\n/);
    const login2 = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: lead.username, password: lead.password }),
    });
    assert.equal(login2.status, 200, 'the same password still works: data kept');
    const me = (await login2.json()) as { lastSignInAt: string | null };
    assert.ok(me.lastSignInAt, 'the first sign-in was kept');
    assert.equal(await stop(second.child, 'SIGINT'), 0);
    assert.equal(existsSync(join(dataDir, 'pg', 'postmaster.pid')), false);
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
