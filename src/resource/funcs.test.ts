import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GO_METHODS, GO_STRING, GoFloat, GoTyped, SLICE_ELEM, T, goSlice, type GoFunc } from '../govalue/index.js';
import { KVStore, pathJoin } from '../memkv/index.js';
import { Template } from '../gotemplate/index.js';
import { base64Decode, confdFuncs, replace, split, toLower, toUpper, type Resolver } from './funcs.js';
import { goSortSlice } from './funcs/gosort.js';
import { formatFloatF } from './funcs/gostrconv.js';
import { formatTime, makeTime, UTC, type Zone } from './funcs/gotime.js';

const store = new KVStore();
const F = confdFuncs(store, { getenv: (n) => ({ SET: 'v', EMPTY: '' })[n] });
function call(name: string, ...args: unknown[]): unknown {
  const f = F[name] as GoFunc | undefined;
  assert.ok(f, `no function ${name}`);
  return f.fn(...args);
}

describe('confd function map', () => {
  it('has exactly confd\'s function names', () => {
    assert.deepEqual(
      Object.keys(F).sort(),
      [
        'add', 'atoi', 'base', 'base64Decode', 'base64Encode', 'contains', 'datetime', 'dir', 'div', 'exists', 'fileExists', 'get',
        'getenv', 'gets', 'getv', 'getvs', 'join', 'json', 'jsonArray', 'lookupIP', 'lookupIPV4', 'lookupIPV6', 'lookupSRV', 'ls',
        'lsdir', 'map', 'mod', 'mul', 'parseBool', 'replace', 'reverse', 'seq', 'sortByLength', 'sortKVByLength', 'split', 'sub',
        'toLower', 'toUpper', 'trimSuffix',
      ].sort(),
    );
  });

  it('json decodes like encoding/json into map[string]interface{}', () => {
    const m = call('json', '{"a":1,"a":2,"n":null,"f":0.25,"big":1000000,"l":[1,"x",true],"o":{}}') as Map<string, unknown>;
    assert.deepEqual(m.get('a'), new GoFloat(2));
    assert.equal(m.get('n'), null);
    assert.deepEqual(m.get('big'), new GoFloat(1e6));
    assert.deepEqual(m.get('l'), [new GoFloat(1), 'x', true]);
    assert.ok(m.get('o') instanceof Map);
    const s = (call('json', '{"s":"\\u00e9\\n\\"x\\"\\ud83d\\ude00\\ud800\\u0041\\/"}') as Map<string, unknown>).get('s');
    assert.equal(s, 'é\n"x"\u{1F600}\uFFFDA/');
    assert.deepEqual(call('json', 'null'), new Map());
  });

  it('json errors are Go\'s texts', () => {
    const cases: Array<[string, string]> = [
      ['{bad}', "invalid character 'b' looking for beginning of object key string"],
      ['', 'unexpected end of JSON input'],
      ['{"a":', 'unexpected end of JSON input'],
      ['{"a":1} x', "invalid character 'x' after top-level value"],
      ['{"a" 1}', "invalid character '1' after object key"],
      ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
      ['[1 2]', "invalid character '2' after array element"],
      ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
      ['{"a":01}', "invalid character '1' after object key:value pair"],
      ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
      ['{"a":"\\x"}', "invalid character 'x' in string escape code"],
      ['{"a":"\u0001"}', "invalid character '\\x01' in string literal"],
      ["{'a':1}", "invalid character '\\'' looking for beginning of object key string"],
      ['{"a":1e400}', 'json: cannot unmarshal number 1e400 into Go value of type float64'],
      ['[1]', 'json: cannot unmarshal array into Go value of type map[string]interface {}'],
      ['"s"', 'json: cannot unmarshal string into Go value of type map[string]interface {}'],
      ['{é}', "invalid character 'Ã' looking for beginning of object key string"],
    ];
    for (const [input, msg] of cases) assert.throws(() => call('json', input), { message: msg }, input);
    assert.throws(() => call('jsonArray', '{}'), { message: 'json: cannot unmarshal object into Go value of type []interface {}' });
    assert.deepEqual(call('jsonArray', '[1, "a", [2]]'), [new GoFloat(1), 'a', [new GoFloat(2)]]);
  });

  it('map builds map[string]interface{} with confd\'s errors', () => {
    const m = call('map', 'z', 1, 'a', 'x') as Map<string, unknown>;
    assert.deepEqual([...m.entries()], [['z', 1], ['a', 'x']]);
    assert.throws(() => call('map', 'a'), { message: 'invalid map call' });
    assert.throws(() => call('map', 1, 2), { message: 'map keys must be strings' });
    assert.equal((call('map') as Map<string, unknown>).size, 0);
  });

  it('strings functions follow Go\'s strings package', () => {
    assert.deepEqual(split('a::b::c', '::'), ['a', 'b', 'c']);
    assert.deepEqual(split('été\u{1F600}', ''), ['é', 't', 'é', '\u{1F600}']);
    assert.deepEqual(split('', ''), []);
    assert.deepEqual(split('', ','), ['']);
    assert.deepEqual(call('split', 'a,b,', ','), ['a', 'b', '']);
    assert.equal((call('split', 'a,b', ',') as unknown as { [SLICE_ELEM]: unknown })[SLICE_ELEM], T.string);
    assert.equal(replace('abc', '', '.', -1), '.a.b.c.');
    assert.equal(replace('été', '', '|', -1), '|é|t|é|');
    assert.equal(replace('aaaa', 'a', 'b', 2), 'bbaa');
    assert.equal(replace('aaaa', 'aa', 'b', -1), 'bb');
    assert.equal(replace('abc', '', '-', 2), '-a-bc');
    assert.equal(call('replace', 'a.b.c', '.', '/', 1n), 'a/b.c');
    assert.equal(toUpper('straße été ǆ'), 'STRAßE ÉTÉ Ǆ');
    assert.equal(toLower('İSTANBUL ÉTÉ ǅ ΣΑΣ'), 'istanbul été ǆ σασ');
    assert.equal(toUpper('ﬁ ᾳ'), 'ﬁ ᾼ');
    assert.equal(call('trimSuffix', 'a.conf', '.conf'), 'a');
    assert.equal(call('trimSuffix', 'a.conf', ''), 'a.conf');
    assert.equal(call('contains', 'abc', ''), true);
    assert.equal(call('join', ['a', 'b'], ', '), 'a, b');
    assert.equal(call('base', '/a/b/..'), '..');
    assert.equal(call('dir', '/a//b/../c/./d'), '/a/c');
  });

  it('getenv treats empty as unset and takes a default', () => {
    assert.equal(call('getenv', 'SET'), 'v');
    assert.equal(call('getenv', 'SET', 'd'), 'v');
    assert.equal(call('getenv', 'EMPTY', 'd'), 'd');
    assert.equal(call('getenv', 'NOPE'), '');
  });

  it('base64 like encoding/base64.StdEncoding', () => {
    assert.equal(call('base64Encode', 'Value'), 'VmFsdWU=');
    assert.equal(base64Decode('VmFsdWU='), 'Value');
    assert.equal(base64Decode('Vm\nFs\r\ndWU='), 'Value');
    assert.equal(base64Decode(''), '');
    const errs: Array<[string, number]> = [
      ['not base64!', 3],
      ['YQ', 0],
      ['YQ=', 3],
      ['YQ=x', 2],
      ['YQ==YQ==', 4],
      ['Y===', 1],
      ['VmFsdWU', 4],
      ['€', 0],
    ];
    for (const [s, at] of errs) assert.throws(() => base64Decode(s), { message: `illegal base64 data at input byte ${at}` }, s);
  });

  it('parseBool and atoi with strconv\'s errors', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(call('parseBool', t), true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(call('parseBool', f), false);
    assert.throws(() => call('parseBool', 'yes'), { message: 'strconv.ParseBool: parsing "yes": invalid syntax' });
    assert.equal(call('atoi', '-42'), -42);
    assert.equal(call('atoi', '+7'), 7);
    assert.equal(call('atoi', '9223372036854775807'), 9223372036854775807n);
    assert.throws(() => call('atoi', 'x'), { message: 'strconv.Atoi: parsing "x": invalid syntax' });
    assert.throws(() => call('atoi', ''), { message: 'strconv.Atoi: parsing "": invalid syntax' });
    assert.throws(() => call('atoi', '1_000'), { message: 'strconv.Atoi: parsing "1_000": invalid syntax' });
    assert.throws(() => call('atoi', '99999999999999999999'), { message: 'strconv.Atoi: parsing "99999999999999999999": value out of range' });
  });

  it('integer arithmetic is Go int64', () => {
    assert.equal(call('add', 2, 3), 5);
    assert.equal(call('sub', 2, 3), -1);
    assert.equal(call('mul', 6, 7), 42);
    assert.equal(call('div', 7, 2), 3);
    assert.equal(call('div', -7, 2), -3);
    assert.equal(call('mod', -7, 2), -1);
    assert.equal(call('add', 9223372036854775807n, 1), -9223372036854775808n);
    assert.equal(call('mul', 4294967296, 4294967296), 0);
    assert.equal(call('div', -9223372036854775808n, -1), -9223372036854775808n);
    assert.throws(() => call('div', 1, 0), { message: 'runtime error: integer divide by zero' });
    assert.throws(() => call('mod', 1, 0), { message: 'runtime error: integer divide by zero' });
    assert.deepEqual(call('seq', 1, 3), [1, 2, 3]);
    assert.deepEqual(call('seq', 3, 1), []);
    assert.equal((call('seq', 1, 2) as unknown as { [SLICE_ELEM]: unknown })[SLICE_ELEM], T.int);
  });

  it('reverse and sortByLength work in place with Go\'s unstable sort', () => {
    const names = goSlice(T.string, ['10', '9', 'a', 'b', 'c', 'e']);
    const sorted = call('sortByLength', names);
    assert.equal(sorted, names);
    assert.deepEqual(call('reverse', names), ['10', 'e', 'c', 'b', 'a', '9']);
    assert.deepEqual(names, ['10', 'e', 'c', 'b', 'a', '9']);
    assert.deepEqual(call('sortByLength', goSlice(T.string, ['éé', 'abc', '日', 'ab'])), ['ab', 'abc', '日', 'éé']);
    const ints = goSlice(T.int, [1, 2, 3]);
    assert.deepEqual(call('reverse', ints), [1, 2, 3]);
    assert.equal(call('reverse', 'abc'), 'abc');
    assert.deepEqual(call('reverse', [1, 2]), [1, 2]); // []interface{}: not a case of confd's type switch
  });

  it('sort.Sort order for ties matches Go 1.19 pdqsort', () => {
    // Up to 12 elements pdqsort is an insertion sort (stable): the corpus pins this order.
    const run = (xs: string[]): string[] => goSortSlice(xs.slice(), (a, b) => a.length < b.length);
    assert.deepEqual(run(['10', '9', 'a', 'b', 'c', 'e']), ['9', 'a', 'b', 'c', 'e', '10']);
    // 13+ elements leave insertion sort: check it sorts by length, keeps the multiset and is deterministic.
    const many = Array.from({ length: 200 }, (_, i) => 'x'.repeat((i * 7919) % 13) + String(i % 10));
    const a = run(many);
    const b = run(many);
    assert.deepEqual(a, b);
    for (let i = 1; i < a.length; i++) assert.ok((a[i - 1] as string).length <= (a[i] as string).length);
    assert.deepEqual([...a].sort(), [...many].sort());
  });

  it('gets results (memkv.KVPairs) are not reversed by reverse, sortKVByLength results are', () => {
    const s = new KVStore();
    for (const k of ['/x/aaa', '/x/b', '/x/cc']) s.set(k, k);
    const f = confdFuncs(s);
    const gets = f.gets!.fn('/x/*') as Array<{ Key: string }>;
    assert.deepEqual(
      (f.reverse!.fn(gets) as Array<{ Key: string }>).map((kv) => kv.Key),
      ['/x/aaa', '/x/b', '/x/cc'],
    );
    const byLen = f.sortKVByLength!.fn(gets) as Array<{ Key: string }>;
    assert.deepEqual(byLen.map((kv) => kv.Key), ['/x/b', '/x/cc', '/x/aaa']);
    assert.deepEqual(
      (f.reverse!.fn(byLen) as Array<{ Key: string }>).map((kv) => kv.Key),
      ['/x/aaa', '/x/cc', '/x/b'],
    );
  });

  it('fileExists is false only for paths that do not exist', () => {
    assert.equal(call('fileExists', '/etc/passwd'), true);
    assert.equal(call('fileExists', '/nonexistent-xyz'), false);
    assert.equal(call('fileExists', ''), false);
    assert.equal(call('fileExists', '/etc/passwd/x'), true); // ENOTDIR is not os.IsNotExist
  });

  it('lookup functions use the resolver seam, sort, and turn failures into empty results', () => {
    const resolver: Resolver = {
      lookupIP: (h) => (h === 'svc' ? ['10.0.0.2', '::1', '10.0.0.10', 'fe80::1'] : null),
      lookupSRV: (n) =>
        n === '_http._tcp.example.com'
          ? [
              { target: 'b.example.com.', port: 80, priority: 10, weight: 5 },
              { target: 'a.example.com.', port: 8080, priority: 10, weight: 5 },
            ]
          : null,
    };
    const f = confdFuncs(new KVStore(), { resolver });
    assert.deepEqual(f.lookupIP!.fn('svc'), ['10.0.0.10', '10.0.0.2', '::1', 'fe80::1']);
    assert.deepEqual(f.lookupIPV4!.fn('svc'), ['10.0.0.10', '10.0.0.2']);
    assert.deepEqual(f.lookupIPV6!.fn('svc'), ['::1', 'fe80::1']);
    assert.deepEqual(f.lookupIP!.fn('nope'), []);
    const srv = f.lookupSRV!.fn('http', 'tcp', 'example.com') as Array<{ Target: string; Port: GoTyped }>;
    assert.deepEqual(srv.map((r) => [r.Target, r.Port.v]), [['a.example.com.', 8080], ['b.example.com.', 80]]);
    assert.deepEqual(f.lookupSRV!.fn('x', 'y', 'z'), []);
  });

  it('the default resolver answers synchronously from the system resolver', () => {
    const f = confdFuncs(new KVStore());
    // localhost comes from /etc/hosts: no network needed.
    assert.ok((f.lookupIPV4!.fn('localhost') as string[]).includes('127.0.0.1'));
  });
});

