// What the daemon sets up so that it can be seen working: the event bus (only when someone listens), the HTTP
// endpoint of -metrics-addr, the systemd notifier, and, per generation, a poller of the backend's head revision
// and members. Lives as long as the daemon (a SIGHUP keeps the endpoint and its counters).

import type { Backend, BackendObserver } from '../backends/types.js';
import { sleep } from '../util/sleep.js';
import { errorMessage } from '../util/errors.js';
import type { ConfdConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { EventBus } from '../observe/events.js';
import { DEFAULT_READY, ObservedState } from '../observe/state.js';
import { systemdNotifier, type SystemdNotifier } from './systemd.js';

export interface Observability {
  /** Undefined when nothing listens: the runner then emits nothing at all. */
  readonly bus: EventBus | undefined;
  /** The endpoint's URL when -metrics-addr is set. */
  readonly url: string | undefined;
  observerFor(backendName: string): BackendObserver | undefined;
  /** Polls the backend's head revision and members until `signal` aborts. */
  follow(backend: Backend, config: ConfdConfig, signal: AbortSignal): void;
  stopping(): void;
  close(): Promise<void>;
}

export interface ObservabilityOptions {
  readonly config: ConfdConfig;
  readonly log: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Head revision poll period (default 500 ms: /ready turns false within a second of losing the backend). */
  readonly headPollMs?: number;
  readonly membersPollMs?: number;
}

export async function startObservability(o: ObservabilityOptions): Promise<Observability> {
  const { config, log } = o;
  const notifier: SystemdNotifier | undefined = systemdNotifier({ env: o.env, log });
  if (config.metricsAddr === '' && notifier === undefined) {
    return { bus: undefined, url: undefined, observerFor: () => undefined, follow: () => {}, stopping: () => {}, close: async () => {} };
  }
  const bus = new EventBus((e) => log.error(`observer failed: ${errorMessage(e)}`));
  if (notifier) {
    // Ready once the first full read has been rendered and nothing is pending.
    const off = bus.subscribe((ev) => {
      if (ev.type === 'idle') {
        notifier.ready();
        off();
      }
    });
  }
  let server: { url: string; close(): Promise<void> } | undefined;
  let state: ObservedState | undefined;
  if (config.metricsAddr !== '') {
    state = new ObservedState();
    state.attach(bus);
    const { startObserveServer } = await import('../http/server.js');
    server = await startObserveServer({ address: config.metricsAddr, bus, state, ready: DEFAULT_READY });
    log.info(`Serving /metrics, /health, /ready and the status page on ${server.url}`);
  }
  const headPollMs = o.headPollMs ?? 500;
  const membersPollMs = o.membersPollMs ?? 5000;
  return {
    bus,
    url: server?.url,
    observerFor(backend) {
      if (!bus.active) return undefined;
      return {
        connected: (endpoint) => bus.emit({ type: 'backend-connected', backend, stream: true, ...(endpoint !== undefined ? { endpoint } : {}) }),
        error: (error, endpoint) => bus.emit({ type: 'backend-error', backend, error, ...(endpoint !== undefined ? { endpoint } : {}) }),
        revision: (revision) => bus.emit({ type: 'backend-revision', backend, revision }),
      };
    },
    follow(backend, cfg, signal) {
      if (state === undefined) return; // only the endpoint shows lag and members
      const name = backend.name;
      // -interval re-reads everything every N seconds by design: a head moving meanwhile is not a lag to report.
      let head = cfg.watch ? backend.head?.bind(backend) : undefined;
      let members = backend.members?.bind(backend);
      const unsupported = (e: unknown): boolean => e instanceof Error && (e as { code?: unknown }).code === 'ENOTSUPPORTED';
      let lastMembers = 0;
      const tick = async (): Promise<void> => {
        if (head) {
          try {
            const revision = await head(AbortSignal.any([signal, AbortSignal.timeout(Math.max(headPollMs, 1000))]));
            if (signal.aborted) return;
            bus.emit({ type: 'backend-connected', backend: name });
            bus.emit({ type: 'backend-revision', backend: name, revision });
          } catch (e) {
            if (unsupported(e)) head = undefined;
            else if (!signal.aborted) bus.emit({ type: 'backend-error', backend: name, error: errorMessage(e) });
          }
        }
        if (Date.now() - lastMembers < membersPollMs || signal.aborted) return;
        lastMembers = Date.now();
        if (members) {
          try {
            bus.emit({ type: 'backend-members', backend: name, members: await members(AbortSignal.any([signal, AbortSignal.timeout(2000)])) });
          } catch (e) {
            if (unsupported(e)) members = undefined;
            else bus.emit({ type: 'backend-members', backend: name, members: cfg.nodes.map((n) => ({ name: n, endpoint: n, state: 'unreachable' })) });
          }
        }
        if (!members) {
          const up = state?.backend.connected ?? false;
          bus.emit({ type: 'backend-members', backend: name, members: cfg.nodes.map((n) => ({ name: n, endpoint: n, state: up ? 'up' : 'unreachable' })) });
        }
      };
      // One tick at a time: a slow backend never piles up polls.
      const loop = async (): Promise<void> => {
        while (!signal.aborted) {
          await tick();
          await sleep(headPollMs, signal);
        }
      };
      loop().catch((e: unknown) => log.error(`backend poller: ${errorMessage(e)}`));
    },
    stopping() {
      notifier?.stopping();
    },
    async close() {
      notifier?.close();
      await server?.close();
    },
  };
}
