// `npm run demo`: the seed's scenario on this machine, loopback only.
//
// With etcd and haproxy installed: a three-member etcd cluster, three small HTTP servers standing in for the
// seed's nginx containers, haproxy in master-worker mode, the registrations of the seed's section 4.3 written
// with etcdctl, and `confd -watch` rendering examples/haproxy into haproxy's config and applying it. It then
// shows requests for Host a.b.com going round robin, a server added and one removed taking effect through
// haproxy's Runtime API without a reload, a new domain taking one reload; then (step 9) the backends of c.b.com
// register themselves with confd-register: one agent killed with kill -9 vanishes from haproxy when its lease
// expires, one stopped with SIGTERM drains (weight 0) before it is withdrawn. It stops everything it started
// (also on Ctrl-C). Without them: how to install them, and the seed's keys rendered with
// the file backend.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { startEtcdCluster, type EtcdCluster } from '../devservers/etcd.js';
import { findHaproxy, startHaproxy, type HaproxyServer } from '../devservers/haproxy.js';
import { httpGet, startHttpBackend, type HttpBackend } from '../devservers/httpbackends.js';
import { findBinary, freePort, makeTempDir, removeTempDir, ServerBinaryMissingError, type StartedProcess } from '../devservers/process.js';
import { EXAMPLES_DIR, prepareExampleConfdir, runConfdOnce, startConfdWatch, startRegisterAgent } from './setup.js';

const INSTALL = 'sudo apt-get install -y etcd-server etcd-client haproxy';
/** The whole demo must finish in about a minute (the agents of step 8 wait out a lease and a drain); past this it gives up, cleans up and fails. */
const DEMO_TIMEOUT_MS = 65_000;

const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const dim = (line: string): void => say(`  ${line}`);

/** Everything started, stopped in reverse order. */
const cleanups: Array<() => Promise<void>> = [];
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const stop of cleanups.reverse()) {
      try {
        await stop();
      } catch {
        // keep stopping the rest
      }
    }
  })();
  return cleaning;
}

/** Which of etcd, etcdctl, haproxy are missing. */
function missingServers(): string[] {
  const missing: string[] = [];
  for (const bin of ['etcd', 'etcdctl']) {
    try {
      findBinary(bin);
    } catch (err) {
      if (!(err instanceof ServerBinaryMissingError)) throw err;
      missing.push(bin);
    }
  }
  try {
    findHaproxy();
  } catch (err) {
    if (!(err instanceof ServerBinaryMissingError)) throw err;
    missing.push('haproxy');
  }
  return missing;
}

/** Without etcd/haproxy: the seed's keys (examples/haproxy/seed-keys.yaml) through the file backend. */
async function renderSeedWithFileBackend(): Promise<void> {
  const dir = makeTempDir('confd-ts-demo-');
  cleanups.push(async () => removeTempDir(dir));
  const cd = prepareExampleConfdir({ example: 'haproxy', dir, checkCmd: null, reloadCmd: null });
  const keys = join(EXAMPLES_DIR, 'haproxy', 'seed-keys.yaml');
  say('Meanwhile, the seed\'s keys (section 3.4) rendered with examples/haproxy and the file backend:');
  say(`$ confd -onetime -backend file -file examples/haproxy/seed-keys.yaml -confdir ${cd.confdir}`);
  say(`  (${cd.confdir}: a copy of examples/haproxy writing to ${cd.dest})`);
  const run = await runConfdOnce(['-backend', 'file', '-file', keys, '-confdir', cd.confdir, '-state-dir', join(dir, 'state'), '-log-level', 'error'], demoEnv({ HAPROXY_DOMAIN_MAP: cd.mapDest ?? '' }));
  if (run.code !== 0) throw new Error(`confd -onetime failed:\n${run.output}`);
  say(`$ cat ${cd.dest}`);
  process.stdout.write(readFileSync(cd.dest, 'utf8'));
  if (cd.mapDest !== undefined) {
    say(`$ cat ${cd.mapDest}`);
    process.stdout.write(readFileSync(cd.mapDest, 'utf8'));
  }
}

/** Our environment without HAPROXY_* settings from the caller's shell, plus the demo's. */
function demoEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HAPROXY_')) env[k] = v;
  return { ...env, ...extra };
}

async function curl(port: number, host: string): Promise<string> {
  const r = await httpGet({ port, host });
  const answer = r.status === 200 ? r.body.trim() : `HTTP ${r.status}`;
  dim(`$ curl -H "Host: ${host}" http://127.0.0.1:${port}/   -> ${answer}`);
  return answer;
}

