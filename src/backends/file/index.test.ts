import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BackendOptions, WatchEvent } from '../types.js';
import { createFileBackend } from './index.js';
import { parseYamlKeys } from './yaml.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'confd-ts-file-'));
  dirs.push(d);
  return d;
}

function options(files: string[], filter = '*', logs: string[] = []): BackendOptions {
  return {
    nodes: [],
    scheme: 'http',
    clientInsecure: false,
    basicAuth: false,
    files,
    filter,
    separator: '/',
    requestTimeoutMs: 1000,
    log: { debug: () => {}, info: () => {}, warn: (m) => logs.push(m), error: (m) => logs.push(m) },
  };
}

function keys(src: string): Record<string, string> {
  const m = new Map<string, string>();
  parseYamlKeys('keys.yaml', src, m);
  return Object.fromEntries(m);
}

describe('YAML flattening (go-yaml v2 + confd nodeWalk)', () => {
  it('flattens the seed keys, nested maps, lists and absolute keys', () => {
    assert.deepEqual(keys('"/nginx/a.b.com/server1/ip": "1.0.0.1"\nnginx:\n  b.b.com:\n    server1:\n      port: 20001\nlist: [a, {x: 1}]\n'), {
      '/nginx/a.b.com/server1/ip': '1.0.0.1',
      '/nginx/b.b.com/server1/port': '20001',
      '/list/0': 'a',
      '/list/1/x': '1',
    });
  });

  it('resolves scalars as YAML 1.1 / go-yaml v2 and formats them as Go does', () => {
    assert.deepEqual(
      keys('a: yes\nb: "yes"\nc: off\nd: 0x1F\ne: 017\nf: 1_000\ng: 1e6\nh: 2.50\ni: 08\nj: ~\nk:\nl: .inf\nm: 18446744073709551615\no: 2001-12-14\np: !!str 12\nq: !!float 3\n'),
      { '/a': 'true', '/b': 'yes', '/c': 'false', '/d': '31', '/e': '15', '/f': '1000', '/g': '1000000', '/h': '2.5', '/i': '8', '/l': '+Inf', '/o': '2001-12-14', '/p': '12', '/q': '3' },
    );
  });

  it('merge keys, anchors, duplicate keys (last wins) and path cleaning', () => {
    assert.deepEqual(keys('base: &b {p: 1, q: 2}\nsvc:\n  <<: *b\n  q: 3\ndup: 1\ndup: 2\n"a//b/": c\n'), {
      '/base/p': '1',
      '/base/q': '2',
      '/svc/p': '1',
      '/svc/q': '3',
      '/dup': '2',
      '/a/b': 'c',
    });
  });

  it('JSON documents (the conformance keys format) mean the same as YAML', () => {
    const doc = { '/app': 'root', '/a//b/': 'x', n: { t: true, nil: null, l: ['p', { q: 'r' }] } };
    const viaJson = keys(JSON.stringify(doc));
    const viaYaml = keys(`${JSON.stringify(doc, null, 2)}\n# not JSON any more: a comment forces the YAML parser\n`);
    assert.deepEqual(viaJson, viaYaml);
    assert.deepEqual(viaJson, { '/app': 'root', '/a/b': 'x', '/n/t': 'true', '/n/l/0': 'p', '/n/l/1/q': 'r' });
    // Numbers keep YAML's resolution of their text: 1.50 is the float 1.5, a uint64 gives no key.
    assert.deepEqual(keys('{"f": 1.50, "i": 1e3, "u": 12345678901234567890, "s": "1.50"}'), { '/f': '1.5', '/i': '1000', '/s': '1.50' });
  });

  it('reports errors with file, line and column', () => {
    assert.throws(() => keys('a:\n  b: 1\n c: 2\n'), { message: /^keys\.yaml:3:\d+: / });
    assert.throws(() => keys('a: 1\nyes: 2\n'), { message: 'keys.yaml:2:1: key true is not a string (confd requires string keys; quote it)' });
    assert.throws(() => keys('- a\n'), { message: 'keys.yaml:1:1: cannot unmarshal !!seq into map[interface {}]interface {}' });
    assert.throws(() => keys('a: !!int x\n'), { message: 'keys.yaml:1:10: cannot decode !!str `x` as a !!int' });
    assert.deepEqual(keys(''), {});
    assert.deepEqual(keys('a: 1\n---\nb: 2\n'), { '/a': '1' });
  });
});

