// Micro-benchmark (not a test): render the seed's haproxy template over N keys with stand-in lsdir/getv/base.
//   node --import tsx src/gotemplate/seedbench.ts [TEMPLATE] [--keys 200000] [--no-lookup]
// --no-lookup makes getv return a constant, isolating the engine from the cost of Map lookups.
import { readFileSync } from 'node:fs';
import { goFunc, goSlice, T } from '../govalue/index.js';
import { Template } from './index.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const noLookup = args.includes('--no-lookup');
const nKeys = Number(flag('--keys') ?? 200000);
const file = args.find((a) => !a.startsWith('--')) ?? new URL('../../../shared/seed/scenario/confd/templates/haproxy.cfg.tmpl', import.meta.url).pathname;
const text = readFileSync(file, 'utf8');

const domains = 100;
const hosts = Math.max(1, Math.round(nKeys / 2 / domains));
const kv = new Map<string, string>();
const dirs = new Map<string, string[]>();
for (let d = 0; d < domains; d++) {
  const dom = `svc${d}.example.com`;
  const hl: string[] = [];
  for (let h = 0; h < hosts; h++) {
    hl.push(`host${h}`);
    kv.set(`/nginx/${dom}/host${h}/ip`, `10.${d}.${h >> 8}.${h & 255}`);
    kv.set(`/nginx/${dom}/host${h}/port`, String(8000 + h));
  }
  dirs.set(`/nginx/${dom}`, hl);
}
dirs.set('/nginx', [...dirs.keys()].map((k) => k.slice('/nginx/'.length)));

const funcs = {
  lsdir: goFunc({ params: [T.string], result: T.slice(T.string) }, (p: string) => goSlice(T.string, dirs.get(p) ?? [])),
  getv: goFunc({ params: [T.string], variadic: T.string, result: T.string, returnsError: true }, (k: string) => {
    if (noLookup) return '10.0.0.1';
    const v = kv.get(k);
    if (v === undefined) throw new Error(`key does not exist: ${k}`);
    return v;
  }),
  base: goFunc({ params: [T.string], result: T.string }, (p: string) => p.slice(p.lastIndexOf('/') + 1)),
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
const ms = (x: number) => x.toFixed(1);
console.log(`keys ${kv.size} (${domains} domains x ${hosts} hosts), parse ${ms(parseMs)} ms, render min ${ms(times[0]!)} p50 ${ms(times[10]!)} p90 ${ms(times[18]!)} ms, output ${bytes} chars${noLookup ? ' (getv without lookup)' : ''}`);
