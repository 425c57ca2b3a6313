// confd's file backend parsing: gopkg.in/yaml.v2 Unmarshal into map[interface{}]interface{}, then nodeWalk
// (backends/file/client.go) flattening it into keys. The `yaml` package parses; scalars are resolved here with
// go-yaml v2's rules (YAML 1.1: yes/no/on/off/y/n are bools; 0x1F, 0o17, 017, 0b11, 1_000 are ints; `08` is
// the float 8), and values are formatted as nodeWalk does: strconv.Itoa for ints, FormatBool, FormatFloat 'f'
// -1 for floats. Values of other types (null, uint64 above int64, ...) produce no key, as in confd.

import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node as YNode } from 'yaml';
import { pathJoin } from '../../memkv/gopath.js';
import { formatFloatF } from '../../resource/funcs/gostrconv.js';

/** A YAML problem in one file, with its position (1-based line and column). */
export class YamlFileError extends Error {
  override readonly name = 'YamlFileError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly reason: string,
  ) {
    super(`${file}:${line !== undefined ? `${line}:${column ?? 1}:` : ''} ${reason}`);
  }
}

class Float {
  constructor(readonly v: number) {}
}
class Uint64 {
  constructor(readonly v: bigint) {}
}
/** A resolved YAML value as go-yaml v2 decodes it into interface{}. */
type GoYaml = string | bigint | boolean | null | Float | Uint64 | GoYaml[] | GoYamlMap;
type GoYamlMap = Map<GoYaml, GoYaml>;

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

