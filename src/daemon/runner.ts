// Running the template resources of one configuration: once (-onetime), every N seconds (-interval), or on every
// change the backend reports (-watch).
//
// Watch mode keeps the keys in memory: one full read at start, then each event updates the views of the
// resources whose keys it touches, and only those resources render again. Bursts coalesce: while a resource is
// rendering, further changes only mark it dirty, and it renders once more afterwards with everything that
// arrived (plus an optional `wait` quiescence). A resource never runs concurrently with itself, one resource's
// failure never stops another, and nothing renders before a complete read.

import type { Backend, Change, Snapshot, WatchEvent } from '../backends/types.js';
import type { ConfdConfig, WaitSpec } from '../config/index.js';
import { Backoff, giveUpMessage, retryMessage, untilAborted, type RetryPolicyOptions } from '../backends/common/retry.js';
import { redactNode, type Logger } from '../log/index.js';
import type { CommandRunner } from '../resource/command.js';
import { loadResources, unionPrefixes, type LoadedResources } from '../resource/load.js';
import type { TemplateResource } from '../resource/resource.js';
import { cleanStaleStageFiles } from '../resource/pipeline.js';
import type { KeyView } from '../resource/view.js';
import { errorMessage } from '../util/errors.js';
import { sleep } from '../util/sleep.js';
import { readAll, readEachAll } from './backend.js';
import { refOf, type EventBus } from '../observe/events.js';
import { emitRun } from '../observe/resource-events.js';
import { removePidFile, writePidFile } from '../guard/index.js';

export interface RunnerDeps {
  readonly config: ConfdConfig;
  readonly log: Logger;
  readonly backend: Backend;
  readonly runCommand: CommandRunner;
  /** -noop diffs go here (stdout). */
  readonly out: (text: string) => void;
  readonly getenv: (name: string) => string | undefined;
  /** Stops the loops; in-flight resources finish (their commands are not killed). */
  readonly signal: AbortSignal;
  /** Kills in-flight commands (a second SIGINT/SIGTERM). */
  readonly killSignal?: AbortSignal;
  /** Resources of the previous generation (SIGHUP), whose per-resource state carries over. */
  readonly previous?: readonly TemplateResource[];
  /**
   * Backoff of the read/watch loop (default: 500 ms doubling to 30 s; -interval: 1 s up to the interval) and of
   * failed resources in watch mode (default: 1 s doubling to a minute, or -interval when shorter). Tests shorten them.
   */
  readonly retry?: { readonly backend?: RetryPolicyOptions; readonly resource?: RetryPolicyOptions };
  /** Observability hook for tests and the benchmark: called after each resource run. */
  readonly onProcessed?: (r: TemplateResource, ok: boolean) => void;
  /** Observability events (src/observe): emitted only while someone listens. */
  readonly events?: EventBus;
}

function canStream(b: Backend): b is Backend & Required<Pick<Backend, 'readEach'>> {
  return typeof b.readEach === 'function';
}

/** Watch-mode scheduling state of one resource. */
interface Schedule {
  /** Changed since its last render started. */
  dirty: boolean;
  /** The render in flight, if any (a resource never renders concurrently with itself). */
  running: Promise<void> | undefined;
  /** Pending `wait` timer. */
  timer: NodeJS.Timeout | undefined;
  /** When the first change of the current `wait` window arrived (for MAX). */
  firstChange: number;
  /** Pending retry of a failed run (watch mode has no next cycle without a change). */
  retry: NodeJS.Timeout | undefined;
  /** Backoff of the retries since the last success. */
  backoff: Backoff;
  /** When the earliest change not yet rendered reached the daemon (for the change->installed time). */
  changedAt: number | undefined;
  /** Pending re-render for the guard (a hold or a record timeout expiring without a key change). */
  wake: NodeJS.Timeout | undefined;
}

/** The loop gave up: an error retrying cannot fix (authentication, configuration) persisted. */
export class RunnerGaveUpError extends Error {
  override readonly name = 'RunnerGaveUpError';
  readonly code = 'EGAVEUP';
}

export class Runner {
  private loaded: LoadedResources = { resources: [], views: [], failures: [] };
  /** A streamed read is filling the views, or one failed half-way: they must not be rendered (see readAndApply). */
  private loading = false;
  /** Backend revision of what the views hold (kept with a guarded resource's generations). */
  private revision: bigint | undefined;
  /** The pid file in -state-dir that `confd -release` signals, written while guarded resources run. */
  private pidFile = false;
  /** watch() follows events (the scheduler below is in use). */
  private watching = false;

