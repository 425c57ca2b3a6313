// A fast parser for the YAML that key files are usually written in, producing confd's keys directly (go-yaml v2 +
// nodeWalk, as yaml.ts does with the `yaml` package, which takes ~10x longer and loads ~80 modules).
//
// The subset: block mappings of plain, single-quoted and double-quoted (without escapes) one-line scalars, nested
// mappings by indentation, block sequences of such scalars, comments, blank lines, and one leading `---`.
// Anything else makes it return false, and the caller runs the full parser: tabs, control characters, CR, BOM,
// anchors, aliases, tags, flow collections, block and multi-line scalars, escapes, explicit (`?`) or merge (`<<`)
// keys, keys that are not strings (`yes:`, `1:`), duplicate keys, mappings inside sequences, nested sequences, more
// documents, directives, odd indentation, and every syntax error (so the full parser reports it, with position).
// The two common file shapes, `"key": "value"` lines and nested `key: value` mappings, run in small loops of their
// own (quotedLines, plainLines): a one-shot run spends most of the parse before V8 optimizes a loop, and a small
// loop is optimized in a few milliseconds where the main loop takes over ten. Other lines take one regular
// expression (COMMON) or a character scan. yaml.test.ts and simpleyaml.test.ts check that both parsers give
// identical results on every input this one accepts.
//
// The keys are emitted while parsing, in document order, which is the order nodeWalk visits them (a mapping keeps
// its keys in insertion order; duplicates, which would break that, are refused). A duplicate key gives the same
// path twice, so the paths seen (vars, plus `bare` for keys that add nothing to vars) find it without a set of keys
// per mapping; a path met twice from different keys (`a/b:` and `a:\n  b:`) is refused too, which only costs speed.

import { goScalarString, joinKey, resolvePlain } from './goyaml.js';

/** Characters the subset never contains (the full parser handles or rejects them). */
const UNSUPPORTED = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffd-\uffff]/;

const SP = 0x20;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/** Characters that start something other than a plain scalar (YAML's c-indicator). */
function isIndicator(c: number): boolean {
  switch (c) {
    case 0x2d: // -
    case 0x3f: // ?
    case 0x3a: // :
    case 0x2c: // ,
    case 0x5b: // [
    case 0x5d: // ]
    case 0x7b: // {
    case 0x7d: // }
    case 0x23: // #
    case 0x26: // &
    case 0x2a: // *
    case 0x21: // !
    case 0x7c: // |
    case 0x3e: // >
    case 0x27: // '
    case 0x22: // "
    case 0x25: // %
    case 0x40: // @
    case 0x60: // `
      return true;
    default:
      return false;
  }
}

function isFlowIndicator(c: number): boolean {
  return c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

interface Frame {
  readonly indent: number;
  /** The key path of this collection. */
  readonly path: string;
  /** A sequence (else a mapping). */
  readonly seq: boolean;
  /** Next index of a sequence. */
  index: number;
}

/** A plain scalar's value as nodeWalk prints it, or null (no key). */
function plainValue(s: string): string | null {
  // Fast case: a decimal int64 without sign or leading zero prints as written (strconv.Itoa).
  const c0 = s.charCodeAt(0);
  if (c0 >= 0x31 && c0 <= 0x39 && s.length <= 18) {
    let digits = true;
    for (let k = 1; k < s.length; k++) {
      const d = s.charCodeAt(k);
      if (d < 0x30 || d > 0x39) {
        digits = false;
        break;
      }
    }
    if (digits) return s;
  }
  return goScalarString(resolvePlain(s)) ?? null;
}

/** The parser's state between lines, shared by its loops. */
interface State {
  /** The open collections, outermost first. */
  readonly stack: Frame[];
  readonly vars: Map<string, string>;
  /** Paths of keys that put nothing into vars (collections, null values): with vars, every path seen. */
  readonly bare: Set<string>;
  /** A key (or sequence item) whose value was not on its line: a collection on the next lines, or null. */
  pendingPath: string | null;
  pendingIndent: number;
  pendingItem: boolean;
}

function setPending(st: State, path: string, indent: number, item: boolean): void {
  st.pendingPath = path;
  st.pendingIndent = indent;
  st.pendingItem = item;
}

/**
 * The most common entry lines, matched in one step: `key: value`, `"key": "value"` (or mixed, or no value) with
 * keys and values of plain characters only. They mean exactly what the general scan below would make of them.
 */
const COMMON = /(?:([A-Za-z0-9_][A-Za-z0-9_.\/-]*)|"([^"\\\n]*)"):(?: +(?:([A-Za-z0-9_.\/][A-Za-z0-9_.\/-]*)|"([^"\\\n]*)"))? *(?=\n|$)/y;

