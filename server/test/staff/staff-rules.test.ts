/**
 * Pure roster rules: years of service, the replacement deadline, the status
 * machine and the staffing KPIs (exact arithmetic at the thresholds).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeReplacementDueAt,
  computeStaffingKpis,
  educationAtLeast,
  fullYearsBetween,
  localDateOf,
  staffActionAllowed,
  startOfLocalDate,
  type RosterPerson,
} from '../../src/staff/staff-rules.ts';
import { createWorkingCalendar } from '../../src/calendar/working-calendar.ts';
import type { TStaffing } from '../../src/contracts/contract-definition.schema.ts';

test('whole years on the system follow the anniversary rule', () => {
  const cases: [string, string, number][] = [
    ['2021-03-15', '2023-03-14', 1],
    ['2021-03-15', '2023-03-15', 2],
    ['2020-02-29', '2021-02-28', 0],
    ['2020-02-29', '2021-03-01', 1],
    ['2023-06-01', '2023-05-01', 0],
    ['2009-07-01', '2023-06-30', 13],
  ];
  for (const [start, today, want] of cases) assert.equal(fullYearsBetween(start, today), want, `${start} → ${today}`);
});

test('education levels are ordered 高中及以下 < 中专 < 大专 < 本科 < 硕士 < 博士', () => {
  assert.equal(educationAtLeast('juniorCollege', 'juniorCollege'), true);
  assert.equal(educationAtLeast('bachelor', 'juniorCollege'), true);
  assert.equal(educationAtLeast('secondaryVocational', 'juniorCollege'), false);
  assert.equal(educationAtLeast('highSchoolOrBelow', 'secondaryVocational'), false);
  assert.equal(educationAtLeast('doctorate', 'master'), true);
});

test('local dates and midnights are taken in the contract time zone', () => {
  assert.equal(localDateOf(new Date('2023-03-01T16:30:00Z'), 'Asia/Shanghai'), '2023-03-02');
  assert.equal(localDateOf(new Date('2023-03-01T15:59:59Z'), 'Asia/Shanghai'), '2023-03-01');
  assert.equal(startOfLocalDate('2023-03-09', 'Asia/Shanghai').toISOString(), '2023-03-08T16:00:00.000Z');
  assert.equal(startOfLocalDate('2023-03-12', 'Europe/Berlin').toISOString(), '2023-03-11T23:00:00.000Z');
  assert.equal(startOfLocalDate('2023-03-27', 'Europe/Berlin').toISOString(), '2023-03-26T22:00:00.000Z', 'after the DST switch');
});

test('the replacement deadline counts days from the day after the request and ends at 24:00 (民法典 201/203)', () => {
  const calendar = createWorkingCalendar({ assumeUnpublished: 'weekdays' });
  const rest = (d: string): boolean => !calendar.isWorkday(d);
  const cases: { at: string; within: { amount: number; unit: 'days' | 'hours' }; rest: boolean; due: string }[] = [
    // Wed 2023-03-01 10:00 +08 → days 03-02 … 03-08 (Wed), due 03-09 00:00 +08
    { at: '2023-03-01T02:00:00Z', within: { amount: 7, unit: 'days' }, rest: true, due: '2023-03-08T16:00:00.000Z' },
    // a request late in the evening still counts from the next local day
    { at: '2023-03-01T15:30:00Z', within: { amount: 7, unit: 'days' }, rest: true, due: '2023-03-08T16:00:00.000Z' },
    // Mon 2023-03-06 → last day Mon 03-13; no move
    { at: '2023-03-06T01:00:00Z', within: { amount: 7, unit: 'days' }, rest: true, due: '2023-03-13T16:00:00.000Z' },
    // Fri 2023-03-03 + 1 day → Sat 03-04 is a rest day → moves to Mon 03-06
    { at: '2023-03-03T01:00:00Z', within: { amount: 1, unit: 'days' }, rest: true, due: '2023-03-06T16:00:00.000Z' },
    // same, without a calendar: no move
    { at: '2023-03-03T01:00:00Z', within: { amount: 1, unit: 'days' }, rest: false, due: '2023-03-04T16:00:00.000Z' },
    // 2023-09-25 + 7 → 10-02, inside the National Day holiday (09-29 … 10-06); 10-07 and 10-08 are make-up workdays
    { at: '2023-09-25T01:00:00Z', within: { amount: 7, unit: 'days' }, rest: true, due: '2023-10-07T16:00:00.000Z' },
    // hours: exactly that many hours
    { at: '2023-03-01T02:00:00Z', within: { amount: 48, unit: 'hours' }, rest: true, due: '2023-03-03T02:00:00.000Z' },
  ];
  for (const c of cases) {
    const r = computeReplacementDueAt({ requestedAt: new Date(c.at), within: c.within, timezone: 'Asia/Shanghai', isRestDay: c.rest ? rest : undefined });
    assert.equal(r.dueAt.toISOString(), c.due, `${c.at} + ${c.within.amount} ${c.within.unit}`);
    assert.ok(r.rule.length > 0);
  }
  const moved = computeReplacementDueAt({ requestedAt: new Date('2023-09-25T01:00:00Z'), within: { amount: 7, unit: 'days' }, timezone: 'Asia/Shanghai', isRestDay: rest });
  assert.match(moved.rule, /末日 2023-10-02 为休息日，顺延至 2023-10-07/);
});

test('which roster actions each status allows', () => {
  assert.equal(staffActionAllowed('proposed', 'accept'), true);
  assert.equal(staffActionAllowed('accepted', 'accept'), false);
  assert.equal(staffActionAllowed('accepted', 'activate'), true);
  assert.equal(staffActionAllowed('proposed', 'activate'), false);
  assert.equal(staffActionAllowed('left', 'leave'), false);
  assert.equal(staffActionAllowed('left', 'edit'), false);
  assert.equal(staffActionAllowed('proposed', 'requestReplacement'), false);
  assert.equal(staffActionAllowed('active', 'requestReplacement'), true);
});

function person(p: Partial<RosterPerson>): RosterPerson {
  return { status: 'active', positionKey: 'AGENT', education: 'juniorCollege', systemStartOn: '2020-01-01', experienceYears: null, qualifications: [], ...p };
}

const STAFFING: TStaffing = {
  positions: [
    { key: 'AGENT', name: '坐席代表', headcount: 4 },
    { key: 'DBA', name: '数据库管理员', minExperienceYears: 2 },
  ],
  kpis: [
    { key: 'EDU', name: '大专以上占比', metric: 'educationAtLeast', education: 'juniorCollege', minShare: '75%', positions: ['AGENT'] },
    { key: 'TENURE', name: '服务满两年占比', metric: 'yearsOnSystemAtLeast', years: 2, minShare: '60%' },
    { key: 'CS', name: '客服经验占比', metric: 'hasQualification', qualification: '客服行业工作经验', minShare: '50%', positions: ['AGENT'] },
  ],
};

test('staffing KPIs: shares compared exactly at the threshold, over active staff only', () => {
  const today = '2024-06-30';
  const table: { name: string; roster: RosterPerson[]; want: Record<string, { n: number; d: number; status: string; share: string | null }> }[] = [
    {
      name: '3 of 4 agents with college = exactly 75% → met',
      roster: [person({}), person({}), person({}), person({ education: 'highSchoolOrBelow' })],
      want: { EDU: { n: 3, d: 4, status: 'met', share: '75.0%' }, 'headcount:AGENT': { n: 4, d: 4, status: 'met', share: '100.0%' } },
    },
    {
      name: '2 of 3 = 66.6% < 75% → not met; 3 < 4 seats',
      roster: [person({}), person({}), person({ education: 'secondaryVocational' })],
      want: { EDU: { n: 2, d: 3, status: 'notMet', share: '66.6%' }, 'headcount:AGENT': { n: 3, d: 4, status: 'notMet', share: '75.0%' } },
    },
    {
      name: 'people who left or are only proposed are not counted',
      roster: [person({}), person({ status: 'left', education: 'highSchoolOrBelow' }), person({ status: 'proposed', education: 'highSchoolOrBelow' })],
      want: { EDU: { n: 1, d: 1, status: 'met', share: '100.0%' } },
    },
    {
      name: 'nobody in scope → no data',
      roster: [person({ positionKey: 'DBA', experienceYears: 1 })],
      want: { EDU: { n: 0, d: 0, status: 'noData', share: null }, 'experience:DBA': { n: 0, d: 1, status: 'notMet', share: '0.0%' } },
    },
    {
      name: 'years on the system: 3 of 5 = 60% → met (start 2022-06-30 is exactly two years)',
      roster: [
        person({ systemStartOn: '2022-06-30' }),
        person({ systemStartOn: '2021-01-01' }),
        person({ systemStartOn: '2015-05-05' }),
        person({ systemStartOn: '2022-07-01' }),
        person({ positionKey: 'DBA', systemStartOn: '2024-01-01', experienceYears: 5 }),
      ],
      want: { TENURE: { n: 3, d: 5, status: 'met', share: '60.0%' }, 'experience:DBA': { n: 1, d: 1, status: 'met', share: '100.0%' } },
    },
    {
      name: 'a qualification counts while valid; an expired certificate does not',
      roster: [
        person({ qualifications: [{ name: '客服行业工作经验' }] }),
        person({ qualifications: [{ name: '客服行业工作经验', validUntil: '2024-01-01' }] }),
        person({ qualifications: [{ name: '其他证书' }] }),
      ],
      want: { CS: { n: 1, d: 3, status: 'notMet', share: '33.3%' } },
    },
  ];
  for (const row of table) {
    const got = new Map(computeStaffingKpis(STAFFING, row.roster, today).map((k) => [k.key, k]));
    for (const [key, w] of Object.entries(row.want)) {
      const k = got.get(key);
      assert.ok(k, `${row.name}: ${key} computed`);
      assert.deepEqual({ n: k.numerator, d: k.denominator, status: k.status, share: k.shareText }, w, `${row.name}: ${key}`);
    }
  }
});

test('a share just below the threshold is not rounded up to it', () => {
  // 749 of 1000 college graduates against 75%: 74.9% → not met; 750 → met
  const roster = (n: number): RosterPerson[] => Array.from({ length: 1000 }, (_, i) => person({ education: i < n ? 'bachelor' : 'highSchoolOrBelow' }));
  const edu = (n: number) => computeStaffingKpis(STAFFING, roster(n), '2024-06-30').find((k) => k.key === 'EDU');
  assert.equal(edu(749)?.status, 'notMet');
  assert.equal(edu(749)?.sharePermille, 749);
  assert.equal(edu(750)?.status, 'met');
  assert.equal(computeStaffingKpis(undefined, roster(10), '2024-06-30').length, 0, 'no staffing section, no KPIs');
});
