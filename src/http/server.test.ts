// The endpoint in-process: addresses, routes, /ready's status code and body, the event stream, and /metrics moving
// with events (the integration tests do the same against a real daemon and etcd).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBus } from '../observe/events.js';
import { DEFAULT_READY, ObservedState } from '../observe/state.js';
import { parseListenAddress, startObserveServer } from './server.js';

describe('parseListenAddress', () => {
  it('takes HOST:PORT, [IPv6]:PORT and :PORT (every interface), and refuses the rest', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:9180'), { host: '127.0.0.1', port: 9180 });
    assert.deepEqual(parseListenAddress('[::1]:9180'), { host: '::1', port: 9180 });
    assert.deepEqual(parseListenAddress(':9180'), { host: undefined, port: 9180 });
    for (const bad of ['9180', '127.0.0.1', 'host:99999', '::1:9180', '']) assert.throws(() => parseListenAddress(bad), /invalid listen address/, bad);
  });
});

describe('observe server', () => {
  it('serves /health, /ready (503 with reasons, then 200), /metrics, the page, and refuses other methods', async (t) => {
    const bus = new EventBus();
    const state = new ObservedState();
    state.attach(bus);
    const s = await startObserveServer({ address: '127.0.0.1:0', bus, state, ready: DEFAULT_READY });
    t.after(() => s.close());
    assert.equal((await fetch(`${s.url}/health`)).status, 200);
    let r = await fetch(`${s.url}/ready`);
    assert.equal(r.status, 503);
    assert.match(((await r.json()) as { reasons: string[] }).reasons.join(), /no complete read/);

    const res = { file: '/c/conf.d/a.toml', name: 'a.toml', dest: '/tmp/a' };
    bus.emit({ type: 'resources-loaded', resources: [res], broken: [] });
    bus.emit({ type: 'backend-connected', backend: 'file' });
    bus.emit({ type: 'changes-received', revision: 3n });
    bus.emit({ type: 'render', resource: res, ms: 1 });
    bus.emit({ type: 'installed', resource: res, previous: undefined, content: 'x\n' });
    bus.emit({ type: 'applied', resource: res, kind: 'runtime' });
    bus.emit({ type: 'revision-applied', resource: res, revision: 3n, changedAt: Date.now() - 20, installed: true });
    bus.emit({ type: 'idle', revision: 3n });
    r = await fetch(`${s.url}/ready`);
    assert.equal(r.status, 200);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /^confd_renders_total\{resource="a\.toml"\} 1$/m);
    assert.match(metrics, /^confd_applies_total\{resource="a\.toml",kind="runtime"\} 1$/m);
    assert.match(metrics, /^confd_change_to_installed_seconds_count\{resource="a\.toml"\} 1$/m);
    assert.match(metrics, /^confd_ready 1$/m);
    assert.match(metrics, /^process_resident_memory_bytes \d+/m);
    assert.match(await (await fetch(`${s.url}/`)).text(), /<title>confd status<\/title>/);
    assert.equal((await fetch(`${s.url}/nope`)).status, 404);
    assert.equal((await fetch(`${s.url}/ready`, { method: 'POST' })).status, 405);

    // The event stream starts with a snapshot.
    const ac = new AbortController();
    const stream = await fetch(`${s.url}/events`, { signal: ac.signal });
    assert.equal(stream.headers.get('content-type'), 'text/event-stream');
    const reader = stream.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /"lastRevision":"3"/);
    ac.abort();
  });
});
