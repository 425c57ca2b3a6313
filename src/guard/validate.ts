// Declared validation of key values and key segments: each check returns the true reason a value is refused
// (the first offending character and what it is), so that the log says "contains a line feed" rather than a
// guess like "the port is out of range". A template reads only what passed.

import { isIPv4, isIPv6 } from 'node:net';
import { pathMatch } from '../memkv/index.js';

export const RULE_TYPES = ['port', 'ip', 'host', 'hostname', 'printable', 'regex'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

export interface ValidateRule {
  /** `value`: the key's value; `segment`: the key segment the pattern's last part matches. */
  readonly target: 'value' | 'segment';
  /** The pattern as written (for messages). */
  readonly path: string;
  /** Its segments; each is a Go path.Match pattern ("*" = any one segment). */
  readonly parts: readonly string[];
  readonly type: RuleType;
  /** For type "regex": the whole value must match. */
  readonly regex?: RegExp;
}

/** Segments of an absolute key or pattern ("/a/b" -> ["a", "b"]; "/" -> []). */
export function segments(path: string): string[] {
  const s = path.startsWith('/') ? path.slice(1) : path;
  return s === '' ? [] : s.split('/');
}

const META = /[*?[\\]/;

/** Whether one pattern segment matches one key segment: "*" and literals without a path.Match call. */
function matchPart(part: string, seg: string): boolean {
  if (part === '*') return true;
  if (!META.test(part)) return part === seg;
  try {
    return pathMatch(part, seg);
  } catch {
    return false; // patterns are checked when the resource loads; a bad one matches nothing
  }
}

/** Whether `parts` match the first parts.length segments of `keySegs`, all of them when `exact`. */
export function matchesParts(parts: readonly string[], keySegs: readonly string[], exact: boolean): boolean {
  if (exact ? keySegs.length !== parts.length : keySegs.length < parts.length) return false;
  return parts.every((part, i) => matchPart(part, keySegs[i] ?? ''));
}

const CONTROL_NAMES: Record<number, string> = { 0: 'NUL', 9: 'tab', 10: 'line feed', 13: 'carriage return', 0x1b: 'escape', 0x7f: 'DEL' };

function codePoint(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The reason `s` holds a control character (C0, DEL, C1, line/paragraph separator), or undefined. */
export function controlCharReason(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) {
      const name = CONTROL_NAMES[c];
      return `contains a control character (${codePoint(c)}${name ? ` ${name}` : ''}) at offset ${i}`;
    }
  }
  return undefined;
}

function firstNonAscii(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i) ?? 0;
    if (c > 0x7e) return `contains the non-ASCII character ${codePoint(c)} ${JSON.stringify(String.fromCodePoint(c))} at offset ${i}`;
  }
  return undefined;
}

/**
 * A DNS name as haproxy and a Host header can use it: ASCII letters, digits, "-" and "_" in labels of 1-63
 * characters separated by ".", no label starting or ending with "-", at most 253 characters. "_" is allowed
 * (service names such as _http._tcp use it). A name made of digits and dots only must be an IPv4 address.
 */
function hostnameReason(s: string): string | undefined {
  if (s === '') return 'is empty';
  const na = firstNonAscii(s);
  if (na) return na;
  if (s.length > 253) return `is ${s.length} characters long (a host name has at most 253)`;
  const labels = s.endsWith('.') ? s.slice(0, -1).split('.') : s.split('.');
  for (const l of labels) {
    if (l === '') return 'has an empty label (".." or a leading ".")';
    if (l.length > 63) return `has a label of ${l.length} characters (at most 63)`;
    const bad = /[^A-Za-z0-9_-]/.exec(l);
    if (bad) return `contains ${JSON.stringify(bad[0])} (a host name has letters, digits, "-", "_" and ".")`;
    if (l.startsWith('-') || l.endsWith('-')) return `has a label ${JSON.stringify(l)} that starts or ends with "-"`;
  }
  if (/^[0-9.]+$/.test(s) && !isIPv4(s)) return 'is not a valid IPv4 address (digits and dots only)';
  return undefined;
}

