import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../log/index.js';
import type { CommandRunner } from '../resource/command.js';
import { Agent } from './agent.js';
import type { RegistryWriter } from './registry/types.js';
import { buildService } from './spec.js';

const defaults = { keyLayout: '/nginx/{domain}/{host}', drainField: 'drain', checkInterval: '20ms', checkTimeout: '1s', checkHttpStatus: '200-399', rise: 2, fall: 2 };

/** A registry in memory, recording every call in order. */
function memoryWriter(): RegistryWriter & { calls: string[]; keys: Map<string, string>; lose(): void; failing: boolean } {
  const calls: string[] = [];
  const keys = new Map<string, string>();
  const listeners: Array<(r: string) => void> = [];
  const w = {
    name: 'memory',
    calls,
    keys,
    failing: false,
    async register(r: Parameters<RegistryWriter['register']>[0]) {
      if (w.failing) throw new Error('etcd unavailable');
      calls.push(`register ${r.id}`);
      for (const [k, v] of r.fields) keys.set(k, v);
      keys.delete(r.drainKey);
    },
    async markDraining(r: Parameters<RegistryWriter['register']>[0]) {
      calls.push(`drain ${r.id}`);
      keys.set(r.drainKey, '1');
    },
    async withdraw(r: Parameters<RegistryWriter['register']>[0]) {
      calls.push(`withdraw ${r.id}`);
      for (const [k] of r.fields) keys.delete(k);
      keys.delete(r.drainKey);
    },
    onLost(l: (r: string) => void) {
      listeners.push(l);
    },
    async close({ revoke }: { revoke: boolean }) {
      calls.push(`close revoke=${revoke}`);
    },
    lose() {
      keys.clear();
      for (const l of listeners) l('lease lost (test)');
    },
  };
  return w;
}

const exitWith = (codes: () => number): CommandRunner => async () => ({ code: codes(), signal: null, output: '', timedOut: false, durationMs: 1 });

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(10);
  assert.ok(check(), what);
}

describe('Agent', () => {
  it('drains (marker, grace, withdrawal) in that order and closes revoking the lease', async () => {
    const w = memoryWriter();
    const s = buildService({ domain: 'a.b.com', host: 's1', ip: '10.0.0.1', port: 80 }, defaults, 'test');
    const agent = new Agent({ services: [s], writer: w, log: silentLogger, drainGraceMs: 100, runCommand: exitWith(() => 0) });
    agent.start();
    await until(() => w.keys.get('/nginx/a.b.com/s1/ip') === '10.0.0.1', 'registered');
    const t0 = performance.now();
    const draining = agent.drain({ grace: true });
    await until(() => w.keys.get('/nginx/a.b.com/s1/drain') === '1', 'marked draining');
    assert.equal(w.keys.get('/nginx/a.b.com/s1/ip'), '10.0.0.1', 'still registered while draining');
    assert.equal(await draining, true);
    assert.ok(performance.now() - t0 >= 95, 'waited the grace period');
    assert.deepEqual(w.calls, ['register a.b.com/s1', 'drain a.b.com/s1', 'withdraw a.b.com/s1', 'close revoke=true']);
    assert.equal(w.keys.size, 0);
  });

  it('registers again after the registry lost everything, and keeps retrying while it is unreachable', async () => {
    const w = memoryWriter();
    const s = buildService({ domain: 'a.b.com', host: 's1', ip: '10.0.0.1', port: 80 }, defaults, 'test');
    const agent = new Agent({ services: [s], writer: w, log: silentLogger, drainGraceMs: 0, runCommand: exitWith(() => 0) });
    agent.start();
    await until(() => w.keys.size === 2, 'registered');
    w.failing = true;
    w.lose();
    await sleep(100);
    assert.equal(w.keys.size, 0);
    w.failing = false;
    await until(() => w.keys.size === 2, 'registered again once the registry answers');
    assert.deepEqual(w.calls, ['register a.b.com/s1', 'register a.b.com/s1']);
    await agent.drain({ grace: false });
  });

  it('follows -check-exec through the rise/fall gate', async () => {
    const w = memoryWriter();
    let status = 1;
    const s = buildService({ domain: 'a.b.com', host: 's1', ip: '10.0.0.1', port: 80, checkExec: 'probe' }, defaults, 'test');
    const agent = new Agent({ services: [s], writer: w, log: silentLogger, drainGraceMs: 0, runCommand: exitWith(() => status) });
    agent.start();
    await sleep(100);
    assert.equal(w.keys.size, 0, 'not registered while unhealthy');
    status = 0;
    await until(() => w.keys.size === 2, 'registered once healthy');
    status = 1;
    await until(() => w.keys.size === 0, 'withdrawn after fall failures');
    status = 0;
    await until(() => w.keys.size === 2, 'back after rise passes');
    await agent.drain({ grace: false });
    assert.deepEqual(w.calls, ['register a.b.com/s1', 'withdraw a.b.com/s1', 'register a.b.com/s1', 'withdraw a.b.com/s1', 'close revoke=true']);
  });
});
