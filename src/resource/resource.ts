// One template resource at run time: its spec, its parsed template (parsed once, executed per change), the view
// of keys it reads, and the install pipeline with its per-resource state (what we last installed, whether a
// reload is still owed).

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Template, TemplateParseError } from '../gotemplate/index.js';
import type { Logger } from '../log/index.js';
import type { CommandRunner } from './command.js';
import { showEscapedBytes, decodeBytes } from '../govalue/bytes.js';
import { unifiedDiff } from './diff.js';
import { confdFuncs } from './funcs.js';
import { applierFor, type Applier, type ApplyResult } from './appliers/index.js';
import {
  ResourceError,
  check,
  compare,
  destContentShowable,
  install,
  removeQuietly,
  stage,
  statDest,
  targetFor,
  type CommandContext,
  type FileState,
  type Installed,
} from './pipeline.js';
import type { ResourceSpec } from './spec.js';
import type { KeyView } from './view.js';
import { GuardStage } from '../guard/stage.js';

export interface ProcessOptions {
  readonly noop: boolean;
  readonly syncOnly: boolean;
  readonly keepStageFile: boolean;
  readonly commandTimeoutMs: number;
  readonly runCommand: CommandRunner;
  readonly log: Logger;
  /** Where -noop writes its diffs (stdout). */
  readonly out: (text: string) => void;
  /** Aborting kills running commands; normal shutdown lets them finish instead. */
  readonly signal?: AbortSignal;
  /** Backend revision of the keys rendered (kept with each installed generation of a guarded resource). */
  readonly revision?: bigint;
  /** confd-ts state directory (-state-dir): generations and guard state of guarded resources. */
  readonly stateDir?: string;
  /** -onetime: no later render comes (the guard reports what waits at once). */
  readonly onetime?: boolean;
}

export type ProcessResult =
  | { readonly status: 'in-sync' }
  /** dest replaced; `previous` (when known) and `content` give the diff; `reloaded`: the service took it (reload or runtime). */
  | { readonly status: 'updated'; readonly previous: string | undefined; readonly content: string; readonly reloaded: boolean; readonly applied?: ApplyResult }
  | { readonly status: 'would-update'; readonly diff: string }
  | { readonly status: 'reloaded'; readonly applied?: ApplyResult }
  /** The guard held the change back: nothing rendered, dest untouched. */
  | { readonly status: 'held' }
  /** The same render was refused by reload_cmd and rolled back: not retried until the keys change. */
  | { readonly status: 'refused' };

export interface TemplateContext {
  readonly getenv: (name: string) => string | undefined;
  /**
   * Re-render incrementally: reuse the output of range iterations whose inputs and store reads did not change
   * (watch and interval modes). A template rendered once (-onetime) gains nothing from it.
   */
  readonly memoize?: boolean;
}

export class TemplateResource {
  private installed: Installed | undefined;
  /** A reload_cmd failed after dest was replaced: run it again next time, even if dest is then in sync. */
  reloadPending = false;
  /** How changes reach the service (reload_cmd, haproxy's Runtime API), or none. */
  readonly applier: Applier | undefined;

  private constructor(
    readonly spec: ResourceSpec,
    readonly view: KeyView,
    private readonly template: Template,
    /** The guard stage of a resource with [template.guard]; its store is what the template reads. */
    readonly guard: GuardStage | undefined,
  ) {
    this.applier = applierFor(spec);
  }

  /** Reads and parses the template (confd's messages: "Missing template: X", "Unable to process template X, ..."). */
  static load(spec: ResourceSpec, view: KeyView, ctx: TemplateContext): TemplateResource {
    let text: string;
    try {
      text = decodeBytes(readFileSync(spec.src)); // Go templates are bytes: text outside actions is copied as is
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ResourceError(code === 'ENOENT' ? `Missing template: ${spec.src}` : `cannot read template ${spec.src}: ${(e as Error).message}`, 'render', 'ETEMPLATE', { cause: e });
    }
    const guard = spec.guard ? new GuardStage(spec, spec.guard, view) : undefined;
    const store = guard?.store ?? view.store;
    const funcs = confdFuncs(store, { getenv: ctx.getenv });
    try {
      const memo = ctx.memoize ? { memo: store.tracker() } : {};
      return new TemplateResource(spec, view, Template.parse(basename(spec.src), text, { funcs, ...memo }), guard);
    } catch (e) {
      if (e instanceof TemplateParseError) {
        throw new ResourceError(`Unable to process template ${spec.src}, ${e.message}`, 'render', 'ETEMPLATE', { cause: e });
      }
      throw e;
    }
  }

