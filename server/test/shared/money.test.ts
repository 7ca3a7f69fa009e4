import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRatePpm, formatFen, formatFenCny, formatRatePpm, multiplyFen, parseDecimal, parseRatePpm, parseYuanToFen } from '../../src/shared/money.ts';

test('parseYuanToFen reads exact decimal strings and whole numbers, refuses floats and junk', () => {
  const cases: [string | number, number | null][] = [
    ['11940656.00', 1_194_065_600],
    ['1194065.6', 119_406_560],
    ['0.05', 5],
    [261400, 26_140_000],
    ['-12.34', -1234],
    ['1.234', null],
    [0.05, null],
    ['1e5', null],
    ['', null],
    ['12,000', null],
  ];
  for (const [input, expected] of cases) assert.equal(parseYuanToFen(input), expected, `input ${String(input)}`);
});

test('formatting fen', () => {
  assert.equal(formatFen(119_406_560), '1194065.60');
  assert.equal(formatFen(-5), '-0.05');
  assert.equal(formatFenCny(1_194_065_600), '¥11,940,656.00');
  assert.equal(formatFenCny(100), '¥1.00');
});

test('rates: percent and per mille to ppm and back', () => {
  assert.equal(parseRatePpm('5%'), 50_000);
  assert.equal(parseRatePpm('0.5%'), 5_000);
  assert.equal(parseRatePpm('0.5‰'), 500);
  assert.equal(parseRatePpm('100%'), 1_000_000);
  assert.equal(parseRatePpm('5'), null);
  assert.equal(parseRatePpm('0.00000001%'), null);
  assert.equal(formatRatePpm(50_000), '5%');
  assert.equal(formatRatePpm(5_000), '0.5%');
});

test('applying rates is exact and rounds half up to the fen', () => {
  // 3% of ¥11,940,656.00 = ¥358,219.68 (extract P1)
  assert.equal(applyRatePpm(1_194_065_600, 30_000), 35_821_968);
  // 5% of ¥350,050 = ¥17,502.50 (extract T-PEN worked example)
  assert.equal(applyRatePpm(35_005_000, 50_000), 1_750_250);
  // 7% of ¥217,544 = ¥15,228.08
  assert.equal(applyRatePpm(21_754_400, 70_000), 1_522_808);
  // half-up: 0.5% of 1 fen = 0.005 fen → 0; 50% of 1 fen = 0.5 → 1
  assert.equal(applyRatePpm(1, 5_000), 0);
  assert.equal(applyRatePpm(1, 500_000), 1);
});

test('quantity × unit price', () => {
  const q = parseDecimal('3000000');
  assert.ok(q);
  assert.equal(multiplyFen(q, 5), 15_000_000); // 3,000,000 SMS × ¥0.05 = ¥150,000
  const half = parseDecimal('12.5');
  assert.ok(half);
  assert.equal(multiplyFen(half, 800_000), 10_000_000);
});
