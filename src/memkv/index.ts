// confd's key-value store (github.com/kelseyhightower/memkv v0.1.1, the version confd vendors) and its template
// functions `get gets getv getvs ls lsdir exists`, with the same results and errors, quirks included.
//
// memkv keeps a flat map and scans every key on each ls/lsdir/gets, so a template with one lsdir per domain is
// quadratic. Here the keys live in a directory tree whose nodes keep lazily sorted child lists, so:
//   getv/get/exists   O(depth)          (small per-directory maps)
//   ls/lsdir          O(depth + results) on a cached sorted child list (re-sorted only after a child is added
//                                       or removed, not when a value changes)
//   gets/getvs        walk the tree one pattern segment at a time (literal segments are map look-ups), or scan
//                     only the subtree under the pattern's literal prefix when the pattern has `[` or `\`
//   set/delete        O(depth)
// Odd arguments that confd answers through string-prefix accidents (`ls "/d//"`, `lsdir "/d/."`) take a slow
// path that applies memkv's exact formula to the keys of the relevant subtree only.
//
// Dependency tracking for memoised rendering (`store.tracker()`, a MemoTracker; see src/gotemplate/index.ts):
// every node carries `ver`, the store clock at the last change anywhere in its subtree (a value set or deleted,
// a node added or pruned); set/delete bump the whole path from the key to the root. While a recording is open,
// each function records the node its result depends on: the key's node for getv/get/exists (or, for a missing
// key, the deepest node that exists on its path, whose subtree a later set would change), the directory for
// ls/lsdir, the deepest node of the pattern's literal directory prefix for gets/getvs. A recording made at clock
// T is valid while every recorded node has ver <= T: an integer compare per node, no key strings hashed. Deleted
// nodes were bumped on the way out, so references to detached nodes stay invalid; clear() invalidates everything.
// The clock only advances when a recording has been closed since the last change: until then, changes may share
// one clock value (no recording can tell them apart), so a bump stops at the first ancestor already at that
// value. Filling a store (20,000+ sets in a row) thus bumps each node once, not once per key below it.
//
// Walks start from a small cache: the directories on the path of the last key walked (with their paths). Keys
// arrive grouped (files, etcd ranges and templates all go key by key through one directory), so most walks start
// at the key's parent: one startsWith and one map look-up instead of a look-up per segment.

import { GO_TYPE, GoFunc, SLICE_STRING, T, goFunc, goSlice, type FuncMap, type MemoTracker, type StructType } from '../govalue/index.js';
import { checkPattern, compareGo, isLiteralPattern, pathBase, pathClean, pathJoin, pathMatch } from './gopath.js';

export { compareGo, pathBase, pathClean, pathDir, pathJoin, pathMatch, BadPatternError } from './gopath.js';

/** The Go type memkv.KVPair, as `gets` returns it and `%T`/`%v` print it (`{/svc/a 1}`). */
export const KVPAIR_TYPE: StructType = {
  kind: 'struct',
  name: 'memkv.KVPair',
  fields: [
    { name: 'Key', type: T.string },
    { name: 'Value', type: T.string },
  ],
};
export const SLICE_KVPAIR = T.slice(KVPAIR_TYPE);

/**
 * Name tag for arrays of a named slice type. `gets` returns memkv.KVPairs (`type KVPairs []KVPair`), which `%T`
 * prints as "memkv.KVPairs" and which confd's `reverse` does not reverse (its type switch matches only
 * []memkv.KVPair). govalue has no named slice types yet; the tag keeps the distinction for our functions.
 */
export { SLICE_NAME } from '../govalue/index.js';
import { SLICE_NAME } from '../govalue/index.js';

/** Tag an array as a memkv.KVPairs. */
export function kvPairs(pairs: KVPair[]): KVPair[] {
  goSlice(KVPAIR_TYPE, pairs);
  Object.defineProperty(pairs, SLICE_NAME, { value: 'memkv.KVPairs', enumerable: false, writable: true, configurable: true });
  return pairs;
}

export function sliceName(v: unknown): string | undefined {
  return Array.isArray(v) ? (v as { [SLICE_NAME]?: string })[SLICE_NAME] : undefined;
}

