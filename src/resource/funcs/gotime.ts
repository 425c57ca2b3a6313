// Go's time.Time as confd's `datetime` (time.Now) returns it: a struct value that prints like Go
// (`2026-11-27 09:34:14.123456789 +0000 UTC m=+0.012345678`) and has the methods templates call on it
// (`{{(datetime).Format "2006-01-02"}}`, `.Unix`, `.UTC`, `.Year`, ...). Format implements Go's layout language
// (ported from src/time/format.go, Go 1.19).

import { readFileSync } from 'node:fs';
import { GO_METHODS, GO_STRING, GO_TYPE, GoFunc, GoTyped, T, goFunc, type GoStruct, type StructType } from '../../govalue/index.js';

export const TIME_TYPE: StructType = { kind: 'struct', name: 'time.Time', fields: [] };
const MONTH_TYPE: StructType = { kind: 'struct', name: 'time.Month', fields: [] };
const WEEKDAY_TYPE: StructType = { kind: 'struct', name: 'time.Weekday', fields: [] };

const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** A time zone: how to find the offset (seconds east of UTC) and abbreviation for an instant. */
export interface Zone {
  readonly name: string; // "UTC" or "Local"
  at(unixMs: number): { offset: number; abbrev: string };
}

export const UTC: Zone = { name: 'UTC', at: () => ({ offset: 0, abbrev: 'UTC' }) };

/** The process's local zone (TZ / /etc/localtime, as Node's Date sees it). */
export const LOCAL: Zone = {
  name: 'Local',
  at(unixMs: number) {
    return localZone(unixMs, Math.round(-new Date(unixMs).getTimezoneOffset() * 60));
  },
};

function localZone(unixMs: number, offset: number): { offset: number; abbrev: string } {
  const tz = localTzif();
  if (tz === 'UTC') return { offset: 0, abbrev: 'UTC' };
  const z = tz === null ? undefined : tz.zone(Math.floor(unixMs / 1000), offset);
  return z ?? { offset, abbrev: numericAbbrev(offset) };
}

/** Go's name for a zone without an abbreviation: "+01", "+0530". */
function numericAbbrev(offset: number): string {
  const sign = offset < 0 ? '-' : '+';
  const a = Math.abs(offset);
  const h = String(Math.floor(a / 3600)).padStart(2, '0');
  const m = Math.floor((a % 3600) / 60);
  return m === 0 ? `${sign}${h}` : `${sign}${h}${String(m).padStart(2, '0')}`;
}

// ---- the local zone's abbreviations, from its TZif file as Go reads it ---------------------------------------
// Offsets come from Node's Date (it knows every rule); Go prints the tzdata abbreviation (CET, IST), which only
// the TZif file has. Go's Local: $TZ unset -> /etc/localtime; "" or "UTC" -> UTC; ":name" or "name" -> zoneinfo.

interface Tzif {
  /** The zone in effect: its exact offset (Date rounds to minutes; old local mean times have seconds) and name. */
  zone(unixSec: number, offset: number): { offset: number; abbrev: string } | undefined;
}
let tzifCache: { tz: string | undefined; value: Tzif | 'UTC' | null } | undefined;

function localTzif(): Tzif | 'UTC' | null {
  const tz = process.env.TZ;
  if (tzifCache !== undefined && tzifCache.tz === tz) return tzifCache.value;
  let value: Tzif | 'UTC' | null = null;
  let name = tz;
  if (name !== undefined && name.startsWith(':')) name = name.slice(1);
  if (name === '' || name === 'UTC') value = 'UTC';
  else {
    const files = name === undefined ? ['/etc/localtime'] : name.startsWith('/') ? [name] : ZONEINFO_DIRS.map((d) => `${d}/${name}`);
    for (const f of files) {
      try {
        value = parseTzif(readFileSync(f));
        break;
      } catch {
        // try the next place; Go falls back to UTC when none loads
      }
    }
    if (value === null) value = 'UTC';
  }
  tzifCache = { tz, value };
  return value;
}

const ZONEINFO_DIRS = ['/usr/share/zoneinfo', '/usr/share/lib/zoneinfo', '/usr/lib/locale/TZ'];

