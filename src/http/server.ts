// The daemon's HTTP endpoint (off by default; -metrics-addr HOST:PORT turns it on): /metrics for Prometheus,
// /health (the process answers), /ready (the rendered output is current), and the live status page for a person
// (/ with /status.json and /events, a server-sent event stream of status snapshots).
//
// It binds only where it is told. The status page shows rendered diffs, which may contain anything the
// templates write: put it on loopback or behind something that authenticates.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { EventBus } from '../observe/events.js';
import type { ObservedState, ReadyOptions } from '../observe/state.js';
import { createMetrics, type Metrics } from './metrics.js';
import { STATUS_PAGE } from './page.js';
import { parseListenAddress } from '../config/address.js';

export { parseListenAddress } from '../config/address.js';

export interface ObserveServerOptions {
  readonly address: string;
  readonly bus: EventBus;
  readonly state: ObservedState;
  readonly ready: ReadyOptions;
  /** Shortest time between two snapshots pushed to the page (bursts of events coalesce). */
  readonly pushIntervalMs?: number;
}

export interface ObserveServer {
  /** The address actually bound (port 0 picks a free one). */
  readonly url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startObserveServer(o: ObserveServerOptions): Promise<ObserveServer> {
  const { host, port } = parseListenAddress(o.address);
  const metrics: Metrics = createMetrics({ bus: o.bus, state: o.state, ready: o.ready });
  const streams = new Set<ServerResponse>();
  const pushEvery = o.pushIntervalMs ?? 250;
  let pushTimer: NodeJS.Timeout | undefined;
  const push = (): void => {
    pushTimer = undefined;
    if (streams.size === 0) return;
    const data = `data: ${JSON.stringify(o.state.snapshot(o.ready))}\n\n`;
    for (const s of streams) s.write(data);
  };
  // Only while a page is open does an event cost a snapshot (at most one per pushEvery).
  const unsubscribe = o.bus.subscribe(() => {
    if (streams.size > 0 && pushTimer === undefined) pushTimer = setTimeout(push, pushEvery);
  });
  // Times shown as "N s ago" and a lag that confirms itself over time change without events.
  const heartbeat = setInterval(() => {
    if (streams.size > 0 && pushTimer === undefined) push();
  }, 2000);
  heartbeat.unref();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    }
    switch (path) {
      case '/metrics':
        return send(res, 200, metrics.registry.contentType, await metrics.registry.metrics());
      case '/health':
        return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      case '/ready': {
        const r = o.state.readiness(o.ready);
        return send(res, r.ready ? 200 : 503, 'application/json', `${JSON.stringify(r)}\n`);
      }
      case '/':
      case '/status':
        return send(res, 200, 'text/html; charset=utf-8', STATUS_PAGE);
      case '/status.json':
        return send(res, 200, 'application/json', JSON.stringify(o.state.snapshot(o.ready)));
      case '/events': {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        res.write(`retry: 1000\ndata: ${JSON.stringify(o.state.snapshot(o.ready))}\n\n`);
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /health, /ready or / (status page)\n');
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${e instanceof Error ? e.message : String(e)}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, ...(host !== undefined ? { host } : {}) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address();
  const bound = typeof a === 'object' && a !== null ? (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`) : o.address;
  return {
    url: `http://${bound}`,
    async close() {
      unsubscribe();
      clearInterval(heartbeat);
      if (pushTimer) clearTimeout(pushTimer);
      for (const s of streams) s.end();
      streams.clear();
      metrics.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
