import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectPii, isValidResidentId, maskText, passesLuhn } from '../../src/privacy/pii.ts';

// Fictitious numbers built to pass the checksums (no real person or card).
const ID = '11010519491231002X'; // GB 11643 sample from the standard
const CARD = '6222020200112233446'; // Luhn-valid, 19 digits (computed below)

test('GB 11643 check digit', () => {
  assert.equal(isValidResidentId(ID), true);
  assert.equal(isValidResidentId('110105194912310021'), false, 'wrong check digit');
  assert.equal(isValidResidentId('110105194913310029'), false, 'month 13');
});

test('Luhn', () => {
  assert.equal(passesLuhn('4111111111111111'), true);
  assert.equal(passesLuhn('4111111111111112'), false);
  assert.equal(passesLuhn(CARD), true);
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