/**
 * COMMON's lines with a plain key (`key: value`, `key:`) as a test that builds no match: the key ends at the first
 * `:` and the value is the rest of the line without its spaces, as neither character set has a `:` or a space.
 */
const PLAIN = /[A-Za-z0-9_][A-Za-z0-9_.\/-]*:(?: +[A-Za-z0-9_.\/][A-Za-z0-9_.\/-]*)? *(?=\n|$)/y;

/** Result of scanning one scalar: its text (null: no key, as nodeWalk skips null) or BAIL. */
const BAIL = Symbol('bail');
type Scanned = string | null | typeof BAIL;

class Scanner {
  /** Where the last scanned key ended (just after its `:`). */
  keyEnd = 0;

  constructor(private readonly text: string) {}

  /** A double-quoted scalar on one line without escapes: the text between the quotes, or BAIL. */
  private doubleQuoted(j: number, eol: number): { s: string; end: number } | typeof BAIL {
    const t = this.text;
    for (let k = j + 1; k < eol; k++) {
      const c = t.charCodeAt(k);
      if (c === 0x5c) return BAIL; // escapes: the full parser applies (and checks) go-yaml's escape rules
      if (c === DQUOTE) return { s: t.slice(j + 1, k), end: k + 1 };
    }
    return BAIL; // continues on the next line (folded)
  }

  /** A single-quoted scalar on one line ('' is a quote), or BAIL. */
  private singleQuoted(j: number, eol: number): { s: string; end: number } | typeof BAIL {
    const t = this.text;
    let s = '';
    let from = j + 1;
    for (let k = from; k < eol; k++) {
      if (t.charCodeAt(k) !== SQUOTE) continue;
      if (k + 1 < eol && t.charCodeAt(k + 1) === SQUOTE) {
        s += t.slice(from, k + 1);
        from = k + 2;
        k++;
        continue;
      }
      return { s: s + t.slice(from, k), end: k + 1 };
    }
    return BAIL;
  }

  /** The value of a scalar that starts at j and must fill the rest of the line (a comment may follow). */
  value(j: number, eol: number): Scanned {
    const t = this.text;
    const c = t.charCodeAt(j);
    if (c === DQUOTE || c === SQUOTE) {
      const q = c === DQUOTE ? this.doubleQuoted(j, eol) : this.singleQuoted(j, eol);
      if (q === BAIL || !restIsBlank(t, q.end, eol)) return BAIL;
      return q.s;
    }
    // A plain scalar may start with `-` followed by a safe character ("-1", "-foo"); other indicators start
    // something else (or an error).
    if (isIndicator(c) && !(c === DASH && j + 1 < eol && (isAlnum(t.charCodeAt(j + 1)) || t.charCodeAt(j + 1) === 0x2e))) return BAIL;
    let end = eol;
    for (let k = j + 1; k < eol; k++) {
      const ch = t.charCodeAt(k);
      if (ch === HASH && t.charCodeAt(k - 1) === SP) {
        end = k;
        break;
      }
      // `: ` inside a value is a syntax error; flow indicators are left to the full parser.
      if (ch === COLON && (k + 1 === eol || t.charCodeAt(k + 1) === SP)) return BAIL;
      if (isFlowIndicator(ch)) return BAIL;
    }
    while (end > j && t.charCodeAt(end - 1) === SP) end--;
    return plainValue(t.slice(j, end));
  }

