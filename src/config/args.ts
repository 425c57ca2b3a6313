// Go's flag package syntax and messages (Go 1.19 src/flag/flag.go), so that scripts written for the Go confd work:
// `-flag`, `--flag`, `-flag=value`, `-flag value` (not for bools: `-onetime false` is not a value), `--` ends
// the flags, repeated list flags accumulate. One deliberate difference: Go stops at the first non-flag argument
// and silently ignores the rest (so `confd -onetime true -backend file` quietly runs the etcd backend); we
// report it as an error instead.

import { parseBool } from '../golib/strconv.js';
import { FLAGS, FLAG_BY_NAME, type FlagDef } from './flags.js';
import { parseDuration } from './duration.js';

export type FlagValue = string | boolean | number | readonly string[];

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'EUSAGE';
}

export interface ParsedArgs {
  /** Flags given on the command line, by flag name. */
  readonly values: ReadonlyMap<string, FlagValue>;
  /** `-h` / `-help` was given. */
  readonly help: boolean;
  /** Arguments after `--`, for commands that take them (confd-register's `-- CMD ARGS`). */
  readonly rest?: readonly string[];
}

/** For commands other than confd that share its flag syntax (confd-register). */
export interface ParseArgsOptions {
  /** The command's flags (default: confd's). */
  readonly flags?: ReadonlyMap<string, FlagDef>;
  /** Its name, for messages (default "confd"). */
  readonly command?: string;
  /** Whether arguments after `--` are taken (returned as `rest`) instead of refused. */
  readonly rest?: boolean;
}

/** Go's strconv.ParseBool (what Go's flag package accepts for a bool). */
export const parseGoBool: (s: string) => boolean | undefined = parseBool;

/** Go's strconv.ParseInt(s, 0, 64) for the sizes we need (decimal, 0x, 0o, 0b, leading-0 octal, underscores). */
export function parseGoInt(s: string): number | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]*|0[bB][01_]+|[1-9][0-9_]*)$/.exec(s);
  if (!m) return undefined;
  let body = m[2] ?? '';
  // Go accepts underscores only between digits (after an optional base prefix).
  const digits = body.replace(/^0[xXoObB]?/, '');
  if (/^_|__|_$/.test(digits) && !/^0[xXoObB]?_\d/.test(body)) return undefined;
  body = body.replace(/_/g, '');
  let n: number;
  if (/^0[xX]/.test(body)) n = parseInt(body.slice(2), 16);
  else if (/^0[bB]/.test(body)) n = parseInt(body.slice(2), 2);
  else if (/^0[oO]/.test(body)) n = parseInt(body.slice(2), 8);
  else if (body.length > 1 && body.startsWith('0')) n = parseInt(body.slice(1), 8);
  else n = parseInt(body, 10);
  if (!Number.isSafeInteger(n)) return undefined;
  return m[1] === '-' ? -n : n;
}

/** Converts one textual value (flag or environment) for `f`; throws a plain Error with Go's reason text. */
export function convertText(f: FlagDef, s: string): FlagValue {
  switch (f.kind) {
    case 'string':
      return s;
    case 'bool': {
      const b = parseGoBool(s);
      if (b === undefined) throw new Error('parse error');
      return b;
    }
    case 'int': {
      const n = parseGoInt(s);
      if (n === undefined) throw new Error('parse error');
      return n;
    }
    case 'duration': {
      parseDuration(s); // validate now; the resolved config converts
      return s;
    }
    case 'list':
      return [s];
  }
}

export function parseArgs(argv: readonly string[], po: ParseArgsOptions = {}): ParsedArgs {
  const flags = po.flags ?? FLAG_BY_NAME;
  const command = po.command ?? 'confd';
  let rest: string[] | undefined;
  const values = new Map<string, FlagValue>();
  let help = false;
  let i = 0;
  for (let s = argv[i]; s !== undefined; s = argv[i]) {
    if (s.length < 2 || s[0] !== '-') {
      throw new UsageError(
        `unexpected argument "${s}": ${command} takes only flags${po.rest ? ' before --' : ''} (bool flags take their value as -flag=value, e.g. -onetime=false)`,
      );
    }
    let minuses = 1;
    if (s[1] === '-') {
      minuses++;
      if (s.length === 2) {
        // "--" ends the flags; anything after it is an argument, which confd does not take.
        if (po.rest) {
          rest = argv.slice(i + 1);
          break;
        }
        if (i + 1 < argv.length) throw new UsageError(`unexpected argument "${argv[i + 1]}" after --`);
        break;
      }
    }
    let name = s.slice(minuses);
    if (name.length === 0 || name[0] === '-' || name[0] === '=') throw new UsageError(`bad flag syntax: ${s}`);
    i++;
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const f = flags.get(name);
    if (!f) {
      if (name === 'help' || name === 'h') {
        help = true;
        continue;
      }
      throw new UsageError(`flag provided but not defined: -${name}`);
    }
    if (f.kind === 'bool') {
      if (value === undefined) {
        values.set(name, true);
      } else {
        const b = parseGoBool(value);
        if (b === undefined) throw new UsageError(`invalid boolean value ${JSON.stringify(value)} for -${name}: parse error`);
        values.set(name, b);
      }
      continue;
    }
    if (value === undefined) {
      value = argv[i++];
      if (value === undefined) throw new UsageError(`flag needs an argument: -${name}`);
    }
    let v: FlagValue;
    try {
      v = convertText(f, value);
    } catch (e) {
      throw new UsageError(`invalid value ${JSON.stringify(value)} for flag -${name}: ${(e as Error).message}`);
    }
    if (f.kind === 'list') {
      const prev = values.get(name);
      v = [...(Array.isArray(prev) ? (prev as string[]) : []), value];
    }
    values.set(name, v);
  }
  return rest === undefined ? { values, help } : { values, help, rest };
}

/** `-help` text in Go's PrintDefaults layout, followed by where else each setting can come from. */
export function usageText(o: { flags?: readonly FlagDef[]; command?: string; header?: readonly string[]; footer?: readonly string[] } = {}): string {
  const lines = [`Usage of ${o.command ?? 'confd'}:`, ...(o.header ?? [])];
  for (const f of [...(o.flags ?? FLAGS)].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const typeName = f.kind === 'bool' ? '' : f.kind === 'list' ? 'value' : f.kind;
    let line = `  -${f.name}${typeName ? ` ${typeName}` : ''}`;
    line += line.length <= 4 ? '\t' : '\n    \t';
    line += f.usage.replace(/\n/g, '\n    \t');
    const d = f.def;
    if (typeof d === 'string' ? d !== '' : typeof d === 'boolean' ? d : typeof d === 'number' ? d !== 0 : d.length > 0) {
      line += typeof d === 'string' && f.kind === 'string' ? ` (default ${JSON.stringify(d)})` : ` (default ${String(d)})`;
    }
    const also: string[] = [];
    if (f.toml) also.push(`confd.toml: ${f.toml[0]}`);
    if (f.env.length) also.push(`env: ${f.env.join(', ')}`);
    if (also.length === 0) {
      lines.push(line);
      continue;
    }
    line += `\n    \t[${also.join('; ')}]`;
    lines.push(line);
  }
  lines.push(
    ...(o.footer ?? [
      '',
      'Precedence: command-line flag > CONFD_* environment variable > confd.toml > default.',
      'List flags (-node, -file) repeat on the command line; in the environment they are comma-separated.',
    ]),
  );
  return `${lines.join('\n')}\n`;
}
