// `npm run bench -- 20000 --metrics`: what -metrics-addr costs. Two bin/confd daemons follow the same etcd at
// the same time, one without the endpoint and one with it (scraped every second, as a busy Prometheus would);
// every timed put is measured in both destinations, so both see the same changes under the same machine load.
// etcd serves its watchers in the order they were created, and on a loaded machine the daemon that hears first
// also gets the core first: so the run is split in two rounds with fresh daemons started in opposite orders, and
// the samples of both rounds are pooled. Reports both propagation p50s and the difference, against the issue's
// target of under 2% of p50.
//
// With --baseline BIN (another build's bin/confd, e.g. of main) the pair is instead that build and this one, both
// without the endpoint: what the events cost when nobody listens.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdServer } from '../devservers/etcd.js';
import { freePort, makeTempDir, removeTempDir, startProcess, type StartedProcess } from '../devservers/process.js';
import { DestWatcher } from './destwatch.js';
import { benchClient, bulkLoad, ETCD_BENCH_ARGS, putOne } from './etcdload.js';
import { buildRegistry, portKey, prng, renderSeed, serverNeedle, type HostRef } from './registry.js';
import { CONFD_BIN, percentile, writeConfdir } from './run.js';

export interface MetricsBenchResult {
  readonly keys: number;
  readonly changes: number;
  readonly baselineBin: string | undefined;
  readonly offP50: number;
  readonly onP50: number;
  readonly offP90: number;
  readonly onP90: number;
  readonly scrapes: number;
  readonly scrapeP50Ms: number;
  /** Each round on its own: which daemon was started first, and both p50s. */
  readonly rounds: readonly { first: 'off' | 'on'; offP50: number; onP50: number }[];
}

const CHANGE_TIMEOUT_MS = 10_000;

export interface MetricsBenchOptions {
  readonly keys: number;
  readonly changes: number;
  /** Compare this build without the endpoint ('on') against this binary ('off') instead. */
  readonly baselineBin?: string;
  readonly log: (line: string) => void;
}

