// confd-register's flags and their resolution into one read-only configuration. The etcd flags are confd's own
// definitions (same names, usage and defaults: -node, -srv-domain, TLS, -basic-auth ...), so both commands take
// the same connection settings; the agent's flags follow in the same Go flag syntax.

import { readFileSync } from 'node:fs';
import type { BackendOptions } from '../backends/types.js';
import { parseDuration } from '../config/duration.js';
import { FLAG_BY_NAME, type FlagDef } from '../config/flags.js';
import { ConfigError } from '../config/toml.js';
import { parseLogLevel, type LogFormat, type LogLevel } from '../log/index.js';
import type { FlagValue, ParsedArgs } from '../config/args.js';
import { buildService, checkDistinct, DEFAULT_DRAIN_FIELD, DEFAULT_KEY_LAYOUT, loadServicesFile, type ServiceDefaults, type ServiceSpec } from './spec.js';
import { RegistrationError } from './validate.js';

/** confd's connection flags, taken over as they are (without confd.toml keys or CONFD_* variables). */
const SHARED = ['node', 'srv-domain', 'srv-record', 'scheme', 'client-cert', 'client-key', 'client-ca-keys', 'client-insecure', 'basic-auth', 'username', 'password', 'log-level', 'log-format', 'request-timeout'];

function flag(name: string, kind: FlagDef['kind'], def: FlagDef['def'], usage: string): FlagDef {
  return { name, kind, def, usage, env: [] };
}

export const REGISTER_FLAGS: readonly FlagDef[] = [
  ...SHARED.map((n) => {
    const f = FLAG_BY_NAME.get(n);
    if (f === undefined) throw new Error(`confd has no flag -${n}`); // SHARED lists confd's own flag names
    // A registration stuck on a member that does not answer must give way to the next one well within a TTL.
    if (n === 'request-timeout') return { name: f.name, kind: f.kind, def: '5s', usage: 'time limit for one request to etcd (a registration, a withdrawal)', env: [] };
    return { name: f.name, kind: f.kind, def: f.def, usage: f.usage, env: [] };
  }),
  flag('backend', 'string', 'etcdv3', 'registry to write to: etcdv3 (also "etcd") or etcdv2'),
  flag('config-file', 'string', '', 'TOML file of [[service]] tables to register (instead of -domain/-host/-ip/-port)'),
  flag('domain', 'string', '', 'domain the service is routed by (the Host header), e.g. a.b.com'),
  flag('host', 'string', '', 'name of this instance, e.g. server1 (a key segment and haproxy\'s server name)'),
  flag('ip', 'string', '', 'address the service listens on (IPv4, IPv6 or a DNS name)'),
  flag('port', 'string', '', 'port the service listens on'),
  flag('field', 'list', [], 'extra field NAME=VALUE written beside ip and port; repeat for more'),
  flag('key-layout', 'string', DEFAULT_KEY_LAYOUT, 'key directory of one instance; placeholders {domain} {host} {ip} {port}; fields are written below it'),
  flag('ttl', 'duration', '10s', 'lifetime of the registration without the agent (lease TTL for etcdv3, key TTL for etcdv2); whole seconds'),
  flag('check-http', 'string', '', 'health check: GET this URL, passing on -check-http-status'),
  flag('check-http-status', 'string', '200-399', 'HTTP statuses a -check-http passes on (a status or a range)'),
  flag('check-tcp', 'string', '', 'health check: connect to HOST:PORT'),
  flag('check-exec', 'string', '', 'health check: run this shell command, passing on exit status 0'),
  flag('check-interval', 'duration', '2s', 'time between health checks (also the retry interval of a failed registration)'),
  flag('check-timeout', 'duration', '1s', 'time limit of one health check'),
  flag('rise', 'int', 2, 'consecutive passing checks that register a withdrawn service again'),
  flag('fall', 'int', 3, 'consecutive failing checks that withdraw a registered service'),
  flag('drain-grace', 'duration', '10s', 'on SIGTERM/SIGINT, how long the drain marker stands before the registration is withdrawn'),
  flag('drain-key', 'string', DEFAULT_DRAIN_FIELD, 'name of the drain marker field, written "1" below the instance\'s directory while draining'),
  flag('stop-timeout', 'duration', '30s', 'with -- CMD: after the drain, how long CMD has to exit after the signal before it is killed'),
  flag('version', 'bool', false, 'print version and exit'),
];

export const REGISTER_FLAG_BY_NAME: ReadonlyMap<string, FlagDef> = new Map(REGISTER_FLAGS.map((f) => [f.name, f]));

export interface RegisterConfig {
  readonly backend: 'etcdv3' | 'etcdv2';
  readonly backendOptions: BackendOptions;
  readonly services: readonly ServiceSpec[];
  readonly ttlMs: number;
  readonly drainGraceMs: number;
  readonly stopTimeoutMs: number;
  /** `-- CMD ARGS`, or empty. */
  readonly command: readonly string[];
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
}

