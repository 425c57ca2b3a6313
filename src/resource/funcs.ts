// confd's template function map (resource/template/template_funcs.go, confd master built with Go 1.19) plus
// the store functions of memkv, with confd's names, argument types, results and errors.
//
// Seams (options) replace the process environment, the clock, DNS and the file system for tests and for the
// daemon's own policies. Everything else is a pure port of the Go standard library functions confd maps.

import { statSync } from 'node:fs';
import {
  GO_TYPE,
  GoFunc,
  SLICE_ELEM,
  SLICE_STRING,
  T,
  goFunc,
  goSlice,
  typeString,
  type FuncMap,
  type GoSlice,
  type PtrType,
  type StructType,
  GoTyped,
} from '../govalue/index.js';
import { KVPAIR_TYPE, SLICE_KVPAIR, type KVPair, type KVStore, compareGo, pathBase, pathDir, sliceName } from '../memkv/index.js';
import { byteLength, byteSlice, decodeBytes, encodeBytes, hasEscapedBytes, toValidUnicode } from '../govalue/bytes.js';
import { unmarshalArray, unmarshalObject } from './funcs/gojson.js';
import { goSortSlice } from './funcs/gosort.js';
import { atoi, goInt, parseBool } from './funcs/gostrconv.js';
import { LOCAL, TIME_TYPE, now, systemClock, type Clock, type Zone } from './funcs/gotime.js';
import { childProcess } from '../util/builtins.js';

