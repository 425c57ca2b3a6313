// A real redis-server on loopback for tests, the demo and the benchmark.
//
//   const redis = await startRedis();            // ready (answers PING) when it resolves
//   redis.endpoint                               // "127.0.0.1:PORT" (confd's -node form for redis)
//   await redis.restart();                       // stop + start on the same port; data kept (AOF)
//   await redis.stop();                          // process group killed, data dir removed
//
// Options: `password` (requirepass), `disableConfig` (CONFIG renamed away, as managed Redis services do, so
// clients cannot enable keyspace notifications), `notifyKeyspaceEvents` (preset notify-keyspace-events).
// The binary is `redis-server` from PATH (or $REDIS_SERVER_BIN); when missing, ServerBinaryMissingError.

import { connect } from 'node:net';
import {
  findBinary,
  freePort,
  isAddressInUse,
  makeTempDir,
  removeTempDir,
  ServerStartError,
  startProcess,
  waitFor,
  type StartedProcess,
} from './process.js';

export interface StartRedisOptions {
  readonly password?: string;
  /** Rename CONFIG away so that clients cannot change the configuration. */
  readonly disableConfig?: boolean;
  /** Initial notify-keyspace-events (default: "" = off, as redis ships). */
  readonly notifyKeyspaceEvents?: string;
  readonly extraArgs?: readonly string[];
  readonly echo?: boolean;
}

export interface RedisServer {
  /** "127.0.0.1:PORT" */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
  readonly password: string | undefined;
  readonly dataDir: string;
  /** Crash it (SIGKILL by default); restart() brings it back. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stop (SIGTERM, flushing the AOF) if running, start again on the same port and data dir, wait for PING. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Send one inline command over a raw socket and return the first reply line ("+PONG", "-NOAUTH ..."). */
function rawCommand(port: number, line: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port });
    let buf = '';
    const timer = setTimeout(() => sock.destroy(new Error('timeout')), timeoutMs);
    sock.on('connect', () => sock.write(`${line}\r\n`));
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      const i = buf.indexOf('\r\n');
      if (i >= 0) {
        clearTimeout(timer);
        sock.destroy();
        resolve(buf.slice(0, i));
      }
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export async function startRedis(o: StartRedisOptions = {}): Promise<RedisServer> {
  const binary = findBinary(process.env['REDIS_SERVER_BIN'] ?? 'redis-server');
  const dataDir = makeTempDir('confd-ts-redis-');
  let port = 0;
  let proc: StartedProcess | undefined;
  const args = (): string[] => {
    const a = [
      '--bind', '127.0.0.1',
      '--port', String(port),
      '--dir', dataDir,
      '--save', '',
      '--appendonly', 'yes',
      '--daemonize', 'no',
      '--protected-mode', 'yes',
      '--loglevel', 'warning',
      '--notify-keyspace-events', o.notifyKeyspaceEvents ?? '',
    ];
    if (o.password !== undefined) a.push('--requirepass', o.password);
    if (o.disableConfig) a.push('--rename-command', 'CONFIG', '');
    a.push(...(o.extraArgs ?? []));
    return a;
  };
  /** Spawn on `port` and wait for PING; on a port race (EADDRINUSE) retry up to `retries` times. */
  const launch = async (o2: { freshPort: boolean; retries: number }): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      if (o2.freshPort) port = await freePort();
      const p = startProcess({ name: `redis-server :${port}`, command: binary, args: args(), echo: o.echo ?? false });
      proc = p;
      try {
        await waitFor(
          async () => {
            const reply = await rawCommand(port, 'PING');
            return reply === '+PONG' || reply.startsWith('-NOAUTH');
          },
          { what: `redis-server on 127.0.0.1:${port} to answer PING`, process: p, timeoutMs: 15_000 },
        );
        return;
      } catch (err) {
        await p.kill('SIGKILL');
        if (attempt < o2.retries && isAddressInUse(p.output())) {
          // A fresh port, or (restart) the same one once the kernel has released it.
          if (!o2.freshPort) await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw err instanceof ServerStartError ? err : new ServerStartError(String(err), p.output());
      }
    }
  };
  try {
    await launch({ freshPort: true, retries: 3 });
  } catch (err) {
    removeTempDir(dataDir);
    throw err;
  }
  let stopped = false;
  return {
    get endpoint() {
      return `127.0.0.1:${port}`;
    },
    host: '127.0.0.1',
    get port() {
      return port;
    },
    password: o.password,
    dataDir,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      await proc?.kill(signal);
    },
    async restart() {
      if (proc && !proc.hasExited()) await proc.kill('SIGTERM');
      await launch({ freshPort: false, retries: 20 });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await proc?.kill('SIGKILL');
      removeTempDir(dataDir);
    },
  };
}
