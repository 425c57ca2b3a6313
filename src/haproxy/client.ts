// The one client for haproxy's two sockets: the Runtime API (the stats socket of a worker: `add server`,
// `show servers state`, ...) and the master CLI (`-S` socket of master-worker mode: `show proc`, `reload`).
// The applier, the example's reload command, the dev-server launcher, the tests and the demo all use it, so
// the details below (one command per connection, what an error answer looks like, the master's reload
// counters) are written once.
//
// Both sockets answer one command per connection in non-interactive mode and close it after the answer: we
// write the command, half-close, and read until the peer closes. Several commands can share one connection
// separated by ";" but then one refused command is hard to attribute, so we keep one per connection (a Unix
// socket connection costs ~50 µs).

import { connect, type Socket } from 'node:net';

/** A socket could not be reached or did not answer in time. `retryable`: the same call may succeed later. */
export class HaproxySocketError extends Error {
  override readonly name = 'HaproxySocketError';
  readonly code = 'EHAPROXYSOCKET';
  readonly retryable = true;
  constructor(
    message: string,
    readonly socketPath: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** haproxy answered a command with an error (e.g. "No such server."). */
export class HaproxyCommandError extends Error {
  override readonly name = 'HaproxyCommandError';
  readonly code = 'EHAPROXYCOMMAND';
  readonly retryable = false;
  constructor(
    readonly command: string,
    readonly answer: string,
  ) {
    super(`haproxy refused "${command}": ${answer.trim() || '(empty answer)'}`);
  }
}

/** A reload through the master CLI failed or did not complete. */
export class HaproxyReloadError extends Error {
  override readonly name = 'HaproxyReloadError';
  readonly code = 'EHAPROXYRELOAD';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface SocketOptions {
  /** Time limit for one command (connect + answer); default 5 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** Sends one command line and resolves to the whole answer. */
export function sendCommand(socketPath: string, command: string, o: SocketOptions & { tolerateReset?: boolean } = {}): Promise<string> {
  const timeoutMs = o.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    let sock: Socket;
    const chunks: string[] = [];
    let settled = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      const e = err as NodeJS.ErrnoException;
      if (o.tolerateReset && e.code === 'ECONNRESET') return resolve(chunks.join(''));
      reject(err instanceof HaproxySocketError ? err : new HaproxySocketError(`haproxy socket ${socketPath}: ${e.message ?? String(err)}`, socketPath, { cause: err }));
    };
    const onAbort = (): void => fail(new HaproxySocketError(`haproxy socket ${socketPath}: aborted`, socketPath));
    const timer = setTimeout(() => fail(new HaproxySocketError(`haproxy socket ${socketPath}: no answer to "${command}" within ${timeoutMs} ms`, socketPath)), timeoutMs);
    try {
      sock = connect(socketPath);
    } catch (err) {
      clearTimeout(timer);
      reject(new HaproxySocketError(`haproxy socket ${socketPath}: ${(err as Error).message}`, socketPath, { cause: err }));
      return;
    }
    o.signal?.addEventListener('abort', onAbort, { once: true });
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.end(`${command}\n`));
    sock.on('data', (d: string) => chunks.push(d));
    sock.on('error', fail);
    sock.on('close', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      resolve(chunks.join(''));
    });
  });
}

// ---- Runtime API ---------------------------------------------------------------------------------------------

/** One server of `show servers state` (format version 1), the fields we compare. */
export interface LiveServer {
  readonly backend: string;
  readonly name: string;
  readonly id: number;
  readonly addr: string;
  readonly port: number;
  readonly opState: number;
  /** Mask: 0x01 forced maint, 0x04 maint by configuration, 0x08 forced drain, 0x20 resolution maint. */
  readonly adminState: number;
  readonly userWeight: number;
  readonly initialWeight: number;
  /** Mask: 0x02 configured, 0x04 enabled, 0x08 paused. */
  readonly checkState: number;
  readonly fqdn: string;
}

/** Parses `show servers state`; throws on an answer that is not one. */
export function parseServersState(text: string): LiveServer[] {
  const lines = text.split('\n');
  if ((lines[0] ?? '').trim() !== '1') throw new Error(`unexpected "show servers state" answer: ${JSON.stringify(text.slice(0, 200))}`);
  const header = (lines[1] ?? '').replace(/^#\s*/, '').split(/\s+/);
  const col = (n: string): number => {
    const i = header.indexOf(n);
    if (i < 0) throw new Error(`"show servers state": no column ${n}`);
    return i;
  };
  const c = {
    be: col('be_name'),
    id: col('srv_id'),
    name: col('srv_name'),
    addr: col('srv_addr'),
    op: col('srv_op_state'),
    admin: col('srv_admin_state'),
    uw: col('srv_uweight'),
    iw: col('srv_iweight'),
    check: col('srv_check_state'),
    fqdn: col('srv_fqdn'),
    port: col('srv_port'),
  };
  const out: LiveServer[] = [];
  for (const line of lines.slice(2)) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const f = line.split(' ');
    const get = (i: number): string => f[i] ?? '';
    out.push({
      backend: get(c.be),
      name: get(c.name),
      id: Number(get(c.id)),
      addr: get(c.addr),
      port: Number(get(c.port)),
      opState: Number(get(c.op)),
      adminState: Number(get(c.admin)),
      userWeight: Number(get(c.uw)),
      initialWeight: Number(get(c.iw)),
      checkState: Number(get(c.check)),
      fqdn: get(c.fqdn),
    });
  }
  return out;
}