describe('datetime (time.Time)', () => {
  // 2026-03-04 05:06:07.089 UTC, a Wednesday, day 63 of the year.
  const fixed = { unixNs: 1772600767089000000n, monoNs: 1234567890n };
  const plus0530: Zone = { name: 'Local', at: () => ({ offset: 19800, abbrev: 'IST' }) };

  it('prints like Go, with the monotonic reading', () => {
    const t = confdFuncs(new KVStore(), { clock: () => fixed, zone: UTC }).datetime!.fn() as Record<symbol, () => string>;
    assert.equal(t[GO_STRING]!(), '2026-03-04 05:06:07.089 +0000 UTC m=+1.234567890');
    const utc = (t as unknown as Record<symbol, Record<string, GoFunc>>)[GO_METHODS]!.UTC!.fn() as Record<symbol, () => string>;
    assert.equal(utc[GO_STRING]!(), '2026-03-04 05:06:07.089 +0000 UTC');
  });

  it('Format implements Go layouts', () => {
    const st = { unixNs: fixed.unixNs, zone: plus0530 };
    const cases: Array<[string, string]> = [
      ['2006-01-02 15:04:05', '2026-03-04 10:36:07'],
      ['Mon Jan _2 3:4:5 PM 2006', 'Wed Mar  4 10:36:7 AM 2026'],
      ['Monday, January 2 06 .000 ,999 .9|', 'Wednesday, March 4 26 .089 ,089 |'], // .9 of .089 s trims to nothing
      ['-0700 -07:00 -07 Z07:00 MST', '+0530 +05:30 +05 +05:30 IST'],
      ['002 __2 pm', '063  63 am'],
      ['Jan January Janx', 'Mar March Janx'],
    ];
    for (const [layout, want] of cases) assert.equal(formatTime(st, layout), want, layout);
    assert.equal(formatTime({ unixNs: fixed.unixNs, zone: UTC }, '2006-01-02T15:04:05.999999999Z07:00'), '2026-03-04T05:06:07.089Z');
    const t = makeTime(st) as unknown as Record<symbol, Record<string, GoFunc>>;
    const m = t[GO_METHODS]!;
    assert.deepEqual(m.Unix!.fn(), new GoTyped(T.int64 as never, 1772600767));
    assert.equal(m.Year!.fn(), 2026);
    assert.equal(m.Hour!.fn(), 10);
    assert.equal((m.Month!.fn() as Record<symbol, () => string>)[GO_STRING]!(), 'March');
    assert.equal((m.Weekday!.fn() as Record<symbol, () => string>)[GO_STRING]!(), 'Wednesday');
    assert.equal(m.YearDay!.fn(), 63);
  });
});

