// The composition root of the `confd` command, shared by -onetime and the daemon: the logger, the backend from the
// one factory, the Runner with its command runner, and the stop signals, put together in one place. cli/main.ts
// parses the command line and calls run().
//
// SIGTERM/SIGINT (both modes): stop starting work, let in-flight renders and commands finish, close the backend;
// a second signal kills running commands. -onetime then exits 1 if a resource was left unprocessed; the daemon
// exits 0. SIGHUP (daemon): re-read confd.toml (same flags and environment) and conf.d; if the new configuration
// is valid, the current generation (backend + resources + loop) finishes its in-flight work and a new one starts
// with a fresh full read; if not, the error is logged and the current configuration keeps running.

import type { Backend, BackendObserver } from '../backends/types.js';
import { resolveConfig, type ConfdConfig, type Resolved } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { runShellCommand, type CommandRunner } from '../resource/command.js';
import { listResourceFiles } from '../resource/load.js';
import type { TemplateResource } from '../resource/resource.js';
import { errorMessage } from '../util/errors.js';
import { openBackend as defaultOpenBackend } from './backend.js';
import { Runner, type RunnerDeps } from './runner.js';
import { startObservability, type Observability } from './observability.js';
import { takeReleaseMarkers } from '../guard/index.js';

export { Runner } from './runner.js';

export interface SignalSource {
  on(sig: NodeJS.Signals, fn: (sig: NodeJS.Signals) => void): unknown;
  off(sig: NodeJS.Signals, fn: (sig: NodeJS.Signals) => void): unknown;
}

export interface RunOptions {
  /** Command line, re-resolved with the environment and confd.toml on SIGHUP. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly initial: Resolved;
  readonly makeLogger: (config: ConfdConfig) => Logger;
  readonly out: (text: string) => void;
  readonly runCommand?: CommandRunner;
  readonly openBackend?: (config: ConfdConfig, log: Logger, observer?: BackendObserver) => Promise<Backend>;
  readonly signals?: SignalSource;
  /** Called once the first generation's loop has started (tests wait for it). */
  readonly onStarted?: () => void;
}

/** `confd` after its command line is resolved: -onetime or the daemon. Resolves with the exit status. */
export function run(o: RunOptions): Promise<number> {
  return o.initial.config.onetime ? runOnce(o) : runDaemon(o);
}

interface StopSignals {
  /** Aborted by the first SIGTERM/SIGINT: start nothing new, let what runs finish. */
  readonly stop: AbortSignal;
  /** Aborted by the second: kill the running check/reload commands. */
  readonly kill: AbortSignal;
  dispose(): void;
}

/**
 * SIGTERM/SIGINT, handled alike in both modes. Without handlers Node dies at once, orphaning a running
 * check_cmd/reload_cmd (its own process group) and leaving its stage file behind.
 */
function trapStopSignals(signals: SignalSource, log: () => Logger, onStop: () => void = () => {}): StopSignals {
  const stop = new AbortController();
  const kill = new AbortController();
  const onTerm = (sig: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      log().warn(`Captured ${sig} again. Killing running commands`);
      kill.abort();
      return;
    }
    log().info(`Captured ${sig}. Exiting...`);
    stop.abort();
    onStop();
  };
  signals.on('SIGTERM', onTerm);
  signals.on('SIGINT', onTerm);
  return {
    stop: stop.signal,
    kill: kill.signal,
    dispose: () => {
      signals.off('SIGTERM', onTerm);
      signals.off('SIGINT', onTerm);
    },
  };
}

/** The Runner for one configuration, wired the same way in both modes. */
function newRunner(o: RunOptions, d: Pick<RunnerDeps, 'config' | 'log' | 'backend' | 'signal' | 'killSignal' | 'previous' | 'onProcessed' | 'events'>): Runner {
  return new Runner({ runCommand: o.runCommand ?? runShellCommand, out: o.out, getenv: (name) => o.env[name], ...d });
}

/** The first lines every run logs, then the backend opened; undefined (logged) when it cannot be opened. */
async function start(o: RunOptions, resolved: Resolved, log: Logger, starting: boolean, observer?: BackendObserver): Promise<Backend | undefined> {
  for (const w of resolved.warnings) log.warn(w);
  // The Go confd's order: "Backend set to" (initConfig), "Starting confd", then the backend's "Backend source(s)".
  log.info(`Backend set to ${resolved.config.backend}`);
  if (starting) log.info('Starting confd');
  try {
    return await (o.openBackend ?? defaultOpenBackend)(resolved.config, log, observer);
  } catch (e) {
    log.error(errorMessage(e));
    return undefined;
  }
}

/** -onetime: every resource once; 1 if any failed or a signal stopped the run before all were processed. */
export async function runOnce(o: RunOptions): Promise<number> {
  const config = o.initial.config;
  const log = o.makeLogger(config);
  const signals = trapStopSignals(o.signals ?? process, () => log);
  try {
    const backend = await start(o, o.initial, log, true);
    if (!backend) return 1;
    let processed = 0;
    const runner = newRunner(o, { config, log, backend, signal: signals.stop, killSignal: signals.kill, onProcessed: () => processed++ });
    let code: number;
    try {
      code = await runner.once();
    } catch (e) {
      log.error(errorMessage(e));
      code = 1;
    } finally {
      await backend.close().catch((e: unknown) => log.warn(`closing backend: ${errorMessage(e)}`));
    }
    // An interrupted run did not bring every resource up to date: report it.
    if (signals.stop.aborted && code === 0 && processed < runner.resources.length) {
      log.error('Interrupted before all template resources were processed');
      code = 1;
    }
    return code;
  } finally {
    signals.dispose();
  }
}

