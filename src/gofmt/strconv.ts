// The parts of Go's strconv that fmt needs: Quote/QuoteToASCII/QuoteRune, CanBackquote, IsPrint and FormatFloat.
//
// Go strings are UTF-8 bytes, ours are UTF-16 with invalid bytes escaped (govalue/bytes.ts). Everything here works
// on code points; an escaped byte reads as U+FFFD of width one byte, as Go's utf8.DecodeRuneInString reads it.

import { escapedByteAt } from '../govalue/bytes.js';

/* eslint-disable @typescript-eslint/no-non-null-assertion -- ported line by line from Go, whose indexing is
   bounds-checked at run time: each `!` marks an index the code around it (a loop bound, a length check) keeps in
   range, as Go's code relies on. Narrowing each one would make the port diverge from Go's and add branches to hot
   paths of the engine. */

export const MAX_RUNE = 0x10ffff;
export const RUNE_ERROR = 0xfffd;
const LOWER_HEX = '0123456789abcdef';

// Go's unicode.IsPrint: categories L, M, N, P, S plus U+0020. Go 1.19 ships Unicode 13 tables while Node's
// regexp uses its ICU version (Unicode 15), so code points assigned in Unicode 14/15 are printable here but
// escaped by Go 1.19. That is the only known divergence. Made on first use (see isAlphaNumeric in gotemplate/lex.ts).
let printRe: RegExp | undefined;

/** strconv.IsPrint. */
export function isPrint(r: number): boolean {
  if (r <= 0xff) {
    if (r >= 0x20 && r <= 0x7e) return true;
    if (r >= 0xa1 && r <= 0xff) return r !== 0xad; // soft hyphen is a format character
    return false;
  }
  if (r > MAX_RUNE || (r >= 0xd800 && r <= 0xdfff)) return false;
  return (printRe ??= /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u).test(String.fromCodePoint(r));
}

/** Code point at UTF-16 index i; lone surrogates read as U+FFFD. Width in UTF-16 units is 1 or 2. */
function runeAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return c;
  if (c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
  }
  return RUNE_ERROR;
}

function hexRune(prefix: string, r: number, digits: number): string {
  let s = prefix;
  for (let shift = (digits - 1) * 4; shift >= 0; shift -= 4) s += LOWER_HEX[Math.floor(r / 2 ** shift) & 0xf];
  return s;
}

function escapeRune(r: number): string {
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return hexRune('\\x', r, 2); // DEL as \x7f since Go 1.19 (golang/go#52062)
  if (r > MAX_RUNE) r = RUNE_ERROR;
  if (r < 0x10000) return hexRune('\\u', r, 4);
  return hexRune('\\U', r, 8);
}

// strconv's quoteWith: copy printable runs unchanged, escape the rest.
function quoteWith(s: string, quote: number, asciiOnly: boolean): string {
  const q = String.fromCharCode(quote);
  let out = q;
  let start = 0; // start of the pending run that needs no escaping
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== quote && c !== 0x5c) {
      i++;
      continue;
    }
    const r = runeAt(s, i);
    const w = r >= 0x10000 ? 2 : 1;
    const b = r === RUNE_ERROR ? escapedByteAt(s, i) : -1; // an invalid byte (govalue/bytes.ts)
    if (r >= 0x80 && b < 0 && !asciiOnly && isPrint(r)) {
      i += w;
      continue;
    }
    if (i > start) out += s.slice(start, i);
    if (b >= 0) out += hexRune('\\x', b, 2); // an invalid byte: Go's `\xff`
    else if (r === quote || r === 0x5c) out += '\\' + String.fromCharCode(r);
    else out += escapeRune(r);
    i += w;
    start = i;
  }
  if (start === 0) return q + s + q;
  if (start < s.length) out += s.slice(start);
  return out + q;
}

/** strconv.Quote. */
export function quote(s: string): string {
  return quoteWith(s, 0x22, false);
}

/** strconv.QuoteToASCII. */
export function quoteToASCII(s: string): string {
  return quoteWith(s, 0x22, true);
}

/** strconv.QuoteRune / QuoteRuneToASCII (r must be a valid code point or it is replaced by U+FFFD). */
export function quoteRune(r: number, asciiOnly: boolean): string {
  if (r < 0 || r > MAX_RUNE || (r >= 0xd800 && r <= 0xdfff)) r = RUNE_ERROR;
  return quoteWith(String.fromCodePoint(r), 0x27, asciiOnly);
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      if (c === 0xfeff) return false; // BOMs are invisible
      if (escapedByteAt(s, i) >= 0) return false; // invalid UTF-8
      continue; // other multibyte runes are assumed printable
    }
    if ((c < 0x20 && c !== 0x09) || c === 0x60 || c === 0x7f) return false;
  }
  return true;
}

