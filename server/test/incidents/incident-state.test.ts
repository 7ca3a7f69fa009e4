import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suggestLevel, transition, type IncidentStatus, type LifecycleAction } from '../../src/incidents/incident-state.ts';
import { AppError } from '../../src/errors.ts';
import type { TSeverityLevel } from '../../src/contracts/contract-definition.schema.ts';

const open = { leaderApprovalRequired: false, leaderApproved: false };

test('the happy path from new to closed', () => {
  const steps: [LifecycleAction, IncidentStatus][] = [
    [{ type: 'acknowledge' }, 'acknowledged'],
    [{ type: 'arrive' }, 'onSite'],
    [{ type: 'startWork' }, 'inProgress'],
    [{ type: 'wait', reason: 'waitingOnReporter' }, 'waiting'],
    [{ type: 'resume' }, 'inProgress'],
    [{ type: 'resolve' }, 'resolved'],
    [{ type: 'callback' }, 'callbackDone'],
    [{ type: 'close' }, 'closed'],
    [{ type: 'reopen' }, 'inProgress'],
  ];
  let status: IncidentStatus = 'new';
  for (const [action, expected] of steps) {
    status = transition({ ...open, status }, action).status;
    assert.equal(status, expected, action.type);
  }
});

test('forbidden transitions name the current state and the allowed ones', () => {
  assert.throws(
    () => transition({ ...open, status: 'new' }, { type: 'resolve' }),
    (e: unknown) => e instanceof AppError && e.code === 'INCIDENT_TRANSITION_FORBIDDEN' && /当前状态为「新建」，不能执行「解决」/.test(e.message),
  );
  assert.throws(() => transition({ ...open, status: 'closed' }, { type: 'close' }), AppError);
  assert.throws(() => transition({ ...open, status: 'waiting' }, { type: 'resolve' }), AppError);
});

test('a serious fault cannot be handled before the leader instruction', () => {
  const s = { status: 'acknowledged' as const, leaderApprovalRequired: true, leaderApproved: false };
  for (const type of ['arrive', 'startWork', 'resolve'] as const) {
    assert.throws(() => transition(s, { type }), (e: unknown) => e instanceof AppError && e.code === 'LEADER_APPROVAL_REQUIRED');
  }
  // waiting is not a handling step
  assert.equal(transition(s, { type: 'wait', reason: 'waitingOnAgency' }).status, 'waiting');
  assert.equal(transition({ ...s, leaderApproved: true }, { type: 'startWork' }).status, 'inProgress');
});

const levels: TSeverityLevel[] = [
  { key: 'P1', name: '一级', rank: 1, definition: '整体瘫痪', targets: [], criteria: [{ metric: 'wholeSystemDown', op: 'eq', value: true, label: '整体瘫痪？' }] },
  { key: 'P2', name: '二级', rank: 2, definition: '严重影响', targets: [], criteria: [{ metric: 'usersAffectedShare', op: 'gte', value: '30%', label: '≥30% 用户受影响？' }, { metric: 'outageMinutes', op: 'gte', value: 120, label: '中断 ≥2 小时？' }] },
  { key: 'P3', name: '三级', rank: 3, definition: '部分', targets: [], criteriaMode: 'all', criteria: [{ metric: 'partialFunctionDown', op: 'eq', value: true, label: '部分功能？' }, { metric: 'businessPeak', op: 'eq', value: false, label: '非高峰？' }] },
];

test('the level is suggested from the impact answers, most severe first', () => {
  assert.equal(suggestLevel(levels, { wholeSystemDown: true, usersAffectedShare: 90 }), 'P1');
  assert.equal(suggestLevel(levels, { wholeSystemDown: false, usersAffectedShare: 35 }), 'P2');
  assert.equal(suggestLevel(levels, { outageMinutes: 150 }), 'P2');
  assert.equal(suggestLevel(levels, { partialFunctionDown: true, businessPeak: false }), 'P3');
  assert.equal(suggestLevel(levels, { partialFunctionDown: true, businessPeak: true }), null, 'all criteria must hold for P3');
  assert.equal(suggestLevel(levels, {}), null);
});
