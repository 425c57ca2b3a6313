import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GO_TYPE, SLICE_ELEM, typeString } from '../govalue/index.js';
import { KVPAIR_TYPE, KVStore, cleanKey } from './index.js';
import { BadPatternError, compareGo, pathBase, pathClean, pathDir, pathJoin, pathMatch } from './gopath.js';

function store(keys: Record<string, string>): KVStore {
  const s = new KVStore();
  for (const [k, v] of Object.entries(keys)) s.set(k, v);
  return s;
}

const D = { '/d/a': '1', '/d/b': '2', '/d/c/x': '3', '/d/c/y': '4', '/d/e/f/g': '5', '/d/10': 'ten', '/d/9': 'nine', '/top': 't' };
const SVC = { '/svc/a': '1', '/svc/b': '2', '/svc/10': 'ten', '/svc/2': 'two', '/svc/sub/x': 'deep', '/svc/sub/y': 'deeper', '/other/z': 'z', '/root': 'r' };

function call(s: KVStore, name: string, ...args: unknown[]): unknown {
  const f = s.funcs()[name];
  assert.ok(f, `no function ${name}`);
  return f.fn(...args);
}

describe('memkv store functions (confd conformance corpus cases)', () => {
  it('ls/lsdir on leaves, trailing slashes, "/" and numeric names', () => {
    const s = store(D);
    assert.deepEqual(call(s, 'ls', '/d/a'), ['a']);
    assert.deepEqual(call(s, 'ls', '/d/c/x'), ['x']);
    assert.deepEqual(call(s, 'lsdir', '/'), []);
    assert.deepEqual(call(s, 'ls', '/d/'), ['10', '9', 'a', 'b', 'c', 'e']);
    assert.deepEqual(call(s, 'lsdir', '/d/'), ['c', 'e']);
    assert.deepEqual(call(s, 'ls', '/'), ['top']);
    assert.deepEqual(call(s, 'ls', '/nope'), []);
    assert.deepEqual(call(s, 'lsdir', '/nope'), []);
    const n = store({ '/n/1': 'a', '/n/10': 'b', '/n/2': 'c', '/n/B': 'd', '/n/a': 'e', '/n/_': 'f' });
    assert.deepEqual(call(n, 'ls', '/n'), ['1', '10', '2', 'B', '_', 'a']);
    const deep = store({ '/deep/a/b/c/d': '1', '/deep/a/x': '2', '/deep/z/y/w': '3' });
    assert.deepEqual(call(deep, 'ls', '/deep'), ['a', 'z']);
    assert.deepEqual(call(deep, 'lsdir', '/deep'), ['a', 'z']);
    assert.deepEqual(call(deep, 'lsdir', '/deep/a'), ['b']);
  });

  it('ls results are []string and fresh copies (sortByLength sorts them in place)', () => {
    const s = store(D);
    const a = call(s, 'ls', '/d') as string[];
    assert.equal(typeString({ kind: 'slice', elem: (a as { [SLICE_ELEM]?: never })[SLICE_ELEM] ?? { kind: 'interface', name: '?' } }), '[]string');
    a.reverse();
    assert.deepEqual(call(s, 'ls', '/d'), ['10', '9', 'a', 'b', 'c', 'e']);
  });

  it('get returns a memkv.KVPair or "key does not exist"', () => {
    const s = store(SVC);
    const kv = call(s, 'get', '/svc/a') as Record<string | symbol, unknown>;
    assert.equal(kv[GO_TYPE], KVPAIR_TYPE);
    assert.equal(kv.Key, '/svc/a');
    assert.equal(kv.Value, '1');
    assert.throws(() => call(s, 'get', '/svc/nope'), { message: 'key does not exist: /svc/nope' });
  });

  it('gets: glob, sorted by key, exact key, directories and trailing slashes', () => {
    const s = store(SVC);
    const keys = (p: string): string[] => (call(s, 'gets', p) as Array<{ Key: string }>).map((kv) => kv.Key);
    assert.deepEqual(keys('/*'), ['/root']);
    assert.deepEqual(keys('/svc/a'), ['/svc/a']);
    assert.deepEqual(keys('/svc'), []);
    assert.deepEqual(keys('/svc/'), []);
    assert.deepEqual(keys('/svc/*/'), []);
    assert.deepEqual(keys('/svc/*'), ['/svc/10', '/svc/2', '/svc/a', '/svc/b']);
    assert.deepEqual(keys('/*/*/?'), ['/svc/sub/x', '/svc/sub/y']);
    assert.deepEqual(keys('/svc/[ab]'), ['/svc/a', '/svc/b']);
    assert.deepEqual(keys('/svc/[^ab0-9]*'), []); // /svc/sub is a directory, not a key
    assert.deepEqual(keys('/svc/[^ab]*'), ['/svc/10', '/svc/2']);
    assert.deepEqual(keys('/svc/\\a'), ['/svc/a']);
    assert.deepEqual(keys('*'), []);
    assert.throws(() => call(s, 'gets', '/svc/['), { message: 'syntax error in pattern' });
    assert.throws(() => call(s, 'getvs', '/x/[z'), { message: 'syntax error in pattern' });
    // memkv matches no keys, so an empty store never reports a bad pattern.
    assert.deepEqual(call(new KVStore(), 'gets', '/svc/['), []);
  });

  it('the key "/" (prefix stripped to nothing) matches "/*"', () => {
    const s = store({ '/': 'root-value', '/cache/host': 'redis.local', '/le/pie': 'dessert' });
    const keys = (p: string): string[] => (call(s, 'gets', p) as Array<{ Key: string }>).map((kv) => kv.Key);
    assert.deepEqual(keys('/*'), ['/']);
    assert.deepEqual(keys('/*/*'), ['/cache/host', '/le/pie']);
    assert.deepEqual(call(s, 'ls', '/'), ['/']);
  });

  it('getv with default, getvs sorted by value, exists', () => {
    const s = store({ '/app/name': 'demo', '/app/empty': '', '/list/1': 'cherry', '/list/2': 'apple', '/list/3': 'banana', '/list/10': 'date' });
    assert.equal(call(s, 'getv', '/app/name'), 'demo');
    assert.equal(call(s, 'getv', '/app/nope', 'dflt'), 'dflt');
    assert.equal(call(s, 'getv', '/app/empty', 'dflt'), '');
    assert.throws(() => call(s, 'getv', '/app/nope'), { message: 'key does not exist: /app/nope' });
    assert.deepEqual(call(s, 'getvs', '/list/*'), ['apple', 'banana', 'cherry', 'date']);
    assert.deepEqual(call(s, 'getvs', '/nope/*'), []);
    assert.equal(call(s, 'exists', '/app/empty'), true);
    assert.equal(call(s, 'exists', '/app'), false);
    assert.equal(call(s, 'exists', '/app/name/'), false);
  });

  it('special characters in keys', () => {
    const s = store({ '/k/my key': 'space', '/k/ünï/ключ': 'unicode', '/k/a.b/c-d_e': 'dots', '/k/x@y:z=1': 'at', '/k/100%': 'pct' });
    assert.equal(call(s, 'getv', '/k/ünï/ключ'), 'unicode');
    assert.deepEqual(call(s, 'ls', '/k'), ['100%', 'a.b', 'my key', 'x@y:z=1', 'ünï']);
  });
});

