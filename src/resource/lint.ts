// Static checks of one template resource, for `confd -check-config`: what can be known before deploying without
// a backend. Every finding has a position (file:line:col, columns counted from 1 in UTF-8 bytes as editors and
// Go count them), so that all of them can be reported at once.
//
// - the template parses (Go's parser stops at the first syntax error: that one is reported);
// - every function it calls exists (parsed with Go's SkipFuncCheck, then each identifier is looked up), with the
//   closest real name as a hint;
// - keys it reads with a literal argument (getv "/x", gets "/x/*", ls, lsdir, exists, get, getvs) lie inside the
//   resource's `keys` (they would otherwise always be empty: confd only reads what `keys` names);
// - dest's directory exists;
// - the programs of check_cmd and reload_cmd exist.

import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { findExecutable } from '../util/which.js';
import { keyLine } from '../config/toml.js';
import { BUILTINS } from '../gotemplate/funcs.js';
import { NodeType, type Node } from '../gotemplate/node.js';
import { parse, TemplateParseError } from '../gotemplate/parse.js';
import { KVStore, pathClean, pathJoin } from '../memkv/index.js';
import { confdFuncs } from './funcs.js';
import type { ResourceSpec } from './spec.js';

export interface Finding {
  readonly file: string;
  readonly line: number | undefined;
  readonly col: number | undefined;
  readonly message: string;
}

export function formatFinding(f: Finding): string {
  const pos = f.line === undefined ? '' : f.col === undefined ? `:${f.line}` : `:${f.line}:${f.col}`;
  return `${f.file}${pos}: ${f.message}`;
}

/** Every function a confd template can call: Go's builtins and confd's. */
let knownFunctions: Set<string> | undefined;
function functionNames(): Set<string> {
  knownFunctions ??= new Set([...BUILTINS.keys(), ...Object.keys(confdFuncs(new KVStore(), { getenv: () => undefined }))]);
  return knownFunctions;
}

function levenshtein(a: string, b: string): number {
  // One row of the edit-distance table (Int32Array: reads are numbers, never undefined).
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const prev = Int32Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (x.charCodeAt(i - 1) === y.charCodeAt(j - 1) ? 0 : 1));
      diag = up;
    }
  }
  return prev[y.length] ?? 0;
}

/** The known name closest to `name`, when it is close enough to be a likely typo. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = levenshtein(name, k);
    if (d < bestD || (d === bestD && best !== undefined && k < best)) {
      best = k;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** 1-based line and column (UTF-8 bytes) of a UTF-16 offset in `text`. */
function position(text: string, pos: number): { line: number; col: number } {
  const before = text.slice(0, pos);
  const nl = before.lastIndexOf('\n');
  let line = 1;
  for (let i = before.indexOf('\n'); i >= 0; i = before.indexOf('\n', i + 1)) line++;
  return { line, col: Buffer.byteLength(before.slice(nl + 1), 'utf8') + 1 };
}

/** Store functions whose first argument is a key (exact) or a pattern/directory (prefix). */
const KEY_FUNCS: ReadonlyMap<string, 'key' | 'pattern' | 'dir'> = new Map([
  ['get', 'key'],
  ['getv', 'key'],
  ['exists', 'key'],
  ['gets', 'pattern'],
  ['getvs', 'pattern'],
  ['ls', 'dir'],
  ['lsdir', 'dir'],
]);

function children(n: Node): (Node | null)[] {
  switch (n.type) {
    case NodeType.List:
      return n.nodes;
    case NodeType.Action:
      return [n.pipe];
    case NodeType.Pipe:
      return [...n.decl, ...n.cmds];
    case NodeType.Command:
      return n.args;
    case NodeType.Chain:
      return [n.node];
    case NodeType.If:
    case NodeType.Range:
    case NodeType.With:
      return [n.pipe, n.list, n.elseList];
    case NodeType.Template:
      return [n.pipe];
    default:
      return [];
  }
}

function walk(n: Node, visit: (n: Node) => void): void {
  visit(n);
  for (const c of children(n)) if (c !== null) walk(c, visit);
}

