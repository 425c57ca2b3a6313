// A template resource file (conf.d/*.toml, `[template]` table) -> a validated, read-only ResourceSpec.
//
// Field names and their meaning follow confd (resource/template/resource.go and docs/template-resources.md).
// Where confd's code and its docs/users disagree we do what users expect (listed in docs/daemon.md):
// `owner`/`group` by name work (confd ignores them), `mode = "644"` is octal 0644 (confd parses it as decimal
// 644 = 01204). A global -prefix replaces the resource's prefix, exactly as confd does: a drop-in replacement must
// read the same keys.

import { readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { pathJoin } from '../memkv/index.js';
import { parseWait, type WaitSpec } from '../config/index.js';
import { ConfigError, keyLine, parseToml, tomlTypeName, where } from '../config/toml.js';
import { lookupGroup, lookupUser } from './users.js';
import { parseGuardSpec, type GuardSpec } from '../guard/spec.js';
import { parseHaproxyApplierSpec, type HaproxyApplierSpec } from './appliers/spec.js';

export interface ResourceSpec {
  /** The resource file (conf.d/x.toml). */
  readonly file: string;
  /** Short name for logs: the file's path relative to conf.d (its base name when loaded on its own). */
  readonly name: string;
  /** Template path: templateDir joined with `src` (as confd: an absolute src is still joined). */
  readonly src: string;
  readonly dest: string;
  /** `keys` as written. */
  readonly keys: readonly string[];
  /** Resolved key prefix (always starts with "/"). */
  readonly prefix: string;
  /** The backend prefixes this resource reads: path.Join(prefix, key) for each key (confd's appendPrefix). */
  readonly watchKeys: readonly string[];
  /** Explicit permission bits, or undefined: keep dest's mode (0644 for a new file). */
  readonly mode: number | undefined;
  /** Explicit owner/group, or undefined: keep dest's (the process' for a new file). */
  readonly uid: number | undefined;
  readonly gid: number | undefined;
  readonly checkCmd: string;
  readonly reloadCmd: string;
  /** Per-resource quiescence, overriding the global -wait. */
  readonly wait: WaitSpec | undefined;
  /** `[template.guard]` (confd-ts only; the Go confd ignores it): undefined when absent. */
  readonly guard: GuardSpec | undefined;
  /** confd-ts: `[template.haproxy]`, applying changes through haproxy's Runtime API (src/resource/appliers). */
  readonly haproxy: HaproxyApplierSpec | undefined;
}

export interface SpecContext {
  /** Global -prefix. */
  readonly prefix: string;
  readonly templateDir: string;
  /** conf.d, to name resources by their path inside it. */
  readonly configDir?: string;
  /** Non-fatal findings (unknown keys). */
  readonly warn: (msg: string) => void;
}

const FIELDS = ['src', 'dest', 'keys', 'prefix', 'owner', 'group', 'uid', 'gid', 'mode', 'allow_special_mode', 'check_cmd', 'reload_cmd', 'wait', 'guard', 'haproxy'] as const;

/** The largest uid/gid Linux accepts: uid_t is 32 bits and (uid_t)-1 means "leave unchanged" to chown(2). */
export const MAX_ID = 0xfffffffe;
/** setuid, setgid and sticky: refused in `mode` unless the resource sets `allow_special_mode = true`. */
const SPECIAL_BITS = 0o7000;
type Field = (typeof FIELDS)[number];
const norm = (k: string): string => k.toLowerCase().replace(/[-_]/g, '');
const FIELD_BY_NORM = new Map<string, Field>(FIELDS.map((f) => [norm(f), f]));

/**
 * confd's prefix (resource.go): a global prefix, when set, replaces the resource's; then "/" is put in front
 * unless the prefix starts with one. No other cleaning: keys are filtered and stripped by raw string.
 */
export function resolvePrefix(globalPrefix: string, resourcePrefix: string): string {
  const prefix = globalPrefix !== '' ? globalPrefix : resourcePrefix;
  return prefix.startsWith('/') ? prefix : `/${prefix}`;
}

/**
 * Parses a `mode` value: a string of octal digits is octal with or without the leading 0 ("644" = "0644");
 * otherwise Go's strconv.ParseUint(s, 0, 32) rules ("0o644", "0x1a4"). A TOML integer is taken as the number.
 */
export function parseMode(v: string | number): number | undefined {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (/^[0-7]+$/.test(v)) n = parseInt(v, 8);
  else if (/^0[oO][0-7]+$/.test(v)) n = parseInt(v.slice(2), 8);
  else if (/^0[xX][0-9a-fA-F]+$/.test(v)) n = parseInt(v.slice(2), 16);
  else if (/^0[bB][01]+$/.test(v)) n = parseInt(v.slice(2), 2);
  else return undefined;
  if (!Number.isInteger(n) || n < 0 || n > 0o7777) return undefined;
  return n;
}

export function parseResourceSpec(file: string, text: string, ctx: SpecContext): ResourceSpec {
  const doc = parseToml(file, text);
  for (const k of Object.keys(doc)) {
    if (k !== 'template') ctx.warn(`${where(file, keyLine(text, k) ?? tableLine(text, k))}unknown key "${k}" ignored (expected a [template] table)`);
  }
  const t = doc['template'];
  if (t === undefined) throw new ConfigError(`${file}: missing [template] table`, 'ERESOURCE');
  if (typeof t !== 'object' || t === null || Array.isArray(t)) {
    throw new ConfigError(`${where(file, keyLine(text, 'template'))}"template" must be a table ([template])`, 'ERESOURCE');
  }

  const values = new Map<Field, { key: string; value: unknown }>();
  for (const [key, value] of Object.entries(t as Record<string, unknown>)) {
    const f = FIELD_BY_NORM.get(norm(key));
    if (!f) {
      ctx.warn(`${where(file, keyLine(text, key, 'template'))}unknown key "${key}" in [template] ignored`);
      continue;
    }
    const earlier = values.get(f);
    if (earlier) throw new ConfigError(`${where(file, keyLine(text, key, 'template'))}key "${key}" given twice (as "${earlier.key}")`, 'ERESOURCE');
    values.set(f, { key, value });
  }
  const at = (f: Field): string => {
    const e = values.get(f);
    return where(file, keyLine(text, e?.key ?? f, 'template'));
  };
  const typeError = (f: Field, expected: string): never => {
    const e = values.get(f);
    throw new ConfigError(`${at(f)}key "${e?.key ?? f}": expected ${expected}, got ${tomlTypeName(e?.value)}`, 'ECONFIGTYPE');
  };
  const str = (f: Field): string | undefined => {
    const e = values.get(f);
    if (e === undefined) return undefined;
    if (typeof e.value !== 'string') typeError(f, 'a string');
    return e.value as string;
  };
  const int = (f: Field): number | undefined => {
    const e = values.get(f);
    if (e === undefined) return undefined;
    if (typeof e.value !== 'number' || !Number.isInteger(e.value) || e.value < 0) typeError(f, 'a non-negative integer');
    return e.value as number;
  };

  const src = str('src');
  if (src === undefined || src === '') throw new ConfigError(`${file}: [template] src is missing (empty src template)`, 'ERESOURCE');
  const dest = str('dest');
  if (dest === undefined || dest === '') throw new ConfigError(`${file}: [template] dest is missing`, 'ERESOURCE');

  let keys: string[] = [];
  const ke = values.get('keys');
  if (ke !== undefined) {
    if (!Array.isArray(ke.value) || ke.value.some((k) => typeof k !== 'string')) typeError('keys', 'an array of strings');
    keys = ke.value as string[];
  }

  const prefix = resolvePrefix(ctx.prefix, str('prefix') ?? '');

  let mode: number | undefined;
  const me = values.get('mode');
  if (me !== undefined) {
    if (typeof me.value !== 'string' && typeof me.value !== 'number') typeError('mode', 'a string such as "0644"');
    if (typeof me.value === 'number') {
      // `mode = 644` is the decimal number 644 (= 0o1204: sticky bit, owner write-only), never what was meant;
      // only a TOML octal integer (0o644) says octal. smol-toml gives both as a number, so look at the text.
      const line = keyLine(text, me.key, 'template');
      const raw = line === undefined ? '' : (text.split('\n')[line - 1] ?? '').replace(/^[^=]*=\s*/, '');
      if (!/^[+]?0o/i.test(raw)) {
        throw new ConfigError(`${at('mode')}key "${me.key}": ${me.value} is a decimal number; write the mode as a string ("0${me.value}") or a TOML octal integer (0o${me.value})`, 'ECONFIGTYPE');
      }
    }
    mode = parseMode(me.value as string | number);
    if (mode === undefined) throw new ConfigError(`${at('mode')}key "${me.key}": invalid file mode ${JSON.stringify(me.value)} (use octal, e.g. "0644")`, 'ERESOURCE');
  }
  const ae = values.get('allow_special_mode');
  if (ae !== undefined && typeof ae.value !== 'boolean') typeError('allow_special_mode', 'true or false');
  if (mode !== undefined && (mode & SPECIAL_BITS) !== 0 && ae?.value !== true) {
    // confd installs a setuid/setgid file silently (mode = "07777" is a world-writable setuid file).
    const bits = [mode & 0o4000 ? 'setuid' : '', mode & 0o2000 ? 'setgid' : '', mode & 0o1000 ? 'sticky' : ''].filter((b) => b !== '').join(', ');
    throw new ConfigError(`${at('mode')}key "${me?.key ?? 'mode'}": mode 0${mode.toString(8)} sets ${bits}; write allow_special_mode = true in [template] if that is really meant`, 'EMODE');
  }
  if (mode !== undefined && (mode & 0o002) !== 0) ctx.warn(`${at('mode')}mode 0${mode.toString(8).padStart(3, '0')} makes ${dest} writable by every user`);

  const ownerOrUid = (nameField: 'owner' | 'group', idField: 'uid' | 'gid'): number | undefined => {
    const id = int(idField);
    const name = str(nameField);
    if (name !== undefined && id !== undefined) {
      throw new ConfigError(`${at(nameField)}set either ${nameField} or ${idField}, not both`, 'ERESOURCE');
    }
    const checked = (n: number, what: string): number => {
      if (n > MAX_ID) throw new ConfigError(`${what}${idField} ${n} is beyond what Linux allows (0 to ${MAX_ID})`, 'ERESOURCE');
      return n;
    };
    if (name === undefined || name === '') return id === undefined ? undefined : checked(id, at(idField));
    if (/^\d+$/.test(name)) return checked(Number(name), at(nameField));
    const found = nameField === 'owner' ? lookupUser(name) : lookupGroup(name);
    if (found === undefined) {
      throw new ConfigError(`${at(nameField)}${nameField} ${JSON.stringify(name)}: no such ${nameField === 'owner' ? 'user' : 'group'} (in /etc/${nameField === 'owner' ? 'passwd' : 'group'})`, 'ERESOURCE');
    }
    return found;
  };
  const uid = ownerOrUid('owner', 'uid');
  const gid = ownerOrUid('group', 'gid');

  let wait: WaitSpec | undefined;
  const we = values.get('wait');
  if (we !== undefined) {
    let w = '';
    if (typeof we.value === 'string') w = we.value;
    else if (typeof we.value === 'object' && we.value !== null && !Array.isArray(we.value) && 'min' in we.value) {
      const o = we.value as Record<string, unknown>;
      w = o['max'] === undefined ? String(o['min']) : `${String(o['min'])}:${String(o['max'])}`;
    } else typeError('wait', 'a string "MIN:MAX" or a table with min and max');
    try {
      wait = parseWait(w);
    } catch (e) {
      throw new ConfigError(`${at('wait')}${(e as Error).message}`, 'ERESOURCE');
    }
  }

  const ge = values.get('guard');
  const guard = ge === undefined ? undefined : parseGuardSpec(ge.value, (k) => where(file, keyLine(text, k, 'template.guard') ?? tableLine(text, 'template.guard')), ctx.warn);
  const he = values.get('haproxy');
  const haproxy = he === undefined ? undefined : parseHaproxyApplierSpec(file, text, he.value, ctx.warn);

  return Object.freeze({
    file,
    name: ctx.configDir ? relative(ctx.configDir, file) : basename(file),
    src: join(ctx.templateDir, src),
    dest,
    keys: Object.freeze([...keys]),
    prefix,
    watchKeys: Object.freeze(keys.map((k) => pathJoin(prefix, k))),
    mode,
    uid,
    gid,
    checkCmd: str('check_cmd') ?? '',
    reloadCmd: str('reload_cmd') ?? '',
    wait,
    guard,
    haproxy,
  });
}

function tableLine(text: string, table: string): number | undefined {
  const lines = text.split('\n');
  const header = new RegExp(`^\\s*\\[\\s*${table.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\]`);
  for (const [i, line] of lines.entries()) if (header.test(line)) return i + 1;
  return undefined;
}

export function loadResourceSpec(file: string, ctx: SpecContext): ResourceSpec {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`Cannot process template resource ${file} - ${(e as Error).message}`, 'ERESOURCE', { cause: e });
  }
  return parseResourceSpec(file, text, ctx);
}
