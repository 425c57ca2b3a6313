// Builtin template functions (port of text/template/funcs.go, Go 1.19) and the value helpers they share with
// the executor. Values are govalue values; `undefined` is Go's invalid reflect.Value ("<no value>") and `null`
// a nil interface (or nil pointer/map: the value model does not tell them apart).

/* eslint-disable @typescript-eslint/no-non-null-assertion -- ported line by line from Go, whose indexing is
   bounds-checked at run time: each `!` marks an index the code around it (a loop bound, a length check) keeps in
   range, as Go's code relies on. Narrowing each one would make the port diverge from Go's and add branches to hot
   paths of the engine. */

import { compareStrings } from '../gofmt/fmtsort.js';
import { byteAt, byteSlice, encodeBytes } from '../govalue/bytes.js';
import { formatPlan, isPrint, sprint, sprintf, sprintln } from '../gofmt/index.js';
import {
  GO_STRING,
  GO_TYPE,
  GoComplex,
  GoError,
  GoFloat,
  GoFunc,
  GoTyped,
  T,
  byteLength,
  assignableType,
  goFunc,
  goSlice,
  isStruct,
  typeOf,
  typeString,
  zeroValue,
  SLICE_ELEM,
  type GoSlice,
  type GoMap,
  type GoType,
  type MemoTracker,
  MAP_STRING_ANY,
  MAP_TYPE,
} from '../govalue/index.js';

/**
 * A parameter type: a Go type, or REFLECT_VALUE for builtins declared with reflect.Value parameters (they get
 * the raw value, invalid included, with no conversion).
 */
export const REFLECT_VALUE = 'reflect.Value' as const;
export type ParamType = GoType | typeof REFLECT_VALUE;

/** A callable as the executor sees it: a function-map GoFunc, a builtin, or a method. */
export interface Callable {
  readonly params: readonly ParamType[];
  readonly variadic: ParamType | null;
  readonly fn: (...args: never[]) => unknown;
  readonly isBuiltin: boolean;
  /** A pure function of its arguments (GoFunc.deterministic): memoised bodies may call it. */
  readonly deterministic: boolean;
  /** State the function reads is tracked by this tracker (GoFunc.tracker). */
  readonly tracker: MemoTracker | undefined;
}

export function callableOf(f: GoFunc): Callable {
  return { params: f.type.params, variadic: f.type.variadic ?? null, fn: f.fn, isBuiltin: false, deterministic: f.deterministic, tracker: f.tracker };
}

/** The error a builtin returns; the executor reports it as "error calling NAME: msg". */
export class CallError extends Error {}

// ---- value helpers ----

/** The Go type name of a value, as %T and error messages print it. */
export function typeName(v: unknown): string {
  if (v === undefined) return '<nil>';
  const t = typeOf(v);
  return t === null ? '<nil>' : typeString(t);
}

/** Go's isTrue (walkIfOrWith, and, or, not): the value's truth, never failing in this value model. */
export function truth(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
      return v.length > 0;
    case 'boolean':
      return v;
    case 'number':
      return v !== 0;
    case 'bigint':
      return v !== 0n;
    case 'undefined':
      return false;
    case 'object':
      if (v === null) return false;
      if (Array.isArray(v)) return v.length > 0;
      if (v instanceof Map) return v.size > 0;
      if (v instanceof GoFloat) return v.v !== 0;
      if (v instanceof GoComplex) return v.re !== 0 || v.im !== 0;
      if (v instanceof GoTyped) return v.v != 0; // eslint-disable-line eqeqeq -- number | bigint
      return true; // structs, non-nil pointers, funcs, errors
  }
  return true;
}

export function canBeNil(t: ParamType | null): boolean {
  if (t === null || t === REFLECT_VALUE) return true;
  switch (t.kind) {
    case 'func':
    case 'interface':
    case 'map':
    case 'ptr':
    case 'slice':
      return true;
  }
  return false;
}