export interface KVPair {
  readonly [GO_TYPE]: StructType;
  readonly Key: string;
  readonly Value: string;
}

export function kvPair(key: string, value: string): KVPair {
  return { [GO_TYPE]: KVPAIR_TYPE, Key: key, Value: value };
}

export function isKVPair(v: unknown): v is KVPair {
  return typeof v === 'object' && v !== null && (v as { [GO_TYPE]?: unknown })[GO_TYPE] === KVPAIR_TYPE;
}

/** memkv's KeyError text: `key does not exist: /x`. */
export class KeyNotExistError extends Error {
  override readonly name = 'KeyNotExistError';
  constructor(readonly key: string) {
    super(`key does not exist: ${key}`);
  }
}

class Node {
  /** Store clock at the last change in this node's subtree (see the top of the file). */
  ver = 0;
  /** The node's value when its path is a key. A node can be a key and a directory at once (/app and /app/x). */
  value: string | undefined = undefined;
  /**
   * The backend's spellings of this key and their values, when it was given in more than one or in a spelling
   * that is not clean ("/a//b" for "/a/b"); null in the usual case, where the clean key is the only spelling.
   */
  spellings: Map<string, string> | null = null;
  children: Map<string, Node> | null = null;
  /** Sorted names of all children (lazily rebuilt). */
  sortedAll: string[] | null = null;
  /** Sorted names of children that have children (lazily rebuilt). */
  sortedDirs: string[] | null = null;
  constructor(
    readonly name: string,
    readonly parent: Node | null,
  ) {}
  get leaf(): boolean {
    return this.value !== undefined;
  }
  get isDir(): boolean {
    return this.children !== null && this.children.size > 0;
  }
}

/** What a memoised body read from the store: nodes, and what nested bodies read, as of store clock `at`. */
class StoreDeps {
  constructor(
    readonly at: number,
    readonly nodes: readonly Node[],
    readonly nested: readonly StoreDeps[],
    /** Deepest node whose subtree holds everything read (null: nothing read). */
    readonly top: Node | null,
  ) {}
}

/** Adds the child `name`, which `node` does not have yet, keeping the sorted-name caches right. */
function addChild(node: Node, name: string): Node {
  let children = node.children;
  if (children === null) {
    children = node.children = new Map();
    if (node.parent !== null) node.parent.sortedDirs = null; // node becomes a dir
  }
  const child = new Node(name, node);
  children.set(name, child);
  node.sortedAll = null;
  node.sortedDirs = null;
  return child;
}

/** Number of ancestors (the root has 0); a node's depth is the number of segments in its key. */
function depth(n: Node): number {
  let d = 0;
  for (let p = n.parent; p !== null; p = p.parent) d++;
  return d;
}

/** The deepest common ancestor-or-self of two nodes of the same tree (null if they share none). */
function commonAncestor(a: Node, b: Node): Node | null {
  if (a === b) return a;
  let da = depth(a);
  let db = depth(b);
  let x: Node | null = a;
  let y: Node | null = b;
  while (da > db) {
    x = (x as Node).parent;
    da--;
  }
  while (db > da) {
    y = (y as Node).parent;
    db--;
  }
  while (x !== y && x !== null && y !== null) {
    x = x.parent;
    y = y.parent;
  }
  return x === y ? x : null;
}

/**
 * Closes a recording. Versions cover whole subtrees, so when the common ancestor of everything read was itself
 * read (an `lsdir` of a domain whose keys the body then reads), that one node is an exact summary: it changed iff
 * something recorded did. Validating it is one compare instead of one per key.
 */
function closeRecording(at: number, r: Recording): StoreDeps {
  let top: Node | null = null;
  let first = true;
  for (const n of r.nodes) {
    top = first ? n : top === null ? null : commonAncestor(top, n);
    first = false;
  }
  const nested = r.nested ?? NONE;
  for (const d of nested) {
    top = first ? d.top : top === null || d.top === null ? null : commonAncestor(top, d.top);
    first = false;
  }
  if (top !== null && r.nodes.includes(top)) return new StoreDeps(at, [top], NONE, top);
  return new StoreDeps(at, r.nodes.slice(), nested, top); // slice: exact size, the recording's array has spare room
}

