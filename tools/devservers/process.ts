// Launching real server processes (etcd, redis-server, ...) for tests, the demo and the benchmark.
//
// Every process runs in its own process group (spawn `detached`), so stopping it also stops anything it forked.
// Everything started here is registered for cleanup: on normal exit, on SIGINT/SIGTERM and on an uncaught
// exception the process groups are SIGKILLed and their temp dirs removed, so a failing test never leaves an
// etcd behind holding a port. Only loopback (127.0.0.1) is ever used.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, accessSync, constants as fsConstants } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown when a server binary (etcd, redis-server, ...) is not installed. Tests turn it into a loud skip. */
export class ServerBinaryMissingError extends Error {
  override readonly name = 'ServerBinaryMissingError';
  readonly code = 'ENOSERVERBINARY';
  constructor(readonly binary: string) {
    super(`server binary "${binary}" not found in PATH (${process.env['PATH'] ?? ''}); install it (Debian: etcd-server etcd-client redis-server)`);
  }
}

/** Thrown when a started server does not become ready, with the tail of its output. */
export class ServerStartError extends Error {
  override readonly name = 'ServerStartError';
  readonly code = 'ESERVERSTART';
  constructor(message: string, readonly output: string) {
    super(`${message}\n--- server output (tail) ---\n${output.slice(-4000)}`);
  }
}

/** Absolute path of `binary` on PATH, or throws ServerBinaryMissingError. */
export function findBinary(binary: string): string {
  if (binary.includes('/')) {
    try {
      accessSync(binary, fsConstants.X_OK);
      return binary;
    } catch {
      throw new ServerBinaryMissingError(binary);
    }
  }
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, binary);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new ServerBinaryMissingError(binary);
}

/** A free TCP port on 127.0.0.1 (bound and released; callers retry on the rare EADDRINUSE race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('could not get a free port'))));
    });
  });
}

// ---- cleanup registry -------------------------------------------------------------------------------------

const livePids = new Set<number>();
const liveDirs = new Set<string>();
let handlersInstalled = false;

function killGroupSync(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function cleanupAllSync(): void {
  for (const pid of livePids) killGroupSync(pid, 'SIGKILL');
  livePids.clear();
  for (const dir of liveDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }
  liveDirs.clear();
}

function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanupAllSync();
      process.removeListener(sig, onSignal);
      // Adding a listener disables Node's default "exit on signal"; restore it when nobody else handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** A temp dir removed on `removeTempDir` or, at the latest, when the process exits. */
export function makeTempDir(prefix: string): string {
  installExitHandlers();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  liveDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  liveDirs.delete(dir);
}

// ---- processes --------------------------------------------------------------------------------------------

export interface StartProcessOptions {
  /** Short name for messages ("etcd infra0"). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Also echo the output to our stderr (debugging). */
  readonly echo?: boolean;
  /** Kill the child when this process dies, even by SIGKILL (default true; needs setpriv). */
  readonly dieWithParent?: boolean;
}

let setprivCache: string | null | undefined;
function setprivPath(): string | undefined {
  if (setprivCache === undefined) {
    try {
      setprivCache = findBinary('setpriv');
    } catch {
      setprivCache = null;
    }
  }
  return setprivCache ?? undefined;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StartedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** The last ~64 KiB of stdout+stderr. */
  output(): string;
  /**
   * Signal the whole process group and wait for the exit. With SIGTERM (default) escalates to SIGKILL after
   * `graceMs` (default 5000).
   */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitInfo>;
}

const OUTPUT_LIMIT = 64 * 1024;

/** Spawn `command` in its own process group, collecting its output; registered for cleanup at exit. */
export function startProcess(o: StartProcessOptions): StartedProcess {
  installExitHandlers();
  // Exit handlers cannot run when we are SIGKILLed (a test runner timeout): with setpriv (util-linux) the
  // kernel then kills the child too (PR_SET_PDEATHSIG), so no etcd outlives us holding its ports.
  const setpriv = o.dieWithParent === false ? undefined : setprivPath();
  const [command, args] = setpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', o.command, ...o.args]] : [o.command, [...o.args]];
  const child = spawn(command, args, {
    cwd: o.cwd,
    env: o.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const onData = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    if (out.length > OUTPUT_LIMIT * 2) out = out.slice(-OUTPUT_LIMIT);
    if (o.echo) process.stderr.write(`[${o.name}] ${chunk.toString('utf8')}`);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let done: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.on('error', (err) => {
      out += `\nspawn error: ${err.message}\n`;
      done = { code: null, signal: null };
      resolve(done);
    });
    child.on('exit', (code, signal) => {
      done = { code, signal };
      resolve(done);
    });
  });
  const pid = child.pid ?? -1;
  if (pid > 0) livePids.add(pid);
  void exited.then(() => livePids.delete(pid));
  // The child must not keep the event loop alive on its own (tests end by stopping it explicitly).
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?(): void } | null)?.unref?.();

  return {
    name: o.name,
    pid,
    child,
    exited,
    hasExited: () => done !== undefined,
    output: () => out,
    async kill(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<ExitInfo> {
      if (done !== undefined) return done;
      // The child is unref'd; keep the event loop alive while we wait for its exit.
      const keepAlive = setInterval(() => undefined, 1000);
      try {
        if (pid > 0) killGroupSync(pid, signal);
        if (signal === 'SIGKILL') return await exited;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
        const first = await Promise.race([exited, timeout]);
        clearTimeout(timer);
        if (first === 'timeout') {
          killGroupSync(pid, 'SIGKILL');
          return await exited;
        }
        return first;
      } finally {
        clearInterval(keepAlive);
      }
    },
  };
}

export interface WaitForOptions {
  /** What we wait for, for the error message ("etcd infra0 to become healthy"). */
  readonly what: string;
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** Give up early (with its output in the error) when this process exits. */
  readonly process?: StartedProcess;
  readonly signal?: AbortSignal;
}

/** Poll `check` until it returns true; throws ServerStartError on timeout or when `process` exits. */
export async function waitFor(check: () => Promise<boolean>, o: WaitForOptions): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  const interval = o.intervalMs ?? 50;
  let lastError: unknown;
  for (;;) {
    o.signal?.throwIfAborted();
    if (o.process?.hasExited()) {
      throw new ServerStartError(`${o.process.name} exited while waiting for ${o.what}`, o.process.output());
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new ServerStartError(`timed out waiting for ${o.what}${why}`, o.process?.output() ?? '');
    }
    await sleep(interval, undefined, { ref: true });
  }
}

/** Run a short command to completion (etcdctl, redis-cli, openssl); rejects with its output on failure. */
export function runCommand(
  command: string,
  args: readonly string[],
  o: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { env: o.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 20_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}: ${(stderr || stdout).trim()}`));
    });
    // The child may exit before reading its input (etcdctl on a bad flag): EPIPE is its business, not ours.
    child.stdin.on('error', () => {});
    child.stdin.end(o.input ?? '');
  });
}

/** True when the output says a listen port was taken between freePort() and the server binding it. */
export function isAddressInUse(output: string): boolean {
  return /address already in use|EADDRINUSE/i.test(output);
}
