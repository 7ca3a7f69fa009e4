import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/errors.ts';
import { transition, isAllowedFrom, statesOf, type LifecycleAction, type WorkOrderState } from '../../src/workorders/workorder-state.ts';
import type { WorkOrderKind } from '../../src/workorders/workorder-kinds.ts';
import { resolveWorkOrderRules } from '../../src/workorders/workorder-config.ts';
import { describeRound, type ApprovalDecision, type ApprovalFlow } from '../../src/approvals/approval-flow.ts';
import { parseContractDefinition } from '../../src/contracts/contract-definition.parse.ts';
import { contractYaml, type Plain } from '../helpers/factories.ts';
import { submissionProblems } from '../../src/workorders/workorder.service.ts';

const code = (e: unknown): string => (e instanceof AppError ? e.code : String(e));

function walk(kind: WorkOrderKind, path: readonly [LifecycleAction, boolean?][]): WorkOrderState[] {
  let state: WorkOrderState = 'draft';
  const seen: WorkOrderState[] = [state];
  for (const [action, flowComplete = false] of path) {
    state = transition(kind, state, action, { flowComplete });
    seen.push(state);
  }
  return seen;
}

test('each kind runs its own lifecycle', () => {
  assert.deepEqual(walk('serviceRequest', [['submit', true], ['start'], ['resolve'], ['confirm']]), ['draft', 'approved', 'inProgress', 'resolved', 'closed']);
  assert.deepEqual(walk('dataWorkOrder', [['submit'], ['approve', true], ['execute'], ['deliver'], ['confirm']]), ['draft', 'pendingApproval', 'approved', 'executed', 'delivered', 'closed']);
  assert.deepEqual(walk('change', [['submit'], ['approve'], ['approve', true], ['start'], ['complete'], ['close']]), ['draft', 'pendingApproval', 'pendingApproval', 'approved', 'inProgress', 'completed', 'closed']);
  assert.deepEqual(walk('release', [['submit'], ['approve', true], ['deploy'], ['rollback']]), ['draft', 'pendingApproval', 'approved', 'observing', 'rolledBack']);
  assert.deepEqual(walk('content', [['submit'], ['approve', true], ['schedule'], ['unschedule'], ['publish'], ['withdraw']]), ['draft', 'pendingApproval', 'approved', 'scheduled', 'approved', 'published', 'withdrawn']);
  assert.deepEqual(walk('change', [['submit'], ['reject'], ['submit'], ['approve', true]]), ['draft', 'pendingApproval', 'returned', 'pendingApproval', 'approved']);
});

test('nothing passes the approval gate unapproved, whatever the action', () => {
  const gated: [WorkOrderKind, LifecycleAction][] = [
    ['dataWorkOrder', 'execute'],
    ['change', 'start'],
    ['release', 'deploy'],
    ['content', 'publish'],
    ['content', 'schedule'],
    ['serviceRequest', 'resolve'],
  ];
  for (const [kind, action] of gated) {
    for (const state of ['draft', 'returned', 'pendingApproval'] as const) {
      assert.throws(() => transition(kind, state, action, { flowComplete: true }), (e: unknown) => code(e) === 'WORK_ORDER_APPROVAL_REQUIRED', `${kind} ${action} from ${state}`);
    }
  }
  assert.throws(() => transition('dataWorkOrder', 'pendingApproval', 'execute', { flowComplete: true }), (e: unknown) => e instanceof AppError && /数据处理工单未经甲方审批签字/.test(e.message));
});

test('actions outside a kind or out of order are refused with the states they need', () => {
  assert.throws(() => transition('change', 'approved', 'execute', { flowComplete: false }), (e: unknown) => code(e) === 'WORK_ORDER_TRANSITION_FORBIDDEN' && /「变更」没有「执行」操作/.test(String((e as Error).message)));
  assert.throws(() => transition('content', 'published', 'publish', { flowComplete: false }), (e: unknown) => code(e) === 'WORK_ORDER_TRANSITION_FORBIDDEN' && /「已批准」、「待发布」/.test(String((e as Error).message)));
  assert.throws(() => transition('dataWorkOrder', 'executed', 'cancel', { flowComplete: false }), (e: unknown) => code(e) === 'WORK_ORDER_TRANSITION_FORBIDDEN');
  assert.equal(isAllowedFrom('serviceRequest', 'inProgress', 'cancel'), true);
  assert.deepEqual(statesOf('dataWorkOrder'), ['draft', 'pendingApproval', 'returned', 'approved', 'executed', 'delivered', 'closed', 'cancelled']);
});

test('a round describes each step and since when it has waited', () => {
  const flow: ApprovalFlow = {
    steps: [
      { key: 'pm', name: '乙方项目经理审核', roles: ['vendorProjectManager'], mode: 'any' },
      { key: 'sign', name: '甲方会签', roles: ['agencyProjectLead', 'agencyReviewer'], mode: 'all' },
    ],
  };
  const submitted = new Date('2024-05-06T01:00:00Z');
  const d = (stepKey: string, role: ApprovalDecision['role'], minutes: number, decision: 'approve' | 'reject' = 'approve'): ApprovalDecision => ({ round: 1, stepKey, userId: role, role, decision, comment: '', at: new Date(submitted.getTime() + minutes * 60_000) });
  let r = describeRound(flow, [], 1, submitted);
  assert.deepEqual(r.map((s) => [s.status, s.since?.toISOString() ?? null]), [['pending', submitted.toISOString()], ['notReached', null]]);
  r = describeRound(flow, [d('pm', 'vendorProjectManager', 10), d('sign', 'agencyProjectLead', 30)], 1, submitted);
  assert.deepEqual(r.map((s) => s.status), ['approved', 'pending']);
  assert.equal(r[1]?.since?.toISOString(), '2024-05-06T01:10:00.000Z', 'the countersign step waits since the manager approved');
  r = describeRound(flow, [d('pm', 'vendorProjectManager', 10), d('sign', 'agencyReviewer', 30, 'reject')], 1, submitted);
  assert.deepEqual(r.map((s) => s.status), ['approved', 'rejected']);
});

