// etcd v3 backend (also `-backend etcd`), on the `etcd3` client.
//
// Reads: every prefix is a raw key prefix (confd's clientv3.WithPrefix), read page by page at ONE revision
// (the first page pins it), so a resource never sees half of a change. Watch: one watch stream over the key
// range covering all prefixes (so events arrive in revision order), filtered client-side, resumed from the last
// delivered revision after any stream break or member loss; when the revision has been compacted away, a full
// re-read is delivered as a 'reset'.

import { decodeBytes, encodeBytes } from '../../govalue/bytes.js';
import type { IRangeResponse, IWatchResponse, Watcher } from 'etcd3';
import { type Backend, type BackendOptions, type Change, type Snapshot, type WatchEvent } from '../types.js';
import { connectEtcdV3, type EtcdV3Connection } from './connect.js';
import { Backoff, retryMessage, sleep } from '../common/retry.js';
import { abortable, canceled, describeError, EventQueue, matchesRawPrefix, minimalPrefixes } from '../util.js';

/** Keys in the first range request (and in every one when a fixed pageSize is configured). */
const PAGE_SIZE = 5000;
/**
 * Adaptive pages aim at this many response bytes: few enough requests for etcd 3.4 (which walks the rest of the
 * range for every page), a small transient (the decoded page) for the client.
 */
const PAGE_TARGET_BYTES = 1 << 20;
const MIN_PAGE = 100;
const MAX_PAGE = 50_000;
/** Protobuf bytes of one KeyValue besides its key and value (field tags, lengths, revisions, version). */
const KV_OVERHEAD_BYTES = 24;

export interface EtcdV3BackendOptions extends BackendOptions {
  /** Name in logs and errors: "etcdv3" or "etcd". */
  readonly backendName?: string;
  /** Keys per range request (default 5000); tests use small pages. */
  readonly pageSize?: number;
}

/** The first key after every key with this prefix (etcd's prefix range end). "" means "to the end". */
function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    const byte = end[i] ?? 0xff;
    if (byte < 0xff) {
      end[i] = byte + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // all 0xff (or empty): no upper bound
}