  constructor(private readonly d: RunnerDeps) {}

  get resources(): readonly TemplateResource[] {
    return this.loaded.resources;
  }

  /** (Re)loads conf.d; reports broken files and keeps the good ones. Returns the number of broken files. */
  load(previous?: readonly TemplateResource[]): number {
    const { config, log } = this.d;
    log.debug(`Loading template resources from confdir ${config.confdir}`);
    const loaded = loadResources({
      confdir: config.confdir,
      configDir: config.configDir,
      templateDir: config.templateDir,
      prefix: config.prefix,
      getenv: this.d.getenv,
      warn: (m) => log.warn(m),
      memoize: !config.onetime,
    });
    for (const f of loaded.failures) log.error(f.error.message.startsWith(f.file) ? f.error.message : `${f.file}: ${f.error.message}`);
    if (loaded.resources.length === 0 && loaded.failures.length === 0) log.warn('Found no templates');
    if (previous) {
      const byFile = new Map(previous.map((r) => [r.spec.file, r]));
      for (const r of loaded.resources) {
        const old = byFile.get(r.spec.file);
        if (old) r.adoptStateFrom(old);
      }
    }
    this.loaded = loaded;
    const ev = this.d.events;
    if (ev?.active) {
      ev.emit({
        type: 'resources-loaded',
        resources: loaded.resources.map((r) => refOf(r.spec)),
        broken: loaded.failures.map((f) => ({ file: f.file, error: f.error.message })),
      });
    }
    if (!config.onetime && !this.pidFile && loaded.resources.some((r) => r.guard)) {
      try {
        writePidFile(config.stateDir);
        this.pidFile = true;
      } catch (e) {
        log.warn(`cannot write ${config.stateDir}/confd.pid (confd -release needs it; SIGUSR1 still works): ${errorMessage(e)}`);
      }
    }
    return loaded.failures.length;
  }

  /**
   * An operator's release (SIGUSR1, `confd -release NAME`): the guards of the named resources (all when
   * undefined) apply what they hold at their next render, which starts now. Returns the released names.
   */
  releaseHeld(names?: readonly string[]): string[] {
    const released: string[] = [];
    for (const r of this.loaded.resources) {
      if (!r.guard || (names !== undefined && !names.includes(r.spec.name) && !names.includes(r.spec.file))) continue;
      if (r.guard.release()) {
        released.push(r.spec.name);
        // Watch mode renders at once; -interval applies the release at its next round.
        if (this.watching) this.markDirty(r);
      }
    }
    this.d.log.info(released.length ? `Release requested: ${released.join(', ')}` : `Release requested${names ? ` for ${names.join(', ')}` : ''}: nothing is held`);
    return released;
  }

  /** Removes stage files that a killed predecessor left next to our destinations. */
  cleanStageFiles(): void {
    if (this.d.config.keepStageFile) return;
    for (const r of this.loaded.resources) {
      for (const f of cleanStaleStageFiles(r.spec.dest)) this.d.log.info(`Removed stale stage file ${f}`);
    }
  }

  private get prefixes(): string[] {
    return unionPrefixes(this.loaded.views);
  }

  private applySnapshot(s: Snapshot): void {
    for (const v of this.loaded.views) v.reset(s.values);
  }

  /**
   * One full read into the views; returns its revision. A backend with readEach streams the keys straight into
   * the views, so the registry is never held twice; until such a read has completed the views are incomplete and
   * nothing renders from them (`loading`, see kick). Otherwise the snapshot lives only in this call's frame:
   * callers are long-lived async frames, and V8 keeps a suspended frame's locals alive, so a snapshot held there
   * would stay next to the views (a second copy of every key) until overwritten.
   */
  private async readAndApply(): Promise<bigint> {
    const { backend, config, log, signal } = this.d;
    const prefixes = this.prefixes;
    log.debug(`Retrieving keys from store: ${prefixes.join(', ')}`);
    // Prefixes no key was read under: not an error (confd renders them as empty), but worth one clear line.
    const empty = new Set(prefixes);
    const seen = (key: string): void => {
      for (const p of empty) if (key.startsWith(p)) empty.delete(p);
    };
    let revision: bigint;
    if (!canStream(backend)) {
      const snapshot = await readAll(backend, prefixes, config.requestTimeoutMs, signal);
      this.applySnapshot(snapshot);
      for (const key of snapshot.values.keys()) {
        if (empty.size === 0) break;
        seen(key);
      }
      revision = snapshot.revision;
    } else {
      const views = this.loaded.views;
      this.loading = true;
      for (const v of views) v.clear();
      const load =
        views.length === 1
          ? (views[0] as KeyView).loader()
          : (key: string, value: string): void => {
              for (const v of views) v.load(key, value);
            };
      const sink = (key: string, value: string): void => {
        if (empty.size !== 0) seen(key);
        load(key, value);
      };
      revision = await readEachAll(backend, prefixes, sink, config.requestTimeoutMs, signal);
      this.loading = false;
    }
    this.reportEmptyPrefixes([...empty]);
    this.revision = revision;
    const ev = this.d.events;
    if (ev?.active) {
      ev.emit({ type: 'backend-connected', backend: backend.name });
      ev.emit({ type: 'backend-revision', backend: backend.name, revision });
      ev.emit({ type: 'changes-received', revision });
    }
    return revision;
  }