  /** A mapping key at i (a string, or BAIL); sets keyEnd just after the `:`. */
  key(i: number, eol: number): string | typeof BAIL {
    const t = this.text;
    const c = t.charCodeAt(i);
    if (c === DQUOTE || c === SQUOTE) {
      const q = c === DQUOTE ? this.doubleQuoted(i, eol) : this.singleQuoted(i, eol);
      if (q === BAIL || q.end >= eol || t.charCodeAt(q.end) !== COLON) return BAIL;
      if (q.end + 1 < eol && t.charCodeAt(q.end + 1) !== SP) return BAIL;
      if (q.end - i > 1000) return BAIL; // YAML limits implicit keys to 1024 characters
      this.keyEnd = q.end + 1;
      return q.s;
    }
    if (isIndicator(c)) return BAIL;
    for (let k = i + 1; k < eol; k++) {
      const ch = t.charCodeAt(k);
      if (ch === COLON && (k + 1 === eol || t.charCodeAt(k + 1) === SP)) {
        let end = k;
        while (t.charCodeAt(end - 1) === SP) end--;
        if (end - i > 1000) return BAIL;
        const s = t.slice(i, end);
        // Keys resolve like values: `yes:` or `1:` is not a string key (the full parser reports it), `<<` merges.
        if (s === '<<' || typeof resolvePlain(s) !== 'string') return BAIL;
        this.keyEnd = k + 1;
        return s;
      }
      if (ch === HASH || isFlowIndicator(ch)) return BAIL;
    }
    return BAIL; // no `: `: a multi-line scalar or an error
  }
}

/**
 * Parses `text` if it is in the subset, adding its keys to `vars` as confd would, and returns true. Returns false
 * when the text needs the full parser; `vars` may then hold some of the keys. `vars` must be empty (its keys count
 * as seen paths), and cleared after false.
 */
