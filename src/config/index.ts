// Flags + CONFD_* environment + confd.toml -> one resolved, frozen configuration.
//
// Precedence: command-line flag > environment variable > confd.toml > default. (confd's docs promise this; its
// code decodes the file over the parsed flags, so the file wins there: a known complaint.)

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLogLevel, type LogFormat, type LogLevel } from '../log/index.js';
import { convertText, parseArgs, parseGoInt, type FlagValue, type ParsedArgs } from './args.js';
import { parseListenAddress } from './address.js';
import { parseDuration } from './duration.js';
import { backendNameProblem } from '../backends/names.js';
import { FLAGS, FLAG_BY_NAME, type FlagDef } from './flags.js';
import { ConfigError, keyLine, parseToml, tomlTypeName, where } from './toml.js';

export { ConfigError } from './toml.js';
export { UsageError, parseArgs, usageText } from './args.js';
export type { ParsedArgs } from './args.js';
export { FLAGS } from './flags.js';

export type Source = 'flag' | 'env' | 'file' | 'default';

/** Watch-mode quiescence (consul-template's `wait`): render after `minMs` of calm, at most `maxMs` after the first change. */
export interface WaitSpec {
  readonly minMs: number;
  readonly maxMs: number;
}

export interface ConfdConfig {
  readonly backend: string;
  readonly nodes: readonly string[];
  readonly confdir: string;
  /** confdir/conf.d */
  readonly configDir: string;
  /** confdir/templates */
  readonly templateDir: string;
  readonly configFile: string;
  /** Whether configFile existed and was read. */
  readonly configFileLoaded: boolean;
  readonly onetime: boolean;
  readonly watch: boolean;
  readonly intervalSeconds: number;
  readonly noop: boolean;
  readonly syncOnly: boolean;
  readonly keepStageFile: boolean;
  readonly prefix: string;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  readonly files: readonly string[];
  readonly filter: string;
  readonly separator: string;
  readonly scheme: string;
  readonly srvDomain: string;
  readonly srvRecord: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly clientCaKeys: string;
  readonly clientInsecure: boolean;
  readonly basicAuth: boolean;
  readonly username: string;
  readonly password: string;
  readonly table: string;
  readonly commandTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly wait: WaitSpec | undefined;
  /** HOST:PORT of the metrics/status endpoint, '' = off. */
  readonly metricsAddr: string;
  /** -check-config, -render-test (with -expect): checks that run instead of the daemon. */
  readonly checkConfig: boolean;
  readonly renderTest: boolean;
  readonly expect: string;
  readonly runCheck: boolean;
  /** confd-ts state (guard generations and state), -state-dir. */
  readonly stateDir: string;
  /** -release NAME: ask the running daemon to release a held change, then exit. */
  readonly release: string;
  /** Where each setting came from (for -log-level debug and tests). */
  readonly sources: Readonly<Record<string, Source>>;
}

export interface ResolveInput {
  /** Parsed command line, or raw argv. */
  readonly args: ParsedArgs | readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file, undefined when it does not exist (tests inject; default: the real file system). */
  readonly readFile?: (path: string) => string | undefined;
}