function depsValid(d: StoreDeps): boolean {
  const at = d.at;
  for (const n of d.nodes) if (n.ver > at) return false;
  for (const sub of d.nested) if (!depsValid(sub)) return false;
  return true;
}

/** An open recording. */
interface Recording {
  readonly nodes: Node[];
  nested: StoreDeps[] | null;
}

const NONE: readonly StoreDeps[] = [];

/** Read nothing from the store: valid whatever happens to it. */
const NO_DEPS = new StoreDeps(Number.MAX_SAFE_INTEGER, [], [], null);

export class KVStore {
  // Keys live only in the tree (no flat map): a key is looked up by walking its segments through small
  // per-directory maps, which is as fast as one 200,000-entry map and saves a full-key string per key.
  private root = new Node('', null);
  private count = 0;
  /** Advances with every change; see Node.ver. */
  private clock = 0;
  /** Clock of the last clear(): recordings made before it are invalid. */
  private clearedAt = 0;
  /** A recording has been closed at the current clock value: the next change must advance the clock. */
  private observed = false;
  /**
   * The walk cache (see the top of the file): pathNodes[d] is a directory at depth d on the path of the last key
   * walked, pathPrefixes[d] its path with a trailing "/" (depth 0: the root, "/"), for d <= pathTop (entries
   * above are stale). Nodes only leave the tree through delete (pruning) and clear, which reset it.
   */
  private pathNodes: Node[] = [this.root];
  private pathPrefixes: string[] = ['/'];
  private pathTop = 0;
  /** Set by walk(): the deepest node found on the walked path, and where the rest of the key starts after it. */
  private reached: Node = this.root;
  private reachedEnd = 0;
  /** The innermost open recording, and the ones it is nested in. */
  private recording: Recording | null = null;
  private readonly outer: Array<Recording | null> = [];
  private readonly memoTracker: MemoTracker = {
    begin: () => {
      this.outer.push(this.recording);
      this.recording = { nodes: [], nested: null };
    },
    end: () => {
      const r = this.recording;
      this.recording = this.outer.pop() ?? null;
      if (r === null || (r.nodes.length === 0 && r.nested === null)) return NO_DEPS;
      this.observed = true;
      const deps = closeRecording(this.clock, r);
      if (this.recording !== null) (this.recording.nested ??= []).push(deps);
      return deps;
    },
    reuse: (deps) => {
      if (this.recording !== null && deps !== NO_DEPS) (this.recording.nested ??= []).push(deps as StoreDeps);
    },
    valid: (deps) => deps === NO_DEPS || (deps instanceof StoreDeps && deps.at >= this.clearedAt && depsValid(deps)),
    reset: () => {
      this.recording = null;
      this.outer.length = 0;
    },
  };

  /**
   * The tracker of this store's template functions, for memoised templates:
   * `Template.parse(name, text, { funcs: store.funcs(), memo: store.tracker() })`. Always the same object.
   */
  tracker(): MemoTracker {
    return this.memoTracker;
  }

  /** Records `node` as read by the open recording, if any. */
  private dep(node: Node): void {
    this.recording?.nodes.push(node);
  }

  /**
   * A change at `node`: bump it and every ancestor. Ancestors never have a lower version than their descendants
   * and no version exceeds the clock, so a node already at `now` has all its ancestors at `now` too.
   */
  private bump(node: Node | null): void {
    if (this.observed) {
      this.clock++;
      this.observed = false;
    }
    const now = this.clock;
    for (; node !== null && node.ver !== now; node = node.parent) node.ver = now;
  }

  /** Forget the walk cache (its nodes may have left the tree). */
  private resetWalkCache(): void {
    this.pathNodes = [this.root];
    this.pathPrefixes = ['/'];
    this.pathTop = 0;
    this.reached = this.root;
  }

