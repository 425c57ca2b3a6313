// /proc readings the bench reports (peak RSS, CPU time): checked on this test process itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { cpuTimeMs, machineInfo, nodeProcess, peakRss } from './procstat.js';
import { percentile } from './run.js';

test('peakRss and cpuTimeMs read this process, and undefined for a process that does not exist', { skip: !existsSync('/proc/self/status') && 'no /proc (not Linux)' }, () => {
  const rss = peakRss(process.pid);
  assert.ok(rss !== undefined && rss > 10 * 2 ** 20 && rss >= process.memoryUsage().rss * 0.5);
  const before = cpuTimeMs(process.pid);
  let x = 0;
  const until = Date.now() + 60;
  while (Date.now() < until) x += Math.sqrt(x + 1);
  const after = cpuTimeMs(process.pid);
  assert.ok(before !== undefined && after !== undefined && after >= before && x > 0);
  assert.equal(peakRss(2 ** 22 + 1), undefined);
  assert.equal(cpuTimeMs(2 ** 22 + 1), undefined);
  assert.equal(nodeProcess(process.pid), process.pid);
});

test('machineInfo names CPUs, memory and the Node version', () => {
  const m = machineInfo();
  assert.ok(m.cpus >= 1);
  assert.equal(m.node, process.version);
  assert.match(m.memory, /GiB$/);
});

test('percentile uses the nearest rank', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile(xs, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([1, 2, 3, 4, 5], 50), 3);
  assert.ok(Number.isNaN(percentile([], 50)));
});
