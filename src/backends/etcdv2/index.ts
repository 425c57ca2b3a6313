// etcd v2 keys API backend (the API the seed uses: `etcdctl set`, `curl /v2/keys`), over plain HTTP(S).
//
// No client library: the v2 Go/JS clients are deprecated. We use node:http/https rather than fetch because
// client certificates (-client-cert/-client-key) and -client-insecure need a TLS agent, which Node 20's
// fetch only accepts through the separate `undici` package.
//
// Semantics follow confd's v2 client (backends/etcd/client.go before v0.12): a prefix is read with
// `recursive=true&quorum=true` and its directories are flattened to leaf keys ("/db" reads "/db" and "/db/...",
// not "/dbx"). Keys are the node keys etcd returns. A missing prefix reads as empty (confd failed the whole
// template with "100: Key not found"; an empty registry directory is a normal state for a service registry).
// Watch: `?wait=true&recursive=true&waitIndex=N` on the deepest directory covering all prefixes, resumed from
// the last delivered index after any failure, on the next endpoint. "401 event index cleared" (etcd keeps the
// last 1000 events) and directory deletes/expiries (which remove keys we are not told about) are answered
// with a full re-read delivered as a 'reset'.

import { BackendError, type Backend, type BackendOptions, type Change, type Snapshot, type WatchEvent } from '../types.js';
import { Backoff, retryMessage, sleep } from '../common/retry.js';
import { canceled, describeError, inTree } from '../util.js';
import { redactUrls } from '../../log/redact.js';
import { createEtcdV2Client, isErrorCode, keyPath, type HttpResult, type V2Node } from './client.js';

export { keyPath } from './client.js';

/** How long one wait request stays open before it is re-issued (keeps dead connections from lingering). */
const LONG_POLL_MS = 60_000;

export interface EtcdV2BackendOptions extends BackendOptions {
  /** Cap of one wait request (default 60 s); tests shorten it. */
  readonly longPollMs?: number;
}

/** Flatten a v2 node tree into leaf keys (confd's nodeWalk). */
function flatten(node: V2Node | undefined, out: Map<string, string>): void {
  if (!node) return;
  if (node.dir) {
    for (const child of node.nodes ?? []) flatten(child, out);
  } else if (node.key !== undefined) {
    out.set(node.key, node.value ?? '');
  }
}

/** The deepest directory containing every prefix ("/nginx/a" and "/nginx/b" -> "/nginx"). */
export function commonDirectory(prefixes: readonly string[]): string {
  const split = prefixes.map((p) => p.split('/').filter((s) => s !== ''));
  if (split.length === 0) return '/';
  const first = split[0] ?? [];
  let n = first.length;
  for (const s of split) {
    let i = 0;
    while (i < n && i < s.length && s[i] === first[i]) i++;
    n = i;
  }
  return `/${first.slice(0, n).join('/')}`;
}

