// The Go value model shared by the template engine (src/gotemplate) and fmt (src/gofmt).
//
// Go keeps int, float64, string, bool, nil, slices, maps and structs apart, and templates depend on it
// (`printf "%d" 1.5` prints `%!d(float64=1.5)`, `eq 1 1.0` is an error). JavaScript does not, so every Go value
// has exactly one representation here:
//
//   Go                              JavaScript
//   ------------------------------  -----------------------------------------------------------------
//   nil (untyped / nil interface)   null
//   bool                            boolean
//   string                          string: valid UTF-8 as text, other bytes escaped (see bytes.ts)
//   int                             number (always an integer), or bigint when outside ±(2^53-1)
//   float64                         GoFloat
//   complex128                      GoComplex
//   other numeric types             GoTyped (int8..int64, uint..uint64, uintptr, float32), v: number | bigint
//   []T                             Array, element type in the SLICE_ELEM tag (untagged: []interface{})
//   map[K]V                         Map, key and element types in the MAP_TYPE tag (untagged: map[string]interface{})
//   struct / *struct                an object carrying GO_TYPE (a StructType or a PtrType to one)
//   func                            GoFunc
//   error                           GoError
//
// `undefined` is not a Go value: the engine uses it internally for Go's invalid reflect.Value ("<no value>").

export type IntName = 'int' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'uintptr';
export type FloatName = 'float32' | 'float64';
export type ComplexName = 'complex64' | 'complex128';

export type GoType =
  | { readonly kind: 'bool' }
  | { readonly kind: 'string' }
  | { readonly kind: 'int'; readonly name: IntName }
  | { readonly kind: 'float'; readonly name: FloatName }
  | { readonly kind: 'complex'; readonly name: ComplexName }
  | { readonly kind: 'interface'; readonly name: string } // 'interface {}' or 'error'
  | { readonly kind: 'slice'; readonly elem: GoType; /** named slice types (memkv.KVPairs) */ readonly name?: string }
  | { readonly kind: 'map'; readonly key: GoType; readonly elem: GoType }
  | StructType
  | PtrType
  | FuncType;

export interface StructField {
  readonly name: string;
  readonly type: GoType;
}
export interface StructType {
  readonly kind: 'struct';
  /** Qualified name as %T prints it, e.g. "memkv.KVPair", "time.Time". */
  readonly name: string;
  readonly fields: readonly StructField[];
}
export interface PtrType {
  readonly kind: 'ptr';
  readonly elem: GoType;
}
export interface FuncType {
  readonly kind: 'func';
  readonly params: readonly GoType[];
  /** Element type of a trailing variadic parameter (`...T`), if any. */
  readonly variadic?: GoType;
  /** Go allows one result, or one result plus error. */
  readonly result: GoType;
  readonly returnsError: boolean;
}

// ---- type constructors and the common types --------------------------------------------------------------

export const T = {
  bool: { kind: 'bool' } as GoType,
  string: { kind: 'string' } as GoType,
  int: { kind: 'int', name: 'int' } as GoType,
  int64: { kind: 'int', name: 'int64' } as GoType,
  int32: { kind: 'int', name: 'int32' } as GoType,
  uint8: { kind: 'int', name: 'uint8' } as GoType,
  uint16: { kind: 'int', name: 'uint16' } as GoType,
  float64: { kind: 'float', name: 'float64' } as GoType,
  complex128: { kind: 'complex', name: 'complex128' } as GoType,
  any: { kind: 'interface', name: 'interface {}' } as GoType,
  error: { kind: 'interface', name: 'error' } as GoType,
  slice: (elem: GoType): GoType => ({ kind: 'slice', elem }),
  map: (key: GoType, elem: GoType): GoType => ({ kind: 'map', key, elem }),
  ptr: (elem: GoType): PtrType => ({ kind: 'ptr', elem }),
} as const;

export const SLICE_ANY = T.slice(T.any);
export const SLICE_STRING = T.slice(T.string);
export const MAP_STRING_ANY = T.map(T.string, T.any);
export const MAP_STRING_STRING = T.map(T.string, T.string);

/** Go's spelling of a type, as `%T` and error messages print it. */
export function typeString(t: GoType): string {
  switch (t.kind) {
    case 'bool':
      return 'bool';
    case 'string':
      return 'string';
    case 'int':
    case 'float':
    case 'complex':
    case 'interface':
    case 'struct':
      return t.name;
    case 'slice':
      return t.name ?? `[]${typeString(t.elem)}`;
    case 'map':
      return `map[${typeString(t.key)}]${typeString(t.elem)}`;
    case 'ptr':
      return `*${typeString(t.elem)}`;
    case 'func': {
      const ps = t.params.map(typeString);
      if (t.variadic) ps.push(`...${typeString(t.variadic)}`);
      const r = typeString(t.result);
      return `func(${ps.join(', ')}) ${t.returnsError ? `(${r}, error)` : r}`;
    }
  }
}

