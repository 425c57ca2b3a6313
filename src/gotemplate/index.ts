// Go 1.19 text/template for confd-ts: parse once, execute many times.
//
//   const t = Template.parse('haproxy.cfg.tmpl', text, { funcs });
//   const out = t.execute(null); // confd executes with a nil dot
//
// Errors carry Go's exact messages: TemplateParseError `template: NAME:LINE: msg`, TemplateExecError
// `template: NAME:LINE:COL: executing "NAME" at <CTX>: msg` (column in UTF-8 bytes).
//
// Incremental rendering (memoisation)
// -----------------------------------
//   const t = Template.parse(name, text, { funcs: confdFuncs(store), memo: store.tracker() });
//   t.execute(null); // renders everything; later executions re-render only what changed
//
// With `memo`, each `range` iteration's output is cached and reused by later executions of the same Template when
//   (a) its inputs are equal: the element (and the index, if the body reads the index variable), and the values of
//       the variables declared outside the body that the body reads (found at compile time). Inputs must be
//       primitives, numbers or method-less structs of those (memkv.KVPair); any other value disables caching for
//       that iteration (it simply runs);
//   (b) the tracker says nothing it read has changed: functions whose GoFunc.tracker is the template's tracker
//       record what they read while an iteration is recorded; MemoTracker.valid checks it later.
// Nested ranges are cached per enclosing iteration: when an enclosing iteration re-runs, the iterations inside it
// are still reused where valid (except small ranges of simple bodies, which just re-run: memoSmallRange). An
// iteration's break/continue outcome is cached with its output. The whole execution is cached the same way: with
// equal data and nothing read changed, execute returns the previous output at once.
// Never cached: an iteration that calls a function that is neither GoFunc.deterministic nor tracked by this
// template's tracker (confd's datetime, getenv, lookupIP*, lookupSRV, fileExists, user functions without the
// flag, the `call` builtin, methods not flagged deterministic), nor any iteration enclosing it; the iterations of
// a range whose body assigns (`=`) a variable declared outside that body (an enclosing range that declares the
// variable inside its own body is still cached); `range $x = ...`; anything of an execution that fails (errors
// abort the execution; entries completed before stay valid on their own). Output equals a fresh
// render's in every case (src/memkv/memo.test.ts checks this against random store changes).
// Without `memo` execution is exactly as before. The engine knows nothing of stores: MemoTracker (govalue) is
// the seam; KVStore implements it with per-node version counters (src/memkv/index.ts). Cost: the first execution
// is about as fast as without memo; the cache holds about one more copy of the output plus a few hundred bytes
// per cached iteration (seed template, 200,000 keys: ~13 MiB); a Template that renders once (-onetime) gains
// nothing from it.

import { quote } from '../gofmt/index.js';
import { GoFunc, type FuncMap, type MemoTracker } from '../govalue/index.js';
import { compile, execute, functionLookup, TemplateExecError, type Compiled, type MemoState, type MissingKey } from './exec.js';
import { BUILTINS } from './funcs.js';
import { parse, type Tree } from './parse.js';

export { TemplateExecError } from './exec.js';
export type { MemoTracker } from '../govalue/index.js';
export { TemplateParseError } from './parse.js';
export type { MissingKey } from './exec.js';

export interface TemplateOptions {
  /** Functions the template may call, in addition to the builtins (which they may override). */
  funcs?: FuncMap;
  /** Go's missingkey option: what `.key` yields for a key missing from a map. Default: "default" (<no value>). */
  missingKey?: MissingKey;
  /** Action delimiters (Go's Delims); default "{{" and "}}". */
  leftDelim?: string;
  rightDelim?: string;
  /**
   * Memoise range iterations across executions, with this tracker recording what the tracked functions read
   * (functions whose GoFunc.tracker is this tracker; for confd: `store.tracker()`). See the top of this file.
   */
  memo?: MemoTracker;
  /**
   * With `memo`: a range nested in a cached iteration, with at most this many iterations and no range or template
   * call in its body, re-runs with its enclosing iteration instead of caching each iteration (saves memory, costs
   * little). Default 16; 0 caches every iteration.
   */
  memoSmallRange?: number;
}

