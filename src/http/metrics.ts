// /metrics: the daemon's events as Prometheus metrics, with prom-client (the Node ecosystem's client library, also
// what the fork's users scrape): counters move as events arrive; gauges that depend on "now" (lag, age of the
// last apply) are computed when scraped, from the observed state.
//
// Labels are the resource's name (its path inside conf.d) and the backend's name: a bounded set. Error texts are
// never labels, except in the one-series `confd_backend_last_error_info` (reset on each new error).

import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus, ObserveEvent } from '../observe/events.js';
import type { ObservedState, ReadyOptions } from '../observe/state.js';

export interface MetricsOptions {
  readonly bus: EventBus;
  readonly state: ObservedState;
  readonly ready: ReadyOptions;
  /** process_resident_memory_bytes, process_cpu_seconds_total, ... (default true). */
  readonly processMetrics?: boolean;
}

export interface Metrics {
  readonly registry: Registry;
  close(): void;
}

/** process_* metrics under their usual names, computed at scrape time. */
function processMetrics(registry: Registry): void {
  const startSeconds = Date.now() / 1000 - process.uptime();
  new Gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', registers: [registry], collect() {
    this.set(process.memoryUsage.rss());
  } });
  new Gauge({ name: 'nodejs_heap_size_used_bytes', help: 'Process heap size used from Node.js in bytes.', registers: [registry], collect() {
    this.set(process.memoryUsage().heapUsed);
  } });
  new Counter({ name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', registers: [registry], collect() {
    const u = process.cpuUsage();
    this.reset();
    this.inc((u.user + u.system) / 1e6);
  } });
  new Gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', registers: [registry], collect() {
    this.set(Math.round(startSeconds));
  } });
}

export function createMetrics(o: MetricsOptions): Metrics {
  const registry = new Registry();
  const { state } = o;
  // prom-client's default set samples the event loop every 10 ms and observes every GC, which measurably slowed
  // propagation at 20,000 keys (tools/bench --metrics); these few are read only when scraped, at no other cost.
  if (o.processMetrics !== false) processMetrics(registry);
  const r = ['resource'] as const;
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
    new Counter({ name, help, labelNames, registers: [registry] });

  const renders = counter('confd_renders_total', 'Template renders', r);
  const skipped = counter('confd_renders_skipped_unchanged_total', 'Renders whose output equalled dest (nothing installed)', r);
  const installs = counter('confd_installs_total', 'Times dest was replaced', r);
  const checkFailures = counter('confd_check_failures_total', 'check_cmd failures (dest kept)', r);
  const reloadFailures = counter('confd_reload_failures_total', 'reload_cmd failures (dest installed, reload retried)', r);
  const failures = counter('confd_resource_failures_total', 'Failures of the other steps (render, stage, install)', ['resource', 'step'] as const);
  const applies = counter('confd_applies_total', 'Changes the service took, by kind: runtime (haproxy Runtime API) or reload', ['resource', 'kind'] as const);
  const heldTotal = counter('confd_held_changes_total', 'Changes the guard held back', r);
  const backendErrors = counter('confd_backend_errors_total', 'Backend errors (failed reads, broken watch streams, failed head polls)', ['backend'] as const);
  const changeToInstalled = new Histogram({
    name: 'confd_change_to_installed_seconds',
    help: 'Time from a change reaching the daemon to dest installed with it',
    labelNames: r,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const lastErrorInfo = new Gauge({
    name: 'confd_backend_last_error_info',
    help: 'The last backend error (value: its time, seconds since the epoch)',
    labelNames: ['backend', 'error'] as const,
    registers: [registry],
  });

  const gauge = (name: string, help: string, labelNames: readonly string[], collect: (g: Gauge) => void): Gauge =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        collect(this);
      },
    });
  gauge('confd_resource_keys', 'Keys a resource reads', ['resource'], (g) => {
    g.reset();
    for (const s of state.resources.values()) g.set({ resource: s.ref.name }, s.keys);
  });
  gauge('confd_resource_applied_revision', 'Backend revision of the last successful run of a resource', ['resource'], (g) => {
    g.reset();
    for (const s of state.resources.values()) if (s.lastRevision !== undefined) g.set({ resource: s.ref.name }, Number(s.lastRevision));
  });
  gauge('confd_resource_failing', '1 while the last run of a resource failed', ['resource'], (g) => {
    g.reset();
    for (const s of state.resources.values()) g.set({ resource: s.ref.name }, s.lastError ? 1 : 0);
  });
  gauge('confd_held_changes', 'Changes the guard holds back now', ['resource'], (g) => {
    g.reset();
    for (const s of state.resources.values()) g.set({ resource: s.ref.name }, s.held ? 1 : 0);
  });
  gauge('confd_backend_connected', '1 while the backend is reachable', ['backend'], (g) => {
    g.reset();
    g.set({ backend: state.backend.name }, state.backend.connected ? 1 : 0);
  });
  gauge('confd_backend_head_revision', "The backend's newest revision seen", [], (g) => {
    if (state.backend.head !== undefined) g.set(Number(state.backend.head));
  });
  gauge('confd_applied_revision', 'The revision every resource is up to date with', [], (g) => {
    const a = state.appliedRevision();
    if (a !== undefined) g.set(Number(a));
  });
  gauge('confd_watch_lag_revisions', "Backend head revision minus the revision applied (0: up to date)", [], (g) => {
    const lag = state.lag();
    if (lag !== undefined) g.set(lag);
  });
  gauge('confd_last_successful_apply_age_seconds', 'Seconds since a resource last ran successfully', [], (g) => {
    if (state.lastSuccessAt !== undefined) g.set((Date.now() - state.lastSuccessAt) / 1000);
  });
  gauge('confd_last_successful_apply_timestamp_seconds', 'When a resource last ran successfully', [], (g) => {
    if (state.lastSuccessAt !== undefined) g.set(state.lastSuccessAt / 1000);
  });
  gauge('confd_ready', '1 when /ready answers 200', [], (g) => {
    g.set(state.readiness(o.ready).ready ? 1 : 0);
  });

  const on = (ev: ObserveEvent): void => {
    switch (ev.type) {
      case 'render':
        renders.inc({ resource: ev.resource.name });
        break;
      case 'skipped-unchanged':
        skipped.inc({ resource: ev.resource.name });
        break;
      case 'installed':
        installs.inc({ resource: ev.resource.name });
        break;
      case 'check-failed':
        checkFailures.inc({ resource: ev.resource.name });
        break;
      case 'reload-failed':
        reloadFailures.inc({ resource: ev.resource.name });
        break;
      case 'failed':
        failures.inc({ resource: ev.resource.name, step: ev.step });
        break;
      case 'applied':
        applies.inc({ resource: ev.resource.name, kind: ev.kind });
        break;
      case 'held':
        heldTotal.inc({ resource: ev.resource.name });
        break;
      case 'backend-error':
        backendErrors.inc({ backend: ev.backend });
        lastErrorInfo.reset();
        lastErrorInfo.set({ backend: ev.backend, error: ev.error.slice(0, 200) }, Date.now() / 1000);
        break;
      case 'revision-applied':
        if (ev.installed && ev.changedAt !== undefined) changeToInstalled.observe({ resource: ev.resource.name }, Math.max(0, Date.now() - ev.changedAt) / 1000);
        break;
      default:
        break;
    }
  };
  const unsubscribe = o.bus.subscribe(on);
  return {
    registry,
    close() {
      unsubscribe();
      registry.clear();
    },
  };
}