/** One SRV record, as Go's net.SRV. */
export interface SRVRecord {
  /** Target host name, absolute (with the trailing dot, as Go returns it). */
  readonly target: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

/**
 * Synchronous DNS, because templates execute synchronously (Go's text/template calls functions inline).
 * Return null on any failure: confd turns lookup errors into empty results.
 */
export interface Resolver {
  /** Addresses of host, IPv4 and IPv6, as net.IP.String() prints them (any order). */
  lookupIP(host: string): readonly string[] | null;
  /** SRV records of the name (already `_service._proto.name` when service/proto are given). */
  lookupSRV(name: string): readonly SRVRecord[] | null;
}

export interface ConfdFuncsOptions {
  /**
   * Environment lookup for `getenv` (default: process.env). It must answer the same for a name as long as these
   * functions live: `getenv` is declared deterministic (see DETERMINISTIC), as a process's environment is fixed at
   * its start and confd-ts never changes its own.
   */
  readonly getenv?: (name: string) => string | undefined;
  /** Clock for `datetime` (default: the system clock). */
  readonly clock?: Clock;
  /** Zone `datetime` reports in (default: the local zone, like Go's time.Now). */
  readonly zone?: Zone;
  /** DNS for lookupIP/lookupIPV4/lookupIPV6/lookupSRV (default: createSyncResolver()). */
  readonly resolver?: Resolver;
  /** File existence for `fileExists` (default: os.Stat semantics, see isFileExist). */
  readonly fileExists?: (path: string) => boolean;
}

const SRV_TYPE: StructType = {
  kind: 'struct',
  name: 'net.SRV',
  fields: [
    { name: 'Target', type: T.string },
    { name: 'Port', type: T.uint16 },
    { name: 'Priority', type: T.uint16 },
    { name: 'Weight', type: T.uint16 },
  ],
};
const SRV_PTR: PtrType = T.ptr(SRV_TYPE);
const UINT16 = T.uint16 as typeof T.uint16 & { kind: 'int' };

/** confd's full function map: its own functions plus the store's `get gets getv getvs ls lsdir exists`. */
export function confdFuncs(store: KVStore, options: ConfdFuncsOptions = {}): FuncMap {
  const getenv = options.getenv ?? ((name: string) => process.env[name]);
  const clock = options.clock ?? systemClock;
  const zone = options.zone ?? LOCAL;
  let resolver = options.resolver;
  const dns = (): Resolver => (resolver ??= createSyncResolver());
  const fileExists = options.fileExists ?? isFileExist;

  const lookupIP = (host: string): string[] | null => {
    const ips = dns().lookupIP(host);
    if (ips === null) return null;
    return [...ips].sort(compareGo);
  };

  const funcs: FuncMap = {
    base: goFunc({ params: [T.string], result: T.string }, pathBase),
    dir: goFunc({ params: [T.string], result: T.string }, pathDir),
    split: goFunc({ params: [T.string, T.string], result: SLICE_STRING }, (s: string, sep: string) => goSlice(T.string, split(s, sep))),
    join: goFunc({ params: [SLICE_STRING, T.string], result: T.string }, (a: string[], sep: string) => a.join(sep)),
    json: goFunc({ params: [T.string], result: T.map(T.string, T.any), returnsError: true }, (s: string) => unmarshalObject(s)),
    jsonArray: goFunc({ params: [T.string], result: T.slice(T.any), returnsError: true }, (s: string) => unmarshalArray(s)),
    map: goFunc({ params: [], variadic: T.any, result: T.map(T.string, T.any), returnsError: true }, (...values: unknown[]) => createMap(values)),
    getenv: goFunc({ params: [T.string], variadic: T.string, result: T.string }, (key: string, ...v: string[]) => {
      const value = getenv(key) ?? '';
      return value === '' ? (v[0] ?? '') : value;
    }),
    datetime: goFunc({ params: [], result: TIME_TYPE }, () => now(clock, zone)),
    toUpper: goFunc({ params: [T.string], result: T.string }, (s: string) => toUpper(s)),
    toLower: goFunc({ params: [T.string], result: T.string }, (s: string) => toLower(s)),
    contains: goFunc({ params: [T.string, T.string], result: T.bool }, (s: string, sub: string) =>
      onBytes(sub, (b) => b(s).includes(b(sub)), () => s.includes(sub)),
    ),
    replace: goFunc({ params: [T.string, T.string, T.string, T.int], result: T.string }, (s: string, o: string, n: string, count: number | bigint) =>
      onBytes(o, (b) => fromLatin1(replace(b(s), b(o), b(n), Number(count))), () => replace(s, o, n, Number(count))),
    ),
    trimSuffix: goFunc({ params: [T.string, T.string], result: T.string }, (s: string, suffix: string) =>
      onBytes(
        suffix,
        (b) => (b(s).endsWith(b(suffix)) ? byteSlice(s, 0, byteLength(s) - byteLength(suffix)) : s),
        () => (suffix !== '' && s.endsWith(suffix) ? s.slice(0, s.length - suffix.length) : s),
      ),
    ),
    lookupIP: goFunc({ params: [T.string], result: SLICE_STRING }, (host: string) => goSlice(T.string, lookupIP(host) ?? [])),
    lookupIPV4: goFunc({ params: [T.string], result: SLICE_STRING }, (host: string) =>
      goSlice(T.string, (lookupIP(host) ?? []).filter((ip) => ip.includes('.'))),
    ),
    lookupIPV6: goFunc({ params: [T.string], result: SLICE_STRING }, (host: string) =>
      goSlice(T.string, (lookupIP(host) ?? []).filter((ip) => ip.includes(':'))),
    ),
    lookupSRV: goFunc({ params: [T.string, T.string, T.string], result: T.slice(SRV_PTR) }, (service: string, proto: string, name: string) => {
      const target = service === '' && proto === '' ? name : `_${service}._${proto}.${name}`;
      const records = dns().lookupSRV(target) ?? [];
      const values = records.map((r) => ({
        [GO_TYPE]: SRV_PTR,
        Target: r.target,
        Port: new GoTyped(UINT16, r.port),
        Priority: new GoTyped(UINT16, r.priority),
        Weight: new GoTyped(UINT16, r.weight),
      }));
      const key = (r: (typeof values)[number]): string => `${r.Target}${r.Port.v}${r.Priority.v}${r.Weight.v}`;
      return goSlice(SRV_PTR, goSortSlice(values, (a, b) => compareGo(key(a), key(b)) < 0));
    }),
    fileExists: goFunc({ params: [T.string], result: T.bool }, (p: string) => fileExists(p)),
    base64Encode: goFunc({ params: [T.string], result: T.string }, (s: string) => encodeBytes(s).toString('base64')),
    base64Decode: goFunc({ params: [T.string], result: T.string, returnsError: true }, (s: string) => base64Decode(s)),
    parseBool: goFunc({ params: [T.string], result: T.bool, returnsError: true }, (s: string) => parseBool(s)),
    reverse: goFunc({ params: [T.any], result: T.any }, (values: unknown) => reverse(values)),
    sortByLength: goFunc({ params: [SLICE_STRING], result: SLICE_STRING }, (values: string[]) =>
      goSortSlice(values, (a, b) => byteLength(a) < byteLength(b)),
    ),
    sortKVByLength: goFunc({ params: [SLICE_KVPAIR], result: SLICE_KVPAIR }, (values: KVPair[]) => {
      goSortSlice(values, (a, b) => byteLength(a.Key) < byteLength(b.Key));
      // Sorted in place; the result is a []memkv.KVPair even when the argument was a memkv.KVPairs (gets).
      return sliceName(values) === undefined ? values : goSlice(KVPAIR_TYPE, values.slice());
    }),
    add: goFunc({ params: [T.int, T.int], result: T.int }, (a: Int, b: Int) => intOp(a, b, '+')),
    sub: goFunc({ params: [T.int, T.int], result: T.int }, (a: Int, b: Int) => intOp(a, b, '-')),
    div: goFunc({ params: [T.int, T.int], result: T.int }, (a: Int, b: Int) => intOp(a, b, '/')),
    mod: goFunc({ params: [T.int, T.int], result: T.int }, (a: Int, b: Int) => intOp(a, b, '%')),
    mul: goFunc({ params: [T.int, T.int], result: T.int }, (a: Int, b: Int) => intOp(a, b, '*')),
    seq: goFunc({ params: [T.int, T.int], result: T.slice(T.int) }, (first: Int, last: Int) => seq(first, last)),
    atoi: goFunc({ params: [T.string], result: T.int, returnsError: true }, (s: string) => atoi(s)),
  };
  // Declare the pure ones deterministic, so memoised templates may reuse output that calls them. A function not
  // listed (datetime, the DNS lookups, fileExists, anything added later) keeps the safe default.
  const pure: Record<string, GoFunc> = {};
  for (const [name, f] of Object.entries(funcs)) pure[name] = DETERMINISTIC.has(name) ? new GoFunc(f.type, f.fn, true) : f;
  // confd: tr.funcMap = newFuncMap(); addFuncs(tr.funcMap, tr.store.FuncMap)
  return { ...pure, ...store.funcs() };
}

/**
 * confd's functions whose result depends on their arguments alone. getenv too: the environment does not change
 * while the daemon runs (a SIGHUP parses the templates again, with new caches). Before it was listed, one
 * `getenv` inside a range made every iteration of it run again on every change: the shipped haproxy example
 * (dynamic-cookie-key from HAPROXY_COOKIE_KEY in each backend) rendered in ~30 ms at 1,000 domains instead of ~1 ms.
 */
const DETERMINISTIC: ReadonlySet<string> = new Set([
  'getenv', 'base', 'dir', 'split', 'join', 'json', 'jsonArray', 'map', 'toUpper', 'toLower', 'contains', 'replace', 'trimSuffix',
  'base64Encode', 'base64Decode', 'parseBool', 'reverse', 'sortByLength', 'sortKVByLength',
  'add', 'sub', 'div', 'mod', 'mul', 'seq', 'atoi',
]);

type Int = number | bigint;

// ---- strings -------------------------------------------------------------------------------------------------

/**
 * Runs a string function on Go's bytes when `needle` holds invalid bytes: a lone escaped byte in JavaScript could
 * otherwise match half of a surrogate pair, which in Go is a different byte. Latin-1 maps bytes 1:1 to code units.
 */
function onBytes<R>(needle: string, f: (toBytes: (x: string) => string) => R, text: () => R): R {
  if (!hasEscapedBytes(needle)) return text();
  return f((x) => encodeBytes(x).toString('latin1'));
}

function fromLatin1(x: string): string {
  return decodeBytes(Buffer.from(x, 'latin1'));
}

/** strings.Split: an empty separator splits after each UTF-8 sequence (code point). */
export function split(s: string, sep: string): string[] {
  if (sep === '') return Array.from(s); // an escaped byte is one code unit: one piece, as Go's one invalid byte
  return onBytes(sep, (b) => b(s).split(b(sep)).map(fromLatin1), () => s.split(sep));
}

/** strings.Replace. An empty `old` matches at the start and after each code point. */
export function replace(s: string, old: string, repl: string, n: number): string {
  if (old === repl || n === 0) return s;
  const m = old === '' ? Array.from(s).length + 1 : countNonOverlapping(s, old);
  if (m === 0) return s;
  if (n < 0 || m < n) n = m;
  let out = '';
  let start = 0;
  for (let i = 0; i < n; i++) {
    let j = start;
    if (old.length === 0) {
      if (i > 0) j += (s.codePointAt(start) ?? 0) > 0xffff ? 2 : 1;
    } else {
      j += s.slice(start).indexOf(old);
    }
    out += s.slice(start, j) + repl;
    start = j + old.length;
  }
  return out + s.slice(start);
}

function countNonOverlapping(s: string, sub: string): number {
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

// Go's unicode.ToUpper/ToLower map one code point to one code point (UnicodeData's simple mappings). JS's
// toUpperCase also applies SpecialCasing (ß -> SS, ﬁ -> FI, İ -> i̇): where it expands, use the simple mapping.
const SIMPLE_UPPER = new Map<number, number>([
  [0x1fb3, 0x1fbc],
  [0x1fc3, 0x1fcc],
  [0x1ff3, 0x1ffc],
]);
for (let c = 0; c < 8; c++) {
  SIMPLE_UPPER.set(0x1f80 + c, 0x1f88 + c);
  SIMPLE_UPPER.set(0x1f90 + c, 0x1f98 + c);
  SIMPLE_UPPER.set(0x1fa0 + c, 0x1fa8 + c);
}
const SIMPLE_LOWER = new Map<number, number>([[0x130, 0x69]]);

// Case pairs Unicode added after 13.0 (Go 1.19's tables) that Node's ICU knows: Go leaves these unchanged.
// Found by comparing every code point with Go 1.19's unicode.ToUpper/ToLower.
type Ranges = ReadonlyArray<number | readonly [number, number]>;
const NEWER_UPPER: Ranges = [
  0x19b, 0x264, 0x1c8a, 0x2c5f, 0xa7c1, 0xa7cd, 0xa7cf, 0xa7d1, 0xa7d3, 0xa7d5, 0xa7d7, 0xa7d9, 0xa7db, [0x10597, 0x105a1],
  [0x105a3, 0x105b1], [0x105b3, 0x105b9], [0x105bb, 0x105bc], [0x10d70, 0x10d85], [0x16ebb, 0x16ed3],
];
const NEWER_LOWER: Ranges = [
  0x1c89, 0x2c2f, 0xa7c0, [0xa7cb, 0xa7cc], 0xa7ce, 0xa7d0, 0xa7d2, 0xa7d4, 0xa7d6, 0xa7d8, 0xa7da, 0xa7dc, [0x10570, 0x1057a],
  [0x1057c, 0x1058a], [0x1058c, 0x10592], [0x10594, 0x10595], [0x10d50, 0x10d65], [0x16ea0, 0x16eb8],
];
function identities(ranges: Ranges, into: Map<number, number>): void {
  for (const r of ranges) {
    const [lo, hi] = typeof r === 'number' ? [r, r] : r;
    for (let c = lo; c <= hi; c++) into.set(c, c);
  }
}
identities(NEWER_UPPER, SIMPLE_UPPER);
identities(NEWER_LOWER, SIMPLE_LOWER);

function mapRunes(s: string, ascii: (s: string) => string, simple: Map<number, number>, full: (ch: string) => string): string {
  let isAscii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      isAscii = false;
      break;
    }
  }
  if (isAscii) return ascii(s);
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    const special = simple.get(cp);
    if (special !== undefined) {
      out += String.fromCodePoint(special);
      continue;
    }
    const m = full(ch);
    // One code point in, one out; anything else is a SpecialCasing expansion Go does not apply.
    out += m.length === ch.length || Array.from(m).length === 1 ? m : ch;
  }
  return out;
}

