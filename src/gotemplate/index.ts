// Go 1.19 text/template for confd-ts: parse once, execute many times.
//
//   const t = Template.parse('haproxy.cfg.tmpl', text, { funcs });
//   const out = t.execute(null); // confd executes with a nil dot
//
// Errors carry Go's exact messages: TemplateParseError `template: NAME:LINE: msg`, TemplateExecError
// `template: NAME:LINE:COL: executing "NAME" at <CTX>: msg` (column in UTF-8 bytes).

import { quote } from '../gofmt/index.js';
import { GoFunc, type FuncMap } from '../govalue/index.js';
import { compile, execute, functionLookup, TemplateExecError, type Compiled, type MissingKey } from './exec.js';
import { BUILTINS } from './funcs.js';
import { parse, type Tree } from './parse.js';

export { TemplateExecError } from './exec.js';
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
}

/** Go's Funcs panics on these; a bad function map is a programming error, not a template error. */
function checkFuncs(funcs: FuncMap): void {
  for (const [name, f] of Object.entries(funcs)) {
    if (!/^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name)) throw new TypeError(`function name ${quote(name)} is not a valid identifier`);
    if (!(f instanceof GoFunc)) throw new TypeError(`value for ${name} not a function`);
  }
}

export class Template {
  private constructor(
    readonly name: string,
    private readonly trees: ReadonlyMap<string, Tree>,
    private readonly compiled: ReadonlyMap<string, Compiled>,
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
    const compiled = new Map<string, Compiled>();
    for (const [n, tree] of trees) compiled.set(n, compile(tree, { lookupFunc, missingKey }));
    return new Template(name, trees, compiled);
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
    return execute(this.compiled, this.name, data);
  }

  /** Execute the associated template `name` (Go's ExecuteTemplate). */
  executeTemplate(name: string, data: unknown): string {
    if (!this.compiled.has(name)) {
      throw new TemplateExecError(`template: no template ${quote(name)} associated with template ${quote(this.name)}`, name);
    }
    return execute(this.compiled, name, data);
  }
}
