// The bench's command line, its table and the targets beside the figures, and bench/RESULTS.md.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { domainsFor } from './registry.js';
import type { MachineInfo } from './procstat.js';
import type { DaemonKind, RunResult } from './run.js';

export const USAGE = `usage: npm run bench -- [size...] [options]

  size                 registry size in keys, a multiple of 20 (domains × 10 hosts × ip,port);
                       default 2000 20000 200000. 20000 alone fits in about a minute.
  --write              write the figures to bench/RESULTS.md (between its generated-section markers)
  --profile            run the daemon with --cpu-prof; profiles and summaries in .bench-tmp/profiles/
  --micro              also time render-only in-process (template engine + KV store, no I/O)
  --daemon confd|standin  what to measure: bin/confd (default) or the bench's own stand-in watcher
  --changes N          timed single changes per size (default 100)
  --burst N            puts in the burst (default 10000; 0 skips)
  --oneshot-runs N     -onetime runs to take the median of (default 5; 0 skips)
  --log-level LEVEL    the daemon's -log-level (default error; at info its "has been updated" lines are counted)
  --node-options OPTS  NODE_OPTIONS for the daemon and -onetime runs (e.g. "--max-old-space-size=256")

  --register [--trials N]  instead: registration -> routable through haproxy with confd-register's writer and
                       agent (tools/bench/register.ts; default 20 trials)
  --metrics            instead: what -metrics-addr costs (two daemons, with and without it, timed on the same
                       changes; --changes of them)
  --baseline BIN       with --metrics: compare BIN (another build's bin/confd) with this build, both without
                       the endpoint (what the events cost when nobody listens)
  --haproxy            instead: server changes through haproxy's Runtime API against reloads
                       (--domains N --servers N --changes N --reload-changes N; tools/bench/haproxy.ts)
`;

export interface Args {
  sizes: number[];
  write: boolean;
  profile: boolean;
  micro: boolean;
  daemon: DaemonKind;
  changes: number;
  burst: number;
  oneshotRuns: number;
  logLevel: string;
  /** NODE_OPTIONS for the daemon (experiments such as --max-old-space-size); recorded with the results. */
  nodeOptions: string | undefined;
  metrics: boolean;
  baseline: string | undefined;
  help: boolean;
}

export function parseArgs(argv: readonly string[]): Args {
  const a: Args = { sizes: [], write: false, profile: false, micro: false, daemon: 'confd', changes: 100, burst: 10_000, oneshotRuns: 5, logLevel: 'error', nodeOptions: undefined, metrics: false, baseline: undefined, help: false };
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    switch (arg) {
      case '--write': a.write = true; break;
      case '--profile': a.profile = true; break;
      case '--micro': a.micro = true; break;
      case '--metrics': a.metrics = true; break;
      case '--baseline': {
        const v = argv[++i];
        if (v === undefined) throw new Error('--baseline needs the path of another build\'s bin/confd');
        a.baseline = v;
        break;
      }
      case '--daemon': {
        const v = argv[++i];
        if (v !== 'confd' && v !== 'standin') throw new Error(`--daemon must be confd or standin, got ${v ?? 'nothing'}`);
        a.daemon = v;
        break;
      }
      case '--changes': a.changes = int(arg, argv[++i]); break;
      case '--burst': a.burst = int(arg, argv[++i]); break;
      case '--oneshot-runs': a.oneshotRuns = int(arg, argv[++i]); break;
      case '--log-level': a.logLevel = argv[++i] ?? 'error'; break;
      case '--node-options': {
        const v = argv[++i];
        if (v === undefined) throw new Error('--node-options needs a value, e.g. "--max-old-space-size=256"');
        a.nodeOptions = v;
        break;
      }
      case '-h': case '--help': a.help = true; break;
      default: {
        const n = Number(arg.replace(/_/g, ''));
        if (!/^[0-9_]+$/.test(arg) || !Number.isInteger(n)) throw new Error(`unknown argument ${arg}\n${USAGE}`);
        domainsFor(n); // validates
        a.sizes.push(n);
      }
    }
  }
  if (a.sizes.length === 0) a.sizes = [2_000, 20_000, 200_000];
  return a;
}

const ms = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '-' : v < 10 ? v.toFixed(1) : v.toFixed(0));
const sec = (v: number | undefined): string => (v === undefined ? '-' : v < 1000 ? `${v.toFixed(0)} ms` : `${(v / 1000).toFixed(2)} s`);
const mib = (v: number | undefined): string => (v === undefined ? '-' : `${(v / 2 ** 20).toFixed(0)} MiB`);

