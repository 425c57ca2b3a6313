// The `confd-register` command: the registration half of the seed's system. The only place that reads argv,
// handles signals and sets the exit status for the agent (src/agent).
//
// Exit status: 0 after a drain on SIGTERM/SIGINT; with `-- CMD`, CMD's own status when it ends by itself (the
// registrations are withdrawn at once); 1 a failure (configuration, a value refused, etcd refusing the
// credentials or the permission: errors retrying cannot cure); 2 bad command-line usage (as Go's flag package).

import { promises as dns } from 'node:dns';
import { readFileSync } from 'node:fs';
import { Agent } from '../agent/agent.js';
import { REGISTER_FLAG_BY_NAME, REGISTER_FLAGS, resolveRegisterConfig, type RegisterConfig } from '../agent/config.js';
import type { RegistryWriter } from '../agent/registry/types.js';
import { exitStatus, supervise, type Supervised } from '../agent/supervise.js';
import { RegistrationError } from '../agent/validate.js';
import { describeError } from '../backends/util.js';
import { parseArgs, usageText, UsageError } from '../config/args.js';
import { ConfigError } from '../config/toml.js';
import { createLogger, LogLevelError, type Logger } from '../log/index.js';
import { runShellCommand } from '../resource/command.js';

const TAG = 'confd-register';

const USAGE_HEADER = [
  '  confd-register [flags]                 register one service (-domain -host -ip -port) or those of -config-file',
  '  confd-register [flags] -- CMD ARGS     run CMD and keep it registered while it runs',
  '',
];
const USAGE_FOOTER = [
  '',
  'Keys (default layout): /nginx/<domain>/<host>/ip, /nginx/<domain>/<host>/port, and /nginx/<domain>/<host>/drain',
  'while draining. SIGTERM/SIGINT: mark draining, wait -drain-grace, withdraw, exit 0 (a second signal skips the wait).',
];

function write(stream: NodeJS.WriteStream, text: string): void {
  stream.write(text);
}

function version(): string {
  let v = 'unknown';
  try {
    v = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? v;
  } catch {
    // unusual layout: still print something
  }
  return `${TAG} ${v} (confd-ts, Node.js ${process.version})`;
}

/** The registry writer, its client (gRPC for etcd v3) loaded only now: -help, -version and bad flags stay quick. */
async function openWriter(config: RegisterConfig, log: Logger): Promise<RegistryWriter> {
  let backend = config.backendOptions;
  const { nodesFromSrv, srvRecordName } = await import('../backends/index.js');
  const record = srvRecordName(config.backend, backend);
  if (record !== undefined) {
    const nodes = await nodesFromSrv(record, (r) => dns.resolveSrv(r));
    log.info(`SRV record set to ${record}: nodes ${nodes.join(', ')}`);
    backend = { ...backend, nodes };
  }
  const o = { backend: { ...backend, log }, ttlMs: config.ttlMs, log };
  if (config.backend === 'etcdv2') return (await import('../agent/registry/etcdv2.js')).createEtcdV2Writer(o);
  return (await import('../agent/registry/etcdv3.js')).createEtcdV3Writer(o);
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv, { flags: REGISTER_FLAG_BY_NAME, command: TAG, rest: true });
  } catch (e) {
    if (e instanceof UsageError) {
      write(process.stderr, `${e.message}\n${usageText({ flags: REGISTER_FLAGS, command: TAG, header: USAGE_HEADER, footer: USAGE_FOOTER })}`);
      return 2;
    }
    throw e;
  }
  if (parsed.help) {
    write(process.stdout, usageText({ flags: REGISTER_FLAGS, command: TAG, header: USAGE_HEADER, footer: USAGE_FOOTER }));
    return 0;
  }
  if (parsed.values.get('version') === true) {
    write(process.stdout, `${version()}\n`);
    return 0;
  }
  let config: RegisterConfig;
  try {
    config = resolveRegisterConfig(parsed);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof RegistrationError || e instanceof LogLevelError) {
      createLogger({ tag: TAG }).error(e.message);
      return 1;
    }
    throw e;
  }
  const log = createLogger({ tag: TAG, level: config.logLevel, format: config.logFormat });
  log.info(`Starting ${TAG}: ${config.services.length} service(s), ${config.backend}, TTL ${config.ttlMs / 1000}s`);

  // Signals are caught from the start: a SIGTERM before the first registration still withdraws cleanly.
  const stop = new AbortController();
  const skipGrace = new AbortController();
  let stopSignal: NodeJS.Signals = 'SIGTERM';
  const onStop = (sig: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      log.warn(`Captured ${sig} again: withdrawing without waiting for the drain`);
      skipGrace.abort();
      return;
    }
    log.info(`Captured ${sig}: draining`);
    stopSignal = sig;
    stop.abort();
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);

  let writer: RegistryWriter;
  try {
    writer = await openWriter(config, log);
  } catch (e) {
    log.error(describeError(e));
    return 1;
  }

  let child: Supervised | undefined;
  const forward = (sig: NodeJS.Signals): void => child?.signal(sig);
  if (config.command.length > 0) {
    child = supervise(config.command, { onError: (m) => log.error(m) });
    log.info(`Started ${config.command.join(' ')} (pid ${child.pid ?? '?'})`);
    for (const sig of ['SIGHUP', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, forward);
  }

  let fatal = false;
  const agent = new Agent({
    services: config.services,
    writer,
    log,
    drainGraceMs: config.drainGraceMs,
    runCommand: runShellCommand,
    onFatal: () => {
      fatal = true;
      stop.abort();
    },
  });
  agent.start();

  const stopped = new Promise<'signal'>((resolve) => {
    if (stop.signal.aborted) resolve('signal');
    stop.signal.addEventListener('abort', () => resolve('signal'), { once: true });
  });
  const why = await Promise.race([stopped, child ? child.exited.then(() => 'child' as const) : new Promise<never>(() => undefined)]);

  if (why === 'child' && child) {
    const exit = await child.exited;
    log.warn(`${config.command[0]} exited (${exit.code !== null ? `exit status ${exit.code}` : `signal ${exit.signal}`}): withdrawing`);
    await agent.drain({ grace: false });
    return exitStatus(exit);
  }
  await agent.drain({ grace: !fatal, skipGrace: skipGrace.signal });
  if (fatal) {
    await child?.stop('SIGTERM', config.stopTimeoutMs);
    return 1;
  }
  if (child) {
    log.info(`Stopping ${config.command[0]} with ${stopSignal}`);
    const exit = await child.stop(stopSignal, config.stopTimeoutMs);
    // Ended by the signal we passed on (or exiting 0 on it): a clean stop.
    if (exit.code !== null && exit.code !== 0) return exit.code;
  }
  log.info('Stopped');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Leave no keep-alive socket or timer holding the process once everything is written.
    process.stderr.write('', () => process.stdout.write('', () => process.exit(code)));
  },
  (e: unknown) => {
    process.stderr.write(`${TAG}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
