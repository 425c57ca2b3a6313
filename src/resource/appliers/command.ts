// The command applier: confd's `reload_cmd`, run through /bin/sh after the file is checked and installed. Every
// plan is "reload"; the behaviour (order of steps, log lines, the retry of a failed reload) is confd-ts's from
// before the applier seam, byte for byte.

import { reload } from '../pipeline.js';
import type { Applier, ApplyContext, ApplyResult, Plan } from './types.js';

export class CommandApplier implements Applier {
  readonly name = 'command';
  readonly retryLabel = 'reload_cmd';

  constructor(private readonly reloadCmd: string) {}

  plan(): Plan {
    return { applier: 'command', reload: true, changes: [`reload_cmd: ${this.reloadCmd}`] };
  }

  async apply(_plan: Plan, ctx: ApplyContext): Promise<ApplyResult> {
    const stagePath = await ctx.install({ check: true });
    await reload(this.reloadCmd, stagePath, ctx.dest, ctx.command);
    return { kind: 'command' };
  }

  async retry(ctx: Omit<ApplyContext, 'install'>): Promise<ApplyResult> {
    await reload(this.reloadCmd, ctx.dest, ctx.dest, ctx.command);
    return { kind: 'command' };
  }
}
