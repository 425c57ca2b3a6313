// The etcd v2 keys API over HTTP(S): endpoints (-node, -scheme), TLS agents (-client-cert/-client-key/
// -client-ca-keys, -client-insecure), basic auth (-basic-auth -username -password), one request with its
// timeouts, sticky failover across endpoints, and errors that name the endpoint. Shared by the etcdv2 backend
// (reads, waits) and the registration agent (src/agent: TTL keys and refreshes).

import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { endpointsOf } from '../common/endpoints.js';
import { readTlsFiles } from '../common/tls.js';
import { BackendError, type BackendOptions } from '../types.js';
import { canceled, describeError } from '../util.js';
import { redactUrls, secretRedactor } from '../../log/redact.js';

export interface V2Node {
  key?: string;
  value?: string;
  dir?: boolean;
  nodes?: V2Node[];
  modifiedIndex?: number;
  createdIndex?: number;
  ttl?: number;
}

export interface V2Response {
  action?: string;
  node?: V2Node;
  prevNode?: V2Node;
  errorCode?: number;
  message?: string;
  cause?: string;
  index?: number;
}

export interface HttpResult {
  status: number;
  etcdIndex: bigint | undefined;
  body: V2Response;
  endpoint: string;
}

/** "/with space/ü" -> "/with%20space/%C3%BC" (each path segment escaped, slashes kept). */
export function keyPath(key: string): string {
  const k = key.startsWith('/') ? key : `/${key}`;
  return k
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
}

export function isErrorCode(body: V2Response, code: number): boolean {
  return body.errorCode === code;
}

export interface V2RequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  headersTimeoutMs?: number;
  onHeaders?: (etcdIndex: bigint | undefined) => void;
  /** HTTP method (default GET). */
  method?: 'GET' | 'PUT' | 'DELETE';
  /** Form fields sent as application/x-www-form-urlencoded (PUT). */
  form?: Readonly<Record<string, string>>;
}

export interface EtcdV2Client {
  readonly endpoints: readonly string[];
  readonly timeoutMs: number;
  /** Index of the endpoint that answered last (sticky failover); the watch moves it on failures. */
  preferred: number;
  /** One request against one endpoint. Resolves with any HTTP answer; rejects on network/TLS failure. */
  get(endpoint: string, path: string, o2: V2RequestOptions & { timeoutMs: number }): Promise<HttpResult>;
  /**
   * A request to `path`, failing over across endpoints on network errors and 5xx; answers (including 4xx) from
   * one endpoint are final. Throws BackendError naming every endpoint tried.
   */
  getWithFailover(path: string, what: string, o2?: V2RequestOptions): Promise<HttpResult>;
  httpError(r: HttpResult, what: string): BackendError;
  networkError(endpoint: string, err: unknown, what: string): BackendError;
  close(): void;
}

