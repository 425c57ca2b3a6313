// The haproxy applier: server changes through the Runtime API, a reload only for structure.
//
// plan(): the previous and new haproxy.cfg as models (src/haproxy); same structure and only servers added,
// removed, re-addressed, re-weighted or put in/out of maintenance -> "runtime"; anything else -> "reload".
// apply(): a runtime plan is applied against what the worker really runs (live state, not the previous file:
// this is what reconciles a haproxy restarted behind our back), read back and compared; then the file is
// installed, so a later reload or restart converges to the same state. On a socket error, a refused command, a
// live state that does not match, or a missing backend, it checks and installs the file and reloads instead,
// saying why. Reloads go through the master CLI (and report haproxy's reload counter, its generation), or through
// reload_cmd when no master socket is configured.

import {
  HaproxyCommandError,
  HaproxyReloadError,
  HaproxySocketError,
  HaproxyStructureError,
  HaproxyVerifyError,
  MasterCli,
  RuntimeApi,
  RuntimeApplier,
  describeOp,
  diffConfigs,
  applyMap,
  describeMapOp,
  diffMaps,
  parseConfig,
  parseMapFile,
  updateConfig,
  type ConfigModel,
} from '../../haproxy/index.js';
import { ResourceError, reload as runReloadCmd } from '../pipeline.js';
import type { HaproxyApplierSpec } from './spec.js';
import type { Applier, ApplyContext, ApplyResult, Plan } from './types.js';

export interface HaproxyPlan extends Plan {
  readonly applier: 'haproxy';
  readonly model: ConfigModel;
  /** kind = "map": the entries dest must hold. */
  readonly entries?: ReadonlyMap<string, string>;
  /** The backends whose servers change: the only ones read back, unless haproxy's worker changed. */
  readonly scope: ReadonlySet<string>;
}

type BaseContext = Omit<ApplyContext, 'install'>;

const EMPTY_MODEL: ConfigModel = { skeleton: '', backends: new Map(), maps: [] };

/** Errors after which a reload converges: the live haproxy could not be changed or does not match. */
function isRuntimeFailure(e: unknown): e is Error {
  return (
    e instanceof HaproxySocketError ||
    e instanceof HaproxyCommandError ||
    e instanceof HaproxyVerifyError ||
    e instanceof HaproxyStructureError
  );
}

export class HaproxyApplier implements Applier<HaproxyPlan> {
  readonly name = 'haproxy';
  readonly retryLabel = 'haproxy reload';
  private runtime: RuntimeApplier | undefined;
  /** The last model parsed, by content: the next plan's "previous" is usually this one. */
  private last: { content: string; model: ConfigModel } | undefined;

  constructor(
    readonly spec: HaproxyApplierSpec,
    private readonly reloadCmd: string,
    /** kind = "map": dest, the map's name in haproxy. */
    private readonly mapName?: string,
  ) {}

  adopt(old: Applier): void {
    if (old instanceof HaproxyApplier && old.spec.runtimeSocket === this.spec.runtimeSocket) {
      this.runtime = old.runtime;
      this.last = old.last;
    }
  }

  private model(content: string): ConfigModel {
    if (this.last?.content === content) return this.last.model;
    const model = parseConfig(content);
    this.last = { content, model };
    return model;
  }

  private runtimeFor(ctx: BaseContext): RuntimeApplier {
    if (!this.runtime) {
      const log = ctx.log;
      this.runtime = new RuntimeApplier(new RuntimeApi(this.spec.runtimeSocket, { timeoutMs: 5000 }), {
        drainTimeoutMs: this.spec.drainTimeoutMs,
        onBackground: (m, level) => (level === 'warn' ? log.warn(m) : log.info(m)),
      });
    }
    return this.runtime;
  }

  plan(previous: string | undefined, next: string): HaproxyPlan {
    if (this.spec.kind === 'map') {
      // A map never needs a reload: entries are changed in place (and checked against the live map when applied).
      const entries = parseMapFile(next);
      const ops = diffMaps(parseMapFile(previous ?? ''), entries);
      return { applier: 'haproxy', reload: false, changes: ops.map((op) => `runtime: ${describeMapOp(this.map(), op)}`), model: EMPTY_MODEL, scope: new Set(), entries };
    }
    let prev: ConfigModel | undefined;
    let model: ConfigModel;
    let d: ReturnType<typeof diffConfigs>;
    const last = this.last;
    const quick = previous !== undefined && last !== undefined && last.content === previous ? updateConfig(previous, last.model, next) : undefined;
    if (quick && last) {
      // Only server lines of one backend changed: diff that backend alone.
      prev = last.model;
      model = quick.model;
      this.last = { content: next, model };
      d = diffConfigs(prev, model, quick.backend === undefined ? [] : [quick.backend]);
    } else {
      prev = previous === undefined ? undefined : this.model(previous);
      model = this.model(next);
      d = diffConfigs(prev, model);
    }
    const scope = new Set(d.ops.map((op) => op.backend));
    if (d.reload.length > 0) return { applier: 'haproxy', reload: true, changes: d.reload.map((r) => `reload: ${r}`), model, scope };
    return { applier: 'haproxy', reload: false, changes: d.ops.map((op) => `runtime: ${describeOp(op)}`), model, scope };
  }

  /** The map's name in haproxy: the path the configuration loads it by, which is dest. */
  private map(): string {
    return this.mapName ?? '';
  }