export function toUpper(s: string): string {
  return mapRunes(toValidUnicode(s), (x) => x.toUpperCase(), SIMPLE_UPPER, (ch) => ch.toUpperCase());
}

export function toLower(s: string): string {
  return mapRunes(toValidUnicode(s), (x) => x.toLowerCase(), SIMPLE_LOWER, (ch) => ch.toLowerCase());
}

// ---- map, reverse, seq, arithmetic ---------------------------------------------------------------------------

function createMap(values: unknown[]): Map<unknown, unknown> {
  if (values.length % 2 !== 0) throw new Error('invalid map call');
  const dict = new Map<unknown, unknown>();
  for (let i = 0; i < values.length; i += 2) {
    const key = values[i];
    if (typeof key !== 'string') throw new Error('map keys must be strings');
    dict.set(key, values[i + 1]);
  }
  return dict;
}

/** confd's Reverse: reverses []string and []memkv.KVPair in place; anything else comes back unchanged. */
function reverse(values: unknown): unknown {
  if (!Array.isArray(values)) return values;
  const elem = (values as GoSlice)[SLICE_ELEM];
  if (elem === undefined) return values;
  // A type switch on []string / []memkv.KVPair: named slices (memkv.KVPairs from gets) do not match.
  if (sliceName(values) !== undefined) return values;
  const name = typeString(elem);
  if (name === 'string' || elem === KVPAIR_TYPE) values.reverse();
  return values;
}