  /**
   * The node of an absolute raw key, or undefined. Not cleaned: a key that is not clean finds nothing, as a map
   * look-up of it would (clean keys have no empty, "." or ".." segments, so no node has such a name). Sets
   * `reached` to the deepest node found on the key's path, and caches the directories walked through.
   */
  private walk(key: string): Node | undefined {
    const nodes = this.pathNodes;
    const prefixes = this.pathPrefixes;
    let d = this.pathTop;
    while (d > 0 && !key.startsWith(prefixes[d] as string)) d--;
    this.pathTop = d; // drop the cached levels that the key does not share
    let node = nodes[d] as Node;
    let start = (prefixes[d] as string).length;
    this.reached = node;
    this.reachedEnd = start;
    if (d === 0 && key.charCodeAt(0) !== 0x2f) {
      this.reachedEnd = 0; // relative: nothing of it matched
      return undefined;
    }
    // The key is a cached directory's path with its trailing "/" ("/a/"), or "/".
    if (start === key.length) return d === 0 ? node : undefined;
    for (;;) {
      const i = key.indexOf('/', start);
      const children = node.children;
      const child = children === null ? undefined : children.get(i < 0 ? key.slice(start) : key.slice(start, i));
      if (child === undefined) return undefined;
      node = child;
      this.reached = node;
      if (i < 0) {
        this.reachedEnd = key.length;
        return node;
      }
      this.reachedEnd = i + 1;
      start = i + 1;
      nodes[++d] = node;
      prefixes[d] = key.slice(0, start);
      this.pathTop = d;
    }
  }

  /** Number of keys. */
  get size(): number {
    return this.count;
  }

  /**
   * Sets a key. The key is cleaned as confd cleans the keys it loads (`path.Join("/", key)`), so "" and "/"
   * are the key "/", "a//b/" is "/a/b". Each spelling the backend uses stays its own entry, as it is in the backend
   * (see setSpelling): deleting "/a//b" later leaves "/a/b" alone. Returns whether the key's value changed.
   */
  set(key: string, value: string): boolean {
    if (isPlainKey(key)) {
      // The usual key: one look-up per segment from the root, creating what is missing. Filling a store this way
      // is ~20% faster than through walk() and its path cache in a one-shot run (20,000 keys: 26 -> 20 ms), which
      // keeps making prefix strings for the cache; reads (getv) gain nothing from it, and keep walk().
      const node = this.insert(key);
      if (node.spellings !== null) return this.setSpelling(node, key, key, value);
      if (node.value === value) return false;
      if (node.value === undefined) this.count++;
      node.value = value;
      this.bump(node);
      return true;
    }
    let node = this.walk(key);
    let clean = key;
    if (node === undefined) {
      // A new key, or one that is not clean: create what is missing below the deepest node found. The part of the
      // key that walk matched is clean (node names are); the rest is checked before anything is created.
      if (isCleanRest(key, this.reachedEnd)) node = this.create(key, this.reached, this.reachedEnd);
      else {
        clean = cleanKey(key);
        node = this.walk(clean) ?? this.create(clean, this.reached, this.reachedEnd);
      }
    }
    if (clean !== key || node.spellings !== null) return this.setSpelling(node, clean, key, value);
    if (node.value === value) return false;
    if (node.value === undefined) this.count++;
    node.value = value;
    this.bump(node);
    return true;
  }

  /**
   * Sets the value of one spelling of `clean`. The Go confd rebuilds its store from every backend key on each
   * change, storing each under path.Join("/", key): where two spellings meet, one of them wins at random. Here the
   * clean spelling wins, else the one set last; and each spelling is removed only by its own delete.
   */
  private setSpelling(node: Node, clean: string, raw: string, value: string): boolean {
    let sp = node.spellings;
    if (sp === null) {
      sp = node.spellings = new Map();
      if (node.value !== undefined) sp.set(clean, node.value);
    }
    sp.delete(raw); // the latest spelling goes last
    sp.set(raw, value);
    return this.settle(node, sp.get(clean) ?? value);
  }

  /** Gives `node` the value `v` (undefined: no longer a key), keeping the count and versions right. */
  private settle(node: Node, v: string | undefined): boolean {
    if (node.value === v) return false;
    if (node.value === undefined) this.count++;
    else if (v === undefined) this.count--;
    node.value = v;
    this.bump(node);
    return true;
  }

  /** The node of `key` (isPlainKey), created with its missing ancestors. The walk cache stays valid: no node goes. */
  private insert(key: string): Node {
    let node = this.root;
    let start = 1;
    for (;;) {
      const i = key.indexOf('/', start);
      const name = i < 0 ? key.slice(start) : key.slice(start, i);
      node = node.children?.get(name) ?? addChild(node, name);
      if (i < 0) return node;
      start = i + 1;
    }
  }

