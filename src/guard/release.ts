// The operator's release of a held change. The running daemon writes its pid to STATE_DIR/confd.pid; SIGUSR1
// makes it release what is held. `confd -release NAME` leaves a marker STATE_DIR/release/NAME first, so that
// only that resource is released; a SIGUSR1 with no marker (`kill -USR1 PID`) releases every hold.

import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class ReleaseError extends Error {
  override readonly name = 'ReleaseError';
  constructor(
    message: string,
    readonly code: 'ENODAEMON' | 'ESTATEDIR',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const PID_FILE = 'confd.pid';
const MARKERS = 'release';
/** Marker names are conf.d names; "/" in a nested one is kept apart from the file system's. */
const markerName = (resource: string): string => encodeURIComponent(resource);

export function writePidFile(stateDir: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(stateDir, PID_FILE), `${process.pid}\n`);
}

export function removePidFile(stateDir: string): void {
  try {
    if (readFileSync(join(stateDir, PID_FILE), 'utf8').trim() === String(process.pid)) unlinkSync(join(stateDir, PID_FILE));
  } catch {
    // not ours, or gone
  }
}

/** `confd -release NAME`: marks NAME ("all": every resource) and signals the daemon. Returns its pid. */
export function requestRelease(stateDir: string, resource: string, kill: (pid: number, sig: NodeJS.Signals) => void = process.kill): number {
  let pid: number;
  try {
    pid = Number(readFileSync(join(stateDir, PID_FILE), 'utf8').trim());
  } catch (e) {
    throw new ReleaseError(`no running confd daemon found: cannot read ${join(stateDir, PID_FILE)}: ${(e as Error).message} (is -state-dir the daemon's?)`, 'ENODAEMON', { cause: e });
  }
  if (!Number.isInteger(pid) || pid <= 0) throw new ReleaseError(`${join(stateDir, PID_FILE)} does not hold a pid`, 'ENODAEMON');
  if (resource !== 'all') {
    try {
      mkdirSync(join(stateDir, MARKERS), { recursive: true, mode: 0o700 });
      writeFileSync(join(stateDir, MARKERS, markerName(resource)), '');
    } catch (e) {
      throw new ReleaseError(`cannot write a release marker in ${stateDir}: ${(e as Error).message}`, 'ESTATEDIR', { cause: e });
    }
  }
  try {
    kill(pid, 'SIGUSR1');
  } catch (e) {
    throw new ReleaseError(`cannot signal the confd daemon (pid ${pid}): ${(e as Error).message}`, 'ENODAEMON', { cause: e });
  }
  return pid;
}

/** The resources marked for release (and removes the markers); undefined when none is marked: release all. */
export function takeReleaseMarkers(stateDir: string): string[] | undefined {
  let names: string[];
  try {
    names = readdirSync(join(stateDir, MARKERS));
  } catch {
    return undefined;
  }
  const out: string[] = [];
  for (const n of names) {
    try {
      unlinkSync(join(stateDir, MARKERS, n));
      out.push(decodeURIComponent(n));
    } catch {
      // taken by another reader
    }
  }
  return out.length ? out : undefined;
}