function seq(first: Int, last: Int): number[] {
  const out: number[] = [];
  const a = Number(first);
  const b = Number(last);
  for (let i = a; i <= b; i++) out.push(i);
  return goSlice(T.int, out);
}

const INT64_BITS = 64;

/** Go int (64-bit) arithmetic: wraps on overflow; division by zero is Go's runtime panic text. */
function intOp(a: Int, b: Int, op: '+' | '-' | '*' | '/' | '%'): Int {
  if (typeof a === 'number' && typeof b === 'number' && op !== '/' && op !== '%') {
    const r = op === '+' ? a + b : op === '-' ? a - b : a * b;
    if (Number.isSafeInteger(r)) return r;
  }
  const x = BigInt(a);
  const y = BigInt(b);
  let r: bigint;
  switch (op) {
    case '+':
      r = x + y;
      break;
    case '-':
      r = x - y;
      break;
    case '*':
      r = x * y;
      break;
    case '/':
    case '%':
      if (y === 0n) throw new Error('runtime error: integer divide by zero');
      r = op === '/' ? x / y : x % y; // BigInt division truncates toward zero, like Go
      break;
  }
  return goInt(BigInt.asIntN(INT64_BITS, r));
}

// ---- base64 ----------------------------------------------------------------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < B64.length; i++) B64_DECODE[B64.charCodeAt(i)] = i;

