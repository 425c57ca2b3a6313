// etcd v2 specifics against a real etcd 3.4 with --enable-v2: directories and TTLs, directory deletes, the
// 1000-event window ("401 event index cleared"), quiet prefixes on a busy cluster, failover.

import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createEtcdV2Backend } from '../src/backends/etcdv2/index.js';
import { startEtcd, type EtcdServer } from '../tools/devservers/etcd.js';
import { freePort } from '../tools/devservers/process.js';
import { freshRoot, watchUntil } from './support/backend-suite.js';
import { v2Delete, v2Mkdir, v2Put } from './support/etcdv2.js';
import { backendOptions, memoryLog, serverSkip } from './support/servers.js';

function sorted(m: ReadonlyMap<string, string>): [string, string][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Many writes, a few at a time (each is one v2 event). */
async function burst(endpoint: string, key: string, count: number): Promise<void> {
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < count) {
      const n = ++i;
      await v2Put(endpoint, key, String(n));
    }
  };
  await Promise.all(Array.from({ length: 6 }, worker));
}

describe('etcdv2 specifics', { skip: serverSkip('etcd') }, () => {
  let etcd: EtcdServer;
  before(async () => (etcd = await startEtcd({ enableV2: true })));
  after(async () => etcd?.stop());

  it('directories flatten to leaf keys; TTL keys and TTL directories are read', async (t) => {
    const r = freshRoot();
    await v2Put(etcd.endpoint, `${r}/svc/a/ip`, '10.0.0.1');
    await v2Put(etcd.endpoint, `${r}/svc/a/port`, '80', { ttl: 300 });
    await v2Mkdir(etcd.endpoint, `${r}/svc/b`, { ttl: 300 });
    await v2Put(etcd.endpoint, `${r}/svc/b/ip`, '10.0.0.2');
    await v2Mkdir(etcd.endpoint, `${r}/svc/emptydir`);
    const b = createEtcdV2Backend(backendOptions({ nodes: [etcd.endpoint] }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    const snap = await b.read([`${r}/svc`]);
    assert.deepEqual(sorted(snap.values), [
      [`${r}/svc/a/ip`, '10.0.0.1'],
      [`${r}/svc/a/port`, '80'],
      [`${r}/svc/b/ip`, '10.0.0.2'],
    ]);
    // The trailing-slash form reads the same.
    assert.deepEqual(sorted((await b.read([`${r}/svc/`])).values), sorted(snap.values));
    await b.close();
  });

  it('the seed written with `ETCDCTL_API=2 etcdctl set` reads back exactly', async (t) => {
    const r = freshRoot();
    await etcd.ctl(['set', `${r}/nginx/a.b.com/server1/ip`, '1.0.0.1'], { api: 2 });
    await etcd.ctl(['set', `${r}/nginx/a.b.com/server1/port`, '10000'], { api: 2 });
    await etcd.ctl(['mkdir', `${r}/nginx/empty.com`], { api: 2 });
    const b = createEtcdV2Backend(backendOptions({ nodes: [etcd.endpoint] }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    assert.deepEqual(sorted((await b.read([`${r}/nginx`])).values), [
      [`${r}/nginx/a.b.com/server1/ip`, '1.0.0.1'],
      [`${r}/nginx/a.b.com/server1/port`, '10000'],
    ]);
    await b.close();
  });

  it('a deleted (or expired) directory yields a reset without its keys', async (t) => {
    const r = freshRoot();
    await v2Put(etcd.endpoint, `${r}/svc/a/ip`, '1');
    await v2Put(etcd.endpoint, `${r}/svc/a/port`, '2');
    await v2Put(etcd.endpoint, `${r}/svc/b/ip`, '3');
    const log = memoryLog();
    const b = createEtcdV2Backend(backendOptions({ nodes: [etcd.endpoint], log }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    const snap = await b.read([`${r}/svc`]);
    const ac = new AbortController();
    const iter = b.watch!([`${r}/svc`], snap.revision, ac.signal)[Symbol.asyncIterator]();
    t.after(async () => {
      ac.abort();
      await iter.return?.();
    });
    await v2Delete(etcd.endpoint, `${r}/svc/a`, { recursive: true });
    const { state, events } = await watchUntil(iter, snap.values, (s) => !s.has(`${r}/svc/a/ip`));
    assert.equal(events.at(-1)?.kind, 'reset');
    assert.deepEqual(sorted(state), [[`${r}/svc/b/ip`, '3']]);
    // TTL'd keys expire as deletes.
    await v2Put(etcd.endpoint, `${r}/svc/ttl`, 'short', { ttl: 1 });
    const exp = await watchUntil(iter, state, (s, evs) => evs.some((e) => e.kind === 'changes' && e.changes.some((c) => c.type === 'delete' && c.key === `${r}/svc/ttl`)), 8000);
    assert.equal(exp.state.has(`${r}/svc/ttl`), false);
    ac.abort();
    await iter.return?.();
    await b.close();
  });

  it('"401 event index cleared" (more than 1000 events since the read) yields a reset with the current data', async (t) => {
    const r = freshRoot();
    await v2Put(etcd.endpoint, `${r}/k`, 'initial');
    const log = memoryLog();
    const b = createEtcdV2Backend(backendOptions({ nodes: [etcd.endpoint], log }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    const snap = await b.read([r]);
    await burst(etcd.endpoint, `${r}/k`, 1100);
    await v2Put(etcd.endpoint, `${r}/k`, 'final');
    const ac = new AbortController();
    const iter = b.watch!([r], snap.revision, ac.signal)[Symbol.asyncIterator]();
    t.after(async () => {
      ac.abort();
      await iter.return?.();
    });
    const { state, events } = await watchUntil(iter, snap.values, (s) => s.get(`${r}/k`) === 'final', 10_000);
    assert.equal(events[0]?.kind, 'reset', 'first event is a reset');
    assert.deepEqual(sorted(state), [[`${r}/k`, 'final']]);
    assert.ok(log.lines.some((l) => /cleared|outdated/i.test(l)), log.lines.join('\n'));
    ac.abort();
    await iter.return?.();
    await b.close();
  });

  it('a quiet prefix on a busy cluster stays continuous across long-poll renewals (no spurious reset)', async (t) => {
    const r = freshRoot();
    const b = createEtcdV2Backend({ ...backendOptions({ nodes: [etcd.endpoint] }), longPollMs: 300 });
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    const snap = await b.read([`${r}/quiet`]);
    const ac = new AbortController();
    const iter = b.watch!([`${r}/quiet`], snap.revision, ac.signal)[Symbol.asyncIterator]();
    t.after(async () => {
      ac.abort();
      await iter.return?.();
    });
    const first = iter.next();
    // 1200 events elsewhere, spread over several long-poll renewals.
    for (let i = 0; i < 4; i++) {
      await burst(etcd.endpoint, `${r}/busy`, 300);
      await new Promise((res) => setTimeout(res, 350));
    }
    await v2Put(etcd.endpoint, `${r}/quiet/k`, 'v');
    const ev = await first;
    assert.equal(ev.done, false);
    assert.deepEqual(ev.value, { kind: 'changes', revision: ev.value!.kind === 'changes' ? ev.value!.revision : 0n, changes: [{ type: 'put', key: `${r}/quiet/k`, value: 'v' }] });
    ac.abort();
    await iter.return?.();
    await b.close();
  });

  it('a watch fails over from a member that accepts the connection but never answers, within the request timeout', async (t) => {
    // A hung member (stopped process, overloaded host): TCP accepts, no HTTP answer. Without a bound on the
    // headers, the wait would sit there for the whole long poll (60 s) while updates go unseen.
    const sockets: Socket[] = [];
    const hung = createServer((sock) => void sockets.push(sock));
    await new Promise<void>((res) => hung.listen(0, '127.0.0.1', res));
    const hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    const r = freshRoot();
    const probe = createEtcdV2Backend(backendOptions({ nodes: [etcd.endpoint] }));
    t.after(() => probe.close()); // also when the test fails: no open connection keeps the test process alive
    const log = memoryLog();
    const b = createEtcdV2Backend(backendOptions({ nodes: [hungUrl, etcd.endpoint], requestTimeoutMs: 500, log }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    const ac = new AbortController();
    try {
      const snap = await probe.read([r]);
      // No read through `b` first: its watch starts on the hung member.
      const iter = b.watch!([r], snap.revision, ac.signal)[Symbol.asyncIterator]();
      t.after(async () => {
        ac.abort();
        await iter.return?.();
      });
      const t0 = Date.now();
      await v2Put(etcd.endpoint, `${r}/k`, 'seen');
      const { state } = await watchUntil(iter, snap.values, (s) => s.get(`${r}/k`) === 'seen', 20_000);
      assert.equal(state.get(`${r}/k`), 'seen');
      assert.ok(Date.now() - t0 < 15_000, `took ${Date.now() - t0} ms`);
      assert.ok(log.lines.some((l) => l.includes(hungUrl) && /no response headers/.test(l)), log.lines.join('\n'));
      ac.abort();
      await iter.return?.();
    } finally {
      ac.abort();
      await b.close();
      await probe.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => hung.close(() => res()));
    }
  });

  it('fails over from an unreachable first node, for reads and watches', async (t) => {
    const r = freshRoot();
    const dead = `http://127.0.0.1:${await freePort()}`;
    const log = memoryLog();
    const b = createEtcdV2Backend(backendOptions({ nodes: [dead, etcd.endpoint], log }));
    t.after(() => b.close()); // also when the test fails: no open connection keeps the test process alive
    await v2Put(etcd.endpoint, `${r}/a`, '1');
    const snap = await b.read([r]);
    assert.equal(snap.values.get(`${r}/a`), '1');
    const ac = new AbortController();
    const iter = b.watch!([r], snap.revision, ac.signal)[Symbol.asyncIterator]();
    t.after(async () => {
      ac.abort();
      await iter.return?.();
    });
    await v2Put(etcd.endpoint, `${r}/a`, '2');
    const { state } = await watchUntil(iter, snap.values, (s) => s.get(`${r}/a`) === '2');
    assert.equal(state.get(`${r}/a`), '2');
    ac.abort();
    await iter.return?.();
    await b.close();
  });
});
