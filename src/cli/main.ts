// The `confd` command: the only place that reads argv and sets the exit status. It parses the command line and
// hands the resolved configuration to the composition root (daemon/index.ts run()), the same for -onetime and
// the daemon.
//
// Exit status: 0 success (also after SIGTERM/SIGINT in daemon mode), 1 a failure (configuration, backend,
// or any template resource in -onetime), 2 bad command-line usage (as Go's flag package).

import { readFileSync } from 'node:fs';
import { ConfigError, earlyLogFormat, parseArgs, resolveConfig, usageText, UsageError, type ConfdConfig, type Resolved } from '../config/index.js';
import { createLogger, programName, type Logger } from '../log/index.js';
import { boundHeapGrowth } from './heap.js';

/** The Go confd's line prefix names the program as started (os.Args[0]). */
let tag: string | undefined;

function makeLogger(config: Pick<ConfdConfig, 'logLevel' | 'logFormat'>): Logger {
  return createLogger({ level: config.logLevel, format: config.logFormat, write: writeErr, tag: (tag ??= programName()) });
}

/**
 * The Go confd release whose behaviour confd-ts reproduces: `-version` reports it first, as the Go confd does.
 * (The conformance corpus was recorded from confd's master, whose behaviour is 0.16.0's plus fixes.)
 */
const GO_CONFD_VERSION = '0.16.0';

/**
 * `-version`: "confd 0.16.0 (confd-ts 0.2.0, Node.js v20.x)". The Go confd prints "confd 0.16.0" on its first
 * line (then Git SHA, Go Version, Go OS/Arch lines), and scripts parse that line: `awk '{print $2}'`, a regex like
 * `^confd (\d+\.\d+\.\d+)`, a semver comparison against a minimum. So the second field is the bare confd version
 * confd-ts behaves as (not "0.16.0-compatible", which semver orders below 0.16.0 and equality checks reject), and
 * what actually runs follows in parentheses.
 */
function version(): string {
  let v = 'unknown';
  try {
    v = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? v;
  } catch {
    // running from an unusual layout: still print something useful
  }
  return `confd ${GO_CONFD_VERSION} (confd-ts ${v}, Node.js ${process.version})`;
}

/** The standard streams this process wrote to: the ones to drain before exiting. */
const written = new Set<NodeJS.WriteStream>();

/** Set once stdout's reader has gone (`confd -onetime -noop | head`): further output is dropped, not a crash. */
let stdoutClosed = false;

/** All of confd's standard output (rendered diffs, -version, -help). */
function writeOut(text: string): void {
  if (stdoutClosed) return;
  if (!written.has(process.stdout)) {
    process.stdout.on('error', (err: NodeJS.ErrnoException) => {
      stdoutClosed = true;
      written.delete(process.stdout);
      if (err.code !== 'EPIPE') writeErr(`confd: standard output: ${err.message}\n`);
    });
  }
  written.add(process.stdout);
  process.stdout.write(text);
}

/** All of confd's standard error (the log). */
function writeErr(text: string): void {
  written.add(process.stderr);
  process.stderr.write(text);
}

/**
 * Exit once what was written to stdout and stderr has drained. Not waiting for the event loop to empty: a library
 * may have left a handle open (a client socket, a timer), and a one-shot run would otherwise also wait for V8's
 * background work. A stream never written to is not even created (that costs a quiet one-shot run ~2 ms).
 */
function flushAndExit(code: number): void {
  process.exitCode = code;
  let pending = written.size;
  if (pending === 0) process.exit(code);
  const drained = (): void => {
    if (--pending === 0) process.exit(code);
  };
  for (const stream of written) stream.write('', drained);
  // A stream that never drains (a reader that stopped reading) must not keep the process alive for ever.
  setTimeout(() => process.exit(code), 2000).unref();
}

async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      writeErr(`${e.message}\n${usageText()}`);
      return 2;
    }
    throw e;
  }
  if (parsed.help) {
    writeOut(usageText());
    return 0;
  }
  if (parsed.values.get('version') === true) {
    writeOut(`${version()}\n`);
    return 0;
  }

  if (parsed.values.get('check-config') === true) {
    const { checkConfig } = await import('./check-config.js');
    return checkConfig({ args: parsed, env: process.env, out: writeOut, err: writeErr });
  }
  if (parsed.values.get('render-test') === true) {
    const { renderTest } = await import('./render-test.js');
    return renderTest({ args: parsed, env: process.env, out: writeOut, err: writeErr });
  }

  let resolved: Resolved;
  try {
    resolved = resolveConfig({ args: parsed, env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) {
      // The configuration did not resolve, but -log-format (flag or environment) may have: a JSON log stays JSON.
      createLogger({ format: earlyLogFormat(parsed, process.env), write: writeErr }).error(e.message);
      return 1;
    }
    throw e;
  }
  const { config } = resolved;

  if (config.release !== '') {
    // `confd -release NAME`: a command to the running daemon (docs/guard.md), not a run of its own.
    const { requestRelease } = await import('../guard/release.js');
    try {
      const pid = requestRelease(config.stateDir, config.release);
      writeErr(`asked the confd daemon (pid ${pid}) to release ${config.release === 'all' ? 'every held change' : `the change held for ${config.release}`}; its log says what was released\n`);
      return 0;
    } catch (e) {
      makeLogger(config).error((e as Error).message);
      return 1;
    }
  }

  if (!config.onetime) {
    const heapFlag = boundHeapGrowth();
    if (heapFlag !== undefined) makeLogger(config).debug(`V8 heap growth bounded for a long-running process: ${heapFlag}`);
  }
  const { run } = await import('../daemon/index.js');
  return run({ argv, env: process.env, initial: resolved, makeLogger, out: writeOut });
}

main(process.argv.slice(2)).then(
  (code) => flushAndExit(code),
  (e: unknown) => {
    writeErr(`confd: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    flushAndExit(1);
  },
);
