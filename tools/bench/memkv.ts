// Times the store side of the seed's template over 200,000 keys: `lsdir "/nginx"`, then per domain
// `lsdir "/nginx/<domain>"` and per host `getv .../ip` and `getv .../port`, through the template functions,
// after each of a series of single-key changes (the daemon's watch-event path: a value change, a host added,
// a host removed). The template engine and fmt are not included (tools/bench/run.ts times the whole render). Not a test.
//
//   node --expose-gc --import tsx tools/bench/memkv.ts [domains] [hostsPerDomain] [iterations]
//
// The cost is dominated by the 200,000 getv look-ups of freshly built key strings (~0.2 µs each).

import { KVStore } from '../../src/memkv/index.js';

const domains = Number(process.argv[2] ?? 1000);
const hosts = Number(process.argv[3] ?? 100);
const iterations = Number(process.argv[4] ?? 30);

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const heap0 = process.memoryUsage().heapUsed;
let t0 = process.hrtime.bigint();
const store = new KVStore();
for (let d = 0; d < domains; d++) {
  for (let h = 0; h < hosts; h++) {
    const base = `/nginx/d${d}.example.com/server${h}`;
    store.set(`${base}/ip`, `10.${(d >> 8) & 255}.${d & 255}.${h}`);
    store.set(`${base}/port`, String(10000 + h));
  }
}
const loadMs = ms(t0);
global.gc?.();
const heapMiB = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;

const f = store.funcs();
const lsdir = f.lsdir!.fn;
const getv = f.getv!.fn;

function render(): number {
  let bytes = 0;
  const ds = lsdir('/nginx') as string[];
  for (const domain of ds) {
    for (const host of lsdir(`/nginx/${domain}`) as string[]) {
      const ip = getv(`/nginx/${domain}/${host}/ip`) as string;
      const port = getv(`/nginx/${domain}/${host}/port`) as string;
      bytes += ip.length + port.length;
    }
  }
  return bytes;
}

const times: number[] = [];
for (let i = 0; i < iterations; i++) {
  // Alternate the kinds of change the daemon sees: a value change, a new host, a removed host.
  const d = i % domains;
  if (i % 3 === 0) store.set(`/nginx/d${d}.example.com/server0/ip`, `192.0.2.${i % 250}`);
  else if (i % 3 === 1) {
    store.set(`/nginx/d${d}.example.com/extra${i}/ip`, '192.0.2.1');
    store.set(`/nginx/d${d}.example.com/extra${i}/port`, '8080');
  } else {
    store.delete(`/nginx/d${(i - 1) % domains}.example.com/extra${i - 1}/ip`);
    store.delete(`/nginx/d${(i - 1) % domains}.example.com/extra${i - 1}/port`);
  }
  t0 = process.hrtime.bigint();
  render();
  times.push(ms(t0));
}
times.sort((a, b) => a - b);
const p = (q: number): string => (times[Math.min(times.length - 1, Math.floor(q * times.length))] as number).toFixed(1);
console.log(
  `memkv bench: ${store.size} keys (${domains} domains x ${hosts} hosts x 2), load ${loadMs.toFixed(0)} ms, ` +
    `store heap ~${heapMiB.toFixed(0)} MiB${global.gc ? '' : ' (run with --expose-gc for a precise figure)'}; ` +
    `lsdir+getv render after a change: p50 ${p(0.5)} ms, p90 ${p(0.9)} ms, max ${p(1)} ms over ${iterations}`,
);
