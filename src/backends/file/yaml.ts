// confd's file backend parsing: gopkg.in/yaml.v2 Unmarshal into map[interface{}]interface{}, then nodeWalk
// (backends/file/client.go) flattening it into keys. Three parsers, tried in order: JSON.parse for JSON documents,
// simpleyaml.ts for the common YAML subset, and the `yaml` package for everything else. The `yaml` package is
// loaded only when needed (it is ~80 modules, a noticeable part of a -onetime run). Scalars are resolved with
// go-yaml v2's rules and formatted as nodeWalk does (goyaml.ts).

import { decodeBytes } from '../../govalue/bytes.js';
import { createRequire } from 'node:module';
import type { Document, LineCounter, Node as YNode } from 'yaml';
import { formatFloatF } from '../../resource/funcs/gostrconv.js';
import { Float, Uint64, goScalarString, joinKey, resolvePlain, type GoYaml, type GoYamlMap } from './goyaml.js';
import { parseSimpleYamlKeys } from './simpleyaml.js';

type YamlLib = typeof import('yaml');
let yamlLib: YamlLib | undefined;
/** The `yaml` package, loaded on first use (synchronously: parseYamlKeys is synchronous). */
function yaml(): YamlLib {
  yamlLib ??= createRequire(import.meta.url)('yaml') as YamlLib;
  return yamlLib;
}

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

const TAG_PREFIX = 'tag:yaml.org,2002:';

class Converter {
  private depth = 0;
  constructor(
    private readonly Y: YamlLib,
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
    if (this.Y.isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) this.fail(node, `unknown anchor '${node.source}' referenced`);
      if (++this.depth > 1000) this.fail(node, 'alias nesting too deep');
      try {
        return this.value(target);
      } finally {
        this.depth--;
      }
    }
    if (this.Y.isScalar(node)) return this.scalar(node as YNode & { value: unknown; type?: string; tag?: string });
    if (this.Y.isSeq(node)) return node.items.map((it) => this.value(it));
    if (this.Y.isMap(node)) {
      const out: GoYamlMap = new Map();
      for (const pair of node.items) {
        const k = pair.key as YNode | null;
        if (k !== null && this.Y.isScalar(k) && k.value === '<<' && (k.type === 'PLAIN' || k.tag === `${TAG_PREFIX}merge`) && (k.tag === undefined || k.tag === `${TAG_PREFIX}merge`)) {
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
    const target = this.Y.isAlias(node) ? node.resolve(this.doc) : node;
    if (this.Y.isMap(target)) {
      for (const [k, v] of this.value(target) as GoYamlMap) out.set(k, v);
      return;
    }
    if (this.Y.isSeq(target)) {
      for (let i = target.items.length - 1; i >= 0; i--) {
        const item = target.items[i];
        const m = this.Y.isAlias(item) ? item.resolve(this.doc) : item;
        if (!this.Y.isMap(m)) this.fail(m as YNode, 'map merge requires map or sequence of maps as the value');
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
        return decodeBytes(Buffer.from(clean, 'base64')); // go-yaml gives the raw bytes as a string
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
  if (vars.size === 0) {
    if (parseSimpleYamlKeys(text, vars)) return;
    vars.clear(); // it may have added keys before giving up
  } else {
    const own = new Map<string, string>();
    if (parseSimpleYamlKeys(text, own)) {
      for (const [k, v] of own) vars.set(k, v);
      return;
    }
  }
  parseFullYamlKeys(file, text, vars);
}

/** parseYamlKeys with the `yaml` package only (also the reference the fast parser is tested against). */
export function parseFullYamlKeys(file: string, text: string, vars: Map<string, string>): void {
  const Y = yaml();
  const lines = new Y.LineCounter();
  const docs = Y.parseAllDocuments(text, { version: '1.1', schema: 'failsafe', uniqueKeys: false, merge: false, lineCounter: lines });
  // yaml.v2's Unmarshal decodes the first document only.
  const doc = Array.isArray(docs) ? docs[0] : docs;
  if (doc === undefined) return;
  const err = doc.errors[0];
  if (err !== undefined) {
    const pos = err.linePos?.[0];
    const reason = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new YamlFileError(file, pos?.line, pos?.col, reason);
  }
  const conv = new Converter(Y, file, text, doc, lines);
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
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, joinKey(key, String(i))));
    else if (v !== null) for (const [k, x] of Object.entries(v as object)) walk(x, joinKey(key, k));
  };
  walk(doc, '/');
  return true;
}

/** confd's nodeWalk: maps join keys with path.Join, lists by index, scalars formatted as Go does. */
function nodeWalk(node: GoYaml, key: string, vars: Map<string, string>): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => nodeWalk(item, joinKey(key, String(i)), vars));
  } else if (node instanceof Map) {
    for (const [k, v] of node) nodeWalk(v, joinKey(key, k as string), vars);
  } else {
    // null and uint64: no case in nodeWalk's switch, so no key.
    const s = goScalarString(node);
    if (s !== undefined) vars.set(key, s);
  }
}

function describe(k: GoYaml): string {
  if (k === null) return 'null';
  if (k instanceof Float) return formatFloatF(k.v);
  if (k instanceof Uint64) return k.v.toString();
  if (typeof k === 'bigint' || typeof k === 'boolean') return String(k);
  return Array.isArray(k) ? 'sequence' : 'mapping';
}
