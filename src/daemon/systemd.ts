// Running under systemd as Type=notify: READY=1 once the first complete read has been rendered (so `systemctl
// start` returns when the configs are current, and units ordered After= confd see them), and WATCHDOG=1 pings at
// half of WatchdogSec while the event loop runs (a wedged daemon is restarted by systemd).
//
// Node cannot send a datagram to a unix socket by itself, so the messages go through systemd's own
// `systemd-notify` (which reads $NOTIFY_SOCKET). systemd then checks the sender: the unit needs
// NotifyAccess=all (examples/systemd/confd.service has it), since systemd-notify is a child, not the main pid.

import { spawn } from 'node:child_process';
import { findExecutable } from '../util/which.js';
import type { Logger } from '../log/index.js';

export interface SystemdOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
  /** Our pid (WATCHDOG_PID names the process the watchdog is meant for). */
  readonly pid?: number;
  /** Runs `systemd-notify ARGS...`; resolves when it exited (tests inject). */
  readonly notify?: (program: string, args: readonly string[]) => Promise<number | null>;
}

export interface SystemdNotifier {
  /** Sends READY=1 (once). */
  ready(): void;
  /** Sends STOPPING=1. */
  stopping(): void;
  close(): void;
}

function runNotify(program: string, args: readonly string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: 'ignore' });
    child.on('error', () => resolve(null));
    child.on('exit', (code) => resolve(code));
  });
}

/** A notifier when $NOTIFY_SOCKET is set and systemd-notify exists; undefined otherwise (not under systemd). */
export function systemdNotifier(o: SystemdOptions): SystemdNotifier | undefined {
  if (!o.env['NOTIFY_SOCKET']) return undefined;
  const program = findExecutable('systemd-notify', o.env['PATH'] ?? '/usr/bin:/bin');
  if (program === undefined) {
    o.log.warn('NOTIFY_SOCKET is set but systemd-notify is not on PATH: systemd will not hear that confd is ready');
    return undefined;
  }
  const notify = o.notify ?? runNotify;
  const pid = o.pid ?? process.pid;
  const send = (args: readonly string[]): void => {
    void notify(program, args).then((code) => {
      if (code !== 0) o.log.warn(`systemd-notify ${args.join(' ')} exited with ${code === null ? 'an error' : `status ${code}`}`);
    });
  };
  let watchdog: NodeJS.Timeout | undefined;
  const usec = Number(o.env['WATCHDOG_USEC'] ?? '');
  const forUs = o.env['WATCHDOG_PID'] === undefined || Number(o.env['WATCHDOG_PID']) === pid;
  if (Number.isFinite(usec) && usec > 0 && forUs) {
    // Half the interval, as sd_watchdog_enabled(3) advises; no faster than every 100 ms.
    const everyMs = Math.max(100, Math.floor(usec / 2000));
    watchdog = setInterval(() => send([`--pid=${pid}`, 'WATCHDOG=1']), everyMs);
    watchdog.unref();
    o.log.debug(`systemd watchdog: pinging every ${everyMs} ms`);
  }
  let readySent = false;
  return {
    ready() {
      if (readySent) return;
      readySent = true;
      send([`--pid=${pid}`, '--ready', 'STATUS=configuration rendered; following changes']);
    },
    stopping() {
      send([`--pid=${pid}`, 'STOPPING=1']);
    },
    close() {
      if (watchdog) clearInterval(watchdog);
    },
  };
}
