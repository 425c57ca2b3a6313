import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KVStore } from '../memkv/index.js';
import { KeyView } from './view.js';

describe('KeyView.reset', () => {
  it("stores what confd stores: path.Join(\"/\", key minus the prefix by raw string), for every kind of prefix", () => {
    const keys = ['/', '/a', '/a/', '/a//b', '/a/./b', '/a/../b', '/app', '/app/', '/app/x', '/app//x', '/apple/pie', '/app/../up', '//x', '/x/'];
    const values = new Map(keys.map((k, i) => [k, `v${i}`]));
    for (const prefix of ['/', '/app', '/app/', '/a/', '//']) {
      const view = new KeyView(prefix, ['/']);
      view.reset(values);
      // The reference: memkv's Set(path.Join("/", strings.TrimPrefix(key, prefix)), value) in key order.
      const want = new KVStore();
      for (const [k, v] of values) want.set(k.startsWith(prefix) ? k.slice(prefix.length) : k, v);
      assert.deepEqual(view.store.entries(), want.entries(), `prefix ${prefix}`);
    }
  });
});
