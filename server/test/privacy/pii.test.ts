import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectPii, foldFullWidth, isValidResidentId, maskText, passesLuhn } from '../../src/privacy/pii.ts';

// Fictitious numbers built to pass the checksums (no real person or card).
const ID = '11010519491231002X'; // GB 11643 sample from the standard
const CARD = '6222020200112233446'; // Luhn-valid, 19 digits (computed below)

test('GB 11643 check digit', () => {
  assert.equal(isValidResidentId(ID), true);
  assert.equal(isValidResidentId('110105194912310021'), false, 'wrong check digit');
  assert.equal(isValidResidentId('110105194913310029'), false, 'month 13');
});

test('GB 11643: every vector of security.md §4, the 31 February case and the lower-case x included', () => {
  const vectors: [string, boolean, string][] = [
    ['11010519491231002X', true, 'the standard’s example, check X'],
    ['11010519491231002x', true, 'lower-case x is accepted as X'],
    ['440524188001010014', true, 'born 1880, check 4'],
    ['110101199003074477', true, 'check 7'],
    ['53010219200508011X', true, 'check X'],
    ['110101200001010010', true, 'check 0'],
    ['110101200001010061', true, 'check 1'],
    ['110105194912310021', false, 'wrong check digit (X expected)'],
    ['110105194902310026', false, '31 February, though the check digit 6 matches'],
    ['110101199003074478', false, 'wrong check digit (7 expected)'],
    ['11010519490229002X', false, '29 February 1949 (not a leap year)'],
  ];
  for (const [id, valid, why] of vectors) assert.equal(isValidResidentId(id), valid, `${id}: ${why}`);
  assert.equal(isValidResidentId(foldFullWidth('１１０１０５１９４９１２３１００２Ｘ')), true, 'full width, after folding');
  assert.equal(isValidResidentId(foldFullWidth('１１０１０５１９４９１２３１００２ｘ')), true, 'full-width lower-case x');
  assert.deepEqual(detectPii('身份证 11010519491231002x').map((f) => f.kind), ['residentId'], 'the detector finds the lower-case form');
  assert.match(maskText('身份证 11010519491231002x'), /110105\*{8}002x/);
  assert.equal(maskText('编号 110105194902310026'), '编号 110105194902310026', '31 February is not an ID number');
});

test('Luhn', () => {
  assert.equal(passesLuhn('4111111111111111'), true);
  assert.equal(passesLuhn('4111111111111112'), false);
  assert.equal(passesLuhn(CARD), true);
  assert.equal(passesLuhn('6222021234567890128'), true, '§4 vector');
  assert.equal(passesLuhn('6222021234567890123'), false, '§4 vector: the check digit should be 8');
  assert.equal(passesLuhn('621700001000000000'), false, 'the check digit should be 4');
});

test('detection and masking in free text', () => {
  const text = `市民张先生（身份证 ${ID}，手机 13812345678）反映补卡进度，退款至银行卡 6222 0202 0011 2233 446。工单号 GZ2024-000123，金额 261400 元。`;
  const kinds = detectPii(text).map((f) => f.kind);
  assert.deepEqual(kinds, ['residentId', 'mobile', 'bankCard']);
  const masked = maskText(text);
  assert.match(masked, /110105\*{8}002X/);
  assert.match(masked, /138\*{4}5678/);
  assert.match(masked, /6222 \*{4} \*{4} \*{4} 3446/);
  assert.doesNotMatch(masked, /13812345678/);
  assert.match(masked, /GZ2024-000123/, 'ticket numbers are not personal data');
  assert.match(masked, /261400/, 'amounts are not personal data');
});

test('numbers that fail the checks are left alone', () => {
  assert.equal(maskText('编号 110105194912310021 不是有效身份证号'), '编号 110105194912310021 不是有效身份证号');
  assert.equal(maskText('订单 4111111111111112'), '订单 4111111111111112');
  assert.equal(maskText('电话 010-65723226'), '电话 010-65723226', 'landlines are not mobile numbers');
});