function parseTzif(b: Buffer): Tzif {
  if (b.toString('latin1', 0, 4) !== 'TZif') throw new Error('not a TZif file');
  const version = b[4] ?? 0;
  const counts = (at: number): number[] => [0, 1, 2, 3, 4, 5].map((i) => b.readUInt32BE(at + 20 + i * 4));
  let at = 0;
  let [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(0) as [number, number, number, number, number, number];
  let timeSize = 4;
  if (version >= 0x32) {
    // Skip the 32-bit block; use the 64-bit one.
    at = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
    [isut, isstd, leap, timecnt, typecnt, charcnt] = counts(at) as [number, number, number, number, number, number];
    timeSize = 8;
  }
  let p = at + 44;
  const times: number[] = [];
  for (let i = 0; i < timecnt; i++, p += timeSize) times.push(timeSize === 8 ? Number(b.readBigInt64BE(p)) : b.readInt32BE(p));
  const idx: number[] = [];
  for (let i = 0; i < timecnt; i++) idx.push(b[p++] ?? 0);
  const types: Array<{ off: number; abbr: number }> = [];
  for (let i = 0; i < typecnt; i++, p += 6) types.push({ off: b.readInt32BE(p), abbr: b[p + 5] ?? 0 });
  const chars = b.toString('latin1', p, p + charcnt);
  p += charcnt + leap * (timeSize + 4) + isstd + isut;
  const name = (t: { abbr: number }): string => chars.slice(t.abbr, chars.indexOf('\0', t.abbr));
  // The footer (TZif v2+) is the POSIX TZ rule for times after the last transition: "CET-1CEST,M3.5.0,...".
  const footer = version >= 0x32 ? b.toString('latin1', p).trim() : '';
  const rule = parsePosixNames(footer);
  const near = (a: number, b: number): boolean => Math.abs(a - b) < 60;
  const zone = (t: { off: number; abbr: number }): { offset: number; abbrev: string } => ({ offset: t.off, abbrev: name(t) });
  return {
    zone(unixSec: number, offset: number) {
      let i = times.length - 1;
      while (i >= 0 && (times[i] as number) > unixSec) i--;
      const cur = i >= 0 ? types[idx[i] as number] : types.find((x) => near(x.off, offset));
      if (cur !== undefined && near(cur.off, offset) && (i < times.length - 1 || rule.length === 0)) return zone(cur);
      for (const r of rule) if (r.off === offset) return { offset, abbrev: r.name };
      // Otherwise the most recently used type with this offset.
      for (let j = idx.length - 1; j >= 0; j--) {
        const t = types[idx[j] as number];
        if (t !== undefined && near(t.off, offset)) return zone(t);
      }
      const t = types.find((x) => near(x.off, offset));
      return t === undefined ? undefined : zone(t);
    },
  };
}

/** Names and UTC offsets (seconds east) of the std and dst zones of a POSIX TZ string. */
function parsePosixNames(tz: string): Array<{ name: string; off: number }> {
  const m = /^(<[^>]+>|[A-Za-z]{3,})([+-]?\d{1,3}(?::\d{2}){0,2})(?:(<[^>]+>|[A-Za-z]{3,})([+-]?\d{1,3}(?::\d{2}){0,2})?)?(?:,|$)/.exec(tz);
  if (m === null) return [];
  const secs = (o: string): number => {
    const neg = o.startsWith('-');
    const [h = 0, mi = 0, se = 0] = o.replace(/^[+-]/, '').split(':').map(Number);
    const v = h * 3600 + mi * 60 + se;
    return neg ? v : -v; // POSIX offsets count west of UTC
  };
  const strip = (n: string): string => n.replace(/^<|>$/g, '');
  const std = { name: strip(m[1] as string), off: secs(m[2] as string) };
  if (m[3] === undefined) return [std];
  return [std, { name: strip(m[3]), off: m[4] !== undefined ? secs(m[4]) : std.off + 3600 }];
}

/** The fields of a point in time, as Go's Time keeps them. */
export interface TimeValue extends GoStruct {
  readonly [GO_TYPE]: StructType;
}

interface TimeState {
  /** Nanoseconds since the Unix epoch. */
  readonly unixNs: bigint;
  readonly zone: Zone;
  /** Monotonic clock reading in ns since process start (time.Now only; methods returning Time drop it). */
  readonly mono?: bigint;
}

/** Broken-down civil time in a zone. */
function civil(st: TimeState): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanosecond: number;
  weekday: number;
  yday: number;
  offset: number;
  abbrev: string;
} {
  const ns = st.unixNs;
  let sec = ns / 1_000_000_000n;
  let nano = Number(ns % 1_000_000_000n);
  if (nano < 0) {
    nano += 1_000_000_000;
    sec -= 1n;
  }
  const ms = Number(sec) * 1000;
  const { offset, abbrev } = st.zone.at(ms);
  const d = new Date(ms + offset * 1000);
  const year = d.getUTCFullYear();
  const startOfYear = Date.UTC(year, 0, 1);
  const yday = Math.floor((Date.UTC(year, d.getUTCMonth(), d.getUTCDate()) - startOfYear) / 86_400_000) + 1;
  return {
    year,
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    nanosecond: nano,
    weekday: d.getUTCDay(),
    yday,
    offset,
    abbrev,
  };
}