/** base64.StdEncoding.DecodeString with Go's CorruptInputError offsets (in bytes of the UTF-8 input). */
export function base64Decode(s: string): string {
  const src = encodeBytes(s);
  const dst: number[] = [];
  let si = 0;
  const corrupt = (at: number): Error => new Error(`illegal base64 data at input byte ${at}`);
  while (si < src.length) {
    // decodeQuantum
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let trailingErr: Error | null = null;
    let j = 0;
    let done = false;
    for (; j < 4; j++) {
      if (src.length === si) {
        if (j === 0) {
          done = true;
          break;
        }
        throw corrupt(si - j);
      }
      const inb = src[si] as number;
      si++;
      const out = B64_DECODE[inb] as number;
      if (out !== -1) {
        dbuf[j] = out;
        continue;
      }
      if (inb === 0x0a || inb === 0x0d) {
        j--;
        continue;
      }
      if (inb !== 0x3d) throw corrupt(si - 1);
      // padding
      if (j === 0 || j === 1) throw corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== 0x3d) throw corrupt(si - 1);
        si++;
      }
      while (si < src.length && (src[si] === 0x0a || src[si] === 0x0d)) si++;
      if (si < src.length) trailingErr = corrupt(si);
      dlen = j;
      break;
    }
    if (done) break;
    const val = ((dbuf[0] as number) << 18) | ((dbuf[1] as number) << 12) | ((dbuf[2] as number) << 6) | (dbuf[3] as number);
    const b0 = (val >> 16) & 0xff;
    const b1 = (val >> 8) & 0xff;
    const b2 = val & 0xff;
    if (dlen >= 2) dst.push(b0);
    if (dlen >= 3) dst.push(b1);
    if (dlen >= 4) dst.push(b2);
    if (trailingErr !== null) throw trailingErr;
  }
  // Go returns the bytes as a string: every byte is kept (govalue/bytes.ts).
  return decodeBytes(Uint8Array.from(dst));
}

