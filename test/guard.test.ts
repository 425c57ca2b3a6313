// The guard rails of the shipped examples/haproxy end to end (real etcd, real haproxy, confd-ts -watch): a
// registry emptied by mistake never empties haproxy, bad values and keys that escape their place never reach the
// config, half-written registrations wait, a reload haproxy refuses is rolled back, and one registration
// haproxy refuses is quarantined instead of blocking every other domain. One etcd, haproxy and daemon serve all
// cases (each case leaves the registry as it found it).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';
import { parse, stringify } from 'smol-toml';
import { startEtcd, type EtcdServer } from '../tools/devservers/etcd.js';
import { startHaproxy, type HaproxyServer } from '../tools/devservers/haproxy.js';
import { httpGet, startHttpBackend, type HttpBackend } from '../tools/devservers/httpbackends.js';
import { freePort, makeTempDir, removeTempDir, type StartedProcess } from '../tools/devservers/process.js';
import { prepareExampleConfdir, runConfdOnce, startConfdWatch, type ExampleConfdir } from '../tools/demo/setup.js';
import { answeringBackends, locate, pollUntil, skipUnless, startRequestStream } from './support/haproxy.js';
import { ready } from './support/observe.js';

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(HAPROXY_|NGINX_|CONFD_)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function count(text: string, re: RegExp): number {
  return [...text.matchAll(new RegExp(re.source, 'g'))].length;
}