  /**
   * Creates the nodes of clean key `k` below `from`, the deepest node of its path that exists, whose path ends
   * before k[start]. Returns the key's node.
   */
  private create(k: string, from: Node, start: number): Node {
    let node = from;
    const nodes = this.pathNodes;
    const prefixes = this.pathPrefixes;
    let d = this.pathTop;
    for (;;) {
      const i = k.indexOf('/', start);
      node = addChild(node, i < 0 ? k.slice(start) : k.slice(start, i));
      if (i < 0) return node;
      start = i + 1;
      // Extend the walk cache along the new path (walk left it ending at `from`).
      nodes[++d] = node;
      prefixes[d] = k.slice(0, start);
      this.pathTop = d;
    }
  }

  /**
   * Deletes the key spelled `key` (found through its clean form, like set). Another spelling of the same clean key
   * keeps it: only what the backend deleted goes. Returns whether the key's value changed.
   */
  delete(key: string): boolean {
    const clean = cleanKey(key);
    let node = this.find(clean);
    if (node === undefined || node.value === undefined) return false;
    const sp = node.spellings;
    if (sp !== null) {
      if (!sp.delete(key)) return false; // a spelling the backend never gave
      if (sp.size > 0) {
        let latest: string | undefined;
        for (const v of sp.values()) latest = v;
        const v = sp.get(clean) ?? latest;
        if (sp.size === 1 && sp.has(clean)) node.spellings = null; // back to the usual case
        return this.settle(node, v);
      }
      node.spellings = null;
    } else if (key !== clean) return false; // the key exists only in its clean spelling
    node.value = undefined;
    this.count--;
    this.bump(node); // before pruning: pruned nodes keep the new version, so recordings holding them are invalid
    // Prune nodes that are neither keys nor directories any more.
    if (node.parent !== null && !node.isDir) this.resetWalkCache();
    while (node.parent !== null && !node.leaf && !node.isDir) {
      const parent: Node = node.parent;
      parent.children?.delete(node.name);
      parent.sortedAll = null;
      parent.sortedDirs = null;
      if (parent.children?.size === 0) {
        parent.children = null;
        if (parent.parent !== null) parent.parent.sortedDirs = null; // parent is no longer a dir
      }
      node = parent;
    }
    return true;
  }

  clear(): void {
    this.root = new Node('', null);
    this.count = 0;
    this.clearedAt = ++this.clock;
    this.observed = false;
    this.resetWalkCache();
  }

  /** Whether the exact key exists (no cleaning: confd looks keys up as given). */
  has(key: string): boolean {
    return this.lookup(key)?.value !== undefined;
  }

  /** The value of the exact key, or undefined. */
  value(key: string): string | undefined {
    return this.lookup(key)?.value;
  }

  /** All [key, value] pairs sorted by key bytes. */
  entries(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    this.collect(this.root, '', (k, v) => out.push([k, v]));
    return out.sort((a, b) => compareGo(a[0], b[0]));
  }

  /** The node of a raw key, without cleaning (see walk). */
  private lookup(key: string): Node | undefined {
    return this.walk(key);
  }

  /** lookup for the template functions: records the node found, or the deepest node on the key's path. */
  private lookupDep(key: string): Node | undefined {
    const node = this.walk(key);
    const rec = this.recording;
    // A key not starting with "/" never exists, whatever the store holds: nothing to record.
    if (rec !== null && key.charCodeAt(0) === 0x2f) rec.nodes.push(this.reached);
    return node;
  }

  /** The deepest existing node on the path of a clean absolute path (what a listing of it depends on). */
  private deepest(clean: string): Node {
    this.walk(clean);
    return this.reached;
  }

  /** Records what a listing of `filePath` depends on (ls, lsdir). */
  private listDep(filePath: string): void {
    if (this.recording === null) return;
    const c = pathClean(filePath);
    if (c.charCodeAt(0) === 0x2f) this.dep(this.deepest(c)); // relative paths list nothing, ever
  }