/** A file backend over `file` watching /nginx from its first read; the watch has started when this returns. */
async function watchFile(t: TestContext, file: string) {
  const logs: string[] = [];
  const b = createFileBackend(options([file], '*', logs));
  const ac = new AbortController();
  t.after(async () => {
    ac.abort();
    await b.close();
  });
  const snap = await b.read(['/nginx']);
  const it = b.watch!(['/nginx'], snap.revision, ac.signal)[Symbol.asyncIterator]();
  const next = async (): Promise<WatchEvent> => {
    const r = await Promise.race([it.next(), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no watch event within 3 s')), 3000))]);
    assert.equal(r.done, false);
    return r.value as WatchEvent;
  };
  // Let the watch start (it re-reads once and finds nothing new).
  await new Promise((r) => setTimeout(r, 50));
  return { logs, ac, snap, it, next };
}

describe('file backend', () => {
  it('reads files and directories (filter on names, lexical order, later files win) under raw prefixes', async () => {
    const d = await tempDir();
    await writeFile(join(d, 'one.yaml'), 'app:\n  db: one\n  dbx: x\nother: o\n');
    await mkdir(join(d, 'conf.d'));
    await writeFile(join(d, 'conf.d', 'a.yaml'), 'app:\n  db: a\n  cache: c\n');
    await writeFile(join(d, 'conf.d', 'b.yml'), 'app:\n  db: b\n');
    await writeFile(join(d, 'conf.d', 'c.txt'), 'app:\n  db: ignored\n');
    await mkdir(join(d, 'conf.d', 'sub'));
    await writeFile(join(d, 'conf.d', 'sub', 'z.yaml'), 'app:\n  deep: z\n');
    const b = createFileBackend(options([join(d, 'one.yaml'), join(d, 'conf.d')], '*.y*ml'));
    const snap = await b.read(['/app/db', '/app/deep']);
    assert.deepEqual(Object.fromEntries(snap.values), { '/app/db': 'b', '/app/dbx': 'x', '/app/deep': 'z' });
    assert.equal((await b.read(['/'])).values.get('/other'), 'o');
    assert.equal((await b.read(['/'])).revision, snap.revision); // unchanged data, same revision
    await b.close();
  });

  it('names the file and position of a YAML error, and a missing file', async () => {
    const d = await tempDir();
    await writeFile(join(d, 'bad.yaml'), 'a: 1\n b: 2\n');
    await assert.rejects(createFileBackend(options([join(d, 'bad.yaml')])).read(['/']), (e: Error) => {
      assert.match(e.message, /bad\.yaml:\d+:\d+: /);
      assert.equal((e as Error & { code: string }).code, 'EPARSE');
      return true;
    });
    await assert.rejects(createFileBackend(options([join(d, 'missing.yaml')])).read(['/']), /missing\.yaml/);
  });

  it('watch: edits, rename-replace and symlink swaps yield changes; parse errors yield nothing', async (t) => {
    const d = await tempDir();
    const file = join(d, 'keys.yaml');
    await writeFile(file, 'nginx:\n  a: "1"\n  b: "2"\nother: x\n');
    const { logs, ac, snap, it, next } = await watchFile(t, file);

    const t0 = Date.now();
    await writeFile(file, 'nginx:\n  a: "1"\n  b: "3"\n  c: "4"\nother: y\n');
    let ev = await next();
    assert.ok(Date.now() - t0 < 1000, 'reacts quickly');
    assert.equal(ev.kind, 'changes');
    if (ev.kind === 'changes') {
      assert.ok(ev.revision > snap.revision);
      assert.deepEqual(
        [...ev.changes].sort((x, y) => x.key.localeCompare(y.key)),
        [
          { type: 'put', key: '/nginx/b', value: '3' },
          { type: 'put', key: '/nginx/c', value: '4' },
        ],
      );
    }

    // A broken file: logged with position, no event; the next good write diffs against the last good data.
    const pending = next();
    await writeFile(file, 'nginx:\n  a: "1"\n    b: oops\n');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(logs.some((l) => /keys\.yaml:\d+:\d+: /.test(l)), `logged: ${logs.join(' | ')}`);

    // Editors replace files by rename.
    const tmp = join(d, '.keys.yaml.swp');
    await writeFile(tmp, 'nginx:\n  a: "1"\n  c: "4"\n');
    await rename(tmp, file);
    ev = await pending;
    assert.deepEqual(ev.kind === 'changes' ? ev.changes : ev, [{ type: 'delete', key: '/nginx/b' }]);

    // Kubernetes-style symlink swap of the directory holding the data.
    const d2 = await tempDir();
    await mkdir(join(d2, 'v1'));
    await writeFile(join(d2, 'v1', 'keys.yaml'), 'nginx:\n  a: "v1"\n');
    await symlink('v1', join(d2, '..data'));
    await symlink(join('..data', 'keys.yaml'), join(d2, 'keys.yaml'));
    const b2 = createFileBackend(options([join(d2, 'keys.yaml')]));
    const ac2 = new AbortController();
    t.after(async () => {
      ac2.abort();
      await b2.close();
    });
    const s2 = await b2.read(['/nginx']);
    assert.equal(s2.values.get('/nginx/a'), 'v1');
    const it2 = b2.watch!(['/nginx'], s2.revision, ac2.signal)[Symbol.asyncIterator]();
    await new Promise((r) => setTimeout(r, 50));
    await mkdir(join(d2, 'v2'));
    await writeFile(join(d2, 'v2', 'keys.yaml'), 'nginx:\n  a: "v2"\n');
    await symlink('v2', join(d2, '..data_tmp'));
    await rename(join(d2, '..data_tmp'), join(d2, '..data'));
    const r2 = await Promise.race([it2.next(), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no event after symlink swap')), 3000))]);
    assert.deepEqual((r2.value as WatchEvent).kind === 'changes' ? (r2.value as { changes: unknown }).changes : r2.value, [
      { type: 'put', key: '/nginx/a', value: 'v2' },
    ]);

    // Aborting ends the iterator.
    ac.abort();
    const end = await Promise.race([it.next(), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('watch did not end on abort')), 2000))]);
    assert.equal(end.done, true);
  });

  it('watch: a file emptied in place keeps its keys until it has content again; {} removes them', async (t) => {
    const d = await tempDir();
    const file = join(d, 'keys.yaml');
    await writeFile(file, 'nginx:\n  a: "1"\n  b: "2"\n');
    const { logs, next } = await watchFile(t, file);

    // Truncated, and written again well after the settle window: no event in between, then only the real change.
    const pending = next();
    await writeFile(file, '');
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(logs.some((l) => l.includes('keys.yaml is empty (being rewritten?)')), `logged: ${logs.join(' | ')}`);
    await writeFile(file, 'nginx:\n  a: "1"\n  b: "3"\n');
    const ev = await pending;
    assert.deepEqual(ev.kind === 'changes' ? ev.changes : ev, [{ type: 'put', key: '/nginx/b', value: '3' }]);

    // An explicit empty document removes every key.
    await writeFile(file, '{}\n');
    const ev2 = await next();
    assert.deepEqual(
      ev2.kind === 'changes' ? [...ev2.changes].sort((x, y) => x.key.localeCompare(y.key)) : ev2,
      [
        { type: 'delete', key: '/nginx/a' },
        { type: 'delete', key: '/nginx/b' },
      ],
    );
  });

  it('watch from an unknown revision starts with a reset', async (t) => {
    const d = await tempDir();
    const file = join(d, 'keys.yaml');
    await writeFile(file, 'a: "1"\n');
    const b = createFileBackend(options([file]));
    const ac = new AbortController();
    t.after(async () => {
      ac.abort();
      await b.close();
    });
    const it = b.watch!(['/'], 99n, ac.signal)[Symbol.asyncIterator]();
    const r = await it.next();
    assert.equal(r.done, false);
    const ev = r.value as WatchEvent;
    assert.equal(ev.kind, 'reset');
    if (ev.kind === 'reset') assert.deepEqual(Object.fromEntries(ev.snapshot.values), { '/a': '1' });
  });
});