describe('KVStore maintenance', () => {
  it('cleanKey is path.Join("/", key) (its fast path for absolute keys included)', () => {
    const want: Record<string, string> = {
      '': '/', '/': '/', '//': '/', '/a': '/a', '/a/': '/a', '/a//b': '/a/b', '/./a': '/a', '/../a': '/a', '/a/../b': '/b',
      a: '/a', 'a/b': '/a/b', './a': '/a', '../a': '/a', '/a/.': '/a', '/a/..': '/', '///x//y/': '/x/y', '/é/ü': '/é/ü',
    };
    for (const [k, v] of Object.entries(want)) {
      assert.equal(cleanKey(k), v, k);
      assert.equal(cleanKey(k), pathJoin('/', k), k);
    }
  });

  it('cleans keys as confd does and prunes empty directories on delete', () => {
    const s = new KVStore();
    s.set('a//b/', '1');
    assert.equal(s.value('/a/b'), '1');
    assert.equal(cleanKey(''), '/');
    s.set('/a/c/d', '2');
    assert.deepEqual(s.listDir('/a'), ['c']);
    assert.equal(s.delete('/a/c/d'), true);
    assert.equal(s.delete('/a/c/d'), false);
    assert.deepEqual(s.listDir('/a'), []);
    assert.deepEqual(s.list('/a'), ['b']);
    assert.equal(s.size, 1);
    s.set('/a', 'x'); // a key and a directory at once
    assert.deepEqual(s.list('/a'), ['a', 'b']);
    assert.deepEqual(s.list('/'), ['a']);
    assert.equal(s.delete('/a/b'), false, 'the backend gave "a//b/", not "/a/b"');
    assert.equal(s.delete('a//b/'), true);
    assert.deepEqual(s.list('/a'), ['a']);
    assert.deepEqual(s.entries(), [['/a', 'x']]);
    s.clear();
    assert.equal(s.size, 0);
    assert.deepEqual(s.list('/'), []);
  });

  it('keeps each backend spelling of a key apart: deleting an alias leaves the key (issue 12)', () => {
    const s = new KVStore();
    s.set('/nginx/a.b.com/server2/port', '49156');
    assert.equal(s.set('/nginx//a.b.com/server2/port', '49156'), false, 'same value: the view does not change');
    assert.equal(s.delete('/nginx//a.b.com/server2/port'), false, 'the clean key stays, with its value');
    assert.equal(s.value('/nginx/a.b.com/server2/port'), '49156');
    assert.deepEqual(s.listDir('/nginx'), ['a.b.com']);
    // The clean spelling wins while it exists; then the alias carries the key.
    s.set('/nginx//a.b.com/server2/port', '1');
    assert.equal(s.value('/nginx/a.b.com/server2/port'), '49156');
    assert.equal(s.delete('/nginx/a.b.com/server2/port'), true);
    assert.equal(s.value('/nginx/a.b.com/server2/port'), '1');
    assert.equal(s.size, 1);
    assert.equal(s.delete('/nginx/a.b.com/server2/port'), false, 'already gone in that spelling');
    assert.equal(s.delete('/nginx//a.b.com/server2/port'), true);
    assert.equal(s.size, 0);
    assert.deepEqual(s.list('/'), []);
    // Keys that differ in any byte are two keys (here: invalid UTF-8 bytes 0xff and 0xfe).
    s.set('/raw/k\udcff', 'a');
    s.set('/raw/k\udcfe', 'b');
    assert.deepEqual(s.list('/raw'), ['k\udcfe', 'k\udcff']);
  });

  it('walks from the cached path of the last key without ever leaving stray or stale nodes', () => {
    // set() and the look-ups start from the directories of the last key walked: unclean keys that share that
    // path, deletes that prune it and relative keys must all behave as a walk from the root would.
    const s = new KVStore();
    s.set('/a/b/c', '1');
    s.set('/a/b/../d', '2'); // shares "/a/b/" with the cached path, then needs cleaning
    s.set('/a/b/./', '3'); // "/a/b" itself
    s.set('/a/b//e', '4');
    assert.deepEqual(s.entries(), [['/a/b', '3'], ['/a/b/c', '1'], ['/a/b/e', '4'], ['/a/d', '2']]);
    assert.deepEqual(s.list('/a/b'), ['b', 'c', 'e']);
    assert.deepEqual(s.listDir('/a'), ['b']);
    assert.equal(s.value('/a/b/'), undefined); // raw look-ups are not cleaned
    assert.equal(s.has('/a/b/c/'), false);
    assert.equal(s.value('/a/b/./c'), undefined);
    assert.equal(s.value('a/b/c'), undefined);
    s.set('x/y', '5'); // relative: path.Join("/", key)
    assert.equal(s.value('/x/y'), '5');
    assert.deepEqual(s.list('/'), []);
    // Prune the cached path, then set below it again.
    s.set('/p/q/r', '6');
    assert.equal(s.delete('/p/q/r'), true);
    assert.deepEqual(s.list('/'), []);
    assert.deepEqual(s.listDir('/'), []);
    s.set('/p/q/s', '7');
    assert.deepEqual(s.listDir('/p'), ['q']);
    assert.equal(s.value('/p/q/s'), '7');
    assert.equal(s.value('/p/q/r'), undefined);
    s.clear();
    s.set('/p/q/t', '8');
    assert.deepEqual(s.entries(), [['/p/q/t', '8']]);
    assert.equal(s.size, 1);
  });

  it('lists names in byte order also when the built-in sort would not (surrogates)', () => {
    const s = store({ '/d/\u{1F600}/x': '1', '/d/\uFF21/x': '2', '/d/z/x': '3', '/d/\u{1F600}1': '4', '/d/\uFF21b': '5' });
    assert.deepEqual(s.listDir('/d'), ['z', '\uFF21', '\u{1F600}']);
    assert.deepEqual(s.list('/d'), ['z', '\uFF21', '\uFF21b', '\u{1F600}', '\u{1F600}1']);
  });

  it('entries sort by UTF-8 bytes, not UTF-16 units', () => {
    const s = store({ '/\u{1F600}': 'emoji', '/\uFF21': 'fullwidth A', '/z': 'z' });
    assert.deepEqual(
      s.entries().map((e) => e[0]),
      ['/z', '/\uFF21', '/\u{1F600}'],
    );
  });
});