/** Answers that mean success for the commands we send; anything else is an error. */
const OK_ANSWER = /^(|New server registered\.|Server deleted\.|.*: no need to change the .*|IP changed from .*|no need to change the addr.*|port changed from .*|.*changed from .* to .*)$/s;

/** A worker's Runtime API (the stats socket, level admin). */
export class RuntimeApi {
  constructor(
    readonly socketPath: string,
    private readonly o: SocketOptions = {},
  ) {}

  /** Sends a command and returns the raw answer (no error detection). */
  raw(command: string): Promise<string> {
    return sendCommand(this.socketPath, command, this.o);
  }

  /** Sends a command whose success answer is empty or one of haproxy's confirmations; throws HaproxyCommandError otherwise. */
  async run(command: string): Promise<string> {
    const answer = await this.raw(command);
    if (!OK_ANSWER.test(answer.trim())) throw new HaproxyCommandError(command, answer);
    return answer;
  }

  async showServersState(backend?: string): Promise<LiveServer[]> {
    const cmd = backend === undefined ? 'show servers state' : `show servers state ${backend}`;
    const answer = await this.raw(cmd);
    try {
      return parseServersState(answer);
    } catch {
      throw new HaproxyCommandError(cmd, answer);
    }
  }

  /** Entries of a map file loaded by the worker: key -> value. */
  async showMap(map: string): Promise<Map<string, string>> {
    const answer = await this.raw(`show map ${map}`);
    const out = new Map<string, string>();
    for (const line of answer.split('\n')) {
      const m = /^0x[0-9a-f]+ (\S+) (.*)$/.exec(line);
      if (m?.[1] !== undefined && m[2] !== undefined) out.set(m[1], m[2]);
      else if (line.trim() !== '') throw new HaproxyCommandError(`show map ${map}`, answer);
    }
    return out;
  }
}

// ---- master CLI ----------------------------------------------------------------------------------------------

/** The master CLI's `show proc`. */
export interface ProcInfo {
  readonly masterPid: number;
  /** Reloads so far and how many of them failed (haproxy kept the old workers). */
  readonly reloads: number;
  readonly failedReloads: number;
  /** Workers, the current one with reloads 0, older ones still draining with higher counts. */
  readonly workers: ReadonlyArray<{ readonly pid: number; readonly reloads: number }>;
}

/** Parses the master CLI's `show proc` answer; undefined when it is not one. */
export function parseShowProc(text: string): ProcInfo | undefined {
  const master = /^(\d+)\s+master\s+(\d+)\s+\[failed:\s*(\d+)\]/m.exec(text);
  if (!master) return undefined;
  const workers = [...text.matchAll(/^(\d+)\s+worker\s+(\d+)/gm)].map((m) => ({ pid: Number(m[1]), reloads: Number(m[2]) }));
  return { masterPid: Number(master[1]), reloads: Number(master[2]), failedReloads: Number(master[3]), workers };
}

/** The outcome of a successful reload: the master's reload counter after it (the generation) and the new worker. */
export interface ReloadOutcome {
  readonly generation: number;
  readonly workerPid: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The master process' CLI (`haproxy -W -S <socket>`; Debian: /run/haproxy-master.sock). */
export class MasterCli {
  constructor(
    readonly socketPath: string,
    private readonly o: SocketOptions = {},
  ) {}

  async showProc(): Promise<ProcInfo> {
    const text = await sendCommand(this.socketPath, 'show proc', this.o);
    const info = parseShowProc(text);
    if (!info) throw new HaproxyCommandError('show proc', text);
    return info;
  }

  /**
   * `show proc`, retried for up to `ms`: while the master re-executes for a reload its socket refuses
   * connections for a moment.
   */
  async showProcSettled(ms = 3000): Promise<ProcInfo> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        return await this.showProc();
      } catch (err) {
        if (Date.now() > deadline || this.o.signal?.aborted) throw err;
        await sleep(50);
      }
    }
  }

  /**
   * Reloads and waits for the outcome: `reload` alone answers nothing useful (the master re-executes and drops
   * the connection), so we read the counters, send it, and poll until the reload counter moves, then compare
   * the failure counter. Rejects with HaproxyReloadError when haproxy refused the new configuration (it keeps the
   * previous workers) or did not finish within `timeoutMs`.
   */
  async reload(timeoutMs = 10_000): Promise<ReloadOutcome> {
    let before: ProcInfo;
    try {
      before = await this.showProcSettled(1000);
    } catch (err) {
      throw new HaproxyReloadError(
        `cannot reach the haproxy master CLI at ${this.socketPath}: ${(err as Error).message} (is haproxy running with -W -S ${this.socketPath}?)`,
        { cause: err },
      );
    }
    await sendCommand(this.socketPath, 'reload', { ...this.o, tolerateReset: true }).catch(() => '');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await sleep(20);
      let now: ProcInfo | undefined;
      try {
        now = await this.showProc();
      } catch {
        now = undefined; // re-executing
      }
      if (now && now.reloads > before.reloads) {
        if (now.failedReloads > before.failedReloads) {
          throw new HaproxyReloadError(
            `haproxy refused the new configuration (reload ${now.reloads} failed, ${now.failedReloads} failed so far); ` +
              `the previous workers keep serving the previous configuration; haproxy's log says why`,
          );
        }
        const fresh = now.workers.find((w) => w.reloads === 0);
        if (!fresh) throw new HaproxyReloadError('haproxy reloaded but reports no new worker (show proc lists none with 0 reloads)');
        return { generation: now.reloads, workerPid: fresh.pid };
      }
      if (Date.now() > deadline) throw new HaproxyReloadError(`haproxy did not complete the reload within ${timeoutMs / 1000}s (master CLI ${this.socketPath})`);
    }
  }
}