export function createEtcdV2Backend(o: EtcdV2BackendOptions): Backend {
  const name = 'etcdv2';
  const http = createEtcdV2Client(o, name);
  const { endpoints, timeoutMs, get, getWithFailover, httpError, networkError } = http;

  /** Read one prefix tree; resolves with its leaves and the X-Etcd-Index of the answer. */
  const readOne = async (prefix: string, signal?: AbortSignal): Promise<{ values: Map<string, string>; index: bigint }> => {
    const what = `read ${JSON.stringify(prefix)}`;
    const r = await getWithFailover(`/v2/keys${keyPath(prefix)}?recursive=true&quorum=true`, what, signal ? { signal } : {});
    const values = new Map<string, string>();
    if (r.status === 404 && isErrorCode(r.body, 100)) {
      // Key not found: an empty tree. The error body carries the current index.
      const index = r.etcdIndex ?? (r.body.index !== undefined ? BigInt(r.body.index) : 0n);
      return { values, index };
    }
    if (r.status !== 200) throw httpError(r, what);
    flatten(r.body.node, values);
    if (r.etcdIndex === undefined) throw new BackendError(`${name}: ${what} at ${r.endpoint}: answer without X-Etcd-Index`, 'EETCD', { endpoint: r.endpoint });
    return { values, index: r.etcdIndex };
  };

  const read = async (prefixes: readonly string[], signal?: AbortSignal): Promise<Snapshot> => {
    if (signal?.aborted) throw canceled(`${name}: read`);
    const unique = [...new Set(prefixes)];
    if (unique.length === 0) {
      const r = await readOne('/__confd_ts_index_probe__', signal);
      return { revision: r.index, values: new Map() };
    }
    // v2 has no multi-key read at an index: read each tree, and when a write slipped in between (the answers'
    // X-Etcd-Index differ), read again. On a cluster too busy for that, report the smallest index: the watch
    // then replays everything after it, so the state converges at once (confd's v2 reads were never atomic).
    let parts: { values: Map<string, string>; index: bigint }[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      parts = [];
      for (const p of unique) parts.push(await readOne(p, signal));
      if (parts.every((p) => p.index === parts[0]?.index)) break;
    }
    const values = new Map<string, string>();
    let revision = parts[0]?.index ?? 0n;
    for (const p of parts) {
      for (const [k, v] of p.values) values.set(k, v);
      if (p.index < revision) revision = p.index;
    }
    return { revision, values };
  };

  async function* watch(prefixes: readonly string[], fromRevision: bigint, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const wanted = [...new Set(prefixes)];
    if (wanted.length === 0) return;
    const root = commonDirectory(wanted);
    // Not retryable (auth, no v2 API): thrown to the daemon at once, which decides whether to go on.
    const backoff = new Backoff({ attemptsIfNotRetryable: 0 });
    let next = fromRevision + 1n;
    /** Logs what failed and when the next try is, then waits (false: stopped meanwhile). */
    const retryLater = (failure: string): Promise<boolean> => {
      const attempt = backoff.attempt;
      const delay = backoff.next();
      o.log?.warn(retryMessage(failure, delay, attempt));
      return sleep(delay, signal);
    };

    /** Full re-read with backoff until it works (or we are stopped); the caller yields the reset. */
    const reread = async (): Promise<Snapshot | undefined> => {
      for (;;) {
        if (signal.aborted) return undefined;
        try {
          const snap = await read(wanted, signal);
          backoff.reset();
          return snap;
        } catch (err) {
          if (signal.aborted) return undefined;
          if (backoff.giveUp(err)) throw err;
          await retryLater(`${name}: re-reading everything: ${describeError(err)}`);
        }
      }
    };

    while (!signal.aborted) {
      const what = `watch ${JSON.stringify(root)} from index ${next}`;
      const endpointIndex = http.preferred % endpoints.length;
      const endpoint = endpoints[endpointIndex] ?? '';
      let startIndex: bigint | undefined;
      let r: HttpResult;
      try {
        r = await get(endpoint, `/v2/keys${keyPath(root)}?wait=true&recursive=true&waitIndex=${next}`, {
          signal,
          timeoutMs: o.longPollMs ?? LONG_POLL_MS,
          headersTimeoutMs: timeoutMs,
          onHeaders: (idx) => (startIndex = idx),
        });
      } catch (err) {
        if (signal.aborted) return;
        if ((err as { code?: unknown }).code === 'ETIMEDOUT' && startIndex !== undefined) {
          // Our long-poll cap, not a failure. etcd flushed the headers at once with the index the watch started
          // at; no event up to it concerned us (it would have been answered at once), so resume after it: this
          // keeps a quiet prefix on a busy cluster out of the 1000-event window.
          if (startIndex + 1n > next) next = startIndex + 1n;
          continue;
        }
        // Fail over: the next attempt goes to the next endpoint.
        if (http.preferred === endpointIndex) http.preferred = (endpointIndex + 1) % endpoints.length;
        await retryLater(`${networkError(endpoint, err, what).message}; next on ${redactUrls(endpoints[http.preferred] ?? '')}`);
        continue;
      }
      if (r.status >= 500) {
        if (http.preferred === endpointIndex) http.preferred = (endpointIndex + 1) % endpoints.length;
        await retryLater(`${httpError(r, what).message}; next on ${redactUrls(endpoints[http.preferred] ?? '')}`);
        continue;
      }
      if (r.status === 400 && isErrorCode(r.body, 401)) {
        o.log?.warn(`${name}: ${what} at ${r.endpoint}: ${r.body.message ?? 'event index cleared'} (${r.body.cause ?? ''}); re-reading everything`);
        const snap = await reread();
        if (!snap) return;
        next = snap.revision + 1n;
        yield { kind: 'reset', snapshot: snap };
        continue;
      }
      if (r.status !== 200) {
        const err = httpError(r, what);
        if (backoff.giveUp(err)) throw err;
        await retryLater(err.message);
        continue;
      }
      const node = r.body.node;
      const action = r.body.action ?? '';
      if (!node || node.modifiedIndex === undefined || node.key === undefined) {
        // An empty answer (the server closed the poll): resume where we were, after a pause (a proxy answering
        // every poll at once with nothing must not make this a busy loop).
        const delay = backoff.next();
        o.log?.debug(`${name}: ${what} at ${r.endpoint}: empty answer; polling again in ${delay} ms`);
        if (!(await sleep(delay, signal))) return;
        continue;
      }
      backoff.reset();
      const eventIndex = BigInt(node.modifiedIndex);
      next = eventIndex + 1n;
      const key = node.key;
      const concerned = wanted.some((p) => inTree(key, p) || (node.dir === true && inTree(p, key)));
      if (!concerned) continue;
      let change: Change | undefined;
      switch (action) {
        case 'set':
        case 'update':
        case 'create':
        case 'compareAndSwap':
          if (!node.dir) change = { type: 'put', key, value: node.value ?? '' };
          break;
        case 'delete':
        case 'expire':
        case 'compareAndDelete':
          if (!node.dir && !r.body.prevNode?.dir) change = { type: 'delete', key };
          else {
            // A directory went away with keys we are not told about: re-read.
            o.log?.info(`${name}: directory ${key} ${action === 'expire' ? 'expired' : 'deleted'} at index ${eventIndex}; re-reading everything`);
            const snap = await reread();
            if (!snap) return;
            next = snap.revision + 1n;
            yield { kind: 'reset', snapshot: snap };
          }
          break;
        default:
          o.log?.warn(`${name}: ignoring unknown watch action ${JSON.stringify(action)} on ${key}`);
      }
      if (change) yield { kind: 'changes', revision: eventIndex, changes: [change] };
    }
  }

  return {
    name,
    read,
    watch,
    async close() {
      http.close();
    },
  };
}