/** Go's goodName: a letter or underscore, then letters, digits and underscores. Made on first use (~0.6 ms). */
let identifier: RegExp | undefined;
/** The ASCII names every function map has: checked without the Unicode tables. */
const ASCII_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Go's Funcs panics on these; a bad function map is a programming error, not a template error. */
function checkFuncs(funcs: FuncMap): void {
  for (const [name, f] of Object.entries(funcs)) {
    if (!ASCII_IDENTIFIER.test(name) && !(identifier ??= /^[\p{L}_][\p{L}\p{Nd}_]*$/u).test(name)) throw new TypeError(`function name ${quote(name)} is not a valid identifier`);
    if (!(f instanceof GoFunc)) throw new TypeError(`value for ${name} not a function`);
  }
}

export class Template {
  /** Memo caches, per executed template name. */
  private readonly memoStates = new Map<string, MemoState>();

  private constructor(
    readonly name: string,
    private readonly trees: ReadonlyMap<string, Tree>,
    private readonly compiled: ReadonlyMap<string, Compiled>,
    private readonly memo: MemoTracker | undefined,
  ) {}

  /** Parse `text` as template `name` (Go: template.New(name).Funcs(funcs).Option("missingkey=...").Parse(text)). */
  static parse(name: string, text: string, options: TemplateOptions = {}): Template {
    const funcs = options.funcs ?? {};
    checkFuncs(funcs);
    const hasFunction = (fn: string): boolean => Object.prototype.hasOwnProperty.call(funcs, fn) || BUILTINS.has(fn);
    const trees = parse(name, text, {
      hasFunction,
      ...(options.leftDelim ? { leftDelim: options.leftDelim } : {}),
      ...(options.rightDelim ? { rightDelim: options.rightDelim } : {}),
    });
    const lookupFunc = functionLookup(funcs);
    const missingKey = options.missingKey ?? 'default';
    const memo = options.memo;
    const compiled = new Map<string, Compiled>();
    const memoOptions = memo ? { memo, ...(options.memoSmallRange !== undefined ? { memoSmallRange: options.memoSmallRange } : {}) } : {};
    for (const [n, tree] of trees) compiled.set(n, compile(tree, { lookupFunc, missingKey, ...memoOptions }));
    return new Template(name, trees, compiled, memo);
  }

  /** Names of the templates defined by the text (the main one, {{define}}s and {{block}}s). */
  templateNames(): string[] {
    return [...this.trees.keys()];
  }

  /** The parse tree of a template, printed back as template source (Go's Tree.Root.String()). */
  treeString(name: string = this.name): string | undefined {
    return this.trees.get(name)?.root.toString();
  }

  /** Execute with `data` as dot ($); null or undefined give Go's nil dot. Throws TemplateExecError. */
  execute(data: unknown): string {
    return execute(this.compiled, this.name, data, this.memoState(this.name));
  }

  /** Drop the memoised iterations: the next execution renders everything afresh. */
  clearMemo(): void {
    this.memoStates.clear();
  }

  private memoState(name: string): MemoState | undefined {
    if (this.memo === undefined) return undefined;
    let st = this.memoStates.get(name);
    if (st === undefined) this.memoStates.set(name, (st = { tracker: this.memo, caches: new Map(), last: null }));
    return st;
  }

  /** Execute the associated template `name` (Go's ExecuteTemplate). */
  executeTemplate(name: string, data: unknown): string {
    if (!this.compiled.has(name)) {
      throw new TemplateExecError(`template: no template ${quote(name)} associated with template ${quote(this.name)}`, name);
    }
    return execute(this.compiled, name, data, this.memoState(name));
  }
}