export function parseSimpleYamlKeys(text: string, vars: Map<string, string>): boolean {
  if (UNSUPPORTED.test(text)) return false;
  // Without a backslash anywhere, a double-quoted scalar is the text up to its next quote: no escapes to look for.
  const noEscapes = text.indexOf('\\') < 0;
  const sc = new Scanner(text);
  const n = text.length;
  const st: State = { stack: [], vars, bare: new Set(), pendingPath: null, pendingIndent: 0, pendingItem: false };
  const stack = st.stack;
  const bare = st.bare;
  let started = false;
  let pos = 0;
  while (pos < n) {
    // The common files' lines go to loops of their own; the lines they do not take, to the general steps below.
    if (noEscapes && st.pendingPath === null && text.charCodeAt(pos) === DQUOTE && (stack.length === 0 || (stack.length === 1 && stack[0]?.indent === 0))) {
      const end = quotedLines(text, pos, vars, bare);
      if (end < 0) return false;
      if (end > pos) {
        if (stack.length === 0) stack.push({ indent: 0, path: '/', seq: false, index: 0 });
        started = true;
        pos = end;
        continue;
      }
    } else if (stack.length > 0) {
      const end = plainLines(text, pos, st);
      if (end < 0) return false;
      if (end > pos) {
        pos = end;
        continue;
      }
    }
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    const lineStart = pos;
    pos = eol + 1;
    let i = lineStart;
    while (i < eol && text.charCodeAt(i) === SP) i++;
    if (i === eol) continue; // blank line
    const c = text.charCodeAt(i);
    if (c === HASH) continue; // comment line
    const indent = i - lineStart;
    if (indent === 0 && (c === DASH || c === 0x2e) && (text.startsWith('---', i) || text.startsWith('...', i))) {
      const marker = i + 3 === eol || text.charCodeAt(i + 3) === SP;
      // One `---` before the content is common; anything else about documents goes to the full parser.
      if (marker && !started && c === DASH && restIsBlank(text, i + 3, eol)) {
        started = true;
        continue;
      }
      if (marker) return false;
    }
    started = true;
    const isItem = c === DASH && (i + 1 === eol || text.charCodeAt(i + 1) === SP);

    if (st.pendingPath !== null) {
      const path: string = st.pendingPath;
      st.pendingPath = null;
      if (st.pendingItem) {
        if (indent > st.pendingIndent) return false; // a collection inside a sequence
      } else if (indent > st.pendingIndent || (indent === st.pendingIndent && isItem)) {
        // The value of `key:` is the collection that starts here (a sequence may sit at the key's own indent).
        stack.push({ indent, path, seq: isItem, index: 0 });
      }
    } else if (stack.length === 0) {
      if (isItem) return false; // a top-level sequence: the full parser reports that it is not a mapping
      stack.push({ indent, path: '/', seq: false, index: 0 });
    }

    let top = stack[stack.length - 1];
    while (top !== undefined && top.indent > indent) {
      stack.pop();
      top = stack[stack.length - 1];
    }
    if (top === undefined || top.indent !== indent) return false;
    if (top.seq && !isItem) {
      // The end of a sequence written at its parent key's indent.
      stack.pop();
      top = stack[stack.length - 1];
      if (top === undefined || top.indent !== indent || top.seq) return false;
    }

    if (isItem) {
      if (!top.seq) return false;
      let j = i + 1;
      while (j < eol && text.charCodeAt(j) === SP) j++;
      const path = joinKey(top.path, String(top.index++));
      if (j === eol || text.charCodeAt(j) === HASH) {
        setPending(st, path, indent, true); // null, unless a nested collection follows (refused)
        continue;
      }
      if (text.charCodeAt(j) === DASH && (j + 1 === eol || text.charCodeAt(j + 1) === SP)) return false; // nested sequence
      const v = sc.value(j, eol);
      if (v === BAIL) return false;
      if (v !== null) vars.set(path, v);
      continue;
    }

    let path: string;
    let v: Scanned | undefined; // undefined: no value on the line
    COMMON.lastIndex = i;
    const m = COMMON.exec(text);
    if (m !== null) {
      const plainKey = m[1];
      const key = plainKey ?? (m[2] as string);
      if (key.length > 998) return false; // YAML limits implicit keys to 1024 characters
      if (plainKey !== undefined && typeof resolvePlain(plainKey) !== 'string') return false;
      path = joinKey(top.path, key);
      const pv = m[3];
      v = pv !== undefined ? plainValue(pv) : m[4];
    } else {
      const key = sc.key(i, eol);
      if (key === BAIL) return false;
      path = joinKey(top.path, key);
      let j = sc.keyEnd;
      while (j < eol && text.charCodeAt(j) === SP) j++;
      v = j === eol || text.charCodeAt(j) === HASH ? undefined : sc.value(j, eol);
      if (v === BAIL) return false;
    }
    if (v === undefined) {
      // `key:` and nothing else: a collection on the next lines, or null.
      if (!addBare(vars, bare, path)) return false;
      setPending(st, path, indent, false);
    } else if (v === null) {
      if (!addBare(vars, bare, path)) return false;
    } else if (!setNew(vars, bare, path, v)) return false;
  }
  return true;
}

/**
 * Sets a key's value; false when its path was seen before (a duplicate key: the caller refuses the text, so what
 * this did to vars does not matter).
 */
function setNew(vars: Map<string, string>, bare: ReadonlySet<string>, path: string, v: string): boolean {
  const size = vars.size;
  vars.set(path, v);
  return vars.size !== size && (bare.size === 0 || !bare.has(path));
}

/** Records the path of a key that puts nothing into vars; false when the path was seen before. */
function addBare(vars: ReadonlyMap<string, string>, bare: Set<string>, path: string): boolean {
  if (vars.has(path)) return false;
  const size = bare.size;
  bare.add(path);
  return bare.size !== size;
}