/** Whether a value of the dynamic type of `v` is assignable to `t` (Go's AssignableTo, for our value model). */
export function assignable(v: unknown, t: GoType): boolean {
  switch (t.kind) {
    case 'interface':
      if (t.name === 'interface {}') return true;
      if (t.name === 'error') return v instanceof GoError;
      return false;
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'int':
      if (t.name === 'int') return typeof v === 'number' || typeof v === 'bigint';
      return v instanceof GoTyped && v.type.name === t.name;
    case 'float':
      if (t.name === 'float64') return v instanceof GoFloat;
      return v instanceof GoTyped && v.type.name === t.name;
    default: {
      if (v === null || v === undefined) return false;
      const vt = typeOf(v);
      return vt !== null && assignableType(vt, t);
    }
  }
}

function intLike(t: GoType | null): boolean {
  return t !== null && t.kind === 'int';
}

/** Go's reflect Value.Convert between integer types (wrapping like Go's conversions). */
export function convertInt(v: unknown, t: GoType & { kind: 'int' }): unknown {
  let x = BigInt(v instanceof GoTyped ? v.v : (v as number | bigint));
  const bits = t.name === 'int8' || t.name === 'uint8' ? 8 : t.name === 'int16' || t.name === 'uint16' ? 16 : t.name === 'int32' || t.name === 'uint32' ? 32 : 64;
  x = t.name.startsWith('u') ? BigInt.asUintN(bits, x) : BigInt.asIntN(bits, x);
  if (t.name === 'int') return x >= -(2n ** 53n) + 1n && x <= 2n ** 53n - 1n ? Number(x) : x;
  return new GoTyped(t, bits <= 32 ? Number(x) : x >= -(2n ** 53n) + 1n && x <= 2n ** 53n - 1n ? Number(x) : x);
}

/** Go's prepareArg (used by call and index). */
function prepareArg(value: unknown, argType: GoType): unknown {
  if (value === undefined || value === null) {
    if (!canBeNil(argType)) throw new CallError(`value is nil; should be of type ${typeString(argType)}`);
    return zeroValue(argType);
  }
  if (assignable(value, argType)) return value;
  const vt = typeOf(value);
  if (intLike(vt) && argType.kind === 'int') return convertInt(value, argType);
  throw new CallError(`value has type ${typeName(value)}; should be ${typeString(argType)}`);
}

/** Go's int value of an int-kind value, as a bigint-safe number or bigint; undefined if not integer-kind. */
function intValue(v: unknown): { n: number | bigint; unsigned: boolean } | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return { n: v, unsigned: false };
  if (v instanceof GoTyped && v.type.kind === 'int') return { n: v.v, unsigned: v.type.name.startsWith('u') };
  return undefined;
}

function elemTypeOf(v: GoSlice): GoType {
  return v[SLICE_ELEM] ?? T.any;
}

function mapTypeOf(m: GoMap): GoType & { kind: 'map' } {
  return (m[MAP_TYPE] ?? MAP_STRING_ANY) as GoType & { kind: 'map' };
}

// ---- indexing and slicing ----

function indexArg(index: unknown, cap: number): number {
  const iv = intValue(index);
  if (iv === undefined) {
    if (index === undefined || index === null) throw new CallError('cannot index slice/array with nil');
    throw new CallError(`cannot index slice/array with type ${typeName(index)}`);
  }
  const x = iv.n;
  if (x < 0 || x > cap) throw new CallError(`index out of range: ${String(x)}`);
  return Number(x);
}