function definition(mutate: (d: Plain) => void) {
  const r = parseContractDefinition(contractYaml(mutate));
  return r;
}

test('rules: the contract\'s subtype overrides its kind, which overrides the platform default; levels follow ticketKinds', () => {
  const r = definition((d) => {
    (d['severityLevels'] as Plain[]).push(
      { key: 'SR', name: '当日处理', rank: 5, definition: '网点信息变更', ticketKinds: ['serviceRequest'], targets: [{ kind: 'resolve', within: { amount: 1, unit: 'workingDays' } }] },
      { key: 'SR2', name: '其他请求', rank: 6, definition: '其他', ticketKinds: ['serviceRequest'], targets: [{ kind: 'resolve', within: { amount: 5, unit: 'workingDays' } }] },
    );
    d['workOrders'] = {
      change: { approval: { steps: [{ key: 'a', name: '甲方确认', roles: ['agencyProjectLead'] }], source: 'L179' } },
      serviceRequest: { subtypes: [{ subtype: 'training', level: 'SR2', approval: { steps: [{ key: 't', name: '甲方审核', roles: ['agencyReviewer'] }] } }] },
    };
  });
  assert.ok(r.ok, JSON.stringify(r));
  if (!r.ok) return;
  const def = r.definition;
  const change = resolveWorkOrderRules(def, 'change', 'software');
  assert.deepEqual(change.flow.steps.map((s) => s.key), ['a']);
  assert.equal(change.flowSource, 'contract');
  assert.equal(change.flowClause, 'L179');
  const training = resolveWorkOrderRules(def, 'serviceRequest', 'training');
  assert.equal(training.levelKey, 'SR2');
  assert.deepEqual(training.flow.steps.map((s) => s.key), ['t']);
  const consultation = resolveWorkOrderRules(def, 'serviceRequest', 'consultation');
  assert.equal(consultation.levelKey, 'SR', 'the first level by rank whose ticketKinds names the kind');
  assert.equal(consultation.levelSource, 'ticketKinds');
  assert.deepEqual(consultation.flow.steps, [], 'platform default: no approval');
  assert.deepEqual(resolveWorkOrderRules(def, 'serviceRequest', 'accountChange').flow.steps.map((s) => s.roles), [['agencyAdmin']], 'platform default for account changes');
  const data = resolveWorkOrderRules(def, 'dataWorkOrder', 'deletion');
  assert.deepEqual(data.flow.steps.map((s) => s.roles), [['agencyProjectLead']]);
  assert.equal(data.levelKey, null, 'no level names the kind: no clock');
  assert.deepEqual(resolveWorkOrderRules(def, 'content', 'notice').flow.steps.map((s) => s.roles[0]), ['vendorTeamLead', 'agencyProjectLead']);
});

test('the contract format refuses work-order rules the contracts do not allow', () => {
  const r = definition((d) => {
    d['workOrders'] = {
      dataWorkOrder: { level: 'P1', approval: { steps: [{ key: 'pm', name: '乙方项目经理', roles: ['vendorProjectManager'] }] } },
      change: { subtypes: [{ subtype: 'teleport', level: 'NOPE' }] },
      content: { approval: { steps: [{ key: 'x', name: '甲', roles: ['agencyProjectLead'] }, { key: 'x', name: '乙', roles: ['readOnly'] }] } },
    };
    (d['severityLevels'] as Plain[])[0]!['ticketKinds'] = ['incident'];
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const messages = r.issues.map((i) => `${i.path} ${i.message}`);
  const has = (path: string, re: RegExp) => assert.ok(messages.some((m) => m.startsWith(path) && re.test(m)), `${path} ${re} in ${JSON.stringify(messages)}`);
  has('workOrders.dataWorkOrder.level', /ticketKinds 不含 dataWorkOrder/);
  has('workOrders.dataWorkOrder.approval.steps', /须至少有一个全部由甲方角色审批的环节/);
  has('workOrders.change.subtypes[0].subtype', /没有子类「teleport」/);
  has('workOrders.change.subtypes[0].level', /不存在的时限类别「NOPE」/);
  has('workOrders.content.approval.steps[1].key', /重复/);
  has('workOrders.content.approval.steps[1].roles', /只读用户/);
  const badRole = definition((d) => {
    d['workOrders'] = { change: { approval: { steps: [{ key: 'a', name: '甲', roles: ['boss'] }] } } };
  });
  assert.equal(badRole.ok, false);
});

test('what a submission needs, by kind', () => {
  const base = { system_key: 'S1', assignee_user_id: 'u', window_start: new Date(), window_end: new Date() };
  assert.deepEqual(submissionProblems({ ...base, kind: 'serviceRequest', details: {} }), []);
  const change = submissionProblems({ ...base, kind: 'change', details: { reason: 'r', riskLevel: 'low', risks: 'r', method: 'm', tools: 't', steps: ['s'] } });
  assert.deepEqual(change, ['变更须填写回退方案', '变更须确认已完成备份']);
  const data = submissionProblems({ ...base, kind: 'dataWorkOrder', assignee_user_id: null, window_end: null, details: { purpose: 'p' } });
  assert.deepEqual(data, ['数据处理工单须填写依据', '数据处理工单须列出涉及的表和字段', '数据处理工单须填写预计涉及行数', '数据处理工单须指定执行人', '数据处理工单须填写实施窗口（开始和结束时间）']);
});
