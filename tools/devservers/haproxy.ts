// A real haproxy in master-worker mode for tests and the demo, on loopback ports chosen by the caller's config.
//
//   const hap = await startHaproxy({ configPath });     // haproxy -W -S <tmp>/master.sock -f configPath
//   hap.reloadCommand                                   // shell command for confd's reload_cmd
//   await hap.reload();                                 // same script, resolves to the new worker's pid
//   await hap.stop();                                   // process group stopped, temp dir removed
//
// Reloads go through examples/haproxy/haproxy-reload.mjs, the script the example resource ships, so the tests
// exercise what users run. Master-worker mode was chosen over `-sf` + `expose-fd listeners` because it is how
// Debian's haproxy.service runs haproxy, the master hands the listening sockets to the new worker itself, and
// its CLI reports failed reloads; both were measured to drop no request over 50 reloads (examples/README.md).

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  findBinary,
  makeTempDir,
  removeTempDir,
  ServerBinaryMissingError,
  startProcess,
  waitFor,
  type StartedProcess,
} from './process.js';

/** examples/haproxy/haproxy-reload.mjs, resolved from tools/devservers. */
export const HAPROXY_RELOAD_SCRIPT = fileURLToPath(new URL('../../examples/haproxy/haproxy-reload.mjs', import.meta.url));

export const HAPROXY_INSTALL_HINT = 'sudo apt-get install -y haproxy';

/**
 * The haproxy binary: $HAPROXY_BIN, else `haproxy` on PATH, else /usr/sbin/haproxy (not on a normal user's
 * PATH on Debian). Throws ServerBinaryMissingError when there is none.
 */
export function findHaproxy(): string {
  const fromEnv = process.env['HAPROXY_BIN'];
  if (fromEnv) {
    try {
      return findBinary(fromEnv);
    } catch (err) {
      if (err instanceof ServerBinaryMissingError) err.message = `HAPROXY_BIN=${fromEnv} is not an executable`;
      throw err;
    }
  }
  try {
    return findBinary('haproxy');
  } catch (err) {
    for (const candidate of ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) {
      if (existsSync(candidate)) return candidate;
    }
    if (err instanceof ServerBinaryMissingError) err.message = `haproxy is not installed (${HAPROXY_INSTALL_HINT})`;
    throw err;
  }
}

/** One line of the master CLI's `show proc`. */
export interface HaproxyProcInfo {
  readonly masterPid: number;
  /** Reloads so far and how many of them failed (haproxy kept the old workers). */
  readonly reloads: number;
  readonly failedReloads: number;
  /** Workers, the current one with reloads 0, older ones still draining with higher counts. */
  readonly workers: ReadonlyArray<{ readonly pid: number; readonly reloads: number }>;
}

export class HaproxyReloadError extends Error {
  override readonly name = 'HaproxyReloadError';
  readonly code = 'EHAPROXYRELOAD';
  constructor(message: string, readonly output: string) {
    super(message);
  }
}

export interface StartHaproxyOptions {
  /** The configuration file; it must bind loopback addresses only. */
  readonly configPath: string;
  /** Echo haproxy's output to stderr. */
  readonly echo?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface HaproxyServer {
  readonly configPath: string;
  readonly masterSocket: string;
  readonly masterPid: number;
  readonly binary: string;
  /** `node .../haproxy-reload.mjs <masterSocket>`, quoted for /bin/sh: use as confd's reload_cmd. */
  readonly reloadCommand: string;
  /** `<binary> -c -f {{.src}}`: use as confd's check_cmd. */
  readonly checkCommand: string;
  /** Reload with the configuration file's current content; rejects with HaproxyReloadError when refused. */
  reload(): Promise<number>;
  showProc(): Promise<HaproxyProcInfo>;
  /** haproxy's stdout+stderr so far (the master logs reloads and why they fail). */
  output(): string;
  stop(): Promise<void>;
}

/** Shell-quotes one word for /bin/sh. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function masterCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let out = '';
    const timer = setTimeout(() => sock.destroy(new Error(`haproxy master CLI: no answer to "${command}"`)), 2000);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.end(`${command}\n`));
    sock.on('data', (d: string) => (out += d));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** Parses the master CLI's `show proc` answer; undefined when it is not one. */
export function parseShowProc(text: string): HaproxyProcInfo | undefined {
  const master = /^(\d+)\s+master\s+(\d+)\s+\[failed:\s*(\d+)\]/m.exec(text);
  if (!master) return undefined;
  const workers = [...text.matchAll(/^(\d+)\s+worker\s+(\d+)/gm)].map((m) => ({ pid: Number(m[1]), reloads: Number(m[2]) }));
  return { masterPid: Number(master[1]), reloads: Number(master[2]), failedReloads: Number(master[3]), workers };
}

/** Starts `haproxy -W -S <tmp>/master.sock -f configPath` in its own process group; resolves once a worker runs. */
export async function startHaproxy(o: StartHaproxyOptions): Promise<HaproxyServer> {
  const binary = findHaproxy();
  const dir = makeTempDir('confd-ts-haproxy-');
  const masterSocket = join(dir, 'master.sock');
  const proc: StartedProcess = startProcess({
    name: 'haproxy',
    command: binary,
    // Without -D the master stays in the foreground, in the process group we stop.
    args: ['-W', '-S', masterSocket, '-f', o.configPath, '-p', join(dir, 'haproxy.pid')],
    env: o.env,
    echo: o.echo,
  });
  const showProcOnce = async (): Promise<HaproxyProcInfo> => {
    const text = await masterCommand(masterSocket, 'show proc');
    const info = parseShowProc(text);
    if (!info) throw new Error(`haproxy master CLI: unexpected "show proc" answer ${JSON.stringify(text.slice(0, 200))}`);
    return info;
  };
  // While the master re-executes for a reload its socket refuses connections for a moment: retry for 3s.
  const showProc = async (): Promise<HaproxyProcInfo> => {
    const deadline = Date.now() + 3000;
    for (;;) {
      try {
        return await showProcOnce();
      } catch (err) {
        if (Date.now() > deadline || proc.hasExited()) throw err;
        await sleep(50);
      }
    }
  };
  const stop = async (): Promise<void> => {
    // SIGTERM to the group: the master and every worker (draining ones too) stop at once.
    await proc.kill('SIGTERM', 3000);
    removeTempDir(dir);
  };
  try {
    await waitFor(async () => (await showProcOnce()).workers.length > 0, { what: 'haproxy to start a worker', process: proc, timeoutMs: 10_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  const reloadCommand = [process.execPath, HAPROXY_RELOAD_SCRIPT, masterSocket].map(shellQuote).join(' ');
  return {
    configPath: o.configPath,
    masterSocket,
    masterPid: proc.pid,
    binary,
    reloadCommand,
    checkCommand: `${shellQuote(binary)} -c -f {{.src}}`,
    reload() {
      return new Promise<number>((resolve, reject) => {
        execFile(process.execPath, [HAPROXY_RELOAD_SCRIPT, masterSocket], { timeout: 15_000 }, (err, stdout, stderr) => {
          if (err) {
            reject(new HaproxyReloadError(stderr.trim() || err.message, proc.output()));
            return;
          }
          const m = /new worker (\d+)/.exec(stdout);
          resolve(m ? Number(m[1]) : 0);
        });
      });
    },
    showProc,
    output: () => proc.output(),
    stop,
  };
}