const UINT8: GoType & { kind: 'int' } = { kind: 'int', name: 'uint8' };

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new CallError('index of untyped nil');
  for (const idx of indexes) {
    if (item === null || item === undefined) throw new CallError('index of nil pointer');
    if (typeof item === 'string') {
      const n = byteLength(item);
      const x = indexArg(idx, n);
      if (x === n) throw new CallError(`index out of range: ${x}`);
      item = new GoTyped(UINT8, byteAt(item, x));
    } else if (Array.isArray(item)) {
      const x = indexArg(idx, item.length);
      if (x === item.length) throw new CallError(`index out of range: ${x}`);
      item = item[x];
    } else if (item instanceof Map) {
      const mt = mapTypeOf(item as GoMap);
      const key = prepareArg(idx, mt.key);
      item = item.has(key) ? item.get(key) : zeroValue(mt.elem);
    } else {
      throw new CallError(`can't index item of type ${typeName(item)}`);
    }
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new CallError('slice of untyped nil');
  if (indexes.length > 3) throw new CallError(`too many slice indexes: ${indexes.length}`);
  let cap: number;
  let len: number;
  if (typeof item === 'string') {
    if (indexes.length === 3) throw new CallError('cannot 3-index slice a string');
    cap = len = byteLength(item);
  } else if (Array.isArray(item)) {
    cap = len = item.length;
  } else {
    throw new CallError(`can't slice item of type ${typeName(item)}`);
  }
  const idx = [0, len, 0];
  indexes.forEach((x, i) => (idx[i] = indexArg(x, cap)));
  // given item[i:j], make sure i <= j.
  if (idx[0]! > idx[1]!) throw new CallError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (indexes.length === 3 && idx[1]! > idx[2]!) throw new CallError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  if (typeof item === 'string') return byteSlice(item, idx[0]!, idx[1]!);
  const arr = item as GoSlice;
  return goSlice(elemTypeOf(arr), arr.slice(idx[0], idx[1]));
}

function length(item: unknown): number {
  if (item === null) throw new CallError('len of nil pointer');
  if (typeof item === 'string') return byteLength(item);
  if (Array.isArray(item)) return item.length;
  if (item instanceof Map) return item.size;
  // Go calls item.Type() on the invalid value and recovers the panic.
  if (item === undefined) throw new CallError('reflect: call of reflect.Value.Type on zero Value');
  throw new CallError(`len of type ${typeName(item)}`);
}

// ---- function calls ----

/** Go's call builtin: call the first argument, which must be a function. */
function call(fnv: unknown, ...args: unknown[]): unknown {
  if (fnv === undefined || fnv === null) throw new CallError('call of nil');
  if (!(fnv instanceof GoFunc)) throw new CallError(`non-function of type ${typeName(fnv)}`);
  const typ = fnv.type;
  const numIn = typ.params.length + (typ.variadic ? 1 : 0);
  const ddd = typ.variadic ?? null;
  if (ddd !== null) {
    if (args.length < numIn - 1) throw new CallError(`wrong number of args: got ${args.length} want at least ${numIn - 1}`);
  } else if (args.length !== numIn) {
    throw new CallError(`wrong number of args: got ${args.length} want ${numIn}`);
  }
  const argv = args.map((arg, i) => {
    const argType = ddd === null || i < numIn - 1 ? typ.params[i]! : ddd;
    try {
      return prepareArg(arg, argType);
    } catch (e) {
      throw new CallError(`arg ${i}: ${(e as Error).message}`);
    }
  });
  const r = fnv.fn(...argv);
  return r === undefined ? null : r;
}

// ---- boolean logic (and/or are special-cased by the executor to short-circuit) ----

function and(arg0: unknown, ...args: unknown[]): unknown {
  if (!truth(arg0)) return arg0;
  for (const a of args) {
    arg0 = a;
    if (!truth(a)) break;
  }
  return arg0;
}

function or(arg0: unknown, ...args: unknown[]): unknown {
  if (truth(arg0)) return arg0;
  for (const a of args) {
    arg0 = a;
    if (truth(a)) break;
  }
  return arg0;
}

function not(arg: unknown): boolean {
  return !truth(arg);
}

// ---- comparison ----

const enum Kind {
  Invalid,
  Bool,
  Complex,
  Int,
  Float,
  String,
  Uint,
}

const errBadComparisonType = 'invalid type for comparison';
const errBadComparison = 'incompatible types for comparison';
const errNoComparison = 'missing argument for comparison';

function basicKind(v: unknown): Kind {
  switch (typeof v) {
    case 'boolean':
      return Kind.Bool;
    case 'number':
    case 'bigint':
      return Kind.Int;
    case 'string':
      return Kind.String;
    case 'object':
      if (v instanceof GoFloat) return Kind.Float;
      if (v instanceof GoComplex) return Kind.Complex;
      if (v instanceof GoTyped) return v.type.kind === 'float' ? Kind.Float : v.type.name.startsWith('u') ? Kind.Uint : Kind.Int;
  }
  return Kind.Invalid;
}

