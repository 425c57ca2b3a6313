// The bench's detector: it must see every installed version of dest, by rename or in-place write, so a
// change is never counted as missed (or as late) because of the harness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DestWatcher } from './destwatch.js';

function tempDest(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-destwatch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'haproxy.cfg');
}

function install(dest: string, content: string): void {
  writeFileSync(`${dest}.stage`, content);
  renameSync(`${dest}.stage`, dest);
}

test('waitFor sees a file that appears by rename, then each later version', async (t) => {
  const dest = tempDest(t);
  const w = new DestWatcher(dest);
  t.after(() => w.close());
  assert.equal(w.current(), undefined);
  const first = w.waitFor((c) => c === 'v1', 5000);
  install(dest, 'v1');
  assert.equal((await first)?.content, 'v1');
  const second = w.waitFor((c) => c.includes('port 2'), 5000);
  install(dest, 'port 1');
  install(dest, 'port 2');
  assert.equal((await second)?.content, 'port 2');
  assert.equal(w.current(), 'port 2');
});

test('waitFor resolves at once when the current content already matches', async (t) => {
  const dest = tempDest(t);
  install(dest, 'ready');
  const w = new DestWatcher(dest);
  t.after(() => w.close());
  assert.equal((await w.waitFor((c) => c === 'ready', 5000))?.content, 'ready');
});

test('waitFor sees in-place rewrites too (a writer that does not rename)', async (t) => {
  const dest = tempDest(t);
  install(dest, 'a');
  const w = new DestWatcher(dest);
  t.after(() => w.close());
  const seen = w.waitFor((c) => c === 'bb', 5000);
  writeFileSync(dest, 'bb');
  assert.equal((await seen)?.content, 'bb');
});

test('waitFor gives undefined when the content never matches, and close ends pending waits', async (t) => {
  const dest = tempDest(t);
  install(dest, 'x');
  const w = new DestWatcher(dest);
  t.after(() => w.close());
  assert.equal(await w.waitFor((c) => c === 'never', 50), undefined);
  const pending = w.waitFor((c) => c === 'never', 60_000);
  w.close();
  assert.equal(await pending, undefined);
});

test('versions counts distinct contents, not writes of the same content', async (t) => {
  const dest = tempDest(t);
  const w = new DestWatcher(dest);
  t.after(() => w.close());
  install(dest, 'one');
  await w.waitFor((c) => c === 'one', 5000);
  install(dest, 'one'); // a rewrite with identical bytes is not a new version
  install(dest, 'two');
  await w.waitFor((c) => c === 'two', 5000);
  assert.equal(w.versions, 2);
});
