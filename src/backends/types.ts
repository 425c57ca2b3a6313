// The store interface every backend implements (file, env, etcdv3, etcdv2, redis).
//
// confd's own interface is GetValues(keys) + WatchPrefix(prefix, keys, waitIndex, stop): a watch only says
// "something changed", and the daemon re-reads every key. Ours delivers what changed, so that a registry of
// 200,000 keys is read once and then kept current from events.

/** A consistent read of all keys under some prefixes. */
export interface Snapshot {
  /** Backend revision the read reflects (etcd revision, v2 X-Etcd-Index, a counter for others). */
  readonly revision: bigint;
  /** Full key (as the backend names it, e.g. "/nginx/a.b.com/server1/ip") -> value. */
  readonly values: ReadonlyMap<string, string>;
}

export type Change =
  | { readonly type: 'put'; readonly key: string; readonly value: string }
  | { readonly type: 'delete'; readonly key: string };

/**
 * What a watch yields, in order:
 * - 'changes': puts and deletes after the previous event, all at or below `revision`, in the order they happened;
 * - 'reset': the watch lost continuity (etcd compaction, v2 "event index cleared", a file rewritten, a reconnect
 *   that could not resume) and re-read everything: replace the whole state under the watched prefixes.
 */
export type WatchEvent =
  | { readonly kind: 'changes'; readonly revision: bigint; readonly changes: readonly Change[] }
  | { readonly kind: 'reset'; readonly snapshot: Snapshot };

export interface Backend {
  /** Backend name for logs ("etcdv3", "file", ...). */
  readonly name: string;
  /**
   * Read every key equal to or below any of `prefixes` (raw string prefix match, as confd does: "/db" also
   * matches "/dbx"). Rejects (never returns partial data) on any failure or when `signal` aborts.
   */
  read(prefixes: readonly string[], signal?: AbortSignal): Promise<Snapshot>;
  /**
   * Optional streaming form of `read`, for large registries: the same consistent read, but each key is handed to
   * `sink` as it arrives instead of collected into one Map, so the caller's own structure is the only full copy.
   * Resolves with the revision. When it rejects, `sink` has seen only part of the keys: discard what it built.
   */
  readEach?(prefixes: readonly string[], sink: (key: string, value: string) => void, signal?: AbortSignal): Promise<bigint>;
  /**
   * Watch `prefixes` for changes after `fromRevision` (the revision of a previous read), so that nothing
   * between read and watch is lost. Backends reconnect by themselves (with backoff) and resume from the last
   * revision they delivered; when they cannot, they yield a 'reset'. The iterator ends when `signal` aborts.
   * Absent for backends that cannot watch (env): the daemon polls them with -interval.
   */
  watch?(prefixes: readonly string[], fromRevision: bigint, signal: AbortSignal): AsyncIterable<WatchEvent>;
  /**
   * The backend's newest revision, with one cheap request (etcd: a Range with limit 1), for the watch lag the
   * metrics report. Absent where a backend has no such thing.
   */
  head?(signal?: AbortSignal): Promise<bigint>;
  /** The cluster's members and their state, for the status page (etcd: the member list). */
  members?(signal?: AbortSignal): Promise<BackendMemberInfo[]>;
  close(): Promise<void>;
}

export interface BackendMemberInfo {
  readonly name: string;
  readonly endpoint: string;
  readonly state: string;
}

/**
 * Where a backend reports what it sees while it works (stream connected or broken, the newest revision in a watch
 * response), for the daemon's metrics and /ready. The daemon passes one when observers listen.
 */
export interface BackendObserver {
  /** The watch stream is (re)connected. */
  connected(endpoint?: string): void;
  error(message: string, endpoint?: string): void;
  revision(revision: bigint): void;
}

/** An error from a backend, with a stable code, the endpoint it concerns, and whether retrying may help. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(
    message: string,
    readonly code: string,
    readonly options: { endpoint?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
  get retryable(): boolean {
    return this.options.retryable ?? true;
  }
  get endpoint(): string | undefined {
    return this.options.endpoint;
  }
}

/** Options every backend constructor receives, resolved from flags, environment and confd.toml. */
export interface BackendOptions {
  readonly nodes: readonly string[];
  readonly scheme: string; // "http" | "https"
  readonly srvDomain?: string;
  readonly srvRecord?: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly clientCaKeys?: string;
  readonly clientInsecure: boolean;
  readonly basicAuth: boolean;
  readonly username?: string;
  readonly password?: string;
  /** file backend: YAML files or directories. */
  readonly files: readonly string[];
  /** file backend: glob filter for files in directories (confd's -filter, default "*"). */
  readonly filter: string;
  /** redis: key separator (confd's -separator, default "/"). */
  readonly separator: string;
  /** Timeout for one backend request, in milliseconds. */
  readonly requestTimeoutMs: number;
  /** Observability sink (src/observe through the daemon); absent: nobody listens. */
  readonly observer?: BackendObserver;
  readonly log?: { debug(msg: string): void; info(msg: string): void; warn(msg: string): void; error(msg: string): void };
}