  private lastEmpty = '';

  /** Warns when the set of prefixes without any key changes (not on every interval). */
  private reportEmptyPrefixes(empty: readonly string[]): void {
    const id = empty.join('\u0000');
    if (id === this.lastEmpty) return;
    this.lastEmpty = id;
    if (empty.length === 0) return;
    const { backend, config } = this.d;
    const where = config.nodes.length > 0 ? ` at ${config.nodes.map(redactNode).join(', ')}` : '';
    for (const p of empty) this.d.log.warn(`Key prefix ${p} does not exist in backend ${backend.name}${where}: templates see no keys under it`);
  }

  /** Applies changes; returns the resources whose views changed. */
  private applyChanges(changes: readonly Change[]): Set<TemplateResource> {
    const touched = new Set<KeyView>();
    for (const c of changes) {
      for (const v of this.loaded.views) {
        const changed = c.type === 'put' ? v.put(c.key, c.value) : v.delete(c.key);
        if (changed) touched.add(v);
      }
    }
    const out = new Set<TemplateResource>();
    if (touched.size === 0) return out;
    for (const r of this.loaded.resources) if (touched.has(r.view)) out.add(r);
    return out;
  }

  /** Runs one resource; logs and swallows its failure so that the others go on. Returns success. */
  async processOne(r: TemplateResource, changedAt?: number): Promise<boolean> {
    return (await this.attempt(r, changedAt)) === undefined;
  }

  /** processOne, returning the failure (undefined on success) so that watch mode can decide on a retry. */
  private async attempt(r: TemplateResource, changedAt?: number): Promise<unknown> {
    const { config, log } = this.d;
    let ok = true;
    let failure: unknown;
    const ev = this.d.events?.active ? this.d.events : undefined;
    const revision = this.revision;
    const t0 = ev ? performance.now() : 0;
    let result;
    if (ev) ev.emit({ type: 'keys', resource: refOf(r.spec), keys: r.view.store.size });
    try {
      result = await r.process({
        noop: config.noop,
        syncOnly: config.syncOnly,
        keepStageFile: config.keepStageFile,
        commandTimeoutMs: config.commandTimeoutMs,
        runCommand: this.d.runCommand,
        log,
        out: this.d.out,
        stateDir: config.stateDir,
        onetime: config.onetime,
        ...(this.revision !== undefined ? { revision: this.revision } : {}),
        ...(this.d.killSignal ? { signal: this.d.killSignal } : {}),
      });
    } catch (e) {
      ok = false;
      failure = e;
      log.error(`${r.spec.name}: ${errorMessage(e)}`, { resource: r.spec.file, dest: r.spec.dest, step: e instanceof Error && 'step' in e ? (e as { step: unknown }).step : undefined });
      if (!(e instanceof Error && e.name === 'ResourceError') && e instanceof Error && e.stack) log.debug(e.stack);
    }
    if (ev) {
      emitRun(ev, { resource: refOf(r.spec), ms: performance.now() - t0, revision, changedAt, ...(ok ? { result } : { error: failure }) });
      this.emitHold(ev, r);
    }
    this.d.onProcessed?.(r, ok);
    return ok ? undefined : (failure ?? new Error('failed'));
  }

