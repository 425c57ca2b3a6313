// npm run bench -- --haproxy [--domains N] [--servers N] [--changes N] [--reload-changes N]
//
// Server-level changes (add, remove, re-address, drain) written to etcd one after another while a steady request
// stream runs through haproxy, applied by `confd -watch` with examples/haproxy two ways on the same registry:
// the haproxy applier ([template.haproxy]: Runtime API, reloads only for structure) and today's reload path
// (reload_cmd = confd-haproxy-reload, a reload per change). For each: haproxy reloads (the master's counter),
// failed requests, change -> applied latency from the etcd put's acknowledgement, haproxy processes alive at the
// end.
//
// "Applied" is read from haproxy itself: the worker's `show servers state` shows the server ready at its new
// address (or gone, or at weight 0), polled every 2 ms over the stats socket, which answers in well under a
// millisecond. At the end every changed domain is also checked end to end with HTTP.
//
// The example template is used as shipped (a drain is its /drain key = "1": weight 0), with one bench-only edit:
// health checks every 30 s instead of 2 s, so that 10,000 servers do not flood the shared machine with 5,000
// checks a second.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeApi } from '../../src/haproxy/client.js';
import { MAINT_MASK } from '../../src/haproxy/plan.js';
import { startEtcd, type EtcdServer } from '../devservers/etcd.js';
import { findHaproxy, startHaproxy, type HaproxyServer } from '../devservers/haproxy.js';
import { httpGet, startHttpBackend, type HttpBackend } from '../devservers/httpbackends.js';
import { freePort, makeTempDir, removeTempDir, waitFor, type StartedProcess } from '../devservers/process.js';
import { prepareExampleConfdir, REPO_ROOT, runConfdOnce, startConfdWatch } from '../demo/setup.js';
import { formatProfile, summarizeProfile } from './profile.js';
import { benchClient, bulkLoad, ETCD_BENCH_ARGS } from './etcdload.js';
import { loadAverage } from './procstat.js';
import { percentile } from './run.js';
import { domainName, hostName } from './registry.js';
import type { Etcd3 } from 'etcd3';

export const HAPROXY_USAGE = `usage: npm run bench -- --haproxy [options]

  --domains N          domains in the registry (default 1000)
  --servers N          servers per domain (default 10)
  --changes N          server-level changes through the haproxy applier (default 500)
  --reload-changes N   the same kind of changes through today's reload path (default 50: each is a reload)
  --profile            run each daemon under node --cpu-prof; profiles and summaries in .bench-tmp/profiles/
`;

interface HaproxyArgs {
  domains: number;
  servers: number;
  changes: number;
  reloadChanges: number;
  profile: boolean;
}

