// The haproxy applier end to end: real etcd, real haproxy 2.6, real HTTP backends, `confd -watch` with
// examples/haproxy and [template.haproxy]. Server changes go through the Runtime API with no reload; structure
// (a new domain, a changed frontend option) is one reload; after every step haproxy runs exactly what a fresh
// haproxy started from the written file runs; a haproxy restarted or changed behind confd's back is reconciled
// by the next change; an unreachable socket or a refused command falls back to a reload, and the log says so.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { parseMapFile, RuntimeApi } from '../src/haproxy/index.js';
import { startEtcd, type EtcdServer } from '../tools/devservers/etcd.js';
import { startHaproxy, type HaproxyServer } from '../tools/devservers/haproxy.js';
import { httpGet, startHttpBackend, type HttpBackend } from '../tools/devservers/httpbackends.js';
import { freePort, makeTempDir, removeTempDir, type StartedProcess } from '../tools/devservers/process.js';
import { prepareExampleConfdir, runConfdOnce, startConfdWatch, type ExampleConfdir } from '../tools/demo/setup.js';
import { answeringBackends, configuredServersState, freshServersState, locate, pollUntil, skipUnless } from './support/haproxy.js';

test('-noop prints the haproxy plan: runtime operations for servers, a reload for structure', async () => {
  const dir = makeTempDir('confd-ts-haproxy-noop-');
  try {
    const cd = prepareExampleConfdir({ example: 'haproxy', dir, checkCmd: null, reloadCmd: null, haproxy: { runtime_socket: join(dir, 's.sock') } });
    const keys = (k: Record<string, string>): string => {
      const file = join(dir, 'keys.yaml');
      writeFileSync(file, JSON.stringify(k));
      return file;
    };
    const seed = { '/nginx/a.b.com/server1/ip': '10.0.0.1', '/nginx/a.b.com/server1/port': '80' };
    const args = (file: string): string[] => ['-backend', 'file', '-file', file, '-confdir', cd.confdir, '-state-dir', cd.stateDir, '-log-level', 'error'];
    const env = { ...process.env, HAPROXY_STATS_SOCKET: join(dir, 's.sock'), HAPROXY_DOMAIN_MAP: cd.mapDest ?? '' };
    // The first file, written without the table (nothing runs haproxy here).
    cd.setCommands({ haproxy: null });
    assert.equal((await runConfdOnce(args(keys(seed)), env)).code, 0);
    cd.setCommands({ haproxy: { runtime_socket: join(dir, 's.sock') } });
    const server = await runConfdOnce([...args(keys({ ...seed, '/nginx/a.b.com/server2/ip': '10.0.0.2', '/nginx/a.b.com/server2/port': '81' })), '-noop'], env);
    assert.equal(server.code, 0, server.output);
    assert.match(server.output, /# plan \(haproxy\): no reload\n#   runtime: add server a\.b\.com_cluster\/server2 10\.0\.0\.2:81 inter 2s fall 3 rise 2 check\n/);
    const domain = await runConfdOnce([...args(keys({ ...seed, '/nginx/c.b.com/server1/ip': '10.0.0.3', '/nginx/c.b.com/server1/port': '80' })), '-noop'], env);
    assert.match(domain.output, /# plan \(haproxy\): reload\n#   reload: structural change: /);
  } finally {
    removeTempDir(dir);
  }
});

describe('haproxy without reloads: the haproxy applier under confd -watch', { skip: skipUnless('haproxy', 'etcd'), timeout: 180_000 }, () => {
  let dir: string;
  let etcd: EtcdServer;
  let kv: Etcd3;
  let hap: HaproxyServer;
  let confd: StartedProcess | undefined;
  let cd: ExampleConfdir;
  let env: NodeJS.ProcessEnv;
  let webPort: number;
  let socket: string;
  const backends: HttpBackend[] = [];
  const nginx = (n: number): HttpBackend => backends[n - 1]!;
  const confdArgs = (): string[] => ['-backend', 'etcdv3', '-node', etcd.endpoint, '-confdir', cd.confdir, '-state-dir', cd.stateDir, '-log-level', 'debug'];
  const register = async (domain: string, host: string, b: HttpBackend): Promise<void> => {
    // One transaction: one change, as a registration agent writes it.
    const key = `/nginx/${domain}/${host}`;
    await kv
      .if(`${key}/ip`, 'Mod', '>', -1)
      .then(kv.put(`${key}/ip`).value(b.host), kv.put(`${key}/port`).value(String(b.port)))
      .commit();
  };
  const reloads = async (): Promise<number> => (await hap.showProc()).reloads;
  const routes = (host: string, n = 6): Promise<string[]> => answeringBackends(webPort, host, n).then((a) => [...new Set(a)].sort());
  const waitRoutes = (what: string, host: string, expected: string[]): Promise<true> =>
    pollUntil(what, 10_000, async () => (JSON.stringify(await routes(host)) === JSON.stringify(expected) ? true : undefined)).catch((err: Error) => {
      throw new Error(`${err.message}\n--- confd output (tail) ---\n${confd?.output().slice(-4000) ?? ''}`);
    });
  /** haproxy runs what a fresh haproxy started from the written file runs. */
  const assertConverged = async (step: string): Promise<void> => {
    // A change reaches haproxy before the file: the daemon verifies the live state, then installs the file (and a
    // map file is installed before its entries are set). So the two may differ for a few milliseconds after a
    // route is seen; they must agree within 5 s, and the last difference is what fails the test.
    await pollUntil(`${step}: haproxy to run what the written files say`, 5000, async () => {
      assert.deepEqual(await configuredServersState(socket), await freshServersState(cd.dest, dir), `${step}: live state differs from a haproxy started from ${cd.dest}`);
      // And the Host -> backend map haproxy runs is the file's.
      const map = cd.mapDest!;
      assert.deepEqual(await new RuntimeApi(socket).showMap(map), parseMapFile(readFileSync(map, 'utf8')), `${step}: ${map} differs from haproxy's`);
      return true;
    });
  };
  const logSince = (from: number): string => confd!.output().slice(from);

  before(async () => {
    dir = makeTempDir('confd-ts-haproxy-runtime-');
    etcd = await startEtcd();
    kv = new Etcd3({ hosts: etcd.endpoint });
    for (const name of ['nginx-1', 'nginx-2', 'nginx-3', 'nginx-4']) backends.push(await startHttpBackend(name));
    webPort = await freePort();
    socket = join(dir, 'admin.sock');
    env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(HAPROXY_|CONFD_)/.test(k))),
      HAPROXY_BIND: `127.0.0.1:${webPort}`,
      HAPROXY_STATS_BIND: `127.0.0.1:${await freePort()}`,
      HAPROXY_STATS_SOCKET: socket,
      HAPROXY_LOG: 'stderr',
    };
    const haproxyBin = locate('haproxy') ?? 'haproxy';
    cd = prepareExampleConfdir({ example: 'haproxy', dir, checkCmd: `${haproxyBin} -c -f {{.src}}`, reloadCmd: null });
    env = { ...env, HAPROXY_DOMAIN_MAP: cd.mapDest ?? '' };
    await register('a.b.com', 'server1', nginx(1));
    await register('a.b.com', 'server2', nginx(2));
    await register('b.b.com', 'server1', nginx(3));
    const first = await runConfdOnce(confdArgs(), env);
    assert.equal(first.code, 0, `confd -onetime failed:\n${first.output}`);
    hap = await startHaproxy({ configPath: cd.dest });
    cd.setCommands({ haproxy: { runtime_socket: socket, master_socket: hap.masterSocket, drain_timeout: '5s' } });
    confd = startConfdWatch(confdArgs(), { env });
    await waitRoutes('a.b.com to be served', 'a.b.com', ['nginx-1', 'nginx-2']);
  });

  after(async () => {
    await confd?.kill();
    await hap?.stop();
    kv?.close();
    await etcd?.stop();
    await Promise.all(backends.map((b) => b.stop()));
    if (dir) removeTempDir(dir);
  });

  test('servers added, re-addressed, drained and removed: routable at once, no reload, the same state as a fresh haproxy', async () => {
    const start = await reloads();
    const from = confd!.output().length;

    await register('a.b.com', 'server3', nginx(4));
    await waitRoutes('server3 (nginx-4) to be routed', 'a.b.com', ['nginx-1', 'nginx-2', 'nginx-4']);
    await assertConverged('add');

    await register('a.b.com', 'server3', nginx(3)); // same name, another address
    await waitRoutes('server3 to move to nginx-3', 'a.b.com', ['nginx-1', 'nginx-2', 'nginx-3']);
    await assertConverged('re-address');

    await kv.put('/nginx/a.b.com/server2/drain').value('1'); // the template's drain key: weight 0, no new requests
    await waitRoutes('server2 (nginx-2) to be drained', 'a.b.com', ['nginx-1', 'nginx-3']);
    await assertConverged('drain');

    await kv.delete().prefix('/nginx/a.b.com/server1/');
    await waitRoutes('server1 (nginx-1) to be gone', 'a.b.com', ['nginx-3']);
    await pollUntil('server1 to be deleted from haproxy (idle server connections are purged after pool-purge-delay)', 20_000, async () =>
      (await configuredServersState(socket)).some((l) => l.startsWith('a.b.com_cluster server1 ')) ? undefined : true,
    );
    await assertConverged('remove');

    assert.equal(await reloads(), start, 'no reload for server changes');
    const log = logSince(from);
    assert.match(log, /applied through haproxy's Runtime API without a reload/);
    assert.doesNotMatch(log, /reloading haproxy instead/);
  });

  test('a new domain and a changed frontend option each cause exactly one reload, and converge', async () => {
    let before = await reloads();
    await register('c.b.com', 'server1', nginx(4));
    await waitRoutes('c.b.com to be routed', 'c.b.com', ['nginx-4']);
    await pollUntil('the reload to be counted', 5000, async () => ((await reloads()) === before + 1 ? true : undefined));
    assert.match(readFileSync(cd.mapDest!, 'utf8'), /^c\.b\.com c\.b\.com_cluster$/m, 'the domain map has the new domain');
    await assertConverged('new domain');
    assert.equal(await reloads(), before + 1, 'exactly one reload for a new domain');

    // A frontend option: the test's template gains one, and SIGHUP makes the daemon re-read it.
    before = await reloads();
    const tmpl = join(cd.confdir, 'templates', 'haproxy.cfg.tmpl');
    writeFileSync(tmpl, readFileSync(tmpl, 'utf8').replace('frontend webin\n', 'frontend webin\n    option http-buffer-request\n'));
    confd!.child.kill('SIGHUP');
    await pollUntil('the frontend option to be installed and reloaded', 10_000, async () =>
      readFileSync(cd.dest, 'utf8').includes('option http-buffer-request') && (await reloads()) === before + 1 ? true : undefined,
    );
    await waitRoutes('a.b.com still served', 'a.b.com', ['nginx-3']);
    await assertConverged('frontend option');
    assert.equal(await reloads(), before + 1, 'exactly one reload for a frontend option');
  });

  test('haproxy restarted from an older file, and a server changed by hand: the next change reconciles both', async () => {
    const current = readFileSync(cd.dest, 'utf8');
    // An older file (server3 missing from a.b.com, c.b.com's server at another port) and haproxy restarted on it
    // behind the daemon's back; then the file is put back as the daemon wrote it.
    const older = current.replace(/^ {4}server server3 .*\n/m, '');
    writeFileSync(cd.dest, older);
    await hap.reload();
    writeFileSync(cd.dest, current);
    await waitRoutes('haproxy to run the older file', 'a.b.com', ['HTTP 503']);
    // And someone puts b.b.com's server in maintenance by hand.
    await new RuntimeApi(socket).run('set server b.b.com_cluster/server1 state maint');
    const before = await reloads();
    const from = confd!.output().length;

    await register('b.b.com', 'server2', nginx(2)); // any change of the resource
    await waitRoutes('a.b.com to be served by server3 again', 'a.b.com', ['nginx-3']);
    await waitRoutes('b.b.com to be served by both', 'b.b.com', ['nginx-2', 'nginx-3']);
    await assertConverged('reconcile');
    assert.equal(await reloads(), before, 'reconciled without a reload');
    assert.match(logSince(from), /applied through haproxy's Runtime API without a reload/);
  });

  test('socket unreachable, or a command refused: falls back to a reload and says so', async () => {
    // Unreachable: the resource names a socket nobody listens on (SIGHUP re-reads conf.d).
    cd.setCommands({ haproxy: { runtime_socket: join(dir, 'nobody.sock'), master_socket: hap.masterSocket, drain_timeout: '5s' } });
    confd!.child.kill('SIGHUP');
    await new Promise((r) => setTimeout(r, 500));
    let before = await reloads();
    let from = confd!.output().length;
    await register('b.b.com', 'server3', nginx(1));
    await waitRoutes('b.b.com server3 to be routed after the fallback', 'b.b.com', ['nginx-1', 'nginx-2', 'nginx-3']);
    await pollUntil('the fallback reload', 5000, async () => ((await reloads()) === before + 1 ? true : undefined));
    assert.match(logSince(from), /cannot apply through haproxy's Runtime API \(haproxy socket .*nobody\.sock.*\); reloading haproxy instead/);
    await assertConverged('fallback after an unreachable socket');

    // Refused: the socket is back but at "operator" level (a template change, so one reload), where haproxy
    // refuses `add server`.
    cd.setCommands({ haproxy: { runtime_socket: socket, master_socket: hap.masterSocket, drain_timeout: '5s' } });
    const tmpl = join(cd.confdir, 'templates', 'haproxy.cfg.tmpl');
    writeFileSync(tmpl, readFileSync(tmpl, 'utf8').replace('mode 660 level admin', 'mode 660 level operator'));
    confd!.child.kill('SIGHUP');
    await pollUntil('haproxy to run the operator-level socket', 10_000, async () => (readFileSync(cd.dest, 'utf8').includes('level operator') ? true : undefined));
    await pollUntil('the reload for the socket change', 10_000, async () => ((await reloads()) >= before + 2 ? true : undefined));
    before = await reloads();
    from = confd!.output().length;
    await register('b.b.com', 'server4', nginx(4));
    await waitRoutes('b.b.com server4 to be routed after the fallback', 'b.b.com', ['nginx-1', 'nginx-2', 'nginx-3', 'nginx-4']);
    await pollUntil('the fallback reload', 5000, async () => ((await reloads()) === before + 1 ? true : undefined));
    assert.match(logSince(from), /cannot apply through haproxy's Runtime API \(haproxy refused "add server b\.b\.com_cluster\/server4 [^"]*": Permission denied/);
    await assertConverged('fallback after a refused command');
    assert.equal((await httpGet({ port: webPort, host: 'a.b.com' })).status, 200, 'still serving');
  });
});
