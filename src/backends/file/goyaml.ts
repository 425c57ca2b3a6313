// go-yaml v2's scalar resolution and confd's nodeWalk formatting, shared by the full YAML path (yaml.ts) and the
// fast subset parser (simpleyaml.ts). Kept apart from the `yaml` package so that the fast path never loads it.
//
// go-yaml v2 resolves untagged plain scalars with YAML 1.1's rules: yes/no/on/off/y/n are bools; 0x1F, 0o17, 017,
// 0b11, 1_000 are ints; `08` is the float 8. confd's nodeWalk formats values with strconv.Itoa for ints,
// FormatBool, FormatFloat 'f' -1 for floats; values of other types (null, uint64 above int64) produce no key.

import { pathJoin } from '../../memkv/gopath.js';
import { formatFloatF } from '../../resource/funcs/gostrconv.js';

export class Float {
  constructor(readonly v: number) {}
}
export class Uint64 {
  constructor(readonly v: bigint) {}
}
/** A resolved YAML value as go-yaml v2 decodes it into interface{}. */
export type GoYaml = string | bigint | boolean | null | Float | Uint64 | GoYaml[] | GoYamlMap;
export type GoYamlMap = Map<GoYaml, GoYaml>;

const MAX_INT64 = 2n ** 63n - 1n;
const MIN_INT64 = -(2n ** 63n);
const MAX_UINT64 = 2n ** 64n - 1n;

const BOOL_NULL: ReadonlyMap<string, boolean | null> = new Map<string, boolean | null>([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((s) => [s, true] as const),
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((s) => [s, false] as const),
  ...['', '~', 'null', 'Null', 'NULL'].map((s) => [s, null] as const),
]);
const SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ...['.nan', '.NaN', '.NAN'].map((s) => [s, NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((s) => [s, Infinity] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((s) => [s, -Infinity] as const),
]);
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/** strconv.ParseInt(s, 0, 64) / ParseUint: null on syntax error, 'range' when out of range. */
function parseGoInt(s: string, signed: boolean): bigint | null | 'range' {
  let i = 0;
  let neg = false;
  if (signed && (s[0] === '+' || s[0] === '-')) {
    neg = s[0] === '-';
    i = 1;
  }
  let base = 10;
  let digits = s.slice(i);
  if (/^0[xX]/.test(digits)) {
    base = 16;
    digits = digits.slice(2);
  } else if (/^0[oO]/.test(digits)) {
    base = 8;
    digits = digits.slice(2);
  } else if (/^0[bB]/.test(digits)) {
    base = 2;
    digits = digits.slice(2);
  } else if (digits.length > 1 && digits[0] === '0') {
    base = 8;
    digits = digits.slice(1);
  }
  const valid = base === 16 ? /^[0-9a-fA-F]+$/ : base === 8 ? /^[0-7]+$/ : base === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return null;
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  let v = BigInt(prefix + digits);
  if (neg) v = -v;
  if (signed ? v < MIN_INT64 || v > MAX_INT64 : v > MAX_UINT64) return 'range';
  return v;
}

/** The first characters of the words in BOOL_NULL and SPECIAL_FLOATS. */
function mayBeWord(c: number): boolean {
  switch (c) {
    case 0x79: // y
    case 0x59: // Y
    case 0x6e: // n
    case 0x4e: // N
    case 0x74: // t
    case 0x54: // T
    case 0x66: // f
    case 0x46: // F
    case 0x6f: // o
    case 0x4f: // O
    case 0x7e: // ~
    case 0x2e: // .
    case 0x2b: // +
    case 0x2d: // -
      return true;
    default:
      return false;
  }
}

/** go-yaml v2 resolve() for an untagged plain scalar. */
export function resolvePlain(s: string): GoYaml {
  // Every word of BOOL_NULL and SPECIAL_FLOATS is empty or starts with one of these: most scalars (hosts, names,
  // numbers) skip both lookups.
  if (s.length === 0 || mayBeWord(s.charCodeAt(0))) {
    const b = BOOL_NULL.get(s);
    if (b !== undefined) return b;
    const sf = SPECIAL_FLOATS.get(s);
    if (sf !== undefined) return new Float(sf);
  }
  const c = s[0];
  if (c === '.') {
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s)) {
      const f = Number(s);
      if (Number.isFinite(f)) return new Float(f);
    }
    return s;
  }
  if (c !== undefined && (c === '+' || c === '-' || (c >= '0' && c <= '9'))) {
    // Two dots (IP addresses, versions) fit no int syntax and YAML's float pattern allows one: a string. This
    // skips the regular expressions below for the most common value in key files.
    const dot = s.indexOf('.');
    if (dot >= 0 && s.indexOf('.', dot + 1) >= 0) return s;
    // (Timestamps would resolve here, but v2 hands them to interface{} as the original string anyway.)
    const plain = s.replaceAll('_', '');
    const iv = parseGoInt(plain, true);
    if (typeof iv === 'bigint') return iv;
    const uv = parseGoInt(plain, false);
    if (typeof uv === 'bigint') return new Uint64(uv);
    if (YAML_STYLE_FLOAT.test(plain)) {
      const f = Number(plain);
      if (Number.isFinite(f)) return new Float(f);
    }
    if (plain.startsWith('0b')) {
      const bv = parseGoInt(`0b${plain.slice(2)}`, true);
      if (typeof bv === 'bigint') return bv;
    } else if (plain.startsWith('-0b')) {
      const bv = parseGoInt(`-0b${plain.slice(3)}`, true);
      if (typeof bv === 'bigint') return bv;
    }
  }
  return s;
}

/** nodeWalk's formatting of a scalar, or undefined for the types it has no case for (null, uint64). */
export function goScalarString(v: GoYaml): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Float) return formatFloatF(v.v);
  return undefined;
}

/**
 * path.Join(dir, name) for nodeWalk, where `dir` is already clean and absolute (it is "/" or a previous join).
 * When `name` has no empty, "." or ".." segments the result is a concatenation; anything else goes to pathJoin.
 */
export function joinKey(dir: string, name: string): string {
  const n = name.length;
  const lead = n > 0 && name.charCodeAt(0) === 0x2f;
  // The usual name, checked with native searches (much cheaper than the loop below in cold code): an empty, "." or
  // ".." segment needs "//", "/.", a leading "." or a trailing "/" (which also covers "" and "/").
  if (n > 0 && name.charCodeAt(0) !== 0x2e && name.charCodeAt(n - 1) !== 0x2f && name.indexOf('//') < 0 && name.indexOf('/.') < 0) {
    if (dir === '/') return lead ? name : `/${name}`;
    return lead ? dir + name : `${dir}/${name}`;
  }
  return joinKeyScan(dir, name, lead);
}

/** joinKey for the other names: one look at each segment (apart, so that joinKey stays small to inline). */
function joinKeyScan(dir: string, name: string, lead: boolean): string {
  const n = name.length;
  let start = lead ? 1 : 0;
  if (start === n) return pathJoin(dir, name);
  for (let i = start; i <= n; i++) {
    if (i === n || name.charCodeAt(i) === 0x2f) {
      const len = i - start;
      if (len === 0 || (name.charCodeAt(start) === 0x2e && (len === 1 || (len === 2 && name.charCodeAt(start + 1) === 0x2e)))) {
        return pathJoin(dir, name);
      }
      start = i + 1;
    }
  }
  if (dir === '/') return lead ? name : `/${name}`;
  return lead ? dir + name : `${dir}/${name}`;
}