// ---- layout ------------------------------------------------------------------------------------------------

type Std =
  | 'LongMonth'
  | 'Month'
  | 'NumMonth'
  | 'ZeroMonth'
  | 'LongWeekDay'
  | 'WeekDay'
  | 'Day'
  | 'UnderDay'
  | 'ZeroDay'
  | 'UnderYearDay'
  | 'ZeroYearDay'
  | 'Hour'
  | 'Hour12'
  | 'ZeroHour12'
  | 'Minute'
  | 'ZeroMinute'
  | 'Second'
  | 'ZeroSecond'
  | 'LongYear'
  | 'Year'
  | 'PM'
  | 'pm'
  | 'TZ'
  | 'ISO8601TZ'
  | 'ISO8601SecondsTZ'
  | 'ISO8601ShortTZ'
  | 'ISO8601ColonTZ'
  | 'ISO8601ColonSecondsTZ'
  | 'NumTZ'
  | 'NumSecondsTz'
  | 'NumShortTZ'
  | 'NumColonTZ'
  | 'NumColonSecondsTZ'
  | { frac: '0' | '9'; digits: number; sep: string };

const STD0X: Std[] = ['ZeroMonth', 'ZeroDay', 'ZeroHour12', 'ZeroMinute', 'ZeroSecond', 'Year'];

function startsWithLowerCase(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 0x61 && c <= 0x7a;
}
function isDigitAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