type Wake = 'done' | 'hup' | 'stop';

/** The daemon (-watch or -interval): runs until SIGTERM/SIGINT (exit status 0) or a fatal error (1). */
export async function runDaemon(o: RunOptions): Promise<number> {
  const signals = o.signals ?? process;
  const open = o.openBackend ?? defaultOpenBackend;
  let wake: ((w: Wake) => void) | undefined;
  let hupPending = false;
  let log: Logger = o.makeLogger(o.initial.config);

  const { stop: stopSignal, kill: killSignal, dispose: disposeStop } = trapStopSignals(signals, () => log, () => wake?.('stop'));
  const onHup = (): void => {
    if (stopSignal.aborted) return;
    hupPending = true;
    wake?.('hup');
  };
  signals.on('SIGHUP', onHup);
  // SIGUSR1: an operator releases held changes (docs/guard.md): those marked by `confd -release NAME`, else all.
  let current: { runner: Runner; config: ConfdConfig } | undefined;
  const onUsr1 = (): void => {
    if (!current || stopSignal.aborted) return;
    log.info('Captured SIGUSR1. Releasing held changes');
    current.runner.releaseHeld(takeReleaseMarkers(current.config.stateDir));
  };
  signals.on('SIGUSR1', onUsr1);
  // The daemon runs until told to stop, even while nothing else holds the event loop open (a backend whose
  // watchers are unref'd, a long -interval sleep on a timer Node may otherwise consider idle).
  const keepAlive = setInterval(() => {}, 1 << 30);

  let resolved = o.initial;
  // The endpoint (-metrics-addr) and systemd notification live as long as the daemon, across SIGHUPs.
  let obs: Observability;
  try {
    obs = await startObservability({ config: o.initial.config, log, env: o.env });
  } catch (e) {
    log.error(`cannot serve -metrics-addr ${o.initial.config.metricsAddr}: ${errorMessage(e)}`);
    disposeStop();
    signals.off('SIGHUP', onHup);
    clearInterval(keepAlive);
    return 1;
  }
  let previous: readonly TemplateResource[] | undefined;
  /** The next generation's backend, opened before the current generation is given up (SIGHUP). */
  let preopened: Backend | undefined;
  let first = true;
  try {
    while (!stopSignal.aborted) {
      const config = resolved.config;
      log = o.makeLogger(config);
      let backend: Backend;
      if (preopened) {
        for (const w of resolved.warnings) log.warn(w);
        log.info(`Backend set to ${config.backend}`);
        backend = preopened;
        preopened = undefined;
      } else {
        const opened = await start(o, resolved, log, first, obs.observerFor(config.backend));
        if (!opened) return 1;
        backend = opened;
      }
      if (config.metricsAddr !== o.initial.config.metricsAddr) log.warn(`metrics-addr changes only take effect on restart; still serving ${o.initial.config.metricsAddr || 'nothing'}`);

      const gen = new AbortController();
      const genSignal = AbortSignal.any([stopSignal, gen.signal]);
      const runner = newRunner(o, { config, log, backend, signal: genSignal, killSignal, ...(previous ? { previous } : {}), ...(obs.bus ? { events: obs.bus } : {}) });
      obs.follow(backend, config, genSignal);
      current = { runner, config };
      let fatal: unknown;
      let finished = false;
      const done = (config.watch ? runner.watch() : runner.interval()).then(
        () => {
          finished = true;
          wake?.('done');
        },
        (e: unknown) => {
          finished = true;
          fatal = e;
          wake?.('done');
        },
      );
      if (first) {
        first = false;
        o.onStarted?.();
      }

      // Wait for: the loop ending (fatal), a stop signal, or a SIGHUP with a valid new configuration.
      let next: Resolved | undefined;
      while (!finished && !stopSignal.aborted && next === undefined) {
        if (!hupPending) {
          await new Promise<Wake>((resolve) => {
            wake = resolve;
            if (finished) resolve('done');
          });
          wake = undefined;
        }
        if (hupPending && !stopSignal.aborted) {
          hupPending = false;
          log.info('Captured SIGHUP. Reloading configuration');
          try {
            const candidate = resolveConfig({ args: o.argv, env: o.env });
            // A confdir or conf.d that is gone (mid-deploy, a typo in confd.toml) would make the new generation
            // fail to start and the daemon exit: check it before giving up the running configuration.
            listResourceFiles(candidate.config);
            // Likewise a backend that cannot be opened (a missing client key, an unsupported option): open the
            // new one while the current generation still runs, and keep the current one if that fails.
            preopened = await open(candidate.config, log, obs.observerFor(candidate.config.backend));
            next = candidate;
          } catch (e) {
            log.error(`Reload failed, keeping the current configuration: ${errorMessage(e)}`);
          }
        }
      }

      gen.abort();
      await done;
      previous = runner.resources;
      try {
        await backend.close();
      } catch (e) {
        log.warn(`closing backend ${backend.name}: ${errorMessage(e)}`);
      }
      if (fatal !== undefined) {
        log.error(errorMessage(fatal));
        return 1;
      }
      if (next) {
        resolved = next;
        continue;
      }
      break;
    }
    return 0;
  } finally {
    obs.stopping();
    await obs.close().catch((e: unknown) => log.warn(`closing the metrics endpoint: ${errorMessage(e)}`));
    if (preopened) await preopened.close().catch((e: unknown) => log.warn(`closing backend: ${errorMessage(e)}`));
    clearInterval(keepAlive);
    disposeStop();
    signals.off('SIGHUP', onHup);
    signals.off('SIGUSR1', onUsr1);
  }
}
