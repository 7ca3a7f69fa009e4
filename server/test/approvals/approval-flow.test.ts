import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authorizeDecision, evaluateFlow, type ApprovalDecision, type ApprovalFlow } from '../../src/approvals/approval-flow.ts';
import { AppError } from '../../src/errors.ts';

const flow: ApprovalFlow = {
  steps: [
    { key: 'pm', name: '乙方项目经理确认', roles: ['vendorProjectManager'], mode: 'any' },
    { key: 'countersign', name: '甲方会签', roles: ['agencyProjectLead', 'agencyReviewer'], mode: 'all' },
  ],
};
const at = new Date('2024-05-06T02:00:00Z');
const d = (stepKey: string, userId: string, role: ApprovalDecision['role'], decision: 'approve' | 'reject' = 'approve', round = 1): ApprovalDecision => ({ round, stepKey, userId, role, decision, comment: '', at });

test('steps run in sequence; a countersign step needs every role', () => {
  assert.equal(evaluateFlow(flow, [], 1).currentStep?.key, 'pm');
  const afterPm = [d('pm', 'u-pm', 'vendorProjectManager')];
  const s1 = evaluateFlow(flow, afterPm, 1);
  assert.equal(s1.currentStep?.key, 'countersign');
  assert.deepEqual(s1.waitingOnRoles, ['agencyProjectLead', 'agencyReviewer']);
  const s2 = evaluateFlow(flow, [...afterPm, d('countersign', 'u-lead', 'agencyProjectLead')], 1);
  assert.deepEqual(s2.waitingOnRoles, ['agencyReviewer']);
  const s3 = evaluateFlow(flow, [...afterPm, d('countersign', 'u-lead', 'agencyProjectLead'), d('countersign', 'u-rev', 'agencyReviewer')], 1);
  assert.equal(s3.status, 'approved');
});

test('a rejection ends the round; a resubmission starts a new round from the first step', () => {
  const ds = [d('pm', 'u-pm', 'vendorProjectManager'), d('countersign', 'u-lead', 'agencyProjectLead', 'reject')];
  assert.equal(evaluateFlow(flow, ds, 1).status, 'rejected');
  const r2 = evaluateFlow(flow, ds, 2);
  assert.equal(r2.status, 'pending');
  assert.equal(r2.currentStep?.key, 'pm');
});

test('nobody approves their own request, out of turn, or without the role', () => {
  assert.throws(() => authorizeDecision(flow, [], 1, 'u-pm', { userId: 'u-pm', roles: ['vendorProjectManager'] }), (e: unknown) => e instanceof AppError && e.code === 'SELF_APPROVAL_FORBIDDEN');
  assert.throws(() => authorizeDecision(flow, [], 1, 'u-eng', { userId: 'u-lead', roles: ['agencyProjectLead'] }), (e: unknown) => e instanceof AppError && e.code === 'FORBIDDEN' && /乙方项目经理确认/.test(e.message));
  assert.equal(authorizeDecision(flow, [], 1, 'u-eng', { userId: 'u-pm', roles: ['vendorProjectManager'] }), 'vendorProjectManager');
  const ds = [d('pm', 'u-pm', 'vendorProjectManager'), d('countersign', 'u-lead', 'agencyProjectLead')];
  assert.throws(() => authorizeDecision(flow, ds, 1, 'u-eng', { userId: 'u-lead', roles: ['agencyProjectLead'] }), (e: unknown) => e instanceof AppError && e.code === 'APPROVAL_NOT_PENDING');
  const done = [...ds, d('countersign', 'u-rev', 'agencyReviewer')];
  assert.throws(() => authorizeDecision(flow, done, 1, 'u-eng', { userId: 'u-x', roles: ['agencyReviewer'] }), (e: unknown) => e instanceof AppError && e.code === 'APPROVAL_NOT_PENDING');
});
