// A real haproxy in master-worker mode for tests, the demo and the benchmark, on loopback ports chosen by the
// caller's config.
//
//   const hap = await startHaproxy({ configPath });     // haproxy -W -S <tmp>/master.sock -f configPath
//   hap.reloadCommand                                   // shell command for confd's reload_cmd
//   await hap.reload();                                 // through the master CLI, resolves to the new worker's pid
//   await hap.stop();                                   // process group stopped, temp dir removed
//
// Talking to haproxy goes through src/haproxy (the client the product uses); `reloadCommand` is
// bin/confd-haproxy-reload, the reload_cmd the example documents, so the tests exercise what users run.
// Master-worker mode was chosen over `-sf` + `expose-fd listeners` because it is how Debian's haproxy.service
// runs haproxy, the master hands the listening sockets to the new worker itself, and its CLI reports failed
// reloads; both were measured to drop no request over 50 reloads (examples/README.md).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HaproxyReloadError, MasterCli, type ProcInfo } from '../../src/haproxy/client.js';
import {
  findBinary,
  makeTempDir,
  removeTempDir,
  ServerBinaryMissingError,
  startProcess,
  waitFor,
  type StartedProcess,
} from './process.js';

/** bin/confd-haproxy-reload (needs `npm run build`), resolved from tools/devservers. */
export const HAPROXY_RELOAD_BIN = fileURLToPath(new URL('../../bin/confd-haproxy-reload', import.meta.url));

export { HaproxyReloadError, parseShowProc } from '../../src/haproxy/client.js';
/** One answer of the master CLI's `show proc`. */
export type HaproxyProcInfo = ProcInfo;

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
  /** `node .../bin/confd-haproxy-reload <masterSocket>`, quoted for /bin/sh: use as confd's reload_cmd. */
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
  const master = new MasterCli(masterSocket, { timeoutMs: 2000 });
  const showProcOnce = (): Promise<HaproxyProcInfo> => master.showProc();
  // While the master re-executes for a reload its socket refuses connections for a moment: retry for 3s.
  const showProc = (): Promise<HaproxyProcInfo> => master.showProcSettled(3000);
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
  const reloadCommand = [process.execPath, HAPROXY_RELOAD_BIN, masterSocket].map(shellQuote).join(' ');
  return {
    configPath: o.configPath,
    masterSocket,
    masterPid: proc.pid,
    binary,
    reloadCommand,
    checkCommand: `${shellQuote(binary)} -c -f {{.src}}`,
    async reload() {
      try {
        return (await master.reload(15_000)).workerPid;
      } catch (err) {
        if (err instanceof HaproxyReloadError) err.message = `${err.message}\n--- haproxy output (tail) ---\n${proc.output().slice(-3000)}`;
        throw err;
      }
    },
    showProc,
    output: () => proc.output(),
    stop,
  };
}
