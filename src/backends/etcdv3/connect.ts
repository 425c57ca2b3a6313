// Connecting to etcd over the v3 API: endpoints (-node, -scheme), TLS (-client-cert/-client-key/-client-ca-keys,
// -client-insecure), auth (-basic-auth -username -password), timeouts, and turning the client's errors into
// BackendErrors that name the endpoints. Shared by the etcdv3 backend (reads, watches) and the registration agent
// (src/agent: leases and transactions), so that both speak to etcd the same way from the same flags.

import { createRequire } from 'node:module';
import { circuitBreaker, ConsecutiveBreaker, handleWhen } from 'cockatiel';
import {
  Etcd3,
  EtcdAuthenticationFailedError,
  isRecoverableError,
  EtcdPermissionDeniedError,
  GRPCDeadlineExceededError,
  GRPCUnauthenticatedError,
  type IOptions,
} from 'etcd3';
import { endpointsOf } from '../common/endpoints.js';
import { readTlsFiles } from '../common/tls.js';
import { BackendError, type BackendOptions } from '../types.js';
import { describeError } from '../util.js';
import { redactUrls, secretRedactor } from '../../log/redact.js';

/**
 * With -client-insecure, Go confd skips server certificate verification entirely. etcd3 builds its gRPC
 * credentials itself, so we hand it a credentials factory that adds the verify options for this construction.
 */
function constructInsecure(options: IOptions): Etcd3 {
  const require = createRequire(import.meta.url);
  const grpc = require(require.resolve('@grpc/grpc-js', { paths: [require.resolve('etcd3')] })) as {
    credentials: { createSsl: (...args: unknown[]) => unknown };
  };
  const original = grpc.credentials.createSsl;
  grpc.credentials.createSsl = (root?: unknown, key?: unknown, chain?: unknown) =>
    original(root ?? null, key ?? null, chain ?? null, { rejectUnauthorized: false, checkServerIdentity: () => undefined });
  try {
    return new Etcd3(options);
  } finally {
    grpc.credentials.createSsl = original;
  }
}

export interface EtcdV3Connection {
  readonly client: Etcd3;
  /** Normalised client URLs. */
  readonly endpoints: readonly string[];
  /** "endpoint URL" or "endpoints URL,URL" for messages. */
  readonly where: string;
  /** Deadline of one unary call. */
  readonly timeoutMs: number;
  /** A client error as one BackendError naming the endpoints, the operation and the cause, with a stable code. */
  toBackendError(err: unknown, what: string): BackendError;
  /** A client error's cause in our words, without credentials (for log lines about the watch stream). */
  describeCause(err: unknown): string;
}

export interface ConnectEtcdV3Options {
  /** Name in messages ("etcdv3", "etcd", "confd-register"). */
  readonly name: string;
  /** etcd3's watch reconnect backoff (cockatiel IBackoff shape). */
  readonly watchBackoff?: unknown;
  /**
   * How long a member that failed three calls in a row is skipped before it is tried again (etcd3's circuit
   * breaker; its default is 5 s). The agent shortens it: after an outage of the whole cluster it must register
   * again within one check interval, not after the breakers have reset.
   */
  readonly memberRetryMs?: number;
}