/** Number of code points (Go: utf8.RuneCountInString of the UTF-8 form). */
export function runeCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** The first n code points of s. */
export function truncateRunes(s: string, n: number): string {
  let i = 0;
  for (; i < s.length && n > 0; n--) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
  }
  return i >= s.length ? s : s.slice(0, i);
}

// ---- FormatFloat ---------------------------------------------------------------------------------------------

interface FloatInfo {
  readonly mantbits: number;
  readonly expbits: number;
  readonly bias: number;
}
const FLOAT32: FloatInfo = { mantbits: 23, expbits: 8, bias: -127 };
const FLOAT64: FloatInfo = { mantbits: 52, expbits: 11, bias: -1023 };

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Decimal digits d (no leading or trailing zeros; '' for zero) with the decimal point after dp digits. */
interface Decimal {
  d: string;
  dp: number;
}

const pow5Cache: bigint[] = [1n];
function pow5(k: number): bigint {
  for (let i = pow5Cache.length; i <= k; i++) pow5Cache.push(pow5Cache[i - 1]! * 5n);
  return pow5Cache[k]!;
}

/** Exact decimal expansion of mant * 2^e2. */
function exactDecimal(mant: bigint, e2: number): Decimal {
  if (mant === 0n) return { d: '', dp: 0 };
  let s: string;
  let dp: number;
  if (e2 >= 0) {
    s = (mant << BigInt(e2)).toString();
    dp = s.length;
  } else {
    s = (mant * pow5(-e2)).toString();
    dp = s.length + e2;
  }
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0x30) end--;
  return { d: s.slice(0, end), dp };
}

function trimDecimal(d: string, dp: number): Decimal {
  let end = d.length;
  while (end > 0 && d.charCodeAt(end - 1) === 0x30) end--;
  return end === 0 ? { d: '', dp: 0 } : { d: d.slice(0, end), dp };
}

/** Go's decimal.Round: round to nd digits, halfway cases to even. */
function roundDecimal(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a;
  const c = a.d.charCodeAt(nd);
  let up: boolean;
  if (c === 0x35 && nd + 1 === a.d.length) up = nd > 0 && (a.d.charCodeAt(nd - 1) - 0x30) % 2 === 1;
  else up = c >= 0x35;
  if (!up) return trimDecimal(a.d.slice(0, nd), a.dp);
  for (let i = nd - 1; i >= 0; i--) {
    const ci = a.d.charCodeAt(i);
    if (ci < 0x39) return { d: a.d.slice(0, i) + String.fromCharCode(ci + 1), dp: a.dp };
  }
  return { d: '1', dp: a.dp + 1 };
}

/** Shortest decimal that reads back as the same float64 (V8 and Go both pick the closest of the shortest). */
function shortest64(x: number): Decimal {
  if (x === 0) return { d: '', dp: 0 };
  const s = x.toExponential();
  const e = s.indexOf('e');
  const digits = s[1] === '.' ? s[0]! + s.slice(2, e) : s.slice(0, e);
  return trimDecimal(digits, Number(s.slice(e + 1)) + 1);
}

/** Shortest decimal that reads back as the same float32. */
function shortest32(x: number, mant: bigint, e2: number): Decimal {
  const exact = exactDecimal(mant, e2);
  for (let p = 1; p < exact.d.length; p++) {
    const r = roundDecimal(exact, p);
    if (Math.fround(Number(`0.${r.d}e${r.dp}`)) === x) return r;
  }
  return exact;
}

function fmtE(neg: boolean, d: Decimal, prec: number, fmt: string): string {
  let s = neg ? '-' : '';
  s += d.d.length > 0 ? d.d[0] : '0';
  if (prec > 0) {
    s += '.';
    const m = Math.min(d.d.length, prec + 1);
    if (m > 1) s += d.d.slice(1, m);
    if (prec + 1 > Math.max(m, 1)) s += '0'.repeat(prec + 1 - Math.max(m, 1));
  }
  s += fmt;
  let exp = d.d.length === 0 ? 0 : d.dp - 1;
  if (exp < 0) {
    s += '-';
    exp = -exp;
  } else s += '+';
  return s + (exp < 10 ? '0' + exp : String(exp));
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let s = neg ? '-' : '';
  if (d.dp > 0) {
    const m = Math.min(d.d.length, d.dp);
    s += d.d.slice(0, m);
    if (m < d.dp) s += '0'.repeat(d.dp - m);
  } else s += '0';
  if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) {
      const j = d.dp + i;
      s += j >= 0 && j < d.d.length ? d.d[j] : '0';
    }
  }
  return s;
}

