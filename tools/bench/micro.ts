// Render-only timing in-process: the seed template over a KV store of N keys, with no etcd, no files and no
// daemon, so the engine's share of the propagation latency can be told apart from I/O and scheduling.
// Two engines: a full execution every time (as -onetime renders), and the memoised one the daemon uses
// (`memo: store.tracker()`), where a one-key change re-runs only the range iterations that read it.

import { performance } from 'node:perf_hooks';
import { Template } from '../../src/gotemplate/index.js';
import { KVStore } from '../../src/memkv/index.js';
import { confdFuncs } from '../../src/resource/funcs.js';
import { buildRegistry, portKey, renderSeed } from './registry.js';
import { SEED_TEMPLATE } from './seed.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
}

const f = (v: number): string => v.toFixed(1).padStart(6);

/** Two lines (full, memoised): store load, parse, first execute, median execute, median set-one-key + execute. */
export async function microBench(keys: number, runs = keys >= 100_000 ? 5 : 15): Promise<string> {
  const { values, hosts } = buildRegistry(keys);
  const lines: string[] = [];
  for (const memo of [false, true]) {
    const current = new Map(values);
    const store = new KVStore();
    let t = performance.now();
    for (const [k, v] of current) store.set(k, v);
    const loadMs = performance.now() - t;
    t = performance.now();
    const template = Template.parse('haproxy.cfg.tmpl', SEED_TEMPLATE, { funcs: confdFuncs(store), ...(memo ? { memo: store.tracker() } : {}) });
    const parseMs = performance.now() - t;
    t = performance.now();
    const out = template.execute(null);
    const firstMs = performance.now() - t;
    if (out !== renderSeed(current)) throw new Error(`micro: the engine's output at ${keys} keys differs from the expected rendering`);
    const exec: number[] = [];
    for (let i = 0; i < runs; i++) {
      t = performance.now();
      template.execute(null);
      exec.push(performance.now() - t);
    }
    const change: number[] = [];
    for (let i = 0; i < runs; i++) {
      const host = hosts[(i * 7919) % hosts.length];
      if (host === undefined) break;
      const key = portKey(host.domain, host.host);
      const value = String(30000 + i);
      t = performance.now();
      store.set(key, value);
      const changed = template.execute(null);
      change.push(performance.now() - t);
      current.set(key, value);
      // Timing a wrong answer would be worthless: every memoised result is checked against a fresh rendering.
      if (changed !== renderSeed(current)) throw new Error(`micro: output after changing ${key} at ${keys} keys is wrong (memo ${memo})`);
    }
    lines.push(
      `${String(keys).padStart(7)} keys, ${memo ? 'memoised' : 'full    '}: store load ${f(loadMs)} ms, parse ${f(parseMs)} ms, first execute ${f(firstMs)} ms, ` +
        `execute again ${f(median(exec))} ms, set 1 key + execute ${f(median(change))} ms (medians of ${runs}; ${out.length} bytes)`,
    );
    await new Promise((r) => setImmediate(r));
  }
  return lines.join('\n');
}
