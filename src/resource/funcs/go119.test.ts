// Our ports of Go library functions against answers recorded from Go 1.19 itself (testdata/README.md).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BadPatternError, pathMatch } from '../../memkv/gopath.js';
import { parseYamlKeys } from '../../backends/file/yaml.js';
import { toValidUnicode } from '../../govalue/bytes.js';
import { base64Decode, replace, toLower, toUpper } from '../funcs.js';
import { unmarshalObject } from './gojson.js';
import { goSortSlice } from './gosort.js';
import { atoi, formatFloatF } from './gostrconv.js';
import { existsSync } from 'node:fs';
import { LOCAL, formatTime, type Zone } from './gotime.js';

interface Fixture {
  sorts: Array<{ lengths: number[]; order: number[] }>;
  match: Array<[string, string, 'true' | 'false' | 'err']>;
  json: Array<[string, string | null]>;
  base64: Array<[string, string]>;
  layouts: Array<[string, string]>;
  yaml: Array<[string, string | Record<string, string>]>;
  floats: Array<[string, string]>;
  replace: Array<[string, string, string, string, string]>;
  atoi: Array<[string, string]>;
  upper: Record<string, number>;
  lower: Record<string, number>;
}
const fx = JSON.parse(readFileSync(new URL('./testdata/go119.json', import.meta.url), 'utf8')) as Fixture;

const errText = (f: () => unknown): string => {
  try {
    return String(f());
  } catch (e) {
    return `ERR ${(e as Error).message}`;
  }
};

describe('Go 1.19 reference answers', () => {
  it(`sort.Sort leaves ties in Go's order (${fx.sorts.length} inputs up to 300 elements)`, () => {
    for (const { lengths, order } of fx.sorts) {
      const idx = lengths.map((_, i) => i);
      goSortSlice(idx, (a, b) => (lengths[a] as number) < (lengths[b] as number));
      assert.deepEqual(idx, order, `lengths ${lengths.join(',')}`);
    }
  });

  it(`path.Match (${fx.match.length} random patterns and names)`, () => {
    for (const [p, s, want] of fx.match) {
      let got: string;
      try {
        got = String(pathMatch(p, s));
      } catch (e) {
        assert.ok(e instanceof BadPatternError);
        got = 'err';
      }
      assert.equal(got, want, `Match(${JSON.stringify(p)}, ${JSON.stringify(s)})`);
    }
  });

  it('encoding/json errors', () => {
    for (const [input, want] of fx.json) {
      const got = errText(() => unmarshalObject(input));
      if (want === null) assert.ok(!got.startsWith('ERR'), `${JSON.stringify(input)}: ${got}`);
      else assert.equal(got, `ERR ${want}`, JSON.stringify(input));
    }
  });

  it('encoding/base64 StdEncoding.DecodeString', () => {
    // The reference answers went through Go's JSON encoding, which writes U+FFFD for bytes that are not UTF-8.
    for (const [input, want] of fx.base64) assert.equal(toValidUnicode(errText(() => base64Decode(input))), want, JSON.stringify(input));
  });

  it('time.Format layouts', () => {
    const ist: Zone = { name: 'Local', at: () => ({ offset: 19800, abbrev: 'IST' }) };
    const utc: Zone = { name: 'UTC', at: () => ({ offset: 0, abbrev: 'UTC' }) };
    const unnamed: Zone = { name: 'Local', at: () => ({ offset: -12600, abbrev: '' }) };
    // 2026-12-31 23:05:09.000000120 at -03:30
    const t3 = BigInt(Date.UTC(2026, 11, 31, 23, 5, 9) + 12600 * 1000) * 1_000_000n + 120n;
    for (const [layout, want] of fx.layouts) {
      const got = [
        formatTime({ unixNs: 1772600767089000000n, zone: ist }, layout),
        formatTime({ unixNs: 1772600767000000000n, zone: utc }, layout),
        formatTime({ unixNs: t3, zone: unnamed }, layout),
      ].join('|');
      assert.equal(got, want, layout);
    }
  });

  it('local zone names and offsets as Go reads them from tzdata', { skip: !existsSync('/usr/share/zoneinfo/Europe/Berlin') && 'no tzdata installed' }, () => {
    // time.Unix(t, 0).In(loc).Format("MST -0700") with Go 1.19.
    const table = `Europe/Berlin 0 CET +0100
Europe/Berlin 1719792000 CEST +0200
Europe/Berlin 1772600767 CET +0100
Europe/Berlin 4102444800 CET +0100
America/New_York 1719792000 EDT -0400
America/New_York 1772600767 EST -0500
Asia/Kolkata -2208988800 MMT +0521
Asia/Kolkata 1772600767 IST +0530
Asia/Kathmandu 1772600767 +0545 +0545
Australia/Lord_Howe 1719792000 +1030 +1030
Pacific/Chatham 1772600767 +1345 +1345
Etc/GMT+5 1772600767 -05 -0500
Europe/Dublin 1719792000 IST +0100
Europe/Dublin 1772600767 GMT +0000`;
    const saved = process.env.TZ;
    try {
      for (const line of table.split('\n')) {
        const [zone, t, ...want] = line.split(' ');
        process.env.TZ = zone;
        assert.equal(formatTime({ unixNs: BigInt(t as string) * 1_000_000_000n, zone: LOCAL }, 'MST -0700'), want.join(' '), line);
      }
      process.env.TZ = '';
      assert.equal(formatTime({ unixNs: 0n, zone: LOCAL }, 'MST -0700'), 'UTC +0000');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('yaml.v2 + confd nodeWalk', () => {
    for (const [doc, want] of fx.yaml) {
      const vars = new Map<string, string>();
      if (typeof want === 'string') {
        assert.throws(() => parseYamlKeys('k.yaml', doc, vars), Error, `Go: ${want}\n${doc}`);
        continue;
      }
      parseYamlKeys('k.yaml', doc, vars);
      assert.deepEqual(Object.fromEntries(vars), want, doc);
    }
  });

  it('strconv and strings', () => {
    for (const [f, want] of fx.floats) assert.equal(formatFloatF(Number(f)), want, f);
    for (const [s, o, n, c, want] of fx.replace) assert.equal(replace(s, o, n, Number(c)), want, JSON.stringify([s, o, n, c]));
    for (const [s, want] of fx.atoi) assert.equal(errText(() => atoi(s)), want, JSON.stringify(s));
  });

  it('unicode.ToUpper/ToLower of every code point (Unicode 13 tables)', () => {
    for (let r = 0; r <= 0x10ffff; r++) {
      if (r >= 0xd800 && r < 0xe000) continue;
      const ch = String.fromCodePoint(r);
      const up = String.fromCodePoint(fx.upper[r] ?? r);
      const lo = String.fromCodePoint(fx.lower[r] ?? r);
      if (toUpper(ch) !== up) assert.fail(`ToUpper(U+${r.toString(16)}) = ${toUpper(ch)}, Go: ${up}`);
      if (toLower(ch) !== lo) assert.fail(`ToLower(U+${r.toString(16)}) = ${toLower(ch)}, Go: ${lo}`);
    }
  });
});