/** An etcd3 client configured from confd's flags (the client connects lazily, on its first call). */
export function connectEtcdV3(o: BackendOptions, c: ConnectEtcdV3Options): EtcdV3Connection {
  const { name, memberRetryMs } = c;
  const endpoints = endpointsOf(o);
  // TLS when any endpoint says https (explicitly, or through -scheme / certificate flags).
  const secure = endpoints.some((e) => e.startsWith('https://'));
  // A -node URL may carry a password: messages name the endpoints without it, and hide it inside causes too
  // (grpc-js names the target with its userinfo: "Name resolution failed for target dns:user:pass@host").
  const shown = endpoints.map(redactUrls);
  const hideSecrets = secretRedactor(endpoints, [o.password]);
  const where = shown.length === 1 ? `endpoint ${shown[0]}` : `endpoints ${shown.join(',')}`;
  const breakerMs = memberRetryMs ?? 5000; // etcd3's default halfOpenAfter
  const timeoutMs = o.requestTimeoutMs > 0 ? o.requestTimeoutMs : 10_000;

  const options: IOptions = {
    hosts: endpoints,
    dialTimeout: Math.min(timeoutMs, 5000),
    // Streams (watch, lease keep-alive) have no deadline; unary calls get the per-request timeout.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
    grpcOptions: {
      // Notice a silently dead member (no RST) within ~15 s; etcd permits pings every 5 s.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      // As Go's clientv3 (MaxCallRecvMsgSize = MaxInt32), not grpc-js's 4 MiB: a page or watch batch with a few
      // large values must not fail. Pages are sized for memory (PAGE_TARGET_BYTES), not for this limit.
      'grpc.max_receive_message_length': 0x7fffffff,
    },
    faultHandling: {
      ...(c.watchBackoff !== undefined ? { watchBackoff: c.watchBackoff as NonNullable<IOptions['faultHandling']>['watchBackoff'] } : {}),
      ...(memberRetryMs !== undefined
        ? { host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: memberRetryMs, breaker: new ConsecutiveBreaker(3) }) }
        : {}),
    },
  };
  if (secure) {
    const tls = readTlsFiles(name, o);
    (options as { credentials?: IOptions['credentials'] }).credentials = {
      rootCertificate: tls.ca ?? (undefined as unknown as Buffer),
      ...(tls.key ? { privateKey: tls.key } : {}),
      ...(tls.cert ? { certChain: tls.cert } : {}),
    };
  }
  if (o.basicAuth && o.username !== undefined && o.username !== '') {
    (options as { auth?: IOptions['auth'] }).auth = { username: o.username, password: o.password ?? '' };
  }
  const client = o.clientInsecure && secure ? constructInsecure(options) : new Etcd3(options);

  const toBackendError = (err: unknown, what: string): BackendError => {
    if (err instanceof BackendError) return err;
    if (isBrokenCircuit(err)) {
      // etcd3's circuit breaker: after 3 failures in a row it refuses calls to the endpoints for a while. Say that,
      // not cockatiel's "Execution prevented because the circuit breaker is open".
      return new BackendError(`${name}: ${what} at ${where}: ${describeCause(err)}`, 'EUNAVAILABLE', { endpoint: shown[0], cause: err });
    }
    const cause = describeCause(err);
    if (err instanceof EtcdAuthenticationFailedError || err instanceof GRPCUnauthenticatedError || /authentication failed|invalid auth token|user name is empty/i.test(cause)) {
      return new BackendError(`${name}: ${what} at ${where}: authentication failed (check -username/-password): ${cause}`, 'EAUTH', { endpoint: shown[0], retryable: false, cause: err });
    }
    if (err instanceof EtcdPermissionDeniedError) {
      return new BackendError(`${name}: ${what} at ${where}: permission denied: ${cause}`, 'EPERM', { endpoint: shown[0], retryable: false, cause: err });
    }
    if (err instanceof GRPCDeadlineExceededError) {
      return new BackendError(`${name}: ${what} at ${where}: timed out after ${timeoutMs} ms: ${cause}`, 'ETIMEDOUT', { endpoint: shown[0], cause: err });
    }
    if (/ssl|tls|certificate|handshake|wrong version number|self.signed/i.test(cause)) {
      return new BackendError(`${name}: ${what} at ${where}: TLS failure: ${cause}`, 'ETLS', { endpoint: shown[0], cause: err });
    }
    return new BackendError(`${name}: ${what} at ${where}: ${cause}`, 'EUNAVAILABLE', { endpoint: shown[0], cause: err });
  };

  function describeCause(err: unknown): string {
    if (isBrokenCircuit(err)) return `unreachable (3 failures in a row; the client waits ${breakerMs / 1000} s before trying again)`;
    return hideSecrets(describeError(err).replace(/\.?\s*Resolution note:\s*$/, ''));
  }

  return { client, endpoints, where, timeoutMs, toBackendError, describeCause };
}

/** cockatiel's BrokenCircuitError (etcd3 does not re-export it): marked by its `isBrokenCircuitError` field. */
function isBrokenCircuit(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { isBrokenCircuitError?: unknown }).isBrokenCircuitError === true;
}