  /**
   * The guard's hold as events, on each change of it (a resource object new after SIGHUP reports its hold again:
   * the observer replaced its list).
   */
  private emitHold(ev: EventBus, r: TemplateResource): void {
    if (!r.guard) return;
    const h = r.guard.state().held;
    const was = this.heldReported.get(r) ?? false;
    if (h && !was) {
      ev.emit({ type: 'held', resource: refOf(r.spec), held: { reason: h.limit, removed: h.removed, total: h.total, examples: h.first, since: h.since } });
    } else if (!h && was) {
      ev.emit({ type: 'released', resource: refOf(r.spec) });
    }
    this.heldReported.set(r, h !== undefined);
  }

  /** Processes all resources one after another (as confd). Returns the number that failed. */
  private async processAll(): Promise<number> {
    let failed = 0;
    for (const r of this.loaded.resources) {
      if (this.d.signal.aborted) break; // shutting down: finish the resource in flight, start no more
      if (!(await this.processOne(r))) failed++;
    }
    return failed;
  }

  /** -onetime: load, one read, render everything. Returns the exit status. */
  async once(): Promise<number> {
    const broken = this.load();
    this.cleanStageFiles();
    try {
      await this.readAndApply();
    } catch (e) {
      this.d.log.error(errorMessage(e));
      return 1;
    }
    const failed = await this.processAll();
    this.flushGuards();
    this.emitIdle();
    return broken + failed > 0 ? 1 : 0;
  }

  /** Writes what the guards keep in the state directory and have not written yet (at exit). */
  private flushGuards(): void {
    for (const r of this.loaded.resources) r.guard?.flush();
  }

  /**
   * -interval: like confd, re-read conf.d and all keys every interval. A failed read renders nothing and is
   * retried sooner (1s, 2s, 4s, ... up to the interval) instead of leaving configs stale for a whole interval.
   */
  async interval(): Promise<void> {
    const { config, log, signal } = this.d;
    const intervalMs = config.intervalSeconds * 1000;
    const retry = new Backoff({ initialMs: Math.min(1000, intervalMs), maxMs: intervalMs, ...this.d.retry?.backend });
    let first = true;
    while (!signal.aborted) {
      let delay = intervalMs;
      try {
        this.load(first ? this.d.previous : this.loaded.resources);
        if (first) this.cleanStageFiles();
        first = false;
        await this.readAndApply();
        retry.reset();
        await this.processAll();
        this.emitIdle();
      } catch (e) {
        if (signal.aborted) break;
        this.emitBackendError(e);
        if (retry.giveUp(e)) throw new RunnerGaveUpError(giveUpMessage(errorMessage(e), retry.attempt + 1), { cause: e });
        const attempt = retry.attempt;
        delay = retry.next();
        log.error(retryMessage(errorMessage(e), delay, attempt));
      }
      await sleep(delay, signal);
    }
    if (this.pidFile) removePidFile(config.stateDir);
  }

  // ---- watch mode ----------------------------------------------------------------------------------------------

  private readonly sched = new Map<TemplateResource, Schedule>();
  /** Whether the last event about a resource's guard said it holds a change (see emitHold). */
  private readonly heldReported = new WeakMap<TemplateResource, boolean>();
  private flushQueued = false;
  private readonly pendingKick = new Set<TemplateResource>();

  private stateOf(r: TemplateResource): Schedule {
    let s = this.sched.get(r);
    if (!s) {
      // A failed run is retried from 1 s, doubling up to a minute (or -interval, when shorter).
      const maxMs = Math.max(1000, Math.min(60_000, this.d.config.intervalSeconds * 1000));
      const backoff = new Backoff({ initialMs: 1000, maxMs, attemptsIfNotRetryable: 0, ...this.d.retry?.resource });
      s = { dirty: false, running: undefined, timer: undefined, firstChange: 0, retry: undefined, backoff, changedAt: undefined, wake: undefined };
      this.sched.set(r, s);
    }
    return s;
  }

  private waitFor(r: TemplateResource): WaitSpec | undefined {
    return r.spec.wait ?? this.d.config.wait;
  }

  /** Marks a resource changed; it renders after the current event batch (or its `wait`). */
  private markDirty(r: TemplateResource): void {
    const s = this.stateOf(r);
    s.dirty = true;
    const wait = this.waitFor(r);
    if (wait) {
      const now = Date.now();
      if (s.timer === undefined) s.firstChange = now;
      else clearTimeout(s.timer);
      const delay = Math.max(0, Math.min(wait.minMs, s.firstChange + wait.maxMs - now));
      s.timer = setTimeout(() => {
        s.timer = undefined;
        this.kick(r);
      }, delay);
      return;
    }
    this.pendingKick.add(r);
    if (!this.flushQueued) {
      this.flushQueued = true;
      // Let every event already queued apply first, then render each touched resource once.
      setImmediate(() => {
        this.flushQueued = false;
        const rs = [...this.pendingKick];
        this.pendingKick.clear();
        for (const x of rs) this.kick(x);
      });
    }
  }

