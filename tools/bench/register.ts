// npm run bench -- --register [--trials N]: how soon a registration is routable through haproxy.
//
// A real etcd, the real haproxy and `bin/confd -watch` with examples/haproxy, as in the seed. Each trial
// registers a new server into a domain that already has one (the common case: a service scales out) with the
// agent's own etcd v3 writer (one transaction under the agent's lease), then polls haproxy every 2 ms until the
// new server answers (round robin over two servers: at most one extra request), then withdraws it again.
// The example runs as shipped, with [template.haproxy]: the figure is the sum of etcd's commit, confd's watch +
// render + guard + check_cmd + install and the Runtime API commands that add the server to the running worker
// (no reload). `--reload-path` measures the example without [template.haproxy] (reload_cmd: a new worker per
// change) for comparison. Target (issue 15): p50 <= 50 ms. A second figure starts the agent process itself
// (bin/confd-register), so it includes Node.js starting up and the first health check.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createEtcdV3Writer } from '../../src/agent/registry/etcdv3.js';
import { createLogger } from '../../src/log/index.js';
import { startEtcd } from '../devservers/etcd.js';
import { findHaproxy, startHaproxy } from '../devservers/haproxy.js';
import { httpGet, startHttpBackend, type HttpBackend } from '../devservers/httpbackends.js';
import { freePort, makeTempDir, removeTempDir } from '../devservers/process.js';
import { loadAverage } from './procstat.js';
import { percentile } from './run.js';
import { prepareExampleConfdir, runConfdOnce, startConfdWatch, startRegisterAgent } from '../demo/setup.js';

