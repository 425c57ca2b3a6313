// Redis backend, on ioredis, mapping keys as confd's backends/redis/client.go does:
//
// - `-node host:port` or `host:port/DB` (database number) or a unix socket path; the nodes are tried in order.
// - `-password` (confd passes it to redis AUTH without -basic-auth).
// - `-separator` (default "/"): confd key "/app/db/host" is redis key "/app/db/host" with "/", or "app:db:host"
//   with ":" (leading "/" dropped, "/" replaced); keys read back are mapped the other way ("app:db:host" ->
//   "/app/db/host").
// - A prefix is read as confd does: if the redis key itself is a string, that value; if it is a hash, its fields
//   as "<prefix>/<field>"; otherwise every string key matching "<prefix>/*" (SCAN). So "/db" reads "/db" and
//   "/db/...", not "/dbx" (tree semantics, not etcd's raw prefix). Glob characters in keys are escaped (confd
//   did not), so a key containing "*" or "[" reads only itself.
//
// Redis has no revisions: a read is not a point-in-time snapshot across keys, and `revision` is a counter of
// this backend instance. Watch uses keyspace notifications (enabled with CONFIG SET when the server allows;
// otherwise polling, announced with a warning): after every (re)subscription the watched keys are re-read and
// diffed against what was delivered, so a notification lost during a disconnect or a redis-server restart is
// never a lost update.

import { stat } from 'node:fs/promises';
import { Redis, type RedisOptions } from 'ioredis';
import { decodeBytes, encodeBytes } from '../../govalue/bytes.js';
import { BackendError, type Backend, type BackendOptions, type Change, type Snapshot, type WatchEvent } from '../types.js';
import { Backoff, retryMessage, sleep } from '../common/retry.js';
import { canceled, describeError } from '../util.js';
import { redactNode, secretRedactor } from '../../log/redact.js';

export interface RedisBackendOptions extends BackendOptions {
  /** Poll interval when keyspace notifications cannot be enabled (default 2000 ms). */
  readonly pollIntervalMs?: number;
}

interface NodeAddress {
  /** As given in -node, for messages. */
  readonly display: string;
  readonly db: number;
  readonly path?: string;
  readonly host?: string;
  readonly port?: number;
}

/** confd: "host:port/db" selects a database; a path that exists on disk is a unix socket. */
export async function parseRedisNode(node: string): Promise<NodeAddress> {
  let address = node.trim().replace(/^redis:\/\//, '');
  let db = 0;
  const slash = address.indexOf('/');
  if (slash > 0) {
    const n = address.slice(slash + 1);
    if (/^\d+$/.test(n)) {
      db = Number(n);
      address = address.slice(0, slash);
    }
  }
  try {
    await stat(address);
    return { display: redactNode(node), db, path: address };
  } catch {
    // not a socket path
  }
  const m = /^(.*):(\d+)$/.exec(address);
  const host = (m?.[1] ?? address).replace(/^\[(.*)\]$/, '$1') || '127.0.0.1';
  const port = m ? Number(m[2]) : 6379;
  return { display: redactNode(node), db, host, port };
}

/** Escape redis glob metacharacters so a key matches only itself in SCAN MATCH / PSUBSCRIBE. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

interface Entry {
  readonly value: string;
  /** The redis key the entry came from (a string key, or the hash holding the field). */
  readonly rkey: string;
}

