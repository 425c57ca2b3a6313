// Which applier a resource uses: `[template.haproxy]` -> the haproxy applier; else `reload_cmd` -> the command
// applier; else none (the file is installed and nothing is reloaded, as confd).

import type { ResourceSpec } from '../spec.js';
import { CommandApplier } from './command.js';
import { HaproxyApplier } from './haproxy.js';
import type { Applier } from './types.js';

export type { Applier, ApplyContext, ApplyResult, Plan } from './types.js';

export function applierFor(spec: ResourceSpec): Applier | undefined {
  if (spec.haproxy !== undefined) return new HaproxyApplier(spec.haproxy, spec.reloadCmd, spec.dest) as Applier;
  if (spec.reloadCmd !== '') return new CommandApplier(spec.reloadCmd);
  return undefined;
}