describe('guard rails of examples/haproxy under confd -watch', { skip: skipUnless('haproxy', 'etcd', 'etcdctl'), timeout: 240_000 }, () => {
  let dir: string;
  let stateDir: string;
  let etcd: EtcdServer;
  let kv: Etcd3;
  let hap: HaproxyServer;
  let confd: StartedProcess | undefined;
  let cd: ExampleConfdir;
  let env: NodeJS.ProcessEnv;
  let webPort: number;
  let statsBind: string;
  /** The daemon's -metrics-addr: /ready says why it is not ready (a held change). */
  let metricsBase: string;
  const backends: HttpBackend[] = [];
  const be = (name: string): HttpBackend => backends.find((b) => b.name === name)!;
  const put = async (key: string, value: string): Promise<void> => void (await kv.put(key).value(value));
  /** The registry every case starts from. */
  const seedKeys = (): Array<[string, string]> => [
    ['/nginx/a.b.com/server1/ip', '127.0.0.1'],
    ['/nginx/a.b.com/server1/port', String(be('nginx-1').port)],
    ['/nginx/a.b.com/server2/ip', '127.0.0.1'],
    ['/nginx/a.b.com/server2/port', String(be('nginx-2').port)],
    ['/nginx/b.b.com/server1/ip', '127.0.0.1'],
    ['/nginx/b.b.com/server1/port', String(be('nginx-3').port)],
  ];
  /** The seed registrations, one put after the other (as the seed's etcdctl set lines). */
  const seed = async (): Promise<void> => {
    for (const [k, v] of seedKeys()) await put(k, v);
  };
  const args = (): string[] => ['-backend', 'etcdv3', '-node', etcd.endpoint, '-confdir', cd.confdir, '-state-dir', stateDir, '-log-level', 'info'];
  const out = (): string => confd?.output() ?? '';
  const waitLog = (what: string, re: RegExp, from = 0, timeoutMs = 20_000): Promise<string> =>
    pollUntil(what, timeoutMs, async () => (re.test(out().slice(from)) ? out().slice(from) : undefined)).catch((e: Error) => {
      throw new Error(`${e.message}\n--- confd output ---\n${out().slice(-6000)}`);
    });
  const dest = (): string => readFileSync(cd.dest, 'utf8');
  const startDaemon = async (extraEnv: Record<string, string> = {}): Promise<void> => {
    await confd?.kill();
    confd = startConfdWatch([...args(), '-metrics-addr', metricsBase.slice('http://'.length)], { env: { ...env, ...extraEnv } });
    await waitLog('the daemon to render', /Target config .* (in sync|has been updated)|Starting confd/);
    await sleep(300);
  };
  /** Waits until haproxy.cfg has every seed server (the seed's puts land one by one). */
  const seeded = (): Promise<true> =>
    pollUntil('haproxy.cfg to have the seed registry', 20_000, async () => (count(dest(), /\n {4}server server\d /) === seedKeys().length / 2 ? true : undefined));
  /** Rewrites the resource's [template.guard] and restarts the daemon on it. */
  const setGuard = async (edit: (g: Record<string, unknown>) => void): Promise<void> => {
    const doc = parse(readFileSync(cd.resourcePath, 'utf8')) as { template: { guard: Record<string, unknown> } };
    edit(doc.template.guard);
    writeFileSync(cd.resourcePath, stringify(doc));
    await startDaemon();
  };
  const routable = (host: string, body: string): Promise<true> =>
    pollUntil(`${host} to answer ${body}`, 20_000, async () => ((await httpGet({ port: webPort, host })).body === `${body}\n` ? true : undefined));

  before(async () => {
    dir = makeTempDir('confd-ts-guard-');
    stateDir = join(dir, 'state');
    etcd = await startEtcd();
    kv = new Etcd3({ hosts: etcd.endpoint });
    for (const name of ['nginx-1', 'nginx-2', 'nginx-3', 'nginx-4']) backends.push(await startHttpBackend(name));
    webPort = await freePort();
    statsBind = `127.0.0.1:${await freePort()}`;
    metricsBase = `http://127.0.0.1:${await freePort()}`;
    const socket = join(dir, 'admin.sock');
    env = cleanEnv({ HAPROXY_BIND: `127.0.0.1:${webPort}`, HAPROXY_STATS_BIND: statsBind, HAPROXY_STATS_SOCKET: socket, HAPROXY_LOG: 'stderr' });
    cd = prepareExampleConfdir({ example: 'haproxy', dir, checkCmd: `${locate('haproxy') ?? 'haproxy'} -c -f {{.src}}`, reloadCmd: null });
    env = { ...env, HAPROXY_DOMAIN_MAP: cd.mapDest ?? '' };
    await seed();
    const first = await runConfdOnce(args(), env);
    assert.equal(first.code, 0, first.output);
    hap = await startHaproxy({ configPath: cd.dest });
    // The shipped example whole: servers through the Runtime API, reloads through the master CLI.
    cd.setCommands({ reloadCmd: hap.reloadCommand, haproxy: { runtime_socket: socket, master_socket: hap.masterSocket } });
    await startDaemon();
    await routable('a.b.com', 'nginx-1');
  });

  after(async () => {
    await confd?.kill();
    await hap?.stop();
    kv?.close();
    await etcd?.stop();
    await Promise.all(backends.map((b) => b.stop()));
    if (dir) removeTempDir(dir);
  });

  test('an injected port and a ".." key never reach haproxy.cfg; the log gives the true reason', async () => {
    const from = out().length;
    await put('/nginx/a.b.com/inj/ip', '127.0.0.1');
    await put('/nginx/a.b.com/inj/port', `${be('nginx-4').port}\n    http-request return status 200 content-type text/plain string pwned`);
    const log = await waitLog('the injected port to be refused', /left out "\/nginx\/a\.b\.com\/inj\/port"/, from);
    assert.match(log, /value ".*\\n {4}http-request return.*" contains a control character \(U\+000A line feed\) at offset \d+ \(rule: \/nginx\/\*\/\*\/port is a port\)/);
    assert.doesNotMatch(log, /out of range/);
    // Someone allowed to write only under /nginx/a.b.com/ aims at b.b.com's backend.
    await put('/nginx/a.b.com/../b.b.com/rogue/ip', '127.0.0.1');
    await put('/nginx/a.b.com/../b.b.com/rogue/port', String(be('nginx-4').port));
    await waitLog('the ".." key to be refused', /left out "\/nginx\/a\.b\.com\/\.\.\/b\.b\.com\/rogue\/port": the path has a "\.\." segment/, from);
    // Domains haproxy would refuse (an ACL flag; a Kelvin sign, which toLower does not make ASCII) are left out too.
    await put('/nginx/-f/s/ip', '127.0.0.1');
    await put('/nginx/-f/s/port', String(be('nginx-4').port));
    await put('/nginx/\u212a.b.com/s/ip', '127.0.0.1');
    await put('/nginx/\u212a.b.com/s/port', String(be('nginx-4').port));
    await waitLog('the bad domains to be refused', /left out "\/nginx\/\u212a\.b\.com": segment "\u212a\.b\.com" contains the non-ASCII character U\+212A/, from);
    assert.match(out().slice(from), /left out "\/nginx\/-f": segment "-f" has a label "-f" that starts or ends with "-"/);
    await sleep(300);
    assert.doesNotMatch(dest(), /pwned|rogue|inj|-f|\u212a/);
    assert.deepEqual([...new Set(await answeringBackends(webPort, 'b.b.com', 4))], ['nginx-3']);
    await kv.delete().prefix('/nginx/a.b.com/inj/');
    await kv.delete().prefix('/nginx/a.b.com/../');
    await kv.delete().prefix('/nginx/-f/');
    await kv.delete().prefix('/nginx/\u212a.b.com/');
  });

  test('a registration written ip first, port 200 ms later, is installed once, complete', async () => {
    const before = dest();
    const { reloads } = await hap.showProc();
    await put('/nginx/c.b.com/server1/ip', '127.0.0.1');
    await sleep(200);
    assert.equal(dest(), before, 'nothing is installed for the half-written registration');
    assert.equal((await hap.showProc()).reloads, reloads, 'haproxy was not reloaded for it');
    let from = out().length;
    await put('/nginx/c.b.com/server1/port', String(be('nginx-4').port));
    await routable('c.b.com', 'nginx-4');
    await waitLog('the reload', /has been updated/, from);
    assert.match(dest(), new RegExp(`server server1 127\\.0\\.0\\.1:${be('nginx-4').port} check`));
    assert.doesNotMatch(dest(), /server \S+ \S+: /, 'no server without a port');
    from = out().length;
    await kv.delete().prefix('/nginx/c.b.com/');
    // haproxy.cfg's own line, logged once its reload is done (the domain map's comes first; haproxy.cfg is in
    // place before the reload): the next test counts reloads from here.
    await waitLog('c.b.com to go', /Target config \S*haproxy\.cfg has been updated/, from);
    await pollUntil('c.b.com to leave haproxy.cfg', 20_000, async () => (/c\.b\.com/.test(dest()) ? undefined : true));
  });

  test('etcdctl del --prefix /nginx under load: held, haproxy keeps serving; put back: nothing applied; released by confd -release', async () => {
    const before = dest();
    const reloadsBefore = (await hap.showProc()).reloads;
    const stream = startRequestStream({ port: webPort, host: 'a.b.com', workers: 4, pauseMs: 5 });
    let from = out().length;
    try {
      await sleep(100);
      await etcd.ctl(['del', '--prefix', '/nginx']);
      const log = await waitLog('the removal to be held', /ERROR haproxy\.toml: holding a change removing 3 of 3 records/, from);
      assert.match(log, /\/nginx\/a\.b\.com\/server1, \/nginx\/a\.b\.com\/server2, \/nginx\/b\.b\.com\/server1/);
      await sleep(500);
    } finally {
      await stream.stop();
    }
    assert.deepEqual(stream.failures.slice(0, 10), [], `${stream.ok} ok, ${stream.failures.length} failed`);
    assert.ok(stream.ok > 20, `the stream was not steady: ${stream.ok} requests`);
    assert.equal(dest(), before, 'haproxy.cfg unchanged');
    const state = JSON.parse(readFileSync(join(stateDir, readdirOne(stateDir), 'state.json'), 'utf8')) as { held?: { removed: number; total: number } };
    assert.deepEqual([state.held?.removed, state.held?.total], [3, 3], 'the held change is visible in the state file');
    const heldReady = await ready(metricsBase);
    assert.equal(heldReady.status, 503, 'a held change makes /ready false');
    assert.match(heldReady.body.reasons.join('\n'), /haproxy\.toml: a change is held \(max_removed = /);
    const status = (await (await fetch(`${metricsBase}/status.json`)).json()) as { resources: Array<{ held: { removed: number; total: number; examples: string[] } | null }> };
    assert.deepEqual([status.resources[0]?.held?.removed, status.resources[0]?.held?.total], [3, 3], 'the status page shows the held change');

    // The keys come back (one put at a time): the hold ends and nothing is applied.
    from = out().length;
    await seed();
    await waitLog('the hold to end', /the held records are back: the hold ends with nothing applied/, from);
    await pollUntil('/ready to stop naming the hold', 10_000, async () => ((await ready(metricsBase)).body.reasons.some((r) => /held/.test(r)) ? undefined : true));
    await sleep(300);
    assert.equal(dest(), before);
    assert.equal((await hap.showProc()).reloads, reloadsBefore, 'haproxy was never reloaded');

    // Again, and this time an operator releases it.
    from = out().length;
    await etcd.ctl(['del', '--prefix', '/nginx']);
    await waitLog('the removal to be held', /holding a change removing 3 of 3/, from);
    const rel = await runConfdOnce(['-release', 'haproxy.toml', '-state-dir', stateDir], env);
    assert.equal(rel.code, 0, rel.output);
    await waitLog('the release to apply', /released by the operator: applying the removal of 3 of 3 records[\s\S]*has been updated/, from);
    assert.doesNotMatch(dest(), /^backend /m);
    await seed();
    await routable('a.b.com', 'nginx-1');
    await seeded();
  });

  test('a reload haproxy refuses is rolled back: previous haproxy.cfg back, haproxy reloaded on it, reported once', async () => {
    const before = dest();
    const blocker: Server = createServer();
    const taken = await freePort();
    await new Promise<void>((resolve) => blocker.listen(taken, '127.0.0.1', resolve));
    try {
      const proc = await hap.showProc();
      // The same daemon with a stats address that is taken: haproxy -c passes, the reload fails.
      await confd?.kill();
      confd = startConfdWatch(args(), { env: { ...env, HAPROXY_STATS_BIND: `127.0.0.1:${taken}` } });
      await waitLog('the rollback', /put the previous .* back and reloaded it/, 0, 40_000);
      await sleep(1500); // no retry loop
      assert.equal(count(out(), /put the previous .* back and reloaded it/), 1, 'reported once');
      assert.equal(dest(), before, 'the previous haproxy.cfg is back');
      const now = await hap.showProc();
      assert.match(out(), /haproxy refused the new configuration/);
      assert.equal(now.reloads, proc.reloads + 2, 'one refused reload, one more on the restored file');
      // haproxy runs what the file says: the stats page is where the restored file puts it, not on the taken port.
      assert.equal((await httpGet({ port: Number(statsBind.split(':')[1]), host: 'stats' })).status, 200);
      assert.equal((await httpGet({ port: webPort, host: 'a.b.com' })).status, 200);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
    await startDaemon();
  });

  test('a domain haproxy refuses is quarantined; a new valid domain registered afterwards is routable; a short hold applies a removal', async () => {
    // A resource whose author declared no rule for the <domain> segment: haproxy -c refuses "x!y" (a backend name may not hold "!").
    await setGuard((g) => {
      g['validate'] = (g['validate'] as Array<Record<string, unknown>>).filter((r) => r['segment'] !== '/nginx/*');
      g['hold'] = '1s';
    });
    let from = out().length;
    await kv.if('/nginx/x!y/s/ip', 'Version', '>', -1).then(kv.put('/nginx/x!y/s/ip').value('127.0.0.1'), kv.put('/nginx/x!y/s/port').value(String(be('nginx-1').port))).commit();
    await waitLog('the quarantine', /quarantined "\/nginx\/x!y\/s"/, from);
    await put('/nginx/d.b.com/server1/ip', '127.0.0.1');
    await put('/nginx/d.b.com/server1/port', String(be('nginx-2').port));
    await routable('d.b.com', 'nginx-2');
    assert.doesNotMatch(dest(), /x!y/);
    const state = JSON.parse(readFileSync(join(stateDir, readdirOne(stateDir), 'state.json'), 'utf8')) as { quarantined: Array<{ record: string }> };
    assert.deepEqual(state.quarantined.map((q) => q.record), ['/nginx/x!y/s']);
    await kv.delete().prefix('/nginx/x!y/');

    // hold = "1s": the removal is held, then applied with a warning.
    from = out().length;
    await etcd.ctl(['del', '--prefix', '/nginx']);
    await waitLog('the removal to be held', /holding a change removing 4 of 4 records/, from);
    assert.match(dest(), /d\.b\.com_cluster/);
    await waitLog('the hold to expire', /has been held for 1s: applying it[\s\S]*has been updated/, from);
    assert.doesNotMatch(dest(), /^backend /m);
  });
});

function readdirOne(dir: string): string {
  const names = readdirSync(dir).filter((n) => n.startsWith('haproxy.toml-'));
  assert.equal(names.length, 1, `one resource state dir in ${dir}: ${names.join(', ')}`);
  return names[0]!;
}
