// `npm run demo` (tools/demo/main.ts): it must finish quickly with status 0, show the round robin and the
// changes taking effect, leave no process behind, and fall back to the file backend without etcd/haproxy.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../tools/demo/setup.js';
import { skipUnless } from './support/haproxy.js';

const DEMO = join(REPO_ROOT, 'tools', 'demo', 'main.ts');

interface DemoRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs the built demo in its own process group; SIGKILLs the group after `timeoutMs`. With `interruptAt`, sends
 * the group SIGINT (what Ctrl-C in a terminal does) as soon as stdout contains that text.
 */
function runDemo(env: NodeJS.ProcessEnv, timeoutMs = 75_000, interruptAt?: string): Promise<DemoRun> {
  if (!existsSync(DEMO)) throw new Error(`${DEMO} does not exist`);
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', DEMO], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      if (interruptAt !== undefined && !interrupted && stdout.includes(interruptAt)) {
        interrupted = true;
        try {
          process.kill(-(child.pid ?? 0), 'SIGINT');
        } catch {
          // exited meanwhile
        }
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // gone
      }
    }, timeoutMs);
    after(() => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // already exited
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Command lines of running processes that mention `needle` (Linux /proc). */
function processesMentioning(needle: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(needle)) found.push(`${pid}: ${cmd}`);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

describe('npm run demo', () => {
  test('with etcd and haproxy: round robin, an addition and a removal without a reload, a new domain with one, everything stopped, exit 0', { skip: skipUnless('haproxy', 'etcd', 'etcdctl') }, async (t) => {
    const run = await runDemo(process.env);
    t.diagnostic(`demo finished in ${run.ms} ms`);
    assert.equal(run.code, 0, `demo exited ${run.code ?? run.signal}\n${run.stdout}\n${run.stderr}`);
    assert.ok(run.ms < 60_000, `demo took ${run.ms} ms`); // step 8 (the agents) waits out a lease and a drain
    const out = run.stdout;
    const step = (n: number): string => {
      const start = out.indexOf(`\n${n}. `);
      const end = out.indexOf(`\n${n + 1}. `);
      assert.ok(start >= 0, `step ${n} missing from the output:\n${out}`);
      return out.slice(start, end > start ? end : undefined);
    };
    const answers = (text: string, host: string): string[] =>
      [...text.matchAll(new RegExp(`curl -H "Host: ${host.replace(/\./g, '\\.')}" http://127\\.0\\.0\\.1:\\d+/ +-> (\\S+)`, 'g'))].map((m) => m[1] ?? '');
    const before = answers(step(5), 'a.b.com');
    assert.deepEqual([...new Set(before)].sort(), ['nginx-1', 'nginx-2'], out);
    for (let i = 1; i < before.length; i++) assert.notEqual(before[i], before[i - 1], `round robin alternates: ${before.join(', ')}`);
    assert.deepEqual(answers(step(5), 'b.b.com'), ['nginx-3']);
    assert.deepEqual([...new Set(answers(step(6), 'a.b.com'))].sort(), ['nginx-1', 'nginx-2', 'nginx-3'], out);
    assert.deepEqual([...new Set(answers(step(7), 'a.b.com'))].sort(), ['nginx-2', 'nginx-3'], out);
    // Servers through the Runtime API, no reload; the new domain is the one reload.
    assert.match(step(6), /\(routable \d+ ms after its registration; haproxy reloads so far: 0\)/);
    assert.match(step(7), /\(gone \d+ ms after its removal; haproxy reloads so far: 0\)/);
    assert.deepEqual(answers(step(8), 'd.b.com'), ['nginx-1'], out);
    assert.match(step(8), /haproxy reloads so far: 1\)/);
    assert.match(out, /applied through haproxy's Runtime API without a reload/);
    // Step 9: confd-register agents; one killed with kill -9 vanishes, one stopped with SIGTERM drains.
    const [registered = '', killed = '', drained = ''] = step(9).split(/kill -9 of agent1|SIGTERM to agent2/);
    assert.deepEqual([...new Set(answers(registered, 'c.b.com'))].sort(), ['nginx-1', 'nginx-2', 'nginx-3'], out);
    assert.deepEqual([...new Set(answers(killed, 'c.b.com'))].sort(), ['nginx-2', 'nginx-3'], out);
    assert.match(drained, /server agent2 127\.0\.0\.1:\d+ check weight 0/);
    assert.deepEqual([...new Set(answers(drained, 'c.b.com'))], ['nginx-3'], out);
    assert.match(drained, /exited with status 0/);
    // Nothing the demo started may outlive it: its temp dirs appear in every command line it spawned.
    const dirs = [...new Set([...out.matchAll(/\/tmp\/confd-ts-(?:demo|haproxy)-[A-Za-z0-9]+/g)].map((m) => m[0]))];
    assert.ok(dirs.length >= 2, 'the demo prints its temp dirs');
    for (const d of dirs) {
      assert.deepEqual(processesMentioning(d), [], `processes left behind for ${d}`);
      assert.equal(existsSync(d), false, `${d} removed`);
    }
    // The etcd members' data dirs are not printed; their client URLs are, and are in their command lines.
    const etcdUrls = [...out.matchAll(/client (http:\/\/127\.0\.0\.1:\d+), peer/g)].map((m) => m[1]!);
    assert.equal(etcdUrls.length, 3, 'the demo prints the three members');
    for (const u of etcdUrls) assert.deepEqual(processesMentioning(u), [], `etcd left behind for ${u}`);
  });

  test('Ctrl-C while everything runs stops everything the demo started', { skip: skipUnless('haproxy', 'etcd', 'etcdctl') }, async () => {
    const run = await runDemo(process.env, 60_000, '\n5. ');
    // Exit status 130 or death by SIGINT (the process cleanup re-raises the signal): both are Ctrl-C's convention.
    assert.ok(run.code === 130 || run.signal === 'SIGINT', `demo exited ${run.code ?? run.signal}\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /SIGINT: stopping everything the demo started/);
    const dirs = [...new Set([...run.stdout.matchAll(/\/tmp\/confd-ts-(?:demo|haproxy)-[A-Za-z0-9]+/g)].map((m) => m[0]))];
    const etcdUrls = [...run.stdout.matchAll(/client (http:\/\/127\.0\.0\.1:\d+), peer/g)].map((m) => m[1]!);
    assert.ok(dirs.length >= 2 && etcdUrls.length === 3, `the demo got as far as haproxy:\n${run.stdout}`);
    for (const d of dirs) {
      assert.deepEqual(processesMentioning(d), [], `processes left behind for ${d}`);
      assert.equal(existsSync(d), false, `${d} removed`);
    }
    for (const u of etcdUrls) assert.deepEqual(processesMentioning(u), [], `etcd left behind for ${u}`);
  });

  test('without etcd and haproxy: says how to install them and renders the seed keys, exit 0', async () => {
    // An empty PATH hides etcd/etcdctl (the demo looks haproxy up in /usr/sbin too, so etcd is what is missing).
    const run = await runDemo({ ...process.env, PATH: '/nonexistent' }, 30_000);
    assert.equal(run.code, 0, `demo exited ${run.code ?? run.signal}\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /not installed/);
    assert.match(run.stdout, /sudo apt-get install -y etcd-server etcd-client haproxy/);
    assert.match(run.stdout, /backend a\.b\.com_cluster\n {4}balance roundrobin\n {4}cookie SERVERID insert indirect nocache dynamic\n {4}dynamic-cookie-key confd-ts\n {4}server server1 1\.0\.0\.1:10000 check\n {4}server server2 1\.0\.0\.1:10001 check\n/);
    assert.match(run.stdout, /backend b\.b\.com_cluster\n[^]*server server1 1\.0\.0\.2:20001 check\n/);
  });
});