  async apply(plan: HaproxyPlan, ctx: ApplyContext): Promise<ApplyResult> {
    if (plan.entries !== undefined) return this.applyMapPlan(plan.entries, ctx);
    if (plan.reload) {
      for (const c of plan.changes) ctx.log.info(`${ctx.dest}: haproxy ${c}`);
      await ctx.install({ check: true });
      return this.reload(ctx, undefined);
    }
    // "always": the file is checked before haproxy is touched, as for a reload.
    if (this.spec.check === 'always') await ctx.install({ check: true });
    // The guard's quarantine may have installed less than planned: apply that, against the whole live state.
    const replaced = ctx.replaced?.();
    try {
      const t0 = performance.now();
      const r = replaced === undefined ? await this.runtimeFor(ctx).apply(plan.model, plan.scope) : await this.runtimeFor(ctx).apply(this.model(replaced));
      const ms = performance.now() - t0;
      await ctx.install({ check: false });
      ctx.log.info(`${ctx.dest}: applied through haproxy's Runtime API without a reload (${r.ops.length} change${r.ops.length === 1 ? '' : 's'}, ${r.commands} commands, ${ms.toFixed(1)} ms)`);
      for (const op of r.ops) ctx.log.debug(`${ctx.dest}: haproxy ${describeOp(op)}`);
      return { kind: 'runtime', changes: r.ops.length, commands: r.commands };
    } catch (e) {
      if (!isRuntimeFailure(e)) throw e;
      const why = e.message;
      ctx.log.warn(`${ctx.dest}: cannot apply through haproxy's Runtime API (${why}); reloading haproxy instead`);
      await ctx.install({ check: true });
      return this.reload(ctx, why);
    }
  }

  /** kind = "map": the file first (a reload must find it), then the entries through the Runtime API. */
  private async applyMapPlan(entries: ReadonlyMap<string, string>, ctx: ApplyContext): Promise<ApplyResult> {
    await ctx.install({ check: this.spec.check === 'always' });
    const replaced = ctx.replaced?.();
    try {
      const ops = await applyMap(new RuntimeApi(this.spec.runtimeSocket, { timeoutMs: 5000 }), ctx.dest, replaced === undefined ? entries : parseMapFile(replaced));
      ctx.log.info(`${ctx.dest}: applied through haproxy's Runtime API without a reload (${ops.length} map change${ops.length === 1 ? '' : 's'})`);
      return { kind: 'runtime', changes: ops.length, commands: ops.length };
    } catch (e) {
      if (!isRuntimeFailure(e)) throw e;
      ctx.log.warn(`${ctx.dest}: cannot apply through haproxy's Runtime API (${e.message}); reloading haproxy instead`);
      return this.reload(ctx, e.message);
    }
  }

  retry(ctx: BaseContext): Promise<ApplyResult> {
    return this.reload(ctx, undefined);
  }

  async reconcile(content: string, ctx: BaseContext): Promise<ApplyResult | undefined> {
    try {
      if (this.spec.kind === 'map') {
        const ops = await applyMap(new RuntimeApi(this.spec.runtimeSocket, { timeoutMs: 5000 }), ctx.dest, parseMapFile(content));
        if (ops.length > 0) ctx.log.info(`${ctx.dest}: haproxy's map differed from ${ctx.dest}; reconciled through the Runtime API (${ops.length} change${ops.length === 1 ? '' : 's'})`);
        return ops.length > 0 ? { kind: 'runtime', changes: ops.length, commands: ops.length } : undefined;
      }
      const model = this.model(content);
      const r = await this.runtimeFor(ctx).apply(model);
      if (r.ops.length === 0) return undefined;
      ctx.log.info(`${ctx.dest}: haproxy ran a different state than ${ctx.dest}; reconciled through the Runtime API (${r.ops.length} change${r.ops.length === 1 ? '' : 's'})`);
      return { kind: 'runtime', changes: r.ops.length, commands: r.commands };
    } catch (e) {
      if (!isRuntimeFailure(e)) throw e;
      ctx.log.warn(`${ctx.dest}: cannot compare haproxy's live state with ${ctx.dest} (${e.message}); reloading haproxy`);
      return this.reload(ctx, e.message);
    }
  }

  /** Reloads through the master CLI (learning the outcome) or reload_cmd. */
  private async reload(ctx: BaseContext, fallback: string | undefined): Promise<ApplyResult> {
    this.runtime?.forgetRemovals();
    const extra = fallback === undefined ? {} : { fallback };
    if (this.spec.masterSocket !== undefined) {
      try {
        const r = await new MasterCli(this.spec.masterSocket, { timeoutMs: 5000, ...(ctx.command.signal ? { signal: ctx.command.signal } : {}) }).reload(this.spec.reloadTimeoutMs);
        ctx.log.info(`${ctx.dest}: haproxy reloaded (generation ${r.generation}, worker ${r.workerPid})`);
        return { kind: 'reload', generation: r.generation, workerPid: r.workerPid, ...extra };
      } catch (e) {
        if (e instanceof HaproxyReloadError || e instanceof HaproxySocketError) throw new ResourceError(`Reload failed: ${e.message}`, 'reload', 'ERELOAD', { cause: e });
        throw e;
      }
    }
    if (this.reloadCmd === '') throw new ResourceError('Reload failed: [template.haproxy] has no master_socket and the resource no reload_cmd', 'reload', 'ERELOAD');
    await runReloadCmd(this.reloadCmd, ctx.dest, ctx.dest, ctx.command);
    return { kind: 'reload', ...extra };
  }
}