// ---- the index against memkv's own algorithm ------------------------------------------------------------------
// A literal port of memkv v0.1.1's List/ListDir/GetAll over a flat map: the oracle for the indexed store.

function naiveTerms(p: string): string[] {
  return pathClean(p).split('/');
}
function samePrefixTerms(prefix: string[], test: string[]): boolean {
  if (test.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== test[i]) return false;
  return true;
}
function stripKey(key: string, prefix: string): string {
  let s = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  if (s.startsWith('/')) s = s.slice(1);
  return s;
}
function naiveList(m: Map<string, string>, filePath: string): string[] {
  const out = new Set<string>();
  const prefix = naiveTerms(filePath);
  for (const k of m.keys()) {
    if (k === filePath) {
      out.add(pathBase(k));
      continue;
    }
    if (samePrefixTerms(prefix, naiveTerms(pathDir(k)))) out.add(stripKey(k, filePath).split('/')[0] as string);
  }
  return [...out].sort(compareGo);
}
function naiveListDir(m: Map<string, string>, filePath: string): string[] {
  const out = new Set<string>();
  const prefix = naiveTerms(filePath);
  for (const k of m.keys()) {
    if (k.startsWith(filePath)) {
      const items = naiveTerms(pathDir(k));
      if (samePrefixTerms(prefix, items) && items.length - prefix.length >= 1) out.add(items[prefix.length] as string);
    }
  }
  return [...out].sort(compareGo);
}
function naiveGlob(m: Map<string, string>, pattern: string): string[] | 'error' {
  const out: string[] = [];
  for (const k of m.keys()) {
    try {
      if (pathMatch(pattern, k)) out.push(k);
    } catch (e) {
      if (e instanceof BadPatternError) return 'error';
      throw e;
    }
  }
  return out.sort(compareGo);
}