export function table(results: readonly RunResult[]): string {
  const head = ['keys', 'load', 'first render', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'changes', 'missed', 'burst settle', 'burst renders', 'peak RSS', 'idle CPU', 'one-shot'];
  const rows = results.map((r) => [
    r.keys.toLocaleString('en-US'),
    sec(r.loadMs),
    sec(r.firstRenderMs),
    ms(r.latency?.p50),
    ms(r.latency?.p90),
    ms(r.latency?.p99),
    ms(r.latency?.max),
    String(r.latency?.n ?? '-'),
    String(r.missed ?? '-'),
    sec(r.burstSettleMs),
    r.burstRendersLogged !== undefined ? `${r.burstRendersLogged} logged` : r.burstVersionsSeen !== undefined ? `≥${r.burstVersionsSeen} seen` : '-',
    mib(r.peakRssBytes),
    r.idleCpuMs === undefined ? '-' : `${r.idleCpuMs.toFixed(0)} ms/${((r.idleWindowMs ?? 0) / 1000).toFixed(0)} s`,
    r.oneshotMs === undefined ? '-' : `${sec(r.oneshotMs)} (median of ${r.oneshotRuns ?? 0})`,
  ]);
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

function byKeys(results: readonly RunResult[], keys: number): RunResult | undefined {
  return results.find((r) => r.keys === keys);
}

/** Issue 6's targets beside the figures of this run (only for the sizes it ran). */
export function targets(results: readonly RunResult[]): string {
  const lines = ['| target (issue 6) | measured | met |', '|---|---|---|'];
  const add = (target: string, measured: string | undefined, met: boolean | undefined): void => {
    if (measured !== undefined) lines.push(`| ${target} | ${measured} | ${met === undefined ? '?' : met ? 'yes' : '**no**'} |`);
  };
  const r20 = byKeys(results, 20_000);
  const r200 = byKeys(results, 200_000);
  if (r20?.latency) add('20,000 keys: put → dest p50 ≤ 10 ms, p99 ≤ 30 ms', `p50 ${ms(r20.latency.p50)} ms, p99 ${ms(r20.latency.p99)} ms`, r20.latency.p50 <= 10 && r20.latency.p99 <= 30);
  if (r200?.latency) add('200,000 keys: put → dest p50 ≤ 50 ms, p99 ≤ 150 ms', `p50 ${ms(r200.latency.p50)} ms, p99 ${ms(r200.latency.p99)} ms`, r200.latency.p50 <= 50 && r200.latency.p99 <= 150);
  if (r200) add('200,000 keys: first render in watch mode ≤ 3 s', sec(r200.firstRenderMs), r200.firstRenderMs === undefined ? undefined : r200.firstRenderMs <= 3000);
  if (r200) add('200,000 keys: peak RSS ≤ 400 MiB', mib(r200.peakRssBytes), r200.peakRssBytes === undefined ? undefined : r200.peakRssBytes <= 400 * 2 ** 20);
  if (r20) add('20,000 keys: -onetime, file backend, whole process ≤ 150 ms', sec(r20.oneshotMs), r20.oneshotMs === undefined ? undefined : r20.oneshotMs <= 150);
  for (const r of results) {
    add(`${r.keys.toLocaleString('en-US')} keys: missed changes = 0`, String(r.missed ?? '-'), r.missed === undefined ? undefined : r.missed === 0);
    add(`${r.keys.toLocaleString('en-US')} keys: burst → final state ≤ 1 s after the last put`, sec(r.burstSettleMs), r.burstSettleMs === undefined ? undefined : r.burstSettleMs <= 1000);
    // /proc counts CPU time in clock ticks of 10 ms: one tick in the window is the measurement's resolution.
    add(`${r.keys.toLocaleString('en-US')} keys: idle, no CPU between changes`, r.idleCpuMs === undefined ? undefined : `${r.idleCpuMs.toFixed(0)} ms CPU in ${((r.idleWindowMs ?? 0) / 1000).toFixed(1)} s`, r.idleCpuMs === undefined ? undefined : r.idleCpuMs <= 10 && (r.idleRewrites ?? 0) === 0);
  }
  return lines.join('\n');
}

export function machineText(m: MachineInfo): string {
  return `${m.cpus} CPUs (${m.cpuModel}), ${m.memory} RAM, Linux ${m.kernel}, Node ${m.node}`;
}

const BEGIN = '<!-- bench:begin (generated by npm run bench -- --write; edit outside these markers) -->';
const END = '<!-- bench:end -->';

export function writeResults(path: string, section: string): void {
  const block = `${BEGIN}\n${section}\n${END}`;
  let text: string;
  if (existsSync(path)) {
    const old = readFileSync(path, 'utf8');
    const b = old.indexOf(BEGIN);
    const e = old.indexOf(END);
    text = b >= 0 && e > b ? old.slice(0, b) + block + old.slice(e + END.length) : `${old.trimEnd()}\n\n${block}\n`;
  } else {
    text = `# confd-ts benchmark results\n\nProduced by \`npm run bench\` (tools/bench/); see issue 6 for the targets.\n\n${block}\n`;
  }
  writeFileSync(path, text);
}

