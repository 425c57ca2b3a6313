// Helpers for the haproxy tests: loud skips for missing servers, polling, a steady request stream, and the state
// a fresh haproxy started from a written file has.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MAINT_MASK, RuntimeApi } from '../../src/haproxy/index.js';
import { findBinary, freePort, ServerBinaryMissingError } from '../../tools/devservers/process.js';
import { findHaproxy, startHaproxy } from '../../tools/devservers/haproxy.js';
import { httpGet } from '../../tools/devservers/httpbackends.js';

/** The binary's path, looking in /usr/sbin too (not on a normal user's PATH on Debian), or undefined. */
export function locate(binary: 'haproxy' | 'nginx' | 'etcd' | 'etcdctl'): string | undefined {
  try {
    return binary === 'haproxy' ? findHaproxy() : findBinary(binary);
  } catch (err) {
    if (!(err instanceof ServerBinaryMissingError)) throw err;
    // findHaproxy already looks in /usr/sbin (and honours $HAPROXY_BIN).
    const sbin = `/usr/sbin/${binary}`;
    return binary !== 'haproxy' && existsSync(sbin) ? sbin : undefined;
  }
}

const announced = new Set<string>();

/**
 * For `describe(..., { skip })`: false when every binary is installed, or when REQUIRE_SERVERS=1 (the tests
 * then run and fail on the missing binary); otherwise a skip message, printed loudly once.
 */
export function skipUnless(...binaries: Array<'haproxy' | 'nginx' | 'etcd' | 'etcdctl'>): string | false {
  const missing = binaries.filter((b) => locate(b) === undefined);
  if (missing.length === 0 || process.env['REQUIRE_SERVERS'] === '1') return false;
  const msg =
    `SKIPPED: ${missing.join(', ')} not installed (sudo apt-get install -y etcd-server etcd-client haproxy nginx); ` +
    'set REQUIRE_SERVERS=1 to make this a failure';
  const key = missing.join(',');
  if (!announced.has(key)) {
    announced.add(key);
    process.stderr.write(`\n!!!!! ${msg} !!!!!\n\n`);
  }
  return msg;
}

/** Polls `check` every 20 ms until it returns a value other than undefined; throws after `timeoutMs`. */
export async function pollUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
    }
    await sleep(20);
  }
}

/** Which backends answer `count` consecutive requests for `host` (the body is the backend's name). */
export async function answeringBackends(port: number, host: string, count: number): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await httpGet({ port, host });
    names.push(r.status === 200 ? r.body.trim() : `HTTP ${r.status}`);
  }
  return names;
}

export interface RequestStream {
  /** Requests answered with 200 so far. */
  readonly ok: number;
  /** Failed requests: connection errors and non-200 answers, with what happened. */
  readonly failures: string[];
  /** Stops issuing requests and waits for the ones in flight. */
  stop(): Promise<void>;
}

/**
 * `workers` loops sending GET with Host `host` through haproxy, half of them on keep-alive connections (the
 * case a reload is most likely to break), half opening a new connection per request, each pausing `pauseMs`
 * between requests so the stream is steady without starving the daemon of CPU.
 */
export function startRequestStream(o: { port: number; host: string; workers?: number; pauseMs?: number }): RequestStream {
  let ok = 0;
  const failures: string[] = [];
  let running = true;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });
  const loop = async (useKeepAlive: boolean): Promise<void> => {
    while (running) {
      try {
        const r = await httpGet({ port: o.port, host: o.host, ...(useKeepAlive ? { agent: keepAlive } : {}) });
        if (r.status === 200) ok++;
        else failures.push(`HTTP ${r.status}: ${r.body.slice(0, 100)}`);
      } catch (err) {
        failures.push(err instanceof Error ? `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}` : String(err));
      }
      await sleep(o.pauseMs ?? 2);
    }
  };
  const loops = Array.from({ length: o.workers ?? 4 }, (_, i) => loop(i % 2 === 0));
  return {
    get ok() {
      return ok;
    },
    failures,
    async stop() {
      running = false;
      await Promise.all(loops);
      keepAlive.destroy();
    },
  };
}

/** Runs a short command (haproxy -c, nginx -t); rejects with its output when it exits non-zero. */
export function runChecked(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stderr}${stdout}`));
      else resolve(stdout + stderr);
    });
  });
}

/**
 * `show servers state` reduced to what the configuration decides, one sorted line per server: backend, name,
 * address, port, maintenance, user weight, health check enabled. Left out: ids (a server added at run time
 * takes the next free one), operational state and check results (timing), the initial weight.
 */
export async function configuredServersState(runtimeSocket: string): Promise<string[]> {
  const servers = await new RuntimeApi(runtimeSocket).showServersState();
  return servers
    .map((s) => `${s.backend} ${s.name} ${s.addr}:${s.port} ${(s.adminState & MAINT_MASK) !== 0 ? 'maint' : 'ready'} weight=${s.userWeight} check=${(s.checkState & 0x04) !== 0 ? 'on' : 'off'}`)
    .sort();
}

/**
 * Starts a second haproxy from a copy of `configPath` (its stats socket and every `bind` moved to fresh loopback
 * places so it runs beside the first), returns its configuredServersState and stops it: the state a restart
 * from the written file would have.
 */
export async function freshServersState(configPath: string, dir: string): Promise<string[]> {
  const socket = join(dir, `fresh-${process.pid}-${Date.now()}.sock`);
  let text = readFileSync(configPath, 'utf8').replace(/^(\s*stats socket )\S+/m, `$1${socket}`);
  const binds = [...text.matchAll(/^(\s*bind )\S+/gm)];
  for (const b of binds) text = text.replace(b[0], `${b[1]}127.0.0.1:${await freePort()}`);
  const copy = join(dir, `fresh-${Date.now()}.cfg`);
  writeFileSync(copy, text);
  const hap = await startHaproxy({ configPath: copy });
  try {
    return await configuredServersState(socket);
  } finally {
    await hap.stop();
  }
}
