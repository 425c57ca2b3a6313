// The applier seam: the step after render/compare that makes the service use the new output. An applier first
// plans (previous output against new output: what changes, and whether a reload is needed), then applies the
// plan. `reload_cmd` is one applier (command.ts, confd's behaviour); haproxy's Runtime API is another
// (haproxy.ts). The pipeline (resource.ts) stays the same for both: it stages the output and hands the applier an
// `install` it calls when the file must be in place (before a reload; after a runtime change).

import type { Logger } from '../../log/index.js';
import type { CommandContext } from '../pipeline.js';

export type ApplierName = 'command' | 'haproxy';

export interface Plan {
  readonly applier: ApplierName;
  /** The service will be reloaded (reload_cmd, or haproxy's master CLI). */
  readonly reload: boolean;
  /** What changes, one line each, for -noop and the log. */
  readonly changes: readonly string[];
}

export interface ApplyContext {
  readonly dest: string;
  readonly command: CommandContext;
  readonly log: Logger;
  /**
   * Writes the stage file, runs check_cmd on it when `check` is true (and the resource has one), then renames it
   * over dest; resolves to the stage file's path ({{.src}} of reload_cmd). Idempotent. A failed check leaves dest
   * as it was and throws the check's ResourceError.
   */
  install(o: { readonly check: boolean }): Promise<string>;
  /**
   * After install(): the content it put in place when that is not the planned one (check_cmd refused records and
   * the guard's quarantine left them out); undefined when it is. An applier that changes the service from the
   * plan applies this content instead.
   */
  readonly replaced?: () => string | undefined;
}

/** What an apply did, for logs and (issue 16) the events that count runtime applies against reloads. */
export type ApplyResult =
  | { readonly kind: 'command' }
  | {
      readonly kind: 'reload';
      /** The master's reload counter after the reload (haproxy's generation), when known. */
      readonly generation?: number;
      readonly workerPid?: number;
      /** Set when a runtime apply was planned but could not be done: why. */
      readonly fallback?: string;
    }
  | { readonly kind: 'runtime'; readonly changes: number; readonly commands: number };

export interface Applier<P extends Plan = Plan> {
  readonly name: ApplierName;
  /** How the watch-mode retry announces itself ("reload_cmd"). */
  readonly retryLabel: string;
  plan(previous: string | undefined, next: string): P;
  apply(plan: P, ctx: ApplyContext): Promise<ApplyResult>;
  /** dest is installed but the last apply failed: make the service use dest (watch-mode retry). */
  retry(ctx: Omit<ApplyContext, 'install'>): Promise<ApplyResult>;
  /** First run with dest already in sync: converge the running service to it (undefined: nothing to do). */
  reconcile?(content: string, ctx: Omit<ApplyContext, 'install'>): Promise<ApplyResult | undefined>;
  /** The same applier for the new definition after SIGHUP, keeping run-time state (undefined: start afresh). */
  adopt?(old: Applier): void;
}