export interface Resolved {
  readonly config: ConfdConfig;
  /** Non-fatal problems (unknown keys, flags that do not apply to the backend), for the logger. */
  readonly warnings: readonly string[];
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read config file ${path}: ${(e as Error).message}`, 'ECONFIGREAD', { cause: e });
  }
}

function normKey(k: string): string {
  return k.toLowerCase().replace(/[-_]/g, '');
}

/** confd.toml key (normalised: case, '-' and '_' ignored, as confd's TOML decoder is lenient too) -> flag. */
const TOML_KEYS: ReadonlyMap<string, FlagDef> = (() => {
  const m = new Map<string, FlagDef>();
  for (const f of FLAGS) {
    if (!f.toml) continue;
    for (const k of [...f.toml, f.name]) m.set(normKey(k), f);
  }
  for (const [alias, flag] of [['nodes', 'node'], ['node', 'node'], ['files', 'file']] as const) {
    const f = FLAG_BY_NAME.get(flag);
    if (f) m.set(alias, f);
  }
  return m;
})();

interface Setting {
  readonly value: FlagValue;
  readonly origin: string;
}

/** Converts a confd.toml value for flag `f`, or throws with file, line and key. */
function fromToml(f: FlagDef, key: string, v: unknown, file: string, text: string): FlagValue {
  const fail = (expected: string): never => {
    throw new ConfigError(
      `${where(file, keyLine(text, key))}key "${key}": expected ${expected}, got ${tomlTypeName(v)}${typeof v === 'string' ? ` ${JSON.stringify(v)}` : ''}`,
      'ECONFIGTYPE',
    );
  };
  switch (f.kind) {
    case 'string':
      if (f.name === 'wait' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
        const t = v as Record<string, unknown>;
        const unknown = Object.keys(t).filter((k) => k !== 'min' && k !== 'max');
        if (unknown.length) fail('a table with min and max');
        const min = t['min'];
        const max = t['max'];
        if (typeof min !== 'string' && typeof min !== 'number') fail('a table with min (a duration)');
        if (max !== undefined && typeof max !== 'string' && typeof max !== 'number') fail('max to be a duration');
        return max === undefined ? String(min) : `${String(min)}:${String(max)}`;
      }
      if (typeof v !== 'string') fail('a string');
      return v as string;
    case 'bool':
      if (typeof v !== 'boolean') fail('a boolean (true or false)');
      return v as boolean;
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) fail('an integer');
      return v as number;
    case 'duration':
      if (typeof v === 'number' && v >= 0) return String(v);
      if (typeof v !== 'string') fail('a duration such as "30s"');
      try {
        parseDuration(v as string);
      } catch (e) {
        throw new ConfigError(`${where(file, keyLine(text, key))}key "${key}": ${(e as Error).message}`, 'ECONFIGTYPE');
      }
      return v as string;
    case 'list':
      if (typeof v === 'string') return [v];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail('an array of strings');
      return v as string[];
  }
}

function loadConfigFile(file: string, text: string, warnings: string[]): Map<string, Setting> {
  const table = parseToml(file, text);
  const out = new Map<string, Setting>();
  const seen = new Map<string, string>();
  for (const [key, v] of Object.entries(table)) {
    const f = TOML_KEYS.get(normKey(key));
    if (!f) {
      warnings.push(`${where(file, keyLine(text, key))}unknown key "${key}" ignored`);
      continue;
    }
    const prev = seen.get(f.name);
    if (prev !== undefined) {
      throw new ConfigError(`${where(file, keyLine(text, key))}key "${key}": "${prev}" already sets ${f.name}`, 'ECONFIGDUP');
    }
    seen.set(f.name, key);
    out.set(f.name, { value: fromToml(f, key, v, file, text), origin: `${file} key "${key}"` });
  }
  return out;
}

function loadEnv(env: ResolveInput['env']): Map<string, Setting> {
  const out = new Map<string, Setting>();
  for (const f of FLAGS) {
    if (f.name === 'version') continue;
    for (const name of f.env) {
      const raw = env[name];
      if (raw === undefined || raw === '') continue;
      let v: FlagValue;
      if (f.kind === 'list') {
        v = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
      } else {
        try {
          v = convertText(f, raw);
        } catch (e) {
          throw new ConfigError(`invalid value ${JSON.stringify(raw)} for environment variable ${name}: ${(e as Error).message}`, 'ECONFIGENV');
        }
      }
      out.set(f.name, { value: v, origin: `environment variable ${name}` });
      break;
    }
  }
  return out;
}

function defaultNodes(backend: string, env: ResolveInput['env']): string[] {
  switch (backend) {
    case 'etcd':
    case 'etcdv2':
    case 'etcdv3': {
      const peers = env['ETCDCTL_PEERS'];
      if (peers) return peers.split(',').filter((s) => s !== '');
      return ['http://127.0.0.1:2379'];
    }
    case 'redis':
      return ['127.0.0.1:6379'];
    default:
      return [];
  }
}

export function parseWait(s: string): WaitSpec {
  const [a, b, ...rest] = s.split(':');
  if (rest.length > 0 || a === undefined || a === '') throw new Error(`invalid wait ${JSON.stringify(s)}: use MIN or MIN:MAX, e.g. 2s:10s`);
  const minMs = parseDuration(a);
  const maxMs = b === undefined ? minMs * 4 : parseDuration(b);
  if (minMs <= 0) throw new Error(`invalid wait ${JSON.stringify(s)}: MIN must be positive`);
  if (maxMs < minMs) throw new Error(`invalid wait ${JSON.stringify(s)}: MAX must not be less than MIN`);
  return { minMs, maxMs };
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/**
 * -log-format as far as it is known when the configuration does not resolve: the flag, else its CONFD_*
 * variable (confd.toml may be what failed). The error is then logged in the format asked for: a JSON log
 * pipeline never receives a plain-text line, not even the first one.
 */
export function earlyLogFormat(args: ParsedArgs, env: ResolveInput['env']): LogFormat {
  let v = args.values.get('log-format');
  if (v === undefined) {
    for (const name of FLAG_BY_NAME.get('log-format')?.env ?? []) {
      if (env[name] !== undefined && env[name] !== '') {
        v = env[name];
        break;
      }
    }
  }
  return v === 'json' ? 'json' : 'text';
}

export function resolveConfig(input: ResolveInput): Resolved {
  const args = Array.isArray(input.args) ? parseArgs(input.args as readonly string[]) : (input.args as ParsedArgs);
  const readFile = input.readFile ?? readIfExists;
  const warnings: string[] = [];

  const flags = new Map<string, Setting>();
  for (const [k, v] of args.values) flags.set(k, { value: v, origin: `flag -${k}` });
  const envSettings = loadEnv(input.env);

  const cfArg = flags.get('config-file') ?? envSettings.get('config-file');
  const configFile = cfArg ? String(cfArg.value) : String(FLAG_BY_NAME.get('config-file')?.def);
  const text = readFile(configFile);
  if (text === undefined && cfArg) {
    throw new ConfigError(`config file ${configFile} does not exist (from ${cfArg.origin})`, 'ECONFIGMISSING');
  }
  const fileSettings = text === undefined ? new Map<string, Setting>() : loadConfigFile(configFile, text, warnings);

  const sources: Record<string, Source> = {};
  const origins = new Map<string, string>();
  const get = (name: string): FlagValue => {
    for (const [src, m] of [['flag', flags], ['env', envSettings], ['file', fileSettings]] as const) {
      const s = m.get(name);
      if (s !== undefined) {
        sources[name] = src;
        origins.set(name, s.origin);
        return s.value;
      }
    }
    sources[name] = 'default';
    const f = FLAG_BY_NAME.get(name);
    if (!f) throw new Error(`no flag named ${name}`); // a programming error: every name read here is in FLAGS
    return f.def;
  };
  const str = (n: string): string => get(n) as string;
  const bool = (n: string): boolean => get(n) as boolean;
  const list = (n: string): string[] => [...(get(n) as readonly string[])];
  const originOf = (n: string): string => origins.get(n) ?? 'the default';
  const bad = (n: string, msg: string, code = 'ECONFIGVALUE'): never => {
    throw new ConfigError(`${msg} (from ${originOf(n)})`, code);
  };

  const backend = str('backend');
  const backendProblem = backendNameProblem(backend);
  if (backendProblem) bad('backend', backendProblem.message, backendProblem.code);

  let logLevel: LogLevel = 'info';
  const ll = str('log-level');
  if (ll !== '') {
    try {
      logLevel = parseLogLevel(ll);
    } catch (e) {
      bad('log-level', (e as Error).message);
    }
  }
  const logFormat = str('log-format') as LogFormat;
  if (logFormat !== 'text' && logFormat !== 'json') bad('log-format', `log format ${JSON.stringify(logFormat)} is not one of text, json`);

  const interval = get('interval') as number;
  if (!Number.isInteger(interval) || interval < 1) bad('interval', `interval must be a positive number of seconds, got ${interval}`);

  const durationMs = (n: string): number => {
    const ms = parseDuration(String(get(n)));
    if (ms <= 0) bad(n, `${n} must be positive`);
    return ms;
  };
  const commandTimeoutMs = durationMs('command-timeout');
  const requestTimeoutMs = durationMs('request-timeout');

  let wait: WaitSpec | undefined;
  const w = str('wait');
  if (w !== '') {
    try {
      wait = parseWait(w);
    } catch (e) {
      bad('wait', (e as Error).message);
    }
  }

  if (str('secret-keyring') !== '') {
    bad('secret-keyring', 'secret-keyring is not supported: confd-ts has no crypt functions (cget, cgets, cgetv, cgetvs)', 'ENOTSUPPORTED');
  }

  const files = list('file');
  if (backend === 'file' && files.length === 0) {
    throw new ConfigError('backend file needs at least one -file (a YAML file or a directory of them)', 'ECONFIGVALUE');
  }

  // Flags that only mean something for another backend: confd ignores them silently; we say so.
  for (const f of FLAGS) {
    if (!f.backends) continue;
    get(f.name);
    if (sources[f.name] !== 'default' && !f.backends.includes(backend)) {
      warnings.push(`${originOf(f.name)} only applies to backend ${f.backends.join('/')}; ignored with backend ${backend}`);
    }
  }

  let nodes = list('node');
  if (nodes.length === 0) nodes = defaultNodes(backend, input.env);

  const srvDomain = str('srv-domain');
  let srvRecord = str('srv-record');
  if (srvDomain !== '' && srvRecord === '') srvRecord = `_${backend}._tcp.${srvDomain}.`;

  const scheme = str('scheme');
  if (scheme !== 'http' && scheme !== 'https') bad('scheme', `scheme must be http or https, got ${JSON.stringify(scheme)}`);

  const metricsAddr = str('metrics-addr');
  if (metricsAddr !== '') {
    try {
      parseListenAddress(metricsAddr);
    } catch (e) {
      bad('metrics-addr', (e as Error).message);
    }
  }

  const confdir = str('confdir');
  const config: ConfdConfig = {
    backend,
    nodes,
    confdir,
    configDir: join(confdir, 'conf.d'),
    templateDir: join(confdir, 'templates'),
    configFile,
    configFileLoaded: text !== undefined,
    onetime: bool('onetime'),
    watch: bool('watch'),
    intervalSeconds: interval,
    noop: bool('noop'),
    syncOnly: bool('sync-only'),
    keepStageFile: bool('keep-stage-file'),
    prefix: str('prefix'),
    logLevel,
    logFormat,
    files,
    filter: str('filter'),
    separator: str('separator'),
    scheme,
    srvDomain,
    srvRecord,
    clientCert: str('client-cert'),
    clientKey: str('client-key'),
    clientCaKeys: str('client-ca-keys'),
    clientInsecure: bool('client-insecure'),
    basicAuth: bool('basic-auth'),
    username: str('username'),
    password: str('password'),
    table: str('table'),
    commandTimeoutMs,
    requestTimeoutMs,
    wait,
    metricsAddr,
    checkConfig: bool('check-config'),
    renderTest: bool('render-test'),
    expect: str('expect'),
    runCheck: bool('run-check'),
    stateDir: str('state-dir'),
    release: str('release'),
    sources,
  };
  return { config: deepFreeze(config), warnings };
}

export { parseGoInt };