function num(v: unknown): number | bigint {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  return (v as GoFloat | GoTyped).v;
}

/** The reflect.Kind family of a non-basic value, for canCompare. */
function reflectKind(v: unknown): string {
  if (v === undefined || v === null) return 'invalid';
  if (Array.isArray(v)) return 'slice';
  if (v instanceof Map) return 'map';
  if (v instanceof GoFunc) return 'func';
  if (v instanceof GoError) return 'ptr';
  if (isStruct(v)) return v[GO_TYPE].kind;
  return typeof v;
}

function comparable(v: unknown): boolean {
  const k = reflectKind(v);
  if (k === 'slice' || k === 'map' || k === 'func') return false;
  if (k === 'struct' && isStruct(v)) {
    const st = v[GO_TYPE];
    if (st.kind === 'struct') return st.fields.every((f) => comparable(v[f.name]));
  }
  return true;
}

/** Go's == on two comparable values of identical type (interface comparison). */
function goEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (typeof a !== 'object' || typeof b !== 'object') {
    // eslint-disable-next-line eqeqeq -- int is number | bigint
    return typeof a === typeof b || (typeof a === 'number' && typeof b === 'bigint') || (typeof a === 'bigint' && typeof b === 'number') ? a == b : false;
  }
  if (a instanceof GoFloat && b instanceof GoFloat) return a.v === b.v;
  if (a instanceof GoTyped && b instanceof GoTyped) return a.type.name === b.type.name && a.v == b.v; // eslint-disable-line eqeqeq
  if (isStruct(a) && isStruct(b)) {
    const ta = a[GO_TYPE];
    const tb = b[GO_TYPE];
    if (typeString(ta) !== typeString(tb)) return false;
    if (ta.kind === 'ptr') return false; // distinct pointers
    return ta.fields.every((f) => goEqual(a[f.name], b[f.name]));
  }
  return false;
}

function isNilValue(v: unknown): boolean {
  return v === undefined || v === null;
}

export function eq(arg1: unknown, ...arg2: unknown[]): boolean {
  if (arg1 === null) arg1 = undefined; // indirectInterface
  if (arg2.length === 0) throw new CallError(errNoComparison);
  const k1 = basicKind(arg1);
  for (let arg of arg2) {
    if (arg === null) arg = undefined;
    const k2 = basicKind(arg);
    let t = false;
    if (k1 !== k2) {
      // Special case: Can compare integer values regardless of type's sign.
      if (k1 === Kind.Int && k2 === Kind.Uint) {
        t = num(arg1) >= 0 && num(arg1) == num(arg); // eslint-disable-line eqeqeq
      } else if (k1 === Kind.Uint && k2 === Kind.Int) {
        t = num(arg) >= 0 && num(arg1) == num(arg); // eslint-disable-line eqeqeq
      } else if (arg1 !== undefined && arg !== undefined) {
        throw new CallError(errBadComparison);
      }
    } else {
      switch (k1) {
        case Kind.Bool:
        case Kind.String:
          t = arg1 === arg;
          break;
        case Kind.Float:
        case Kind.Int:
        case Kind.Uint:
          t = num(arg1) == num(arg); // eslint-disable-line eqeqeq
          break;
        case Kind.Complex:
          t = (arg1 as GoComplex).re === (arg as GoComplex).re && (arg1 as GoComplex).im === (arg as GoComplex).im;
          break;
        default: {
          const r1 = reflectKind(arg1);
          const r2 = reflectKind(arg);
          if (!(r1 === r2 || r1 === 'invalid' || r2 === 'invalid')) {
            throw new CallError(`non-comparable types ${sprintf('%s', [arg1])}: ${typeName(arg1)}, ${typeName(arg)}: ${sprintf('%v', [arg])}`);
          }
          if (isNilValue(arg1) || isNilValue(arg)) {
            t = isNilValue(arg) === isNilValue(arg1);
          } else {
            if (!comparable(arg)) throw new CallError(`non-comparable type ${sprintf('%s', [arg])}: ${typeName(arg)}`);
            t = goEqual(arg1, arg);
          }
        }
      }
    }
    if (t) return true;
  }
  return false;
}