export function parseHaproxyArgs(argv: readonly string[]): HaproxyArgs {
  const a: HaproxyArgs = { domains: 1000, servers: 10, changes: 500, reloadChanges: 50, profile: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const int = (): number => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${arg} needs a non-negative integer\n${HAPROXY_USAGE}`);
      return n;
    };
    switch (arg) {
      case '--haproxy':
        break;
      case '--domains': a.domains = int(); break;
      case '--servers': a.servers = int(); break;
      case '--changes': a.changes = int(); break;
      case '--reload-changes': a.reloadChanges = int(); break;
      case '--profile': a.profile = true; break;
      default:
        throw new Error(`unknown argument ${arg}\n${HAPROXY_USAGE}`);
    }
  }
  if (a.domains < 1 || a.servers < 2) throw new Error('--domains must be >= 1 and --servers >= 2');
  return a;
}

type ChangeKind = 'add' | 'remove' | 're-address' | 'drain';

interface PathResult {
  readonly name: string;
  readonly changes: number;
  readonly byKind: Record<ChangeKind, number>;
  readonly latencies: number[];
  /** The slowest changes: which one (1-based), its kind, its latency. */
  readonly slowest: ReadonlyArray<{ readonly n: number; readonly kind: ChangeKind; readonly ms: number }>;
  /** put acknowledged -> the bench's own etcd watch has the event: the floor under any daemon. */
  readonly watchFloor: number[];
  readonly timeouts: number;
  readonly reloads: number;
  readonly failedReloads: number;
  readonly requests: number;
  readonly failed: string[];
  readonly processesAlive: number;
  readonly httpChecked: number;
  readonly httpWrong: string[];
}

const backendName = (domain: string): string => `${domain}_cluster`;

/** One server as the bench wants it to be in haproxy. */
interface Want {
  readonly domain: string;
  readonly host: string;
  /** undefined: gone. */
  readonly port: number | undefined;
  readonly weight: number;
}

/** Whether haproxy's live state shows `w`. */
async function applied(api: RuntimeApi, w: Want): Promise<boolean> {
  const state = await api.showServersState(backendName(w.domain));
  const s = state.find((x) => x.name === w.host);
  if (w.port === undefined) return s === undefined || (s.adminState & MAINT_MASK) !== 0;
  return s !== undefined && s.port === w.port && s.addr === '127.0.0.1' && (s.adminState & MAINT_MASK) === 0 && s.userWeight === w.weight;
}

/** A steady stream of requests over random domains: failures are what a change or a reload broke. */
function requestStream(port: number, domains: number, workers = 4): { stop(): Promise<{ ok: number; failed: string[] }> } {
  let running = true;
  let ok = 0;
  const failed: string[] = [];
  const loop = async (): Promise<void> => {
    while (running) {
      const host = domainName(Math.floor(Math.random() * domains));
      try {
        const r = await httpGet({ port, host });
        if (r.status === 200) ok++;
        else failed.push(`${host}: HTTP ${r.status}`);
      } catch (err) {
        failed.push(`${host}: ${(err as Error).message}`);
      }
      await sleep(5);
    }
  };
  const loops = Array.from({ length: workers }, () => loop());
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { ok, failed };
    },
  };
}

async function runPath(o: {
  name: string;
  useApplier: boolean;
  args: HaproxyArgs;
  etcd: EtcdServer;
  kv: Etcd3;
  base: readonly HttpBackend[];
  changes: number;
  log: (line: string) => void;
  /** Write the daemon's V8 CPU profile here (node --cpu-prof). */
  profileDir?: string;
}): Promise<PathResult> {
  const dir = makeTempDir('confd-ts-bench-haproxy-');
  let hap: HaproxyServer | undefined;
  let confd: StartedProcess | undefined;
  try {
    const { args, kv, base } = o;
    await kv.delete().prefix('/nginx/');
    const values = new Map<string, string>();
    for (let d = 0; d < args.domains; d++) {
      for (let h = 0; h < args.servers; h++) {
        values.set(`/nginx/${domainName(d)}/${hostName(h)}/ip`, '127.0.0.1');
        values.set(`/nginx/${domainName(d)}/${hostName(h)}/port`, String(base[(d + h) % base.length]!.port));
      }
    }
    await bulkLoad(kv, values);
    const webPort = await freePort();
    const socket = join(dir, 'admin.sock');
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(HAPROXY_|CONFD_)/.test(k))),
      HAPROXY_BIND: `127.0.0.1:${webPort}`,
      HAPROXY_STATS_BIND: `127.0.0.1:${await freePort()}`,
      HAPROXY_STATS_SOCKET: socket,
      HAPROXY_LOG: 'stderr',
    };
    const cd = prepareExampleConfdir({ example: 'haproxy', dir, checkCmd: `${findHaproxy()} -c -f {{.src}}`, reloadCmd: null });
    env['HAPROXY_DOMAIN_MAP'] = cd.mapDest ?? '';
    const tmpl = join(cd.confdir, 'templates', 'haproxy.cfg.tmpl');
    const text = readFileSync(tmpl, 'utf8');
    if (!text.includes('/drain') || !text.includes(' inter 2s ')) throw new Error('the example template changed: update tools/bench/haproxy.ts');
    writeFileSync(tmpl, text.replace(' inter 2s ', ' inter 30s '));
    const confdArgs = ['-backend', 'etcdv3', '-node', o.etcd.endpoint, '-confdir', cd.confdir, '-state-dir', cd.stateDir, '-log-level', 'info'];
    const first = await runConfdOnce(confdArgs, env);
    if (first.code !== 0) throw new Error(`confd -onetime failed:\n${first.output.slice(-2000)}`);
    hap = await startHaproxy({ configPath: cd.dest });
    if (o.useApplier) cd.setCommands({ haproxy: { runtime_socket: socket, master_socket: hap.masterSocket, drain_timeout: '10s' } });
    else cd.setCommands({ reloadCmd: hap.reloadCommand });
    const metrics = `127.0.0.1:${await freePort()}`;
    const nodeArgs = o.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`];
    confd = startConfdWatch([...confdArgs, '-metrics-addr', metrics], { env, nodeArgs });
    const api = new RuntimeApi(socket, { timeoutMs: 2000 });
    // Ready: the daemon's first run is over (the file found in sync, haproxy's live state compared with it), so
    // the first change does not wait for the start-up.
    await waitFor(async () => (await fetch(`http://${metrics}/ready`)).status === 200, { what: "confd -watch's /ready", process: confd, timeoutMs: 60_000 });
    const startProc = await hap.showProc();
    o.log(`${o.name}: ${args.domains} domains x ${args.servers} servers loaded, haproxy and confd running; ${o.changes} changes`);

    // The changes: a fixed rotation of kinds over random domains, each on its own server.
    const kinds: ChangeKind[] = ['add', 're-address', 'drain', 'remove'];
    const byKind: Record<ChangeKind, number> = { add: 0, remove: 0, 're-address': 0, drain: 0 };
    const added: Array<{ domain: string; host: string }> = [];
    const latencies: number[] = [];
    const each: Array<{ n: number; kind: ChangeKind; ms: number }> = [];
    let timeouts = 0;
    const touched = new Map<string, Want>();
    const watchFloor: number[] = [];
    let expectKey = '';
    let ackedAt = 0;
    let seenAt = 0;
    const watcher = await kv.watch().prefix('/nginx/').create();
    const onEvent = (e: { key: Buffer }): void => {
      if (seenAt === 0 && e.key.toString().startsWith(expectKey)) seenAt = performance.now();
    };
    watcher.on('put', onEvent);
    watcher.on('delete', onEvent);
    const stream = requestStream(webPort, args.domains);
    let counter = 0;
    for (let i = 0; i < o.changes; i++) {
      const kind = kinds[i % kinds.length]!;
      const domain = domainName(Math.floor(Math.random() * args.domains));
      let want: Want;
      seenAt = 0;
      expectKey = `/nginx/${domain}/`;
      if (kind === 'add') {
        const host = `added${String(++counter).padStart(4, '0')}`;
        const b = base[counter % base.length]!;
        await kv
          .if(`/nginx/${domain}/${host}/ip`, 'Create', '==', 0)
          .then(kv.put(`/nginx/${domain}/${host}/ip`).value('127.0.0.1'), kv.put(`/nginx/${domain}/${host}/port`).value(String(b.port)))
          .commit();
        added.push({ domain, host });
        want = { domain, host, port: b.port, weight: 1 };
      } else if (kind === 'remove') {
        const victim = added.shift();
        const d = victim?.domain ?? domain;
        const host = victim?.host ?? hostName(args.servers - 1);
        expectKey = `/nginx/${d}/`;
        await kv.delete().prefix(`/nginx/${d}/${host}/`);
        want = { domain: d, host, port: undefined, weight: 1 };
      } else if (kind === 're-address') {
        const host = hostName(0);
        const cur = Number((await kv.get(`/nginx/${domain}/${host}/port`).string()) ?? '0');
        const next = base.find((b) => b.port !== cur)!;
        await kv.put(`/nginx/${domain}/${host}/port`).value(String(next.port));
        want = { domain, host, port: next.port, weight: 1 };
      } else {
        const host = hostName(1);
        const port = Number((await kv.get(`/nginx/${domain}/${host}/port`).string()) ?? '0');
        const draining = (await kv.get(`/nginx/${domain}/${host}/drain`).string()) === '1';
        const weight = draining ? 1 : 0;
        await kv.put(`/nginx/${domain}/${host}/drain`).value(draining ? '0' : '1');
        want = { domain, host, port, weight };
      }
      const acked = (ackedAt = performance.now());
      byKind[kind]++;
      touched.set(`${want.domain}/${want.host}`, want);
      let ok = false;
      while (performance.now() - acked < 10_000) {
        if (await applied(api, want).catch(() => false)) {
          ok = true;
          break;
        }
        await sleep(2);
      }
      if (ok) {
        const ms = performance.now() - acked;
        latencies.push(ms);
        each.push({ n: i + 1, kind, ms });
      } else timeouts++;
      if (seenAt > 0) watchFloor.push(Math.max(0, seenAt - ackedAt));
      if ((i + 1) % 50 === 0) o.log(`${o.name}: ${i + 1} changes`);
    }
    await sleep(500);
    const traffic = await stream.stop();
    await watcher.cancel();
    const endProc = await hap.showProc();
    // End to end: each touched server that should answer does, for its domain's Host.
    const httpWrong: string[] = [];
    let httpChecked = 0;
    for (const w of touched.values()) {
      if (w.port === undefined || w.weight === 0) continue;
      const name = base.find((b) => b.port === w.port)!.name;
      let seen = false;
      for (let k = 0; k < args.servers * 3 + 3 && !seen; k++) seen = (await httpGet({ port: webPort, host: w.domain })).body.trim() === name;
      httpChecked++;
      if (!seen) httpWrong.push(`${w.domain}/${w.host} (${name}) never answered`);
      if (httpChecked >= 40) break;
    }
    return {
      name: o.name,
      changes: o.changes,
      byKind,
      latencies: latencies.sort((a, b) => a - b),
      slowest: each.sort((a, b) => b.ms - a.ms).slice(0, 5),
      watchFloor: watchFloor.sort((a, b) => a - b),
      timeouts,
      reloads: endProc.reloads - startProc.reloads,
      failedReloads: endProc.failedReloads - startProc.failedReloads,
      requests: traffic.ok + traffic.failed.length,
      failed: traffic.failed,
      processesAlive: 1 + endProc.workers.length,
      httpChecked,
      httpWrong,
    };
  } finally {
    await confd?.kill();
    await hap?.stop();
    removeTempDir(dir);
  }
}