describe('indexed store equals memkv on random keys and queries', () => {
  it('thousands of random set/delete operations', () => {
    let seed = 12345; // mulberry32: deterministic, so a failure reproduces
    const rnd = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) % n);
    };
    const names = ['a', 'b', 'ab', '10', '9', '.x', 'é', '\u{1F600}', 'c d'];
    const randomKey = (): string => {
      const depth = 1 + rnd(4);
      const parts: string[] = [];
      for (let i = 0; i < depth; i++) parts.push(names[rnd(names.length)] as string);
      return `/${parts.join('/')}`;
    };
    const s = new KVStore();
    // The model: every spelling the "backend" gave, per clean key; a clean key's value is its clean spelling's,
    // else the latest spelling's (KVStore.setSpelling).
    const spellings = new Map<string, Map<string, string>>();
    const effective = (c: string): string | undefined => {
      const e = spellings.get(c);
      if (e === undefined || e.size === 0) return undefined;
      return e.get(c) ?? [...e.values()].at(-1);
    };
    const m = new Map<string, string>();
    const queries = ['/', '//', '/.', '', 'a', '/a', '/a/', '/a//', '/a/.', '/a/./', '/a/b', '/a/b/', '/b/../a', '/a/.x', '/a/.', '/é', '/\u{1F600}/'];
    const patterns = ['/*', '/*/*', '/a/*', '/*/b', '/a/?', '/[ab]/*', '/a/[^a]*', '*', '*/a', '/a/\\b', '/a/[', '/a*/*', '/?/*/*', '/é/*', '/a/.*', '/*/\u{1F600}', '/a//[b]', '/a/./[b]*', '[/]a/*', '/a[/]b', '/?/[a-c]/*', '\\/a/*', '/a\\/b'];
    let checks = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 60; i++) {
        const k = randomKey();
        // Sometimes an unclean spelling of the key (the general path, not the plain one): its own entry.
        const forms = [k, `${k}/`, k.replace('/', '//'), `/zz/..${k}`, k.replace(/\/([^/]*)$/, '/./$1')];
        const spelling = forms[rnd(3) === 0 ? rnd(forms.length) : 0] as string;
        const before = effective(k);
        if (rnd(3) === 0) {
          spellings.get(k)?.delete(spelling);
          assert.equal(s.delete(spelling), before !== effective(k), `delete ${spelling}`);
        } else {
          const v = String(rnd(1000));
          const e = spellings.get(k) ?? new Map<string, string>();
          spellings.set(k, e);
          e.delete(spelling);
          e.set(spelling, v);
          assert.equal(s.set(spelling, v), before !== effective(k), `set ${spelling}`);
        }
        const after = effective(k);
        if (after === undefined) m.delete(k);
        else m.set(k, after);
        assert.equal(s.value(k), after, k);
      }
      assert.equal(s.size, m.size);
      checks++;
      const dirs = new Set<string>(queries);
      for (const k of m.keys()) dirs.add(pathDir(k)).add(k).add(`${pathDir(k)}/`);
      for (const q of dirs) {
        assert.deepEqual(s.list(q), naiveList(m, q), `ls ${JSON.stringify(q)}`);
        assert.deepEqual(s.listDir(q), naiveListDir(m, q), `lsdir ${JSON.stringify(q)}`);
      }
      for (const p of patterns) {
        const want = naiveGlob(m, p);
        if (want === 'error') assert.throws(() => s.glob(p), BadPatternError, p);
        else assert.deepEqual(s.glob(p), want, `gets ${JSON.stringify(p)}`);
      }
    }
    assert.equal(checks, 20);
    assert.ok(m.size > 300, `only ${m.size} keys`);
  });
});

