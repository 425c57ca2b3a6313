// Rollback at the reload step: when reload_cmd fails after the new file was installed, the service still runs the
// old configuration while dest says otherwise, and the next restart of the service would start from the refused
// file. Put the previous file back (atomically, like an install) and run reload_cmd once more so that the service
// and the file agree. The caller reports the failure once and does not retry the same render.

import type { Logger } from '../log/index.js';
import { install, removeQuietly, stage, type FileState, type Target } from '../resource/pipeline.js';

export interface RollbackInput {
  readonly dest: string;
  /** dest's content before the install; undefined when dest did not exist (it is then removed). */
  readonly previous: string | undefined;
  readonly target: Target;
  readonly log: Logger;
  /** Runs reload_cmd on the restored file; rejects when that fails too. */
  readonly reloadAgain: () => Promise<void>;
}

/** Restores the previous dest and reloads; returns dest's new state (undefined: removed). Rejects if the reload fails. */
export async function rollBack(o: RollbackInput): Promise<FileState | undefined> {
  let state: FileState | undefined;
  if (o.previous === undefined) {
    removeQuietly(o.dest);
  } else {
    const stagePath = stage(o.dest, o.previous, o.target);
    state = install(stagePath, o.dest, o.previous, o.target, o.log);
  }
  o.log.info(`Restored the previous ${o.dest}; reloading again`);
  await o.reloadAgain();
  return state;
}
