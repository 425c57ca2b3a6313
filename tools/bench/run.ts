// One bench run at one registry size: etcd with the registry loaded, the daemon run as a user would run it,
// and the figures of issue 6 measured against an independent rendering of the expected output.

import { mkdirSync, readdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdServer } from '../devservers/etcd.js';
import { makeTempDir, removeTempDir, startProcess, type StartedProcess } from '../devservers/process.js';
import { DestWatcher } from './destwatch.js';
import { benchClient, bulkLoad, countKeys, ETCD_BENCH_ARGS, putOne } from './etcdload.js';
import { cpuTimeMs, nodeProcess, peakRss } from './procstat.js';
import { formatProfile, summarizeProfile } from './profile.js';
import { buildRegistry, PREFIX, portKey, prng, renderSeed, serverNeedle, toYaml, type HostRef } from './registry.js';
import { SEED_RESOURCE_TOML, SEED_TEMPLATE } from './seed.js';

export type DaemonKind = 'confd' | 'standin';

export interface RunOptions {
  readonly keys: number;
  readonly daemon: DaemonKind;
  /** Single puts whose propagation is timed (the issue asks for at least 100). */
  readonly changes: number;
  /** Puts in the burst. */
  readonly burst: number;
  /** Runs of `-onetime -backend file` to take the median of (0: skip). */
  readonly oneshotRuns: number;
  /** Daemon -log-level; at info or debug the daemon's "has been updated" lines are counted as renders. */
  readonly logLevel: string;
  /** NODE_OPTIONS for the daemon and the -onetime runs. */
  readonly nodeOptions?: string;
  /** Write V8 CPU profiles of the daemon (and the one-shot runs) to this directory. */
  readonly profileDir?: string;
  readonly log: (line: string) => void;
}