export function createEtcdV2Client(o: BackendOptions, name: string): EtcdV2Client {
  const endpoints = endpointsOf(o);
  const timeoutMs = o.requestTimeoutMs > 0 ? o.requestTimeoutMs : 10_000;
  // A -node URL may carry a password: messages name endpoints without it, and hide it inside causes too.
  const hideSecrets = secretRedactor(endpoints, [o.password]);
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    ...readTlsFiles(name, o),
    rejectUnauthorized: !o.clientInsecure,
  });
  const httpAgent = new HttpAgent({ keepAlive: true });
  const authHeader =
    o.basicAuth && o.username ? `Basic ${Buffer.from(`${o.username}:${o.password ?? ''}`).toString('base64')}` : undefined;

  const state = { preferred: 0 }; // index of the endpoint that answered last (sticky failover)

  const get = (endpoint: string, path: string, o2: V2RequestOptions & { timeoutMs: number }): Promise<HttpResult> =>
    new Promise((resolve, reject) => {
      const url = new URL(endpoint + path);
      const isHttps = url.protocol === 'https:';
      const headers: Record<string, string> = { accept: 'application/json' };
      if (authHeader) headers['authorization'] = authHeader;
      const payload = o2.form ? new URLSearchParams(o2.form as Record<string, string>).toString() : undefined;
      if (payload !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const req = (isHttps ? httpsRequest : httpRequest)(url, {
        method: o2.method ?? 'GET',
        headers,
        agent: isHttps ? httpsAgent : httpAgent,
        ...(o2.signal ? { signal: o2.signal } : {}),
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`no answer within ${o2.timeoutMs} ms`), { code: 'ETIMEDOUT' })), o2.timeoutMs);
      // etcd sends a wait's headers at once: a member that accepts the connection but says nothing (hung,
      // overloaded) is given up after the request timeout, not after the whole long poll.
      const headersTimer =
        o2.headersTimeoutMs !== undefined && o2.headersTimeoutMs < o2.timeoutMs
          ? setTimeout(() => req.destroy(Object.assign(new Error(`no response headers within ${o2.headersTimeoutMs} ms`), { code: 'ETIMEDOUT' })), o2.headersTimeoutMs)
          : undefined;
      req.on('close', () => clearTimeout(headersTimer));
      req.on('response', (res: IncomingMessage) => {
        clearTimeout(headersTimer);
        const idx = res.headers['x-etcd-index'];
        const etcdIndex = typeof idx === 'string' && /^\d+$/.test(idx) ? BigInt(idx) : undefined;
        o2.onHeaders?.(etcdIndex);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          clearTimeout(timer);
          let body: V2Response;
          try {
            body = text === '' ? {} : (JSON.parse(text) as V2Response);
          } catch {
            body = { message: text.trim().slice(0, 200) };
          }
          resolve({ status: res.statusCode ?? 0, etcdIndex, body, endpoint: redactUrls(endpoint) });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(payload);
    });

  const httpError = (r: HttpResult, what: string): BackendError => {
    const detail = r.body.errorCode !== undefined ? `${r.body.errorCode}: ${r.body.message ?? ''}${r.body.cause ? ` (${r.body.cause})` : ''}` : `HTTP ${r.status}${r.body.message ? `: ${r.body.message}` : ''}`;
    if (r.status === 401 || r.status === 403 || isErrorCode(r.body, 110)) {
      return new BackendError(`${name}: ${what} at ${r.endpoint}: authentication failed (check -basic-auth -username -password): ${detail}`, 'EAUTH', { endpoint: r.endpoint, retryable: false });
    }
    if (r.status === 404 && r.body.errorCode === undefined) {
      return new BackendError(`${name}: ${what} at ${r.endpoint}: the v2 keys API is not served here (etcd 3.4 needs --enable-v2): ${detail}`, 'ENOV2', { endpoint: r.endpoint, retryable: false });
    }
    return new BackendError(`${name}: ${what} at ${r.endpoint}: ${detail}`, 'EETCD', { endpoint: r.endpoint, retryable: r.status >= 500 });
  };

  const networkError = (url: string, err: unknown, what: string): BackendError => {
    const endpoint = redactUrls(url);
    const cause = hideSecrets(describeError(err));
    const tls = /ssl|tls|certificate|self.signed|wrong version number|EPROTO|ECONNRESET.*https/i.test(cause);
    return new BackendError(`${name}: ${what} at ${endpoint}: ${tls ? 'TLS failure: ' : ''}${cause}`, tls ? 'ETLS' : 'EUNAVAILABLE', { endpoint, cause: err });
  };

  const getWithFailover = async (path: string, what: string, o2: V2RequestOptions = {}): Promise<HttpResult> => {
    const failures: BackendError[] = [];
    // From where we start, once round: a watch failing over meanwhile moves `preferred`, which must not make this
    // loop try one member twice and skip another.
    const start = state.preferred;
    for (let i = 0; i < endpoints.length; i++) {
      const idx = (start + i) % endpoints.length;
      const endpoint = endpoints[idx];
      if (endpoint === undefined) break; // idx < endpoints.length
      if (o2.signal?.aborted) throw canceled(`${name}: ${what}`);
      try {
        const r = await get(endpoint, path, { ...o2, timeoutMs: o2.timeoutMs ?? timeoutMs });
        if (r.status >= 500) {
          failures.push(httpError(r, what));
          continue;
        }
        state.preferred = idx;
        return r;
      } catch (err) {
        if (o2.signal?.aborted) throw canceled(`${name}: ${what}`);
        failures.push(networkError(endpoint, err, what));
      }
    }
    const first = failures[0];
    if (failures.length === 1 && first) throw first;
    throw new BackendError(
      `${name}: ${what}: all ${endpoints.length} endpoints failed: ${failures.map((f) => f.message.replace(`${name}: ${what} at `, '')).join('; ')}`,
      first?.code ?? 'EUNAVAILABLE',
      { endpoint: first?.endpoint ?? redactUrls(endpoints[0] ?? ''), cause: first },
    );
  };

  return {
    endpoints,
    timeoutMs,
    get preferred() {
      return state.preferred;
    },
    set preferred(i: number) {
      state.preferred = i;
    },
    get,
    getWithFailover,
    httpError,
    networkError,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
