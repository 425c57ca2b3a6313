// The event bus and the state folded from it: what /ready, the lag and the status page are computed from.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventBus, type ResourceRef } from './events.js';
import { DEFAULT_READY, ObservedState } from './state.js';

const res: ResourceRef = { file: '/etc/confd/conf.d/haproxy.toml', name: 'haproxy.toml', dest: '/etc/haproxy/haproxy.cfg' };

function setup(): { bus: EventBus; state: ObservedState; clock: { now: number } } {
  const clock = { now: 1_000_000 };
  const bus = new EventBus();
  const state = new ObservedState({ now: () => clock.now, confirmMs: 1000 });
  state.attach(bus);
  return { bus, state, clock };
}

/** A daemon that read everything at revision 10 and rendered it. */
function caughtUp(bus: EventBus): void {
  bus.emit({ type: 'resources-loaded', resources: [res], broken: [] });
  bus.emit({ type: 'backend-connected', backend: 'etcdv3', stream: true });
  bus.emit({ type: 'backend-revision', backend: 'etcdv3', revision: 10n });
  bus.emit({ type: 'changes-received', revision: 10n });
  bus.emit({ type: 'revision-applied', resource: res, revision: 10n, changedAt: undefined, installed: true });
  bus.emit({ type: 'idle', revision: 10n });
}

describe('EventBus', () => {
  it('is inactive without listeners, and a throwing listener neither stops the others nor the emitter', () => {
    const errors: unknown[] = [];
    const bus = new EventBus((e) => errors.push(e));
    assert.equal(bus.active, false);
    const seen: string[] = [];
    const off1 = bus.subscribe(() => {
      throw new Error('observer bug');
    });
    const off2 = bus.subscribe((ev) => seen.push(ev.type));
    assert.equal(bus.active, true);
    bus.emit({ type: 'idle', revision: 1n });
    assert.deepEqual(seen, ['idle']);
    assert.equal(errors.length, 1);
    off1();
    off2();
    assert.equal(bus.active, false);
  });
});

describe('ObservedState', () => {
  it('is not ready before the first complete read, ready once caught up', () => {
    const { bus, state } = setup();
    assert.equal(state.readiness(DEFAULT_READY).ready, false);
    caughtUp(bus);
    assert.deepEqual(state.readiness(DEFAULT_READY), { ready: true, reasons: [] });
    assert.equal(state.lag(), 0);
  });

  it('counts a head revision of unrelated keys as applied only after staying idle with the stream up', () => {
    const { bus, state, clock } = setup();
    caughtUp(bus);
    bus.emit({ type: 'backend-revision', backend: 'etcdv3', revision: 13n });
    assert.equal(state.lag(), 3);
    clock.now += 999;
    assert.equal(state.lag(), 3);
    clock.now += 1;
    assert.equal(state.lag(), 0);
    // Busy (a change is being rendered): a head is not confirmed however long it takes.
    bus.emit({ type: 'changes-received', revision: 14n });
    bus.emit({ type: 'backend-revision', backend: 'etcdv3', revision: 15n });
    clock.now += 5000;
    assert.equal(state.lag(), 2);
    assert.match(state.readiness(DEFAULT_READY).reasons.join(), /watch lag 2 revisions above 0 for 5s/);
    // Idle again: whatever of ours up to 15 was sent arrived long ago, and is applied now.
    bus.emit({ type: 'idle', revision: 14n });
    assert.equal(state.lag(), 0);
    assert.equal(state.readiness(DEFAULT_READY).ready, true);
  });

  it('after a lost connection, stays not ready until caught up again', () => {
    const { bus, state } = setup();
    caughtUp(bus);
    bus.emit({ type: 'backend-error', backend: 'etcdv3', error: 'connection refused' });
    assert.match(state.readiness(DEFAULT_READY).reasons.join(), /not connected: connection refused/);
    bus.emit({ type: 'backend-connected', backend: 'etcdv3' });
    bus.emit({ type: 'backend-revision', backend: 'etcdv3', revision: 12n });
    assert.match(state.readiness(DEFAULT_READY).reasons.join(), /catching up after a lost connection \(lag 2/);
    bus.emit({ type: 'backend-connected', backend: 'etcdv3', stream: true });
    bus.emit({ type: 'changes-received', revision: 12n });
    bus.emit({ type: 'idle', revision: 12n });
    assert.deepEqual(state.readiness(DEFAULT_READY), { ready: true, reasons: [] });
  });

  it('a failing resource and a held change make it not ready and show on the status snapshot', () => {
    const { bus, state, clock } = setup();
    caughtUp(bus);
    bus.emit({ type: 'check-failed', resource: res, error: 'Config check failed: exit status 1' });
    assert.match(state.readiness(DEFAULT_READY).reasons.join(), /haproxy\.toml: check failed: Config check failed/);
    bus.emit({ type: 'revision-applied', resource: res, revision: 11n, changedAt: clock.now - 5, installed: true });
    assert.equal(state.readiness(DEFAULT_READY).ready, true);
    bus.emit({ type: 'held', resource: res, held: { reason: 'would remove 80% of servers', removed: 8, total: 10, examples: ['web1', 'web2'], since: clock.now } });
    assert.match(state.readiness(DEFAULT_READY).reasons.join(), /a change is held \(would remove 80% of servers\)/);
    const snap = state.snapshot(DEFAULT_READY);
    assert.equal(snap.resources[0]?.held?.removed, 8);
    assert.equal(snap.resources[0]?.lastRevision, '11');
    bus.emit({ type: 'released', resource: res });
    assert.equal(state.readiness(DEFAULT_READY).ready, true);
  });

  it('gives the diff of the last install', () => {
    const { bus, state } = setup();
    caughtUp(bus);
    bus.emit({ type: 'installed', resource: res, previous: 'a\nb\n', content: 'a\nc\n' });
    const d = state.snapshot(DEFAULT_READY).resources[0]?.lastDiff?.text ?? '';
    assert.match(d, /^-b$/m);
    assert.match(d, /^\+c$/m);
  });
});