export function createRedisBackend(o: RedisBackendOptions): Backend {
  const name = 'redis';
  const separator = o.separator === '' ? '/' : o.separator;
  const nodes = o.nodes.length > 0 ? o.nodes : ['127.0.0.1:6379'];
  const timeoutMs = o.requestTimeoutMs > 0 ? o.requestTimeoutMs : 10_000;
  const pollIntervalMs = o.pollIntervalMs ?? 2000;

  const transform = (key: string): string => (separator === '/' ? key : key.replace(/^\//, '').split('/').join(separator));
  const clean = (rkey: string): string => {
    const k = rkey.startsWith('/') ? rkey : `/${rkey}`;
    return k.split(separator).join('/');
  };

  const connectionOptions = (addr: NodeAddress): RedisOptions => ({
    ...(addr.path !== undefined ? { path: addr.path } : { host: addr.host ?? '127.0.0.1', port: addr.port ?? 6379 }),
    db: addr.db,
    ...(o.password ? { password: o.password } : {}),
    ...(o.basicAuth && o.username ? { username: o.username } : {}),
    lazyConnect: true,
    connectTimeout: Math.min(timeoutMs, 5000),
    commandTimeout: timeoutMs,
    // We fail over and reconnect ourselves (next node, backoff), so ioredis must not queue or retry.
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    // Notice a server that vanished without closing the connection (the subscriber is otherwise silent).
    keepAlive: 10_000,
  });

  const hideSecrets = secretRedactor(nodes, [o.password]);
  const classify = (addr: NodeAddress, err: unknown, what: string): BackendError => {
    const cause = hideSecrets(describeError(err));
    if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(cause)) {
      return new BackendError(`${name}: ${what} at ${addr.display}: authentication failed (check -password): ${cause}`, 'EAUTH', { endpoint: addr.display, retryable: false, cause: err });
    }
    return new BackendError(`${name}: ${what} at ${addr.display}: ${cause}`, 'EUNAVAILABLE', { endpoint: addr.display, cause: err });
  };

  let client: { redis: Redis; addr: NodeAddress } | undefined;
  let preferred = 0;

  /** A connected client, trying the nodes in order starting with the last one that worked (confd tryConnect). */
  const connect = async (what: string, signal?: AbortSignal): Promise<{ redis: Redis; addr: NodeAddress }> => {
    if (client && client.redis.status === 'ready') return client;
    if (client) {
      client.redis.disconnect();
      client = undefined;
    }
    const failures: BackendError[] = [];
    for (let i = 0; i < nodes.length; i++) {
      if (signal?.aborted) throw canceled(`${name}: ${what}`);
      const idx = (preferred + i) % nodes.length;
      const node = nodes[idx];
      if (node === undefined) break; // idx < nodes.length
      const addr = await parseRedisNode(node);
      const redis = new Redis(connectionOptions(addr));
      // ioredis reports the real cause (WRONGPASS, ECONNREFUSED) as an 'error' event and then rejects
      // connect() with a bare "Connection is closed."; keep the former.
      let lastError: unknown;
      redis.on('error', (err: unknown) => (lastError = err));
      try {
        await redis.connect();
        preferred = idx;
        client = { redis, addr };
        o.log?.debug(`${name}: connected to ${addr.display}`);
        return client;
      } catch (err) {
        redis.disconnect();
        const failure = classify(addr, lastError ?? err, what);
        failures.push(failure);
        if (failure.code === 'EAUTH') break;
      }
    }
    if (failures.length === 1 && failures[0]) throw failures[0];
    throw new BackendError(
      `${name}: ${what}: all ${nodes.length} nodes failed: ${failures.map((f) => f.message.replace(`${name}: ${what} at `, '')).join('; ')}`,
      failures[0]?.code ?? 'EUNAVAILABLE',
      { endpoint: failures[0]?.endpoint ?? redactNode(nodes[0] ?? ''), cause: failures[0] },
    );
  };

  /** Entries one prefix reads, confd's GetValues for one key. Keys and values are bytes (govalue/bytes.ts). */
  const readPrefix = async (redis: Redis, prefix: string, out: Map<string, Entry>): Promise<void> => {
    const key = prefix.split('/*').join('');
    const k = transform(key);
    const type = await redis.type(encodeBytes(k));
    if (type === 'string') {
      const value = await redis.getBuffer(encodeBytes(k));
      if (value !== null) out.set(key, { value: decodeBytes(value), rkey: k });
      return;
    }
    if (type === 'hash') {
      for (const [field, value] of await hashEntries(redis, k)) out.set(clean(`${k}/${field}`), { value, rkey: k });
      return;
    }
    const pattern = key === '/' ? '*' : `${escapeGlob(k)}${escapeGlob(separator)}*`;
    let cursor = '0';
    do {
      const [nextCursor, found] = await redis.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', 1000); // prefixes come from TOML: text
      cursor = nextCursor.toString('latin1');
      if (found.length > 0) {
        // Values of the keys of one SCAN page in one round trip; non-string keys fail and are skipped, as in confd.
        const pipeline = redis.pipeline();
        for (const f of found) pipeline.getBuffer(f);
        const results = (await pipeline.exec()) ?? [];
        found.forEach((f, i) => {
          const [err, value] = results[i] ?? [null, null];
          if (!err && Buffer.isBuffer(value)) {
            const rkey = decodeBytes(f);
            out.set(clean(rkey), { value: decodeBytes(value), rkey });
          }
        });
      }
    } while (cursor !== '0');
  };

  /** A hash's [field, value] pairs, as bytes (hgetall's object form would decode field names as UTF-8). */
  const hashEntries = async (redis: Redis, rkey: string): Promise<Array<[string, string]>> => {
    const flat = (await redis.callBuffer('HGETALL', encodeBytes(rkey))) as Buffer[];
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = flat[i];
      const value = flat[i + 1];
      if (field !== undefined && value !== undefined) pairs.push([decodeBytes(field), decodeBytes(value)]);
    }
    return pairs;
  };

  /** Entries of exactly one redis key, if it is one the prefixes read (used on notifications). */
  const readRedisKey = async (redis: Redis, rkey: string, prefixes: readonly string[]): Promise<Map<string, Entry>> => {
    const out = new Map<string, Entry>();
    const raw = encodeBytes(rkey);
    for (const prefix of prefixes) {
      const key = prefix.split('/*').join('');
      const k = transform(key);
      if (rkey === k) {
        const type = await redis.type(raw);
        if (type === 'string') {
          const value = await redis.getBuffer(raw);
          if (value !== null) out.set(key, { value: decodeBytes(value), rkey });
        } else if (type === 'hash') {
          for (const [field, value] of await hashEntries(redis, rkey)) out.set(clean(`${rkey}/${field}`), { value, rkey });
        }
      } else if (key === '/' || rkey.startsWith(`${k}${separator}`)) {
        // Under a prefix that is itself a string or hash, confd reads only that key, not its "children".
        const prefixType = await redis.type(encodeBytes(k));
        if (prefixType === 'string' || prefixType === 'hash') continue;
        const value = await redis.getBuffer(raw).catch(() => null); // WRONGTYPE: not a string, skipped as in confd
        if (value !== null) out.set(clean(rkey), { value: decodeBytes(value), rkey });
      }
    }
    return out;
  };

  let revision = 0n;
  /** The last few reads, so a watch from a read's revision can diff instead of resetting. */
  const recentReads: { revision: bigint; prefixes: string; entries: Map<string, Entry> }[] = [];

  const readEntries = async (prefixes: readonly string[], signal?: AbortSignal): Promise<Map<string, Entry>> => {
    const what = `read ${prefixes.map((p) => JSON.stringify(p)).join(', ')}`;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw canceled(`${name}: ${what}`);
      const reused = client !== undefined && client.redis.status === 'ready';
      const c = await connect(what, signal);
      const entries = new Map<string, Entry>();
      try {
        for (const p of new Set(prefixes)) {
          if (signal?.aborted) throw canceled(`${name}: ${what}`);
          await readPrefix(c.redis, p, entries);
        }
        return entries;
      } catch (err) {
        if (err instanceof BackendError) throw err;
        if (client === c) {
          c.redis.disconnect();
          client = undefined;
        }
        // A kept connection may have died unnoticed (server restarted): one more try on a fresh one.
        if (reused && attempt === 0) continue;
        throw classify(c.addr, err, what);
      }
    }
  };

  const read = async (prefixes: readonly string[], signal?: AbortSignal): Promise<Snapshot> => {
    const entries = await readEntries(prefixes, signal);
    revision += 1n;
    recentReads.push({ revision, prefixes: JSON.stringify([...prefixes]), entries });
    if (recentReads.length > 4) recentReads.shift();
    return { revision, values: new Map([...entries].map(([k, e]) => [k, e.value])) };
  };

  /** Changes that turn `known` into `next` (restricted to `scope` keys when given); updates `known`. */
  const diff = (known: Map<string, Entry>, next: Map<string, Entry>, inScope: (k: string, e: Entry) => boolean): Change[] => {
    const changes: Change[] = [];
    for (const [k, e] of known) {
      if (inScope(k, e) && !next.has(k)) {
        known.delete(k);
        changes.push({ type: 'delete', key: k });
      }
    }
    for (const [k, e] of next) {
      const old = known.get(k);
      if (old === undefined || old.value !== e.value || old.rkey !== e.rkey) {
        known.set(k, e);
        if (old === undefined || old.value !== e.value) changes.push({ type: 'put', key: k, value: e.value });
      }
    }
    return changes;
  };

  /** Make sure keyspace notifications are on; false when the server does not let us (CONFIG disabled). */
  const enableNotifications = async (redis: Redis, addr: NodeAddress): Promise<boolean> => {
    try {
      const current = (await redis.config('GET', 'notify-keyspace-events')) as string[];
      const flags = current[1] ?? '';
      const hasK = flags.includes('K');
      const hasEvents = flags.includes('A') || ['g', '$', 'h', 'x', 'e'].every((f) => flags.includes(f));
      if (hasK && hasEvents) return true;
      const merged = [...new Set(`${flags}KA`.split(''))].join('');
      await redis.config('SET', 'notify-keyspace-events', merged);
      o.log?.info(`${name}: enabled keyspace notifications on ${addr.display} (notify-keyspace-events ${merged})`);
      return true;
    } catch (err) {
      o.log?.warn(
        `${name}: cannot enable keyspace notifications on ${addr.display} (${describeError(err)}); falling back to polling every ${pollIntervalMs} ms. Set notify-keyspace-events to "KA" in redis.conf for instant updates.`,
      );
      return false;
    }
  };

  async function* watch(prefixes: readonly string[], fromRevision: bigint, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const wanted = [...new Set(prefixes)];
    if (wanted.length === 0) return;
    const cached = recentReads.find((r) => r.revision === fromRevision && r.prefixes === JSON.stringify([...prefixes]));
    let known: Map<string, Entry> | undefined = cached ? new Map(cached.entries) : undefined;
    // Not retryable (auth): thrown to the daemon at once, which decides whether to go on.
    const backoff = new Backoff({ attemptsIfNotRetryable: 0 });
    const all = (): boolean => true;

    /** Re-read everything and yield the difference (or a reset when we have nothing to diff against). */
    async function* resync(): AsyncGenerator<WatchEvent> {
      const next = await readEntries(wanted, signal);
      if (known === undefined) {
        known = next;
        revision += 1n;
        yield { kind: 'reset', snapshot: { revision, values: new Map([...next].map(([k, e]) => [k, e.value])) } };
        return;
      }
      const changes = diff(known, next, all);
      if (changes.length > 0) {
        revision += 1n;
        yield { kind: 'changes', revision, changes };
      }
    }

    while (!signal.aborted) {
      let sub: Redis | undefined;
      try {
        const c = await connect('watch', signal);
        const polling = !(await enableNotifications(c.redis, c.addr));
        if (polling) {
          for (;;) {
            yield* resync();
            backoff.reset();
            if (!(await sleep(pollIntervalMs, signal))) return;
          }
        }
        // Subscribe first, then re-read: whatever changes after the re-read arrives as a notification.
        sub = new Redis({ ...connectionOptions(c.addr), enableReadyCheck: false });
        const messages: string[] = [];
        let wake: (() => void) | undefined;
        let broken: unknown;
        const notify = (): void => {
          const w = wake;
          wake = undefined;
          w?.();
        };
        sub.on('error', (err: unknown) => {
          broken ??= err;
          notify();
        });
        sub.on('end', () => {
          broken ??= new Error('connection closed');
          notify();
        });
        sub.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer) => {
          messages.push(decodeBytes(channel)); // key names are bytes
          notify();
        });
        await sub.connect();
        const channelPrefix = `__keyspace@${c.addr.db}__:`;
        const patterns = wanted.map((p) => {
          const key = p.split('/*').join('');
          return key === '/' ? `${channelPrefix}*` : `${channelPrefix}${escapeGlob(transform(key))}*`;
        });
        await sub.psubscribe(...patterns);
        const prefixKeys = new Set(wanted.map((p) => p.split('/*').join('')).filter((key) => key !== '/').map(transform));
        yield* resync();
        backoff.reset();
        const onAbort = (): void => notify();
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          while (!signal.aborted) {
            if (messages.length === 0 && broken === undefined) {
              await new Promise<void>((resolve) => (wake = resolve));
              continue;
            }
            if (messages.length === 0 && broken !== undefined) throw broken;
            // Coalesce a burst: each distinct redis key is re-read once, in first-seen order.
            const batch = [...new Set(messages.splice(0, messages.length).map((ch) => ch.slice(channelPrefix.length)))];
            if (batch.some((rkey) => prefixKeys.has(rkey))) {
              // A watched prefix's own key was written or deleted: it may have become (or stopped being) a string
              // or hash, which switches between reading that key alone and reading the tree below it. Re-read all.
              yield* resync();
              continue;
            }
            const changes: Change[] = [];
            const k = known;
            if (k === undefined) {
              // Nothing to diff against yet (the re-read after subscribing sets it): read it all instead.
              yield* resync();
              continue;
            }
            for (const rkey of batch) {
              const fresh = await readRedisKey(c.redis, rkey, wanted);
              changes.push(...diff(k, fresh, (_key, e) => e.rkey === rkey));
            }
            if (changes.length > 0) {
              revision += 1n;
              yield { kind: 'changes', revision, changes };
            }
          }
        } finally {
          signal.removeEventListener('abort', onAbort);
        }
      } catch (err) {
        if (signal.aborted) return;
        if (client) {
          client.redis.disconnect();
          client = undefined;
          preferred = (preferred + 1) % nodes.length;
        }
        if (backoff.giveUp(err)) throw err;
        const attempt = backoff.attempt;
        const delay = backoff.next();
        const msg = err instanceof BackendError ? err.message : `${name}: watch at ${nodes.map(redactNode).join(',')}: ${hideSecrets(describeError(err))}`;
        o.log?.warn(retryMessage(`${msg}; resubscribing`, delay, attempt));
        await sleep(delay, signal);
      } finally {
        sub?.disconnect();
      }
    }
  }

  return {
    name,
    read,
    watch,
    async close() {
      client?.redis.disconnect();
      client = undefined;
    },
  };
}
