// The fast subset parser (simpleyaml.ts) against the full parser (the `yaml` package path): on every input the
// fast parser accepts, both must give the same keys, values and order; on every input the full parser rejects,
// the fast parser must give up. Inputs: hand-written edge cases, Go's own outputs (go119.json), and many
// generated documents, also randomly mutated so that near-misses of the subset are covered.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathJoin } from '../../memkv/gopath.js';
import { Float, goScalarString, joinKey, resolvePlain } from './goyaml.js';
import { parseSimpleYamlKeys } from './simpleyaml.js';
import { parseFullYamlKeys, parseYamlKeys } from './yaml.js';
import { prng as rng } from '../../../test/support/prng.js';

type Outcome = { ok: true; entries: [string, string][] } | { ok: false; error: string };

function full(text: string): Outcome {
  const m = new Map<string, string>();
  try {
    parseFullYamlKeys('k.yaml', text, m);
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
  return { ok: true, entries: [...m] };
}

function simple(text: string): [string, string][] | null {
  const m = new Map<string, string>();
  return parseSimpleYamlKeys(text, m) ? [...m] : null;
}

/** Asserts agreement; returns whether the fast parser accepted the text. */
function agree(text: string): boolean {
  const s = simple(text);
  if (s === null) return false;
  const f = full(text);
  assert.ok(f.ok, `fast parser accepted what the full parser rejects (${f.ok ? '' : f.error}):\n${JSON.stringify(text)}`);
  assert.deepEqual(s, f.entries, `different keys for:\n${JSON.stringify(text)}`);
  return true;
}

/** Inputs the fast parser must take (the shapes users write), with the keys they give. */
const ACCEPTED: [string, Record<string, string>][] = [
  ['"/nginx/a.b.com/server1/ip": "1.0.0.1"\n"/nginx/a.b.com/server1/port": "20001"\n', { '/nginx/a.b.com/server1/ip': '1.0.0.1', '/nginx/a.b.com/server1/port': '20001' }],
  ['nginx:\n  d0.example.com:\n    host0:\n      ip: 10.0.0.1\n      port: 8000\n', { '/nginx/d0.example.com/host0/ip': '10.0.0.1', '/nginx/d0.example.com/host0/port': '8000' }],
  ['---\n# keys\napp:\n  name: web # the name\n\n  hosts:\n  - a\n  -\n  - "c"\n  db: \'it\'\'s\'\n', { '/app/name': 'web', '/app/hosts/0': 'a', '/app/hosts/2': 'c', '/app/db': "it's" }],
  ['a: yes\nb: off\nc: 0x1F\nd: 017\ne: 1_000\nf: .inf\ng: ~\nh: null\ni: 2001-12-14\nj: 08\nk: 1e6\nl: 18446744073709551615\nm: -0\n', {
    '/a': 'true', '/b': 'false', '/c': '31', '/d': '15', '/e': '1000', '/f': '+Inf', '/i': '2001-12-14', '/j': '8', '/k': '1000000', '/m': '0',
  }],
  ['  indented:\n    all: the way\n', { '/indented/all': 'the way' }],
  ['"": root\n"a//b/": c\n"../d": e\nurl: http://x:80/p?q=1#frag\n', { '/': 'root', '/a/b': 'c', '/d': 'e', '/url': 'http://x:80/p?q=1#frag' }],
  ['# only comments\n\n', {}],
  ['', {}],
];

/** Inputs the fast parser must leave to the full parser. */
const REFUSED = [
  'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: [1, 2]\n', 'a: {b: 1}\n', 'a: |\n  x\n', 'a: >\n  x\n', 'a: "x\\ty"\n',
  'a: "multi\n  line"\n', 'a: multi\n  line\n', '? a\n: b\n', '<<: {a: 1}\n', 'yes: 1\n', '1: x\n', 'a: 1\na: 2\n',
  'l:\n- a: 1\n', 'l:\n- - 1\n', 'a: 1\n---\nb: 2\n', '%YAML 1.1\n---\na: 1\n', 'a:\tb\n', 'a: b\r\n', '\ufeffa: 1\n',
  'a:\n  b: 1\n c: 2\n', 'a: 1\n b: 2\n', '- a\n', 'scalar\n', 'a: b: c\n', 'a: "b" c\n', 'a: @x\n',
];


const SCALARS = [
  'a', 'foo bar', 'web-01', 'yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'False', '0x1F', '0X1f', '017', '08', '0o17', '0b101',
  '-0b11', '1_000', '0x_1F', '1__0', '1e6', '2.50', '1.0', '1.', '.5', '+.5e+3', '685.230_15e+03', '0.1e-320', '1e400', '.inf',
  '-.Inf', '.NaN', '~', 'null', 'NULL', '2001-12-14', '2001-12-14T21:59:43.10-05:00', '1:30', '190:20:30', '10.0.0.1',
  '8000', '0', '-1', '+12', '-0', '123456789012345678', '1234567890123456789', '9223372036854775807', '9223372036854775808',
  '-9223372036854775809', '18446744073709551615', '99999999999999999999', '-foo', '-.5', '--x', 'a#b', 'a #b', 'a  #  b',
  'http://x:80/p?q=1&r=2', 'a:b', 'a: b', 'a:', ':a', 'a,b', 'a]', '[a]', '{a}', 'é', '日本', '😀', '&a', '*a', '!t x',
  '!!str 1', '!!int x', '|', '>', '%x', '@x', '`x', '?x', '? x', '-', '- x', '---', '...', "it's", 'say "hi"', '=', '<<',
  'a\\b', 'a\tb', 'trailing   ', '#c', 'nbsp\u00a0', '\u00a0nbsp', 'em\u2003space', 'nel\u0085', 'x\u2028y', 'bom\ufeff',
];
const KEYS = [
  'a', 'b', 'c', 'nginx', 'd0.example.com', 'host0', 'ip', 'port', '/nginx/a/b', 'a//b/', '../c', '.', '..', 'yes', 'on',
  '1', '0x1', '1.5', '~', 'null', '<<', 'key with spaces', 'a:b', 'a#b', '-a', 'k ', 'é', '[k]', '{k}', 'k,k', '?k', '&k',
  'x'.repeat(1100), 'k\u00a0', '\u00a0k',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function quoted(r: () => number, s: string): string {
  const x = r();
  if (x < 0.55) return s;
  if (x < 0.8) return `"${s}"`;
  if (x < 0.97) return `'${s.replaceAll("'", "''")}'`;
  return `"${s}`; // unterminated
}

function tail(r: () => number): string {
  const x = r();
  return x < 0.75 ? '' : x < 0.85 ? '   ' : x < 0.95 ? ' # note' : '#x';
}

/** A random document in (and around) the subset. */
function genDoc(r: () => number): string {
  const lines: string[] = [];
  if (r() < 0.1) lines.push(r() < 0.8 ? '---' : '--- # start');
  const map = (indent: number, depth: number): void => {
    const n = Math.floor(r() * 4) + (depth === 0 ? 1 : 0);
    const keysHere = r() < 0.1 ? [pick(r, KEYS), pick(r, KEYS)] : [];
    for (let e = 0; e < n; e++) {
      if (r() < 0.08) lines.push(r() < 0.5 ? '' : `${' '.repeat(Math.floor(r() * 6))}# comment: x`);
      const key = quoted(r, keysHere[e] ?? (r() < 0.7 ? `k${Math.floor(r() * 6)}` : pick(r, KEYS)));
      const pad = ' '.repeat(Math.max(0, indent + (r() < 0.03 ? (r() < 0.5 ? 1 : -1) : 0)));
      const sep = r() < 0.05 ? ' :' : ':';
      const x = r();
      if (depth < 3 && x < 0.3) {
        lines.push(`${pad}${key}${sep}${tail(r)}`);
        map(indent + 1 + Math.floor(r() * 4), depth + 1);
      } else if (depth < 3 && x < 0.42) {
        lines.push(`${pad}${key}${sep}${tail(r)}`);
        const itemIndent = r() < 0.4 ? indent : indent + 1 + Math.floor(r() * 3);
        const items = Math.floor(r() * 4);
        for (let k = 0; k < items; k++) {
          const y = r();
          const item = y < 0.1 ? '' : y < 0.15 ? `${pick(r, KEYS)}: v` : y < 0.18 ? '- z' : quoted(r, pick(r, SCALARS));
          lines.push(`${' '.repeat(itemIndent)}-${item === '' ? '' : ' '}${item}${tail(r)}`);
        }
      } else if (x < 0.5) {
        lines.push(`${pad}${key}${sep}${tail(r)}`);
      } else {
        lines.push(`${pad}${key}${sep} ${quoted(r, pick(r, SCALARS))}${tail(r)}`);
      }
    }
  };
  map(r() < 0.1 ? 2 : 0, 0);
  if (r() < 0.05) lines.push(r() < 0.5 ? '---\nz: 1' : '...');
  return lines.join(r() < 0.02 ? '\r\n' : '\n') + (r() < 0.9 ? '\n' : '');
}

const MUTATIONS = [' ', ':', '#', '-', "'", '"', '\n', '\t', '[', '{', '&', '*', '!', '|', '>', '?', ',', '\\', 'x'];

function mutate(r: () => number, text: string): string {
  let t = text;
  const n = 1 + Math.floor(r() * 2);
  for (let k = 0; k < n && t.length > 0; k++) {
    const at = Math.floor(r() * t.length);
    const x = r();
    if (x < 0.5) t = t.slice(0, at) + pick(r, MUTATIONS) + t.slice(at);
    else if (x < 0.8) t = t.slice(0, at) + t.slice(at + 1);
    else {
      const lines = t.split('\n');
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 0, lines[i] ?? '');
      t = lines.join('\n');
    }
  }
  return t;
}

describe('fast YAML subset parser', () => {
  it('takes the common shapes and gives the same keys as the full parser', () => {
    for (const [text, want] of ACCEPTED) {
      assert.ok(agree(text), `refused:\n${text}`);
      assert.deepEqual(Object.fromEntries(simple(text) ?? []), want, text);
    }
  });

  it('leaves everything outside the subset (and every error) to the full parser', () => {
    for (const text of REFUSED) assert.equal(simple(text), null, text);
    // And through parseYamlKeys the results are the full parser's, errors with their position included.
    assert.throws(() => parseYamlKeys('k.yaml', 'a: 1\nyes: 2\n', new Map()), { message: 'k.yaml:2:1: key true is not a string (confd requires string keys; quote it)' });
    const m = new Map<string, string>();
    parseYamlKeys('k.yaml', 'a: 1\nb: &x 2\nc: *x\n', m); // refused after emitting /a: the partial result is dropped
    assert.deepEqual([...m], [['/a', '1'], ['/b', '2'], ['/c', '2']]);
    const into = new Map([['/z', 'old'], ['/a', 'old']]);
    parseYamlKeys('k.yaml', 'a: new\nb: 1\n', into); // later files override earlier keys
    assert.deepEqual([...into], [['/z', 'old'], ['/a', 'new'], ['/b', '1']]);
  });

  it("agrees with Go's outputs (go119.json) wherever it accepts", () => {
    const fx = JSON.parse(readFileSync(new URL('../../resource/funcs/testdata/go119.json', import.meta.url), 'utf8')) as {
      yaml: [string, Record<string, string> | string][];
    };
    for (const [doc, want] of fx.yaml) {
      const s = simple(doc);
      if (s === null) continue;
      assert.equal(typeof want, 'object', `accepted what Go rejects: ${doc}`);
      assert.deepEqual(Object.fromEntries(s), want, doc);
    }
  });

  it('agrees with the full parser on generated and mutated documents', () => {
    const r = rng(20261127);
    let accepted = 0;
    let acceptedMutants = 0;
    const N = 2500;
    for (let k = 0; k < N; k++) {
      const doc = genDoc(r);
      if (agree(doc)) accepted++;
      if (agree(mutate(r, doc))) acceptedMutants++;
    }
    // The generator must exercise the fast path, not only its refusals.
    assert.ok(accepted > N * 0.2, `only ${accepted} of ${N} generated documents accepted`);
    assert.ok(acceptedMutants > N * 0.1, `only ${acceptedMutants} of ${N} mutated documents accepted`);
  });
});

describe('resolvePlain', () => {
  it("resolves YAML 1.1's words whatever their first character, and only them", () => {
    // go-yaml v2's resolve table; resolvePlain looks these up only for the first characters they start with.
    const words: [string, boolean | null | number][] = [
      ...['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE'].map((w) => [w, true] as [string, boolean]),
      ...['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE'].map((w) => [w, false] as [string, boolean]),
      ...['', '~', 'null', 'Null', 'NULL'].map((w) => [w, null] as [string, null]),
      ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((w) => [w, Infinity] as [string, number]),
      ...['-.inf', '-.Inf', '-.INF'].map((w) => [w, -Infinity] as [string, number]),
    ];
    for (const [w, want] of words) {
      const got = resolvePlain(w);
      if (typeof want === 'number') assert.ok(got instanceof Float && got.v === want, w);
      else assert.equal(got, want, w);
    }
    for (const w of ['.nan', '.NaN', '.NAN']) assert.ok(Number.isNaN((resolvePlain(w) as Float).v), w);
    for (const w of ['yES', 'nil', 'NaN', 'Nan', '.Nan', 'tRUE', 'o', 'oN', 'Of', 'nulL', '~~', '+', '-', '.', 'x', 'web', 'é', '_y', ' y']) {
      assert.equal(resolvePlain(w), w, w);
    }
    assert.equal(goScalarString(resolvePlain('10.0.0.1')), '10.0.0.1');
    assert.equal(goScalarString(resolvePlain('0x1F')), '31');
    assert.equal(goScalarString(resolvePlain('+12')), '12');
    assert.equal(goScalarString(resolvePlain('.5')), '0.5');
  });
});

describe('joinKey', () => {
  it('is path.Join for the names its fast check takes and those it does not', () => {
    const names = [
      'a', 'a.b', 'a/b.c', 'a.', 'a..', '/a', '/a/b', 'é/日本', 'a b', // clean: concatenated
      '', '/', '//', '//a', 'a//b', 'a/', '.', '..', '.a', '..a', 'a/.', 'a/..', 'a/.b', 'a/..b', 'a/./b', 'a/../b', '../a', '/../a', '/.', '/.a',
    ];
    for (const dir of ['/', '/x', '/x/y.z']) for (const name of names) assert.equal(joinKey(dir, name), pathJoin(dir, name), JSON.stringify([dir, name]));
  });

  it('is path.Join for clean absolute directories and any name', () => {
    const r = rng(7);
    const parts = ['', '/', '//', '.', '..', 'a', 'bc', '.x', '..y', 'z.', ' ', 'é'];
    const dirs = ['/', '/a', '/a/b.c', '/..a'];
    for (let k = 0; k < 5000; k++) {
      let name = '';
      const n = Math.floor(r() * 5);
      for (let i = 0; i < n; i++) name += pick(r, parts);
      const dir = pick(r, dirs);
      assert.equal(joinKey(dir, name), pathJoin(dir, name), JSON.stringify([dir, name]));
    }
  });
});
