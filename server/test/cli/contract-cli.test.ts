import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isolatedDb } from '../helpers/db.ts';
import { contractYaml, type Plain } from '../helpers/factories.ts';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'yunwei.mjs');
const dir = mkdtempSync(join(tmpdir(), 'yunwei-cli-'));

function run(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

test('yunwei --help lists the commands', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  for (const cmd of ['start', 'contract', 'audit', 'user']) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`));
});

test('contract validate: 0 for a good file, non-zero with line-numbered Chinese messages for a bad one', () => {
  const good = join(dir, 'good.yaml');
  writeFileSync(good, contractYaml());
  const ok = run(['contract', 'validate', good]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /校验通过/);

  const bad = join(dir, 'bad.yaml');
  writeFileSync(
    bad,
    contractYaml((d) => {
      (d['contract'] as Plain)['totalAmount'] = '99999.00';
    }),
  );
  const r = run(['contract', 'validate', bad]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.yaml:\d+:\d+\s+priceItems\s+分项报价合计 ¥100,000.00 与合同总价 ¥99,999.00 不符/);
  assert.match(r.stderr, /校验未通过/);
});

test('contract import: a broken file writes nothing and exits non-zero; a good one is imported', async () => {
  const iso = await isolatedDb();
  try {
    const bad = join(dir, 'bad-import.yaml');
    writeFileSync(bad, 'formatVersion: 1\ncontract: {code: X}\n');
    const r1 = run(['contract', 'import', bad], { DATABASE_URL: iso.url });
    assert.equal(r1.status, 1);
    assert.match(r1.stderr, /导入失败：校验未通过/);
    const n = await iso.db.selectFrom('contracts').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);

    const good = join(dir, 'good-import.yaml');
    writeFileSync(good, contractYaml());
    const r2 = run(['contract', 'import', good], { DATABASE_URL: iso.url });
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(r2.stdout, /已导入新合同：T-[0-9a-f]+ 第 1 版/);
    const r3 = run(['contract', 'import', good], { DATABASE_URL: iso.url });
    assert.equal(r3.status, 1);
    assert.match(r3.stderr, /CONTRACT_VERSION_UNCHANGED/);
  } finally {
    await iso.drop();
  }
});

test('bad configuration stops with a clear message', () => {
  const r = run(['audit', 'verify'], { DATABASE_URL: 'mysql://nope' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /DATABASE_URL 必须以 postgres:\/\/ 或 postgresql:\/\/ 开头/);
});
