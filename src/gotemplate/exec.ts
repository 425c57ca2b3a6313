// Executor for Go 1.19 text/template (port of text/template/exec.go). Each parsed tree is compiled once into
// closures; an execution only runs them. Semantics follow Go's walk/eval functions one to one, including where
// Go records the "current node" (s.at) that exec errors quote: `executing "t" at <getv "/x">: ...`.
//
// Differences forced by the value model, on purpose:
// - Variables live in slots fixed at compile time. Go's stack of (name, value) pairs has the same shape at every
//   point of a template, except when `and`/`or` short-circuit past a parenthesised declaration; there a later
//   reference reads the unset slot (<no value>) where Go would report "undefined variable".
// - `null` is a nil interface. Go's nil pointers/maps with a concrete type print `<nil>`; here they print like a
//   nil interface, `<no value>`.

/* eslint-disable @typescript-eslint/no-non-null-assertion -- ported line by line from Go, whose indexing is
   bounds-checked at run time: each `!` marks an index the code around it (a loop bound, a length check) keeps in
   range, as Go's code relies on. Narrowing each one would make the port diverge from Go's and add branches to hot
   paths of the engine. */

import { sprint, sprintf } from '../gofmt/index.js';
import { sortedEntries } from '../gofmt/fmtsort.js';
import {
  GO_METHODS,
  GO_STRING,
  GO_TYPE,
  GoComplex,
  GoError,
  GoFloat,
  GoFunc,
  GoTyped,
  MAP_STRING_ANY,
  MAP_TYPE,
  isStruct,
  typeString,
  zeroValue,
  type GoMap,
  type GoType,
  type MemoTracker,
  type StructType,
} from '../govalue/index.js';
import {
  BUILTINS,
  PRINTF,
  printfFor,
  assignable,
  callableOf,
  canBeNil,
  printable,
  REFLECT_VALUE,
  truth,
  typeName,
  type Callable,
  type ParamType,
} from './funcs.js';
import {
  errorContext,
  NodeType,
  type ActionNode,
  type ChainNode,
  type CommandNode,
  type IdentifierNode,
  type ListNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type RangeNode,
  type TemplateNode,
  type VariableNode,
} from './node.js';
import type { Tree } from './parse.js';

/** Go's maxExecDepth. */
export const MAX_EXEC_DEPTH = 100000;

export class TemplateExecError extends Error {
  override readonly name = 'TemplateExecError';
  readonly code = 'ETEMPLATEEXEC';
  constructor(
    message: string,
    /** Name of the template being executed when the error happened. */
    readonly templateName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type MissingKey = 'default' | 'zero' | 'error';

/** Marks "no final value": the command is not fed by a previous pipeline stage (Go's missingVal). */
const MISSING: unique symbol = Symbol('missing');

/** Control-flow results of executing a node. */
const NEXT = 0;
const BREAK = 1;
const CONTINUE = 2;
type Flow = typeof NEXT | typeof BREAK | typeof CONTINUE;

/** Per-execution state (Go's state). Never shared between executions. */
interface State {
  /** Output pieces not yet joined into a chunk: parts[0..pending) (see write). */
  parts: string[];
  pending: number;
  chunks: string[];
  vars: unknown[];
  node: Node | null;
  depth: number;
  name: string;
  readonly set: ReadonlyMap<string, Compiled>;
  /** Memoisation state; null when the template is not memoised. */
  readonly memo: MemoRun | null;
}

// ---- memoisation ----
//
// A range iteration's output is cached and reused by the next execution when (a) its inputs are equal: the element
// (and the index, if the body reads it) and the values of the variables declared outside the body that it reads
// (known at compile time), all comparable values (primitives, numbers, structs of those); and (b) the tracker says
// that nothing the iteration read through tracked functions has changed since. A body that assigns a variable
// declared outside it is never memoised; calling a function that is neither deterministic nor tracked by this
// template's tracker taints the iterations being recorded (and all enclosing ones), which are then not cached.
// Errors abort the execution, so nothing of a failed iteration is cached.
//
// Caches form a tree that mirrors the execution: each cached iteration owns the caches of the ranges run inside
// it, so nested iterations are reused even when the enclosing one re-runs. Caches are updated in place (every
// entry validates itself on use, so an execution that fails half-way leaves nothing wrong behind); entries that
// an execution no longer uses are swept once they outnumber the used ones. The whole execution is one more unit
// (MemoState.last): same data and nothing it read changed -> the previous output string, no work at all. Small
// nested ranges of simple bodies are not cached per iteration (see memoRange).

/** Caches of the ranges executed in one context (the top level, or one iteration), by range node. */
export type MemoCaches = Map<RangeNode, RangeCache>;

/** The cached iterations of one range in one context, by memo key. */
interface RangeCache {
  readonly entries: Map<unknown, MemoEntry>;
  /** Execution that last used this cache, and how many entries it used. */
  exec: number;
  used: number;
}

/** One cached iteration. */
interface MemoEntry {
  readonly elem: unknown;
  /** The index, when the body reads the index variable; undefined otherwise. */
  readonly index: unknown;
  /** Values of the outer variables the body reads, in the range's outerSlots order. */
  readonly outer: readonly unknown[];
  readonly deps: unknown;
  /** The iteration's output, or null when it may not be reused (it called an untracked, non-deterministic function). */
  readonly output: string | null;
  readonly flow: Flow;
  /** Caches of the ranges run inside this iteration (null: none ran). */
  readonly children: MemoCaches | null;
  /** Execution that last used it. */
  exec: number;
}

/** An iteration being recorded; tainted when it may not be cached. */
interface MemoFrame {
  readonly parent: MemoFrame | null;
  tainted: boolean;
}

interface MemoRun {
  readonly tracker: MemoTracker;
  /** Identifies this execution (see RangeCache.exec). */
  readonly exec: number;
  /** Caches of the current context (null: none yet; created by the first range that runs in it). */
  caches: MemoCaches | null;
  frame: MemoFrame | null;
}

/** What a memoised template keeps between executions. */
export interface MemoState {
  readonly tracker: MemoTracker;
  readonly caches: MemoCaches;
  /** The last execution's output, when it can be reused as a whole (see execute). */
  last: { readonly data: unknown; readonly deps: unknown; readonly output: string } | null;
}

let executions = 0;

/** See memoRange: ranges of at most this many iterations of a simple body are not cached per iteration when nested. */
export const DEFAULT_SMALL_RANGE = 16;

/** Shared by the entries of bodies that read no outer variable (never written: the loop filling it runs 0 times). */
const NO_OUTER: unknown[] = [];

function taint(m: MemoRun): void {
  for (let f = m.frame; f !== null && !f.tainted; f = f.parent) f.tainted = true;
}

/** Key of a cached iteration: the element itself, or its first field; NO_KEY when it is not comparable. */
const NO_KEY: unique symbol = Symbol('no memo key');

function memoKey(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return v;
  }
  if (v === null) return null;
  if (v instanceof GoFloat || v instanceof GoTyped) return v.v;
  if (comparableStruct(v)) {
    const st = (v as { [GO_TYPE]: StructType })[GO_TYPE];
    const first = st.fields[0];
    return first === undefined ? null : memoKey((v as Record<string, unknown>)[first.name]);
  }
  return NO_KEY;
}

/** A struct (not a pointer) without methods whose fields are all primitives: compared field by field. */
function comparableStruct(v: unknown): boolean {
  if (!isStruct(v)) return false;
  const t = v[GO_TYPE];
  if (t.kind !== 'struct' || v[GO_METHODS] !== undefined || GO_STRING in v) return false;
  for (const f of t.fields) if (!isPrimitive(v[f.name])) return false;
  return true;
}

function isPrimitive(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return true;
    case 'object':
      return v === null || v instanceof GoFloat || v instanceof GoTyped;
  }
  return false;
}