/** nextStdChunk: [prefix, std or null, suffix]. */
function nextStdChunk(layout: string): [string, Std | null, string] {
  const has = (i: number, s: string): boolean => layout.startsWith(s, i);
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    switch (c) {
      case 'J':
        if (has(i, 'Jan')) {
          if (has(i, 'January')) return [layout.slice(0, i), 'LongMonth', layout.slice(i + 7)];
          if (!startsWithLowerCase(layout.slice(i + 3))) return [layout.slice(0, i), 'Month', layout.slice(i + 3)];
        }
        break;
      case 'M':
        if (has(i, 'Mon')) {
          if (has(i, 'Monday')) return [layout.slice(0, i), 'LongWeekDay', layout.slice(i + 6)];
          if (!startsWithLowerCase(layout.slice(i + 3))) return [layout.slice(0, i), 'WeekDay', layout.slice(i + 3)];
        }
        if (has(i, 'MST')) return [layout.slice(0, i), 'TZ', layout.slice(i + 3)];
        break;
      case '0': {
        const n = layout.charCodeAt(i + 1);
        if (n >= 0x31 && n <= 0x36) return [layout.slice(0, i), STD0X[n - 0x31] as Std, layout.slice(i + 2)];
        if (has(i, '002')) return [layout.slice(0, i), 'ZeroYearDay', layout.slice(i + 3)];
        break;
      }
      case '1':
        if (layout[i + 1] === '5') return [layout.slice(0, i), 'Hour', layout.slice(i + 2)];
        return [layout.slice(0, i), 'NumMonth', layout.slice(i + 1)];
      case '2':
        if (has(i, '2006')) return [layout.slice(0, i), 'LongYear', layout.slice(i + 4)];
        return [layout.slice(0, i), 'Day', layout.slice(i + 1)];
      case '_':
        if (layout[i + 1] === '2') {
          if (has(i + 1, '2006')) return [layout.slice(0, i + 1), 'LongYear', layout.slice(i + 5)];
          return [layout.slice(0, i), 'UnderDay', layout.slice(i + 2)];
        }
        if (has(i, '__2')) return [layout.slice(0, i), 'UnderYearDay', layout.slice(i + 3)];
        break;
      case '3':
        return [layout.slice(0, i), 'Hour12', layout.slice(i + 1)];
      case '4':
        return [layout.slice(0, i), 'Minute', layout.slice(i + 1)];
      case '5':
        return [layout.slice(0, i), 'Second', layout.slice(i + 1)];
      case 'P':
        if (layout[i + 1] === 'M') return [layout.slice(0, i), 'PM', layout.slice(i + 2)];
        break;
      case 'p':
        if (layout[i + 1] === 'm') return [layout.slice(0, i), 'pm', layout.slice(i + 2)];
        break;
      case '-':
        if (has(i, '-070000')) return [layout.slice(0, i), 'NumSecondsTz', layout.slice(i + 7)];
        if (has(i, '-07:00:00')) return [layout.slice(0, i), 'NumColonSecondsTZ', layout.slice(i + 9)];
        if (has(i, '-0700')) return [layout.slice(0, i), 'NumTZ', layout.slice(i + 5)];
        if (has(i, '-07:00')) return [layout.slice(0, i), 'NumColonTZ', layout.slice(i + 6)];
        if (has(i, '-07')) return [layout.slice(0, i), 'NumShortTZ', layout.slice(i + 3)];
        break;
      case 'Z':
        if (has(i, 'Z070000')) return [layout.slice(0, i), 'ISO8601SecondsTZ', layout.slice(i + 7)];
        if (has(i, 'Z07:00:00')) return [layout.slice(0, i), 'ISO8601ColonSecondsTZ', layout.slice(i + 9)];
        if (has(i, 'Z0700')) return [layout.slice(0, i), 'ISO8601TZ', layout.slice(i + 5)];
        if (has(i, 'Z07:00')) return [layout.slice(0, i), 'ISO8601ColonTZ', layout.slice(i + 6)];
        if (has(i, 'Z07')) return [layout.slice(0, i), 'ISO8601ShortTZ', layout.slice(i + 3)];
        break;
      case '.':
      case ',': {
        const ch = layout[i + 1];
        if (ch === '0' || ch === '9') {
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) return [layout.slice(0, i), { frac: ch, digits: j - (i + 1), sep: c }, layout.slice(j)];
        }
        break;
      }
    }
  }
  return [layout, null, ''];
}

function pad(n: number, width: number): string {
  const neg = n < 0;
  const s = String(Math.abs(n)).padStart(width, '0');
  return neg ? `-${s}` : s;
}

