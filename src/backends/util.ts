// Small pieces the network backends (etcdv3, etcdv2, redis) share: abortable promises, an async event queue for
// watch iterators, and one-line error descriptions. Sleeps and backoff are the retry policy's (shared/retry.ts).

import { BackendError } from './types.js';

/** Reject with a BackendError('...canceled', 'ECANCELED') when `signal` aborts before `p` settles. */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(canceled(what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(canceled(what));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export function canceled(what: string): BackendError {
  return new BackendError(`${what}: canceled`, 'ECANCELED', { retryable: false });
}

/** One line describing `err` and its causes ("connect ECONNREFUSED 127.0.0.1:2379"). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 4; depth++) {
    let msg: string;
    if (cur instanceof AggregateError && cur.errors.length > 0) {
      msg = cur.errors.map((e) => describeError(e)).join('; ');
      cur = undefined;
    } else if (cur instanceof Error) {
      msg = cur.message || cur.name;
      const code = (cur as { code?: unknown }).code;
      if (typeof code === 'string' && !msg.includes(code)) msg = `${msg} (${code})`;
      cur = cur.cause;
    } else {
      msg = String(cur);
      cur = undefined;
    }
    msg = msg.replace(/\s*\n\s*/g, ' ').trim();
    if (msg !== '' && !parts.some((p) => p.includes(msg))) parts.push(msg);
  }
  return parts.join(': ');
}

export { matchesRawPrefix, minimalPrefixes } from '../util/prefixes.js';

/** True when `key` is `prefix` itself or lies in the directory `prefix` (etcd v2 / redis semantics). */
export function inTree(key: string, prefix: string): boolean {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (p === '') return true;
  return key === p || key.startsWith(`${p}/`);
}

/**
 * A single-consumer queue feeding a watch iterator: producers `push` events or `fail` with an error; the
 * consumer awaits `next()`, which returns undefined once `signal` aborts.
 */
export class EventQueue<T> {
  private items: T[] = [];
  private waiter: (() => void) | undefined;
  private error: unknown;
  private hasError = false;

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  fail(err: unknown): void {
    this.error = err;
    this.hasError = true;
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Next item; undefined when aborted. Throws what `fail` was given (once). */
  async next(signal: AbortSignal): Promise<T | undefined> {
    for (;;) {
      if (signal.aborted) return undefined;
      if (this.items.length > 0) return this.items.shift();
      if (this.hasError) {
        this.hasError = false;
        const e = this.error;
        this.error = undefined;
        throw e;
      }
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiter = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
      });
    }
  }
}
