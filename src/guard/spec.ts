// The `[template.guard]` table of a template resource: removal limits, declared validation, record shapes,
// the clean-path rule, quarantine and rollback. The Go confd ignores keys it does not know, so a resource file
// with a guard stays usable by both; without the table nothing here applies and output is the Go confd's.
//
//   [template.guard]
//   max_removed = "50%"        # or a count; more removed records (or keys) than this is held
//   min_keys = 1               # fewer records (or keys) than this is held
//   hold = "10m"               # a held removal is applied once it has lasted this long; "0" = until released
//   clean_paths = true         # refuse keys with "..", "." or empty segments
//   quarantine = true          # when check_cmd refuses a render, find the records that broke it, install the rest
//   rollback = true            # when reload_cmd fails after install, put the previous file back and reload again
//   generations = 5            # installed files kept in the state directory
//   [[template.guard.validate]]
//   path = "/nginx/*/*/port"   # or segment = "/nginx/*" to check the <domain> segment
//   type = "port"              # port, ip, host, hostname, printable, regex (with pattern = "...")
//   [[template.guard.records]]
//   path = "/nginx/*/*"
//   fields = ["ip", "port"]
//   timeout = "30s"

import { ConfigError, tomlTypeName } from '../config/toml.js';
import { parseDuration } from '../config/duration.js';
import { pathMatch } from '../memkv/index.js';
import { RULE_TYPES, segments, type RuleType, type ValidateRule } from './validate.js';

export interface RecordSpec {
  readonly path: string;
  readonly parts: readonly string[];
  /** Keys a complete record has below its path. */
  readonly fields: readonly string[];
  /** How long a record may stay incomplete before it is reported (and, if it was installed, dropped). */
  readonly timeoutMs: number;
}

export type MaxRemoved = { readonly count: number } | { readonly percent: number };

export interface GuardSpec {
  readonly maxRemoved: MaxRemoved | undefined;
  readonly minKeys: number | undefined;
  /** 0: a held removal waits for an operator's release. */
  readonly holdMs: number;
  readonly validate: readonly ValidateRule[];
  readonly records: readonly RecordSpec[];
  readonly cleanPaths: boolean;
  readonly quarantine: boolean;
  readonly rollback: boolean;
  readonly generations: number;
}

const KNOWN = ['max_removed', 'min_keys', 'hold', 'clean_paths', 'quarantine', 'rollback', 'generations', 'validate', 'records'] as const;

