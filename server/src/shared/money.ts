/**
 * Exact money and rate arithmetic. Money is integer fen (分); rates are integer
 * parts-per-million (ppm). Nothing here ever touches a floating-point number.
 */

/** Parts per million in one whole (100%). */
export const PPM_ONE = 1_000_000;

const MONEY_RE = /^(-)?(\d{1,15})(?:\.(\d{1,2}))?$/;
const DECIMAL_RE = /^(-)?(\d{1,15})(?:\.(\d{1,9}))?$/;
const RATE_RE = /^(\d{1,6})(?:\.(\d{1,6}))?(%|‰)$/;

/**
 * Parse a yuan amount written as a decimal string ("11940656.00", "0.05") or a
 * safe integer into integer fen. Returns null when the text is not exact money.
 */
export function parseYuanToFen(value: string | number): number | null {
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : '') : value.trim();
  const m = MONEY_RE.exec(text);
  if (!m) return null;
  const [, sign, whole = '0', frac = ''] = m;
  const fen = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (!Number.isSafeInteger(fen)) return null;
  return sign ? -fen : fen;
}

/** Format integer fen as a yuan decimal string with two decimals: 1194065.60. */
export function formatFen(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.trunc(abs / 100);
  const cents = abs % 100;
  return `${sign}${yuan}.${String(cents).padStart(2, '0')}`;
}

/** Format integer fen for people: ¥11,940,656.00. */
export function formatFenCny(fen: number): string {
  const plain = formatFen(Math.abs(fen));
  const [yuan = '0', cents = '00'] = plain.split('.');
  const grouped = yuan.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${fen < 0 ? '-' : ''}¥${grouped}.${cents}`;
}

/** An exact decimal as a scaled bigint: value = units / 10^scale. */
export interface ExactDecimal {
  units: bigint;
  scale: number;
}

/** Parse a decimal string ("3000000", "12.5") or safe integer exactly. */
export function parseDecimal(value: string | number): ExactDecimal | null {
  const text = typeof value === 'number' ? (Number.isSafeInteger(value) ? String(value) : '') : value.trim();
  const m = DECIMAL_RE.exec(text);
  if (!m) return null;
  const [, sign, whole = '0', frac = ''] = m;
  const units = BigInt(whole + frac) * (sign ? -1n : 1n);
  return { units, scale: frac.length };
}

/** Round a non-negative or negative rational n/d to the nearest integer, halves away from zero. */
export function roundHalfUp(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new RangeError('denominator must be positive');
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const q = (abs * 2n + d) / (2n * d);
  return neg ? -q : q;
}

/** quantity × unit price (fen), exact, rounded half-up to the fen. */
export function multiplyFen(quantity: ExactDecimal, unitPriceFen: number): number {
  const scaleDiv = 10n ** BigInt(quantity.scale);
  return Number(roundHalfUp(quantity.units * BigInt(unitPriceFen), scaleDiv));
}

/**
 * Parse a rate written as "5%", "0.5%", "0.5‰" into parts per million.
 * Returns null for anything else.
 */
export function parseRatePpm(value: string): number | null {
  const m = RATE_RE.exec(value.trim());
  if (!m) return null;
  const [, whole = '0', frac = '', unit] = m;
  // percent: 1% = 10,000 ppm; per mille: 1‰ = 1,000 ppm
  const perUnitPpm = unit === '%' ? 10_000n : 1_000n;
  const scaled = BigInt(whole + frac) * perUnitPpm;
  const div = 10n ** BigInt(frac.length);
  if (scaled % div !== 0n) return null; // finer than 1 ppm: not representable exactly
  return Number(scaled / div);
}

/** Apply a ppm rate to an amount of fen, rounded half-up to the fen. */
export function applyRatePpm(baseFen: number, ratePpm: number): number {
  return Number(roundHalfUp(BigInt(baseFen) * BigInt(ratePpm), BigInt(PPM_ONE)));
}

/** Format ppm as a percent string for people: 50000 → "5%", 5000 → "0.5%". */
export function formatRatePpm(ppm: number): string {
  const whole = Math.trunc(ppm / 10_000);
  const frac = String(ppm % 10_000).padStart(4, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}%` : `${whole}%`;
}