  /** Records what a glob of `pattern` depends on (gets, getvs): the subtree of its literal directory prefix. */
  private globDep(pattern: string): void {
    if (this.recording === null) return;
    let litEnd = 0;
    while (litEnd < pattern.length && !'*?[\\'.includes(pattern.charAt(litEnd))) litEnd++;
    const dir = pattern.slice(0, pattern.lastIndexOf('/', litEnd - 1) + 1);
    // An empty store matches nothing without checking the pattern: the root covers that (every change bumps it).
    const d = dir.slice(0, -1);
    if (this.count === 0 || dir.charCodeAt(0) !== 0x2f || d === '' || pathClean(d) !== d) this.dep(this.root);
    else this.dep(this.deepest(d));
  }

  // ---- memkv's functions ------------------------------------------------------------------------------------

  /** memkv Get: the pair, or KeyNotExistError. */
  get(key: string): KVPair {
    const v = this.lookup(key)?.value;
    if (v === undefined) throw new KeyNotExistError(key);
    return kvPair(key, v);
  }

  /** memkv GetValue: the value, the default if given, or KeyNotExistError. */
  getValue(key: string, ...defaults: string[]): string {
    const v = this.lookup(key)?.value;
    if (v !== undefined) return v;
    if (defaults.length > 0) return defaults[0] as string;
    throw new KeyNotExistError(key);
  }

  /** memkv GetAll: pairs whose key matches the path.Match pattern, sorted by key. */
  getAll(pattern: string): KVPair[] {
    return this.glob(pattern).map((k) => kvPair(k, this.lookup(k)?.value as string));
  }

  /** memkv GetAllValues: values of the keys matching the pattern, sorted by value bytes. */
  getAllValues(pattern: string): string[] {
    return this.glob(pattern)
      .map((k) => this.lookup(k)?.value as string)
      .sort(compareGo);
  }

  /** Matching keys sorted by bytes. Throws BadPatternError as memkv does (only when the store has keys). */
  glob(pattern: string): string[] {
    // memkv calls path.Match once per key: no keys, no error. Go reports a malformed pattern for every name
    // (the whole pattern is always checked), so one check stands for all keys.
    if (this.count === 0) return [];
    checkPattern(pattern);
    const out: string[] = [];
    if (this.root.leaf && pathMatch(pattern, '/')) out.push('/');
    if (pattern.indexOf('[') < 0 && pattern.indexOf('\\') < 0) {
      // Without classes and escapes a '/' in the pattern only matches a '/', and `*`/`?` never do: a key
      // matches iff it has as many segments as the pattern and each segment matches.
      const pats = pattern.split('/');
      const first = pats[0] as string;
      if (pats.length >= 2 && pathMatch(first, '')) this.globWalk(this.root, '', pats, 1, out);
    } else {
      this.globScan(pattern, out);
    }
    return out.sort(compareGo);
  }

  private globWalk(node: Node, path: string, pats: string[], i: number, out: string[]): void {
    const children = node.children;
    if (children === null) return;
    const pat = pats[i] as string;
    const last = i === pats.length - 1;
    if (isLiteralPattern(pat)) {
      const child = children.get(pat);
      if (child === undefined) return;
      const p = `${path}/${pat}`;
      if (last) {
        if (child.leaf) out.push(p);
      } else this.globWalk(child, p, pats, i + 1, out);
      return;
    }
    for (const [name, child] of children) {
      if (!pathMatch(pat, name)) continue;
      const p = `${path}/${name}`;
      if (last) {
        if (child.leaf) out.push(p);
      } else this.globWalk(child, p, pats, i + 1, out);
    }
  }

  /** Full path.Match over the keys under the pattern's literal prefix. */
  private globScan(pattern: string, out: string[]): void {
    let litEnd = 0;
    while (litEnd < pattern.length && !'*?[\\'.includes(pattern.charAt(litEnd))) litEnd++;
    const literal = pattern.slice(0, litEnd);
    if (!literal.startsWith('/')) {
      // Keys start with "/": a pattern that does not may still match them through a leading `*` or class.
      this.collect(this.root, '', (k) => {
        if (k !== '/' && pathMatch(pattern, k)) out.push(k);
      });
      return;
    }
    // Every match starts with `literal`, so it lies under the directory part of it. (If that directory is not
    // clean, e.g. "/a//b", no clean key can start with it.)
    const dir = literal.slice(0, literal.lastIndexOf('/'));
    if (dir !== '' && pathClean(dir) !== dir) return;
    const node = dir === '' ? this.root : this.find(dir);
    if (node === undefined) return;
    this.collect(node, dir, (k) => {
      if (k !== '/' && k.startsWith(literal) && pathMatch(pattern, k)) out.push(k);
    });
  }