export interface Latencies {
  readonly n: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface RunResult {
  readonly keys: number;
  readonly loadMs?: number;
  readonly firstRenderMs?: number;
  readonly latency?: Latencies;
  readonly missed?: number;
  /** Median time from put acknowledged to the bench's own watch receiving it: the floor of any daemon. */
  readonly watchFloorP50?: number;
  readonly burstSendMs?: number;
  readonly burstSettleMs?: number;
  /** Versions of dest seen during the burst (a lower bound of the installs), and installs the daemon logged. */
  readonly burstVersionsSeen?: number;
  readonly burstRendersLogged?: number;
  readonly peakRssBytes?: number;
  /** VmHWM right after the first render: the start-up part of the peak. */
  readonly peakRssAtFirstRender?: number;
  readonly idleCpuMs?: number;
  readonly idleWindowMs?: number;
  readonly idleRewrites?: number;
  readonly oneshotMs?: number;
  readonly oneshotRuns?: number;
  readonly errors: string[];
}

const here = fileURLToPath(new URL('.', import.meta.url));
/** bin/confd of this checkout (tools/bench/ → repo root). */
export const CONFD_BIN = join(here, '..', '..', 'bin', 'confd');
const STANDIN = join(here, 'standin.ts');

const FIRST_RENDER_TIMEOUT_MS = 180_000;
const CHANGE_TIMEOUT_MS = 10_000;
const WRONG_RENDER_GRACE_MS = 10_000;
const BURST_SETTLE_TIMEOUT_MS = 60_000;
/** Stop timing single changes after this long even if fewer than asked were done (a very slow daemon). */
const LATENCY_PHASE_BUDGET_MS = 120_000;
/** Pause between timed changes, so each starts from a daemon at rest as sporadic registrations do. */
const CHANGE_GAP_MS = 10;
const BURST_IN_FLIGHT = 100;
const IDLE_SETTLE_MS = 1_000;
const IDLE_WINDOW_MS = 3_000;
const UPDATED_LINE = /has been updated/;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export function writeConfdir(root: string, dest: string): string {
  const confdir = join(root, 'confd');
  mkdirSync(join(confdir, 'conf.d'), { recursive: true });
  mkdirSync(join(confdir, 'templates'), { recursive: true });
  if (!SEED_RESOURCE_TOML.includes('dest = "DEST"')) throw new Error('seed resource has no DEST placeholder');
  writeFileSync(join(confdir, 'conf.d', 'haproxy.toml'), SEED_RESOURCE_TOML.replace('dest = "DEST"', `dest = ${JSON.stringify(dest)}`));
  writeFileSync(join(confdir, 'templates', 'haproxy.cfg.tmpl'), SEED_TEMPLATE);
  return confdir;
}

/**
 * How to start a node script (bin/confd, the stand-in): directly, or under `node --cpu-prof` when profiling.
 * NODE_OPTIONS cannot carry --cpu-prof, hence the explicit node command line.
 */
function nodeCommand(script: string, args: readonly string[], profileDir: string | undefined, root: string, tag: string): [string, string[]] {
  // The stand-in is TypeScript run through tsx, as all tooling is (tools/ is never compiled into dist/).
  const tsx = script === CONFD_BIN ? [] : ['--import', 'tsx'];
  if (profileDir === undefined) return script === CONFD_BIN ? [script, [...args]] : [process.execPath, [...tsx, script, ...args]];
  const dir = join(profileDir, tag);
  mkdirSync(dir, { recursive: true });
  // --cpu-prof writes the profile when the process exits normally, not when a signal kills it: a preloaded
  // SIGUSR2 handler gives the bench a way to end the daemon with process.exit() without touching its code.
  const preload = join(root, 'exit-on-sigusr2.mjs');
  writeFileSync(preload, "process.on('SIGUSR2', () => process.exit(0));\n");
  return [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--import=${pathToFileURL(preload).href}`, ...tsx, script, ...args]];
}

function childEnv(o: RunOptions): NodeJS.ProcessEnv {
  if (o.nodeOptions === undefined) return process.env;
  return { ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} ${o.nodeOptions}`.trim() };
}

async function stopDaemon(daemon: StartedProcess, profiling: boolean): Promise<void> {
  if (daemon.hasExited()) return;
  if (profiling) {
    try {
      process.kill(daemon.pid, 'SIGUSR2');
    } catch {
      // already gone
    }
    const r = await withTimeout(daemon.exited, 15_000);
    if (r !== 'timeout') return;
  }
  await daemon.kill('SIGTERM', 5_000);
}

/** Summaries of the profiles in `dir`, whole and, when `splitAtMs` is given, before and after that moment. */
function reportProfiles(dir: string, log: (line: string) => void, splitAtMs?: number): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile')).sort()) {
    const path = join(dir, f);
    const parts = [formatProfile(summarizeProfile(path))];
    if (splitAtMs !== undefined) {
      // The profile starts with the process, which the bench spawned at the start of its first-render clock.
      parts.push(`--- from start to the first render (${splitAtMs.toFixed(0)} ms) ---`, formatProfile(summarizeProfile(path, undefined, { fromMs: 0, toMs: splitAtMs })));
      parts.push('--- after the first render ---', formatProfile(summarizeProfile(path, undefined, { fromMs: splitAtMs, toMs: Infinity })));
    }
    const text = parts.join('\n');
    writeFileSync(`${path}.txt`, text + '\n');
    log(`${path}\n${text}`);
  }
}

