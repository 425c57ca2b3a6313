// npm run bench [-- [size...] [options]]: the performance figures of issue 6 for confd-ts in watch mode
// against a real etcd, and for -onetime with the file backend. See bench/RESULTS.md for the latest figures.

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadAverage, machineInfo } from './procstat.js';
import { runSize, type RunResult } from './run.js';
import { machineText, parseArgs, table, targets, USAGE, writeResults } from './report.js';

/** The commit measured, marked "+ uncommitted changes" when the tree differs from it (or "?" outside git). */
function gitRevision(repo: string): string {
  try {
    const head = execFileSync('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', timeout: 5000 }).trim();
    const dirty = execFileSync('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', timeout: 5000 }).trim();
    return dirty === '' ? head : `${head} + uncommitted changes`;
  } catch {
    return '?';
  }
}

/** "3.4.23" from `etcd --version`, or "?" when it cannot be run. */
function etcdVersion(): string {
  try {
    const out = execFileSync(process.env['ETCD_BIN'] ?? 'etcd', ['--version'], { encoding: 'utf8', timeout: 5000 });
    return /etcd Version:\s*(\S+)/.exec(out)?.[1] ?? '?';
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--register')) {
    const { registerBench } = await import('./register.js');
    return registerBench(process.argv.slice(2));
  }
  if (process.argv.includes('--haproxy')) {
    // Runtime API against reloads (issue 14): its own options and table, see tools/bench/haproxy.ts.
    const { haproxyBench } = await import('./haproxy.js');
    const t0 = Date.now();
    process.exitCode = await haproxyBench(process.argv.slice(2), (line) => process.stderr.write(`bench [${((Date.now() - t0) / 1000).toFixed(1)} s] ${line}\n`));
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const repo = resolve(new URL('../..', import.meta.url).pathname);
  const profileDir = args.profile ? join(repo, '.bench-tmp', 'profiles', new Date().toISOString().replace(/[:.]/g, '-')) : undefined;
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  const machine = machineInfo();
  const t0 = Date.now();
  const runLog: string[] = [];
  const log = (line: string): void => {
    const text = `[${((Date.now() - t0) / 1000).toFixed(1)} s] ${line}`;
    // Profile dumps are long and have their own files; the run log keeps the one-line progress reports.
    if (!line.includes('\n')) runLog.push(text);
    process.stderr.write(`bench ${text}\n`);
  };
  if (args.metrics) {
    const { metricsBench, metricsReport } = await import('./metrics.js');
    const loadBefore = loadAverage();
    for (const keys of args.sizes) process.stdout.write(`\n${metricsReport(await metricsBench({ keys, changes: args.changes, log, ...(args.baseline !== undefined ? { baselineBin: args.baseline } : {}) }))}\n`);
    process.stdout.write(`\nload average: ${loadBefore.toFixed(2)} at the start, ${loadAverage().toFixed(2)} at the end (noisy machine: compare runs)\n`);
    return;
  }
  log(`machine: ${machineText(machine)}; daemon: ${args.daemon}; sizes ${args.sizes.join(', ')}`);
  const started = new Date();
  const loadBefore = loadAverage();
  const results: RunResult[] = [];
  const microLines: string[] = [];
  for (const keys of args.sizes) {
    const r = await runSize({
      keys,
      daemon: args.daemon,
      changes: args.changes,
      burst: args.burst,
      oneshotRuns: keys <= 20_000 ? args.oneshotRuns : Math.min(args.oneshotRuns, 3),
      logLevel: args.logLevel,
      ...(args.nodeOptions !== undefined ? { nodeOptions: args.nodeOptions } : {}),
      log,
      ...(profileDir !== undefined ? { profileDir } : {}),
    });
    results.push(r);
    for (const e of r.errors) log(`${keys} keys: ERROR ${e}`);
    if (args.micro) {
      const { microBench } = await import('./micro.js');
      const m = await microBench(keys);
      microLines.push(m);
      log(m);
    }
  }
  const loadAfter = loadAverage();
  const out = table(results);
  process.stdout.write(`\n${out}\n\n${targets(results)}\n`);
  process.stdout.write(`\nload average: ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end\n`);
  if (microLines.length > 0) process.stdout.write(`\nrender only (in-process):\n${microLines.join('\n')}\n`);
  const errors = results.flatMap((r) => r.errors.map((e) => `- ${r.keys} keys: ${e.split('\n')[0] ?? ''}`));
  if (errors.length > 0) process.stdout.write(`\nerrors:\n${errors.join('\n')}\n`);
  if (args.write) {
    const section = [
      `## Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
      '',
      `Machine: ${machineText(machine)}; 1-minute load average ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end (other work on the machine skews the figures). Daemon: \`${args.daemon === 'confd' ? 'bin/confd -watch -backend etcdv3' : 'bench stand-in (not confd)'}\`, etcd ${etcdVersion()} on loopback, the seed's template and resource.`,
      `Code: ${gitRevision(repo)}. Command: \`npm run bench -- ${process.argv.slice(2).join(' ')}\`. ${args.changes} timed single changes per size (10 ms apart), a burst of ${args.burst} puts (${100} in flight).`,
      '',
      out,
      '',
      targets(results),
      ...(microLines.length > 0 ? ['', 'Render only, in-process (engine cost without I/O):', '', '```', ...microLines, '```'] : []),
      ...(errors.length > 0 ? ['', 'Errors:', '', ...errors] : []),
      '',
      'Run log (watch delivery = put acknowledged → the bench\'s own etcd watch has the event: the floor under any daemon):',
      '',
      '```',
      ...runLog,
      '```',
    ].join('\n');
    const path = join(repo, 'bench', 'RESULTS.md');
    mkdirSync(join(repo, 'bench'), { recursive: true });
    writeResults(path, section);
    log(`wrote ${path}`);
  }
  process.exitCode = errors.length > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
});
