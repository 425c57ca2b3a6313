// Finding a program as the shell would: a path is taken as it is, a bare name is looked up in each PATH directory.
// Used by -check-config (do check_cmd's and reload_cmd's programs exist?) and the systemd notifier.

import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The executable `program` names (on `path`, a PATH value, when it has no slash); undefined when there is none. */
export function findExecutable(program: string, path: string): string | undefined {
  if (program.includes('/')) return executable(program) ? program : undefined;
  for (const dir of path.split(delimiter)) {
    if (dir !== '' && executable(join(dir, program))) return join(dir, program);
  }
  return undefined;
}