function fmt(ms: number): string {
  return Number.isNaN(ms) ? '-' : ms < 10 ? ms.toFixed(1) : ms.toFixed(0);
}

export async function haproxyBench(argv: readonly string[], log: (line: string) => void): Promise<number> {
  const args = parseHaproxyArgs(argv);
  // The daemon writes its profile when it exits (SIGTERM at the end of each path).
  const profileRoot = args.profile ? join(REPO_ROOT, '.bench-tmp', 'profiles', `haproxy-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
  const loadBefore = loadAverage();
  let etcd: EtcdServer | undefined;
  const base: HttpBackend[] = [];
  let kv: Etcd3 | undefined;
  const results: PathResult[] = [];
  try {
    etcd = await startEtcd({ name: 'bench-haproxy', extraArgs: ETCD_BENCH_ARGS });
    kv = benchClient(etcd.endpoint);
    for (const name of ['nginx-1', 'nginx-2', 'nginx-3', 'nginx-4']) base.push(await startHttpBackend(name));
    const common = { args, etcd, kv, base, log };
    const profile = (name: string): { profileDir?: string } => (profileRoot === undefined ? {} : { profileDir: join(profileRoot, name) });
    results.push(await runPath({ ...common, name: 'haproxy applier (Runtime API)', useApplier: true, changes: args.changes, ...profile('applier') }));
    if (args.reloadChanges > 0) results.push(await runPath({ ...common, name: 'reload path (reload_cmd)', useApplier: false, changes: args.reloadChanges, ...profile('reload') }));
  } finally {
    kv?.close();
    await etcd?.stop();
    await Promise.all(base.map((b) => b.stop()));
  }
  const loadAfter = loadAverage();
  const rows = results.map((r) => {
    const p50 = percentile(r.latencies, 50);
    const p99 = percentile(r.latencies, 99);
    return `| ${r.name} | ${r.changes} (${Object.entries(r.byKind).map(([k, n]) => `${n} ${k}`).join(', ')}) | ${r.reloads} (${r.failedReloads} failed) | ${r.failed.length} of ${r.requests} | ${fmt(p50)} | ${fmt(p99)} | ${fmt(r.latencies.at(-1) ?? NaN)} | ${fmt(percentile(r.watchFloor, 50))} / ${fmt(percentile(r.watchFloor, 99))} | ${r.timeouts} | ${r.processesAlive} | ${r.httpChecked - r.httpWrong.length}/${r.httpChecked} |`;
  });
  const out = [
    `${args.domains} domains x ${args.servers} servers; load average ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end (the machine is shared: latencies are noisy)`,
    '',
    '| path | changes | haproxy reloads | failed requests | p50 ms | p99 ms | max ms | etcd watch floor p50 / p99 ms | not applied in 10 s | haproxy processes at the end | HTTP check |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `targets (haproxy applier): 0 reloads, 0 failed requests, p50 <= 20 ms, p99 <= 100 ms`,
  ].join('\n');
  process.stdout.write(`\n${out}\n`);
  for (const r of results) {
    process.stdout.write(`\n${r.name}: slowest changes: ${r.slowest.map((x) => `#${x.n} ${x.kind} ${fmt(x.ms)} ms`).join(', ')}\n`);
    if (r.failed.length > 0) process.stdout.write(`\n${r.name}: failed requests (first 5): ${r.failed.slice(0, 5).join('; ')}\n`);
    if (r.httpWrong.length > 0) process.stdout.write(`\n${r.name}: HTTP check: ${r.httpWrong.slice(0, 5).join('; ')}\n`);
  }
  if (profileRoot !== undefined) {
    for (const sub of existsSync(profileRoot) ? readdirSync(profileRoot).sort() : []) {
      for (const f of readdirSync(join(profileRoot, sub)).filter((n) => n.endsWith('.cpuprofile'))) {
        const path = join(profileRoot, sub, f);
        const text = formatProfile(summarizeProfile(path));
        writeFileSync(`${path}.txt`, `${text}\n`);
        process.stdout.write(`\n${sub}: ${path}\n${text}\n`);
      }
    }
  }
  const a = results[0];
  return a && a.reloads === 0 && a.failed.length === 0 && a.timeouts === 0 && a.httpWrong.length === 0 ? 0 : 1;
}
