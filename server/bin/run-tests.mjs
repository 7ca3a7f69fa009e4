#!/usr/bin/env node
// The whole test suite: type check, then every test file under test/ against a
// real embedded PostgreSQL (fsync off), started here and stopped at the end.
import { register } from 'tsx/esm/api';
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';

register();
const root = new URL('..', import.meta.url).pathname;
const onlyArgs = process.argv.slice(2);

function findTests(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

if (onlyArgs.length === 0) {
  process.stdout.write('▶ 类型检查 (tsc --noEmit)\n');
  const tsc = spawnSync(process.execPath, [join(root, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json'), '--noEmit'], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  const webTsc = spawnSync(process.execPath, [join(root, '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, '..', 'web', 'tsconfig.json'), '--noEmit'], { stdio: 'inherit' });
  if (webTsc.status !== 0) process.exit(webTsc.status ?? 1);
}

// Browser tests need the built web app and Debian's Chromium (never a downloaded browser).
const wantsE2e = onlyArgs.length === 0 || onlyArgs.some((a) => a.includes('e2e'));
if (wantsE2e) {
  process.stdout.write('▶ 构建网页 (vite build)\n');
  const build = spawnSync('npm', ['run', 'build', '-w', 'web'], { cwd: join(root, '..'), stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) process.exit(build.status ?? 1);
  if (!existsSync('/usr/bin/chromium')) {
    process.stdout.write('▶ 安装 Debian 的 Chromium 与中文字体（端到端测试用）\n');
    const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const apt = (args) => spawnSync(asRoot ? 'apt-get' : 'sudo', asRoot ? args : ['apt-get', ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    apt(['update', '-qq']);
    const inst = apt(['install', '-y', '-qq', '--no-install-recommends', 'chromium', 'fonts-noto-cjk']);
    if (inst.status !== 0) process.stderr.write('无法安装 chromium：端到端测试将失败\n');
  }
}

const { startEmbeddedPostgres } = await import('../src/db/embedded.ts');
const { createDb } = await import('../src/db/database.ts');
const { migrateToLatest } = await import('../src/db/migrate.ts');
mkdirSync(join(root, '.test-data'), { recursive: true });
const dataDir = mkdtempSync(join(root, '.test-data', 'run-'));
// The server logs of the run (every app a test builds logs here) and the ledger of secrets the tests handled.
const logDir = mkdtempSync(join(root, '.test-data', 'logs-'));
process.stdout.write('▶ 启动测试用内置 PostgreSQL\n');
const pg = await startEmbeddedPostgres({
  dataDir,
  postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
});
let code = 1;
try {
  const base = pg.url.replace(/\/yunwei$/, '');
  const admin = createDb(`${base}/yunwei`, 1);
  const { sql } = await import('kysely');
  await sql`CREATE DATABASE yunwei_template`.execute(admin);
  const tpl = createDb(`${base}/yunwei_template`, 1);
  await migrateToLatest(tpl);
  await tpl.destroy();
  await sql`CREATE DATABASE yunwei_test TEMPLATE yunwei_template`.execute(admin);
  await admin.destroy();

  const files = onlyArgs.length > 0 ? onlyArgs : findTests(join(root, 'test'));
  process.stdout.write(`▶ 运行 ${files.length} 个测试文件\n`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files.map((f) => relative(root, f))],
    {
      cwd: root,
      stdio: 'inherit',
      // WAL archiving is off for servers the tests start (only the backup drill turns it on).
      env: { ...process.env, YUNWEI_WAL_ARCHIVE: 'off', YUNWEI_TEST_DATABASE_URL: `${base}/yunwei_test`, YUNWEI_TEST_PG_BASE: base, YUNWEI_TEST_DATA_DIR: dataDir, YUNWEI_TEST_LOG_DIR: logDir },
    },
  );
  code = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));

  // Last step (security.md check 35): no secret a test used may appear in the server logs of the run.
  const { corpusSecrets, notedSecrets, scanLogs } = await import('../test/helpers/log-scan.ts');
  const secrets = [...corpusSecrets(join(root, 'test')), ...notedSecrets(logDir)];
  const scan = scanLogs(logDir, secrets);
  if (onlyArgs.length === 0 && scan.lines === 0) {
    process.stdout.write('✖ 日志检查：本次运行没有收集到任何服务器日志（测试应用应使用 test/helpers/test-log.ts 的 testLogger()）\n');
    code = code || 1;
  } else if (scan.hits.length > 0) {
    process.stdout.write(`✖ 服务器日志中出现了测试用的机密信息（${scan.hits.length} 处），日志保留在 ${logDir}：\n`);
    for (const h of scan.hits.slice(0, 50)) process.stdout.write(`    ${h.file} 第 ${h.line} 行：${h.kind}\n`);
    code = code || 1;
  } else {
    process.stdout.write(`✔ 日志检查：${scan.files} 个日志文件、${scan.lines} 行中未发现测试用的密码、TOTP 密钥、恢复码、会话令牌或完整身份证号（共查 ${new Set(secrets.map((s) => s.value)).size} 项）\n`);
    if (!process.env.KEEP_TEST_LOGS) rmSync(logDir, { recursive: true, force: true });
  }
} finally {
  await pg.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);
