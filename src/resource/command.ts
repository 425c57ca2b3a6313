// Running check_cmd and reload_cmd: `/bin/sh -c CMD` (as confd), in its own process group so that a command
// that hangs past its timeout is killed together with everything it started (a reload script that forks a
// daemon which never detaches would otherwise keep us waiting forever).

import { childProcess } from '../util/builtins.js';

export interface CommandResult {
  /** Exit status, or null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Combined stdout and stderr (the first 64 KiB). */
  readonly output: string;
  readonly timedOut: boolean;
  readonly durationMs: number;
}

export interface CommandOptions {
  readonly timeoutMs: number;
  /** Aborting kills the command's process group at once. */
  readonly signal?: AbortSignal;
  readonly cwd?: string;
}

export type CommandRunner = (cmd: string, o: CommandOptions) => Promise<CommandResult>;

const MAX_OUTPUT = 64 * 1024;
/** After SIGTERM at the timeout, how long a command gets before SIGKILL. */
const KILL_GRACE_MS = 2000;

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // the group is already gone
  }
}

export const runShellCommand: CommandRunner = (cmd, o) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = childProcess().spawn('/bin/sh', ['-c', cmd], {
      detached: true, // own process group, so the timeout can kill the whole tree
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(o.cwd ? { cwd: o.cwd } : {}),
    });
    let output = '';
    const collect = (d: Buffer): void => {
      if (output.length < MAX_OUTPUT) output += d.toString('utf8').slice(0, MAX_OUTPUT - output.length);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let timedOut = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killGroup(child.pid, 'SIGTERM');
      graceTimer = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    }, o.timeoutMs);
    const onAbort = (): void => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    // Aborted before the command even started (a second SIGTERM while rendering): it must not run to its timeout.
    if (o.signal?.aborted) onAbort();
    child.on('error', (e) => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      o.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      o.signal?.removeEventListener('abort', onAbort);
      if (child.pid !== undefined && timedOut) killGroup(child.pid, 'SIGKILL');
      resolve({ code, signal, output, timedOut, durationMs: performance.now() - started });
    };
    child.on('close', finish);
    // A reload command that starts a daemon (`haproxy -D`) may leave it holding our pipes: once the shell has
    // exited, give the output a moment to drain, then stop waiting for the pipes to close.
    child.on('exit', (code, signal) => {
      setTimeout(() => {
        if (done) return;
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, 200).unref();
    });
  });

/** Go's exec error text for a finished command ("exit status 1", "signal: killed"), plus our timeout note. */
export function describeResult(r: CommandResult, timeoutMs: number): string {
  if (r.timedOut) return `timed out after ${timeoutMs}ms and was killed`;
  if (r.code !== null) return `exit status ${r.code}`;
  return `signal: ${r.signal === 'SIGKILL' ? 'killed' : r.signal === 'SIGTERM' ? 'terminated' : String(r.signal)}`;
}
