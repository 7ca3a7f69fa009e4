/**
 * The official calendar (seeded from chinese-days) and the WorkingCalendar value.
 * Expected values are taken from the State Council notices (国务院办公厅关于节假日安排的通知):
 * - 2023（国办发明电〔2022〕16号）国庆节、中秋节：9月29日至10月6日放假调休，共8天；10月7日（星期六）、10月8日（星期日）上班。
 * - 2024（国办发明电〔2023〕7号）春节：2月10日至17日放假调休，共8天；2月4日（星期日）、2月18日（星期日）上班。
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildOfficialCalendar, loadOfficialCalendar, publishedYears, FIRST_OFFICIAL_YEAR } from '../../src/calendar/official-calendar.ts';
import { createWorkingCalendar, dayNumberFromIsoDate, isoDateFromDayNumber, parseIsoDate, weekdayOfDayNumber } from '../../src/calendar/working-calendar.ts';
import { SlaError } from '../../src/sla/sla-errors.ts';

const cal = createWorkingCalendar();

test('published years: contiguous from 2018 and include the years the tests rely on', () => {
  const years = publishedYears();
  assert.equal(years[0], FIRST_OFFICIAL_YEAR);
  for (let i = 1; i < years.length; i++) assert.equal(years[i], (years[i - 1] ?? 0) + 1);
  for (const y of [2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025]) assert.ok(years.includes(y), `${y} published`);
  assert.deepEqual(cal.publishedYears, years);
  assert.match(loadOfficialCalendar().source, /^chinese-days@\d+\.\d+\.\d+/);
});

test('2023 National Day: 29 Sep – 6 Oct off, 7 and 8 Oct (Sat/Sun) are workdays', () => {
  for (const d of ['2023-09-29', '2023-09-30', '2023-10-01', '2023-10-02', '2023-10-03', '2023-10-04', '2023-10-05', '2023-10-06']) {
    assert.equal(cal.isWorkday(d), false, d);
    assert.equal(cal.dayInfo(d).reason, 'holiday', d);
  }
  for (const d of ['2023-10-07', '2023-10-08']) {
    assert.equal(cal.isWorkday(d), true, d);
    assert.equal(cal.dayInfo(d).reason, 'makeupWorkday', d);
    assert.equal(cal.dayInfo(d).source, 'official', d);
  }
  assert.equal(cal.dayInfo('2023-10-07').weekday, 6); // Saturday
  assert.equal(cal.dayInfo('2023-10-08').weekday, 0); // Sunday
  assert.equal(cal.isWorkday('2023-09-28'), true); // Thursday before the holiday
  assert.equal(cal.isWorkday('2023-10-09'), true); // Monday after
  assert.equal(cal.isWorkday('2023-10-14'), false); // an ordinary Saturday
  assert.equal(cal.dayInfo('2023-10-01').name, '国庆节');
});

test('2024 Spring Festival: 10–17 Feb off, 4 Feb (Sun) and 18 Feb (Sun) are workdays', () => {
  for (let d = 10; d <= 17; d++) assert.equal(cal.isWorkday(`2024-02-${d}`), false, `2024-02-${d}`);
  assert.equal(cal.isWorkday('2024-02-04'), true);
  assert.equal(cal.isWorkday('2024-02-18'), true);
  assert.equal(cal.dayInfo('2024-02-04').weekday, 0);
  assert.equal(cal.dayInfo('2024-02-18').weekday, 0);
  assert.equal(cal.isWorkday('2024-02-09'), true); // Friday, 除夕 2024 was not a statutory day off
  assert.equal(cal.isWorkday('2024-02-19'), true);
  assert.equal(cal.dayInfo('2024-02-12').name, '春节');
});

test('ordinary days follow the weekday rule', () => {
  assert.deepEqual(
    ['2023-06-05', '2023-06-09', '2023-06-10', '2023-06-11'].map((d) => [d, cal.isWorkday(d), cal.dayInfo(d).source]),
    [
      ['2023-06-05', true, 'weekdayRule'],
      ['2023-06-09', true, 'weekdayRule'],
      ['2023-06-10', false, 'weekdayRule'],
      ['2023-06-11', false, 'weekdayRule'],
    ],
  );
});

test('overrides win over the official data and change the version', () => {
  const local = createWorkingCalendar({
    overrides: [
      { date: '2023-06-05', kind: 'holiday', name: '机房搬迁停工' }, // a Monday
      { date: '2023-10-07', kind: 'holiday' }, // official make-up Saturday cancelled locally
      { date: '2023-06-10', kind: 'workday', name: '加班' }, // an ordinary Saturday worked
    ],
  });
  assert.equal(local.isWorkday('2023-06-05'), false);
  assert.equal(local.dayInfo('2023-06-05').name, '机房搬迁停工');
  assert.equal(local.dayInfo('2023-06-05').source, 'override');
  assert.equal(local.isWorkday('2023-10-07'), false);
  assert.equal(local.isWorkday('2023-06-10'), true);
  assert.equal(local.dayInfo('2023-06-10').reason, 'makeupWorkday');
  assert.notEqual(local.version, cal.version);
  // Same contents, same version; caller-supplied version is used as is.
  assert.equal(createWorkingCalendar().version, cal.version);
  assert.equal(createWorkingCalendar({ version: 'v42' }).version, 'v42');
});

test('bad overrides are refused with CALENDAR_BAD_OVERRIDE', () => {
  const cases = [
    [{ date: '2023-02-30', kind: 'holiday' as const }],
    [{ date: '2023-06-05', kind: 'holiday' as const }, { date: '2023-06-05', kind: 'workday' as const }],
    [{ date: '2017-06-05', kind: 'holiday' as const }],
  ];
  for (const overrides of cases) {
    assert.throws(() => createWorkingCalendar({ overrides }), (e: unknown) => e instanceof SlaError && e.code === 'CALENDAR_BAD_OVERRIDE' && /日历调整/.test(e.message));
  }
});

test('an unpublished year throws CALENDAR_YEAR_UNPUBLISHED in Chinese, unless the Mon–Fri assumption is chosen', () => {
  const last = cal.publishedYears[cal.publishedYears.length - 1] ?? 0;
  const next = last + 1;
  const date = `${next}-03-03`;
  assert.throws(
    () => cal.isWorkday(date),
    (e: unknown) =>
      e instanceof SlaError &&
      e.code === 'CALENDAR_YEAR_UNPUBLISHED' &&
      e.message.includes(`${next} 年的国家法定节假日和调休安排尚未发布`) &&
      e.message.includes('未作任何推定') &&
      e.details['year'] === next,
  );
  const assumed = createWorkingCalendar({ assumeUnpublished: 'weekdays' });
  const info = assumed.dayInfo(date);
  const weekday = weekdayOfDayNumber(dayNumberFromIsoDate(date));
  assert.equal(info.assumed, true);
  assert.equal(info.workday, weekday >= 1 && weekday <= 5);
  assert.equal(assumed.dayInfo('2023-10-07').assumed, false);
  assert.notEqual(assumed.version, cal.version);
  // Before the first year, and after the covered range, it is out of range whatever the policy.
  assert.throws(() => assumed.isWorkday('2017-12-29'), (e: unknown) => e instanceof SlaError && e.code === 'CALENDAR_OUT_OF_RANGE');
  assert.throws(() => assumed.isWorkday(`${assumed.toYear + 1}-01-05`), (e: unknown) => e instanceof SlaError && e.code === 'CALENDAR_OUT_OF_RANGE');
});

test('a synthetic data set: a gap in the years or a date named twice is refused', () => {
  const ok = buildOfficialCalendar({ holidays: { '2020-01-01': "New Year's Day,元旦,1" }, workdays: { '2020-01-19': 'Spring Festival,春节,7' } }, 'test', 2018);
  assert.deepEqual(ok.publishedYears, [2020]);
  assert.equal(ok.days.get('2020-01-19')?.kind, 'workday');
  assert.throws(
    () => buildOfficialCalendar({ holidays: { '2020-01-01': 'a,元旦,1', '2022-01-01': 'a,元旦,1' }, workdays: {} }, 'test', 2018),
    (e: unknown) => e instanceof SlaError && e.code === 'CALENDAR_SOURCE_INVALID' && e.message.includes('2021'),
  );
  assert.throws(
    () => buildOfficialCalendar({ holidays: { '2020-01-01': 'a,元旦,1' }, workdays: { '2020-01-01': 'a,元旦,1' } }, 'test', 2018),
    (e: unknown) => e instanceof SlaError && e.code === 'CALENDAR_SOURCE_INVALID',
  );
  assert.throws(() => buildOfficialCalendar({ holidays: 3 }, 'test'), (e: unknown) => e instanceof SlaError && e.code === 'CALENDAR_SOURCE_INVALID');
});

test('civil date helpers round-trip and know the weekdays', () => {
  assert.equal(dayNumberFromIsoDate('1970-01-01'), 0);
  assert.equal(weekdayOfDayNumber(0), 4); // Thursday
  assert.equal(isoDateFromDayNumber(dayNumberFromIsoDate('2024-02-29')), '2024-02-29');
  assert.equal(parseIsoDate('2023-02-29'), null);
  assert.equal(parseIsoDate('2023-1-01'), null);
  for (let n = dayNumberFromIsoDate('2018-01-01'); n < dayNumberFromIsoDate('2031-01-01'); n += 37) {
    const iso = isoDateFromDayNumber(n);
    assert.equal(dayNumberFromIsoDate(iso), n);
    assert.equal(weekdayOfDayNumber(n), new Date(`${iso}T00:00:00Z`).getUTCDay());
  }
});