/**
 * The lines `"key": "value"` at column 0 of the top-level mapping from `pos` on, the bench's and many generators'
 * whole file, in a loop of their own: small, so that V8 optimizes it soon (the main loop takes ~10 ms to compile),
 * and with native searches instead of COMMON's match (which allocates). A line taken means what the main loop's
 * general path (sc.key, sc.value) makes of it: a double-quoted key without escapes (the caller checked there is no
 * backslash in the text), `: `, a double-quoted value, then nothing or a comment. Returns the start of the first line
 * not taken, or -1 for a path seen before (a duplicate key, refused as in the main loop).
 */
function quotedLines(text: string, pos: number, vars: Map<string, string>, bare: ReadonlySet<string>): number {
  const n = text.length;
  while (pos < n && text.charCodeAt(pos) === DQUOTE) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    const q = text.indexOf('"', pos + 1);
    if (q < 0 || q + 3 >= eol || text.charCodeAt(q + 1) !== COLON || text.charCodeAt(q + 2) !== SP || text.charCodeAt(q + 3) !== DQUOTE) break;
    if (q - pos > 999) break; // YAML limits implicit keys to 1024 characters: the main loop refuses it
    const e = text.indexOf('"', q + 4);
    if (e < 0 || e >= eol || (e + 1 < eol && !restIsBlank(text, e + 1, eol))) break;
    if (!setNew(vars, bare, joinKey('/', text.slice(pos + 1, q)), text.slice(q + 4, e))) return -1;
    pos = eol + 1;
  }
  return pos;
}

/**
 * Nested files' lines, `key: value` and `key:` with a plain key and value (PLAIN) in block mappings, in a loop of
 * their own (as quotedLines). It takes a line only where the main loop's steps for it are these few: the line opens
 * the mapping of a pending `key:` (indented more), or continues an open mapping at its indent (closing the deeper
 * collections). Anything else (blank lines, comments, sequences, a first line, an indent that matches no mapping)
 * it leaves to the main loop, before changing any state. Returns the start of the first line not taken, or -1 to
 * refuse the text.
 */
function plainLines(text: string, pos: number, st: State): number {
  const { stack, vars, bare } = st;
  const n = text.length;
  while (pos < n) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = n;
    let i = pos;
    while (i < eol && text.charCodeAt(i) === SP) i++;
    if (i === eol) break;
    PLAIN.lastIndex = i;
    if (!PLAIN.test(text)) break;
    const indent = i - pos;
    let top: Frame;
    if (st.pendingPath !== null && indent > st.pendingIndent) {
      if (st.pendingItem) break; // a collection inside a sequence: the main loop refuses it
      top = { indent, path: st.pendingPath, seq: false, index: 0 };
      stack.push(top);
    } else {
      let k = stack.length - 1;
      while (k > 0 && (stack[k] as Frame).indent > indent) k--;
      const f = stack[k];
      if (f === undefined || f.indent !== indent || f.seq) break;
      while (stack.length > k + 1) stack.pop();
      top = f;
    }
    st.pendingPath = null; // a pending key not followed by a deeper line is null: its path is in bare already
    const colon = text.indexOf(':', i);
    if (colon - i > 998) return -1; // YAML limits implicit keys to 1024 characters
    const key = text.slice(i, colon);
    if (typeof resolvePlain(key) !== 'string') return -1;
    const path = joinKey(top.path, key);
    let j = colon + 1;
    while (j < eol && text.charCodeAt(j) === SP) j++;
    if (j === eol) {
      if (!addBare(vars, bare, path)) return -1;
      setPending(st, path, indent, false);
    } else {
      let end = eol;
      while (text.charCodeAt(end - 1) === SP) end--;
      const v = plainValue(text.slice(j, end));
      if (v === null ? !addBare(vars, bare, path) : !setNew(vars, bare, path, v)) return -1;
    }
    pos = eol + 1;
  }
  return pos;
}

/** True when [from, eol) holds only spaces, or spaces and then a comment. */
function restIsBlank(text: string, from: number, eol: number): boolean {
  let k = from;
  while (k < eol && text.charCodeAt(k) === SP) k++;
  return k === eol || (k > from && text.charCodeAt(k) === HASH);
}
