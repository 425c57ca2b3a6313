// Redis specifics against a real redis-server: confd's key mapping (-separator, hashes, databases), keyspace
// notifications being switched on, the polling fallback, and surviving a redis-server restart.

import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisBackend } from '../src/backends/redis/index.js';
import type { Backend } from '../src/backends/types.js';
import { startRedis, type RedisServer } from '../tools/devservers/redis.js';
import { freshRoot, watchUntil } from './support/backend-suite.js';
import { backendOptions, memoryLog, serverSkip } from './support/servers.js';

function sorted(m: ReadonlyMap<string, string>): [string, string][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Starts b's watch; the test's after hook aborts it and ends the iterator, also when the test fails. */
function startWatch(t: TestContext, b: Backend, prefixes: string[], revision: bigint) {
  const ac = new AbortController();
  const iter = b.watch!(prefixes, revision, ac.signal)[Symbol.asyncIterator]();
  t.after(async () => {
    ac.abort();
    await iter.return?.();
  });
  return { ac, iter };
}

describe('redis specifics', { skip: serverSkip('redis-server') }, () => {
  let redis: RedisServer;
  let w: Redis;
  before(async () => {
    redis = await startRedis();
    w = new Redis({ host: redis.host, port: redis.port, maxRetriesPerRequest: 1 });
  });
  after(async () => {
    w?.disconnect();
    await redis?.stop();
  });

  it('-separator ":" maps confd keys to "a:b:c" and back, as confd does', async (t) => {
    const r = freshRoot().slice(1); // "suiteNxM"
    await w.set(`${r}:nginx:a.b.com:server1:ip`, '1.0.0.1');
    await w.set(`${r}:nginx:a.b.com:server1:port`, '10000');
    await w.set(`${r}:nginxx:other`, 'no');
    const b = createRedisBackend(backendOptions({ nodes: [redis.endpoint], separator: ':' }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    const snap = await b.read([`/${r}/nginx`]);
    assert.deepEqual(sorted(snap.values), [
      [`/${r}/nginx/a.b.com/server1/ip`, '1.0.0.1'],
      [`/${r}/nginx/a.b.com/server1/port`, '10000'],
    ]);
    // A single key by its confd name.
    assert.deepEqual(sorted((await b.read([`/${r}/nginx/a.b.com/server1/ip`])).values), [[`/${r}/nginx/a.b.com/server1/ip`, '1.0.0.1']]);
    await b.close();
  });

  it('a hash at the prefix reads as one key per field', async (t) => {
    const r = freshRoot();
    await w.hset(`${r}/app`, { host: 'db.local', port: '5432', 'with space': 'ü' });
    const b = createRedisBackend(backendOptions({ nodes: [redis.endpoint] }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    assert.deepEqual(sorted((await b.read([`${r}/app`])).values), [
      [`${r}/app/host`, 'db.local'],
      [`${r}/app/port`, '5432'],
      [`${r}/app/with space`, 'ü'],
    ]);
    // And a watch follows field changes and deletes.
    const snap = await b.read([`${r}/app`]);
    const { ac, iter } = startWatch(t, b, [`${r}/app`], snap.revision);
    await w.hset(`${r}/app`, 'port', '6543');
    await w.hdel(`${r}/app`, 'host');
    const { state } = await watchUntil(iter, snap.values, (s) => s.get(`${r}/app/port`) === '6543' && !s.has(`${r}/app/host`));
    assert.deepEqual(sorted(state), [[`${r}/app/port`, '6543'], [`${r}/app/with space`, 'ü']]);
    ac.abort();
    await iter.return?.();
    await b.close();
  });

  it('a watched prefix turning into a string key (and back) switches between the key and its tree, as a read does', async (t) => {
    const r = freshRoot();
    await w.set(`${r}/app/a`, '1');
    await w.set(`${r}/app/b`, '2');
    const b = createRedisBackend(backendOptions({ nodes: [redis.endpoint] }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    const snap = await b.read([`${r}/app`]);
    assert.deepEqual(sorted(snap.values), [[`${r}/app/a`, '1'], [`${r}/app/b`, '2']]);
    const { ac, iter } = startWatch(t, b, [`${r}/app`], snap.revision);
    try {
      const same = async (want: [string, string][]): Promise<void> => {
        const fresh = sorted((await b.read([`${r}/app`])).values);
        assert.deepEqual(fresh, want, 'a fresh read agrees');
      };
      // A string at the prefix itself: confd reads only that key.
      await w.set(`${r}/app`, 'whole');
      let { state } = await watchUntil(iter, snap.values, (s) => s.get(`${r}/app`) === 'whole' && !s.has(`${r}/app/a`));
      assert.deepEqual(sorted(state), [[`${r}/app`, 'whole']]);
      await same([[`${r}/app`, 'whole']]);
      // A child written meanwhile is not read while the prefix is a string...
      await w.set(`${r}/app/c`, '3');
      await w.set(`${r}/app`, 'whole 2');
      ({ state } = await watchUntil(iter, state, (s) => s.get(`${r}/app`) === 'whole 2'));
      assert.deepEqual(sorted(state), [[`${r}/app`, 'whole 2']]);
      // ...and is, with the others, once the string is gone.
      await w.del(`${r}/app`);
      ({ state } = await watchUntil(iter, state, (s) => !s.has(`${r}/app`) && s.size === 3));
      assert.deepEqual(sorted(state), [[`${r}/app/a`, '1'], [`${r}/app/b`, '2'], [`${r}/app/c`, '3']]);
      await same(sorted(state));
    } finally {
      ac.abort();
      await iter.return?.();
      await b.close();
    }
  });

  it('glob characters in keys match literally', async (t) => {
    const r = freshRoot();
    await w.set(`${r}/a*/k`, 'star');
    await w.set(`${r}/ab/k`, 'not me');
    const b = createRedisBackend(backendOptions({ nodes: [redis.endpoint] }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    assert.deepEqual(sorted((await b.read([`${r}/a*`])).values), [[`${r}/a*/k`, 'star']]);
    await b.close();
  });

  it('"host:port/DB" selects the database, as confd accepts it', async (t) => {
    const r = freshRoot();
    const db3 = new Redis({ host: redis.host, port: redis.port, db: 3 });
    t.after(() => db3.disconnect());
    await db3.set(`${r}/k`, 'in db 3');
    db3.disconnect();
    const b0 = createRedisBackend(backendOptions({ nodes: [redis.endpoint] }));
    t.after(() => b0.close()); // also when the test fails: no open connection keeps the test process alive
    assert.equal((await b0.read([r])).values.size, 0);
    await b0.close();
    const b3 = createRedisBackend(backendOptions({ nodes: [`${redis.endpoint}/3`] }));
    t.after(() => b3.close()); // also when the test fails: no open connection keeps the test process alive
    assert.deepEqual(sorted((await b3.read([r])).values), [[`${r}/k`, 'in db 3']]);
    // Watches subscribe to that database's keyspace channel.
    const snap = await b3.read([r]);
    const { ac, iter } = startWatch(t, b3, [r], snap.revision);
    const writer3 = new Redis({ host: redis.host, port: redis.port, db: 3 });
    t.after(() => writer3.disconnect());
    await new Promise((res) => setTimeout(res, 100));
    await writer3.set(`${r}/k`, 'changed');
    const { state } = await watchUntil(iter, snap.values, (s) => s.get(`${r}/k`) === 'changed');
    assert.equal(state.get(`${r}/k`), 'changed');
    writer3.disconnect();
    ac.abort();
    await iter.return?.();
    await b3.close();
  });

  it('switches keyspace notifications on when the server allows it, and says so', async (t) => {
    await w.config('SET', 'notify-keyspace-events', '');
    const log = memoryLog();
    const b = createRedisBackend(backendOptions({ nodes: [redis.endpoint], log }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    const r = freshRoot();
    const snap = await b.read([r]);
    const { ac, iter } = startWatch(t, b, [r], snap.revision);
    await new Promise((res) => setTimeout(res, 200));
    await w.set(`${r}/k`, 'v');
    await watchUntil(iter, snap.values, (s) => s.get(`${r}/k`) === 'v');
    const flags = (await w.config('GET', 'notify-keyspace-events')) as string[];
    assert.match(flags[1] ?? '', /K/);
    assert.ok(log.lines.some((l) => /enabled keyspace notifications/.test(l)), log.lines.join('\n'));
    ac.abort();
    await iter.return?.();
    await b.close();
  });

  it('a watch survives a redis-server restart and catches up on what changed meanwhile', async (t) => {
    const r = freshRoot();
    await w.set(`${r}/k`, 'before');
    const log = memoryLog();
    const b = createRedisBackend(backendOptions({ nodes: [redis.endpoint], log, requestTimeoutMs: 1000 }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    const snap = await b.read([r]);
    const { ac, iter } = startWatch(t, b, [r], snap.revision);
    await new Promise((res) => setTimeout(res, 100));
    await w.set(`${r}/k`, 'first');
    let { state } = await watchUntil(iter, snap.values, (s) => s.get(`${r}/k`) === 'first');
    await redis.restart();
    // Written right after the restart, possibly before the watch has resubscribed: must not be lost.
    const w2 = new Redis({ host: redis.host, port: redis.port });
    t.after(() => w2.disconnect());
    await w2.set(`${r}/k`, 'after restart');
    await w2.set(`${r}/new`, 'n');
    ({ state } = await watchUntil(iter, state, (s) => s.get(`${r}/k`) === 'after restart' && s.get(`${r}/new`) === 'n', 15_000));
    assert.deepEqual(sorted(state), [[`${r}/k`, 'after restart'], [`${r}/new`, 'n']]);
    assert.ok(log.lines.some((l) => /resubscribing/.test(l)), log.lines.join('\n'));
    // Plain reads reconnect too.
    assert.equal((await b.read([r])).values.get(`${r}/k`), 'after restart');
    w2.disconnect();
    ac.abort();
    await iter.return?.();
    await b.close();
  });
});

describe('redis with CONFIG disabled', { skip: serverSkip('redis-server') }, () => {
  let redis: RedisServer;
  before(async () => (redis = await startRedis({ disableConfig: true })));
  after(async () => redis?.stop());

  it('falls back to polling with a clear log line, and still delivers changes', async (t) => {
    const log = memoryLog();
    const b = createRedisBackend({ ...backendOptions({ nodes: [redis.endpoint], log }), pollIntervalMs: 100 });
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    const w = new Redis({ host: redis.host, port: redis.port });
    t.after(() => w.disconnect());
    const r = freshRoot();
    const snap = await b.read([r]);
    const { ac, iter } = startWatch(t, b, [r], snap.revision);
    await w.set(`${r}/k`, 'polled');
    await watchUntil(iter, snap.values, (s) => s.get(`${r}/k`) === 'polled');
    const line = log.lines.find((l) => /falling back to polling/.test(l));
    assert.ok(line, log.lines.join('\n'));
    assert.ok(line.includes(redis.endpoint) && line.startsWith('WARNING'), line);
    w.disconnect();
    ac.abort();
    await iter.return?.();
    await b.close();
  });
});