describe('indexed store equals memkv v0.1.1 built with Go 1.19 (testdata/memkv-go119.json)', () => {
  it('ls, lsdir and gets over keys with odd names, odd queries and odd patterns', () => {
    const fx = JSON.parse(readFileSync(new URL('./testdata/memkv-go119.json', import.meta.url), 'utf8')) as {
      keys: string[];
      queries: string[];
      patterns: string[];
      ls: Array<string[] | null>;
      lsdir: Array<string[] | null>;
      gets: Array<string[] | 'err'>;
    };
    const s = new KVStore();
    for (const k of fx.keys) s.set(k, 'v');
    fx.queries.forEach((q, i) => {
      assert.deepEqual(s.list(q), fx.ls[i] ?? [], `ls ${JSON.stringify(q)}`);
      assert.deepEqual(s.listDir(q), fx.lsdir[i] ?? [], `lsdir ${JSON.stringify(q)}`);
    });
    fx.patterns.forEach((p, i) => {
      const want = fx.gets[i];
      if (want === 'err') assert.throws(() => s.glob(p), BadPatternError, p);
      else assert.deepEqual(s.glob(p), want, `gets ${JSON.stringify(p)}`);
    });
  });
});

describe('Go path functions', () => {
  it('Clean, Base, Dir, Join', () => {
    const clean: Array<[string, string]> = [
      ['', '.'],
      ['abc', 'abc'],
      ['abc/def', 'abc/def'],
      ['a/b/c', 'a/b/c'],
      ['.', '.'],
      ['..', '..'],
      ['../..', '../..'],
      ['../../abc', '../../abc'],
      ['/abc', '/abc'],
      ['/', '/'],
      ['abc/', 'abc'],
      ['//abc', '/abc'],
      ['abc//def//ghi', 'abc/def/ghi'],
      ['abc/./def', 'abc/def'],
      ['/./abc/def', '/abc/def'],
      ['abc/.', 'abc'],
      ['abc/def/..', 'abc'],
      ['abc/def/../..', '.'],
      ['/abc/def/../..', '/'],
      ['abc/def/../../..', '..'],
      ['/abc/def/../../..', '/'],
      ['abc/def/../../../ghi/jkl/../../../mno', '../../mno'],
      ['abc/./../def', 'def'],
      ['abc//./../def', 'def'],
      ['abc/../../././../def', '../../def'],
    ];
    for (const [i, o] of clean) assert.equal(pathClean(i), o, i);
    assert.equal(pathBase('/a/b/..'), '..');
    assert.equal(pathBase(''), '.');
    assert.equal(pathBase('///'), '/');
    assert.equal(pathDir('/a//b/../c/./d'), '/a/c');
    assert.equal(pathDir('a/b'), 'a');
    assert.equal(pathDir('abc'), '.');
    assert.equal(pathJoin('/', ''), '/');
    assert.equal(pathJoin('', ''), '');
    assert.equal(pathJoin('/', '/nginx//a'), '/nginx/a');
  });

  it('Match (Go 1.19 path.Match test table)', () => {
    const tests: Array<[string, string, boolean | 'err']> = [
      ['abc', 'abc', true],
      ['*', 'abc', true],
      ['*c', 'abc', true],
      ['a*', 'a', true],
      ['a*', 'abc', true],
      ['a*', 'ab/c', false],
      ['a*/b', 'abc/b', true],
      ['a*/b', 'a/c/b', false],
      ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
      ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
      ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
      ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
      ['a*b?c*x', 'abxbbxdbxebxczzx', true],
      ['a*b?c*x', 'abxbbxdbxebxczzy', false],
      ['ab[c]', 'abc', true],
      ['ab[b-d]', 'abc', true],
      ['ab[e-g]', 'abc', false],
      ['ab[^c]', 'abc', false],
      ['ab[^b-d]', 'abc', false],
      ['ab[^e-g]', 'abc', true],
      ['a\\*b', 'a*b', true],
      ['a\\*b', 'ab', false],
      ['a?b', 'a☺b', true],
      ['a[^a]b', 'a☺b', true],
      ['a???b', 'a☺b', false],
      ['a[^a][^a][^a]b', 'a☺b', false],
      ['[a-ζ]*', 'α', true],
      ['*[a-ζ]', 'A', false],
      ['a?b', 'a/b', false],
      ['a*b', 'a/b', false],
      ['[\\]a]', ']', true],
      ['[\\-]', '-', true],
      ['[x\\-]', 'x', true],
      ['[x\\-]', '-', true],
      ['[x\\-]', 'z', false],
      ['[\\-x]', 'x', true],
      ['[\\-x]', '-', true],
      ['[\\-x]', 'a', false],
      ['[]a]', ']', 'err'],
      ['[-]', '-', 'err'],
      ['[x-]', 'x', 'err'],
      ['[x-]', '-', 'err'],
      ['[x-]', 'z', 'err'],
      ['[-x]', 'x', 'err'],
      ['[-x]', '-', 'err'],
      ['[-x]', 'a', 'err'],
      ['\\', 'a', 'err'],
      ['[a-b-c]', 'a', 'err'],
      ['[', 'a', 'err'],
      ['[^', 'a', 'err'],
      ['[^bc', 'a', 'err'],
      ['a[', 'a', 'err'],
      ['a[', 'ab', 'err'],
      ['a[', 'x', 'err'],
      ['a/b[', 'x', 'err'],
      ['*x', 'xxx', true],
    ];
    for (const [p, s, want] of tests) {
      if (want === 'err') assert.throws(() => pathMatch(p, s), BadPatternError, `${p} ${s}`);
      else assert.equal(pathMatch(p, s), want, `${p} ${s}`);
    }
  });
});