function portReason(s: string): string | undefined {
  if (s === '') return 'is empty (a port is a number from 1 to 65535)';
  const bad = /[^0-9]/.exec(s);
  if (bad) return `is not a number: contains ${JSON.stringify(bad[0])} at offset ${bad.index} (a port is a number from 1 to 65535)`;
  const n = Number(s);
  if (s.length > 5 || n < 1 || n > 65535) return `is out of range (a port is a number from 1 to 65535)`;
  return undefined;
}

function ipReason(s: string): string | undefined {
  if (isIPv4(s) || isIPv6(s)) return undefined;
  const na = firstNonAscii(s);
  if (na) return na;
  return 'is not an IPv4 or IPv6 address';
}

/** Why `value` fails `rule`, or undefined when it passes. Control characters fail every type. */
export function checkValue(rule: Pick<ValidateRule, 'type' | 'regex'>, value: string): string | undefined {
  const ctl = controlCharReason(value);
  if (ctl) return ctl;
  switch (rule.type) {
    case 'printable':
      return undefined;
    case 'port':
      return portReason(value);
    case 'ip':
      return ipReason(value);
    case 'hostname':
      return hostnameReason(value);
    case 'host':
      if (isIPv4(value) || isIPv6(value)) return undefined;
      {
        const why = hostnameReason(value);
        return why === undefined ? undefined : `is neither an IP address nor a host name: ${why}`;
      }
    case 'regex':
      if (!rule.regex) throw new TypeError('a regex rule without its pattern'); // parseGuardSpec always sets it
      return rule.regex.test(value) ? undefined : `does not match ${rule.regex.source}`;
  }
}

/**
 * Why a key path is not clean: an empty segment ("//", a trailing "/"), "." or "..". Such a key would be read
 * under another path (memkv cleans "/a/../b" to "/b"): a writer allowed under /nginx/a/ could reach /nginx/b/.
 */
export function uncleanReason(key: string): string | undefined {
  const segs = segments(key);
  for (const [i, s] of segs.entries()) {
    if (s === '') return i === segs.length - 1 ? 'the path ends with "/"' : 'the path has an empty segment ("//")';
    if (s === '.' || s === '..') return `the path has a ${JSON.stringify(s)} segment`;
  }
  return undefined;
}

/** Rule types whose values are addresses and numbers, shown in messages; other values may be secrets. */
const SHOWN: ReadonlySet<RuleType> = new Set(['port', 'ip', 'host', 'hostname']);

function shown(type: RuleType, value: string): string {
  if (!SHOWN.has(type)) return 'the value';
  return `value ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value)}`;
}

export interface Refusal {
  /** What is refused: the key, or for a segment rule the path up to the bad segment. */
  readonly path: string;
  readonly reason: string;
}

/**
 * Checks one key (clean, as templates see it) and its value against the rules; returns the first refusal.
 * A segment rule refuses every key below the bad segment, reported under the segment's path.
 */
export function checkKey(rules: readonly ValidateRule[], key: string, value: string): Refusal | undefined {
  const segs = segments(key);
  for (const r of rules) {
    if (r.target === 'segment') {
      if (!matchesParts(r.parts, segs, false)) continue;
      const seg = segs[r.parts.length - 1] ?? '';
      const why = checkValue(r, seg);
      if (why) return { path: `/${segs.slice(0, r.parts.length).join('/')}`, reason: `segment ${JSON.stringify(seg)} ${why} (rule: segment ${r.path} is a ${r.type})` };
    } else {
      if (!matchesParts(r.parts, segs, true)) continue;
      const why = checkValue(r, value);
      if (why) return { path: key, reason: `${shown(r.type, value)} ${why} (rule: ${r.path} is a ${r.type})` };
    }
  }
  return undefined;
}