  /** Calls fn with every key (and value) at or below node (whose path is `path`, "" for the root). */
  private collect(node: Node, path: string, fn: (key: string, value: string) => void): void {
    if (node.value !== undefined) fn(path === '' ? '/' : path, node.value);
    if (node.children === null) return;
    for (const [name, child] of node.children) this.collect(child, `${path}/${name}`, fn);
  }

  /** memkv List (`ls`). */
  list(filePath: string): string[] {
    const c = pathClean(filePath);
    if (c.charCodeAt(0) !== 0x2f) return []; // relative: no clean absolute key can match
    if (c === '/') {
      const names = new Set<string>();
      const root = this.root;
      if (filePath === '/') {
        // Top-level leaves, and "/" itself when it is a key.
        if (root.leaf) names.add('/');
        if (root.children) for (const [name, child] of root.children) if (child.leaf) names.add(name);
      } else {
        // Non-canonical spellings of "/": memkv's formula on the top-level keys.
        if (root.leaf) names.add(stripFirst('/', filePath));
        if (root.children) for (const [name, child] of root.children) if (child.leaf) names.add(stripFirst(`/${name}`, filePath));
      }
      return [...names].sort(compareGo);
    }
    const node = this.find(c);
    if (filePath === c || filePath === `${c}/`) {
      const extra = filePath === c && node?.leaf ? pathBase(c) : undefined;
      if (node === undefined) return [];
      const all = this.sortedAll(node);
      if (extra === undefined || node.children?.has(extra)) return all.slice();
      return insertSorted(all, extra);
    }
    // Non-canonical spelling (e.g. "/d//", "/d/."): memkv strips the raw string from each key under c.
    if (node === undefined) return [];
    const names = new Set<string>();
    if (node.children) for (const [name, child] of node.children) this.collect(child, `${c}/${name}`, (k) => names.add(stripFirst(k, filePath)));
    return [...names].sort(compareGo);
  }

  /** memkv ListDir (`lsdir`). */
  listDir(filePath: string): string[] {
    const c = pathClean(filePath);
    if (c.charCodeAt(0) !== 0x2f || c === '/') return []; // memkv's term comparison never matches under "/"
    const node = this.find(c);
    if (node === undefined) return [];
    if (filePath === c || filePath === `${c}/`) return this.sortedDirs(node).slice();
    // Non-canonical spelling: only keys that start with the raw string count.
    const names = new Set<string>();
    if (node.children) {
      for (const [name, child] of node.children) {
        if (!child.isDir) continue;
        for (const [gname, gchild] of child.children as Map<string, Node>) {
          this.collect(gchild, `${c}/${name}/${gname}`, (k) => {
            if (k.startsWith(filePath)) names.add(name);
          });
          if (names.has(name)) break;
        }
      }
    }
    return [...names].sort(compareGo);
  }

  private find(clean: string): Node | undefined {
    return this.walk(clean);
  }

  private sortedAll(node: Node): string[] {
    if (node.sortedAll === null) node.sortedAll = node.children ? sortNames([...node.children.keys()]) : [];
    return node.sortedAll;
  }

  private sortedDirs(node: Node): string[] {
    if (node.sortedDirs === null) {
      const dirs: string[] = [];
      if (node.children !== null) for (const child of node.children.values()) if (child.isDir) dirs.push(child.name);
      node.sortedDirs = sortNames(dirs);
    }
    return node.sortedDirs;
  }