/** Parses `value` (the `guard` entry of [template]); `where` gives the file (and line) prefix for messages. */
export function parseGuardSpec(value: unknown, where: (key: string) => string, warn: (msg: string) => void): GuardSpec {
  const fail = (key: string, msg: string): never => {
    throw new ConfigError(`${where(key)}guard.${key}: ${msg}`, 'EGUARD');
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where('guard')}"guard" must be a table ([template.guard]), got ${tomlTypeName(value)}`, 'EGUARD');
  }
  const t = value as Record<string, unknown>;
  for (const k of Object.keys(t)) if (!(KNOWN as readonly string[]).includes(k)) warn(`${where(k)}unknown key "${k}" in [template.guard] ignored`);

  const bool = (k: string, dflt: boolean): boolean => {
    const v = t[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') fail(k, `expected true or false, got ${tomlTypeName(v)}`);
    return v as boolean;
  };
  const count = (k: string): number | undefined => {
    const v = t[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(k, `expected a non-negative integer, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const duration = (k: string, v: unknown, dflt: number): number => {
    if (v === undefined) return dflt;
    if (typeof v === 'number' && v >= 0) return v * 1000;
    if (typeof v !== 'string') return fail(k, `expected a duration such as "10m", got ${tomlTypeName(v)}`);
    let ms: number;
    try {
      ms = parseDuration(v);
    } catch (e) {
      return fail(k, (e as Error).message);
    }
    if (ms < 0) fail(k, 'must not be negative');
    return ms;
  };
  const pattern = (k: string, v: unknown): string[] => {
    if (typeof v !== 'string' || !v.startsWith('/')) return fail(k, `expected an absolute key pattern such as "/nginx/*/*/port", got ${JSON.stringify(v)}`);
    const parts = segments(v);
    for (const p of parts) {
      try {
        pathMatch(p, '');
      } catch {
        fail(k, `bad pattern ${JSON.stringify(v)}`);
      }
    }
    if (parts.length === 0) fail(k, 'the pattern must name at least one segment');
    return parts;
  };

  let maxRemoved: MaxRemoved | undefined;
  const mr = t['max_removed'];
  if (typeof mr === 'string' && /^\d+(\.\d+)?%$/.test(mr.trim())) maxRemoved = { percent: Number(mr.trim().slice(0, -1)) };
  else if (typeof mr === 'number' && Number.isInteger(mr) && mr >= 0) maxRemoved = { count: mr };
  else if (mr !== undefined) fail('max_removed', `expected a count (3) or a percentage ("25%"), got ${JSON.stringify(mr)}`);

  const validate: ValidateRule[] = [];
  const rules = t['validate'];
  if (rules !== undefined) {
    if (!Array.isArray(rules)) fail('validate', 'expected [[template.guard.validate]] tables');
    for (const r of rules as unknown[]) {
      if (typeof r !== 'object' || r === null || Array.isArray(r)) return fail('validate', 'expected [[template.guard.validate]] tables');
      const o = r as Record<string, unknown>;
      const hasPath = o['path'] !== undefined;
      const hasSeg = o['segment'] !== undefined;
      if (hasPath === hasSeg) fail('validate', 'each rule sets either path (checks the value) or segment (checks a key segment)');
      const text = (hasPath ? o['path'] : o['segment']) as string;
      const parts = pattern('validate', text);
      const type = o['type'];
      if (typeof type !== 'string' || !(RULE_TYPES as readonly string[]).includes(type)) fail('validate', `rule ${text}: type must be one of ${RULE_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
      let regex: RegExp | undefined;
      if (type === 'regex') {
        const p = o['pattern'];
        if (typeof p !== 'string') return fail('validate', `rule ${text}: type "regex" needs pattern = "..."`);
        try {
          regex = new RegExp(`^(?:${p})$`, 'u');
        } catch (e) {
          fail('validate', `rule ${text}: bad pattern: ${(e as Error).message}`);
        }
      }
      validate.push(Object.freeze({ target: hasPath ? 'value' : 'segment', path: text, parts: Object.freeze(parts), type: type as RuleType, ...(regex ? { regex } : {}) }));
    }
  }

  const records: RecordSpec[] = [];
  const recs = t['records'];
  if (recs !== undefined) {
    if (!Array.isArray(recs)) fail('records', 'expected [[template.guard.records]] tables');
    for (const r of recs as unknown[]) {
      if (typeof r !== 'object' || r === null || Array.isArray(r)) return fail('records', 'expected [[template.guard.records]] tables');
      const o = r as Record<string, unknown>;
      const parts = pattern('records', o['path']);
      const fields = o['fields'];
      if (!Array.isArray(fields) || fields.length === 0 || fields.some((f) => typeof f !== 'string' || f === '' || f.includes('/'))) {
        fail('records', `record ${String(o['path'])}: fields must be a list of key names such as ["ip", "port"]`);
      }
      records.push(Object.freeze({ path: o['path'] as string, parts: Object.freeze(parts), fields: Object.freeze([...(fields as string[])]), timeoutMs: duration('records', o['timeout'], 30_000) }));
    }
  }

  const generations = count('generations') ?? 5;
  return Object.freeze({
    maxRemoved,
    minKeys: count('min_keys'),
    holdMs: duration('hold', t['hold'], 0),
    validate: Object.freeze(validate),
    records: Object.freeze(records),
    cleanPaths: bool('clean_paths', false),
    quarantine: bool('quarantine', false),
    rollback: bool('rollback', false),
    generations,
  });
}