/** Whether the local key (or the keys below a pattern's literal head) can be inside what `keys` reads. */
function covered(arg: string, kind: 'key' | 'pattern' | 'dir', spec: ResourceSpec): boolean {
  const local = kind === 'pattern' ? arg.slice(0, arg.search(/[*?[\\]|$/)) : pathClean(pathJoin('/', arg));
  for (const k of spec.keys) {
    const key = pathJoin('/', k);
    if (key === '/' || local.startsWith(key)) return true;
    // A pattern or directory above a key still reads that key's part.
    if (kind !== 'key' && key.startsWith(local)) return true;
  }
  return false;
}

/** Checks the template text of `spec` (read by the caller from spec.src). */
export function lintTemplate(spec: ResourceSpec, text: string): Finding[] {
  const file = spec.src;
  let trees;
  try {
    trees = parse(spec.src, text, { hasFunction: () => true, skipFuncCheck: true });
  } catch (e) {
    if (!(e instanceof TemplateParseError)) throw e;
    const m = /^template: .*?:(\d+): (.*)$/s.exec(e.message);
    return [{ file, line: m ? Number(m[1]) : undefined, col: undefined, message: `template syntax: ${m ? m[2] : e.message}` }];
  }
  const known = functionNames();
  const defined = new Set(trees.keys());
  const findings: Finding[] = [];
  for (const tree of trees.values()) {
    walk(tree.root, (n) => {
      if (n.type === NodeType.Identifier && !known.has(n.ident)) {
        const hint = closestName(n.ident, known);
        findings.push({ file, ...position(text, n.pos), message: `function "${n.ident}" not defined${hint ? ` (did you mean "${hint}"?)` : ''}` });
      }
      if (n.type === NodeType.Template && !defined.has(n.name)) {
        findings.push({ file, ...position(text, n.pos), message: `template "${n.name}" not defined` });
      }
      if (n.type !== NodeType.Command) return;
      const [fn, arg] = n.args;
      if (fn?.type !== NodeType.Identifier || arg?.type !== NodeType.String) return;
      const kind = KEY_FUNCS.get(fn.ident);
      if (kind === undefined || covered(arg.text, kind, spec)) return;
      findings.push({
        file,
        ...position(text, arg.pos),
        message: `${fn.ident} ${arg.quoted} reads outside the resource's keys [${spec.keys.map((k) => JSON.stringify(k)).join(', ')}] (${spec.file}): it will always be empty`,
      });
    });
  }
  return findings;
}

/** Shell words that are not programs on PATH. */
const SHELL_BUILTINS = new Set(['true', 'false', 'test', '[', 'echo', 'printf', 'exit', 'cd', 'exec', 'command', 'set', 'export', 'eval', ':', '.', 'if', 'for', 'while', 'case', '{', '(', '!', 'kill', 'read', 'sleep', 'wait', 'trap']);

/** The program a shell command line starts (after VAR=value assignments); undefined when it cannot be told. */
export function commandProgram(cmd: string): string | undefined {
  const words = cmd.trim().split(/\s+/);
  for (const w of words) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) continue;
    return /^[A-Za-z0-9_./+-]+$/.test(w) ? w : undefined;
  }
  return undefined;
}

export function programExists(program: string, path: string): boolean {
  return SHELL_BUILTINS.has(program) || findExecutable(program, path) !== undefined;
}

/** Line and 1-based column of `key = value` in a resource file (column of the value). */
function valuePosition(tomlText: string, key: string): { line: number | undefined; col: number | undefined } {
  const line = keyLine(tomlText, key, 'template');
  if (line === undefined) return { line: undefined, col: undefined };
  const l = tomlText.split('\n')[line - 1] ?? '';
  const eq = l.indexOf('=');
  const start = eq < 0 ? 0 : eq + 1 + (l.slice(eq + 1).length - l.slice(eq + 1).trimStart().length);
  return { line, col: Buffer.byteLength(l.slice(0, start), 'utf8') + 1 };
}

/** Checks of the resource file itself: dest's directory, the commands' programs. */
export function lintResource(spec: ResourceSpec, tomlText: string, o: { path: string }): Finding[] {
  const findings: Finding[] = [];
  const dir = dirname(spec.dest);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) findings.push({ file: spec.file, ...valuePosition(tomlText, 'dest'), message: `dest directory ${dir} does not exist` });
  for (const [key, cmd] of [['check_cmd', spec.checkCmd], ['reload_cmd', spec.reloadCmd]] as const) {
    if (cmd === '') continue;
    const program = commandProgram(cmd);
    if (program !== undefined && !programExists(program, o.path)) {
      findings.push({ file: spec.file, ...valuePosition(tomlText, key), message: `${key}: program "${program}" not found${program.includes('/') ? '' : ' on PATH'}` });
    }
  }
  return findings;
}
