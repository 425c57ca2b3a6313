// The one test suite every store backend passes (etcdv3, etcdv2, redis, file), run against real servers.
//
// A harness says how to write to the store behind the backend and which prefix semantics the backend has
// (confd's own: etcd v3 and the file backend match raw string prefixes, "/db" also matches "/dbx"; etcd v2 and
// redis read a key and its directory tree). Every test works under its own root key, so the servers are shared.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Backend, Snapshot, WatchEvent } from '../../src/backends/types.js';

export interface SuiteHarness {
  /** Raw string prefix match ("/db" matches "/dbx") or directory tree ("/db" matches "/db" and "/db/..."). */
  readonly prefixSemantics: 'raw' | 'tree';
  /** Every intermediate value is observed (etcd); false when a watch may coalesce rapid writes (redis, file). */
  readonly exactHistory: boolean;
  /** The backend implements watch(). */
  readonly canWatch: boolean;
  /** Keys with spaces are representable. */
  readonly spacesInKeys?: boolean;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  backend(): Backend;
  put(key: string, value: string): Promise<void>;
  del(key: string): Promise<void>;
}

let rootCounter = 0;
/** A fresh root key per test, so tests never see each other's keys. */
export function freshRoot(): string {
  rootCounter += 1;
  return `/suite${process.pid}x${rootCounter}`;
}

export function applyEvent(state: Map<string, string>, ev: WatchEvent): void {
  if (ev.kind === 'reset') {
    state.clear();
    for (const [k, v] of ev.snapshot.values) state.set(k, v);
    return;
  }
  for (const c of ev.changes) {
    if (c.type === 'put') state.set(c.key, c.value);
    else state.delete(c.key);
  }
}

/**
 * Consume `iter` until `done(state, events)` holds, failing after `timeoutMs` with what was seen. Returns the
 * events; the state starts from `initial`.
 */
export async function watchUntil(
  iter: AsyncIterator<WatchEvent>,
  initial: ReadonlyMap<string, string>,
  done: (state: Map<string, string>, events: WatchEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<{ state: Map<string, string>; events: WatchEvent[] }> {
  const state = new Map(initial);
  const events: WatchEvent[] = [];
  if (done(state, events)) return { state, events };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.max(0, left))));
    const r = await Promise.race([iter.next(), timeout]);
    clearTimeout(timer);
    if (r === 'timeout') {
      assert.fail(`watch did not reach the expected state within ${timeoutMs} ms; state=${JSON.stringify([...state])} events=${JSON.stringify(events, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Map ? [...v] : v))}`);
    }
    if (r.done) assert.fail(`watch ended early; state=${JSON.stringify([...state])}`);
    events.push(r.value);
    applyEvent(state, r.value);
    if (done(state, events)) return { state, events };
  }
}