export function ne(arg1: unknown, arg2: unknown): boolean {
  return !eq(arg1, arg2);
}

export function lt(arg1: unknown, arg2: unknown): boolean {
  if (arg1 === null) arg1 = undefined;
  const k1 = basicKind(arg1);
  if (k1 === Kind.Invalid) throw new CallError(errBadComparisonType);
  if (arg2 === null) arg2 = undefined;
  const k2 = basicKind(arg2);
  if (k2 === Kind.Invalid) throw new CallError(errBadComparisonType);
  if (k1 !== k2) {
    // Special case: Can compare integer values regardless of type's sign.
    if (k1 === Kind.Int && k2 === Kind.Uint) return num(arg1) < 0 || num(arg1) < num(arg2);
    if (k1 === Kind.Uint && k2 === Kind.Int) return num(arg2) >= 0 && num(arg1) < num(arg2);
    throw new CallError(errBadComparison);
  }
  switch (k1) {
    case Kind.Bool:
    case Kind.Complex:
      throw new CallError(errBadComparisonType);
    case Kind.String:
      return compareStrings(arg1 as string, arg2 as string) < 0;
    default:
      return num(arg1) < num(arg2);
  }
}

export function le(arg1: unknown, arg2: unknown): boolean {
  // <= is < or ==.
  return lt(arg1, arg2) || eq(arg1, arg2);
}

export function gt(arg1: unknown, arg2: unknown): boolean {
  // > is the inverse of <=.
  return !le(arg1, arg2);
}

export function ge(arg1: unknown, arg2: unknown): boolean {
  // >= is the inverse of <.
  return !lt(arg1, arg2);
}

// ---- escapers ----

/** Go's evalArgs for the escapers: a single string as is, else fmt.Sprint with "<no value>" for invalid/nil. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  return sprint(args.map((a) => (a === undefined || a === null ? '<no value>' : printable(a))));
}

/** printableValue's pointer indirection: fmt prints the struct a non-Stringer pointer points to. */
export function printable(v: unknown): unknown {
  if (isStruct(v) && v[GO_TYPE].kind === 'ptr' && v[GO_STRING] === undefined) {
    return { ...v, [GO_TYPE]: (v[GO_TYPE] as { elem: GoType }).elem };
  }
  return v;
}

export function htmlEscapeString(s: string): string {
  if (!/["'&<>\0]/.test(s)) return s;
  let out = '';
  for (const c of s) {
    switch (c) {
      case '"':
        out += '&#34;';
        break;
      case "'":
        out += '&#39;';
        break;
      case '&':
        out += '&amp;';
        break;
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      case '\0':
        out += '\uFFFD';
        break;
      default:
        out += c;
    }
  }
  return out;
}

export function jsEscapeString(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x80) {
      // Go decodes UTF-8; a lone surrogate cannot come from Go, treat as U+FFFD.
      const r = c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
      out += isPrint(r) ? String.fromCodePoint(r) : `\\u${r.toString(16).toUpperCase().padStart(4, '0')}`;
      continue;
    }
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '"':
        out += '\\"';
        break;
      case '<':
        out += '\\u003C';
        break;
      case '>':
        out += '\\u003E';
        break;
      case '&':
        out += '\\u0026';
        break;
      case '=':
        out += '\\u003D';
        break;
      default:
        out += c < 0x20 ? `\\u00${c.toString(16).toUpperCase().padStart(2, '0')}` : ch;
    }
  }
  return out;
}

