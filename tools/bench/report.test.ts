// The bench's verdicts against issue 6's targets and its RESULTS.md handling: a wrong "yes" would hide a
// regression, a lost hand-written note would lose the analysis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, table, targets, writeResults } from './report.js';
import type { RunResult } from './run.js';

const ok20k: RunResult = {
  keys: 20_000,
  firstRenderMs: 400,
  latency: { n: 100, p50: 9.5, p90: 15, p99: 30, max: 41 },
  missed: 0,
  burstSettleMs: 120,
  burstVersionsSeen: 12,
  peakRssBytes: 150 * 2 ** 20,
  idleCpuMs: 0,
  idleWindowMs: 3000,
  idleRewrites: 0,
  oneshotMs: 149,
  oneshotRuns: 5,
  errors: [],
};

test('targets: met at the limits, missed just past them, for the sizes that ran', () => {
  const met = targets([ok20k]);
  assert.match(met, /20,000 keys: put → dest p50 ≤ 10 ms, p99 ≤ 30 ms \| p50 9\.5 ms, p99 30 ms \| yes \|/);
  assert.match(met, /-onetime, file backend, whole process ≤ 150 ms \| 149 ms \| yes \|/);
  assert.doesNotMatch(met, /200,000/);
  assert.doesNotMatch(met, /\*\*no\*\*/);
  const slow: RunResult = { ...ok20k, latency: { n: 100, p50: 9, p90: 20, p99: 31, max: 50 }, missed: 1, oneshotMs: 151, idleCpuMs: 20 };
  const missed = targets([slow]);
  assert.match(missed, /p99 31 ms \| \*\*no\*\* \|/);
  assert.match(missed, /missed changes = 0 \| 1 \| \*\*no\*\* \|/);
  assert.match(missed, /151 ms \| \*\*no\*\* \|/);
  assert.match(missed, /idle, no CPU between changes \| 20 ms CPU in 3\.0 s \| \*\*no\*\* \|/);
  const big: RunResult = { ...ok20k, keys: 200_000, firstRenderMs: 3100, peakRssBytes: 401 * 2 ** 20, latency: { n: 100, p50: 50, p90: 90, p99: 150, max: 200 } };
  const b = targets([big]);
  assert.match(b, /200,000 keys: put → dest p50 ≤ 50 ms, p99 ≤ 150 ms \| p50 50 ms, p99 150 ms \| yes \|/);
  assert.match(b, /first render in watch mode ≤ 3 s \| 3\.10 s \| \*\*no\*\* \|/);
  assert.match(b, /peak RSS ≤ 400 MiB \| 401 MiB \| \*\*no\*\* \|/);
});

test('table: one row per size, with dashes for what was not measured', () => {
  const t = table([ok20k, { keys: 2000, errors: ['etcd did not start'] }]).split('\n');
  assert.equal(t.length, 4);
  assert.match(t[2] ?? '', /^\| 20,000 \| - \| 400 ms \| 9\.5 \| 15 \| 30 \| 41 \| 100 \| 0 \| 120 ms \| ≥12 seen \| 150 MiB \| 0 ms\/3 s \| 149 ms \(median of 5\) \|$/);
  assert.match(t[3] ?? '', /^\| 2,000 \|( - \|)+$/);
});

test('parseArgs: sizes, defaults and bad input', () => {
  assert.deepEqual(parseArgs([]).sizes, [2000, 20_000, 200_000]);
  const a = parseArgs(['20000', '--write', '--changes', '150', '--daemon', 'standin']);
  assert.deepEqual([a.sizes, a.write, a.changes, a.daemon], [[20_000], true, 150, 'standin']);
  assert.throws(() => parseArgs(['2010']), /not a positive multiple of 20/);
  assert.throws(() => parseArgs(['--changes', 'x']), /--changes needs a non-negative integer/);
  assert.throws(() => parseArgs(['--daemon', 'go']), /--daemon must be confd or standin/);
  assert.throws(() => parseArgs(['--fast']), /unknown argument --fast/);
});

test('writeResults replaces only the generated section and keeps hand-written notes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'RESULTS.md');
  writeResults(path, 'first run');
  const created = readFileSync(path, 'utf8');
  assert.match(created, /^# confd-ts benchmark results\n/);
  writeFileSync(path, created + '\n## Bottlenecks\n\nhand-written analysis\n');
  writeResults(path, 'second run');
  const updated = readFileSync(path, 'utf8');
  assert.match(updated, /second run/);
  assert.doesNotMatch(updated, /first run/);
  assert.match(updated, /## Bottlenecks\n\nhand-written analysis\n$/);
});
