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
import {
  ResourceError,
  check,
  compare,
  install,
  reload,
  removeQuietly,
  stage,
  statDest,
  targetFor,
  type CommandContext,
  type Installed,
} from './pipeline.js';
import type { ResourceSpec } from './spec.js';
import type { KeyView } from './view.js';

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
}

export type ProcessResult =
  | { readonly status: 'in-sync' }
  | { readonly status: 'updated' }
  | { readonly status: 'would-update'; readonly diff: string }
  | { readonly status: 'reloaded' };

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

  private constructor(
    readonly spec: ResourceSpec,
    readonly view: KeyView,
    private readonly template: Template,
  ) {}

  /** Reads and parses the template (confd's messages: "Missing template: X", "Unable to process template X, ..."). */
  static load(spec: ResourceSpec, view: KeyView, ctx: TemplateContext): TemplateResource {
    let text: string;
    try {
      text = decodeBytes(readFileSync(spec.src)); // Go templates are bytes: text outside actions is copied as is
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ResourceError(code === 'ENOENT' ? `Missing template: ${spec.src}` : `cannot read template ${spec.src}: ${(e as Error).message}`, 'render', 'ETEMPLATE', { cause: e });
    }
    const funcs = confdFuncs(view.store, { getenv: ctx.getenv });
    try {
      const memo = ctx.memoize ? { memo: view.store.tracker() } : {};
      return new TemplateResource(spec, view, Template.parse(basename(spec.src), text, { funcs, ...memo }));
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
    const t0 = timed ? performance.now() : 0;
    const content = this.render();
    if (timed) o.log.debug(`Rendered ${spec.src} for ${dest} in ${(performance.now() - t0).toFixed(1)}ms (${content.length} chars)`);
    const state = statDest(dest);
    const target = targetFor(spec, state);
    const cmp = compare(dest, content, target, state, this.installed);
    const cmd: CommandContext = { run: o.runCommand, timeoutMs: o.commandTimeoutMs, log: o.log, ...(o.signal ? { signal: o.signal } : {}) };

    if (cmp.inSync) {
      if (state) this.installed = { content, state };
      o.log.debug(`Target config ${dest} in sync`);
      if (this.reloadPending && !o.noop && !o.syncOnly && spec.reloadCmd !== '') {
        o.log.info(`Retrying reload_cmd for ${dest} (it failed after the last update)`);
        await reload(spec.reloadCmd, dest, dest, cmd);
        this.reloadPending = false;
        o.log.info(`Target config ${dest} has been updated`);
        return { status: 'reloaded' };
      }
      return { status: 'in-sync' };
    }
    if (state && o.log.enabled('info')) for (const r of cmp.reasons) o.log.info(r);

    if (o.noop) {
      o.log.warn(`Noop mode enabled. ${dest} will not be modified`);
      const old = cmp.destContent ?? (state ? this.installed?.content ?? '' : '');
      let diff = unifiedDiff(old, content, { oldName: state ? dest : '/dev/null', newName: `${dest} (rendered from ${spec.src})` });
      const attrs = cmp.reasons.filter((r) => !r.includes(' has md5sum ') && !r.endsWith('does not exist'));
      if (attrs.length) diff = `${attrs.map((a) => `# ${a}`).join('\n')}\n${diff}`;
      if (diff === '') diff = `# ${dest}: would be written\n`;
      diff = showEscapedBytes(diff); // bytes that are not UTF-8 print as \xff, not as U+FFFD
      o.out(diff);
      return { status: 'would-update', diff };
    }

    o.log.info(`Target config ${dest} out of sync`, { resource: spec.file, dest });
    const stagePath = stage(dest, content, target);
    try {
      if (!o.syncOnly && spec.checkCmd !== '') await check(spec.checkCmd, stagePath, dest, cmd);
      o.log.debug(`Overwriting target config ${dest}`);
    } catch (e) {
      if (o.keepStageFile) o.log.info(`Keeping staged file: ${stagePath}`);
      else removeQuietly(stagePath);
      throw e;
    }
    const newState = install(stagePath, dest, content, target, o.log);
    this.installed = { content, state: newState };
    if (!o.syncOnly && spec.reloadCmd !== '') {
      try {
        await reload(spec.reloadCmd, stagePath, dest, cmd);
      } catch (e) {
        // dest is already replaced: confd would never reload again until the next change. We retry next cycle.
        this.reloadPending = true;
        throw e;
      }
    }
    this.reloadPending = false;
    o.log.info(`Target config ${dest} has been updated`, { resource: spec.file, dest });
    return { status: 'updated' };
  }
}