  private kick(r: TemplateResource): void {
    const s = this.stateOf(r);
    // While a streamed read fills the views (or after one failed half-way) they are incomplete: the resource stays
    // dirty and renders once a read has completed (watch() then marks every resource dirty anyway).
    if (s.running || !s.dirty || s.timer !== undefined || this.loading || this.d.signal.aborted) return;
    s.dirty = false;
    if (s.retry !== undefined) clearTimeout(s.retry);
    s.retry = undefined;
    const changedAt = s.changedAt;
    s.changedAt = undefined;
    s.running = this.attempt(r, changedAt).then((failure) => {
      s.running = undefined;
      this.scheduleWake(r, s);
      if (failure === undefined) {
        if (s.backoff.attempt > 0) this.d.log.info(`${r.spec.name}: ${r.spec.dest} is up to date again after ${s.backoff.attempt} retries`);
        s.backoff.reset();
      } else {
        if (s.changedAt === undefined) s.changedAt = changedAt; // still not applied
        if (!s.dirty && !this.d.signal.aborted) this.scheduleRetry(r, s, failure);
      }
      if (s.dirty && !this.d.signal.aborted) {
        // Changes that arrived while we rendered: go again (after `wait`, if any).
        if (this.waitFor(r)) this.markDirty(r);
        else this.kick(r);
      }
      this.emitIdle();
    });
  }

  /**
   * Watch mode has no next cycle until a key changes: a resource that failed for a reason that may pass (a full
   * disk, a dest directory created late, a check_cmd or reload_cmd that failed once) is run again on a backoff, and
   * renders the newest keys then. A render error is not retried: only a change of keys (which runs it anyway)
   * can fix it.
   */
  private scheduleRetry(r: TemplateResource, s: Schedule, failure: unknown): void {
    if (s.backoff.giveUp(failure)) return;
    const attempt = s.backoff.attempt;
    const delayMs = s.backoff.next();
    const step = failure instanceof Error && 'step' in failure ? ` (${String((failure as { step: unknown }).step)} failed)` : '';
    this.d.log.warn(retryMessage(`${r.spec.name}: ${r.spec.dest} not updated${step}`, delayMs, attempt), { resource: r.spec.file, dest: r.spec.dest });
    s.retry = setTimeout(() => {
      s.retry = undefined;
      s.dirty = true;
      this.kick(r);
    }, delayMs);
  }

  /** A guard that must look again at a time (a hold or a record timeout expiring) gets a render then. */
  private scheduleWake(r: TemplateResource, s: Schedule): void {
    if (s.wake !== undefined) clearTimeout(s.wake);
    s.wake = undefined;
    const at = r.guard?.nextWakeAt();
    if (at === undefined || this.d.signal.aborted) return;
    s.wake = setTimeout(() => {
      s.wake = undefined;
      this.markDirty(r);
    }, Math.max(0, at - Date.now()) + 5);
  }

  /** Applies the next watch event; returns its revision, or undefined when the watch ended. */
  private async nextEvent(events: AsyncIterator<WatchEvent>): Promise<bigint | undefined> {
    const step = await events.next();
    if (step.done === true) return undefined;
    const ev = step.value;
    if (ev.kind === 'reset') {
      this.applySnapshot(ev.snapshot);
      this.revision = ev.snapshot.revision;
      if (this.d.events?.active) this.d.events.emit({ type: 'changes-received', revision: ev.snapshot.revision });
      for (const r of this.loaded.resources) this.markDirty(r);
      return ev.snapshot.revision;
    }
    this.revision = ev.revision;
    const bus = this.d.events;
    if (bus?.active) bus.emit({ type: 'changes-received', revision: ev.revision });
    const now = Date.now();
    for (const r of this.applyChanges(ev.changes)) {
      const s = this.stateOf(r);
      s.changedAt ??= now;
      this.markDirty(r);
    }
    this.emitIdle();
    return ev.revision;
  }