export async function metricsBench(o: MetricsBenchOptions): Promise<MetricsBenchResult> {
  const { values, hosts } = buildRegistry(o.keys);
  const root = makeTempDir('confd-ts-bench-metrics-');
  let etcd: EtcdServer | undefined;
  let client: Etcd3 | undefined;
  let daemons: StartedProcess[] = [];
  let watchers: DestWatcher[] = [];
  let scraping = true;
  const samples: Record<'off' | 'on', number[]> = { off: [], on: [] };
  const scrapeMs: number[] = [];
  const rounds: { first: 'off' | 'on'; offP50: number; onP50: number }[] = [];
  const random = prng(o.keys + 1);
  let nextPort = 30000;
  try {
    etcd = await startEtcd({ name: 'bench-metrics', extraArgs: ETCD_BENCH_ARGS });
    client = benchClient(etcd.endpoint);
    await bulkLoad(client, values);
    for (const [round, order] of [['off', 'on'], ['on', 'off']].entries() as IterableIterator<[number, ['off' | 'on', 'off' | 'on']]>) {
      const port = await freePort();
      for (const kind of order) {
        const dir = join(root, `${kind}-${round}`);
        mkdirSync(join(dir, 'out'), { recursive: true });
        const dest = join(dir, 'out', 'haproxy.cfg');
        const confdir = writeConfdir(dir, dest);
        const extra = kind === 'on' && o.baselineBin === undefined ? ['-metrics-addr', `127.0.0.1:${port}`] : [];
        const bin = kind === 'off' && o.baselineBin !== undefined ? o.baselineBin : CONFD_BIN;
        daemons.push(startProcess({ name: `confd-${kind}`, command: bin, args: ['-watch', '-backend', 'etcdv3', '-node', etcd.endpoint, '-confdir', confdir, '-log-level', 'error', ...extra] }));
        watchers.push(new DestWatcher(dest));
      }
      const expected = renderSeed(values);
      for (const w of watchers) {
        if ((await w.waitFor((c) => c === expected, 180_000)) === undefined) throw new Error(`${w.path} never matched the expected first render`);
      }
      const half = round === 0 ? Math.ceil(o.changes / 2) : Math.floor(o.changes / 2);
      o.log(`${o.keys} keys: round ${round + 1}, daemons started ${order.join(' then ')}; timing ${half} changes`);
      scraping = o.baselineBin === undefined;
      // A scraper as Prometheus would run it (more often than its default 15 s).
      const scraper = (async () => {
        while (scraping) {
          const t = performance.now();
          try {
            await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
            scrapeMs.push(performance.now() - t);
          } catch {
            // the daemon is starting or stopping
          }
          await sleep(1000);
        }
      })();
      for (let i = 0; i < half; i++) {
        const host = hosts[Math.floor(random() * hosts.length)] as HostRef;
        const value = String(nextPort++);
        await putOne(client, portKey(host.domain, host.host), value);
        const acked = performance.now();
        values.set(portKey(host.domain, host.host), value);
        const needle = serverNeedle(host, value);
        const seen = await Promise.all(watchers.map((w) => w.waitFor((c) => c.includes(needle), CHANGE_TIMEOUT_MS)));
        seen.forEach((s, k) => {
          if (s !== undefined) samples[order[k]!].push(Math.max(0, s.at - acked));
        });
        await sleep(10);
      }
      scraping = false;
      await scraper;
      const roundP50 = (k: 'off' | 'on'): number => percentile(samples[k].slice(-half).sort((a, b) => a - b), 50);
      rounds.push({ first: order[0], offP50: roundP50('off'), onP50: roundP50('on') });
      for (const w of watchers) w.close();
      await Promise.all(daemons.map((d) => d.kill()));
      daemons = [];
      watchers = [];
    }
    for (const s of Object.values(samples)) s.sort((a, b) => a - b);
    scrapeMs.sort((a, b) => a - b);
    return {
      keys: o.keys,
      changes: o.changes,
      baselineBin: o.baselineBin,
      offP50: percentile(samples.off, 50),
      onP50: percentile(samples.on, 50),
      offP90: percentile(samples.off, 90),
      onP90: percentile(samples.on, 90),
      rounds,
      scrapes: scrapeMs.length,
      scrapeP50Ms: percentile(scrapeMs, 50),
    };
  } finally {
    scraping = false;
    for (const w of watchers) w.close();
    await Promise.all(daemons.map((d) => d.kill()));
    client?.close();
    await etcd?.stop();
    removeTempDir(root);
  }
}

export function metricsReport(r: MetricsBenchResult): string {
  const pct = ((r.onP50 - r.offP50) / r.offP50) * 100;
  if (r.baselineBin !== undefined) {
    return [
      `events with nobody listening, at ${r.keys.toLocaleString('en-US')} keys, ${r.changes} changes seen by both daemons at once:`,
      `  propagation p50: baseline (${r.baselineBin}) ${r.offP50.toFixed(1)} ms, this build without -metrics-addr ${r.onP50.toFixed(1)} ms (${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%)`,
      ...r.rounds.map((x) => `  round started with ${x.first === 'off' ? 'baseline' : 'this build'}: p50 baseline ${x.offP50.toFixed(1)} ms, this build ${x.onP50.toFixed(1)} ms`),
      `  propagation p90: baseline ${r.offP90.toFixed(1)} ms, this build ${r.onP90.toFixed(1)} ms`,
    ].join('\n');
  }
  return [
    `-metrics-addr cost at ${r.keys.toLocaleString('en-US')} keys, ${r.changes} changes seen by both daemons at once:`,
    `  propagation p50: off ${r.offP50.toFixed(1)} ms, on ${r.onP50.toFixed(1)} ms (${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%; target under 2%)`,
    ...r.rounds.map((x) => `  round started with ${x.first}: p50 off ${x.offP50.toFixed(1)} ms, on ${x.onP50.toFixed(1)} ms`),
    `  propagation p90: off ${r.offP90.toFixed(1)} ms, on ${r.onP90.toFixed(1)} ms`,
    `  ${r.scrapes} scrapes of /metrics during the run, p50 ${r.scrapeP50Ms.toFixed(1)} ms each`,
  ].join('\n');
}