export function typesEqual(a: GoType, b: GoType): boolean {
  return a === b || typeString(a) === typeString(b);
}

/**
 * Go's assignability for the types we model: identical types, or a named slice type and an unnamed slice type
 * with identical element types (memkv.KVPairs is assignable to []memkv.KVPair and back).
 */
export function assignableType(from: GoType, to: GoType): boolean {
  if (typesEqual(from, to)) return true;
  return from.kind === 'slice' && to.kind === 'slice' && (from.name === undefined || to.name === undefined) && typesEqual(from.elem, to.elem);
}

// ---- value classes and tags --------------------------------------------------------------------------------

/** A float64. Wrapped so that it never mixes with int. */
export class GoFloat {
  constructor(readonly v: number) {}
}

/** A complex128: template constants like `1i` and `1+2i` (text/template's idealConstant). */
export class GoComplex {
  constructor(
    readonly re: number,
    readonly im: number,
  ) {}
}

/** A numeric value of a type other than int and float64 (uint8 from `index "s" 0`, uint16 ports, ...). */
export class GoTyped {
  constructor(
    readonly type: GoType & { kind: 'int' | 'float' },
    readonly v: number | bigint,
  ) {}
}

/** A Go error value (e.g. returned inside a value, or printed by fmt). */
export class GoError {
  constructor(readonly message: string) {}
  error(): string {
    return this.message;
  }
}

/** A callable Go function value: template functions (function maps), methods, and `call` targets. */
export class GoFunc {
  constructor(
    readonly type: FuncType,
    /** Receives converted arguments; throws to return an error (the engine reports "error calling NAME: msg"). */
    readonly fn: (...args: unknown[]) => unknown,
    /**
     * The result depends on the arguments alone (no clock, environment, DNS, files or other hidden state), and
     * any value it returns is fresh or immutable: a memoised template body may call it and be reused. (Sorting an
     * argument in place is fine: memoised bodies only take primitive inputs.) Default false.
     */
    readonly deterministic: boolean = false,
    /**
     * The function reads state whose changes this tracker records (a KV store's getv, ls, ...): a memoised body
     * may call it when the template is memoised with this same tracker.
     */
    readonly tracker?: MemoTracker,
  ) {}
}

/**
 * Dependency tracking for memoised template execution (see src/gotemplate/index.ts). A data source whose template
 * functions carry it (GoFunc.tracker) records, while a recording is open, what those functions read; `valid`
 * later tells whether any of it has changed since. The engine treats recorded dependencies as opaque values.
 * Recordings nest: what an inner recording read is part of the enclosing one too.
 */
export interface MemoTracker {
  /** Opens a recording (nested in the current one, if any). */
  begin(): void;
  /** Closes the innermost recording and returns its dependencies; they are also added to the enclosing one. */
  end(): unknown;
  /** Adds dependencies recorded earlier (a reused result's) to the current recording, if one is open. */
  reuse(deps: unknown): void;
  /** Whether nothing `deps` covers has changed since it was recorded. */
  valid(deps: unknown): boolean;
  /** Closes every open recording (an execution ended, possibly with an error). */
  reset(): void;
}

/** Tag on arrays: the Go element type. Untagged arrays are []interface{}. */
export const SLICE_ELEM: unique symbol = Symbol.for('confd-ts.go.sliceElem');
/** Tag on arrays of a named slice type (`type KVPairs []KVPair`): its qualified name, as %T prints it. */
export const SLICE_NAME: unique symbol = Symbol.for('confd-ts.go.sliceName');
/** Tag on Maps: the Go map type. Untagged Maps are map[string]interface{}. */
export const MAP_TYPE: unique symbol = Symbol.for('confd-ts.go.mapType');
/** Property on struct objects: their StructType, or a PtrType to it for pointers to structs. */
export const GO_TYPE: unique symbol = Symbol.for('confd-ts.go.type');
/** Optional property on struct objects: methods by name, callable from templates (`.Format "2006"`). */
export const GO_METHODS: unique symbol = Symbol.for('confd-ts.go.methods');
/** Optional method on struct objects: Go's fmt.Stringer. */
export const GO_STRING: unique symbol = Symbol.for('confd-ts.go.string');

