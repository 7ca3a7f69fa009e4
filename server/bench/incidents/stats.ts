/**
 * Small statistics and output helpers for the incident benchmark.
 */

/** Nearest-rank percentile of an ascending-sorted array (p in 0–100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

/** Summary of a latency sample in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Summarise latencies (ms). */
export function summarise(latencies: readonly number[]): LatencySummary {
  const s = [...latencies].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return { count: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? Number.NaN, mean: s.length ? sum / s.length : Number.NaN };
}

/** One `metric: value unit` line (the only lines without a leading '# '). */
export function metric(name: string, value: number, unit: string, digits = 1): void {
  process.stdout.write(`${name}: ${Number.isFinite(value) ? value.toFixed(digits) : 'NaN'} ${unit}\n`);
}

/** A log line that cannot be mistaken for a metric. */
export function note(message: string): void {
  for (const l of message.split('\n')) process.stdout.write(`# ${l}\n`);
}

/** Format a latency summary for a log line. */
export function describe(s: LatencySummary): string {
  return `n=${s.count} p50=${s.p50.toFixed(1)}ms p95=${s.p95.toFixed(1)}ms p99=${s.p99.toFixed(1)}ms max=${s.max.toFixed(1)}ms mean=${s.mean.toFixed(1)}ms`;
}