/** Everything measured at one size. Never throws for a failed measurement: it lands in `errors`. */
export async function runSize(o: RunOptions): Promise<RunResult> {
  const r: { -readonly [K in keyof RunResult]: RunResult[K] } = { keys: o.keys, errors: [] };
  const { values, hosts } = buildRegistry(o.keys);
  const expected0 = renderSeed(values);
  const root = makeTempDir('confd-ts-bench-');
  let etcd: EtcdServer | undefined;
  let client: Etcd3 | undefined;
  let daemon: StartedProcess | undefined;
  let watcher: DestWatcher | undefined;
  try {
    etcd = await startEtcd({ name: 'bench', extraArgs: ETCD_BENCH_ARGS });
    client = benchClient(etcd.endpoint);
    let t = performance.now();
    await bulkLoad(client, values);
    r.loadMs = performance.now() - t;
    const loaded = await countKeys(client, `${PREFIX}/`);
    if (loaded !== values.size) throw new Error(`etcd holds ${loaded} keys under ${PREFIX}/ after loading ${values.size}`);
    o.log(`${o.keys} keys: etcd ${etcd.endpoint}, loaded in ${r.loadMs.toFixed(0)} ms`);

    const outDir = join(root, 'out');
    mkdirSync(outDir);
    const dest = join(outDir, 'haproxy.cfg');
    const confdir = writeConfdir(root, dest);
    watcher = new DestWatcher(dest);

    const [command, args] =
      o.daemon === 'confd'
        ? nodeCommand(CONFD_BIN, ['-watch', '-backend', 'etcdv3', '-node', etcd.endpoint, '-confdir', confdir, '-log-level', o.logLevel], o.profileDir, root, `watch-${o.keys}`)
        : nodeCommand(STANDIN, [etcd.endpoint, dest], o.profileDir, root, `watch-${o.keys}`);
    let rendersLogged = 0;
    t = performance.now();
    daemon = startProcess({ name: o.daemon, command, args, env: childEnv(o) });
    for (const stream of [daemon.child.stdout, daemon.child.stderr]) {
      let partial = '';
      stream?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString('utf8')).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (UPDATED_LINE.test(line)) rendersLogged++;
      });
    }
    const d = daemon;
    const exitedEarly = d.exited.then(() => undefined);
    // The first version of dest; nothing changes in etcd meanwhile, so a wrong first version is a wrong
    // rendering, not an intermediate state: give it a short grace for a re-render, then report where it differs.
    let first = await Promise.race([watcher.waitFor(() => true, FIRST_RENDER_TIMEOUT_MS), exitedEarly]);
    if (first !== undefined && first.content !== expected0) {
      first = await Promise.race([watcher.waitFor((c) => c === expected0, WRONG_RENDER_GRACE_MS), exitedEarly]);
    }
    if (first === undefined) {
      const seen = watcher.current();
      throw new Error(
        d.hasExited()
          ? `daemon exited before the first render:\n${d.output().slice(-3000)}`
          : seen === undefined
            ? `no ${dest} within ${FIRST_RENDER_TIMEOUT_MS / 1000} s:\n${d.output().slice(-3000)}`
            : `${dest} never matched the expected rendering (${seen.length} bytes seen, ${expected0.length} expected; first difference at byte ${firstDifference(seen, expected0)})`,
      );
    }
    r.firstRenderMs = first.at - t;
    const pid = nodeProcess(d.pid);
    // Whether the peak comes from start-up (the initial read) or from the steady state shows here.
    r.peakRssAtFirstRender = peakRss(pid);
    o.log(`${o.keys} keys: first render ${r.firstRenderMs.toFixed(0)} ms (pid ${pid}), peak RSS so far ${((r.peakRssAtFirstRender ?? 0) / 2 ** 20).toFixed(0)} MiB`);

    // Single changes: each gives one host a port no one had before and waits for exactly that line.
    const random = prng(o.keys);
    const pick = (): HostRef => hosts[Math.floor(random() * hosts.length)] as HostRef;
    let nextPort = 20000;
    const samples: number[] = [];
    let missed = 0;
    // The floor under every daemon: when etcd's watch delivers the put to a client (here, the bench's own).
    const delivered = new Map<string, number>();
    const probe = await client.watch().prefix(`${PREFIX}/`).create();
    probe.on('put', (kv) => delivered.set(`${kv.key.toString()}=${kv.value.toString()}`, performance.now()));
    const watchFloor: number[] = [];
    const phaseStart = performance.now();
    for (let i = 0; i < o.changes && performance.now() - phaseStart < LATENCY_PHASE_BUDGET_MS; i++) {
      if (d.hasExited()) throw new Error(`daemon exited during the change phase:\n${d.output().slice(-3000)}`);
      const host = pick();
      const port = String(nextPort++);
      await putOne(client, portKey(host.domain, host.host), port);
      const acked = performance.now();
      values.set(portKey(host.domain, host.host), port);
      const needle = serverNeedle(host, port);
      const seen = await watcher.waitFor((c) => c.includes(needle), CHANGE_TIMEOUT_MS);
      const at = delivered.get(`${portKey(host.domain, host.host)}=${port}`);
      if (at !== undefined) watchFloor.push(Math.max(0, at - acked));
      if (seen === undefined) missed++;
      else samples.push(Math.max(0, seen.at - acked));
      await sleep(CHANGE_GAP_MS);
    }
    await probe.cancel();
    samples.sort((a, b) => a - b);
    watchFloor.sort((a, b) => a - b);
    r.watchFloorP50 = percentile(watchFloor, 50);
    r.missed = missed;
    r.latency = { n: samples.length + missed, p50: percentile(samples, 50), p90: percentile(samples, 90), p99: percentile(samples, 99), max: samples[samples.length - 1] ?? NaN };
    o.log(`${o.keys} keys: ${r.latency.n} changes, p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms, missed ${missed}; etcd watch delivery to the bench p50 ${r.watchFloorP50.toFixed(1)} ms`);

    // A burst: many puts in flight; etcd's revisions decide which write of a key is the last one.
    if (o.burst > 0) {
      const versionsBefore = watcher.versions;
      const loggedBefore = rendersLogged;
      const lastWrite = new Map<string, { rev: bigint; value: string }>();
      let sent = 0;
      let lastAck = 0;
      const burstStart = performance.now();
      const worker = async (): Promise<void> => {
        while (sent < o.burst) {
          sent++;
          const host = pick();
          const key = portKey(host.domain, host.host);
          const value = String(nextPort++);
          const rev = await putOne(client as Etcd3, key, value);
          lastAck = performance.now();
          const prev = lastWrite.get(key);
          if (prev === undefined || prev.rev < rev) lastWrite.set(key, { rev, value });
        }
      };
      await Promise.all(Array.from({ length: BURST_IN_FLIGHT }, worker));
      r.burstSendMs = lastAck - burstStart;
      for (const [key, w] of lastWrite) values.set(key, w.value);
      const expectedFinal = renderSeed(values);
      const settled = await watcher.waitFor((c) => c === expectedFinal, BURST_SETTLE_TIMEOUT_MS);
      if (settled === undefined) {
        r.errors.push(`burst: dest did not reach the final state within ${BURST_SETTLE_TIMEOUT_MS / 1000} s after the last put`);
      } else {
        r.burstSettleMs = Math.max(0, settled.at - lastAck);
      }
      r.burstVersionsSeen = watcher.versions - versionsBefore;
      if (rendersLogged > loggedBefore) r.burstRendersLogged = rendersLogged - loggedBefore;
      o.log(`${o.keys} keys: burst of ${o.burst} sent in ${r.burstSendMs.toFixed(0)} ms, settled ${r.burstSettleMs?.toFixed(0) ?? '-'} ms after the last ack, ${r.burstVersionsSeen} versions seen`);
    }

    // Idle: no changes for a while; the daemon should neither spend CPU nor rewrite dest.
    await sleep(IDLE_SETTLE_MS);
    const versionsBeforeIdle = watcher.versions;
    const c0 = cpuTimeMs(pid);
    const i0 = performance.now();
    await sleep(IDLE_WINDOW_MS);
    const c1 = cpuTimeMs(pid);
    r.idleWindowMs = performance.now() - i0;
    if (c0 !== undefined && c1 !== undefined) r.idleCpuMs = c1 - c0;
    r.idleRewrites = watcher.versions - versionsBeforeIdle;
    if (r.idleRewrites > 0) r.errors.push(`idle: dest was rewritten ${r.idleRewrites} times without any change`);
    const final = watcher.current();
    if (final !== renderSeed(values)) r.errors.push('dest does not hold the final registry state at the end');
    r.peakRssBytes = peakRss(pid);
    o.log(`${o.keys} keys: peak RSS ${((r.peakRssBytes ?? 0) / 2 ** 20).toFixed(0)} MiB, idle CPU ${r.idleCpuMs?.toFixed(0) ?? '-'} ms in ${(r.idleWindowMs / 1000).toFixed(1)} s`);
    if (d.hasExited()) r.errors.push(`daemon exited during the run:\n${d.output().slice(-2000)}`);
  } catch (err) {
    r.errors.push(err instanceof Error ? err.message : String(err));
  } finally {
    watcher?.close();
    if (daemon !== undefined) await stopDaemon(daemon, o.profileDir !== undefined);
    client?.close();
    await etcd?.stop();
  }
  if (o.profileDir !== undefined) reportProfiles(join(o.profileDir, `watch-${o.keys}`), o.log, r.firstRenderMs);

  if (o.oneshotRuns > 0 && o.daemon === 'confd') {
    try {
      const one = await oneshot(root, values, o);
      r.oneshotMs = one;
      r.oneshotRuns = o.oneshotRuns;
      o.log(`${o.keys} keys: -onetime median ${one.toFixed(0)} ms over ${o.oneshotRuns} runs`);
    } catch (err) {
      r.errors.push(`one-shot: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  removeTempDir(root);
  return r;
}

/** Median wall time of `bin/confd -onetime -backend file` over the registry, each run checked for the right output. */
async function oneshot(root: string, values: ReadonlyMap<string, string>, o: RunOptions): Promise<number> {
  const dir = join(root, 'oneshot');
  mkdirSync(join(dir, 'out'), { recursive: true });
  const keysFile = join(dir, 'keys.yaml');
  writeFileSync(keysFile, toYaml(values));
  const dest = join(dir, 'out', 'haproxy.cfg');
  const confdir = writeConfdir(dir, dest);
  const expected = renderSeed(values);
  const times: number[] = [];
  const [command, args] = nodeCommand(
    CONFD_BIN,
    ['-onetime', '-backend', 'file', '-file', keysFile, '-confdir', confdir, '-log-level', 'error'],
    o.profileDir,
    dir,
    `oneshot-${o.keys}`,
  );
  for (let i = 0; i < o.oneshotRuns; i++) {
    const t = performance.now();
    const p = startProcess({
      name: 'confd -onetime',
      command,
      args,
      env: childEnv(o),
    });
    const exit = await withTimeout(p.exited, 120_000);
    const ms = performance.now() - t;
    if (exit === 'timeout') {
      await p.kill('SIGKILL');
      throw new Error('confd -onetime did not finish within 120 s');
    }
    if (exit.code !== 0) throw new Error(`confd -onetime exited ${exit.code ?? exit.signal}:\n${p.output().slice(-2000)}`);
    const got = readFileSync(dest, 'utf8');
    if (got !== expected) throw new Error(`confd -onetime wrote a wrong ${dest} (first difference at byte ${firstDifference(got, expected)})`);
    times.push(ms);
  }
  if (o.profileDir !== undefined) reportProfiles(join(o.profileDir, `oneshot-${o.keys}`), o.log);
  times.sort((a, b) => a - b);
  return percentile(times, 50);
}

/** `promise`, or 'timeout' after `ms`; the timer is cleared either way so it never holds the process open. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  const ac = new AbortController();
  try {
    return await Promise.race([promise, sleep(ms, 'timeout' as const, { signal: ac.signal })]);
  } finally {
    ac.abort();
  }
}

function firstDifference(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a.charCodeAt(i) !== b.charCodeAt(i)) return i;
  return n;
}