/** net/url.QueryEscape. */
export function urlQueryEscape(s: string): string {
  let out = '';
  for (const b of encodeBytes(s)) {
    if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2d || b === 0x2e || b === 0x5f || b === 0x7e) {
      out += String.fromCharCode(b);
    } else if (b === 0x20) {
      out += '+';
    } else {
      out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

// ---- printf ----

/**
 * printf for a call site whose format is the constant `format` with `nargs` arguments after it (the executor
 * calls it with the format first, as printf): with one or two string arguments and a verb-only format (gofmt's
 * formatPlan, %s/%v only), the literals are concatenated without the per-call argument array and plan look-up;
 * exactly what sprintf's fast path computes. Anything else falls back to printf. Null when the format is not one
 * of these.
 */
export function printfFor(format: string, nargs: number): ((...args: unknown[]) => string) | null {
  const plan = formatPlan(format);
  if (plan === null || plan.verbs.length !== nargs || nargs === 0 || nargs > 2) return null;
  if (plan.verbs.some((v) => v === 0x64)) return null; // %d: only for strings here; numbers go through printf
  const [l0, l1, l2] = plan.lits as [string, string, string | undefined];
  if (nargs === 1) {
    return (f: unknown, a: unknown) => (typeof a === 'string' ? l0 + a + l1 : printf(f as string, a));
  }
  // The head (l0 a l1) of the last call, reused while `a` stays the same: in `range $h := ...` inside
  // `range $d := ...`, `printf "/x/%s/%s/ip" $d $h` repeats the head for every host (two rope nodes less a call).
  let lastA: string | undefined;
  let head = '';
  const l2s = l2 as string;
  return (f: unknown, a: unknown, b: unknown) => {
    if (typeof a !== 'string' || typeof b !== 'string') return printf(f as string, a, b);
    if (a !== lastA) {
      lastA = a;
      head = l0 + a + l1;
    }
    return head + b + l2s;
  };
}

/** The printf builtin's implementation (the executor specialises calls of it: printfFor). */
export { printf as PRINTF };

/** fmt.Sprintf (gofmt's sprintf has the fast path for the verb-only formats templates build keys with). */
function printf(format: string, ...args: unknown[]): string {
  return sprintf(format, args);
}

// ---- the builtin table ----

const V = REFLECT_VALUE;

/** Every builtin is deterministic except `call`, which runs an arbitrary function value. */
function builtin(params: ParamType[], variadic: ParamType | null, fn: (...args: never[]) => unknown, deterministic = true): Callable {
  return { params, variadic, fn, isBuiltin: true, deterministic, tracker: undefined };
}

function fromGoFunc(f: GoFunc): Callable {
  return { ...callableOf(f), isBuiltin: true, deterministic: true };
}

/** Go's builtins(): the functions every template can call. */
export const BUILTINS: ReadonlyMap<string, Callable> = new Map<string, Callable>([
  ['and', builtin([V], V, and as (...a: never[]) => unknown)],
  ['call', builtin([V], V, call as (...a: never[]) => unknown, false)],
  ['html', fromGoFunc(goFunc({ params: [], variadic: T.any, result: T.string }, (...a: unknown[]) => htmlEscapeString(evalArgs(a))))],
  ['index', builtin([V], V, index as (...a: never[]) => unknown)],
  ['slice', builtin([V], V, slice as (...a: never[]) => unknown)],
  ['js', fromGoFunc(goFunc({ params: [], variadic: T.any, result: T.string }, (...a: unknown[]) => jsEscapeString(evalArgs(a))))],
  ['len', builtin([V], null, length as (...a: never[]) => unknown)],
  ['not', builtin([V], null, not as (...a: never[]) => unknown)],
  ['or', builtin([V], V, or as (...a: never[]) => unknown)],
  ['print', fromGoFunc(goFunc({ params: [], variadic: T.any, result: T.string }, (...a: unknown[]) => sprint(a)))],
  ['printf', fromGoFunc(goFunc({ params: [T.string], variadic: T.any, result: T.string }, printf))],
  ['println', fromGoFunc(goFunc({ params: [], variadic: T.any, result: T.string }, (...a: unknown[]) => sprintln(a)))],
  ['urlquery', fromGoFunc(goFunc({ params: [], variadic: T.any, result: T.string }, (...a: unknown[]) => urlQueryEscape(evalArgs(a))))],
  ['eq', builtin([V], V, eq as (...a: never[]) => unknown)],
  ['ge', builtin([V, V], null, ge as (...a: never[]) => unknown)],
  ['gt', builtin([V, V], null, gt as (...a: never[]) => unknown)],
  ['le', builtin([V, V], null, le as (...a: never[]) => unknown)],
  ['lt', builtin([V, V], null, lt as (...a: never[]) => unknown)],
  ['ne', builtin([V, V], null, ne as (...a: never[]) => unknown)],
]);