function formatDigits(shortest: boolean, neg: boolean, d: Decimal, prec: number, fmt: string): string {
  switch (fmt) {
    case 'e':
    case 'E':
      return fmtE(neg, d, prec, fmt);
    case 'f':
      return fmtF(neg, d, prec);
    case 'g':
    case 'G': {
      const nd = d.d.length;
      let eprec = prec;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      // %e is used if the exponent from the conversion is less than -4 or greater than or equal to the
      // precision; shortest mode uses precision 6 for this decision.
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        return fmtE(neg, d, prec - 1, fmt === 'g' ? 'e' : 'E');
      }
      if (prec > d.dp) prec = nd;
      return fmtF(neg, d, Math.max(prec - d.dp, 0));
    }
  }
  return '%' + fmt;
}

const MASK64 = (1n << 64n) - 1n;

// %x: -0x1.yyyyyyyyp±ddd or -0x0p+00
function fmtX(prec: number, fmt: string, neg: boolean, mant: bigint, exp: number, flt: FloatInfo): string {
  if (mant === 0n) exp = 0;
  // Shift digits so the leading 1 (if any) is at bit 1<<60.
  mant <<= BigInt(60 - flt.mantbits);
  while (mant !== 0n && (mant & (1n << 60n)) === 0n) {
    mant <<= 1n;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & ((1n << 60n) - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = fmt === 'X' ? '0123456789ABCDEF' : LOWER_HEX;
  let s = (neg ? '-' : '') + '0' + fmt + String((mant >> 60n) & 1n);
  mant = (mant << 4n) & MASK64;
  if (prec < 0 && mant !== 0n) {
    s += '.';
    while (mant !== 0n) {
      s += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & MASK64;
    }
  } else if (prec > 0) {
    s += '.';
    for (let i = 0; i < prec; i++) {
      s += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & MASK64;
    }
  }
  s += fmt === 'X' ? 'P' : 'p';
  if (exp < 0) {
    s += '-';
    exp = -exp;
  } else s += '+';
  return s + (exp < 10 ? '0' + exp : String(exp));
}

/**
 * strconv.FormatFloat(v, fmt, prec, bitSize): fmt is one of b e E f g G x X; prec -1 means shortest.
 * For bitSize 32, v is first rounded to float32.
 */
export function formatFloat(v: number, fmt: string, prec: number, bitSize: 32 | 64): string {
  // Fast path for %v: in this range both Go's shortest %g and Number.prototype.toString print the shortest
  // round-trip digits in plain decimal form.
  if (prec < 0 && fmt === 'g' && bitSize === 64) {
    const a = v < 0 ? -v : v;
    if (a >= 1e-4 && a < 1e6) return String(v);
  }
  const flt = bitSize === 32 ? FLOAT32 : FLOAT64;
  let neg: boolean;
  let exp: number;
  let mant: bigint;
  if (bitSize === 32) {
    f32[0] = v;
    const bits = u32[0]!;
    neg = bits >>> 31 !== 0;
    exp = (bits >>> 23) & 0xff;
    mant = BigInt(bits & 0x7fffff);
  } else {
    f64[0] = v;
    const bits = u64[0]!;
    neg = bits >> 63n !== 0n;
    exp = Number((bits >> 52n) & 0x7ffn);
    mant = bits & 0xfffffffffffffn;
  }
  if (exp === (1 << flt.expbits) - 1) {
    if (mant !== 0n) return 'NaN';
    return neg ? '-Inf' : '+Inf';
  }
  if (exp === 0) exp++;
  else mant |= 1n << BigInt(flt.mantbits);
  exp += flt.bias;

  if (fmt === 'b') {
    const e = exp - flt.mantbits;
    return `${neg ? '-' : ''}${mant}p${e >= 0 ? '+' : ''}${e}`;
  }
  if (fmt === 'x' || fmt === 'X') return fmtX(prec, fmt, neg, mant, exp, flt);

  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    const abs = Math.abs(bitSize === 32 ? Math.fround(v) : v);
    d = bitSize === 32 ? shortest32(abs, mant, exp - flt.mantbits) : shortest64(abs);
    switch (fmt) {
      case 'e':
      case 'E':
        prec = Math.max(d.d.length - 1, 0);
        break;
      case 'f':
        prec = Math.max(d.d.length - d.dp, 0);
        break;
      case 'g':
      case 'G':
        prec = d.d.length;
        break;
    }
  } else {
    d = exactDecimal(mant, exp - flt.mantbits);
    switch (fmt) {
      case 'e':
      case 'E':
        d = roundDecimal(d, prec + 1);
        break;
      case 'f':
        d = roundDecimal(d, d.dp + prec);
        break;
      case 'g':
      case 'G':
        if (prec === 0) prec = 1;
        d = roundDecimal(d, prec);
        break;
    }
  }
  return formatDigits(shortest, neg, d, prec, fmt);
}
