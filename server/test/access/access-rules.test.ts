/**
 * Pure access rules: the next permission-review date, the snapshot hash of a
 * grant list, and district/street scopes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addMonthsClamped, grantSnapshot, nextAccessReviewDue } from '../../src/access/access-review.ts';
import { isInScope, normaliseAreas, scopeOfGrants } from '../../src/contracts/scope.ts';

test('the next review is one period after the last one (or after the contract start), clamped to month ends', () => {
  const cases: [string, number, string][] = [
    ['2023-05-01', 3, '2023-08-01'],
    ['2023-11-30', 3, '2024-02-29'],
    ['2023-01-31', 1, '2023-02-28'],
    ['2023-12-15', 12, '2024-12-15'],
    ['2023-08-31', 6, '2024-02-29'],
  ];
  for (const [from, months, want] of cases) assert.equal(addMonthsClamped(from, months), want, `${from} + ${months}`);
  assert.equal(nextAccessReviewDue({ lastReviewedOn: null, periodStart: '2023-05-01', frequency: 'quarterly' }), '2023-08-01');
  assert.equal(nextAccessReviewDue({ lastReviewedOn: '2023-07-20', periodStart: '2023-05-01', frequency: 'quarterly' }), '2023-10-20');
  assert.equal(nextAccessReviewDue({ lastReviewedOn: '2023-07-20', periodStart: '2023-05-01', frequency: 'monthly' }), '2023-08-20');
});

test('the grant snapshot hash ignores order and changes with any grant, role or scope', () => {
  const a = { id: 'a', userId: 'u1', role: 'agencyAdmin', district: null, street: null };
  const b = { id: 'b', userId: 'u2', role: 'agencyReviewer', district: '朝阳区', street: null };
  const h = grantSnapshot([a, b]).hash;
  assert.match(h, /^[0-9a-f]{64}$/);
  assert.equal(grantSnapshot([b, a]).hash, h);
  assert.notEqual(grantSnapshot([a]).hash, h);
  assert.notEqual(grantSnapshot([a, { ...b, street: '建外街道' }]).hash, h);
  assert.notEqual(grantSnapshot([a, { ...b, role: 'auditor' }]).hash, h);
});

test('effective scope: one unscoped grant means the whole contract; street areas inside a whole district collapse', () => {
  assert.equal(scopeOfGrants([{ scopeDistrict: '朝阳区', scopeStreet: null }, { scopeDistrict: null, scopeStreet: null }]), null);
  assert.deepEqual(scopeOfGrants([]), []);
  assert.deepEqual(
    scopeOfGrants([
      { scopeDistrict: '朝阳区', scopeStreet: '建外街道' },
      { scopeDistrict: '朝阳区', scopeStreet: null },
      { scopeDistrict: '海淀区', scopeStreet: '中关村街道' },
      { scopeDistrict: '海淀区', scopeStreet: '中关村街道' },
    ]),
    [
      { district: '朝阳区', street: null },
      { district: '海淀区', street: '中关村街道' },
    ],
  );
  assert.deepEqual(normaliseAreas([]), []);
});

test('a record is in scope when its district matches a whole-district area, or its district and street match', () => {
  const scope = [
    { district: '朝阳区', street: null },
    { district: '海淀区', street: '中关村街道' },
  ];
  const cases: [string | null, string | null, boolean][] = [
    ['朝阳区', null, true],
    ['朝阳区', '建外街道', true],
    ['海淀区', '中关村街道', true],
    ['海淀区', '学院路街道', false],
    ['海淀区', null, false],
    ['东城区', null, false],
    [null, null, false],
  ];
  for (const [district, street, want] of cases) assert.equal(isInScope(scope, { district, street }), want, `${district ?? '—'} ${street ?? '—'}`);
  assert.equal(isInScope(null, { district: null, street: null }), true, 'no limit: everything, even rows without a district');
  assert.equal(isInScope([], { district: '朝阳区', street: null }), false);
});