/** Resolves parsed flags; throws ConfigError (configuration) or RegistrationError (a value that may not be written). */
export function resolveRegisterConfig(args: ParsedArgs, o: { readFile?: (path: string) => string } = {}): RegisterConfig {
  const get = (n: string): FlagValue => {
    const v = args.values.get(n);
    if (v !== undefined) return v;
    const flag = REGISTER_FLAG_BY_NAME.get(n);
    if (flag === undefined) throw new Error(`confd-register has no flag -${n}`); // a programming error, not input
    return flag.def;
  };
  const str = (n: string): string => get(n) as string;
  const ms = (n: string, min: number): number => {
    const v = parseDuration(str(n));
    if (!(v >= min)) throw new ConfigError(`-${n} must be at least ${min} ms, got ${JSON.stringify(str(n))}`, 'ECONFIGVALUE');
    return v;
  };
  let backend = str('backend');
  if (backend === 'etcd') backend = 'etcdv3';
  if (backend !== 'etcdv3' && backend !== 'etcdv2') throw new ConfigError(`-backend ${backend} is not supported by confd-register (etcdv3, etcd, etcdv2)`, 'ENOTSUPPORTED');
  let logLevel: LogLevel = 'info';
  if (str('log-level') !== '') logLevel = parseLogLevel(str('log-level'));
  const logFormat = str('log-format') as LogFormat;
  if (logFormat !== 'text' && logFormat !== 'json') throw new ConfigError(`-log-format ${JSON.stringify(logFormat)} is not one of text, json`, 'ECONFIGVALUE');
  const ttlMs = ms('ttl', 1000);
  if (ttlMs % 1000 !== 0) throw new ConfigError(`-ttl ${str('ttl')}: etcd counts TTLs in whole seconds`, 'ECONFIGVALUE');

  const defaults: ServiceDefaults = {
    keyLayout: str('key-layout'),
    drainField: str('drain-key'),
    checkInterval: str('check-interval'),
    checkTimeout: str('check-timeout'),
    checkHttpStatus: str('check-http-status'),
    rise: get('rise') as number,
    fall: get('fall') as number,
  };
  const serviceFlags = ['domain', 'host', 'ip', 'port', 'field', 'check-http', 'check-tcp', 'check-exec'].filter((n) => args.values.has(n));
  let services: ServiceSpec[];
  const file = str('config-file');
  if (file !== '') {
    if (serviceFlags.length > 0) throw new ConfigError(`-config-file ${file} lists the services; -${serviceFlags[0]} cannot be given with it`, 'ECONFIGVALUE');
    let text: string;
    try {
      text = (o.readFile ?? ((p: string) => readFileSync(p, 'utf8')))(file);
    } catch (e) {
      throw new ConfigError(`cannot read -config-file ${file}: ${(e as Error).message}`, 'ECONFIGREAD');
    }
    services = loadServicesFile(file, text, defaults);
  } else {
    const fields: Record<string, string> = {};
    for (const kv of get('field') as readonly string[]) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new ConfigError(`-field ${JSON.stringify(kv)} must be NAME=VALUE`, 'ECONFIGVALUE');
      fields[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    const opt = (n: string): string | undefined => (str(n) === '' ? undefined : str(n));
    services = [
      buildService(
        {
          domain: str('domain'),
          host: str('host'),
          ip: str('ip'),
          port: str('port'),
          fields,
          ...(opt('check-http') ? { checkHttp: opt('check-http') } : {}),
          ...(opt('check-tcp') ? { checkTcp: opt('check-tcp') } : {}),
          ...(opt('check-exec') ? { checkExec: opt('check-exec') } : {}),
        },
        defaults,
        'flags',
      ),
    ];
    checkDistinct(services);
  }
  for (const s of services) {
    // A lease that outlives several rounds of failing checks would keep a dead server routed needlessly long.
    if (s.health.checks.length > 0 && s.health.intervalMs > ttlMs) {
      throw new RegistrationError(`${s.id}: -check-interval (${s.health.intervalMs} ms) is longer than -ttl (${ttlMs} ms)`, 'ECONFIGVALUE');
    }
  }
  const password = str('password');
  return {
    backend,
    backendOptions: {
      nodes: get('node') as readonly string[],
      scheme: str('scheme'),
      srvDomain: str('srv-domain'),
      srvRecord: str('srv-record'),
      clientCert: str('client-cert'),
      clientKey: str('client-key'),
      clientCaKeys: str('client-ca-keys'),
      clientInsecure: get('client-insecure') as boolean,
      basicAuth: get('basic-auth') as boolean,
      username: str('username'),
      password,
      files: [],
      filter: '*',
      separator: '/',
      requestTimeoutMs: ms('request-timeout', 1),
    },
    services,
    ttlMs,
    drainGraceMs: ms('drain-grace', 0),
    stopTimeoutMs: ms('stop-timeout', 0),
    command: args.rest ?? [],
    logLevel,
    logFormat,
  };
}
