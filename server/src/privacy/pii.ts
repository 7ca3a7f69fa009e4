/**
 * Personal data in free text (PIPL): detection and masking, pure.
 * - 18-digit resident ID numbers, validated with the GB 11643-1999 check digit;
 * - mainland mobile numbers (1[3-9]x, 11 digits);
 * - bank card numbers (13–19 digits, validated with the Luhn checksum).
 * Masked forms: 110101********1234, 138****5678, 6222 **** **** 1234.
 */

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/**
 * Whether an 18-character resident ID number has a valid GB 11643 check digit
 * (a lower-case `x` counts as `X`) and a real birth date from 1800 to 2100
 * (so 31 February is refused). Fold full-width digits first (foldFullWidth).
 */
export function isValidResidentId(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  const sum = ID_WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  if (ID_CHECK[sum % 11] !== id[17]?.toUpperCase()) return false;
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1800 && y <= 2100 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Luhn checksum (bank cards). */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let n = Number(digits[i]);
    if (double) {
      n *= 2;
      if (n > 9) n -= 9;
    }
    sum += n;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** A kind of personal data. */
export type PiiKind = 'residentId' | 'mobile' | 'bankCard';

/** One finding in a text. */
export interface PiiFinding {
  kind: PiiKind;
  start: number;
  end: number;
  value: string;
}

// Digit runs not glued to other digits or letters; separators inside bank cards allowed.
const CANDIDATE = /(?<![0-9A-Za-z])(\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]|1[3-9]\d{9}|\d{4}(?:[ -]?\d{4}){2,3}(?:[ -]?\d{1,3})?)(?![0-9A-Za-z])/g;

/**
 * Full-width ASCII (Ｕ+FF01–FF5E, e.g. １１０１…Ｘ typed with a Chinese IME) and the
 * ideographic space folded to ASCII, one code unit for one, so positions found
 * in the folded text are positions in the original.
 */
export function foldFullWidth(text: string): string {
  return text.replace(/[\uFF01-\uFF5E\u3000]/g, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

/** Find personal data in a text (full-width digits included). */
export function detectPii(text: string): PiiFinding[] {
  const out: PiiFinding[] = [];
  const folded = foldFullWidth(text);
  for (const m of folded.matchAll(CANDIDATE)) {
    const value = m[0];
    const start = m.index ?? 0;
    const digits = value.replace(/[ -]/g, '');
    let kind: PiiKind | null = null;
    if (/^\d{17}[\dXx]$/.test(value) && isValidResidentId(value)) kind = 'residentId';
    else if (/^1[3-9]\d{9}$/.test(value)) kind = 'mobile';
    else if (/^\d{13,19}$/.test(digits) && passesLuhn(digits)) kind = 'bankCard';
    if (kind) out.push({ kind, start, end: start + value.length, value });
  }
  return out;
}

// Two-character surnames kept whole when masking a name (欧阳** rather than 欧***).
const COMPOUND_SURNAMES = new Set(['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '尉迟', '公孙', '慕容', '长孙', '宇文', '司徒', '夏侯', '令狐', '澹台', '端木', '轩辕', '西门', '南宫', '独孤', '百里', '呼延', '万俟', '闻人', '赫连']);

/** A person's name masked: 张* / 张*丰 / 欧阳** / 张**丰. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return chars.length === 0 ? '' : '*';
  const head = chars.slice(0, 2).join('');
  if (chars.length >= 3 && COMPOUND_SURNAMES.has(head)) return head + '*'.repeat(chars.length - 2);
  if (chars.length === 2) return `${chars[0] ?? ''}*`;
  return (chars[0] ?? '') + '*'.repeat(chars.length - 2) + (chars[chars.length - 1] ?? '');
}

/**
 * An address masked after its district or street: the dispatcher still sees
 * where (北京市海淀区马********), the house number is hidden.
 */
export function maskAddress(address: string): string {
  const chars = [...address.trim()];
  const text = chars.join('');
  const street = /^.*?(?:街道|镇|乡)/.exec(text)?.[0];
  const district = /^.*?(?:区|县|旗)/.exec(text)?.[0];
  const keepChars = [...(street ?? district ?? '')].length || Math.min(3, Math.floor(chars.length / 3));
  const keep = Math.min(keepChars + (street ? 0 : 1), chars.length);
  const hidden = chars.length - keep;
  return chars.slice(0, keep).join('') + '*'.repeat(Math.min(hidden, 8));
}

/** A contact field (mobile, landline or e-mail) masked; other text gets the free-text detector. */
export function maskContact(contact: string): string {
  const folded = foldFullWidth(contact.trim());
  const mail = /^([^@\s])[^@\s]*(@[^@\s]+)$/.exec(folded);
  if (mail) return `${mail[1] ?? ''}***${mail[2] ?? ''}`;
  const landline = /^(0\d{2,3})-?(\d{7,8})$/.exec(folded);
  if (landline) return `${landline[1] ?? ''}-****${(landline[2] ?? '').slice(-4)}`;
  return maskText(contact);
}

/** The masked form of one value. */
export function maskValue(kind: PiiKind, value: string): string {
  switch (kind) {
    case 'residentId':
      return `${value.slice(0, 6)}********${value.slice(-4)}`;
    case 'mobile':
      return `${value.slice(0, 3)}****${value.slice(-4)}`;
    case 'bankCard': {
      const digits = value.replace(/[ -]/g, '');
      const middle = Math.max(0, Math.ceil((digits.length - 8) / 4));
      return [digits.slice(0, 4), ...Array.from({ length: middle }, () => '****'), digits.slice(-4)].join(' ');
    }
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** Replace every personal-data finding in a text by its masked form. */
export function maskText(text: string): string {
  const findings = detectPii(text);
  if (findings.length === 0) return text;
  let out = '';
  let pos = 0;
  for (const f of findings) {
    out += text.slice(pos, f.start) + maskValue(f.kind, f.value);
    pos = f.end;
  }
  return out + text.slice(pos);
}

/** Mask personal data in every string of a JSON-like value (keys, numbers and booleans are kept). */
export function maskDeep(value: unknown): unknown {
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) return value.map(maskDeep);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v)]));
  return value;
}