  /** Tells observers that every change received so far has been processed (nothing dirty, running or waiting). */
  private emitIdle(): void {
    const ev = this.d.events;
    if (!ev?.active || this.revision === undefined || this.loading) return;
    for (const s of this.sched.values()) if (s.dirty || s.running || s.timer !== undefined) return;
    ev.emit({ type: 'idle', revision: this.revision });
  }

  private emitBackendError(e: unknown): void {
    const ev = this.d.events;
    if (!ev?.active) return;
    const endpoint = e instanceof Error && 'endpoint' in e && typeof (e as { endpoint: unknown }).endpoint === 'string' ? (e as { endpoint: string }).endpoint : undefined;
    ev.emit({ type: 'backend-error', backend: this.d.backend.name, error: errorMessage(e), ...(endpoint !== undefined ? { endpoint } : {}) });
  }

  /** Waits for every in-flight resource run. */
  private async drain(): Promise<void> {
    for (const s of this.sched.values()) {
      if (s.timer) clearTimeout(s.timer);
      if (s.retry) clearTimeout(s.retry);
      if (s.wake) clearTimeout(s.wake);
    }
    for (;;) {
      const running = [...this.sched.values()].map((s) => s.running).filter((p): p is Promise<void> => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /**
   * -watch: read once, then follow the backend's events. A broken watch is retried with backoff after a fresh
   * full read; the in-memory state is only ever replaced by a complete read. A watch that ends without an error
   * (it should not) is re-read after a pause that grows while watches keep ending at once; with nothing to watch
   * (no resources, no keys), the resources render once and the loop waits for SIGHUP or SIGTERM.
   */
  async watch(): Promise<void> {
    const { backend, log, signal } = this.d;
    this.load(this.d.previous);
    this.cleanStageFiles();
    if (!backend.watch) {
      log.warn(`backend ${backend.name} cannot watch for changes; polling every ${this.d.config.intervalSeconds}s instead`);
      await this.interval();
      return;
    }
    this.watching = true;
    const retry = new Backoff({ initialMs: 500, maxMs: 30_000, ...this.d.retry?.backend });
    let revision: bigint | undefined;
    try {
      while (!signal.aborted) {
        try {
          if (revision === undefined) {
            revision = await this.readAndApply();
            for (const r of this.loaded.resources) this.markDirty(r);
          }
          const prefixes = this.prefixes;
          if (prefixes.length === 0) {
            log.warn(this.nothingToWatch());
            await untilAborted(signal);
            break;
          }
          const started = Date.now();
          let delivered = false;
          // Events are taken one at a time by nextEvent(), not by a for-await here: this frame lives as long as the
          // daemon, and V8 keeps a suspended async frame's locals alive, so a `for await (const ev ...)` would pin
          // the last event (a reset holds a whole registry) until the next one arrives. Same for the read above.
          const events = backend.watch(prefixes, revision, signal)[Symbol.asyncIterator]();
          try {
            for (;;) {
              const next = await this.nextEvent(events);
              if (next === undefined) break;
              revision = next;
              if (!delivered) retry.reset();
              delivered = true;
            }
          } finally {
            await events.return?.();
          }
          if (signal.aborted) break;
          if (delivered || Date.now() - started > retry.maxMs) retry.reset();
          revision = undefined;
          const attempt = retry.attempt;
          const delayMs = retry.next();
          log.warn(retryMessage(`watch on backend ${backend.name} ended; re-reading`, delayMs, attempt));
          await sleep(delayMs, signal);
        } catch (e) {
          if (signal.aborted) break;
          revision = undefined; // continuity lost: the next round starts with a full read
          if (retry.giveUp(e)) throw new RunnerGaveUpError(giveUpMessage(errorMessage(e), retry.attempt + 1), { cause: e });
          const attempt = retry.attempt;
          const delayMs = retry.next();
          log.error(retryMessage(errorMessage(e), delayMs, attempt));
          await sleep(delayMs, signal);
        }
      }
    } finally {
      await this.drain();
      this.flushGuards();
      if (this.pidFile) removePidFile(this.d.config.stateDir);
    }
  }

  /** Why there is nothing to watch, and what the daemon does about it. */
  private nothingToWatch(): string {
    const { resources, failures } = this.loaded;
    const why =
      resources.length > 0
        ? `no template resource has keys (${resources.length} loaded)`
        : failures.length > 0
          ? `every template resource failed to load (${failures.length} files)`
          : `no template resources in ${this.d.config.configDir}`;
    return `Nothing to watch: ${why}; waiting for SIGHUP (reload) or SIGTERM`;
  }
}
