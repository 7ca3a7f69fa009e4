import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseContractDefinition } from '../../src/contracts/contract-definition.parse.ts';
import { DEMO_CONTRACTS_DIR } from '../../src/demo/demo.seed.ts';
import { MINIMAL_CONTRACT_PATH } from '../helpers/factories.ts';
import { parseYuanToFen } from '../../src/shared/money.ts';

const minimal = readFileSync(MINIMAL_CONTRACT_PATH, 'utf8');

function issuesOf(text: string) {
  const r = parseContractDefinition(text);
  assert.equal(r.ok, false, 'expected the definition to be rejected');
  return r.ok ? [] : r.issues;
}

test('the minimal contract is valid', () => {
  const r = parseContractDefinition(minimal);
  assert.equal(r.ok, true, r.ok ? '' : JSON.stringify(r.issues));
});

test('malformed YAML is rejected with a line number', () => {
  const issues = issuesOf(minimal.replace('  name: 测试合同（最小示例）', '  name: [未闭合'));
  assert.equal(issues.length >= 1, true);
  assert.match(issues[0]?.message ?? '', /YAML 语法错误/);
  assert.equal(typeof issues[0]?.line, 'number');
});

test('an unknown field is named with its path and line', () => {
  const text = minimal.replace('    rank: 1\n', '    rank: 1\n    ranking: 2\n');
  const issues = issuesOf(text);
  const i = issues.find((x) => x.path === 'severityLevels[0].ranking');
  assert.ok(i, JSON.stringify(issues));
  assert.match(i.message, /未知字段：ranking/);
  const expectedLine = text.split('\n').findIndex((l) => l.includes('ranking: 2')) + 1;
  assert.equal(i.line, expectedLine);
});

test('a wrong type is named in Chinese', () => {
  const issues = issuesOf(minimal.replace('rank: 1', 'rank: 第一'));
  const i = issues.find((x) => x.path === 'severityLevels[0].rank');
  assert.ok(i, JSON.stringify(issues));
  assert.match(i.message, /[\u4e00-\u9fa5]/);
});

test('a float amount is refused: money must be exact', () => {
  const issues = issuesOf(minimal.replace('totalAmount: "100000.00"', 'totalAmount: 100000.5'));
  assert.ok(issues.some((i) => i.path === 'contract.totalAmount' && /精确到分/.test(i.message)), JSON.stringify(issues));
});

test('price items that do not add up to the contract total are rejected to the fen', () => {
  const issues = issuesOf(minimal.replace('unitPrice: "40000.00", amount: "40000.00"', 'unitPrice: "40000.01", amount: "40000.01"'));
  const i = issues.find((x) => x.path === 'priceItems');
  assert.ok(i, JSON.stringify(issues));
  assert.match(i.message, /分项报价合计 ¥100,000.01 与合同总价 ¥100,000.00 不符/);
});

test('quantity × unit price must equal the amount', () => {
  const issues = issuesOf(minimal.replace('quantity: 1, unit: 项, unitPrice: "60000.00"', 'quantity: 2, unit: 项, unitPrice: "60000.00"'));
  assert.ok(issues.some((i) => i.path === 'priceItems[0].amount' && /数量 2 × 单价 ¥60,000.00 = ¥120,000.00/.test(i.message)), JSON.stringify(issues));
});

test('a penalty referring to a system that does not exist is rejected', () => {
  const text = minimal.replace(/systems: \[S1\]\n$/, 'systems: [S9]\n');
  const issues = issuesOf(text);
  const i = issues.find((x) => x.path === 'penalties[0].systems[0]');
  assert.ok(i, JSON.stringify(issues));
  assert.equal(i.message, '引用了不存在的系统「S9」');
  assert.equal(i.line, text.split('\n').findIndex((l) => l.includes('[S9]')) + 1);
});

test('payment shares must add up to 100%', () => {
  const text = minimal.replace('share: "100%"\n    amount: "100000.00"', 'share: "90%"\n    amount: "90000.00"');
  const issues = issuesOf(text);
  assert.ok(issues.some((i) => i.path === 'paymentMilestones' && /合计为 90%，应为 100%/.test(i.message)), JSON.stringify(issues));
});

test('a service window with no working time is rejected', () => {
  const issues = issuesOf(minimal.replace('{ key: w7x24, name: 7×24, type: always }', '{ key: w7x24, name: 自定义, type: weekly, weekly: {} }'));
  assert.ok(issues.some((i) => /没有任何工作时段/.test(i.message)), JSON.stringify(issues));
});

test('a date outside the period is rejected', () => {
  const text = minimal.replace('condition: { kind: contractSigned }', 'condition: { kind: date, date: 2025-03-01 }');
  const issues = issuesOf(text);
  assert.ok(issues.some((i) => i.path === 'paymentMilestones[0].condition.date' && /不在合同服务期/.test(i.message)), JSON.stringify(issues));
});

// ---- the three sample contracts shipped as demo data

const EXPECTED_TOTALS: Record<string, number> = {
  'BJ-SBK-2022': 1_194_065_600,
  'BJ-MZ-2023-P7': 652_000_000,
  BJRBJ2021020: 189_000_000,
};

const demoFiles = readdirSync(DEMO_CONTRACTS_DIR).filter((f) => f.endsWith('.yaml'));

test('all three sample contracts ship as demo data', () => {
  const codes = demoFiles.map((f) => {
    const r = parseContractDefinition(readFileSync(join(DEMO_CONTRACTS_DIR, f), 'utf8'));
    return r.ok ? r.definition.contract.code : `invalid:${f}`;
  });
  assert.deepEqual(codes.sort(), Object.keys(EXPECTED_TOTALS).sort());
});

for (const file of demoFiles) {
  test(`sample contract ${file} validates and has the contract's total`, () => {
    const r = parseContractDefinition(readFileSync(join(DEMO_CONTRACTS_DIR, file), 'utf8'));
    assert.equal(r.ok, true, r.ok ? '' : JSON.stringify(r.issues.slice(0, 5)));
    if (!r.ok) return;
    assert.equal(parseYuanToFen(r.definition.contract.totalAmount), EXPECTED_TOTALS[r.definition.contract.code]);
  });

  test(`a broken copy of ${file} is rejected with a precise message`, () => {
    const text = readFileSync(join(DEMO_CONTRACTS_DIR, file), 'utf8');
    // Break the grand total by one fen: the price list no longer adds up.
    const broken = text.replace(/^(\s*totalAmount:\s*)"?(\d+)(?:\.(\d{2}))?"?/m, (_m, pre: string, yuan: string) => `${pre}"${yuan}.01"`);
    assert.notEqual(broken, text);
    const issues = issuesOf(broken);
    assert.ok(
      issues.some((i) => i.path === 'priceItems' && /分项报价合计 .* 与合同总价 .* 不符（相差 ¥0.01）/.test(i.message)),
      JSON.stringify(issues),
    );
  });
}
