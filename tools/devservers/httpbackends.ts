// Small HTTP servers on loopback standing in for the seed's nginx containers, and a tiny HTTP client for
// talking to them through haproxy.
//
//   const b = await startHttpBackend('server1');   // 127.0.0.1:<free port>, answers "server1\n" to anything
//   b.port; b.requests;                             // where it listens, how many requests it answered
//   b.setHealth(500); b.healthChecks;               // what GET /health answers (default 200), how often it was asked
//   await b.stop();
//
//   const r = await httpGet({ port: 8080, host: 'a.b.com' });   // { status, body, headers }

import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { freePort, isAddressInUse } from './process.js';

export interface HttpBackend {
  readonly name: string;
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Requests answered so far (health checks not counted). */
  readonly requests: number;
  /** When the last of them arrived (performance.now()), or undefined. */
  readonly lastRequestAt: number | undefined;
  /** GET /health requests (a registration agent's health checks) answered so far. */
  readonly healthChecks: number;
  /** The status GET /health answers from now on. */
  setHealth(status: number): void;
  /** Stop listening and close every connection, idle keep-alive ones included. */
  stop(): Promise<void>;
}

/** Starts a server on a free 127.0.0.1 port answering every request with 200 and body `${name}\n`. */
export async function startHttpBackend(name: string): Promise<HttpBackend> {
  let requests = 0;
  let lastRequestAt: number | undefined;
  let healthChecks = 0;
  let healthStatus = 200;
  const server: Server = createServer((req, res) => {
    if (req.url === '/health') {
      healthChecks++;
      req.resume();
      res.writeHead(healthStatus, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${healthStatus}\n`);
      return;
    }
    requests++;
    lastRequestAt = performance.now();
    // Drain the request body so keep-alive connections stay usable.
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-backend': name });
      res.end(`${name}\n`);
    });
  });
  // Longer than haproxy's server-side keep-alive, so haproxy is the side closing idle connections.
  server.keepAliveTimeout = 30_000;
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      let stopped: Promise<void> | undefined;
      return {
        name,
        host: '127.0.0.1',
        port,
        get requests() {
          return requests;
        },
        get lastRequestAt() {
          return lastRequestAt;
        },
        get healthChecks() {
          return healthChecks;
        },
        setHealth(status: number) {
          healthStatus = status;
        },
        stop() {
          stopped ??= new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          });
          return stopped;
        },
      };
    } catch (err) {
      // Another process took the port between freePort() and listen(): try another one.
      if (attempt < 5 && err instanceof Error && isAddressInUse(err.message)) continue;
      throw err;
    }
  }
}

export interface HttpResult {
  readonly status: number;
  readonly body: string;
  readonly headers: IncomingHttpHeaders;
}

export interface HttpGetOptions {
  readonly port: number;
  /** Host header ("a.b.com"), as in `curl -H "Host: a.b.com"`. */
  readonly host?: string;
  readonly path?: string;
  /** A keep-alive agent to reuse connections; default: a new connection per request. */
  readonly agent?: Agent;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

/** GET http://127.0.0.1:PORT/PATH; rejects on connection errors and timeouts, resolves on any status. */
export function httpGet(o: HttpGetOptions): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.host !== undefined) headers['host'] = o.host;
    const req = request(
      { host: '127.0.0.1', port: o.port, path: o.path ?? '/', method: 'GET', headers, agent: o.agent ?? false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.setTimeout(o.timeoutMs ?? 5000, () => req.destroy(new Error(`GET 127.0.0.1:${o.port}${o.path ?? '/'} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