/** Time.Format. */
export function formatTime(st: TimeState, layout: string): string {
  const t = civil(st);
  let out = '';
  while (layout !== '') {
    const [prefix, std, suffix] = nextStdChunk(layout);
    out += prefix;
    if (std === null) break;
    layout = suffix;
    if (typeof std === 'object') {
      const trim = std.frac === '9';
      if (trim && (std.digits === 0 || t.nanosecond === 0)) continue;
      let b = std.sep + pad(t.nanosecond, 9);
      if (std.digits < 9) b = b.slice(0, b.length - 9 + std.digits);
      if (trim) {
        b = b.replace(/0+$/, '');
        if (b === std.sep) b = '';
      }
      out += b;
      continue;
    }
    switch (std) {
      case 'Year':
        out += pad(((t.year % 100) + 100) % 100, 2);
        break;
      case 'LongYear':
        out += pad(t.year, 4);
        break;
      case 'Month':
        out += (LONG_MONTHS[t.month - 1] as string).slice(0, 3);
        break;
      case 'LongMonth':
        out += LONG_MONTHS[t.month - 1] as string;
        break;
      case 'NumMonth':
        out += String(t.month);
        break;
      case 'ZeroMonth':
        out += pad(t.month, 2);
        break;
      case 'WeekDay':
        out += (LONG_DAYS[t.weekday] as string).slice(0, 3);
        break;
      case 'LongWeekDay':
        out += LONG_DAYS[t.weekday] as string;
        break;
      case 'Day':
        out += String(t.day);
        break;
      case 'UnderDay':
        out += (t.day < 10 ? ' ' : '') + String(t.day);
        break;
      case 'ZeroDay':
        out += pad(t.day, 2);
        break;
      case 'UnderYearDay':
        out += String(t.yday).padStart(3, ' ');
        break;
      case 'ZeroYearDay':
        out += pad(t.yday, 3);
        break;
      case 'Hour':
        out += pad(t.hour, 2);
        break;
      case 'Hour12':
        out += String(t.hour % 12 === 0 ? 12 : t.hour % 12);
        break;
      case 'ZeroHour12':
        out += pad(t.hour % 12 === 0 ? 12 : t.hour % 12, 2);
        break;
      case 'Minute':
        out += String(t.minute);
        break;
      case 'ZeroMinute':
        out += pad(t.minute, 2);
        break;
      case 'Second':
        out += String(t.second);
        break;
      case 'ZeroSecond':
        out += pad(t.second, 2);
        break;
      case 'PM':
        out += t.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += t.hour >= 12 ? 'pm' : 'am';
        break;
      case 'TZ':
        if (t.abbrev !== '') out += t.abbrev;
        else {
          let zone = Math.trunc(t.offset / 60);
          out += zone < 0 ? '-' : '+';
          zone = Math.abs(zone);
          out += pad(Math.trunc(zone / 60), 2) + pad(zone % 60, 2);
        }
        break;
      default: {
        // numeric and ISO 8601 zones
        const iso = std.startsWith('ISO8601');
        if (t.offset === 0 && iso) {
          out += 'Z';
          break;
        }
        let zone = Math.trunc(t.offset / 60);
        let absoffset = t.offset;
        if (zone < 0) {
          out += '-';
          zone = -zone;
          absoffset = -absoffset;
        } else out += '+';
        out += pad(Math.trunc(zone / 60), 2);
        const colon = std.includes('Colon');
        if (colon) out += ':';
        if (!std.includes('Short')) out += pad(zone % 60, 2);
        if (std.includes('Seconds')) {
          if (colon) out += ':';
          out += pad(absoffset % 60, 2);
        }
      }
    }
  }
  return out;
}

/** Time.String: Format("2006-01-02 15:04:05.999999999 -0700 MST") plus the monotonic reading, if any. */
function timeString(st: TimeState): string {
  let s = formatTime(st, '2006-01-02 15:04:05.999999999 -0700 MST');
  if (st.mono !== undefined) {
    let m = st.mono;
    const sign = m < 0n ? '-' : '+';
    if (m < 0n) m = -m;
    const frac = m % 1_000_000_000n;
    const whole = m / 1_000_000_000n;
    s += ` m=${sign}${whole}.${String(frac).padStart(9, '0')}`;
  }
  return s;
}

const INT64 = T.int64 as typeof T.int64 & { kind: 'int' };
function int64(v: bigint): GoTyped {
  const n = v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
  return new GoTyped(INT64, n);
}

function named(type: StructType, text: string): GoStruct {
  return { [GO_TYPE]: type, [GO_STRING]: () => text };
}

