// confd-register end to end: a real three-member etcd cluster, the real haproxy, `confd -watch` with the shipped
// examples/haproxy, and agents run as the command users run (bin/confd-register), with short TTLs.
// - kill -9 of an agent: its keys go within TTL + 1 s and haproxy stops routing to it; a restarted agent takes
//   its keys over without duplicates;
// - SIGTERM under a steady request stream: the drain marker makes haproxy send no new request to the server
//   before its keys go, and no request fails;
// - a health endpoint answering 500: withdrawn after `fall` checks, back after `rise`;
// - the etcd member the agent talks to killed: the lease survives, nothing flaps; the whole cluster down longer
//   than the TTL: registered again within a check interval; a lease revoked: registered again;
// - `-- CMD`: registered while CMD runs, withdrawn before CMD gets the signal, withdrawn when CMD exits;
// - etcd v2: TTL directories refreshed without watch events, gone within TTL + 1 s after kill -9 (confd's etcdv2
//   backend sees the expiry as its first event).

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Etcd3 } from 'etcd3';
import { createEtcdV2Backend } from '../src/backends/etcdv2/index.js';
import { startEtcdCluster, type EtcdCluster } from '../tools/devservers/etcd.js';
import { startHaproxy, type HaproxyServer } from '../tools/devservers/haproxy.js';
import { startHttpBackend, type HttpBackend } from '../tools/devservers/httpbackends.js';
import { freePort, makeTempDir, removeTempDir, type StartedProcess } from '../tools/devservers/process.js';
import { prepareExampleConfdir, runConfdOnce, startConfdWatch, startRegisterAgent } from '../tools/demo/setup.js';
import { watchUntil } from './support/backend-suite.js';
import { answeringBackends, locate, pollUntil, skipUnless, startRequestStream } from './support/haproxy.js';
import { backendOptions } from './support/servers.js';

const TTL_S = 2;
const CHECK_MS = 400;