  /** The template functions memkv contributes to confd's function map, bound to this store. */
  funcs(): FuncMap {
    // They read this store, whose changes the tracker records: memoised templates using store.tracker() may reuse
    // what they rendered (see the top of the file).
    const tracker = this.memoTracker;
    return {
      exists: goFunc({ params: [T.string], result: T.bool, tracker }, (key: string) => this.lookupDep(key)?.value !== undefined),
      ls: goFunc({ params: [T.string], result: SLICE_STRING, tracker }, (p: string) => {
        this.listDep(p);
        return goSlice(T.string, this.list(p));
      }),
      lsdir: goFunc({ params: [T.string], result: SLICE_STRING, tracker }, (p: string) => {
        this.listDep(p);
        return goSlice(T.string, this.listDir(p));
      }),
      get: goFunc({ params: [T.string], result: KVPAIR_TYPE, returnsError: true, tracker }, (key: string) => {
        const v = this.lookupDep(key)?.value;
        if (v === undefined) throw new KeyNotExistError(key);
        return kvPair(key, v);
      }),
      gets: goFunc({ params: [T.string], result: SLICE_KVPAIR, returnsError: true, tracker }, (pattern: string) => {
        this.globDep(pattern);
        return kvPairs(this.getAll(pattern));
      }),
      getv: goFunc({ params: [T.string], variadic: T.string, result: T.string, returnsError: true, tracker }, (key: string, def?: string) => {
        // Only the first default counts (memkv: defaults[0]); no rest parameter, which would allocate per call.
        const v = this.lookupDep(key)?.value;
        if (v !== undefined) return v;
        if (def !== undefined) return def;
        throw new KeyNotExistError(key);
      }),
      getvs: goFunc({ params: [T.string], result: SLICE_STRING, returnsError: true, tracker }, (pattern: string) => {
        this.globDep(pattern);
        return goSlice(T.string, this.getAllValues(pattern));
      }),
    } satisfies Record<string, GoFunc>;
  }
}

/** confd stores keys as path.Join("/", key). */
export function cleanKey(key: string): string {
  // For an absolute key path.Join("/", key) is path.Clean(key), which returns clean keys (the usual case) as they
  // are without building a new string.
  return key.charCodeAt(0) === 0x2f ? pathClean(key) : pathJoin('/', key);
}

/**
 * A clean absolute key other than "/", told by native searches alone: no empty segment ("//", a trailing "/") and
 * no "." or ".." segment (both need "/."). Conservative: "/a/.b" is clean but takes the general path.
 */
function isPlainKey(key: string): boolean {
  const n = key.length;
  return n > 1 && key.charCodeAt(0) === 0x2f && key.charCodeAt(n - 1) !== 0x2f && key.indexOf('//') < 0 && key.indexOf('/.') < 0;
}

/**
 * Whether key[start..] (start > 0, just after a "/") is a clean path tail: one or more segments, none empty, "."
 * or "..". With a clean prefix up to start, the whole key is then clean.
 */
function isCleanRest(key: string, start: number): boolean {
  if (start === 0) return false; // not absolute
  for (;;) {
    const i = key.indexOf('/', start);
    const end = i < 0 ? key.length : i;
    const len = end - start;
    if (len === 0) return false;
    if (len <= 2 && key.charCodeAt(start) === 0x2e && (len === 1 || key.charCodeAt(start + 1) === 0x2e)) return false;
    if (i < 0) return true;
    start = i + 1;
  }
}

const SURROGATE = /[\ud800-\udfff]/;

/**
 * Sorts names by Go's byte order. The built-in sort (UTF-16 units, native) agrees with it unless a name has a
 * surrogate (see compareGo), and saves a comparator call per comparison.
 */
function sortNames(names: string[]): string[] {
  const n = names.length;
  if (n < 2) return names;
  if (SURROGATE.test(names.join(''))) return names.sort(compareGo);
  // Names usually arrive in order (host0, host1, ...): check before sorting.
  for (let i = 1; i < n; i++) if ((names[i - 1] as string) > (names[i] as string)) return names.sort();
  return names;
}

/** memkv's `strings.Split(stripKey(key, prefix), "/")[0]`. */
function stripFirst(key: string, prefix: string): string {
  let s = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  if (s.startsWith('/')) s = s.slice(1);
  const i = s.indexOf('/');
  return i < 0 ? s : s.slice(0, i);
}

function insertSorted(sorted: readonly string[], x: string): string[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareGo(sorted[mid] as string, x) < 0) lo = mid + 1;
    else hi = mid;
  }
  const out = sorted.slice(0, lo);
  out.push(x);
  for (let i = lo; i < sorted.length; i++) out.push(sorted[i] as string);
  return out;
}
