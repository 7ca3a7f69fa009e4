/**
 * Money helpers. Amounts are integer fen (分) from the API or decimal yuan
 * strings from the contract definition; all arithmetic is done on BigInt and
 * all formatting with string operations, never with floating point.
 */

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Formats integer fen as "¥11,940,656.00". */
export function formatFen(fen: number | bigint): string {
  const v = typeof fen === 'bigint' ? fen : BigInt(fen);
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const yuan = (abs / 100n).toString();
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}¥${groupThousands(yuan)}.${cents}`;
}

/** Parses yuan written as "11940656.00", "0.05" or a whole number into fen; null when not exact to the fen. */
export function parseYuanToFen(v: string | number): bigint | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) * 100n : null;
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(v.trim());
  if (!m) return null;
  const [, sign = '', whole = '0', frac = ''] = m;
  const fen = BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0') || '0');
  return sign === '-' ? -fen : fen;
}

/** Formats a yuan value from the contract definition, e.g. "326000.00" → "¥326,000.00". */
export function formatYuan(v: string | number): string {
  const fen = parseYuanToFen(v);
  return fen === null ? String(v) : formatFen(fen);
}

/** A rate such as "5%", "0.5%" or "0.5‰" as an exact fraction. */
export interface Rate {
  numerator: bigint;
  denominator: bigint;
}

/** Parses "5%", "0.5%" or "0.5‰"; null when not a rate. */
export function parseRate(s: string): Rate | null {
  const m = /^(\d+)(?:\.(\d+))?\s*(%|‰)$/.exec(s.trim());
  if (!m) return null;
  const [, whole = '0', frac = '', unit] = m;
  const scale = 10n ** BigInt(frac.length);
  return { numerator: BigInt(whole + frac), denominator: scale * (unit === '%' ? 100n : 1000n) };
}

/** Applies a rate to an amount in fen, rounding half up to the fen. */
export function applyRate(fen: bigint, rate: Rate): bigint {
  const scaled = fen * rate.numerator * 2n + rate.denominator;
  return scaled / (2n * rate.denominator);
}

/** Formats a decimal quantity with thousands separators: "3000000" → "3,000,000". */
export function formatQuantity(q: string | number): string {
  const s = String(q);
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(s);
  if (!m) return s;
  return `${m[1] ?? ''}${groupThousands(m[2] ?? '')}${m[3] ?? ''}`;
}
