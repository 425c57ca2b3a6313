// The guard of one resource as the install pipeline calls it (src/resource/resource.ts): prepare before the
// render, quarantine at the check step, rollback at the reload step, and after an install: the new baseline,
// a generation in the state directory, the state file. Everything the guard decides lives in guard.ts; this
// file connects it to the pipeline, the state directory and the log.

import type { Logger, LogFields } from '../log/index.js';
import { ResourceError, removeQuietly } from '../resource/pipeline.js';
import type { ResourceSpec } from '../resource/spec.js';
import type { KeyView, RawChanges } from '../resource/view.js';
import { Generations, resourceStateDir } from './generations.js';
import { ResourceGuard, type GuardState } from './guard.js';
import { bisect } from './quarantine.js';
import { rollBack, type RollbackInput } from './rollback.js';
import type { GuardSpec } from './spec.js';
import type { FileState } from '../resource/pipeline.js';

/** How long after a change the state directory is written (changes in between are written together). */
export const STATE_WRITE_DELAY_MS = 250;

export interface StageContext {
  readonly log: Logger;
  /** -noop: decide as usual, write nothing to the state directory. */
  readonly noop?: boolean;
  /** -onetime: there is no later render; incomplete records are reported at once. */
  readonly onetime?: boolean;
  readonly stateDir?: string;
  readonly revision?: bigint;
}

export class GuardStage {
  private readonly guard: ResourceGuard;
  private log: Logger | undefined;
  /** undefined: not opened yet; null: no state directory (none given, or it cannot be written). */
  private gens: Generations | null | undefined;
  /** The render reload_cmd refused (rolled back): not installed again until the keys change it. */
  private refusedContent: string | undefined;
  private lastStateJson = '';
  /**
   * State-directory writes not done yet: the baseline and generations hold every key (at 1,000 domains x 10
   * servers ~1.2 MB each; their JSON text comes in pieces kept per bucket of records, see UnitTable.json), so they are
   * written after the change has reached the service, not before, and a stream of changes is written once:
   * STATE_WRITE_DELAY_MS after the first change not yet written, or at flush() (one-shot exit, shutdown, SIGHUP).
   * Only the newest baseline and the newest `generations` generations are kept.
   */
  private pendingBaseline: { keysJson: readonly Uint8Array[]; revision: bigint | undefined; ctx: StageContext } | undefined;
  private readonly pendingGenerations: Array<{ content: string; revision: bigint | undefined; keysJson: readonly Uint8Array[]; ctx: StageContext }> = [];
  private flushTimer: NodeJS.Timeout | undefined;
  /** The raw keys put or deleted since the last prepare(): only they are validated again. */
  private readonly rawChanges: RawChanges;

  constructor(
    private readonly resource: ResourceSpec,
    readonly spec: GuardSpec,
    private readonly view: KeyView,
  ) {
    this.rawChanges = view.trackRaw();
    const forward = (level: 'debug' | 'info' | 'warn' | 'error') => (msg: string, fields?: LogFields): void => this.log?.[level](msg, fields);
    const log: Logger = { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error'), enabled: (l) => this.log?.enabled(l) ?? false };
    this.guard = new ResourceGuard(spec, { name: resource.name, dest: resource.dest, log });
  }

  get store(): ResourceGuard['store'] {
    return this.guard.store;
  }

  /** A read-only snapshot: held change, quarantined records, invalid keys, incomplete records, last rollback. */
  state(): GuardState {
    return this.guard.state();
  }

  nextWakeAt(): number | undefined {
    return this.guard.nextWakeAt();
  }

  release(): boolean {
    return this.guard.release();
  }

  adoptFrom(old: GuardStage): void {
    old.flush();
    this.guard.adoptFrom(old.guard);
    this.refusedContent = old.refusedContent;
  }

  private generations(ctx: StageContext): Generations | null {
    if (this.gens !== undefined) return this.gens;
    if (!ctx.stateDir) return (this.gens = null);
    const gens = new Generations(resourceStateDir(ctx.stateDir, this.resource.name, this.resource.dest), this.spec.generations);
    const baseline = this.guard.hasBaseline ? undefined : gens.readBaseline();
    if (baseline) {
      this.guard.setBaseline(new Map(Object.entries(baseline.keys)));
      ctx.log.debug(`${this.resource.name}: guard baseline from ${gens.dir} (revision ${baseline.revision})`);
    }
    // -noop reads the baseline but writes nothing: it only shows what would change.
    return (this.gens = ctx.noop ? null : gens);
  }

  private stateDirFailed(e: unknown): void {
    this.log?.warn(`${this.resource.name}: cannot write the state directory ${this.gens?.dir ?? ''}: ${(e as Error).message}; generations and guard state are not kept`);
    this.gens = null;
  }

  private writeState(): void {
    const gens = this.gens;
    if (!gens) return;
    const json = JSON.stringify(this.guard.state());
    if (json === this.lastStateJson) return;
    this.lastStateJson = json;
    try {
      gens.writeState(this.guard.state());
    } catch (e) {
      this.stateDirFailed(e);
    }
  }

  /** Runs the guard over the view's raw keys into the template's store; render is false when nothing may render. */
  prepare(ctx: StageContext): { render: boolean } {
    this.log = ctx.log;
    this.generations(ctx);
    const changed = this.rawChanges.take();
    let p;
    try {
      p = this.guard.prepare(this.view.raw ?? new Map(), (k) => this.view.localKey(k), { onetime: ctx.onetime ?? false, ...(changed ? { changed } : {}) });
    } catch (e) {
      this.rawChanges.forget(); // the changes taken were not applied: the next prepare() looks at every key
      throw e;
    }
    // A render reload_cmd refused is retried once its keys change (even if they come back to the same render).
    if (p.changed) this.refusedContent = undefined;
    this.writeState();
    return { render: !p.skip };
  }

  /** dest already holds this render. */
  inSync(ctx: StageContext): void {
    if (this.guard.commit()) this.saveBaseline(ctx);
    this.writeState();
  }

  private saveBaseline(ctx: StageContext): void {
    if (!this.generations(ctx)) return;
    this.pendingBaseline = { keysJson: this.guard.baselineJson(), revision: ctx.revision, ctx };
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => this.flush(), STATE_WRITE_DELAY_MS);
    this.flushTimer.unref();
  }

