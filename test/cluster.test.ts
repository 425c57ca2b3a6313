// A real three-member etcd cluster on loopback (static bootstrap as in the seed's section 1.3): reads and
// watches through any member, member loss, a whole-cluster restart, and compaction, for etcd v3 and v2; and
// bin/confd -watch given all three members, whose rendered file converges while the members die one by one.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { createEtcdV2Backend } from '../src/backends/etcdv2/index.js';
import { createEtcdV3Backend } from '../src/backends/etcdv3/index.js';
import type { Backend, WatchEvent } from '../src/backends/types.js';
import { startEtcdCluster, type EtcdCluster } from '../tools/devservers/etcd.js';
import { startProcess } from '../tools/devservers/process.js';
import { watchUntil } from './support/backend-suite.js';
import { v2Put } from './support/etcdv2.js';
import { backendOptions, memoryLog, serverSkip } from './support/servers.js';

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const confdBin = join(repoRoot, 'bin', 'confd');
const haveCli = existsSync(join(repoRoot, 'dist', 'bundle', 'confd.cjs'));

/** Retry a write while the cluster elects a leader or a member is down. */
async function retrying<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function sortedEntries(m: ReadonlyMap<string, string>): [string, string][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

describe('etcd v3 and v2 against a three-member cluster', { skip: serverSkip('etcd') }, () => {
  let cluster: EtcdCluster;
  let writer: Etcd3;
  const put = (k: string, v: string): Promise<unknown> => retrying(() => writer.put(k).value(v).exec());
  before(async () => {
    cluster = await startEtcdCluster({ members: 3, enableV2: true });
    writer = new Etcd3({ hosts: cluster.endpoints, defaultCallOptions: (c) => (c.isStream ? {} : { deadline: Date.now() + 2000 }) });
  });
  after(async () => {
    writer?.close();
    await cluster?.stop();
  });

  it('reads and watches through each member alone', async () => {
    for (const [i, endpoint] of cluster.endpoints.entries()) {
      const b = createEtcdV3Backend(backendOptions({ nodes: [endpoint] }));
      const ac = new AbortController();
      let iter: AsyncIterator<WatchEvent> | undefined;
      try {
        await put(`/each/${i}/before`, `b${i}`);
        const snap = await b.read([`/each/${i}`]);
        assert.deepEqual(sortedEntries(snap.values), [[`/each/${i}/before`, `b${i}`]]);
        iter = b.watch!([`/each/${i}`], snap.revision, ac.signal)[Symbol.asyncIterator]();
        await put(`/each/${i}/after`, `a${i}`);
        const { state } = await watchUntil(iter, snap.values, (s) => s.get(`/each/${i}/after`) === `a${i}`);
        assert.equal(state.size, 2);
      } finally {
        ac.abort();
        await iter?.return?.();
        await b.close();
      }
    }
  });

  it('killing members one after another (so also the one the watch is connected to) loses no update', async () => {
    const log = memoryLog();
    const b = createEtcdV3Backend(backendOptions({ nodes: cluster.endpoints, requestTimeoutMs: 2000, log }));
    const ac = new AbortController();
    try {
      const snap = await b.read(['/failover']);
      const iter = b.watch!(['/failover'], snap.revision, ac.signal)[Symbol.asyncIterator]();
      const seen: WatchEvent[] = [];
      const state = new Map(snap.values);
      // Consume in the background while we kill members.
      let consumed = 0;
      const consumer = (async () => {
        for (;;) {
          const r = await iter.next();
          if (r.done) return;
          seen.push(r.value);
          consumed += 1;
          if (r.value.kind === 'reset') {
            state.clear();
            for (const [k, v] of r.value.snapshot.values) state.set(k, v);
          } else for (const c of r.value.changes) c.type === 'put' ? state.set(c.key, c.value) : state.delete(c.key);
        }
      })();
      let n = 0;
      for (const member of cluster.members) {
        for (let i = 0; i < 5; i++) await put(`/failover/seq`, String(++n));
        await member.kill();
        for (let i = 0; i < 5; i++) await put(`/failover/seq`, String(++n));
        await put(`/failover/${member.name}`, 'killed');
        await member.restart();
        await cluster.waitHealthy();
      }
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && !(state.get('/failover/seq') === String(n) && cluster.members.every((m) => state.get(`/failover/${m.name}`) === 'killed'))) {
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(state.get('/failover/seq'), String(n), `converged to the final state; events: ${consumed}; log: ${log.lines.join(' | ')}`);
      for (const m of cluster.members) assert.equal(state.get(`/failover/${m.name}`), 'killed');
      // Some kill hit the member the watch stream was on (the test would prove nothing otherwise).
      assert.ok(log.lines.some((l) => /watch stream .* broke/.test(l)), `a watch stream broke: ${log.lines.join(' | ')}`);
      // No compaction happened, so every single value must have been delivered, in order.
      const seqValues = seen.flatMap((e) => (e.kind === 'changes' ? e.changes : [])).filter((c) => c.key === '/failover/seq' && c.type === 'put').map((c) => (c as { value: string }).value);
      assert.deepEqual(seqValues, Array.from({ length: n }, (_, i) => String(i + 1)));
      ac.abort();
      await consumer;
    } finally {
      ac.abort();
      await b.close();
    }
  });

  it('a compaction past the watch revision yields a reset with the current data', async () => {
    const log = memoryLog();
    const b = createEtcdV3Backend(backendOptions({ nodes: cluster.endpoints, log }));
    const ac = new AbortController();
    try {
      await put('/compact/a', '1');
      await put('/compact/b', '1');
      const snap = await b.read(['/compact']);
      await put('/compact/a', '2');
      await retrying(() => writer.delete().key('/compact/b').exec());
      const res = await retrying(() => writer.put('/compact/c').value('3').exec());
      await retrying(() => writer.kv.compact({ revision: res.header.revision, physical: true }));
      const iter = b.watch!(['/compact'], snap.revision, ac.signal)[Symbol.asyncIterator]();
      const { state, events } = await watchUntil(iter, snap.values, (s) => s.get('/compact/c') === '3');
      assert.equal(events[0]?.kind, 'reset', 'first event is a reset');
      assert.deepEqual(sortedEntries(state), [['/compact/a', '2'], ['/compact/c', '3']]);
      assert.ok(log.lines.some((l) => /compact|canceled/i.test(l)), log.lines.join('\n'));
      // And the watch continues after the reset.
      await put('/compact/d', '4');
      const more = await watchUntil(iter, state, (s) => s.get('/compact/d') === '4');
      assert.equal(more.state.get('/compact/d'), '4');
      ac.abort();
      await iter.return?.();
    } finally {
      ac.abort();
      await b.close();
    }
  });

  it('a whole-cluster restart is picked up again by a running watch', async () => {
    const log = memoryLog();
    const b = createEtcdV3Backend(backendOptions({ nodes: cluster.endpoints, requestTimeoutMs: 2000, log }));
    const ac = new AbortController();
    try {
      await put('/restart/k', 'before');
      const snap = await b.read(['/restart']);
      const iter = b.watch!(['/restart'], snap.revision, ac.signal)[Symbol.asyncIterator]();
      await put('/restart/k', 'still up');
      let { state } = await watchUntil(iter, snap.values, (s) => s.get('/restart/k') === 'still up');
      await Promise.all(cluster.members.map((m) => m.kill()));
      // While everything is down, reads fail with a clear error naming the endpoints.
      await assert.rejects(b.read(['/restart']), (err: Error) => err.name === 'BackendError' && err.message.includes(cluster.endpoints[0]!));
      await Promise.all(cluster.members.map((m) => m.restart()));
      await cluster.waitHealthy();
      await put('/restart/k', 'after restart');
      ({ state } = await watchUntil(iter, state, (s) => s.get('/restart/k') === 'after restart', 20_000));
      assert.equal(state.get('/restart/k'), 'after restart');
      ac.abort();
      await iter.return?.();
    } finally {
      ac.abort();
      await b.close();
    }
  });

  it('etcdv2: a whole-cluster restart is picked up again by a running watch, with what was written meanwhile', async () => {
    const log = memoryLog();
    const b = createEtcdV2Backend(backendOptions({ nodes: cluster.endpoints, requestTimeoutMs: 2000, log }));
    const ac = new AbortController();
    const v2put = (k: string, v: string): Promise<unknown> => retrying(() => v2Put(cluster.endpoints[1]!, k, v));
    try {
      await v2put('/v2restart/k', 'before');
      const snap = await b.read(['/v2restart']);
      const iter = b.watch!(['/v2restart'], snap.revision, ac.signal)[Symbol.asyncIterator]();
      await v2put('/v2restart/k', 'still up');
      let { state } = await watchUntil(iter, snap.values, (s) => s.get('/v2restart/k') === 'still up');
      // The next wait is outstanding while every member dies.
      const pending = watchUntil(iter, state, (s) => s.get('/v2restart/k') === 'after restart' && s.get('/v2restart/new') === 'n', 30_000);
      pending.catch(() => {}); // awaited below; no unhandled rejection meanwhile
      await Promise.all(cluster.members.map((m) => m.kill()));
      await assert.rejects(b.read(['/v2restart']), (err: Error) => err.name === 'BackendError' && err.message.includes(cluster.endpoints[0]!));
      await Promise.all(cluster.members.map((m) => m.restart()));
      await cluster.waitHealthy();
      // Written at once, while the watch may still be backing off: delivered from etcd's event history.
      await v2put('/v2restart/k', 'after restart');
      await v2put('/v2restart/new', 'n');
      ({ state } = await pending);
      assert.deepEqual(sortedEntries(state), [['/v2restart/k', 'after restart'], ['/v2restart/new', 'n']]);
      ac.abort();
      await iter.return?.();
    } finally {
      ac.abort();
      await b.close();
    }
  });

  it('etcdv2: reads and watches through each member, and killing the member the watch uses loses no update', async () => {
    // v2 writes go through the leader; any member answers.
    const v2put = (k: string, v: string): Promise<unknown> =>
      retrying(async () => {
        let last: unknown;
        for (const m of cluster.members.filter((x) => x.running)) {
          try {
            return await v2Put(m.clientUrl, k, v);
          } catch (err) {
            last = err;
          }
        }
        throw last;
      });
    for (const [i, endpoint] of cluster.endpoints.entries()) {
      const b = createEtcdV2Backend(backendOptions({ nodes: [endpoint] }));
      await v2put(`/v2each/${i}`, `m${i}`);
      assert.equal((await b.read(['/v2each'])).values.get(`/v2each/${i}`), `m${i}`);
      await b.close();
    }
    const log = memoryLog();
    // The v2 backend starts on the first node: kill exactly that one.
    const b = createEtcdV2Backend(backendOptions({ nodes: cluster.endpoints, requestTimeoutMs: 2000, log }));
    const ac = new AbortController();
    try {
      const snap = await b.read(['/v2failover']);
      const iter = b.watch!(['/v2failover'], snap.revision, ac.signal)[Symbol.asyncIterator]();
      await v2put('/v2failover/seq', '0');
      let { state, events } = await watchUntil(iter, snap.values, (s) => s.get('/v2failover/seq') === '0');
      await cluster.members[0]!.kill();
      for (let i = 1; i <= 10; i++) await v2put('/v2failover/seq', String(i));
      const more = await watchUntil(iter, state, (s) => s.get('/v2failover/seq') === '10', 10_000);
      events = [...events, ...more.events];
      state = more.state;
      const seqValues = events.flatMap((e) => (e.kind === 'changes' ? e.changes : [])).map((c) => (c as { value: string }).value);
      assert.deepEqual(seqValues, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], 'every value, in order');
      assert.ok(log.lines.some((l) => l.includes(cluster.endpoints[0]!)), `the broken member was noticed: ${log.lines.join(' | ')}`);
      ac.abort();
      await iter.return?.();
    } finally {
      ac.abort();
      await b.close();
      await cluster.members[0]!.restart();
      await cluster.waitHealthy();
    }
  });

  for (const backend of ['etcdv3', 'etcdv2'] as const) {
    it(`bin/confd -watch -backend ${backend} with all three -node: the rendered file converges while members die`, { skip: !haveCli && 'confd-ts not built (npm run build)' }, async (t) => {
      const root = `/daemon${backend}`;
      const write = async (k: string, v: string): Promise<void> => {
        if (backend === 'etcdv3') await put(k, v);
        else
          await retrying(async () => {
            let last: unknown;
            for (const m of cluster.members.filter((x) => x.running)) {
              try {
                return void (await v2Put(m.clientUrl, k, v));
              } catch (err) {
                last = err;
              }
            }
            throw last;
          });
      };
      await write(`${root}/seq`, '0');
      const dir = mkdtempSync(join(tmpdir(), 'confd-ts-cluster-daemon-'));
      t.after(() => rmSync(dir, { recursive: true, force: true }));
      const dest = join(dir, 'out.conf');
      mkdirSync(join(dir, 'conf.d'));
      mkdirSync(join(dir, 'templates'));
      writeFileSync(join(dir, 'templates', 'out.tmpl'), `{{range gets "${root}/*"}}{{.Key}}={{.Value}}\n{{end}}`);
      writeFileSync(join(dir, 'conf.d', 'out.toml'), `[template]\nsrc = "out.tmpl"\ndest = "${dest}"\nkeys = ["${root}"]\n`);
      const nodes = cluster.endpoints.flatMap((e) => ['-node', e]);
      const confd = startProcess({ name: `confd -watch ${backend}`, command: process.execPath, args: [confdBin, '-watch', '-backend', backend, ...nodes, '-confdir', dir, '-log-level', 'info'] });
      t.after(async () => void (await confd.kill()));
      const rendered = (): string => (existsSync(dest) ? readFileSync(dest, 'utf8') : '');
      const waitRendered = async (want: string, ms: number): Promise<void> => {
        const deadline = Date.now() + ms;
        while (rendered() !== want) {
          if (Date.now() > deadline || confd.hasExited()) assert.fail(`rendered ${JSON.stringify(rendered())}, want ${JSON.stringify(want)}; confd output:\n${confd.output()}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await waitRendered(`${root}/seq=0\n`, 10_000);
      let n = 0;
      for (const member of cluster.members) {
        await member.kill();
        for (let i = 0; i < 3; i++) await write(`${root}/seq`, String(++n));
        await write(`${root}/${member.name}`, 'down');
        // Within a few seconds of the last write, the file shows the final state.
        const want = [`${root}/seq=${n}\n`, ...cluster.members.slice(0, cluster.members.indexOf(member) + 1).map((m) => `${root}/${m.name}=down\n`)].sort().join(''); // gets: sorted by key
        await waitRendered(want, 8_000);
        await member.restart();
        await cluster.waitHealthy();
      }
    });
  }
});