describe('Go number formatting for the file backend', () => {
  it('FormatFloat(f, \'f\', -1, 64)', () => {
    const cases: Array<[number, string]> = [
      [1e6, '1000000'],
      [0.25, '0.25'],
      [1e21, '1000000000000000000000'],
      [1.5e-7, '0.00000015'],
      [-2.5, '-2.5'],
      [123456789.125, '123456789.125'],
      [Infinity, '+Inf'],
      [NaN, 'NaN'],
    ];
    for (const [f, s] of cases) assert.equal(formatFloatF(f), s, String(f));
  });
});

// The conformance cases that exercise the store and confd's functions, run through our template engine with
// the resource's key handling emulated (raw-prefix filter, prefix stripped, keys joined to "/").
describe('conformance corpus: store-*, funcs-*, prefix-and-keys', () => {
  const cases = JSON.parse(readFileSync(new URL('../../test/fixtures/conformance/public.json', import.meta.url), 'utf8')) as Array<{
    id: string;
    area: string;
    keys: Record<string, string>;
    resourceKeys: string[];
    prefix?: string;
    env?: Record<string, string>;
    template: string;
    expect: { ok: boolean; output?: string };
  }>;
  for (const c of cases.filter((x) => /^(store|funcs|prefix-and-keys)/.test(x.area))) {
    it(c.id, () => {
      const prefix = pathJoin('/', c.prefix ?? '');
      const keys = c.resourceKeys.map((k) => pathJoin(prefix, k));
      const s = new KVStore();
      for (const [k, v] of Object.entries(c.keys)) {
        if (keys.some((p) => k.startsWith(p))) s.set(k.startsWith(prefix) && prefix !== '/' ? k.slice(prefix.length) : k, v);
      }
      const run = (): string =>
        Template.parse('case.tmpl', c.template, { funcs: confdFuncs(s, { getenv: (n) => c.env?.[n] }) }).execute(null);
      if (c.expect.ok) assert.equal(run(), c.expect.output);
      else assert.throws(run);
    });
  }
});
