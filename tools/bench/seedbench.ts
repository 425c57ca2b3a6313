// Micro-benchmark (not a test): render the seed's haproxy template over N keys.
//   node --import tsx tools/bench/seedbench.ts [TEMPLATE] [--keys 200000] [--domains 100] [--no-lookup]
//   node --import tsx tools/bench/seedbench.ts --store [--memo] [--keys 200000] [--domains 10000] [--changes 200]
// Default: stand-in lsdir/getv/base over plain Maps; --no-lookup makes getv return a constant, isolating the engine
// from the cost of Map lookups. --store renders through the real KVStore functions (src/memkv) and then times
// single-key changes (a value change, a host added, a host removed, in turn) each followed by a render; --memo
// makes the template memoised with the store's tracker. Every 25th change (--check-every N; 0: none) and the last
// are checked against a fresh, unmemoised render.
import { readFileSync } from 'node:fs';
import { goFunc, goSlice, T, type FuncMap } from '../../src/govalue/index.js';
import { KVStore } from '../../src/memkv/index.js';
import { Template } from '../../src/gotemplate/index.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const noLookup = args.includes('--no-lookup');
const useStore = args.includes('--store');
const memo = args.includes('--memo');
const nKeys = Number(flag('--keys') ?? 200000);
const domains = Number(flag('--domains') ?? (useStore ? Math.max(1, Math.round(nKeys / 20)) : 100));
const nChanges = Number(flag('--changes') ?? 200);
const checkEvery = Number(flag('--check-every') ?? 25);
const file = args.find((a) => !a.startsWith('--')) ?? new URL('../../test/fixtures/seed/scenario/confd/templates/haproxy.cfg.tmpl', import.meta.url).pathname;
const text = readFileSync(file, 'utf8');

const hosts = Math.max(1, Math.round(nKeys / 2 / domains));
const kv = new Map<string, string>();
const dirs = new Map<string, string[]>();
for (let d = 0; d < domains; d++) {
  const dom = `svc${d}.example.com`;
  const hl: string[] = [];
  for (let h = 0; h < hosts; h++) {
    hl.push(`host${h}`);
    kv.set(`/nginx/${dom}/host${h}/ip`, `10.${d >> 8}.${d & 255}.${h & 255}`);
    kv.set(`/nginx/${dom}/host${h}/port`, String(8000 + h));
  }
  dirs.set(`/nginx/${dom}`, hl);
}
dirs.set('/nginx', [...dirs.keys()].map((k) => k.slice('/nginx/'.length)));

const ms = (x: number): string => x.toFixed(1);
const base = goFunc({ params: [T.string], result: T.string, deterministic: true }, (p: string) => p.slice(p.lastIndexOf('/') + 1));

if (!useStore) {
  const funcs = {
    lsdir: goFunc({ params: [T.string], result: T.slice(T.string) }, (p: string) => goSlice(T.string, dirs.get(p) ?? [])),
    getv: goFunc({ params: [T.string], variadic: T.string, result: T.string, returnsError: true }, (k: string) => {
      if (noLookup) return '10.0.0.1';
      const v = kv.get(k);
      if (v === undefined) throw new Error(`key does not exist: ${k}`);
      return v;
    }),
    base,
  };
  let t0 = performance.now();
  const t = Template.parse('haproxy.cfg.tmpl', text, { funcs });
  const parseMs = performance.now() - t0;
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 21; i++) {
    t0 = performance.now();
    bytes = t.execute(null).length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`keys ${kv.size} (${domains} domains x ${hosts} hosts), parse ${ms(parseMs)} ms, render min ${ms(times[0]!)} p50 ${ms(times[10]!)} p90 ${ms(times[18]!)} ms, output ${bytes} chars${noLookup ? ' (getv without lookup)' : ''}`);
} else {
  const store = new KVStore();
  for (const [k, v] of kv) store.set(k, v);
  const funcs: FuncMap = { ...store.funcs(), base };
  const fresh = (): string => Template.parse('haproxy.cfg.tmpl', text, { funcs }).execute(null);
  const t = Template.parse('haproxy.cfg.tmpl', text, memo ? { funcs, memo: store.tracker() } : { funcs });
  let t0 = performance.now();
  let out = t.execute(null);
  const firstMs = performance.now() - t0;
  t0 = performance.now();
  t.execute(null);
  const unchangedMs = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < nChanges; i++) {
    const d = (i * 7919) % domains;
    const dom = `/nginx/svc${d}.example.com`;
    t0 = performance.now();
    if (i % 3 === 0) store.set(`${dom}/host${i % hosts}/ip`, `192.0.2.${i % 250}`);
    else if (i % 3 === 1) {
      store.set(`${dom}/extra${i}/ip`, '192.0.2.1');
      store.set(`${dom}/extra${i}/port`, '8080');
    } else {
      const p = `/nginx/svc${((i - 1) * 7919) % domains}.example.com/extra${i - 1}`;
      store.delete(`${p}/ip`);
      store.delete(`${p}/port`);
    }
    out = t.execute(null);
    times.push(performance.now() - t0);
    if ((checkEvery > 0 && i % checkEvery === 0) || i === nChanges - 1) {
      if (out !== fresh()) throw new Error(`seedbench: memoised output differs from a fresh render after change ${i}`);
    }
  }
  times.sort((a, b) => a - b);
  const p = (q: number): string => ms(times[Math.min(times.length - 1, Math.floor(q * times.length))]!);
  console.log(
    `store ${store.size} keys (${domains} domains x ${hosts} hosts)${memo ? ', memoised' : ''}: first render ${ms(firstMs)} ms, ` +
      `unchanged re-render ${ms(unchangedMs)} ms; change + render p50 ${p(0.5)} p90 ${p(0.9)} p99 ${p(0.99)} max ${p(1)} ms over ${nChanges}, output ${out.length} chars`,
  );
}
