// `confd -watch` must idle when there is nothing to do, whatever the backend: with nothing to watch (every
// resource file broken, or resources without keys) against etcd v3, etcd v2 and Redis, and with a broken keys
// file in a directory confd's own log is written to (file backend). Each daemon runs 5 s: its CPU time and its log
// lines stay small, and SIGTERM ends it with status 0 within a second. The four run side by side against one etcd
// (serving v3 and v2) and one redis-server, so the file costs ~7 s.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { startEtcd, type EtcdServer } from '../tools/devservers/etcd.js';
import { startRedis, type RedisServer } from '../tools/devservers/redis.js';
import { cpuTimeMs } from '../tools/bench/procstat.js';
import { serverSkip } from './support/servers.js';
import { confdBin, readIf, repoRoot, requireBuilt, tempDir, waitFor, writeResource } from './daemon-support.js';

const WINDOW_MS = 5000;
/** A daemon at rest uses next to no CPU; the hot loop used 70% of a core. Generous for a loaded machine. */
const MAX_CPU_MS = 750;
/** A few lines of start-up and one saying why it waits; the hot loop wrote thousands per second. */
const MAX_LINES = 25;

before(() => requireBuilt());

interface Daemon {
  readonly proc: ChildProcess;
  readonly log: string;
  readonly exited: Promise<number | null>;
}

/** bin/confd with its stderr going to `log` (a file: the file backend case needs it inside the watched dir). */
function startDaemon(t: TestContext, args: readonly string[], log: string): Daemon {
  const fd = openSync(log, 'a');
  const proc = spawn(process.execPath, [confdBin, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root' },
    stdio: ['ignore', 'ignore', fd],
    detached: true,
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  t.after(() => {
    if (proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  return { proc, log, exited };
}

const lines = (log: string): number => (readIf(log) ?? '').split('\n').filter((l) => l !== '').length;

/**
 * Waits for start-up, then watches the daemon for WINDOW_MS: CPU time and log lines over that window are
 * bounded; SIGTERM then ends it with status 0 within a second.
 */
async function assertIdles(t: TestContext, d: Daemon, ready: RegExp): Promise<void> {
  await waitFor(() => ready.test(readIf(d.log) ?? ''), 15_000, () => `${ready} in the log:\n${(readIf(d.log) ?? '').slice(0, 3000)}`);
  const pid = d.proc.pid!;
  const cpu0 = cpuTimeMs(pid);
  const lines0 = lines(d.log);
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const cpu = (cpuTimeMs(pid) ?? 0) - (cpu0 ?? 0);
  const written = lines(d.log) - lines0;
  const sample = (readIf(d.log) ?? '').split('\n').slice(-5).join('\n');
  t.diagnostic(`${cpu} ms CPU and ${written} log lines in ${WINDOW_MS} ms`);
  assert.ok(written <= MAX_LINES, `${written} log lines in ${WINDOW_MS} ms (a log loop); last lines:\n${sample}`);
  assert.ok(cpu <= MAX_CPU_MS, `${cpu} ms of CPU in ${WINDOW_MS} ms (a busy loop); last lines:\n${sample}`);
  const t0 = Date.now();
  d.proc.kill('SIGTERM');
  const code = await Promise.race([d.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 1000))]);
  assert.equal(code, 0, `SIGTERM: exit status 0 within a second (after ${Date.now() - t0} ms: ${String(code)}); last lines:\n${sample}`);
  t.diagnostic(`SIGTERM to exit: ${Date.now() - t0} ms`);
}

/** A confdir whose only resource file is broken (a TOML typo) plus one resource without keys. */
function confdirWithNothingToWatch(t: TestContext): { confdir: string; dest: string; log: string } {
  const dir = tempDir(t, 'confd-idle-');
  const confdir = join(dir, 'confd');
  const dest = join(dir, 'static.conf');
  writeResource(confdir, { name: 'static', template: 'static\n', dest, keys: [] });
  writeFileSync(join(confdir, 'conf.d', 'broken.toml'), '[template\nsrc = "x.tmpl"\n');
  return { confdir, dest, log: join(dir, 'confd.log') };
}

describe('-watch idles when there is nothing to do', { skip: serverSkip('etcd', 'redis-server'), concurrency: true }, () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  before(async () => {
    [etcd, redis] = await Promise.all([startEtcd({ name: 'idle', enableV2: true }), startRedis()]);
  });
  after(async () => {
    await Promise.all([etcd?.stop(), redis?.stop()]);
  });

  for (const backend of ['etcdv3', 'etcdv2', 'redis'] as const) {
    it(`${backend}: nothing to watch (broken resource file, a resource without keys): renders once, waits, exits on SIGTERM`, async (t) => {
      const c = confdirWithNothingToWatch(t);
      const node = backend === 'redis' ? redis.endpoint : etcd.endpoint;
      const d = startDaemon(t, ['-watch', '-backend', backend, '-node', node, '-confdir', c.confdir], c.log);
      await assertIdles(t, d, /Nothing to watch|ended|static\.conf has been updated/);
      assert.equal(readIf(c.dest), 'static\n', 'the resource without keys rendered');
      assert.match(readFileSync(c.log, 'utf8'), /broken\.toml/, 'the broken file is reported');
    });
  }

  it('file: a broken keys file in the directory confd logs to is reported once, not once per log line', async (t) => {
    const dir = tempDir(t, 'confd-idle-');
    const confdir = join(dir, 'confd');
    const data = join(dir, 'data');
    mkdirSync(data);
    const keys = join(data, 'keys.yaml');
    writeFileSync(keys, 'app:\n  v: one\n');
    const dest = join(dir, 'app.conf');
    writeResource(confdir, { name: 'app', template: '{{getv "/app/v"}}\n', dest, keys: ['/app'] });
    const log = join(data, 'confd.log'); // the log goes where the keys are: each line is an event in the watched dir
    const d = startDaemon(t, ['-watch', '-backend', 'file', '-file', keys, '-confdir', confdir, '-log-level', 'debug'], log);
    await waitFor(() => readIf(dest) === 'one\n', 15_000, () => readIf(log) ?? '');
    writeFileSync(keys, 'app:\n  v: [unclosed\n');
    await assertIdles(t, d, /keys\.yaml:\d+:\d+/);
    const text = readFileSync(log, 'utf8');
    assert.equal(text.split('\n').filter((l) => /ERROR .*keys\.yaml:\d+:\d+/.test(l)).length, 1, `reported once:\n${text.slice(-2000)}`);
    assert.equal(readIf(dest), 'one\n', 'the last good config stays');
  });
});