/** Polls until `check` holds; returns the milliseconds it took. */
async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

async function answers(port: number, host: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await httpGet({ port, host });
    out.push(r.status === 200 ? r.body.trim() : `HTTP ${r.status}`);
  }
  return out;
}

async function fullDemo(): Promise<void> {
  const dir = makeTempDir('confd-ts-demo-');
  cleanups.push(async () => removeTempDir(dir));

  say('1. A three-member etcd cluster (static bootstrap as in the seed\'s section 1.3)');
  const cluster: EtcdCluster = await startEtcdCluster({ members: 3, enableV2: true });
  cleanups.push(() => cluster.stop());
  for (const m of cluster.members) dim(`${m.name}: client ${m.clientUrl}, peer ${m.peerUrl}`);

  say('2. Three HTTP servers standing in for the seed\'s nginx containers');
  const backends: HttpBackend[] = [];
  for (const name of ['nginx-1', 'nginx-2', 'nginx-3']) {
    const b = await startHttpBackend(name);
    cleanups.push(() => b.stop());
    backends.push(b);
    dim(`${name}: http://127.0.0.1:${b.port}/ answers "${name}"`);
  }
  const [n1, n2, n3] = backends as [HttpBackend, HttpBackend, HttpBackend];

  say('3. The registrations of the seed\'s section 4.3 (made with the etcd3 client; etcdctl v3 equivalents shown)');
  const kv = new Etcd3({ hosts: cluster.endpoints });
  cleanups.push(async () => kv.close());
  const put = async (key: string, value: string): Promise<void> => {
    dim(`$ etcdctl put ${key} ${value}`);
    await kv.put(key).value(value);
  };
  const delPrefix = async (prefix: string): Promise<void> => {
    dim(`$ etcdctl del --prefix ${prefix}`);
    await kv.delete().prefix(prefix);
  };
  const register = async (domain: string, host: string, b: HttpBackend): Promise<void> => {
    await put(`/nginx/${domain}/${host}/ip`, b.host);
    await put(`/nginx/${domain}/${host}/port`, String(b.port));
  };
  await delPrefix('/nginx');
  await register('a.b.com', 'server1', n1);
  await register('a.b.com', 'server2', n2);
  await register('b.b.com', 'server1', n3);

  say('4. haproxy, configured by confd -watch from examples/haproxy (servers through the Runtime API, reloads for the rest)');
  const webPort = await freePort();
  const statsPort = await freePort();
  const env = demoEnv({
    HAPROXY_BIND: `127.0.0.1:${webPort}`,
    HAPROXY_STATS_BIND: `127.0.0.1:${statsPort}`,
    HAPROXY_STATS_SOCKET: join(dir, 'admin.sock'),
    HAPROXY_LOG: 'stderr',
  });
  const cd = prepareExampleConfdir({ example: 'haproxy', dir, checkCmd: `${findHaproxy()} -c -f {{.src}}`, reloadCmd: null });
  env['HAPROXY_DOMAIN_MAP'] = cd.mapDest ?? '';
  const nodes = cluster.endpoints.flatMap((e) => ['-node', e]);
  const args = ['-backend', 'etcdv3', ...nodes, '-confdir', cd.confdir, '-state-dir', join(dir, 'state')];
  // haproxy needs a config to start from: render once, start haproxy, then let the daemon reload it.
  const first = await runConfdOnce([...args, '-log-level', 'error'], env);
  if (first.code !== 0) throw new Error(`confd -onetime failed:\n${first.output}`);
  const hap: HaproxyServer = await startHaproxy({ configPath: cd.dest });
  cleanups.push(() => hap.stop());
  const runtimeSocket = env['HAPROXY_STATS_SOCKET']!;
  cd.setCommands({ haproxy: { runtime_socket: runtimeSocket, master_socket: hap.masterSocket } });
  dim(`haproxy -W -S ${hap.masterSocket} -f ${cd.dest}   (master pid ${hap.masterPid}, Runtime API ${runtimeSocket})`);
  dim(`${cd.resourcePath}: [template.haproxy] runtime_socket = "${runtimeSocket}", master_socket = "${hap.masterSocket}"`);
  dim(`traffic on http://127.0.0.1:${webPort}/, stats page on http://127.0.0.1:${statsPort}/`);
  dim(`$ HAPROXY_BIND=127.0.0.1:${webPort} HAPROXY_STATS_BIND=127.0.0.1:${statsPort} confd -watch -backend etcdv3 ${nodes.join(' ')} -confdir ${cd.confdir}`);
  const confd: StartedProcess = startConfdWatch([...args, '-log-level', 'info'], { env });
  cleanups.push(async () => void (await confd.kill()));
  await sleep(300);
  if (confd.hasExited()) throw new Error(`confd -watch exited:\n${confd.output()}`);

  say('5. Requests for a.b.com go round robin over its two servers; b.b.com has one');
  for (let i = 0; i < 4; i++) await curl(webPort, 'a.b.com');
  await curl(webPort, 'b.b.com');
  // The seed's stickiness: haproxy names the server in a cookie; a client sending it back stays there.
  const sticky = await httpGet({ port: webPort, host: 'a.b.com' });
  const cookie = String(sticky.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  dim(`haproxy answered ${sticky.body.trim()} with Set-Cookie: ${cookie}; sending it back sticks to that server:`);
  for (let i = 0; i < 3; i++) {
    const r = await httpGet({ port: webPort, host: 'a.b.com', headers: { cookie } });
    dim(`$ curl -H "Host: a.b.com" -H "Cookie: ${cookie}" http://127.0.0.1:${webPort}/   -> ${r.body.trim()}`);
  }

  const reloadsAtStart = (await hap.showProc()).reloads;
  const reloadsSince = async (): Promise<number> => (await hap.showProc()).reloads - reloadsAtStart;

  say('6. A third server for a.b.com registers: added through haproxy\'s Runtime API, no reload');
  await register('a.b.com', 'server3', n3);
  const addMs = await waitUntil('server3 to be routed', async () => (await answers(webPort, 'a.b.com', 3)).includes('nginx-3'));
  dim(`(routable ${addMs} ms after its registration; haproxy reloads so far: ${await reloadsSince()})`);
  for (let i = 0; i < 3; i++) await curl(webPort, 'a.b.com');

  say('7. server1 leaves: no new requests at once, deleted from haproxy when idle, no reload');
  await delPrefix('/nginx/a.b.com/server1/');
  const delMs = await waitUntil('server1 to be gone', async () => !(await answers(webPort, 'a.b.com', 4)).includes('nginx-1'));
  dim(`(gone ${delMs} ms after its removal; haproxy reloads so far: ${await reloadsSince()})`);
  for (let i = 0; i < 4; i++) await curl(webPort, 'a.b.com');

  say('8. A new domain, d.b.com: a new backend, which haproxy 2.6 cannot create at run time, so one reload');
  await register('d.b.com', 'server1', n1);
  const newMs = await waitUntil('d.b.com to be routed', async () => (await answers(webPort, 'd.b.com', 1)).includes('nginx-1'));
  await waitUntil('the reload to be counted', async () => (await reloadsSince()) >= 1, 5000).catch(() => 0);
  dim(`(routable ${newMs} ms after its registration; haproxy reloads so far: ${await reloadsSince()})`);
  await curl(webPort, 'd.b.com');

  await agentSection({ webPort, endpoints: cluster.endpoints, backends, dest: cd.dest, kv });

  const proc = await hap.showProc();
  say(`haproxy reloaded ${proc.reloads - reloadsAtStart} time(s) for these changes (${proc.failedReloads} failed). confd said:`);
  for (const line of confd.output().split('\n')) {
    if (/Runtime API|haproxy reloaded|haproxy reload:/.test(line)) dim(line.replace(/^\S+ \S+ /, ''));
  }
  say('The rendered config is:');
  const cfg = readFileSync(cd.dest, 'utf8');
  process.stdout.write(cfg.slice(cfg.indexOf('frontend webin')));
  if (confd.hasExited()) throw new Error(`confd -watch exited:\n${confd.output()}`);
}

/**
 * Step 9: the same backends registering themselves under c.b.com with confd-register (a lease of 2 s kept alive,
 * an HTTP health check), then one agent killed with kill -9 and one stopped with SIGTERM.
 */
async function agentSection(o: { webPort: number; endpoints: readonly string[]; backends: readonly HttpBackend[]; dest: string; kv: Etcd3 }): Promise<void> {
  say('9. confd-register: the backends of c.b.com register themselves (lease with a 2 s TTL, health-checked)');
  const agents: StartedProcess[] = [];
  cleanups.push(async () => void (await Promise.all(agents.map((a) => a.kill('SIGKILL')))));
  const nodes = o.endpoints.flatMap((e) => ['-node', e]);
  for (const [i, b] of o.backends.entries()) {
    const args = [...nodes, '-domain', 'c.b.com', '-host', `agent${i + 1}`, '-ip', b.host, '-port', String(b.port), '-ttl', '2s', '-check-http', `http://${b.host}:${b.port}/health`, '-check-interval', '500ms', '-drain-grace', '2s'];
    dim(`$ confd-register -node ... -domain c.b.com -host agent${i + 1} -ip ${b.host} -port ${b.port} -ttl 2s -check-http http://${b.host}:${b.port}/health -drain-grace 2s &`);
    agents.push(startRegisterAgent(`agent${i + 1}`, args));
  }
  const all = ['nginx-1', 'nginx-2', 'nginx-3'];
  const regMs = await waitUntil('the agents to be routed', async () => new Set(await answers(o.webPort, 'c.b.com', 6)).size === 3, 20_000);
  dim(`(all three routable ${regMs} ms after the agents started)`);
  for (let i = 0; i < 3; i++) await curl(o.webPort, 'c.b.com');

  say('   kill -9 of agent1 (nginx-1 keeps running, but nothing renews its lease any more)');
  const [a1, a2] = agents as [StartedProcess, StartedProcess];
  await a1.kill('SIGKILL');
  const goneMs = await waitUntil('agent1 to vanish', async () => !(await answers(o.webPort, 'c.b.com', 4)).includes(all[0]!), 20_000);
  dim(`(gone from haproxy ${goneMs} ms after kill -9: the lease expired and etcd deleted its keys)`);
  for (let i = 0; i < 3; i++) await curl(o.webPort, 'c.b.com');

  say('   SIGTERM to agent2: drain marker first (weight 0: no new requests, established ones finish), then withdrawal');
  const stopping = a2.kill('SIGTERM', 10_000);
  await waitUntil('the drain marker', async () => (await o.kv.get('/nginx/c.b.com/agent2/drain').string()) === '1');
  dim('$ etcdctl get /nginx/c.b.com/agent2/drain   -> 1');
  await waitUntil('weight 0 in haproxy.cfg', async () => readFileSync(o.dest, 'utf8').includes('server agent2 ') && /server agent2 .* weight 0/.test(readFileSync(o.dest, 'utf8')));
  dim(`haproxy.cfg: ${readFileSync(o.dest, 'utf8').split('\n').find((l) => l.includes('server agent2'))?.trim() ?? ''}`);
  await waitUntil('agent2 to get no new requests', async () => !(await answers(o.webPort, 'c.b.com', 4)).includes(all[1]!));
  for (let i = 0; i < 3; i++) await curl(o.webPort, 'c.b.com');
  const exit = await stopping;
  await waitUntil('agent2 to leave haproxy.cfg', async () => !readFileSync(o.dest, 'utf8').includes('server agent2 '));
  dim(`(agent2 withdrew its keys after the grace period and exited with status ${exit.code}; haproxy.cfg no longer names it)`);
}

async function main(): Promise<number> {
  // `npm run demo | head -3`: the reader has gone. Stop what the demo started and end quietly, as `yes | head` does.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    void cleanup().then(() => process.exit(0));
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      say(`\n${sig}: stopping everything the demo started`);
      void cleanup().then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }
  const timer = setTimeout(() => {
    process.stderr.write(`demo: still running after ${DEMO_TIMEOUT_MS / 1000}s, giving up\n`);
    void cleanup().then(() => process.exit(1));
  }, DEMO_TIMEOUT_MS);
  try {
    say('confd-ts demo: etcd + confd + haproxy service discovery (the seed scenario), on 127.0.0.1 only');
    say();
    const missing = missingServers();
    if (missing.length > 0) {
      const names = missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} and ${missing.at(-1)}`;
      say(`${names} ${missing.length === 1 ? 'is' : 'are'} not installed. For the full demo (an etcd cluster, haproxy, live`);
      say(`registrations), install them and run npm run demo again:`);
      say(`    ${INSTALL}`);
      say();
      await renderSeedWithFileBackend();
    } else {
      await fullDemo();
    }
    say();
    say('Done: stopping everything the demo started.');
    return 0;
  } catch (err) {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    clearTimeout(timer);
    await cleanup();
  }
}

process.exitCode = await main();