/** go-yaml v2 resolve() for an untagged plain scalar. */
function resolvePlain(s: string): GoYaml {
  const b = BOOL_NULL.get(s);
  if (b !== undefined) return b;
  const sf = SPECIAL_FLOATS.get(s);
  if (sf !== undefined) return new Float(sf);
  const c = s[0];
  if (c === '.') {
    if (/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(s)) {
      const f = Number(s);
      if (Number.isFinite(f)) return new Float(f);
    }
    return s;
  }
  if (c !== undefined && (c === '+' || c === '-' || (c >= '0' && c <= '9'))) {
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

const TAG_PREFIX = 'tag:yaml.org,2002:';

class Converter {
  private depth = 0;
  constructor(
    private readonly file: string,
    private readonly text: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  fail(node: YNode | null | undefined, reason: string): never {
    const at = node?.range ? this.lines.linePos(node.range[0]) : undefined;
    throw new YamlFileError(this.file, at?.line, at?.col, reason);
  }

  value(node: unknown): GoYaml {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) this.fail(node, `unknown anchor '${node.source}' referenced`);
      if (++this.depth > 1000) this.fail(node, 'alias nesting too deep');
      try {
        return this.value(target);
      } finally {
        this.depth--;
      }
    }
    if (isScalar(node)) return this.scalar(node as YNode & { value: unknown; type?: string; tag?: string });
    if (isSeq(node)) return node.items.map((it) => this.value(it));
    if (isMap(node)) {
      const out: GoYamlMap = new Map();
      for (const pair of node.items) {
        const k = pair.key as YNode | null;
        if (k !== null && isScalar(k) && k.value === '<<' && (k.type === 'PLAIN' || k.tag === `${TAG_PREFIX}merge`) && (k.tag === undefined || k.tag === `${TAG_PREFIX}merge`)) {
          this.merge(pair.value, out);
          continue;
        }
        const key = this.value(k);
        if (typeof key !== 'string') {
          // confd's nodeWalk does k.(string) on every key and panics on others; name the key instead.
          this.fail(k ?? (pair.value as YNode | null), `key ${describe(key)} is not a string (confd requires string keys; quote it)`);
        }
        out.set(key, this.value(pair.value));
      }
      return out;
    }
    return this.fail(node as YNode, 'unsupported YAML node');
  }

  /**
   * go-yaml v2 knows YAML 1.1's escapes only: `\/` (added in YAML 1.2) is an error there, and so is a \u or \U
   * escape of a surrogate (JSON's way to write emoji). The yaml package accepts both; confd does not.
   */
  private checkEscapes(node: YNode): void {
    const [start, end] = node.range as [number, number, number];
    const raw = this.text.slice(start, end);
    for (let i = raw.indexOf('\\'); i >= 0 && i < raw.length; i = raw.indexOf('\\', i + 2)) {
      const c = raw[i + 1];
      if (c === '/') this.fail(node, 'found unknown escape character');
      if (c === 'u' || c === 'U') {
        const v = parseInt(raw.slice(i + 2, i + (c === 'u' ? 6 : 10)), 16);
        if ((v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff) this.fail(node, 'found invalid Unicode character escape code');
      }
    }
  }

  /** yaml.v2's merge: a map, or a sequence of maps merged last-to-first; later explicit keys override. */
  private merge(node: unknown, out: GoYamlMap): void {
    const target = isAlias(node) ? node.resolve(this.doc) : node;
    if (isMap(target)) {
      for (const [k, v] of this.value(target) as GoYamlMap) out.set(k, v);
      return;
    }
    if (isSeq(target)) {
      for (let i = target.items.length - 1; i >= 0; i--) {
        const item = target.items[i];
        const m = isAlias(item) ? item.resolve(this.doc) : item;
        if (!isMap(m)) this.fail(m as YNode, 'map merge requires map or sequence of maps as the value');
        for (const [k, v] of this.value(m) as GoYamlMap) out.set(k, v);
      }
      return;
    }
    this.fail(target as YNode, 'map merge requires map or sequence of maps as the value');
  }

  private scalar(node: YNode & { value: unknown; type?: string; tag?: string }): GoYaml {
    if (node.type === 'QUOTE_DOUBLE' && node.range) this.checkEscapes(node);
    const s = String(node.value ?? '');
    const tag = node.tag;
    if (tag === undefined) return node.type === 'PLAIN' ? resolvePlain(s) : s;
    if (!tag.startsWith(TAG_PREFIX) && !tag.startsWith('!!')) return s; // custom tags: the string as written
    const short = tag.startsWith(TAG_PREFIX) ? tag.slice(TAG_PREFIX.length) : tag.slice(2);
    switch (short) {
      case 'str':
        return s;
      case 'binary': {
        const clean = s.replace(/[\s]/g, '');
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) this.fail(node, '!!binary value contains invalid base64 data');
        return Buffer.from(clean, 'base64').toString('utf8');
      }
      case 'null':
      case 'bool':
      case 'int':
      case 'float': {
        const r = resolvePlain(s);
        const kind = r === null ? 'null' : typeof r === 'boolean' ? 'bool' : typeof r === 'bigint' || r instanceof Uint64 ? 'int' : r instanceof Float ? 'float' : 'str';
        if (kind === short) return r;
        if (short === 'float' && typeof r === 'bigint') return new Float(Number(r));
        return this.fail(node, `cannot decode !!${kind} \`${s}\` as a !!${short}`);
      }
      default:
        return s; // other yaml.org tags (timestamp, set, ...) decode to the string into interface{}
    }
  }
}

/** Parse one YAML file's text as confd does and flatten it into `vars` (later files override earlier keys). */
export function parseYamlKeys(file: string, text: string, vars: Map<string, string>): void {
  if (parseJsonKeys(text, vars)) return;
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', schema: 'failsafe', uniqueKeys: false, merge: false, lineCounter: lines });
  // yaml.v2's Unmarshal decodes the first document only.
  const doc = Array.isArray(docs) ? docs[0] : docs;
  if (doc === undefined) return;
  const err = doc.errors[0];
  if (err !== undefined) {
    const pos = err.linePos?.[0];
    const reason = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new YamlFileError(file, pos?.line, pos?.col, reason);
  }
  const conv = new Converter(file, text, doc, lines);
  const root = conv.value(doc.contents);
  if (root === null) return;
  if (!(root instanceof Map)) {
    const kind = Array.isArray(root) ? '!!seq' : '!!str';
    conv.fail(doc.contents as YNode, `cannot unmarshal ${kind} into map[interface {}]interface {}`);
  }
  nodeWalk(root, '/', vars);
}

/**
 * Fast path for JSON documents (JSON is YAML; key files generated by tools often are JSON, and the YAML parser
 * takes seconds on 200,000 keys). Taken only when the meaning is certainly the same as YAML's: an object whose
 * leaves are strings, booleans or null. Numbers need YAML's int/float resolution of the original text, so a
 * document with numbers goes through the YAML parser.
 */
function parseJsonKeys(text: string, vars: Map<string, string>): boolean {
  const t = text.trimStart();
  if (!t.startsWith('{')) return false;
  // Escapes go-yaml v2 rejects (\/, surrogate \u): let the YAML path report them.
  if (/\\(\/|u[dD][89a-fA-F])/.test(t)) return false;
  let doc: unknown;
  try {
    doc = JSON.parse(t);
  } catch {
    return false;
  }
  const plain = (v: unknown): boolean => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
    if (Array.isArray(v)) return v.every(plain);
    if (typeof v === 'object') return Object.values(v as object).every(plain);
    return false;
  };
  if (!plain(doc)) return false;
  const walk = (v: unknown, key: string): void => {
    if (typeof v === 'string') vars.set(key, v);
    else if (typeof v === 'boolean') vars.set(key, v ? 'true' : 'false');
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, pathJoin(key, String(i))));
    else if (v !== null) for (const [k, x] of Object.entries(v as object)) walk(x, pathJoin(key, k));
  };
  walk(doc, '/');
  return true;
}

/** confd's nodeWalk: maps join keys with path.Join, lists by index, scalars formatted as Go does. */
function nodeWalk(node: GoYaml, key: string, vars: Map<string, string>): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => nodeWalk(item, pathJoin(key, String(i)), vars));
  } else if (node instanceof Map) {
    for (const [k, v] of node) nodeWalk(v, pathJoin(key, k as string), vars);
  } else if (typeof node === 'string') {
    vars.set(key, node);
  } else if (typeof node === 'bigint') {
    vars.set(key, node.toString());
  } else if (typeof node === 'boolean') {
    vars.set(key, node ? 'true' : 'false');
  } else if (node instanceof Float) {
    vars.set(key, formatFloatF(node.v));
  }
  // null and uint64: no case in nodeWalk's switch, so no key.
}

function describe(k: GoYaml): string {
  if (k === null) return 'null';
  if (k instanceof Float) return formatFloatF(k.v);
  if (k instanceof Uint64) return k.v.toString();
  if (typeof k === 'bigint' || typeof k === 'boolean') return String(k);
  return Array.isArray(k) ? 'sequence' : 'mapping';
}
