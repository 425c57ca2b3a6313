// The parts of Go's strconv that confd's functions and the file backend expose: Quote (for error texts),
// ParseBool, Atoi, FormatFloat(f, 'f', -1, 64), with Go's exact results and error texts.

import { quote } from '../../gofmt/strconv.js';
import { parseBool as goParseBool } from '../../golib/strconv.js';

/** Go's strconv.Quote (gofmt's: one implementation of Go's quoting for fmt, templates and these errors). */
export { quote as goQuote };

export class NumError extends Error {
  override readonly name = 'NumError';
  constructor(fn: string, input: string, reason: 'invalid syntax' | 'value out of range') {
    super(`strconv.${fn}: parsing ${quote(input)}: ${reason}`);
  }
}

/** strconv.ParseBool, with Go's error (the table is golib/strconv.ts). */
export function parseBool(s: string): boolean {
  const b = goParseBool(s);
  if (b === undefined) throw new NumError('ParseBool', s, 'invalid syntax');
  return b;
}

export const MIN_INT64 = -(2n ** 63n);
export const MAX_INT64 = 2n ** 63n - 1n;

/** A Go int (64-bit) as the value model holds it: a number when safe, else a bigint. */
export function goInt(v: bigint): number | bigint {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** strconv.Atoi (base 10, optional sign, 64-bit range). */
export function atoi(s: string): number | bigint {
  let i = 0;
  let neg = false;
  if (s.length > 0 && (s[0] === '+' || s[0] === '-')) {
    neg = s[0] === '-';
    i = 1;
  }
  if (i === s.length) throw new NumError('Atoi', s, 'invalid syntax');
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x30 || c > 0x39) throw new NumError('Atoi', s, 'invalid syntax');
  }
  let v = BigInt(s.slice(i));
  if (neg) v = -v;
  if (v < MIN_INT64 || v > MAX_INT64) throw new NumError('Atoi', s, 'value out of range');
  return goInt(v);
}

/** strconv.FormatFloat(f, 'f', -1, 64): the shortest decimal that round-trips, never in exponent form. */
export function formatFloatF(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  if (Object.is(f, -0)) return '-0';
  const s = String(f); // shortest round-trip digits (same digits as Go's shortest formatting)
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return s;
  const sign = m[1] as string;
  const digits = (m[2] as string) + (m[3] ?? '');
  const exp = Number(m[4]) - (m[3] ?? '').length; // value = digits * 10^exp
  if (exp >= 0) return sign + digits + '0'.repeat(exp);
  const point = digits.length + exp;
  if (point > 0) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign}0.${'0'.repeat(-point)}${digits}`;
}
