// The retry policy every backend loop and the runner use: growth, cap, jitter, giving up on errors retrying cannot
// fix, and sleeps that end at once on abort.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BackendError } from '../types.js';
import { Backoff, formatDelay, isRetryable, retryMessage, sleep, untilAborted } from './retry.js';

describe('Backoff', () => {
  it('grows exponentially to the cap, with jitter inside its bounds, and starts over after reset()', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0, random: () => 0.5 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next(), b.next()], [100, 200, 400, 800, 1000, 1000]);
    assert.equal(b.attempt, 6);
    b.reset();
    assert.equal(b.next(), 100);
    const low = new Backoff({ initialMs: 1000, jitter: 0.2, random: () => 0 });
    const high = new Backoff({ initialMs: 1000, jitter: 0.2, random: () => 0.999999 });
    assert.equal(low.next(), 800);
    assert.equal(high.next(), 1200);
  });

  it('gives up on an error that is not retryable after its attempts, never on one that is', () => {
    const b = new Backoff({ attemptsIfNotRetryable: 2 });
    const auth = new BackendError('authentication failed', 'EAUTH', { retryable: false });
    const down = new BackendError('connection refused', 'EUNAVAILABLE');
    assert.equal(isRetryable(auth), false);
    assert.equal(isRetryable(down), true);
    assert.equal(isRetryable(new Error('x')), true);
    for (let i = 0; i < 100; i++) assert.equal(b.giveUp(down), false);
    assert.equal(b.giveUp(auth), false);
    assert.equal(b.giveUp(auth), false);
    assert.equal(b.giveUp(auth), true);
    b.reset();
    assert.equal(b.giveUp(auth), false);
    assert.equal(new Backoff({ attemptsIfNotRetryable: 0 }).giveUp(auth), true);
  });

  it('says what failed and when the next try is', () => {
    assert.equal(retryMessage('etcdv3: read at endpoint http://127.0.0.1:2379: connection refused', 1500, 2), 'etcdv3: read at endpoint http://127.0.0.1:2379: connection refused; retrying in 1.5 s (attempt 3)');
    assert.deepEqual([formatDelay(250), formatDelay(1000), formatDelay(30_000), formatDelay(90_000)], ['250 ms', '1.0 s', '30 s', '1.5 min']);
  });

  it('sleeps end at once when the signal aborts', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const slept = sleep(60_000, ac.signal);
    const waited = untilAborted(ac.signal);
    setTimeout(() => ac.abort(), 20);
    assert.equal(await slept, false);
    await waited;
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(await sleep(1), true);
  });
});
