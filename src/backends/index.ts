// createBackend: confd's `-backend NAME` to a Backend.
//
// file and env are loaded eagerly (small, local). etcd/etcdv3, etcdv2 and redis are loaded on first use with a
// dynamic import(), so `-backend file` never pays for gRPC or ioredis; DNS SRV discovery (-srv-domain,
// -srv-record) also happens then, since it is asynchronous.

import { promises as dns } from 'node:dns';
import { createEnvBackend } from './env/index.js';
import { createFileBackend } from './file/index.js';
import { checkTlsFiles } from './common/tls.js';
import { BackendError, type Backend, type BackendMemberInfo, type BackendOptions, type Snapshot, type WatchEvent } from './types.js';
import { backendNameProblem } from './names.js';
import { describeError } from './util.js';

export interface SrvRecord {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
}

export interface CreateBackendDeps {
  /** SRV lookup (default: the system resolver, node:dns resolveSrv). Injected by tests. */
  readonly resolveSrv?: (record: string) => Promise<readonly SrvRecord[]>;
}

/**
 * The SRV record to query, as confd builds it: -srv-record as given, else "_<backend>._tcp.<srv-domain>.";
 * undefined when neither is set.
 */
export function srvRecordName(backend: string, o: Pick<BackendOptions, 'srvDomain' | 'srvRecord'>): string | undefined {
  if (o.srvRecord) return o.srvRecord;
  if (o.srvDomain) return `_${backend}._tcp.${o.srvDomain}.`;
  return undefined;
}

/**
 * SRV records in the order Go's net.LookupSRV returns them (RFC 2782): by priority, lowest first, and within one
 * priority shuffled with probability proportional to weight. confd tries the nodes in that order, so the
 * preferred members come first; node:dns returns them in wire order.
 */
export function orderSrv(records: readonly SrvRecord[], random: () => number = Math.random): SrvRecord[] {
  const byPriority = new Map<number, SrvRecord[]>();
  for (const r of records) {
    const group = byPriority.get(r.priority);
    if (group) group.push(r);
    else byPriority.set(r.priority, [r]);
  }
  const out: SrvRecord[] = [];
  for (const [, samePriority] of [...byPriority].sort(([a], [b]) => a - b)) {
    // Go sorts by (priority, weight), then byPriorityWeight.shuffleByWeight within each priority.
    const group = [...samePriority].sort((a, b) => a.weight - b.weight);
    let sum = group.reduce((acc, r) => acc + r.weight, 0);
    while (sum > 0 && group.length > 1) {
      let s = 0;
      const n = Math.floor(random() * sum);
      for (const [i, r] of group.entries()) {
        s += r.weight;
        if (s > n) {
          // Go swaps the chosen record with the first (not a move to the front: the order of the rest matters).
          const first = group[0];
          if (i > 0 && first) [group[0], group[i]] = [r, first];
          break;
        }
      }
      const chosen = group.shift();
      if (chosen === undefined) break;
      sum -= chosen.weight;
      out.push(chosen);
    }
    out.push(...group);
  }
  return out;
}

/**
 * Backend nodes from DNS SRV, as confd's getBackendNodesFromSRV: "target:port" per record in net.LookupSRV's
 * order (see orderSrv), the target's trailing dot removed (the backends add -scheme for etcd).
 */
export async function nodesFromSrv(record: string, resolveSrv: (record: string) => Promise<readonly SrvRecord[]>): Promise<string[]> {
  let records: readonly SrvRecord[];
  try {
    records = await resolveSrv(record);
  } catch (err) {
    throw new BackendError(`cannot get nodes from SRV records ${record}: ${describeError(err)}`, 'ESRV', { cause: err });
  }
  if (records.length === 0) throw new BackendError(`cannot get nodes from SRV records ${record}: no records`, 'ESRV');
  return orderSrv(records).map((r) => {
    const host = r.name.replace(/\.+$/, '');
    return `${host.includes(':') ? `[${host}]` : host}:${r.port}`;
  });
}