function sorted(m: ReadonlyMap<string, string>): [string, string][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function sameState(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

export function backendSuite(title: string, h: SuiteHarness, opts: { skip?: string | false } = {}): void {
  describe(`backend suite: ${title}`, { skip: opts.skip ?? false }, () => {
    let backend: Backend;
    before(async () => {
      await h.setup();
      backend = h.backend();
    });
    after(async () => {
      await backend?.close();
      await h.teardown();
    });

    it('reads every key under a prefix, full keys, values byte for byte', async () => {
      const r = freshRoot();
      const values: [string, string][] = [
        [`${r}/nginx/a.b.com/server1/ip`, '1.0.0.1'],
        [`${r}/nginx/a.b.com/server1/port`, '10000'],
        [`${r}/nginx/b-c.d_e.com/server-2/ip`, '10.0.0.2'],
        [`${r}/unicode/日本語`, 'värde ✓ 🚀 \u00e9\u0301'],
        [`${r}/empty`, ''],
        [`${r}/multi/line`, 'line1\nline2\r\n\ttabbed  trailing space '],
        [`${r}/json`, '{"a": [1, 2], "b": "c\\"d"}'],
        [`${r}/percent`, '100% %s %d {{.}}'],
      ];
      if (h.spacesInKeys !== false) values.push([`${r}/with space/key name`, 'v w']);
      for (const [k, v] of values) await h.put(k, v);
      await h.put(`${r}x/outside`, 'no'); // sibling outside the tree
      const snap = await backend.read([r]);
      const expected = new Map(values);
      if (h.prefixSemantics === 'raw') expected.set(`${r}x/outside`, 'no');
      assert.deepEqual(sorted(snap.values), sorted(expected));
      assert.equal(typeof snap.revision, 'bigint');
    });

    it('reads several prefixes at once, overlapping ones included', async () => {
      const r = freshRoot();
      await h.put(`${r}/a/1`, 'a1');
      await h.put(`${r}/a/2`, 'a2');
      await h.put(`${r}/b/1`, 'b1');
      await h.put(`${r}/c/1`, 'c1');
      const snap = await backend.read([`${r}/a`, `${r}/b`, `${r}/a/1`]);
      assert.deepEqual(sorted(snap.values), [
        [`${r}/a/1`, 'a1'],
        [`${r}/a/2`, 'a2'],
        [`${r}/b/1`, 'b1'],
      ]);
    });

    it(`prefix semantics: ${h.prefixSemantics === 'raw' ? '"/db" also matches "/dbx" (raw string prefix)' : '"/db" matches the key and its tree only'}`, async () => {
      const r = freshRoot();
      await h.put(`${r}/db/host`, 'h');
      await h.put(`${r}/dbx/host`, 'x');
      await h.put(`${r}/db2`, '2');
      const snap = await backend.read([`${r}/db`]);
      const expected: [string, string][] =
        h.prefixSemantics === 'raw'
          ? [[`${r}/db/host`, 'h'], [`${r}/db2`, '2'], [`${r}/dbx/host`, 'x']]
          : [[`${r}/db/host`, 'h']];
      assert.deepEqual(sorted(snap.values), expected);
      // A single key read by its own name.
      const one = await backend.read([`${r}/db/host`]);
      assert.deepEqual(sorted(one.values), [[`${r}/db/host`, 'h']]);
    });

    it('a prefix with no keys reads as empty, not as an error', async () => {
      const r = freshRoot();
      const snap = await backend.read([`${r}/does/not/exist`]);
      assert.equal(snap.values.size, 0);
    });

    it('watch from the read revision loses nothing written in between, in order', { skip: !h.canWatch && 'backend cannot watch' }, async () => {
      const r = freshRoot();
      await h.put(`${r}/k1`, 'v0');
      const snap = await backend.read([r]);
      await h.put(`${r}/k1`, 'v1');
      await h.put(`${r}/k2`, 'v2');
      await h.del(`${r}/k1`);
      const ac = new AbortController();
      const iter = backend.watch!([r], snap.revision, ac.signal)[Symbol.asyncIterator]();
      try {
        const expected = new Map([[`${r}/k2`, 'v2']]);
        const { state, events } = await watchUntil(iter, snap.values, (s) => sameState(s, expected));
        assert.deepEqual(sorted(state), sorted(expected));
        if (h.exactHistory) {
          const changes = events.flatMap((e) => (e.kind === 'changes' ? e.changes : []));
          assert.deepEqual(changes, [
            { type: 'put', key: `${r}/k1`, value: 'v1' },
            { type: 'put', key: `${r}/k2`, value: 'v2' },
            { type: 'delete', key: `${r}/k1` },
          ]);
          let prev = snap.revision;
          for (const e of events) {
            assert.equal(e.kind, 'changes');
            if (e.kind === 'changes') {
              assert.ok(e.revision > prev, `revisions increase: ${e.revision} > ${prev}`);
              prev = e.revision;
            }
          }
        }
      } finally {
        ac.abort();
        await iter.return?.();
      }
    });

    it('watch delivers every change in order and only under the watched prefixes', { skip: !h.canWatch && 'backend cannot watch' }, async () => {
      const r = freshRoot();
      const snap = await backend.read([`${r}/w`]);
      const ac = new AbortController();
      const iter = backend.watch!([`${r}/w`], snap.revision, ac.signal)[Symbol.asyncIterator]();
      try {
        const n = 30;
        const writes = (async () => {
          for (let i = 1; i <= n; i++) {
            await h.put(`${r}/w/counter`, String(i));
            if (i % 10 === 0) await h.put(`${r}/other/noise`, String(i));
          }
          await h.put(`${r}/w/new key-${n}.x`, 'déjà vu');
          await h.del(`${r}/w/new key-${n}.x`);
          await h.put(`${r}/w/done`, 'yes');
        })();
        const expected = new Map([
          [`${r}/w/counter`, String(n)],
          [`${r}/w/done`, 'yes'],
        ]);
        const { state, events } = await watchUntil(iter, snap.values, (s) => sameState(s, expected), 15_000);
        await writes;
        assert.deepEqual(sorted(state), sorted(expected));
        const changes = events.flatMap((e) => (e.kind === 'changes' ? e.changes : []));
        assert.ok(changes.every((c) => c.key.startsWith(`${r}/w/`)), 'no change outside the watched prefix');
        const counterValues = changes.filter((c) => c.key === `${r}/w/counter` && c.type === 'put').map((c) => Number((c as { value: string }).value));
        if (h.exactHistory) {
          assert.deepEqual(counterValues, Array.from({ length: n }, (_, i) => i + 1));
        } else {
          for (let i = 1; i < counterValues.length; i++) assert.ok(counterValues[i]! >= counterValues[i - 1]!, `in order: ${counterValues.join(',')}`);
        }
      } finally {
        ac.abort();
        await iter.return?.();
      }
    });

    it('a watch over several prefixes delivers their changes interleaved in the order they happened', { skip: !h.canWatch && 'backend cannot watch' }, async () => {
      const r = freshRoot();
      const prefixes = [`${r}/p3`, `${r}/p1`];
      const snap = await backend.read(prefixes);
      const ac = new AbortController();
      const iter = backend.watch!(prefixes, snap.revision, ac.signal)[Symbol.asyncIterator]();
      try {
        for (let i = 1; i <= 5; i++) {
          await h.put(`${r}/p1/k`, `a${i}`);
          await h.put(`${r}/p2/k`, `x${i}`); // between the two prefixes: never delivered
          await h.put(`${r}/p3/k`, `b${i}`);
        }
        const expected = new Map([[`${r}/p1/k`, 'a5'], [`${r}/p3/k`, 'b5']]);
        const { events } = await watchUntil(iter, snap.values, (s) => sameState(s, expected));
        const changes = events.flatMap((e) => (e.kind === 'changes' ? e.changes : []));
        assert.ok(changes.every((c) => !c.key.includes('/p2/')), JSON.stringify(changes));
        if (h.exactHistory) {
          assert.deepEqual(
            changes.map((c) => (c as { value: string }).value),
            ['a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4', 'b4', 'a5', 'b5'],
          );
        }
      } finally {
        ac.abort();
        await iter.return?.();
      }
    });

    it('aborting the signal ends the watch promptly', { skip: !h.canWatch && 'backend cannot watch' }, async () => {
      const r = freshRoot();
      const snap = await backend.read([r]);
      const ac = new AbortController();
      const iter = backend.watch!([r], snap.revision, ac.signal)[Symbol.asyncIterator]();
      const pending = iter.next();
      await new Promise((res) => setTimeout(res, 200));
      const t0 = Date.now();
      ac.abort();
      const res = await pending;
      assert.equal(res.done, true);
      assert.ok(Date.now() - t0 < 1000, `ended in ${Date.now() - t0} ms`);
    });

    it('read rejects when its signal is already aborted', async () => {
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(backend.read(['/x'], ac.signal), (err: Error) => /cancel|abort/i.test(err.message));
    });
  });
}

export type { Snapshot };