export interface GoStruct {
  readonly [GO_TYPE]: StructType | PtrType;
  readonly [GO_METHODS]?: Readonly<Record<string, GoFunc>>;
  [GO_STRING]?(): string;
  readonly [field: string]: unknown;
}

export type GoSlice = unknown[] & { [SLICE_ELEM]?: GoType; [SLICE_NAME]?: string };
export type GoMap = Map<unknown, unknown> & { [MAP_TYPE]?: GoType & { kind: 'map' } };

/** Tag `arr` as a []elem and return it (arrays are tagged in place: no copy). */
export function goSlice<A extends unknown[]>(elem: GoType, arr: A): A {
  if (elem.kind !== 'interface' || elem.name !== 'interface {}') {
    Object.defineProperty(arr, SLICE_ELEM, { value: elem, enumerable: false, writable: true, configurable: true });
  }
  return arr;
}

/** Tag `m` as a map[key]elem and return it. */
export function goMap<M extends Map<unknown, unknown>>(key: GoType, elem: GoType, m: M): M {
  Object.defineProperty(m, MAP_TYPE, { value: T.map(key, elem), enumerable: false, writable: true, configurable: true });
  return m;
}

export function isStruct(v: unknown): v is GoStruct {
  return typeof v === 'object' && v !== null && GO_TYPE in v;
}

/** The Go dynamic type of a value; null (untyped nil) has none. */
export function typeOf(v: unknown): GoType | null {
  switch (typeof v) {
    case 'string':
      return T.string;
    case 'boolean':
      return T.bool;
    case 'number':
    case 'bigint':
      return T.int;
    case 'object':
      if (v === null) return null;
      if (v instanceof GoFloat) return T.float64;
      if (v instanceof GoComplex) return T.complex128;
      if (v instanceof GoTyped) return v.type;
      if (Array.isArray(v)) {
        const elem = (v as GoSlice)[SLICE_ELEM] ?? T.any;
        const name = (v as GoSlice)[SLICE_NAME];
        return name === undefined ? T.slice(elem) : { kind: 'slice', elem, name };
      }
      if (v instanceof Map) return (v as GoMap)[MAP_TYPE] ?? MAP_STRING_ANY;
      if (v instanceof GoFunc) return v.type;
      if (v instanceof GoError) return ERROR_STRING_PTR;
      if (isStruct(v)) return v[GO_TYPE];
      break;
  }
  throw new TypeError(`not a Go value: ${String(v)}`);
}

/** Go's errors.New value type: *errors.errorString. */
export const ERROR_STRING_PTR: PtrType = T.ptr({ kind: 'struct', name: 'errors.errorString', fields: [{ name: 's', type: T.string }] });

/** Zero value of a type, as Go's reflect.Zero gives it (used for missing map keys, `index` past nil, ...). */
export function zeroValue(t: GoType): unknown {
  switch (t.kind) {
    case 'bool':
      return false;
    case 'string':
      return '';
    case 'int':
      return t.name === 'int' ? 0 : new GoTyped(t, 0);
    case 'float':
      return t.name === 'float64' ? new GoFloat(0) : new GoTyped(t, 0);
    case 'complex':
      return new GoComplex(0, 0);
    case 'slice':
      return goSlice(t.elem, []);
    case 'map':
    case 'interface':
    case 'ptr':
    case 'func':
      return null;
    case 'struct': {
      const o: Record<string | symbol, unknown> = { [GO_TYPE]: t };
      for (const f of t.fields) o[f.name] = zeroValue(f.type);
      return o;
    }
  }
}

/** Numeric value of an int-kind or float-kind Go value, or undefined if `v` is not numeric. */
export function numericValue(v: unknown): number | bigint | undefined {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (v instanceof GoFloat || v instanceof GoTyped) return v.v;
  return undefined;
}

export { byteLength } from './bytes.js';

/** Build a template function value from a signature and an implementation. */
export function goFunc(
  sig: {
    params: readonly GoType[];
    variadic?: GoType;
    result: GoType;
    returnsError?: boolean;
    /** See GoFunc.deterministic. */
    deterministic?: boolean;
    /** See GoFunc.tracker. */
    tracker?: MemoTracker;
  },
  fn: (...args: never[]) => unknown,
): GoFunc {
  const type: FuncType = {
    kind: 'func',
    params: sig.params,
    result: sig.result,
    returnsError: sig.returnsError ?? false,
    ...(sig.variadic ? { variadic: sig.variadic } : {}),
  };
  return new GoFunc(type, fn as (...args: unknown[]) => unknown, sig.deterministic ?? false, sig.tracker);
}

/** A function map, as Go's template.FuncMap. */
export type FuncMap = Readonly<Record<string, GoFunc>>;