describe('confd-register with etcd, confd -watch and haproxy', { skip: skipUnless('haproxy', 'etcd', 'etcdctl'), timeout: 240_000 }, () => {
  let dir: string;
  let cluster: EtcdCluster;
  let kv: Etcd3;
  let hap: HaproxyServer;
  let confd: StartedProcess;
  let webPort: number;
  let dest: string;
  const agents: StartedProcess[] = [];
  const backends: HttpBackend[] = [];

  const backend = async (name: string): Promise<HttpBackend> => {
    const b = await startHttpBackend(name);
    backends.push(b);
    return b;
  };
  const agent = (name: string, args: readonly string[], nodes: readonly string[] = cluster.endpoints): StartedProcess => {
    const p = startRegisterAgent(name, [...nodes.flatMap((n) => ['-node', n]), '-ttl', `${TTL_S}s`, '-check-interval', `${CHECK_MS}ms`, ...args]);
    agents.push(p);
    return p;
  };
  const serviceArgs = (host: string, b: HttpBackend, extra: readonly string[] = []): string[] => ['-domain', 'a.b.com', '-host', host, '-ip', '127.0.0.1', '-port', String(b.port), ...extra];
  const get = async (key: string): Promise<string | null> => {
    for (let i = 0; ; i++) {
      try {
        return await kv.get(key).string();
      } catch (err) {
        if (i > 100) throw err;
        await sleep(100); // a member down, an election
      }
    }
  };
  const leaseOf = async (key: string): Promise<string | undefined> => (await kv.getAll().prefix(key).exec()).kvs[0]?.lease;
  const routes = async (name: string): Promise<boolean> => (await answeringBackends(webPort, 'a.b.com', 6)).includes(name);
  const waitRouted = (name: string, what: string, want = true): Promise<true> =>
    pollUntil(what, 15_000, async () => ((await routes(name)) === want ? true : undefined));
  const waitKey = (key: string, want: 'present' | 'absent', timeoutMs: number, what: string): Promise<number> => {
    const t0 = performance.now();
    return pollUntil(what, timeoutMs, async () => (((await get(key)) !== null) === (want === 'present') ? performance.now() - t0 : undefined));
  };
  const output = (): string => agents.map((a) => `--- ${a.name}:\n${a.output()}`).join('\n') + `\n--- confd:\n${confd.output()}`;

  before(async () => {
    dir = makeTempDir('confd-ts-register-');
    cluster = await startEtcdCluster({ members: 3, enableV2: true });
    kv = new Etcd3({ hosts: cluster.endpoints, defaultCallOptions: (c) => (c.isStream ? {} : { deadline: Date.now() + 2000 }) });
    webPort = await freePort();
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(HAPROXY_|CONFD_)/.test(k)) env[k] = v;
    Object.assign(env, { HAPROXY_BIND: `127.0.0.1:${webPort}`, HAPROXY_STATS_BIND: `127.0.0.1:${await freePort()}`, HAPROXY_LOG: 'stderr' });
    const cd = prepareExampleConfdir({ example: 'haproxy', dir, checkCmd: `${locate('haproxy') ?? 'haproxy'} -c -f {{.src}}`, reloadCmd: null });
    // The example's Runtime API socket and domain map, inside the test's directory.
    Object.assign(env, { HAPROXY_STATS_SOCKET: join(dir, 'admin.sock'), HAPROXY_DOMAIN_MAP: cd.mapDest ?? '' });
    const args = ['-backend', 'etcdv3', ...cluster.endpoints.flatMap((e) => ['-node', e]), '-confdir', cd.confdir, '-state-dir', cd.stateDir, '-log-level', 'info'];
    dest = cd.dest;
    const first = await runConfdOnce(args, env);
    assert.equal(first.code, 0, first.output);
    hap = await startHaproxy({ configPath: cd.dest });
    cd.setCommands({ reloadCmd: hap.reloadCommand });
    confd = startConfdWatch(args, { env });
    await sleep(300);
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.kill('SIGKILL')));
    await confd?.kill();
    await hap?.stop();
    kv?.close();
    await cluster?.stop();
    await Promise.all(backends.map((b) => b.stop()));
    if (dir) removeTempDir(dir);
  });

  test('kill -9 of an agent: its keys are gone within TTL + 1 s and haproxy stops routing to the server', async () => {
    const b = await backend('k9');
    const a = agent('k9', serviceArgs('k9', b));
    await waitRouted('k9', 'k9 to be routed');
    assert.equal(await get('/nginx/a.b.com/k9/port'), String(b.port));
    // Keep-alives renew the lease without writing: etcd's revision does not move, no watcher is woken.
    const revision = async (): Promise<string> => (await kv.get('/nginx/a.b.com/k9/ip').exec()).header.revision;
    const before = await revision();
    await sleep(TTL_S * 1000 + 500);
    assert.equal(await revision(), before, 'no write while the agent keeps its registration alive');
    await a.kill('SIGKILL');
    const goneMs = await waitKey('/nginx/a.b.com/k9/ip', 'absent', 10_000, 'the keys of a killed agent to expire');
    assert.equal(await get('/nginx/a.b.com/k9/port'), null, 'every key of the registration went at once');
    assert.ok(goneMs <= (TTL_S + 1) * 1000, `keys gone ${goneMs.toFixed(0)} ms after kill -9 (TTL ${TTL_S}s)`);
    await waitRouted('k9', 'haproxy to stop routing to k9', false);
    process.stderr.write(`kill -9: keys gone after ${goneMs.toFixed(0)} ms (TTL ${TTL_S} s)\n`);
  });

  test('a restart never leaves duplicates: the new agent takes the keys over, the old lease expires with nothing', async () => {
    const b = await backend('rs');
    const first = agent('rs', serviceArgs('rs', b));
    await waitKey('/nginx/a.b.com/rs/ip', 'present', 15_000, 'rs to register');
    const oldLease = await leaseOf('/nginx/a.b.com/rs/ip');
    await kv.put('/nginx/a.b.com/rs/drain').value('1'); // as if it died while draining
    await first.kill('SIGKILL');
    agent('rs', serviceArgs('rs', b));
    await pollUntil('the new agent to take the keys over', 15_000, async () => {
      const l = await leaseOf('/nginx/a.b.com/rs/ip');
      return l !== undefined && l !== oldLease ? true : undefined;
    });
    await sleep((TTL_S + 1) * 1000); // the old lease has expired
    const keys = (await kv.getAll().prefix('/nginx/a.b.com/rs/').keys()).sort();
    assert.deepEqual(keys, ['/nginx/a.b.com/rs/ip', '/nginx/a.b.com/rs/port'], 'one registration, no stale drain marker');
    assert.ok((await answeringBackends(webPort, 'a.b.com', 8)).includes('rs'));
  });

  test('SIGTERM under a steady request stream: drained before withdrawn, no request fails', async () => {
    const b1 = await backend('t1');
    const b2 = await backend('t2');
    // The grace must outlast confd's render plus haproxy's reload, slow on a loaded test machine.
    const a1 = agent('t1', serviceArgs('t1', b1, ['-drain-grace', '3s']));
    agent('t2', serviceArgs('t2', b2, ['-drain-grace', '3s']));
    await waitRouted('t1', 't1 to be routed');
    await waitRouted('t2', 't2 to be routed');
    const stream = startRequestStream({ port: webPort, host: 'a.b.com', workers: 4, pauseMs: 5 });
    try {
      await sleep(500);
      const before = b1.requests;
      assert.ok(before > 0, 't1 took part in the stream');
      void a1.kill('SIGTERM', 10_000);
      await waitKey('/nginx/a.b.com/t1/drain', 'present', 5_000, 'the drain marker');
      // The shipped template turns the marker into weight 0: haproxy's new worker sends the server no new request.
      await pollUntil('t1 at weight 0 in haproxy.cfg', 5_000, async () => (readFileSync(dest, 'utf8').includes(`server t1 127.0.0.1:${b1.port} check weight 0\n`) ? true : undefined));
      await waitKey('/nginx/a.b.com/t1/ip', 'absent', 10_000, 't1 to be withdrawn');
      const withdrawnAt = performance.now();
      const exit = await a1.exited;
      assert.equal(exit.code, 0, `the agent exits 0 after draining\n${a1.output()}`);
      assert.ok(b1.lastRequestAt !== undefined && b1.lastRequestAt < withdrawnAt, `t1's last request came ${(withdrawnAt - (b1.lastRequestAt ?? 0)).toFixed(0)} ms before its keys went\n${output()}`);
      assert.ok(b1.requests > before, 'requests reached t1 between SIGTERM and the drain taking effect (the test saw the switch)');
      const log = a1.output();
      assert.ok(log.indexOf('draining a.b.com/t1') < log.indexOf('withdrew a.b.com/t1'), log);
      await sleep(300);
    } finally {
      await stream.stop();
    }
    assert.deepEqual(stream.failures, [], `failed requests:\n${stream.failures.slice(0, 5).join('\n')}\n${output()}`);
    assert.ok(stream.ok > 100, `${stream.ok} requests answered`);
  });

  test('a health endpoint answering 500 withdraws after `fall` checks; 200 again re-registers after `rise`', async () => {
    const b = await backend('hc');
    agent('hc', serviceArgs('hc', b, ['-check-http', `http://127.0.0.1:${b.port}/health`, '-fall', '3', '-rise', '2']));
    await waitKey('/nginx/a.b.com/hc/ip', 'present', 15_000, 'hc to register once healthy');
    await waitRouted('hc', 'hc to be routed');
    b.setHealth(500);
    const atFail = b.healthChecks;
    await waitKey('/nginx/a.b.com/hc/ip', 'absent', 10_000, 'hc to be withdrawn');
    const failedChecks = b.healthChecks - atFail;
    assert.ok(failedChecks >= 3 && failedChecks <= 4, `withdrawn after ${failedChecks} failing checks (fall 3)`);
    await waitRouted('hc', 'haproxy to stop routing to hc', false);
    b.setHealth(200);
    const atPass = b.healthChecks;
    await waitKey('/nginx/a.b.com/hc/ip', 'present', 10_000, 'hc to come back');
    const passedChecks = b.healthChecks - atPass;
    assert.ok(passedChecks >= 2 && passedChecks <= 3, `back after ${passedChecks} passing checks (rise 2)`);
    await waitRouted('hc', 'hc to be routed again');
  });

  test('the etcd member the agent talks to dies: the lease survives failover, nothing flaps', async () => {
    const b = await backend('fo');
    // The agent knows all three members; killing each in turn certainly kills the one its keep-alive uses.
    agent('fo', serviceArgs('fo', b));
    await waitKey('/nginx/a.b.com/fo/ip', 'present', 15_000, 'fo to register');
    const lease = await leaseOf('/nginx/a.b.com/fo/ip');
    const deletes: string[] = [];
    const watcher = await kv.watch().prefix('/nginx/a.b.com/fo/').create();
    watcher.on('delete', (kvp) => deletes.push(kvp.key.toString()));
    try {
      for (const m of cluster.members) {
        await m.kill();
        await sleep(TTL_S * 1000 + 500); // longer than the TTL on the survivors
        await m.restart();
        await cluster.waitHealthy();
      }
      assert.equal(await get('/nginx/a.b.com/fo/ip'), '127.0.0.1');
      assert.equal(await leaseOf('/nginx/a.b.com/fo/ip'), lease, `the same lease throughout\n${agents.at(-1)!.output()}`);
      assert.deepEqual(deletes, [], 'the registration never disappeared');
    } finally {
      await watcher.cancel();
    }
    assert.doesNotMatch(agents.at(-1)!.output(), /lost|registering again/, 'the agent never lost its lease');
  });

  test('the whole cluster down longer than the TTL, and a revoked lease: the agent registers again on its own', async () => {
    const b = await backend('rr');
    const a = agent('rr', serviceArgs('rr', b));
    await waitKey('/nginx/a.b.com/rr/ip', 'present', 15_000, 'rr to register');
    await Promise.all(cluster.members.map((m) => m.kill()));
    await sleep(TTL_S * 1000 * 2 + 500); // past the TTL, and past the agent giving the lease up
    await Promise.all(cluster.members.map((m) => m.restart()));
    await cluster.waitHealthy();
    const backMs = await waitKey('/nginx/a.b.com/rr/ip', 'present', 10_000, 'rr to be registered after the outage');
    // Registered under a lease that is kept alive: still there after several TTLs.
    await sleep(TTL_S * 1000 * 2);
    assert.equal(await get('/nginx/a.b.com/rr/ip'), '127.0.0.1', a.output());
    await waitRouted('rr', 'rr to be routed after the outage');
    // An operator (or etcd after a longer outage) removes the lease: keys go, the agent notices and registers again.
    const lease = await leaseOf('/nginx/a.b.com/rr/ip');
    assert.ok(lease !== undefined && lease !== '0');
    await cluster.ctl(['lease', 'revoke', BigInt(lease).toString(16)]);
    assert.equal(await get('/nginx/a.b.com/rr/ip'), null, 'revoking the lease removed the keys');
    const reMs = await waitKey('/nginx/a.b.com/rr/ip', 'present', 10_000, 'rr to register again after its lease was revoked');
    assert.notEqual(await leaseOf('/nginx/a.b.com/rr/ip'), lease, 'under a new lease');
    assert.match(a.output(), /lost.*registering again/);
    process.stderr.write(`outage: registered ${backMs.toFixed(0)} ms after the cluster was healthy; revoked lease: again after ${reMs.toFixed(0)} ms\n`);
  });

  test('-- CMD: registered while CMD runs, withdrawn before CMD is signalled, and when CMD exits on its own', async () => {
    const port = await freePort();
    const marker = join(dir, 'cmd-signalled');
    // CMD: an HTTP server that, when it gets SIGTERM, records whether its keys were still in etcd.
    const script = join(dir, 'svc.mjs');
    writeFileSync(
      script,
      `import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
const s = createServer((q, r) => r.end('cmd\\n')).listen(${port}, '127.0.0.1');
process.on('SIGTERM', async () => {
  const r = await fetch(${JSON.stringify(`${cluster.endpoints[0]}/v3/kv/range`)}, { method: 'POST', body: JSON.stringify({ key: Buffer.from('/nginx/a.b.com/cmd/ip').toString('base64') }) });
  const body = await r.json();
  writeFileSync(${JSON.stringify(marker)}, body.kvs ? 'registered' : 'withdrawn');
  s.close();
  process.exit(0);
});
`,
    );
    const a = agent('cmd', ['-domain', 'a.b.com', '-host', 'cmd', '-ip', '127.0.0.1', '-port', String(port), '-check-tcp', `127.0.0.1:${port}`, '-drain-grace', '500ms', '--', process.execPath, script]);
    await waitKey('/nginx/a.b.com/cmd/ip', 'present', 15_000, 'cmd to register once it listens').catch((e: Error) => assert.fail(`${e.message}\n${a.output()}`));
    await waitRouted('cmd', 'cmd to be routed');
    const exit = await a.kill('SIGTERM', 10_000);
    assert.equal(exit.code, 0, a.output());
    assert.equal(readFileSync(marker, 'utf8'), 'withdrawn', 'CMD got SIGTERM only after the withdrawal');

    // CMD dying by itself: withdrawn at once, the agent exits with CMD's status.
    const quit = join(dir, 'cmd2-quit');
    const b = agent('cmd2', ['-domain', 'a.b.com', '-host', 'cmd2', '-ip', '127.0.0.1', '-port', '9', '--', process.execPath, '-e', `setInterval(() => require('node:fs').existsSync(${JSON.stringify(quit)}) && process.exit(3), 50)`]);
    await waitKey('/nginx/a.b.com/cmd2/ip', 'present', 15_000, 'cmd2 to register');
    writeFileSync(quit, '');
    const exit2 = await b.exited;
    assert.equal(exit2.code, 3, b.output());
    assert.equal(await get('/nginx/a.b.com/cmd2/ip'), null, 'withdrawn when CMD exited');
  });

  test('etcd v2: a TTL directory refreshed without watch events, gone within TTL + 1 s after kill -9', async () => {
    const endpoint = cluster.endpoints[1]!;
    const v2 = async (path: string): Promise<{ status: number; body: Record<string, unknown>; index: number }> => {
      const r = await fetch(`${endpoint}/v2/keys${path}`);
      return { status: r.status, body: (await r.json()) as Record<string, unknown>, index: Number(r.headers.get('x-etcd-index')) };
    };
    const a = agent('v2', ['-backend', 'etcdv2', '-domain', 'a.b.com', '-host', 'v2', '-ip', '127.0.0.1', '-port', '8080']);
    const registered = await pollUntil('the v2 registration', 15_000, async () => {
      const r = await v2('/nginx/a.b.com/v2?recursive=true');
      return r.status === 200 && (r.body['node'] as { nodes?: unknown[] }).nodes?.length === 2 ? r : undefined;
    });
    const node = registered.body['node'] as { dir: boolean; ttl: number; nodes: { key: string; value: string }[] };
    assert.equal(node.dir, true);
    assert.ok(node.ttl > 0 && node.ttl <= TTL_S, `the directory has a TTL: ${node.ttl}`);
    assert.deepEqual(node.nodes.map((n) => [n.key, n.value]).sort(), [['/nginx/a.b.com/v2/ip', '127.0.0.1'], ['/nginx/a.b.com/v2/port', '8080']]);
    // confd's own etcdv2 backend follows the registry from here.
    const reader = createEtcdV2Backend(backendOptions({ nodes: [endpoint], requestTimeoutMs: 2000 }));
    const snap = await reader.read(['/nginx/a.b.com']);
    assert.equal(snap.values.get('/nginx/a.b.com/v2/port'), '8080');
    const ac = new AbortController();
    const iter = reader.watch!(['/nginx/a.b.com'], snap.revision, ac.signal)[Symbol.asyncIterator]();
    // Refreshes over 2 TTLs: the directory stays, and a watcher is woken by none of them.
    const waiter = fetch(`${endpoint}/v2/keys/nginx?wait=true&recursive=true&waitIndex=${registered.index + 1}`, { signal: AbortSignal.timeout(TTL_S * 2000) })
      .then(async (r) => `event: ${await r.text()}`)
      .catch(() => 'no event');
    await sleep(TTL_S * 2000 + 200);
    assert.equal((await v2('/nginx/a.b.com/v2/ip')).status, 200, 'still registered after two TTLs');
    assert.equal(await waiter, 'no event');
    await a.kill('SIGKILL');
    const t0 = performance.now();
    await pollUntil('the v2 directory to expire', 10_000, async () => ((await v2('/nginx/a.b.com/v2')).status === 404 ? true : undefined));
    const goneMs = performance.now() - t0;
    assert.ok(goneMs <= (TTL_S + 1) * 1000, `v2 registration gone ${goneMs.toFixed(0)} ms after kill -9`);
    try {
      const { events } = await watchUntil(iter, snap.values, (st) => !st.has('/nginx/a.b.com/v2/ip') && !st.has('/nginx/a.b.com/v2/port'), 10_000);
      assert.equal(events[0]?.kind, 'reset', 'the first event confd sees is the expiry (a reset), not a refresh');
    } finally {
      ac.abort();
      await iter.return?.();
      await reader.close();
    }
  });
});