/** Build a time.Time struct value. */
export function makeTime(st: TimeState): TimeValue {
  const other = (v: unknown): TimeState => {
    const s = (v as { [STATE]?: TimeState })[STATE];
    if (s === undefined) throw new Error('argument is not a time.Time');
    return s;
  };
  const methods: Record<string, GoFunc> = {
    String: goFunc({ params: [], result: T.string }, () => timeString(st)),
    Format: goFunc({ params: [T.string], result: T.string }, (layout: string) => formatTime(st, layout)),
    Unix: goFunc({ params: [], result: INT64 }, () => int64(floorDiv(st.unixNs, 1_000_000_000n))),
    UnixMilli: goFunc({ params: [], result: INT64 }, () => int64(floorDiv(st.unixNs, 1_000_000n))),
    UnixMicro: goFunc({ params: [], result: INT64 }, () => int64(floorDiv(st.unixNs, 1_000n))),
    UnixNano: goFunc({ params: [], result: INT64 }, () => int64(st.unixNs)),
    UTC: goFunc({ params: [], result: TIME_TYPE }, () => makeTime({ unixNs: st.unixNs, zone: UTC })),
    Local: goFunc({ params: [], result: TIME_TYPE }, () => makeTime({ unixNs: st.unixNs, zone: LOCAL })),
    Year: goFunc({ params: [], result: T.int }, () => civil(st).year),
    Month: goFunc({ params: [], result: MONTH_TYPE }, () => named(MONTH_TYPE, LONG_MONTHS[civil(st).month - 1] as string)),
    Day: goFunc({ params: [], result: T.int }, () => civil(st).day),
    Hour: goFunc({ params: [], result: T.int }, () => civil(st).hour),
    Minute: goFunc({ params: [], result: T.int }, () => civil(st).minute),
    Second: goFunc({ params: [], result: T.int }, () => civil(st).second),
    Nanosecond: goFunc({ params: [], result: T.int }, () => civil(st).nanosecond),
    YearDay: goFunc({ params: [], result: T.int }, () => civil(st).yday),
    Weekday: goFunc({ params: [], result: WEEKDAY_TYPE }, () => named(WEEKDAY_TYPE, LONG_DAYS[civil(st).weekday] as string)),
    IsZero: goFunc({ params: [], result: T.bool }, () => st.unixNs === ZERO_TIME_UNIX_NS),
    Before: goFunc({ params: [TIME_TYPE], result: T.bool }, (u: unknown) => st.unixNs < other(u).unixNs),
    After: goFunc({ params: [TIME_TYPE], result: T.bool }, (u: unknown) => st.unixNs > other(u).unixNs),
    Equal: goFunc({ params: [TIME_TYPE], result: T.bool }, (u: unknown) => st.unixNs === other(u).unixNs),
    AddDate: goFunc({ params: [T.int, T.int, T.int], result: TIME_TYPE }, (y: number, mo: number, d: number) => {
      const c = civil(st);
      // Go normalizes overflowing fields the same way Date.UTC does; the zone offset is re-resolved after.
      const localMs = Date.UTC(c.year + y, c.month - 1 + mo, c.day + d, c.hour, c.minute, c.second);
      const guess = localMs - c.offset * 1000;
      const off = st.zone.at(guess).offset;
      const ms = localMs - off * 1000;
      return makeTime({ unixNs: BigInt(ms) * 1_000_000n + BigInt(c.nanosecond), zone: st.zone });
    }),
  };
  const value: TimeValue = {
    [GO_TYPE]: TIME_TYPE,
    [GO_METHODS]: methods,
    [GO_STRING]: () => timeString(st),
  };
  Object.defineProperty(value, STATE, { value: st, enumerable: false });
  return value;
}

const STATE: unique symbol = Symbol('confd-ts.time.state');
// January 1, year 1, 00:00:00 UTC: Go's zero Time.
const ZERO_TIME_UNIX_NS = -62135596800n * 1_000_000_000n;

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

// ---- clock -------------------------------------------------------------------------------------------------

/** Reading of a clock: wall time in ns since the Unix epoch, and a monotonic reading in ns since start. */
export interface ClockReading {
  readonly unixNs: bigint;
  readonly monoNs?: bigint;
}
export type Clock = () => ClockReading;

const processStartHr = process.hrtime.bigint() - BigInt(Math.round(process.uptime() * 1e9));

/** The system clock: Date.now() for the wall time (ns digits from the high-resolution timer) and hrtime. */
export const systemClock: Clock = () => {
  const hr = process.hrtime.bigint();
  return { unixNs: BigInt(Date.now()) * 1_000_000n + (hr % 1_000_000n), monoNs: hr - processStartHr };
};

/** time.Now(): local time with a monotonic reading. */
export function now(clock: Clock = systemClock, zone: Zone = LOCAL): TimeValue {
  const r = clock();
  return makeTime({ unixNs: r.unixNs, zone, ...(r.monoNs !== undefined ? { mono: r.monoNs } : {}) });
}
