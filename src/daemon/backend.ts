// Opening the configured backend through the one factory (backends/index.ts): the etcd and Redis client libraries
// are imported only when selected, so `-backend file` never loads them (startup time matters for -onetime runs
// from scripts and cron). Also the read-with-a-time-limit every mode uses.

import type { Backend, BackendObserver, BackendOptions, Snapshot } from '../backends/types.js';
import { BackendError } from '../backends/types.js';
import type { ConfdConfig } from '../config/index.js';
import { redactNode, type Logger } from '../log/index.js';

export function backendOptions(config: ConfdConfig, nodes: readonly string[], log: Logger, observer?: BackendObserver): BackendOptions {
  const opt = (s: string): string | undefined => (s === '' ? undefined : s);
  const o: BackendOptions = {
    nodes,
    scheme: config.scheme,
    clientInsecure: config.clientInsecure,
    basicAuth: config.basicAuth,
    files: config.files,
    filter: config.filter,
    separator: config.separator === '' ? '/' : config.separator,
    requestTimeoutMs: config.requestTimeoutMs,
    log,
    ...(observer ? { observer } : {}),
    ...(opt(config.srvDomain) ? { srvDomain: config.srvDomain } : {}),
    ...(opt(config.srvRecord) ? { srvRecord: config.srvRecord } : {}),
    ...(opt(config.clientCert) ? { clientCert: config.clientCert } : {}),
    ...(opt(config.clientKey) ? { clientKey: config.clientKey } : {}),
    ...(opt(config.clientCaKeys) ? { clientCaKeys: config.clientCaKeys } : {}),
    ...(opt(config.username) ? { username: config.username } : {}),
    ...(opt(config.password) ? { password: config.password } : {}),
  };
  return o;
}

/** The configured backend, from the one factory (backends/index.ts, which loads etcd and Redis clients lazily). */
export async function openBackend(config: ConfdConfig, log: Logger, observer?: BackendObserver): Promise<Backend> {
  // With an SRV record the backend discovers its nodes (confd: SRV answers replace the node list).
  const srv = config.srvRecord !== '' && config.backend !== 'env' && config.backend !== 'file';
  const nodes = srv ? [] : config.nodes;
  // The Go confd names the YAML files for the file backend, the nodes for the others.
  if (config.backend === 'file') log.info(`Backend source(s) set to ${config.files.join(', ')}`);
  else if (!srv && nodes.length > 0) log.info(`Backend source(s) set to ${nodes.map(redactNode).join(', ')}`);
  const { createBackend } = await import('../backends/index.js');
  return createBackend(config.backend, backendOptions(config, nodes, log, observer));
}

/**
 * One complete read with a time limit. The backend gets an AbortSignal; the race also covers a backend that
 * ignores it. Rejects on failure, timeout or abort: callers never render from a partial read.
 */
export function readAll(backend: Backend, prefixes: readonly string[], timeoutMs: number, signal: AbortSignal): Promise<Snapshot> {
  return withReadTimeout(backend, timeoutMs, signal, (s) => backend.read(prefixes, s));
}

/**
 * readAll for a backend with readEach: keys go to `sink` as they arrive; resolves with the revision. After a
 * rejection (or once the time limit or `signal` has fired) the sink gets nothing more, so a read that is given up
 * on cannot keep writing into what the caller has since cleared.
 */
export function readEachAll(
  backend: Backend & Required<Pick<Backend, 'readEach'>>,
  prefixes: readonly string[],
  sink: (key: string, value: string) => void,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<bigint> {
  return withReadTimeout(backend, timeoutMs, signal, (s) =>
    backend.readEach(
      prefixes,
      (k, v) => {
        if (s.aborted) throw s.reason;
        sink(k, v);
      },
      s,
    ),
  );
}

async function withReadTimeout<T>(backend: Backend, timeoutMs: number, signal: AbortSignal, read: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onAbort = (): void => ac.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new BackendError(`backend ${backend.name}: read timed out after ${timeoutMs}ms`, 'ETIMEDOUT', { retryable: true });
      ac.abort(e);
      reject(e);
    }, timeoutMs);
  });
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    ac.signal.addEventListener('abort', () => reject(ac.signal.reason), { once: true });
  });
  try {
    return await Promise.race([read(ac.signal), timeout, aborted]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
