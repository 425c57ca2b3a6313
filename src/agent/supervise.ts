// `confd-register [flags] -- CMD ARGS`: the agent as the service's parent. CMD runs in its own process group, so
// that a Ctrl-C at a terminal (sent to the whole foreground group) reaches the agent only: the agent drains and
// withdraws first and then passes the signal on. Other signals (HUP, USR1, USR2) are passed on at once.

import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Supervised {
  readonly pid: number | undefined;
  /** Settles when CMD has exited (or could not be started: code 127). */
  readonly exited: Promise<ChildExit>;
  /** Sends `sig` to CMD (nothing when it has exited). */
  signal(sig: NodeJS.Signals): void;
  /** Sends `sig`, waits up to `timeoutMs`, then SIGKILL; resolves with how CMD ended. */
  stop(sig: NodeJS.Signals, timeoutMs: number): Promise<ChildExit>;
}

/** The shell's exit status for how CMD ended: its code, or 128 + the signal's number. */
export function exitStatus(e: ChildExit): number {
  if (e.code !== null) return e.code;
  const n = e.signal ? (constants.signals as Record<string, number>)[e.signal] : undefined;
  return 128 + (n ?? 0);
}

export function supervise(argv: readonly string[], o: { onError: (msg: string) => void }): Supervised {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('supervise: no command');
  const child: ChildProcess = spawn(cmd, args, { stdio: 'inherit', detached: true });
  let ended: ChildExit | undefined;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('error', (err) => {
      o.onError(`cannot run ${cmd}: ${err.message}`);
      ended = { code: 127, signal: null };
      resolve(ended);
    });
    child.once('exit', (code, signal) => {
      ended = { code, signal };
      resolve(ended);
    });
  });
  const send = (sig: NodeJS.Signals): void => {
    if (ended || child.pid === undefined) return;
    try {
      process.kill(child.pid, sig);
    } catch {
      // exited meanwhile
    }
  };
  return {
    pid: child.pid,
    exited,
    signal: send,
    async stop(sig, timeoutMs) {
      send(sig);
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          send('SIGKILL');
          resolve();
        }, timeoutMs);
      });
      await Promise.race([exited, killed]);
      clearTimeout(timer);
      return exited;
    },
  };
}