/** Whether a value can be an input of a cached iteration. */
function isMemoValue(v: unknown): boolean {
  return isPrimitive(v) || comparableStruct(v);
}

/** Equality of memo inputs: indistinguishable to any template (so -0 and 0 differ). */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof GoFloat) return b instanceof GoFloat && Object.is(a.v, b.v);
  if (a instanceof GoTyped) return b instanceof GoTyped && a.type.name === b.type.name && Object.is(a.v, b.v);
  if (!isStruct(a) || !isStruct(b)) return false;
  const t = a[GO_TYPE];
  if (t !== b[GO_TYPE] || t.kind !== 'struct' || !comparableStruct(b)) return false;
  for (const f of t.fields) if (!sameValue(a[f.name], b[f.name])) return false;
  return true;
}

type Exec = (s: State, dot: unknown) => Flow;
type Eval = (s: State, dot: unknown) => unknown;
type CmdEval = (s: State, dot: unknown, final: unknown) => unknown;

export interface Compiled {
  readonly name: string;
  readonly run: Exec;
}

export interface CompileOptions {
  readonly lookupFunc: (name: string) => Callable | undefined;
  readonly missingKey: MissingKey;
  /** Compile range bodies for memoised execution with this tracker (see MemoState). */
  readonly memo?: MemoTracker;
  /** See TemplateOptions.memoSmallRange (default DEFAULT_SMALL_RANGE). */
  readonly memoSmallRange?: number;
}

// ---- errors ----

function errorf(s: State, msg: string): never {
  if (s.node === null) throw new TemplateExecError(`template: ${s.name}: ${msg}`, s.name);
  const { location, context } = errorContext(s.node);
  throw new TemplateExecError(`template: ${location}: executing ${sprintf('%q', [s.name])} at <${context}>: ${msg}`, s.name);
}

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

// ---- entry point ----

/**
 * Execute template `name` of the set. With `memo` (only for trees compiled with the same tracker), iterations
 * cached by earlier executions are reused when still valid, and memo.caches is updated.
 */
