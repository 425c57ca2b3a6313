// Helpers for test/haproxy.test.ts: loud skips for missing servers, polling, and a steady request stream.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { findBinary, ServerBinaryMissingError } from '../../tools/devservers/process.js';
import { findHaproxy } from '../../tools/devservers/haproxy.js';
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