/** Polls Host `host` through haproxy until `backend` answers (or, with `gone`, stops answering); resolves with the time it took. */
async function untilRouted(port: number, host: string, backend: HttpBackend, t0: number, o: { gone?: boolean; timeoutMs?: number } = {}): Promise<number> {
  const timeoutMs = o.timeoutMs ?? 20_000;
  for (;;) {
    const answers = [];
    for (let i = 0; i < (o.gone ? 4 : 1); i++) answers.push(await httpGet({ port, host, timeoutMs: 2000 }).catch(() => undefined));
    const routed = answers.some((r) => r?.status === 200 && r.body.trim() === backend.name);
    if (routed !== (o.gone ?? false)) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${host} not routed to ${backend.name} after ${timeoutMs} ms`);
    await sleep(2);
  }
}

function summary(xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms, p90 ${percentile(s, 90).toFixed(0)} ms, min ${s[0]!.toFixed(0)} ms, max ${s.at(-1)!.toFixed(0)} ms (${s.length} trials)`;
}

export async function registerBench(argv: readonly string[]): Promise<void> {
  const i = argv.indexOf('--trials');
  const trials = i >= 0 ? Number(argv[i + 1]) : 20;
  const agentTrials = Math.max(3, Math.floor(trials / 4));
  const reloadPath = argv.includes('--reload-path');
  const say = (line: string): void => void process.stderr.write(`bench register: ${line}\n`);
  const dir = makeTempDir('confd-ts-bench-register-');
  const stops: Array<() => Promise<unknown>> = [];
  const loadBefore = loadAverage();
  try {
    const etcd = await startEtcd();
    stops.push(() => etcd.stop());
    const webPort = await freePort();
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(HAPROXY_|CONFD_)/.test(k)) env[k] = v;
    Object.assign(env, { HAPROXY_BIND: `127.0.0.1:${webPort}`, HAPROXY_STATS_BIND: `127.0.0.1:${await freePort()}`, HAPROXY_LOG: 'stderr' });
    const cd = prepareExampleConfdir({ example: 'haproxy', dir, checkCmd: `${findHaproxy()} -c -f {{.src}}`, reloadCmd: null });
    // The example's Runtime API socket and domain map, inside the test's directory.
    Object.assign(env, { HAPROXY_STATS_SOCKET: join(dir, 'admin.sock'), HAPROXY_DOMAIN_MAP: cd.mapDest ?? '' });
    const args = ['-backend', 'etcdv3', '-node', etcd.endpoint, '-confdir', cd.confdir, '-state-dir', cd.stateDir, '-log-level', 'warn'];
    const first = await runConfdOnce(args, env);
    if (first.code !== 0) throw new Error(`confd -onetime failed:\n${first.output}`);
    const hap = await startHaproxy({ configPath: cd.dest });
    stops.push(() => hap.stop());
    // The example as shipped: a new server of an existing domain is applied through haproxy's Runtime API (no
    // reload); a new domain, or anything the Runtime API cannot do, is a reload over the master CLI.
    cd.setCommands({ reloadCmd: hap.reloadCommand, haproxy: reloadPath ? null : { runtime_socket: join(dir, 'admin.sock'), master_socket: hap.masterSocket } });
    const confd = startConfdWatch(args, { env });
    stops.push(() => confd.kill());
    await sleep(500);

    const writer = createEtcdV3Writer({ backend: { nodes: [etcd.endpoint], scheme: 'http', clientInsecure: false, basicAuth: false, files: [], filter: '*', separator: '/', requestTimeoutMs: 5000 }, ttlMs: 10_000, log: createLogger({ level: 'warn', tag: 'bench' }) });
    stops.push(() => writer.close({ revoke: true }));
    const reg = (host: string, b: HttpBackend) => {
      const dirKey = `/nginx/w.bench.test/${host}`;
      return { id: host, dir: dirKey, fields: [[`${dirKey}/port`, String(b.port)], [`${dirKey}/ip`, '127.0.0.1']] as const, drainKey: `${dirKey}/drain` };
    };
    const base = await startHttpBackend('base');
    stops.push(() => base.stop());
    await writer.register(reg('base', base));
    await untilRouted(webPort, 'w.bench.test', base, performance.now());
    const write: number[] = [];
    const rendered: number[] = [];
    say(`${trials} registrations through the agent's etcd v3 writer ...`);
    for (let t = 0; t < trials; t++) {
      const b = await startHttpBackend(`w${t}`);
      stops.push(() => b.stop());
      const t0 = performance.now();
      await writer.register(reg(`w${t}`, b));
      // Split the figure: confd's part (watch + render + install) ends when haproxy.cfg names the server.
      let renderedAt: number | undefined;
      const poll = setInterval(() => {
        if (renderedAt === undefined && readFileSync(cd.dest, 'utf8').includes(`server w${t} `)) renderedAt = performance.now() - t0;
      }, 1);
      write.push(await untilRouted(webPort, 'w.bench.test', b, t0));
      clearInterval(poll);
      if (renderedAt !== undefined) rendered.push(renderedAt);
      await writer.withdraw(reg(`w${t}`, b));
      await untilRouted(webPort, 'w.bench.test', b, performance.now(), { gone: true });
      await sleep(100); // let the reload's old worker go before the next trial
    }
    const agent: number[] = [];
    say(`${agentTrials} agents started as processes (bin/confd-register) ...`);
    for (let t = 0; t < agentTrials; t++) {
      const b = await startHttpBackend(`a${t}`);
      stops.push(() => b.stop());
      const t0 = performance.now();
      const p = startRegisterAgent(`a${t}`, ['-node', etcd.endpoint, '-domain', 'w.bench.test', '-host', `a${t}`, '-ip', '127.0.0.1', '-port', String(b.port), '-check-tcp', `127.0.0.1:${b.port}`, '-ttl', '5s', '-drain-grace', '0s', '-log-level', 'warn']);
      stops.push(() => p.kill('SIGKILL'));
      agent.push(await untilRouted(webPort, 'w.bench.test', b, t0));
      await p.kill('SIGTERM');
      await untilRouted(webPort, 'w.bench.test', b, performance.now(), { gone: true });
    }
    const loadAfter = loadAverage();
    process.stdout.write(
      [
        '',
        reloadPath
          ? 'registration -> routable through haproxy, reload path (etcd commit + confd -watch render, check_cmd, reload + haproxy takeover):'
          : 'registration -> routable through haproxy, example as shipped (etcd commit + confd -watch render, guard, check_cmd, Runtime API add server):',
        `  registration written (one txn under the agent's lease): ${summary(write)}   target p50 <= 50 ms: ${percentile([...write].sort((a, b) => a - b), 50) <= 50 ? 'met' : 'NOT met'}`,
        `  of which until haproxy.cfg names the server (etcd watch, render, check_cmd, rename): ${rendered.length ? summary(rendered) : 'not seen'}`,
        `  agent process started (node start-up, first check, lease, txn): ${summary(agent)}`,
        `load average: ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end (other work on the machine skews the figures)`,
        '',
      ].join('\n'),
    );
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    removeTempDir(dir);
  }
}