// ---- files ----------------------------------------------------------------------------------------------------

/** confd's util.IsFileExist: false only when os.Stat says the path does not exist (ENOENT). */
export function isFileExist(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch (e) {
    // Any other failure (EACCES, ENOTDIR, a NUL byte) is not "does not exist" for Go's os.IsNotExist.
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

// ---- DNS --------------------------------------------------------------------------------------------------------

/**
 * A resolver that answers synchronously by running a short Node child process (node:dns is asynchronous and
 * template execution is not). Answers are cached for `cacheMs` (default 5 s) so a template that resolves the
 * same name in a loop spawns one process; failures are cached too, as Go's resolver would fail again.
 */
export function createSyncResolver(o: { cacheMs?: number; timeoutMs?: number } = {}): Resolver {
  const cacheMs = o.cacheMs ?? 5000;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const cache = new Map<string, { at: number; value: unknown }>();
  const run = (kind: 'ip' | 'srv', name: string): unknown => {
    const key = `${kind}\0${name}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < cacheMs) return hit.value;
    let value: unknown = null;
    try {
      const out = childProcess().execFileSync(process.execPath, ['-e', RESOLVER_SCRIPT, kind, name], {
        encoding: 'utf8',
        timeout: timeoutMs,
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      value = JSON.parse(out) as unknown;
    } catch {
      value = null;
    }
    cache.set(key, { at: Date.now(), value });
    return value;
  };
  return {
    lookupIP: (host) => run('ip', host) as string[] | null,
    lookupSRV: (name) => run('srv', name) as SRVRecord[] | null,
  };
}

// Go's net.LookupIP returns both families, from /etc/hosts and DNS, like getaddrinfo (dns.lookup) does.
const RESOLVER_SCRIPT = `
const dns = require('node:dns');
const [kind, name] = process.argv.slice(1);
const done = (v) => process.stdout.write(JSON.stringify(v));
if (kind === 'ip') {
  dns.lookup(name, { all: true, verbatim: true }, (err, addrs) => {
    if (err) return done(null);
    done([...new Set(addrs.map((a) => a.address))]);
  });
} else {
  dns.resolveSrv(name, (err, recs) => {
    if (err) return done(null);
    done(recs.map((r) => ({ target: r.name.endsWith('.') ? r.name : r.name + '.', port: r.port, priority: r.priority, weight: r.weight })));
  });
}
`;
