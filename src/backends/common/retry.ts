// The one retry policy: every backend's watch/reconnect loop and the daemon's runner (re-reads, watches that end,
// failed resources) wait with it, so that a fault anywhere backs off the same way and says so the same way.
//
// Exponential with jitter and a cap; the sleep ends early when the AbortSignal fires (SIGTERM is never held up by
// a backoff). Errors say whether retrying can help (BackendError.retryable, or any error's `retryable` field):
// those that cannot (authentication, permissions, configuration) get a few attempts, to ride out a moment such as
// an etcd member that has just restarted and forgotten its tokens, and then the caller gives up and says why.
// Log lines name what failed, the cause, and when the next try is, in our own words (see describeError).

export { sleep } from '../../util/sleep.js';

export interface RetryPolicyOptions {
  /** First delay (default 100 ms). */
  readonly initialMs?: number;
  /** Longest delay (default 5 s). */
  readonly maxMs?: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
  /** Spread: each delay is multiplied by a random factor in [1 - jitter, 1 + jitter] (default 0.2). */
  readonly jitter?: number;
  /** Attempts an error that is not retryable gets before the caller gives up (default 5). */
  readonly attemptsIfNotRetryable?: number;
  /** Random source in [0, 1) (tests inject a fixed one). */
  readonly random?: () => number;
}

/** Whether retrying may help: false for errors marked `retryable: false` (BackendError, ResourceError). */
export function isRetryable(err: unknown): boolean {
  if (typeof err === 'object' && err !== null && 'retryable' in err) return (err as { retryable: unknown }).retryable !== false;
  return true;
}

/**
 * Backoff state for one loop: `next()` is the delay before the next attempt, `reset()` after a success.
 * `giveUp(err)` says whether the loop should stop retrying this error (not retryable, attempts used up).
 */
export class Backoff {
  private attempts = 0;
  private notRetryable = 0;
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly limit: number;
  private readonly random: () => number;

  constructor(o: RetryPolicyOptions = {}) {
    this.initialMs = o.initialMs ?? 100;
    this.maxMs = Math.max(this.initialMs, o.maxMs ?? 5000);
    this.factor = o.factor ?? 2;
    this.jitter = Math.min(1, Math.max(0, o.jitter ?? 0.2));
    this.limit = o.attemptsIfNotRetryable ?? 5;
    this.random = o.random ?? Math.random;
  }

  /** Attempts since the last reset (1 after the first failure). */
  get attempt(): number {
    return this.attempts;
  }

  /** The delay before the next attempt; grows with every call until reset(). */
  next(): number {
    const d = this.delay(this.attempts);
    this.attempts += 1;
    return d;
  }

  /** The delay before attempt `n` (0-based), without changing the state (for clients that keep their own). */
  delay(n: number): number {
    const base = Math.min(this.maxMs, this.initialMs * this.factor ** Math.min(n, 40));
    // Jitter, so that many confd instances do not all come back in lockstep.
    return Math.max(1, Math.round(base * (1 - this.jitter + this.random() * 2 * this.jitter)));
  }

  /** Counts `err`; true when it is not retryable and has had its attempts. */
  giveUp(err: unknown): boolean {
    if (isRetryable(err)) return false;
    this.notRetryable += 1;
    return this.notRetryable > this.limit;
  }

  reset(): void {
    this.attempts = 0;
    this.notRetryable = 0;
  }
}

/** Resolves when `signal` aborts (a loop with nothing to do waits here for SIGHUP or SIGTERM). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** "250 ms", "1.5 s", "2 min": a delay as an operator reads it. */
export function formatDelay(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${(ms / 60_000).toFixed(ms < 600_000 ? 1 : 0)} min`;
}

/** "<what failed>; retrying in 1.5 s (attempt 3)": one line saying what failed and when the next try is. */
export function retryMessage(failure: string, delayMs: number, attempt: number): string {
  return `${failure}; retrying in ${formatDelay(delayMs)} (attempt ${attempt + 1})`;
}

/** The line a loop logs when it stops retrying an error that retrying cannot fix. */
export function giveUpMessage(failure: string, attempts: number): string {
  return `${failure}; not retrying after ${attempts} attempts: this needs a change of configuration or credentials`;
}