  /** Writes what waits for the state directory (the baseline, generations) now. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const b = this.pendingBaseline;
    this.pendingBaseline = undefined;
    const gens = this.gens;
    if (b && gens) {
      try {
        gens.writeBaseline(b.keysJson, b.revision);
      } catch (e) {
        this.stateDirFailed(e);
      }
    }
    const keep = Math.max(1, this.gens?.keep ?? 1);
    for (const g of this.pendingGenerations.splice(0).slice(-keep)) {
      const to = this.gens;
      if (!to) break;
      try {
        const saved = to.save({ content: g.content, dest: this.resource.dest, revision: g.revision, keysJson: g.keysJson });
        g.ctx.log.debug(`${this.resource.name}: kept generation ${saved.seq} (revision ${saved.revision}) in ${to.dir}`);
      } catch (e) {
        this.stateDirFailed(e);
      }
    }
  }

  /** This render was installed (and reloaded): the new baseline and a generation. */
  installed(content: string, ctx: StageContext): void {
    if (this.guard.commit()) this.saveBaseline(ctx);
    this.refusedContent = undefined;
    if (this.generations(ctx)) {
      this.pendingGenerations.push({ content, revision: ctx.revision, keysJson: this.guard.baselineJson(), ctx });
      this.scheduleFlush();
    }
    this.writeState();
  }

  /** Whether `content` is the render reload_cmd refused (and was rolled back): then it is not installed again. */
  refused(content: string): boolean {
    if (this.refusedContent === undefined || this.refusedContent !== content) return false;
    this.log?.debug(`${this.resource.name}: not installing the render reload_cmd refused; waiting for a change of its keys`);
    return true;
  }

  /**
   * check_cmd refused the render: with `quarantine`, find the changed records that make it fail (bisecting) and
   * return the render without them, plus the error that reports them. undefined: not enabled, or nothing passes.
   */
  async quarantine(
    err: ResourceError,
    checkStaged: (stagePath: string) => Promise<void>,
    render: () => string,
    stage: (content: string) => string,
  ): Promise<{ content: string; error: ResourceError } | undefined> {
    if (!this.spec.quarantine) return undefined;
    const units = this.guard.changedUnits();
    if (units.length === 0) return undefined;
    const name = this.resource.name;
    this.log?.warn(`${name}: check_cmd refused the render; looking for the records that break it among ${units.length} changed since the last render that passed`);
    const r = await bisect(units, async (excluded) => {
      this.guard.exclude(excluded);
      const content = render();
      const path = stage(content);
      try {
        await checkStaged(path);
        return content;
      } catch (e) {
        if (e instanceof ResourceError && e.code === 'ECHECK') return undefined;
        throw e;
      } finally {
        removeQuietly(path);
      }
    });
    if (r.passed === undefined || r.bad.length === 0) {
      this.guard.exclude(new Set());
      return undefined;
    }
    this.guard.exclude(new Set(r.bad));
    this.guard.quarantine(r.bad, err.message);
    for (const u of r.bad) this.log?.error(`${name}: quarantined ${JSON.stringify(u)}: check_cmd refuses the config with it; it stays out until it changes`, { resource: name, guard: 'quarantine' });
    this.writeState();
    const error = new ResourceError(
      `${err.message}; quarantined ${r.bad.length} of ${units.length} changed records (${r.bad.join(', ')}) after ${r.checks} checks and installed the rest`,
      'check',
      'EQUARANTINED',
      { cause: err },
    );
    return { content: r.passed, error };
  }

  /** reload_cmd failed after install: restore the previous file and reload it (src/guard/rollback.ts). */
  async rollBack(err: ResourceError, content: string, input: RollbackInput): Promise<{ state: FileState | undefined; error: ResourceError }> {
    let state: FileState | undefined;
    try {
      state = await rollBack(input);
    } catch (e2) {
      throw new ResourceError(`${err.message}; put the previous ${input.dest} back, but reload_cmd failed on it too: ${(e2 as Error).message}`, 'reload', 'ERELOAD', { cause: e2 });
    }
    this.refusedContent = content;
    const message = `${err.message}; put the previous ${input.dest} back and reloaded it (the service and the file agree); this render is not tried again until its keys change`;
    this.guard.noteRollback(message);
    this.writeState();
    return { state, error: new ResourceError(message, 'reload', 'EROLLEDBACK', { cause: err }) };
  }
}
