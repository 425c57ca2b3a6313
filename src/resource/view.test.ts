import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KVStore, cleanKey, compareGo } from '../memkv/index.js';
import { KeyView } from './view.js';

describe('KeyView.reset', () => {
  it("stores what confd stores: path.Join(\"/\", key minus the prefix by raw string), for every kind of prefix", () => {
    const keys = ['/', '/a', '/a/', '/a//b', '/a/./b', '/a/../b', '/app', '/app/', '/app/x', '/app//x', '/apple/pie', '/app/../up', '//x', '/x/'];
    const values = new Map(keys.map((k, i) => [k, `v${i}`]));
    // One key prefix or several (the view's fast loaders differ by those), each stored key read only if covered.
    for (const watchKeys of [['/'], ['/app'], ['/app', '/x'], ['/a/']]) {
      for (const prefix of ['/', '/app', '/app/', '/a/', '//']) {
        const view = new KeyView(prefix, watchKeys);
        view.reset(values);
        // The reference: memkv's Set(path.Join("/", strings.TrimPrefix(key, prefix)), value) for each key. Where
        // two backend keys meet in one stored key, Go's map order picks one of their values at random.
        const want = new Map<string, Set<string>>();
        for (const [k, v] of values) {
          if (!watchKeys.some((w) => k.startsWith(w))) continue;
          const c = cleanKey(k.startsWith(prefix) ? k.slice(prefix.length) : k);
          want.set(c, (want.get(c) ?? new Set()).add(v));
        }
        const check = (store: KVStore, what: string): void => {
          const got = store.entries();
          assert.deepEqual(got.map(([k]) => k), [...want.keys()].sort(compareGo), what);
          for (const [k, v] of got) assert.ok(want.get(k)?.has(v), `${what}: ${k} = ${v}`);
        };
        check(view.store, `prefix ${prefix}, keys ${watchKeys.join(' ')}`);
        // A streamed read loads the same.
        const streamed = new KeyView(prefix, watchKeys);
        const load = streamed.loader();
        values.forEach((v, k) => load(k, v));
        check(streamed.store, `streamed: prefix ${prefix}, keys ${watchKeys.join(' ')}`);
        // Deleting every backend key empties the view, whatever the spellings were.
        for (const k of values.keys()) streamed.delete(k);
        assert.equal(streamed.store.size, 0, `deleted: prefix ${prefix}, keys ${watchKeys.join(' ')}`);
      }
    }
  });
});