export function execute(set: ReadonlyMap<string, Compiled>, name: string, data: unknown, memo?: MemoState): string {
  const t = set.get(name);
  const dot = data === null ? undefined : data;
  const run: MemoRun | null = memo === undefined ? null : { tracker: memo.tracker, exec: ++executions, caches: memo.caches, frame: null };
  const s: State = { parts: [], pending: 0, chunks: [], vars: [dot], node: null, depth: 0, name, set, memo: run };
  if (t === undefined) errorf(s, `${sprintf('%q', [name])} is an incomplete or empty template`);
  if (memo === undefined || run === null) {
    try {
      t.run(s, dot);
    } catch (e) {
      if (isStackOverflow(e)) errorf(s, `exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
      throw e;
    }
    return outputOf(s);
  }
  // The whole execution is one more memoised unit: same data and nothing read changed -> the same output.
  const last = memo.last;
  const cacheable = isMemoValue(dot);
  if (last !== null && cacheable && sameValue(last.data, dot) && memo.tracker.valid(last.deps)) return last.output;
  memo.last = null;
  const frame: MemoFrame = { parent: null, tainted: false };
  run.frame = frame;
  memo.tracker.reset();
  let deps: unknown;
  try {
    memo.tracker.begin();
    t.run(s, dot);
    deps = memo.tracker.end();
  } catch (e) {
    if (isStackOverflow(e)) errorf(s, `exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    throw e;
  } finally {
    // Never leave a recording open: the store's functions would keep recording into it.
    memo.tracker.reset();
  }
  const output = outputOf(s);
  if (cacheable && !frame.tainted) memo.last = { data: dot, deps, output };
  return output;
}

/** The whole output written so far, as one flat string. */
function outputOf(s: State): string {
  if (s.pending !== 0) flush(s);
  return s.chunks.length === 1 ? (s.chunks[0] as string) : s.chunks.join('');
}

/** Append a long, flat piece (a cached iteration's output) as a chunk of its own: no copying into a join. */
function writeLong(s: State, text: string): void {
  if (text === '') return;
  if (s.pending !== 0) flush(s);
  s.chunks.push(text);
}

/** Output pieces per chunk: large enough to amortise a join, small enough that the pieces die young. */
const CHUNK_PIECES = 2048;

/**
 * Append to the output. Pieces are stored into a reused array and joined every few thousand into a flat chunk.
 * Appending to one long string would build a rope of millions of nodes that all survive to the old generation;
 * even `out += piece` flattened per chunk allocates a rope node per piece (2.4 MB of the 11 MB a render of the
 * seed template over 20k keys allocated), and GC is a large part of a first, cold render.
 */
function write(s: State, text: string): void {
  s.parts[s.pending] = text;
  if (++s.pending === CHUNK_PIECES) flush(s);
}

/** Joins the pending pieces into one flat chunk. */
function flush(s: State): void {
  const parts = s.parts;
  if (parts.length !== s.pending) parts.length = s.pending; // a partial chunk (the end, or before writeLong)
  s.chunks.push(parts.join(''));
  s.pending = 0;
}

// ---- compiler ----

/** Compile one tree. `scope` mirrors Go's runtime variable stack: slot i holds variable scope[i]. */
export function compile(tree: Tree, options: CompileOptions): Compiled {
  const c = new Compiler(options);
  const run = c.list(tree.root, ['$']);
  return { name: tree.name, run };
}

/** A compiled argument: literals keep their node (their conversion depends on the parameter type). */
interface ArgCode {
  readonly node: Node;
  /** Raw value for non-literal arguments; null for literals (bool, number, string, nil). */
  readonly raw: Eval | null;
  /** For a plain variable ($x): its slot, so that hot calls like `getv $key` read it directly. */
  readonly slot?: number;
}

/** What a range body does with variables declared outside it (slots below `boundary`), found while compiling it. */
interface BodyInfo {
  readonly boundary: number;
  readonly reads: Set<number>;
  assignsOuter: boolean;
  /** The body contains a range or a template call (work that may be worth caching below it). */
  nests: boolean;
}

class Compiler {
  /** Range bodies being compiled, innermost last (only when memoising). */
  private readonly bodies: BodyInfo[] = [];
  /**
   * Set by pipeline(): when the pipeline just compiled is one command with a no-final entry point (and, if it
   * assigns, only to defined variables), that entry point and the slots the value goes to; otherwise null.
   */
  private lastSingle: { readonly noFinal: Eval; readonly slots: readonly number[] } | null = null;

  constructor(private readonly o: CompileOptions) {}

  /** Note a read of variable slot `slot` in every enclosing body it is outside of. */
  private noteRead(slot: number): void {
    for (let i = this.bodies.length - 1; i >= 0; i--) {
      const b = this.bodies[i]!;
      if (slot >= b.boundary) break; // declared inside this body, hence inside every enclosing one too
      b.reads.add(slot);
    }
  }

  private noteAssign(slot: number): void {
    for (let i = this.bodies.length - 1; i >= 0; i--) {
      const b = this.bodies[i]!;
      if (slot >= b.boundary) break;
      b.assignsOuter = true;
    }
  }

  list(list: ListNode, scope: string[]): Exec {
    const nodes = list.nodes;
    const n = nodes.length;
    if (n === 0) return () => NEXT;
    if (n === 1) return this.node(nodes[0]!, scope);
    // Text nodes stay strings, written by the loop itself: they are about half of what a template body runs, and a
    // closure call each costs more than the write in a first (cold) execution.
    const items: Array<Exec | string> = nodes.map((node) => (node.type === NodeType.Text ? node.text : this.node(node, scope)));
    return (s, dot) => {
      for (let i = 0; i < n; i++) {
        const item = items[i]!;
        if (typeof item === 'string') {
          s.parts[s.pending] = item; // write(), inlined
          if (++s.pending === CHUNK_PIECES) flush(s);
          continue;
        }
        const r = item(s, dot);
        if (r !== NEXT) return r;
      }
      return NEXT;
    };
  }

  node(node: Node, scope: string[]): Exec {
    switch (node.type) {
      case NodeType.Action:
        return this.action(node, scope);
      case NodeType.Break:
        return (s) => {
          s.node = node;
          return BREAK;
        };
      case NodeType.Continue:
        return (s) => {
          s.node = node;
          return CONTINUE;
        };
      case NodeType.Comment:
        return () => NEXT;
      case NodeType.If:
      case NodeType.With: {
        const isWith = node.type === NodeType.With;
        const mark = scope.length;
        const pipe = this.pipeline(node.pipe, scope);
        const afterPipe = scope.length;
        const list = this.list(node.list, scope);
        scope.length = afterPipe;
        const elseList = node.elseList === null ? null : this.list(node.elseList, scope);
        scope.length = mark;
        return (s, dot) => {
          s.node = node;
          const val = pipe(s, dot);
          if (truth(val)) return list(s, isWith ? val : dot);
          if (elseList !== null) return elseList(s, dot);
          return NEXT;
        };
      }
      case NodeType.List: {
        const mark = scope.length;
        const run = this.list(node, scope);
        scope.length = mark;
        return run;
      }
      case NodeType.Range:
        return this.range(node, scope);
      case NodeType.Template:
        return this.template(node, scope);
      case NodeType.Text: {
        const text = node.text;
        return (s) => {
          // write(), inlined: text is most of what a template executes.
          s.parts[s.pending] = text;
          if (++s.pending === CHUNK_PIECES) flush(s);
          return NEXT;
        };
      }
      default:
        return (s) => {
          s.node = node;
          errorf(s, `unknown node: ${node.toString()}`);
        };
    }
  }

  private action(node: ActionNode, scope: string[]): Exec {
    const pipe = this.pipeline(node.pipe, scope);
    // A pipeline of one call: run the call from here (what pipeline() would do, one closure call less per action).
    const single = this.lastSingle;
    const pipeNode = node.pipe;
    // If the action declares variables, don't print the result.
    if (node.pipe.decl.length > 0) {
      if (single !== null && single.slots.length === 1) {
        const call = single.noFinal;
        const slot = single.slots[0]!;
        return (s, dot) => {
          s.node = pipeNode;
          const v = call(s, dot);
          s.vars[slot] = v === null ? undefined : v;
          return NEXT;
        };
      }
      return (s, dot) => {
        s.node = node;
        pipe(s, dot);
        return NEXT;
      };
    }
    if (single !== null) {
      const call = single.noFinal;
      return (s, dot) => {
        s.node = pipeNode;
        const v = call(s, dot);
        // printValue, with fast paths for what templates print most (the string case is write(), inlined).
        if (typeof v === 'string') {
          s.parts[s.pending] = v;
          if (++s.pending === CHUNK_PIECES) flush(s);
          return NEXT;
        }
        switch (typeof v) {
          case 'number':
            write(s, String(v));
            return NEXT;
          case 'undefined':
            write(s, '<no value>');
            return NEXT;
        }
        if (v === null) {
          write(s, '<no value>'); // the pipeline's nil interface is <no value>
          return NEXT;
        }
        s.node = node;
        if (v instanceof GoFunc) errorf(s, `can't print ${node.toString()} of type ${typeName(v)}`);
        write(s, sprint([printable(v)]));
        return NEXT;
      };
    }
    return (s, dot) => {
      s.node = node;
      const v = pipe(s, dot);
      // printValue, with fast paths for what templates print most.
      switch (typeof v) {
        case 'string':
          write(s, v);
          return NEXT;
        case 'number':
          write(s, String(v));
          return NEXT;
        case 'undefined':
          write(s, '<no value>');
          return NEXT;
      }
      s.node = node;
      if (v instanceof GoFunc) errorf(s, `can't print ${node.toString()} of type ${typeName(v)}`);
      write(s, sprint([printable(v)]));
      return NEXT;
    };
  }

  private range(node: RangeNode, scope: string[]): Exec {
    const mark = scope.length;
    const pipe = this.pipeline(node.pipe, scope);
    const afterPipe = scope.length;
    for (const b of this.bodies) b.nests = true;
    const info: BodyInfo | null = this.o.memo === undefined ? null : { boundary: afterPipe, reads: new Set(), assignsOuter: false, nests: false };
    if (info !== null) this.bodies.push(info);
    const body = this.list(node.list, scope);
    if (info !== null) this.bodies.pop();
    scope.length = afterPipe;
    const elseList = node.elseList === null ? null : this.list(node.elseList, scope);
    scope.length = mark;

    const decl = node.pipe.decl;
    const nDecl = decl.length;
    // Where each iteration stores the index and the element (Go's setVar / setTopVar), resolved now.
    let indexSlot = -1;
    let elemSlot = -1;
    let indexUndefined: VariableNode | null = null;
    let elemUndefined: VariableNode | null = null;
    if (nDecl > 0) {
      if (node.pipe.isAssign) {
        const first = scope.lastIndexOf(decl[0]!.ident[0]!);
        if (nDecl > 1) {
          indexSlot = first;
          if (first < 0) indexUndefined = decl[0]!;
          elemSlot = scope.lastIndexOf(decl[1]!.ident[0]!);
          if (elemSlot < 0) elemUndefined = decl[1]!;
        } else {
          elemSlot = first;
          if (first < 0) elemUndefined = decl[0]!;
        }
      } else {
        elemSlot = afterPipe - 1; // setTopVar(1, elem)
        if (nDecl > 1) indexSlot = afterPipe - 2; // setTopVar(2, index)
      }
    }
    const undefinedVar = indexUndefined ?? elemUndefined;

    const iterate = (s: State, index: unknown, elem: unknown): Flow => {
      if (undefinedVar !== null) errorf(s, `undefined variable: ${undefinedVar.ident[0]}`);
      if (indexSlot >= 0) s.vars[indexSlot] = index;
      if (elemSlot >= 0) s.vars[elemSlot] = elem;
      return body(s, elem);
    };

    /** The loop over the pipeline's value. */
    const loop = (s: State, dot: unknown, val: unknown): Flow => {
      if (Array.isArray(val)) {
        const n = val.length;
        if (n > 0) {
          for (let i = 0; i < n; i++) {
            if (iterate(s, i, val[i]) === BREAK) break;
          }
          return NEXT;
        }
      } else if (val instanceof Map) {
        if (val.size > 0) {
          const keyType = mapType(val).key;
          for (const [k, v] of sortedEntries(val, keyType)) {
            if (iterate(s, k, v) === BREAK) break;
          }
          return NEXT;
        }
      } else if (val !== undefined) {
        errorf(s, `range can't iterate over ${sprintf('%v', [val])}`);
      }
      if (elseList !== null) return elseList(s, dot);
      return NEXT;
    };

    if (info !== null) {
      if (node.pipe.isAssign) {
        // `range $x = ...` assigns variables declared outside: the loop itself has an effect beyond its output.
        if (indexSlot >= 0) this.noteAssign(indexSlot);
        if (elemSlot >= 0) this.noteAssign(elemSlot);
      } else if (!info.assignsOuter) {
        return this.memoRange(node, pipe, elseList, iterate, loop, info, indexSlot, elemSlot);
      }
    }

    return (s, dot) => {
      s.node = node;
      return loop(s, dot, pipe(s, dot));
    };
  }

  /**
   * A range whose iterations are cached across executions (see MemoState). `info` is what its body reads from
   * outside; indexSlot and elemSlot (-1: none) are where each iteration puts the index and the element.
   */
  private memoRange(
    node: RangeNode,
    pipe: Eval,
    elseList: Exec | null,
    iterate: (s: State, index: unknown, elem: unknown) => Flow,
    loop: (s: State, dot: unknown, val: unknown) => Flow,
    info: BodyInfo,
    indexSlot: number,
    elemSlot: number,
  ): Exec {
    // Everything read from outside the body is an input, except the index and element, which the iteration sets
    // (a variable declared inside the range's pipeline, `range (($s := ...))`, is an input like an outer one).
    const outerSlots = [...info.reads].filter((slot) => slot !== indexSlot && slot !== elemSlot).sort((a, b) => a - b);
    const nOuter = outerSlots.length;
    const usesIndex = indexSlot >= 0 && info.reads.has(indexSlot);

    const sameOuter = (outer: readonly unknown[], vars: unknown[]): boolean => {
      for (let i = 0; i < nOuter; i++) if (!sameValue(outer[i], vars[outerSlots[i]!])) return false;
      return true;
    };

    /** One iteration; `key` is its cache key (NO_KEY: not cacheable). */
    const one = (s: State, m: MemoRun, cache: RangeCache, key: unknown, index: unknown, elem: unknown): Flow => {
      if (key === NO_KEY) return iterate(s, index, elem);
      const vars = s.vars;
      const old = cache.entries.get(key);
      const idx = usesIndex ? index : undefined;
      if (
        old !== undefined &&
        old.output !== null &&
        Object.is(old.index, idx) &&
        sameValue(old.elem, elem) &&
        sameOuter(old.outer, vars) &&
        m.tracker.valid(old.deps)
      ) {
        writeLong(s, old.output);
        m.tracker.reuse(old.deps);
        if (old.exec !== m.exec) {
          old.exec = m.exec;
          cache.used++;
        }
        return old.flow;
      }
      const outer: unknown[] = nOuter === 0 ? NO_OUTER : new Array<unknown>(nOuter);
      for (let i = 0; i < nOuter; i++) {
        const v = vars[outerSlots[i]!];
        if (!isMemoValue(v)) return iterate(s, index, elem);
        outer[i] = v;
      }
      // Record: the body's output goes to a buffer of its own, its ranges' caches to the entry's (kept from the
      // stale entry, so that the ranges inside reuse what is still valid).
      const { parts, pending, chunks } = s;
      s.parts = [];
      s.pending = 0;
      s.chunks = [];
      const { caches, frame: parentFrame } = m;
      const frame: MemoFrame = { parent: parentFrame, tainted: false };
      m.caches = old === undefined ? null : old.children;
      m.frame = frame;
      m.tracker.begin();
      const flow = iterate(s, index, elem);
      const deps = m.tracker.end();
      const children = m.caches;
      m.caches = caches;
      m.frame = parentFrame;
      const output = outputOf(s); // flat: the string is kept and reused
      s.parts = parts;
      s.pending = pending;
      s.chunks = chunks;
      writeLong(s, output);
      if (old === undefined || old.exec !== m.exec) cache.used++;
      cache.entries.set(key, { elem, index: idx, outer, deps, output: frame.tainted ? null : output, flow, children, exec: m.exec });
      return flow;
    };

    /** The cache of this range in the current context. */
    const cacheOf = (m: MemoRun): RangeCache => {
      const caches = (m.caches ??= new Map());
      let cache = caches.get(node);
      if (cache === undefined) caches.set(node, (cache = { entries: new Map(), exec: m.exec, used: 0 }));
      else if (cache.exec !== m.exec) {
        cache.exec = m.exec;
        cache.used = 0;
      }
      return cache;
    };

    /** Drops entries this execution has not used once they outnumber the used ones (removed elements). */
    const sweep = (m: MemoRun, cache: RangeCache): void => {
      if (cache.entries.size <= 2 * cache.used + 16) return;
      for (const [k, e] of cache.entries) if (e.exec !== m.exec) cache.entries.delete(k);
    };

    // A few iterations of a body with no range or template call inside, within a cached iteration (not just the
    // whole execution's root frame, see execute): cheaper to re-run with the enclosing iteration than to cache one
    // by one, and much smaller (what they read is recorded for the enclosing iteration).
    const smallRange = this.o.memoSmallRange ?? DEFAULT_SMALL_RANGE;
    const small = (m: MemoRun, n: number): boolean => n <= smallRange && m.frame !== null && m.frame.parent !== null && !info.nests;

    return (s, dot) => {
      s.node = node;
      const val = pipe(s, dot);
      const m = s.memo;
      if (m === null) return loop(s, dot, val); // executed without memoisation
      if (Array.isArray(val) ? small(m, val.length) : val instanceof Map && small(m, val.size)) return loop(s, dot, val);
      if (Array.isArray(val)) {
        const n = val.length;
        if (n > 0) {
          const cache = cacheOf(m);
          for (let i = 0; i < n; i++) {
            const elem: unknown = val[i];
            if (one(s, m, cache, memoKey(elem), i, elem) === BREAK) break;
          }
          sweep(m, cache);
          return NEXT;
        }
      } else if (val instanceof Map) {
        if (val.size > 0) {
          const cache = cacheOf(m);
          for (const [k, v] of sortedEntries(val, mapType(val).key)) {
            // Keyed by the map key; the element is compared as an input.
            if (one(s, m, cache, isMemoValue(v) ? memoKey(k) : NO_KEY, k, v) === BREAK) break;
          }
          sweep(m, cache);
          return NEXT;
        }
      } else if (val !== undefined) {
        errorf(s, `range can't iterate over ${sprintf('%v', [val])}`);
      }
      if (elseList !== null) return elseList(s, dot);
      return NEXT;
    };
  }

  private template(node: TemplateNode, scope: string[]): Exec {
    for (const b of this.bodies) b.nests = true;
    // Variables declared by the pipeline persist.
    const pipe = node.pipe === null ? null : this.pipeline(node.pipe, scope);
    const name = node.name;
    const quoted = sprintf('%q', [name]);
    return (s, dot) => {
      s.node = node;
      const tmpl = s.set.get(name);
      if (tmpl === undefined) errorf(s, `template ${quoted} not defined`);
      if (s.depth === MAX_EXEC_DEPTH) errorf(s, `exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
      const newDot = pipe === null ? undefined : pipe(s, dot);
      const { vars, name: outerName } = s;
      // No dynamic scoping: template invocations inherit no variables.
      s.vars = [newDot];
      s.name = tmpl.name;
      s.depth++;
      tmpl.run(s, newDot);
      s.depth--;
      s.name = outerName;
      s.vars = vars;
      return NEXT;
    };
  }

  // ---- pipelines and commands ----

  pipeline(pipe: PipeNode, scope: string[]): Eval {
    const cmds = pipe.cmds.map((c) => this.command(c, scope));
    // Declarations push new slots (visible from here on); assignments resolve to existing ones.
    const slots: number[] = [];
    let undefinedVar: VariableNode | null = null;
    for (const v of pipe.decl) {
      const name = v.ident[0]!;
      if (pipe.isAssign) {
        const slot = scope.lastIndexOf(name);
        if (slot < 0) undefinedVar ??= v;
        else this.noteAssign(slot);
        slots.push(slot);
      } else {
        slots.push(scope.length);
        scope.push(name);
      }
    }
    const n = cmds.length;
    const first = cmds[0]!;
    const store = (s: State, value: unknown): void => {
      if (undefinedVar !== null) errorf(s, `undefined variable: ${undefinedVar.ident[0]}`);
      for (const slot of slots) s.vars[slot] = value;
    };
    const hasDecl = slots.length > 0;
    // The first command never has a final value: use its no-final entry point when it has one.
    const firstNoFinal = NO_FINAL.get(first);
    if (n === 1 && firstNoFinal !== undefined && undefinedVar === null) this.lastSingle = { noFinal: firstNoFinal, slots };
    else this.lastSingle = null;
    if (n === 1 && !hasDecl) {
      if (firstNoFinal !== undefined) {
        return (s, dot) => {
          s.node = pipe;
          const value = firstNoFinal(s, dot);
          // If the object has type interface{}, dig down one level to the thing inside.
          return value === null ? undefined : value;
        };
      }
      return (s, dot) => {
        s.node = pipe;
        const value = first(s, dot, MISSING);
        return value === null ? undefined : value;
      };
    }
    if (n === 1 && firstNoFinal !== undefined) {
      return (s, dot) => {
        s.node = pipe;
        let value = firstNoFinal(s, dot);
        if (value === null) value = undefined;
        store(s, value);
        return value;
      };
    }
    return (s, dot) => {
      s.node = pipe;
      let value: unknown = MISSING;
      for (let i = 0; i < n; i++) {
        value = cmds[i]!(s, dot, value); // previous value is this one's final arg.
        if (value === null) value = undefined;
      }
      if (hasDecl) store(s, value);
      return value;
    };
  }

  private command(cmd: CommandNode, scope: string[]): CmdEval {
    const firstWord = cmd.args[0]!;
    switch (firstWord.type) {
      case NodeType.Field: {
        const args = this.args(cmd.args, scope);
        const field = firstWord;
        return (s, dot, final) => {
          s.node = field;
          return this.evalFieldChain(s, dot, dot, field, field.ident, args, final);
        };
      }
      case NodeType.Chain: {
        const args = this.args(cmd.args, scope);
        return this.chain(firstWord, args, scope);
      }
      case NodeType.Identifier:
        return this.function(firstWord, cmd, this.args(cmd.args, scope));
      case NodeType.Pipe: {
        // Parenthesized pipeline. The arguments are all inside the pipeline; final must be absent.
        const pipe = this.pipeline(firstWord, scope);
        const extra = cmd.args.length > 1;
        return (s, dot, final) => {
          if (extra || final !== MISSING) errorf(s, `can't give argument to non-function ${firstWord.toString()}`);
          return pipe(s, dot);
        };
      }
      case NodeType.Variable: {
        const args = this.args(cmd.args, scope);
        return this.variable(firstWord, args, scope);
      }
    }
    const extra = cmd.args.length > 1;
    const notAFunction = (s: State, final: unknown): void => {
      if (extra || final !== MISSING) errorf(s, `can't give argument to non-function ${firstWord.toString()}`);
    };
    switch (firstWord.type) {
      case NodeType.Bool: {
        const v = firstWord.value;
        return (s, _dot, final) => {
          s.node = firstWord;
          notAFunction(s, final);
          return v;
        };
      }
      case NodeType.Dot:
        return (s, dot, final) => {
          s.node = firstWord;
          notAFunction(s, final);
          return dot;
        };
      case NodeType.Nil:
        return (s, _dot, final) => {
          s.node = firstWord;
          notAFunction(s, final);
          errorf(s, 'nil is not a command');
        };
      case NodeType.Number: {
        const constant = idealConstant(firstWord);
        return (s, _dot, final) => {
          s.node = firstWord;
          notAFunction(s, final);
          return constant(s, undefined);
        };
      }
      case NodeType.String: {
        const text = firstWord.text;
        return (s, _dot, final) => {
          s.node = firstWord;
          notAFunction(s, final);
          return text;
        };
      }
    }
    return (s) => {
      s.node = firstWord;
      errorf(s, `can't evaluate command ${sprintf('%q', [firstWord.toString()])}`);
    };
  }

  /** Compile the arguments after the first word of a command. */
  private args(words: readonly Node[], scope: string[]): ArgCode[] {
    return words.slice(1).map((n) => this.arg(n, scope));
  }

  private arg(n: Node, scope: string[]): ArgCode {
    switch (n.type) {
      case NodeType.Dot:
        return { node: n, raw: (_s, dot) => dot };
      case NodeType.Field: {
        const field = n;
        return {
          node: n,
          raw: (s, dot) => {
            s.node = field;
            return this.evalFieldChain(s, dot, dot, field, field.ident, NO_ARGS, MISSING);
          },
        };
      }
      case NodeType.Variable: {
        const slot = scope.lastIndexOf(n.ident[0]!);
        if (n.ident.length === 1 && slot >= 0) {
          this.noteRead(slot);
          return { node: n, raw: (s) => s.vars[slot], slot };
        }
        const v = this.variable(n, NO_ARGS, scope);
        return { node: n, raw: (s, dot) => v(s, dot, MISSING) };
      }
      case NodeType.Pipe:
        return { node: n, raw: this.pipeline(n, scope) };
      case NodeType.Identifier: {
        const f = this.function(n, n, NO_ARGS);
        return { node: n, raw: (s, dot) => f(s, dot, MISSING) };
      }
      case NodeType.Chain: {
        const c = this.chain(n, NO_ARGS, scope);
        return { node: n, raw: (s, dot) => c(s, dot, MISSING) };
      }
      default:
        return { node: n, raw: null };
    }
  }

  private variable(node: VariableNode, args: readonly ArgCode[], scope: string[]): CmdEval {
    const name = node.ident[0]!;
    const slot = scope.lastIndexOf(name);
    const fields = node.ident.slice(1);
    if (slot < 0) {
      return (s) => {
        s.node = node;
        errorf(s, `undefined variable: ${name}`);
      };
    }
    this.noteRead(slot);
    if (fields.length === 0) {
      const extra = args.length > 0;
      if (!extra) {
        return (s, _dot, final) => {
          s.node = node;
          if (final !== MISSING) errorf(s, `can't give argument to non-function ${node.toString()}`);
          return s.vars[slot];
        };
      }
      return (s) => {
        s.node = node;
        errorf(s, `can't give argument to non-function ${node.toString()}`);
      };
    }
    // $x.Field has $x as the first ident, Field as the second. Eval the var, then the fields.
    return (s, dot, final) => {
      s.node = node;
      return this.evalFieldChain(s, dot, s.vars[slot], node, fields, args, final);
    };
  }

  private chain(chain: ChainNode, args: readonly ArgCode[], scope: string[]): CmdEval {
    if (chain.node.type === NodeType.Nil) {
      return (s) => {
        s.node = chain;
        errorf(s, `indirection through explicit nil in ${chain.toString()}`);
      };
    }
    // (pipe).Field1.Field2 has pipe as .Node, fields as .Field. Eval the pipeline, then the fields.
    const inner = specializeArg(this.arg(chain.node, scope), null);
    return (s, dot, final) => {
      s.node = chain;
      const pipe = inner(s, dot);
      return this.evalFieldChain(s, dot, pipe, chain, chain.field, args, final);
    };
  }

  private function(ident: IdentifierNode, cmd: Node, args: readonly ArgCode[]): CmdEval {
    const name = ident.ident;
    const f = this.o.lookupFunc(name);
    if (f === undefined) {
      return (s) => {
        s.node = ident;
        errorf(s, `${sprintf('%q', [name])} is not a defined function`);
      };
    }
    const call = compileCall(f, name, cmd, args, ident);
    if (this.o.memo === undefined || f.deterministic || (f.tracker !== undefined && f.tracker === this.o.memo)) return call;
    // Neither pure nor tracked by this template's tracker: whatever calls it may not be reused.
    const tainting: CmdEval = (s, dot, final) => {
      if (s.memo !== null) taint(s.memo);
      return call(s, dot, final);
    };
    const noFinal = NO_FINAL.get(call);
    if (noFinal !== undefined) {
      NO_FINAL.set(tainting, (s, dot) => {
        if (s.memo !== null) taint(s.memo);
        return noFinal(s, dot);
      });
    }
    return tainting;
  }

  // ---- fields and methods (types known only at run time) ----

  /** Go's evalFieldChain: .X.Y.Z, the last possibly a method taking the arguments. */
  evalFieldChain(s: State, dot: unknown, receiver: unknown, node: Node, ident: readonly string[], args: readonly ArgCode[], final: unknown): unknown {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(s, dot, ident[i]!, node, NO_ARGS, MISSING, receiver);
    // Now if it's a method, it gets the arguments.
    return this.evalField(s, dot, ident[n - 1]!, node, args, final, receiver);
  }

  /** Go's evalField: a method call, a struct field or a map element. */
  evalField(s: State, dot: unknown, fieldName: string, node: Node, args: readonly ArgCode[], final: unknown, receiver: unknown): unknown {
    if (receiver instanceof Map) {
      // The common case first: map[string]interface{} from json, or confd's map function.
      const mt = mapType(receiver);
      if (mt.key.kind === 'string' || (mt.key.kind === 'interface' && mt.key.name === 'interface {}')) {
        if (args.length > 0 || final !== MISSING) errorf(s, `${fieldName} is not a method but has arguments`);
        const result = receiver.get(fieldName);
        if (result === undefined && !receiver.has(fieldName)) {
          switch (this.o.missingKey) {
            case 'default':
              return undefined;
            case 'zero':
              return zeroValue(mt.elem);
            case 'error':
              errorf(s, `map has no entry for key ${sprintf('%q', [fieldName])}`);
          }
        }
        return result;
      }
      errorf(s, `can't evaluate field ${fieldName} in type ${typeName(receiver)}`);
    }
    if (receiver === undefined) {
      if (this.o.missingKey === 'error') errorf(s, `nil data; no entry for key ${sprintf('%q', [fieldName])}`);
      return undefined;
    }
    if (receiver === null) {
      // Calling a method on a nil interface can't work.
      errorf(s, `nil pointer evaluating interface {}.${fieldName}`);
    }
    if (receiver instanceof GoError && fieldName === 'Error') {
      // The error interface's one method.
      return evalCall(s, dot, errorMethod(receiver), fieldName, node, args, final);
    }
    if (isStruct(receiver)) {
      const method = receiver[GO_METHODS]?.[fieldName];
      if (method !== undefined) return evalCall(s, dot, callableOf(method), fieldName, node, args, final);
      const gt = receiver[GO_TYPE];
      const st: StructType | null = gt.kind === 'struct' ? gt : gt.elem.kind === 'struct' ? gt.elem : null;
      const field = st?.fields.find((f) => f.name === fieldName);
      if (field !== undefined) {
        if (!/^\p{Lu}/u.test(fieldName)) errorf(s, `${fieldName} is an unexported field of struct type ${typeString(gt)}`);
        // If it's a function, we must call it.
        if (args.length > 0 || final !== MISSING) errorf(s, `${fieldName} has arguments but cannot be invoked as function`);
        return receiver[fieldName];
      }
    }
    errorf(s, `can't evaluate field ${fieldName} in type ${typeName(receiver)}`);
  }
}

const NO_ARGS: readonly ArgCode[] = [];

function errorMethod(e: GoError): Callable {
  return { params: [], variadic: null, fn: () => e.error(), isBuiltin: false, deterministic: true, tracker: undefined };
}

function mapType(m: Map<unknown, unknown>): GoType & { kind: 'map' } {
  return ((m as GoMap)[MAP_TYPE] ?? MAP_STRING_ANY) as GoType & { kind: 'map' };
}

// ---- calls ----

function arityError(f: Callable, name: string, numIn: number, nArgs: number): string | null {
  if (f.variadic !== null) {
    const numFixed = f.params.length;
    if (numIn < numFixed) return `wrong number of args for ${name}: want at least ${numFixed} got ${nArgs}`;
    return null;
  }
  if (numIn !== f.params.length) return `wrong number of args for ${name}: want ${f.params.length} got ${numIn}`;
  return null;
}

/** Parameter type of argument i (not counting the final value). */
function paramType(f: Callable, i: number): ParamType {
  if (i < f.params.length) return f.params[i]!;
  return f.variadic!;
}

/** Parameter type the final (piped) value is checked against, for a call with numIn arguments. */
function finalType(f: Callable, numIn: number): ParamType {
  if (f.variadic !== null) return numIn - 1 < f.params.length ? f.params[numIn - 1]! : f.variadic;
  return f.params[f.params.length - 1]!;
}

/** Go's evalCall for a callable known at compile time: argument conversions are specialised once. */
function compileCall(f: Callable, name: string, node: Node, args: readonly ArgCode[], at: Node | null = null): CmdEval {
  const nArgs = args.length;
  const errNoFinal = arityError(f, name, nArgs, nArgs);
  const errFinal = arityError(f, name, nArgs + 1, nArgs);
  if (f.isBuiltin && (name === 'and' || name === 'or')) return compileAndOr(name === 'or', errNoFinal, errFinal, args, at);
  const evals = args.map((a, i) => specializeArg(a, paramType(f, i)));
  const validateFinal = errFinal !== null ? null : validator(finalType(f, nArgs + 1));
  const fn = f.fn as (...a: unknown[]) => unknown;
  const builtin = f.isBuiltin;
  const failed = (s: State, e: unknown): never => {
    if (isStackOverflow(e)) throw e;
    s.node = node;
    errorf(s, `error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
  };
  // Arity-specialised paths: no argument arrays on the common calls (getv $k, printf "%s" $a $b, base $x).
  const invoke = (s: State, argv: unknown[]): unknown => {
    let r: unknown;
    try {
      r = fn(...argv);
    } catch (e) {
      failed(s, e);
    }
    return r === undefined && !builtin ? null : r;
  };
  const generic: CmdEval = (s, dot, final) => {
    if (at !== null) s.node = at; // Go's evalFunction: s.at(identifier)
    const hasFinal = final !== MISSING;
    if (hasFinal ? errFinal !== null : errNoFinal !== null) errorf(s, (hasFinal ? errFinal : errNoFinal)!);
    const argv = new Array<unknown>(hasFinal ? nArgs + 1 : nArgs);
    for (let i = 0; i < nArgs; i++) argv[i] = evals[i]!(s, dot);
    if (hasFinal) argv[nArgs] = validateFinal!(s, final);
    return invoke(s, argv);
  };
  if (errNoFinal === null && nArgs <= 3) {
    // The common argument kinds (a literal, or a variable passed to a string or interface{} parameter) are
    // evaluated by argValue without a closure call per argument, which dominates a first execution that runs in
    // V8's interpreter. Each sets s.node as the argument's closure would.
    const [p0, p1, p2] = args.map((a, i) => argPlan(a, paramType(f, i), evals[i]!));
    // Functions of the map returning nothing give a nil interface (null); builtins' results are used as they are.
    const nilResult = !builtin;
    // printf with a constant format (the usual `printf "/nginx/%s/%s/ip" $d $h`), called without a piped value:
    // specialised for this call site.
    let fast = fn;
    const format = f.fn === PRINTF && nArgs >= 2 ? CONSTANTS.get(evals[0]!) : undefined;
    if (format !== undefined && typeof format.value === 'string') fast = printfFor(format.value, nArgs - 1) ?? fn;
    let call: (s: State, dot: unknown) => unknown;
    switch (nArgs) {
      case 0:
        call = (s) => {
          if (at !== null) s.node = at;
          try {
            const r = fast();
            return r === undefined && nilResult ? null : r;
          } catch (e) {
            return failed(s, e);
          }
        };
        break;
      case 1:
        call = (s, dot) => {
          if (at !== null) s.node = at;
          const a0 = argValue(s, dot, p0!);
          try {
            const r = fast(a0);
            return r === undefined && nilResult ? null : r;
          } catch (e) {
            return failed(s, e);
          }
        };
        break;
      case 2:
        call = (s, dot) => {
          if (at !== null) s.node = at;
          const a0 = argValue(s, dot, p0!);
          const a1 = argValue(s, dot, p1!);
          try {
            const r = fast(a0, a1);
            return r === undefined && nilResult ? null : r;
          } catch (e) {
            return failed(s, e);
          }
        };
        break;
      default:
        call = (s, dot) => {
          if (at !== null) s.node = at;
          const a0 = argValue(s, dot, p0!);
          const a1 = argValue(s, dot, p1!);
          const a2 = argValue(s, dot, p2!);
          try {
            const r = fast(a0, a1, a2);
            return r === undefined && nilResult ? null : r;
          } catch (e) {
            return failed(s, e);
          }
        };
    }
    const withFinal: CmdEval = (s, dot, final) => (final !== MISSING ? generic(s, dot, final) : call(s, dot));
    NO_FINAL.set(withFinal, call);
    return withFinal;
  }
  return generic;
}

/** How compileCall's fast paths evaluate an argument (see argPlan). */
const ARG_EVAL = 0;
const ARG_CONST = 1;
const ARG_SLOT_STRING = 2;
const ARG_SLOT_ANY = 3;

interface ArgPlan {
  readonly kind: typeof ARG_EVAL | typeof ARG_CONST | typeof ARG_SLOT_STRING | typeof ARG_SLOT_ANY;
  readonly node: Node;
  /** ARG_CONST: the value; ARG_SLOT_STRING: the variable's slot. */
  readonly value: unknown;
  /** ARG_SLOT_STRING: the parameter type, for validateSlow when the value is not a string. */
  readonly type: GoType | null;
  /** ARG_EVAL: the argument's specialised closure. */
  readonly ev: Eval;
}

/** The value of a planned argument (see argPlan). */
function argValue(s: State, dot: unknown, p: ArgPlan): unknown {
  switch (p.kind) {
    case ARG_SLOT_STRING: {
      s.node = p.node;
      const v = s.vars[p.value as number];
      return typeof v === 'string' ? v : validateSlow(s, v, p.type!);
    }
    case ARG_SLOT_ANY: {
      s.node = p.node;
      const v = s.vars[p.value as number];
      return v === undefined ? null : v;
    }
    case ARG_CONST:
      s.node = p.node;
      return p.value;
    default:
      return p.ev(s, dot);
  }
}

/** How to evaluate argument `a` for a parameter of type `typ`, given its specialised closure `ev` (specializeArg). */
function argPlan(a: ArgCode, typ: ParamType, ev: Eval): ArgPlan {
  const c = CONSTANTS.get(ev);
  if (c !== undefined) return { kind: ARG_CONST, node: a.node, value: c.value, type: null, ev };
  if (a.raw !== null && a.slot !== undefined && typ !== REFLECT_VALUE && typ.kind === 'string') {
    return { kind: ARG_SLOT_STRING, node: a.node, value: a.slot, type: typ, ev };
  }
  if (a.raw !== null && a.slot !== undefined && typ !== REFLECT_VALUE && typ.kind === 'interface' && typ.name === 'interface {}') {
    return { kind: ARG_SLOT_ANY, node: a.node, value: a.slot, type: null, ev }; // validator(): nil for a missing value
  }
  return { kind: ARG_EVAL, node: a.node, value: undefined, type: null, ev };
}

/** Entry points of compiled calls for when no final (piped) value is given, keyed by their general form. */
const NO_FINAL = new WeakMap<CmdEval, Eval>();

/** The builtins and/or short-circuit: arguments are evaluated only until the result is known. */
function compileAndOr(isOr: boolean, errNoFinal: string | null, errFinal: string | null, args: readonly ArgCode[], at: Node | null): CmdEval {
  const evals = args.map((a) => specializeArg(a, REFLECT_VALUE));
  return (s, dot, final) => {
    if (at !== null) s.node = at;
    const hasFinal = final !== MISSING;
    if (hasFinal ? errFinal !== null : errNoFinal !== null) errorf(s, (hasFinal ? errFinal : errNoFinal)!);
    let v: unknown;
    for (const e of evals) {
      v = e(s, dot);
      if (truth(v) === isOr) return v;
    }
    // The last argument comes from the pipeline; it has been evaluated already.
    if (hasFinal) v = final;
    return v;
  };
}

/** Go's evalCall for a callable found at run time (methods). */
function evalCall(s: State, dot: unknown, f: Callable, name: string, node: Node, args: readonly ArgCode[], final: unknown): unknown {
  if (s.memo !== null && !f.deterministic && (f.tracker === undefined || f.tracker !== s.memo.tracker)) taint(s.memo);
  return compileCall(f, name, node, args)(s, dot, final);
}

// ---- arguments ----

/** Go's evalArg, specialised for one parameter type (null: no type, as for the operand of a chain). */
function specializeArg(a: ArgCode, typ: ParamType | null): Eval {
  const n = a.node;
  const raw = a.raw;
  if (raw !== null) {
    if (typ === null || typ === REFLECT_VALUE) {
      return (s, dot) => {
        s.node = n;
        return raw(s, dot);
      };
    }
    if (a.slot !== undefined && typ.kind === 'string') {
      const slot = a.slot;
      return (s) => {
        s.node = n;
        const v = s.vars[slot];
        return typeof v === 'string' ? v : validateSlow(s, v, typ);
      };
    }
    const validate = validator(typ);
    return (s, dot) => {
      s.node = n;
      return validate(s, raw(s, dot));
    };
  }
  if (n.type === NodeType.Nil) {
    if (canBeNil(typ)) {
      const z = typ === null || typ === REFLECT_VALUE ? undefined : zeroValue(typ);
      return (s) => {
        s.node = n;
        return z;
      };
    }
    return fail(n, `cannot assign nil to ${paramTypeString(typ)}`);
  }
  if (typ === null) return fail(n, `can't handle ${n.toString()} for arg of type <nil>`);
  if (typ === REFLECT_VALUE || (typ.kind === 'interface' && typ.name === 'interface {}')) {
    // evalEmptyInterface
    switch (n.type) {
      case NodeType.Bool:
        return constant(n, n.value);
      case NodeType.String:
        return constant(n, n.text);
      case NodeType.Number:
        return idealConstant(n);
    }
    return fail(n, `can't handle assignment of ${n.toString()} to empty interface argument`);
  }
  switch (typ.kind) {
    case 'bool':
      return n.type === NodeType.Bool ? constant(n, n.value) : fail(n, `expected bool; found ${n.toString()}`);
    case 'string':
      return n.type === NodeType.String ? constant(n, n.text) : fail(n, `expected string; found ${n.toString()}`);
    case 'float':
      if (n.type === NodeType.Number && n.isFloat) {
        return constant(n, typ.name === 'float64' ? new GoFloat(n.float64) : new GoTyped(typ, Math.fround(n.float64)));
      }
      return fail(n, `expected float; found ${n.toString()}`);
    case 'int':
      if (typ.name.startsWith('u')) {
        if (n.type === NodeType.Number && n.isUint) return constant(n, intConstant(typ, n.uint64));
        return fail(n, `expected unsigned integer; found ${n.toString()}`);
      }
      if (n.type === NodeType.Number && n.isInt) return constant(n, intConstant(typ, n.int64));
      return fail(n, `expected integer; found ${n.toString()}`);
    case 'complex':
      if (n.type === NodeType.Number && n.isComplex) return constant(n, new GoComplex(n.complexRe, n.complexIm));
      return fail(n, `expected complex; found ${n.toString()}`);
  }
  return fail(n, `can't handle ${n.toString()} for arg of type ${typeString(typ)}`);
}

function paramTypeString(t: ParamType | null): string {
  if (t === null) return '<nil>';
  return t === REFLECT_VALUE ? t : typeString(t);
}

/** The closures made by constant(), with their value: compileCall evaluates these arguments inline. */
const CONSTANTS = new WeakMap<Eval, { readonly value: unknown }>();

function constant(n: Node, v: unknown): Eval {
  const ev: Eval = (s) => {
    s.node = n;
    return v;
  };
  CONSTANTS.set(ev, { value: v });
  return ev;
}

function fail(n: Node, msg: string): Eval {
  return (s) => {
    s.node = n;
    errorf(s, msg);
  };
}

/** An int-kind constant of type t (reflect's SetInt/SetUint truncate to the type's width). */
function intConstant(t: GoType & { kind: 'int' }, v: bigint): unknown {
  const bits = /8$/.test(t.name) ? 8 : /16$/.test(t.name) ? 16 : /32$/.test(t.name) ? 32 : 64;
  const x = t.name.startsWith('u') ? BigInt.asUintN(bits, v) : BigInt.asIntN(bits, v);
  const safe = x >= -(2n ** 53n) + 1n && x <= 2n ** 53n - 1n;
  if (t.name === 'int') return safe ? Number(x) : x;
  return new GoTyped(t, safe ? Number(x) : x);
}

/**
 * Go's idealConstant: a number literal where no type is known. The syntax guides: floats stay float64, everything
 * else must fit an int.
 */
function idealConstant(n: NumberNode): Eval {
  const text = n.text;
  if (n.isComplex) return constant(n, new GoComplex(n.complexRe, n.complexIm)); // incontrovertible
  const isHexInt = text.length > 2 && text[0] === '0' && (text[1] === 'x' || text[1] === 'X') && !/[pP]/.test(text);
  const isRuneInt = text.length > 0 && text[0] === "'";
  if (n.isFloat && !isHexInt && !isRuneInt && /[.eEpP]/.test(text)) return constant(n, new GoFloat(n.float64));
  if (n.isInt) return constant(n, intConstant({ kind: 'int', name: 'int' }, n.int64));
  if (n.isUint) return fail(n, `${text} overflows int`);
  return constant(n, undefined);
}

/** Go's validateType for one parameter type: the value must be valid and assignable. */
function validator(typ: ParamType): (s: State, v: unknown) => unknown {
  if (typ === REFLECT_VALUE) return (_s, v) => v;
  if (typ.kind === 'interface' && typ.name === 'interface {}') return (_s, v) => (v === undefined ? null : v);
  if (typ.kind === 'string') return (s, v) => (typeof v === 'string' ? v : validateSlow(s, v, typ));
  return (s, v) => validateSlow(s, v, typ);
}

function validateSlow(s: State, v: unknown, typ: GoType): unknown {
  if (v === undefined) {
    // An untyped nil: accept it for types that can be nil.
    if (canBeNil(typ)) return zeroValue(typ);
    errorf(s, `invalid value; expected ${typeString(typ)}`);
  }
  if (v === null) {
    if (canBeNil(typ)) return null;
    errorf(s, `wrong type for value; expected ${typeString(typ)}; got interface {}`);
  }
  if (assignable(v, typ)) return v;
  // One dereference: a pointer to a struct where the struct is wanted (the same object in this model).
  if (isStruct(v)) {
    const vt = v[GO_TYPE];
    if (vt.kind === 'ptr' && typeString(vt.elem) === typeString(typ)) return v;
  }
  errorf(s, `wrong type for value; expected ${typeString(typ)}; got ${typeName(v)}`);
}

/** Resolve a function name as Go's findFunction does: the function map first, then the builtins. */
export function functionLookup(funcs: Readonly<Record<string, GoFunc>>): (name: string) => Callable | undefined {
  const cache = new Map<string, Callable>();
  return (name) => {
    let c = cache.get(name);
    if (c === undefined) {
      const f = Object.prototype.hasOwnProperty.call(funcs, name) ? funcs[name] : undefined;
      c = f instanceof GoFunc ? callableOf(f) : BUILTINS.get(name);
      if (c !== undefined) cache.set(name, c);
    }
    return c;
  };
}

export type { Callable };
