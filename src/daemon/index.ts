// The long-running daemon: signals, configuration reloads, and one "generation" (backend + resources + loop) per
// configuration.
//
// SIGTERM/SIGINT: stop the loops, let in-flight renders and commands finish, close the backend, exit 0 (a second
// signal kills running commands). SIGHUP: re-read confd.toml (same flags and environment) and conf.d; if the new
// configuration is valid, the current generation finishes its in-flight work and a new one starts with a fresh
// full read; if not, the error is logged and the current configuration keeps running.

import type { Backend } from '../backends/types.js';
import { resolveConfig, type ConfdConfig, type Resolved } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { runShellCommand, type CommandRunner } from '../resource/command.js';
import { listResourceFiles } from '../resource/load.js';
import type { TemplateResource } from '../resource/resource.js';
import { openBackend as defaultOpenBackend } from './backend.js';
import { Runner } from './runner.js';

export { Runner } from './runner.js';

export interface SignalSource {
  on(sig: NodeJS.Signals, fn: (sig: NodeJS.Signals) => void): unknown;
  off(sig: NodeJS.Signals, fn: (sig: NodeJS.Signals) => void): unknown;
}

export interface DaemonOptions {
  /** Command line, re-resolved with the environment and confd.toml on SIGHUP. */
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly initial: Resolved;
  readonly makeLogger: (config: ConfdConfig) => Logger;
  readonly out: (text: string) => void;
  readonly runCommand?: CommandRunner;
  readonly openBackend?: (config: ConfdConfig, log: Logger) => Promise<Backend>;
  readonly signals?: SignalSource;
  /** Called once the first generation's loop has started (tests wait for it). */
  readonly onStarted?: () => void;
}

type Wake = 'done' | 'hup' | 'stop';

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs until SIGTERM/SIGINT (exit status 0) or a fatal error (1). */
export async function runDaemon(o: DaemonOptions): Promise<number> {
  const signals = o.signals ?? process;
  const open = o.openBackend ?? defaultOpenBackend;
  const stop = new AbortController();
  const kill = new AbortController();
  let wake: ((w: Wake) => void) | undefined;
  let hupPending = false;
  let log: Logger = o.makeLogger(o.initial.config);

  const onTerm = (sig: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      log.warn(`Captured ${sig} again. Killing running commands`);
      kill.abort();
      return;
    }
    log.info(`Captured ${sig}. Exiting...`);
    stop.abort();
    wake?.('stop');
  };
  const onHup = (): void => {
    if (stop.signal.aborted) return;
    hupPending = true;
    wake?.('hup');
  };
  signals.on('SIGTERM', onTerm);
  signals.on('SIGINT', onTerm);
  signals.on('SIGHUP', onHup);
  // The daemon runs until told to stop, even while nothing else holds the event loop open (a backend whose
  // watchers are unref'd, a long -interval sleep on a timer Node may otherwise consider idle).
  const keepAlive = setInterval(() => {}, 1 << 30);

  let resolved = o.initial;
  let previous: readonly TemplateResource[] | undefined;
  /** The next generation's backend, opened before the current generation is given up (SIGHUP). */
  let preopened: Backend | undefined;
  let first = true;
  try {
    while (!stop.signal.aborted) {
      const config = resolved.config;
      log = o.makeLogger(config);
      for (const w of resolved.warnings) log.warn(w);
      log.info(`Backend set to ${config.backend}`);

      let backend: Backend;
      if (preopened) {
        backend = preopened;
        preopened = undefined;
      } else {
        try {
          backend = await open(config, log);
        } catch (e) {
          log.error(describe(e));
          return 1;
        }
      }

      const gen = new AbortController();
      const genSignal = AbortSignal.any([stop.signal, gen.signal]);
      const runner = new Runner({
        config,
        log,
        backend,
        runCommand: o.runCommand ?? runShellCommand,
        out: o.out,
        getenv: (name) => process.env[name],
        signal: genSignal,
        killSignal: kill.signal,
        ...(previous ? { previous } : {}),
      });
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
      while (!finished && !stop.signal.aborted && next === undefined) {
        if (!hupPending) {
          await new Promise<Wake>((resolve) => {
            wake = resolve;
            if (finished) resolve('done');
          });
          wake = undefined;
        }
        if (hupPending && !stop.signal.aborted) {
          hupPending = false;
          log.info('Captured SIGHUP. Reloading configuration');
          try {
            const candidate = resolveConfig({ args: o.argv, env: o.env });
            // A confdir or conf.d that is gone (mid-deploy, a typo in confd.toml) would make the new generation
            // fail to start and the daemon exit: check it before giving up the running configuration.
            listResourceFiles(candidate.config);
            // Likewise a backend that cannot be opened (a missing client key, an unsupported option): open the
            // new one while the current generation still runs, and keep the current one if that fails.
            preopened = await open(candidate.config, log);
            next = candidate;
          } catch (e) {
            log.error(`Reload failed, keeping the current configuration: ${describe(e)}`);
          }
        }
      }

      gen.abort();
      await done;
      previous = runner.resources;
      try {
        await backend.close();
      } catch (e) {
        log.warn(`closing backend ${backend.name}: ${describe(e)}`);
      }
      if (fatal !== undefined) {
        log.error(describe(fatal));
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
    if (preopened) await preopened.close().catch((e: unknown) => log.warn(`closing backend: ${describe(e)}`));
    clearInterval(keepAlive);
    signals.off('SIGTERM', onTerm);
    signals.off('SIGINT', onTerm);
    signals.off('SIGHUP', onHup);
  }
}