export function createEtcdV3Backend(o: EtcdV3BackendOptions): Backend {
  const name = o.backendName ?? 'etcdv3';
  const { client, where, timeoutMs, toBackendError, describeCause } = connectEtcdV3(o, {
    name,
    watchBackoff: new StreamBackoff(new Backoff(), 0),
  });
  const pageSize = o.pageSize ?? PAGE_SIZE;

  /**
   * Range requests of at most `limit` keys. etcd 3.4 walks every remaining key of the range for each page (to
   * count them), so few large pages are much cheaper than many small ones (200,000 keys: 1.6 s in pages of 5,000,
   * 0.9 s adaptive). Without a fixed pageSize, the limit adapts so that a page is about PAGE_TARGET_BYTES, judged
   * by the keys of the previous page.
   */
  const nextLimit = (limit: number, kvs: IRangeResponse['kvs']): number => {
    if (o.pageSize !== undefined || kvs.length === 0) return limit;
    let bytes = 0;
    for (const kv of kvs) bytes += kv.key.length + kv.value.length + KV_OVERHEAD_BYTES;
    return Math.max(MIN_PAGE, Math.min(MAX_PAGE, Math.floor(PAGE_TARGET_BYTES / (bytes / kvs.length))));
  };

  /**
   * Reads every key under the prefixes at one revision and hands each to `sink` in key order as the pages arrive;
   * resolves with the revision. The next page is requested before the current one is handed over, so that etcd
   * works on it meanwhile.
   */
  const scan = async (prefixes: readonly string[], sink: (key: string, value: string) => void, signal?: AbortSignal): Promise<bigint> => {
    const what = `read ${prefixes.map((p) => JSON.stringify(p)).join(', ')}`;
    if (signal?.aborted) throw canceled(`${name}: ${what}`);
    let revision: bigint | undefined;
    let keys = 0;
    let limit = pageSize;
    try {
      for (const prefix of minimalPrefixes(prefixes)) {
        const prefixBuf = encodeBytes(prefix);
        // An empty prefix is the whole keyspace: [\0, \0).
        const end = prefixRangeEnd(prefixBuf);
        const request = (start: Buffer): Promise<IRangeResponse> => {
          const p = abortable(
            client.kv.range({ key: start, range_end: end, limit, ...(revision !== undefined ? { revision: revision.toString() } : {}) }),
            signal,
            `${name}: ${what}`,
          );
          p.catch(() => undefined); // awaited below; a failure while we process the previous page is not unhandled
          return p;
        };
        let pending = request(prefixBuf.length === 0 ? Buffer.from([0]) : prefixBuf);
        for (;;) {
          const res = await pending;
          if (revision === undefined) revision = BigInt(res.header.revision);
          const last = res.kvs[res.kvs.length - 1];
          const more = res.more && last !== undefined;
          if (more) {
            limit = nextLimit(limit, res.kvs);
            pending = request(Buffer.concat([last.key, Buffer.from([0])]));
          }
          for (const kv of res.kvs) sink(decodeBytes(kv.key), decodeBytes(kv.value)); // bytes: govalue/bytes.ts
          keys += res.kvs.length;
          if (!more) break;
        }
      }
      if (revision === undefined) {
        // No prefixes: still report the current revision so that a watch can start from it.
        const res = await abortable(client.kv.range({ key: Buffer.from([0]), limit: 1, count_only: true }), signal, `${name}: ${what}`);
        revision = BigInt(res.header.revision);
      }
    } catch (err) {
      throw toBackendError(err, what);
    }
    o.log?.debug(`${name}: read ${keys} keys at revision ${revision}`);
    return revision;
  };

  const read = async (prefixes: readonly string[], signal?: AbortSignal): Promise<Snapshot> => {
    const values = new Map<string, string>();
    const revision = await scan(prefixes, (k, v) => values.set(k, v), signal);
    return { revision, values };
  };

  async function* watch(prefixes: readonly string[], fromRevision: bigint, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const wanted = minimalPrefixes(prefixes);
    if (wanted.length === 0) return;
    // One range covering every prefix keeps a single, totally ordered event stream.
    const starts = wanted.map(encodeBytes);
    const ends = starts.map(prefixRangeEnd);
    const rangeStart = starts.reduce((a, b) => (Buffer.compare(a, b) <= 0 ? a : b));
    const unbounded = ends.some((e) => e.length === 1 && e[0] === 0);
    const rangeEnd = unbounded ? Buffer.from([0]) : ends.reduce((a, b) => (Buffer.compare(a, b) >= 0 ? a : b));
    // Not retryable (auth, permissions): thrown to the daemon at once, which decides whether to go on.
    const backoff = new Backoff({ attemptsIfNotRetryable: 0 });
    let last = fromRevision;

    type Item = { kind: 'data'; res: IWatchResponse } | { kind: 'canceled'; err: unknown };
    while (!signal.aborted) {
      const queue = new EventQueue<Item>();
      const builder = client.watch().inRange({ start: rangeStart.length === 0 ? Buffer.from([0]) : rangeStart, end: rangeEnd }).startRevision((last + 1n).toString());
      const watcher: Watcher = builder.watcher();
      const request = watcher.request as { start_revision?: string | number };
      // The stream broke and no 'connected' came since. etcd3 does not always emit 'connected' when a stream that
      // broke twice in a row is re-established; data on it proves it is.
      let down = false;
      watcher.on('data', (res: IWatchResponse) => {
        if (down) {
          down = false;
          o.observer?.connected();
        }
        o.observer?.revision(BigInt(res.header.revision));
        queue.push({ kind: 'data', res });
      });
      watcher.on('error', (err: unknown) => queue.push({ kind: 'canceled', err }));
      watcher.on('disconnected', (err: unknown) => {
        // etcd3 resumes from the header revision it last saw, which can run ahead of the events delivered
        // (catch-up batches, the 'created' header); resume from what we actually delivered instead.
        request.start_revision = (last + 1n).toString();
        o.log?.warn(`${name}: watch stream to ${where} broke (${describeCause(err)}); resuming from revision ${last + 1n}`);
        o.observer?.error(`watch stream broke: ${describeCause(err)}`);
        down = true;
      });
      watcher.on('connected', (res: IWatchResponse) => {
        down = false;
        backoff.reset();
        o.observer?.connected();
        o.observer?.revision(BigInt(res.header.revision));
      });
      let serverCanceled = false;
      // Detaching waits for etcd's cancel confirmation; never let a dead stream hold us up.
      const detach = (): Promise<unknown> =>
        serverCanceled ? Promise.resolve() : Promise.race([watcher.cancel().catch(() => undefined), sleep(1000)]);
      const onAbort = (): void => void detach();
      signal.addEventListener('abort', onAbort, { once: true });
      let needReset = false;
      try {
        for (;;) {
          const item = await queue.next(signal);
          if (item === undefined) return;
          if (item.kind === 'canceled') {
            serverCanceled = true; // etcd3 has already dropped this watcher
            o.log?.warn(`${name}: watch from revision ${last + 1n} canceled by etcd (${describeError(item.err)}); re-reading everything`);
            needReset = true;
            break;
          }
          const res = item.res;
          if (res.compact_revision !== undefined && res.compact_revision !== '0' && res.events.length === 0 && BigInt(res.compact_revision) > last) {
            o.log?.warn(`${name}: revision ${last + 1n} was compacted (compact revision ${res.compact_revision}); re-reading everything`);
            needReset = true;
            break;
          }
          const changes: Change[] = [];
          let maxRev = last;
          for (const ev of res.events) {
            const rev = BigInt(ev.kv.mod_revision);
            if (rev <= last) continue; // replayed after a reconnect: already delivered
            if (rev > maxRev) maxRev = rev;
            const key = decodeBytes(ev.kv.key);
            if (!matchesRawPrefix(key, wanted)) continue;
            changes.push(ev.type === 'Delete' ? { type: 'delete', key } : { type: 'put', key, value: decodeBytes(ev.kv.value) });
          }
          if (maxRev > last) {
            last = maxRev;
            request.start_revision = (last + 1n).toString();
            if (changes.length > 0) yield { kind: 'changes', revision: last, changes };
          }
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
        await detach();
      }
      if (!needReset) continue;
      // Full re-read, retried with backoff until it succeeds or we are stopped.
      for (;;) {
        if (signal.aborted) return;
        try {
          let snapshot: Snapshot | undefined = await read(prefixes, signal);
          last = snapshot.revision;
          backoff.reset();
          yield { kind: 'reset', snapshot };
          // This generator runs as long as the daemon: drop the whole registry it just delivered.
          snapshot = undefined;
          break;
        } catch (err) {
          if (signal.aborted) return;
          if (backoff.giveUp(err)) throw err;
          const attempt = backoff.attempt;
          const delay = backoff.next();
          o.log?.error(retryMessage(`${name}: re-reading after the watch was canceled: ${describeError(err)}`, delay, attempt));
          await sleep(delay, signal);
        }
      }
    }
  }

  /**
   * A linearizable read of one single key (the empty-named "\0", which nobody uses): one index lookup, not a walk
   * of a range (etcd 3.4 counts a whole range even with limit 1), and its header carries the current revision.
   */
  const head = async (signal?: AbortSignal): Promise<bigint> => {
    try {
      const res = await abortable(client.kv.range({ key: Buffer.from([0]), keys_only: true }), signal, `${name}: head revision`);
      return BigInt(res.header.revision);
    } catch (err) {
      throw toBackendError(err, 'head revision');
    }
  };

  /**
   * The member list, each member asked for its own status (one small client per member, made on first use, with
   * the same credentials): leader, follower, learner, or unreachable. For the status page, every few seconds.
   */
  const memberClients = new Map<string, EtcdV3Connection['client']>();
  const memberClient = (url: string): EtcdV3Connection['client'] => {
    let c = memberClients.get(url);
    if (!c) {
      c = connectEtcdV3({ ...o, nodes: [url], requestTimeoutMs: 1500 }, { name }).client;
      memberClients.set(url, c);
    }
    return c;
  };
  const members = async (signal?: AbortSignal): Promise<{ name: string; endpoint: string; state: string }[]> => {
    let list;
    try {
      list = await abortable(client.cluster.memberList({}), signal, `${name}: member list`);
    } catch (err) {
      throw toBackendError(err, 'member list');
    }
    return Promise.all(
      list.members.map(async (m) => {
        const url = m.clientURLs[0];
        let state = m.name === '' ? 'starting' : 'unreachable';
        if (url !== undefined && m.name !== '') {
          try {
            const st = await abortable(memberClient(url).maintenance.status(), signal, `${name}: status of ${url}`);
            state = m.isLearner ? 'learner' : st.leader === st.header.member_id ? 'leader' : 'follower';
          } catch {
            // unreachable
          }
        }
        return { name: m.name || m.ID, endpoint: m.clientURLs.join(','), state };
      }),
    );
  };

  return {
    name,
    read,
    readEach: scan,
    watch,
    head,
    members,
    async close() {
      client.close();
      for (const c of memberClients.values()) c.close();
      memberClients.clear();
    },
  };
}

/** etcd3's watch reconnect backoff (cockatiel's IBackoff shape), with the delays of our retry policy. */
class StreamBackoff {
  readonly duration: number;
  constructor(
    private readonly policy: Backoff,
    private readonly n: number,
  ) {
    this.duration = policy.delay(n);
  }
  next(): StreamBackoff {
    return new StreamBackoff(this.policy, this.n + 1);
  }
}
