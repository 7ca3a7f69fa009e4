/**
 * Benchmark of the SLA due-time computation.
 *
 * Computes due times for 1,000,000 (start time, target) pairs on a 5×8 window
 * (09:00–12:00, 13:00–17:00 on official working days, holidays and make-up
 * days included) over 2018–2030, with the public `addWorkingMinutes(Date, n)`
 * API, then the same on a sample with the minute-by-minute reference, checks
 * that both agree on the sample, and prints one `metric: value unit` line per
 * figure.
 *
 * Run: cd server && node --import tsx bench/sla.ts
 */
import { performance } from 'node:perf_hooks';
import { createWorkingCalendar } from '../src/calendar/working-calendar.ts';
import { compileServiceWindow } from '../src/calendar/service-window.ts';
import type { TServiceWindow } from '../src/contracts/contract-definition.schema.ts';
import { referenceAddWorkingMinutes } from '../src/sla/sla-reference.ts';
import { prng } from '../src/shared/prng.ts';

const PAIRS = 1_000_000;
const REFERENCE_SAMPLE = 2_000;
/** Typical SLA targets in working minutes: 30 min … 5 working days. */
const TARGETS = [30, 60, 120, 240, 480, 960, 1440, 2400] as const;
const FROM_MS = Date.UTC(2018, 0, 1);
const TO_MS = Date.UTC(2030, 11, 1);

function line(metric: string, value: number, unit: string, digits = 0): void {
  process.stdout.write(`${metric}: ${value.toFixed(digits)} ${unit}\n`);
}

const rssAtStart = process.resourceUsage().maxRSS / 1024; // node + the tsx loader, before the calendar exists
const memBefore = process.memoryUsage();
const t0 = performance.now();
// 2027–2030 are not published yet: the documented Mon–Fri assumption covers them.
const calendar = createWorkingCalendar({ assumeUnpublished: 'weekdays' });
const def: TServiceWindow = { key: 'w5x8', name: '5×8', type: 'workdays', hours: ['09:00-12:00', '13:00-17:00'] };
const window = compileServiceWindow(def, calendar);
const compileMs = performance.now() - t0;
const memAfter = process.memoryUsage();

// Warm-up (JIT), not timed.
{
  const rand = prng(7);
  let sink = 0;
  for (let i = 0; i < 100_000; i++) {
    const start = new Date(FROM_MS + Math.floor(rand() * (TO_MS - FROM_MS)));
    sink += window.addWorkingMinutes(start, TARGETS[i & 7] ?? 60).getTime();
  }
  if (sink === 0) process.stdout.write('');
}

const rand = prng(42);
let checksum = 0;
const tFast = performance.now();
for (let i = 0; i < PAIRS; i++) {
  const start = new Date(FROM_MS + Math.floor(rand() * (TO_MS - FROM_MS)));
  checksum += window.addWorkingMinutes(start, TARGETS[i & 7] ?? 60).getTime() % 1000;
}
const fastSeconds = (performance.now() - tFast) / 1000;
const peakRssFastPhase = process.resourceUsage().maxRSS / 1024;

const refRand = prng(43);
const sample: { start: Date; minutes: number }[] = [];
for (let i = 0; i < REFERENCE_SAMPLE; i++) {
  sample.push({ start: new Date(FROM_MS + Math.floor(refRand() * (TO_MS - FROM_MS))), minutes: TARGETS[i & 7] ?? 60 });
}
const ref = { def, calendar, timezone: 'Asia/Shanghai' };
const expected: number[] = [];
const tRef = performance.now();
for (const { start, minutes } of sample) expected.push(referenceAddWorkingMinutes(ref, start, minutes).getTime());
const refSeconds = (performance.now() - tRef) / 1000;
let mismatches = 0;
sample.forEach(({ start, minutes }, i) => {
  if (window.addWorkingMinutes(start, minutes).getTime() !== expected[i]) mismatches++;
});

const fastRate = PAIRS / fastSeconds;
const refRate = REFERENCE_SAMPLE / refSeconds;
line('pairs', PAIRS, 'pairs');
line('due_times_per_second', fastRate, '/s');
line('reference_sample', REFERENCE_SAMPLE, 'pairs');
line('reference_per_second', refRate, '/s');
line('speedup', fastRate / refRate, 'x');
line('sample_mismatches', mismatches, 'count');
line('calendar_compile_time', compileMs, 'ms', 1);
line('calendar_heap_delta', (memAfter.heapUsed + memAfter.arrayBuffers - memBefore.heapUsed - memBefore.arrayBuffers) / 1024 / 1024, 'MB', 1);
line('rss_at_start', rssAtStart, 'MB', 1);
line('peak_rss_fast_phase', peakRssFastPhase, 'MB', 1);
line('peak_rss', process.resourceUsage().maxRSS / 1024, 'MB', 1);
if (checksum < 0 || mismatches > 0) process.exitCode = 1;
