import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KVStore } from '../memkv/index.js';
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
        // The reference: memkv's Set(path.Join("/", strings.TrimPrefix(key, prefix)), value) in key order.
        const want = new KVStore();
        for (const [k, v] of values) {
          if (watchKeys.some((w) => k.startsWith(w))) want.set(k.startsWith(prefix) ? k.slice(prefix.length) : k, v);
        }
        assert.deepEqual(view.store.entries(), want.entries(), `prefix ${prefix}, keys ${watchKeys.join(' ')}`);
        // A streamed read loads the same.
        const streamed = new KeyView(prefix, watchKeys);
        const load = streamed.loader();
        values.forEach((v, k) => load(k, v));
        assert.deepEqual(streamed.store.entries(), want.entries(), `streamed: prefix ${prefix}, keys ${watchKeys.join(' ')}`);
      }
    }
  });
});
