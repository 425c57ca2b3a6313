// Logging: confd's line format, or JSON lines, behind a small interface that is passed in (no global logger).
//
// confd (log/log.go) formats every entry as
//   "<RFC3339 timestamp> <hostname> <tag>[<pid>]: <LEVEL> <message>\n"
// where LEVEL is logrus' level name upper-cased (so warnings print "WARNING"). Operators grep for these lines,
// so the text format keeps that shape exactly. `-log-format json` writes one JSON object per line instead.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hostname as osHostname } from 'node:os';
import { escapeControls, redactUrls } from './redact.js';

export { escapeControls, redactNode, redactUrls } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Whether messages at `level` are written (to skip building expensive debug messages). */
  enabled(level: LogLevel): boolean;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
// logrus' names, as confd prints them.
const TEXT_NAME: Record<LogLevel, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };

export class LogLevelError extends Error {
  override readonly name = 'LogLevelError';
  readonly code = 'EBADLOGLEVEL';
}

/**
 * Parses a level as confd (logrus.ParseLevel) accepts it: case-insensitive `debug info warn warning error`;
 * logrus' `trace` maps to debug and `fatal`/`panic` to error, since we have no more severe level.
 */
export function parseLogLevel(s: string): LogLevel {
  switch (s.toLowerCase()) {
    case 'trace':
    case 'debug':
      return 'debug';
    case 'info':
      return 'info';
    case 'warn':
    case 'warning':
      return 'warn';
    case 'error':
    case 'fatal':
    case 'panic':
      return 'error';
    default:
      throw new LogLevelError(`not a valid level: "${s}" (use debug, info, warn or error)`);
  }
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; default: process.stderr (logrus' default output, as confd). */
  write?: (line: string) => void;
  now?: () => Date;
  hostname?: string;
  pid?: number;
  /** Program name in text lines; confd uses its argv[0]. */
  tag?: string;
}

/** Go's time.RFC3339 in local time: "2006-01-02T15:04:05Z07:00" ("Z" for UTC). */
export function formatRFC3339(d: Date): string {
  const off = -d.getTimezoneOffset();
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())}T${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
  if (off === 0) return `${date}Z`;
  const a = Math.abs(off);
  return `${date}${off > 0 ? '+' : '-'}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}

export function createLogger(o: LoggerOptions = {}): Logger {
  const min = RANK[o.level ?? 'info'];
  const format = o.format ?? 'text';
  const write = o.write ?? ((line: string) => void process.stderr.write(line));
  const now = o.now ?? (() => new Date());
  const host = o.hostname ?? osHostname();
  const pid = o.pid ?? process.pid;
  const tag = o.tag ?? 'confd';

  const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[level] < min) return;
    const t = now();
    // Every line goes through here: credentials in node URLs are redacted whatever message carries them, and in
    // text lines control characters are escaped, so no key, value or command output can forge a line.
    if (format === 'json') {
      const entry: Record<string, unknown> = { time: t.toISOString(), level, msg: redactUrls(msg), host, pid };
      if (fields) for (const [k, v] of Object.entries(fields)) if (!(k in entry)) entry[k] = typeof v === 'string' ? redactUrls(v) : v;
      write(`${JSON.stringify(entry, jsonReplacer)}\n`);
    } else {
      write(`${formatRFC3339(t)} ${host} ${tag}[${pid}]: ${TEXT_NAME[level]} ${escapeControls(redactUrls(msg))}\n`);
    }
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    enabled: (level) => RANK[level] >= min,
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: redactUrls(value.message) };
  return value;
}

/** A logger that drops everything (tests, library callers that do not care). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  enabled: () => false,
};

/**
 * The program name the Go confd puts in every line: its os.Args[0], the command as it was started ("confd",
 * "/usr/local/bin/confd", "./bin/confd"). Node resolves the script path in process.argv[1]; the spelling the
 * process was started with is in /proc/self/cmdline (for a command found through PATH the kernel passes the full
 * path there, as it does to Go when a service manager starts it by path). Elsewhere: "confd".
 */
export function programName(): string {
  const script = process.argv[1];
  if (script === undefined) return 'confd';
  try {
    for (const arg of readFileSync('/proc/self/cmdline', 'utf8').split('\0')) if (arg !== '' && resolve(arg) === script) return arg;
  } catch {
    // not Linux
  }
  return 'confd';
}