  /** Carries the run-time state over from the same resource before a reload of the definitions. */
  adoptStateFrom(old: TemplateResource): void {
    if (old.spec.dest === this.spec.dest) {
      this.reloadPending = old.reloadPending;
      if (old.spec.mode === this.spec.mode && old.spec.uid === this.spec.uid && old.spec.gid === this.spec.gid) this.installed = old.installed;
      if (this.guard && old.guard) this.guard.adoptFrom(old.guard);
      if (old.applier && this.applier?.adopt) this.applier.adopt(old.applier);
    }
  }

  /** Executes the template against the current view (dot is nil, as confd passes nil). */
  render(): string {
    try {
      return this.template.execute(null);
    } catch (e) {
      // Go's execution errors keep their exact text (template: NAME:LINE:COL: executing ...).
      throw new ResourceError((e as Error).message, 'render', 'ERENDER', { cause: e });
    }
  }

  /** render -> compare -> (noop: diff) -> stage -> check -> install -> reload. Throws ResourceError. */
  async process(o: ProcessOptions): Promise<ProcessResult> {
    const { spec } = this;
    const dest = spec.dest;
    // The global `performance` loads perf_hooks on first use (~0.5 ms of a one-shot run): only for the debug line.
    const timed = o.log.enabled('debug');
    const guard = this.guard;
    if (guard && !guard.prepare(o).render) return { status: 'held' };
    const t0 = timed ? performance.now() : 0;
    let content = this.render();
    if (timed) o.log.debug(`Rendered ${spec.src} for ${dest} in ${(performance.now() - t0).toFixed(1)}ms (${content.length} chars)`);
    const state = statDest(dest);
    const target = targetFor(spec, state);
    const cmp = compare(dest, content, target, state, this.installed);
    const cmd: CommandContext = { run: o.runCommand, timeoutMs: o.commandTimeoutMs, log: o.log, ...(o.signal ? { signal: o.signal } : {}) };

    const applier = o.syncOnly ? undefined : this.applier;

    if (cmp.inSync) {
      const firstRun = this.installed === undefined;
      if (state) this.installed = { content, state };
      guard?.inSync(o);
      o.log.debug(`Target config ${dest} in sync`);
      if (this.reloadPending && !o.noop && applier) {
        o.log.info(`Retrying ${applier.retryLabel} for ${dest} (it failed after the last update)`);
        const applied = await applier.retry({ dest, command: cmd, log: o.log });
        this.reloadPending = false;
        guard?.installed(content, o);
        o.log.info(`Target config ${dest} has been updated`);
        return { status: 'reloaded', applied };
      }
      if (firstRun && !o.noop && applier?.reconcile) {
        // The service may run something else than dest (restarted from an older file, changed behind our back).
        const applied = await applier.reconcile(content, { dest, command: cmd, log: o.log });
        if (applied) return { status: 'reloaded', applied };
      }
      return { status: 'in-sync' };
    }
    if (state && o.log.enabled('info')) for (const r of cmp.reasons) o.log.info(r);
    const previous = cmp.destContent ?? (state ? this.installed?.content : undefined);

    if (o.noop) {
      o.log.warn(`Noop mode enabled. ${dest} will not be modified`);
      // Only what the template rendered is ever printed: the old side of the diff is dest's content only when
      // dest is a plain file of its own (a symlink or hard link to a secret must not print the secret).
      const showable = state !== undefined && destContentShowable(state);
      const old = showable ? cmp.destContent ?? this.installed?.content ?? '' : '';
      let diff = unifiedDiff(old, content, { oldName: showable ? dest : '/dev/null', newName: `${dest} (rendered from ${spec.src})` });
      const attrs = cmp.reasons.filter((r) => !r.includes(' has md5sum ') && !r.endsWith('does not exist'));
      if (state && !showable) attrs.push(hiddenDestNote(dest, state));
      if (attrs.length) diff = `${attrs.map((a) => `# ${a}`).join('\n')}\n${diff}`;
      if (diff === '') diff = `# ${dest}: would be written\n`;
      diff = showEscapedBytes(diff); // bytes that are not UTF-8 print as \xff, not as U+FFFD
      // The command applier's plan is always "run reload_cmd": printed only for appliers with something to say.
      if (applier && applier.name !== 'command') {
        const plan = applier.plan(showable ? previous : undefined, content);
        diff += `# plan (${plan.applier}): ${plan.reload ? 'reload' : 'no reload'}\n${plan.changes.map((c) => `#   ${c}\n`).join('')}`;
      }
      o.out(diff);
      return { status: 'would-update', diff };
    }

    if (guard?.refused(content)) return { status: 'refused' };

    o.log.info(`Target config ${dest} out of sync`, { resource: spec.file, dest });
    if (state?.symlink !== undefined) o.log.info(`${dest} is a symbolic link to ${state.symlink}: replacing it with a regular file (as confd does)`);
    const plan = applier?.plan(previous, content);
    // The guard's rollback puts back what dest held: kept before it is replaced (read only if not known already).
    // A plain file only: never read through a FIFO or device.
    const rollbackBase = guard?.spec.rollback && previous === undefined && state?.regular ? decodeBytes(readFileSync(dest)) : undefined;
    // Staged (and fsynced) only when the applier installs: a runtime change reaches the service first.
    let stagePath: string | undefined;
    let installed = false;
    /** check_cmd refused records that were left out (the guard's quarantine): reported after the rest is installed. */
    let quarantined: ResourceError | undefined;
    const installStaged = async (c: { readonly check: boolean }): Promise<string> => {
      if (installed && stagePath !== undefined) return stagePath;
      let path = (stagePath = stage(dest, content, target));
      try {
        if (c.check && !o.syncOnly && spec.checkCmd !== '') await check(spec.checkCmd, path, dest, cmd);
        o.log.debug(`Overwriting target config ${dest}`);
      } catch (e) {
        if (o.keepStageFile) o.log.info(`Keeping staged file: ${path}`);
        else removeQuietly(path);
        const q = guard && e instanceof ResourceError && e.code === 'ECHECK' ? await guard.quarantine(e, (c) => check(spec.checkCmd, c, dest, cmd), () => this.render(), (c) => stage(dest, c, target)) : undefined;
        if (guard === undefined || q === undefined) throw e;
        // The render without the refused records (they stay at their installed version) is what gets installed.
        quarantined = q.error;
        content = q.content;
        if (compare(dest, content, target, statDest(dest), this.installed).inSync) {
          guard.inSync(o);
          throw quarantined;
        }
        path = stagePath = stage(dest, content, target);
      }
      const newState = install(path, dest, content, target, o.log);
      this.installed = { content, state: newState };
      installed = true;
      return path;
    };
    let applied: ApplyResult | undefined;
    if (applier && plan) {
      try {
        const planned = content;
        applied = await applier.apply(plan, { dest, command: cmd, log: o.log, install: installStaged, replaced: () => (content === planned ? undefined : content) });
      } catch (e) {
        if (guard?.spec.rollback && installed && e instanceof ResourceError && e.step === 'reload') {
          // Put the previous file back and reload it: the service and dest agree again; this render is not retried.
          const before = previous ?? rollbackBase;
          const restored = await guard.rollBack(e, content, { dest, previous: before, target, log: o.log, reloadAgain: async () => void (await applier.retry({ dest, command: cmd, log: o.log })) }).catch((e2: unknown) => {
            this.reloadPending = true;
            throw e2;
          });
          this.installed = restored.state ? { content: before ?? '', state: restored.state } : undefined;
          this.reloadPending = false;
          throw restored.error;
        }
        // dest is already replaced: confd would never reload again until the next change. We retry next cycle.
        if (installed) this.reloadPending = true;
        throw e;
      }
    }
    await installStaged({ check: true });
    this.reloadPending = false;
    guard?.installed(content, o);
    o.log.info(`Target config ${dest} has been updated`, { resource: spec.file, dest });
    if (quarantined) throw quarantined;
    return { status: 'updated', previous, content, reloaded: applied !== undefined, ...(applied ? { applied } : {}) };
  }
}

/** -noop's note for a dest whose current content is not shown. */
function hiddenDestNote(dest: string, state: FileState): string {
  if (state.symlink !== undefined) return `${dest} is a symbolic link to ${state.symlink}: it would be replaced by a regular file; the content it points to is not shown`;
  if (!state.regular) return `${dest} is not a regular file: it would be replaced; its content is not shown`;
  return `${dest} has ${state.nlink} hard links: it would be replaced by a file of its own; its current content is not shown`;
}