/** A Backend whose implementation module is imported (and SRV resolved) on first use. */
class LazyBackend implements Backend {
  private loading: Promise<Backend> | undefined;
  constructor(
    readonly name: string,
    private readonly load: () => Promise<Backend>,
  ) {}
  private backend(): Promise<Backend> {
    this.loading ??= this.load();
    // A failed load (bad SRV answer, missing module) is retried on the next call rather than cached forever.
    this.loading.catch(() => (this.loading = undefined));
    return this.loading;
  }
  async read(prefixes: readonly string[], signal?: AbortSignal): Promise<Snapshot> {
    return (await this.backend()).read(prefixes, signal);
  }
  /** Streams the read when the loaded backend can (no second full copy of the registry in memory). */
  async readEach(prefixes: readonly string[], sink: (key: string, value: string) => void, signal?: AbortSignal): Promise<bigint> {
    const b = await this.backend();
    if (b.readEach) return b.readEach(prefixes, sink, signal);
    const s = await b.read(prefixes, signal);
    for (const [k, v] of s.values) sink(k, v);
    return s.revision;
  }
  async *watch(prefixes: readonly string[], fromRevision: bigint, signal: AbortSignal): AsyncGenerator<WatchEvent> {
    const b = await this.backend();
    if (!b.watch) throw new BackendError(`${this.name}: watch is not supported`, 'ENOTSUPPORTED', { retryable: false });
    yield* b.watch(prefixes, fromRevision, signal);
  }
  /** The loaded backend's head revision; ENOTSUPPORTED where it has none (the caller stops asking). */
  async head(signal?: AbortSignal): Promise<bigint> {
    const b = await this.backend();
    if (!b.head) throw new BackendError(`${this.name}: no head revision`, 'ENOTSUPPORTED', { retryable: false });
    return b.head(signal);
  }
  async members(signal?: AbortSignal): Promise<BackendMemberInfo[]> {
    const b = await this.backend();
    if (!b.members) throw new BackendError(`${this.name}: no member list`, 'ENOTSUPPORTED', { retryable: false });
    return b.members(signal);
  }
  async close(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    if (!loading) return;
    try {
      await (await loading).close();
    } catch {
      // a backend that never loaded has nothing to close
    }
  }
}

export function createBackend(name: string, o: BackendOptions, deps: CreateBackendDeps = {}): Backend {
  if (name === 'etcd' || name === 'etcdv3' || name === 'etcdv2' || name === 'redis') checkTlsFiles(name, o);
  const resolveSrv = deps.resolveSrv ?? ((record: string) => dns.resolveSrv(record));
  const withNodes = async (): Promise<BackendOptions> => {
    const record = srvRecordName(name, o);
    if (record === undefined) return o;
    const nodes = await nodesFromSrv(record, resolveSrv);
    o.log?.info(`SRV record set to ${record}: nodes ${nodes.join(', ')}`);
    return { ...o, nodes };
  };
  switch (name) {
    case 'file':
      return createFileBackend(o);
    case 'env':
      return createEnvBackend(o);
    case 'etcd':
    case 'etcdv3':
      return new LazyBackend(name, async () => {
        const { createEtcdV3Backend } = await import('./etcdv3/index.js');
        return createEtcdV3Backend({ ...(await withNodes()), backendName: name });
      });
    case 'etcdv2':
      return new LazyBackend(name, async () => {
        const { createEtcdV2Backend } = await import('./etcdv2/index.js');
        return createEtcdV2Backend(await withNodes());
      });
    case 'redis':
      return new LazyBackend(name, async () => {
        const { createRedisBackend } = await import('./redis/index.js');
        return createRedisBackend(await withNodes());
      });
    default: {
      const problem = backendNameProblem(name) ?? { message: `backend ${name} has no implementation`, code: 'EINVALIDBACKEND' };
      throw new BackendError(problem.message, problem.code, { retryable: false });
    }
  }
}
