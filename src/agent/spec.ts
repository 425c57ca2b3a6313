// What one agent registers: services (domain, host, ip, port, extra fields), where their keys go (the key
// layout), and how their health is judged. Built from flags (one service) or from a TOML file (many), validated
// once, then read-only.

import { parseDuration } from '../config/duration.js';
import { ConfigError, keyLine, parseToml, tomlTypeName, where as at } from '../config/toml.js';
import { checkAddress, checkDomain, checkFieldName, checkHost, checkKey, checkPort, checkValue, RegistrationError } from './validate.js';

/** The seed's layout: /nginx/<domain>/<host>/{ip,port}. */
export const DEFAULT_KEY_LAYOUT = '/nginx/{domain}/{host}';
export const DEFAULT_DRAIN_FIELD = 'drain';

export type CheckKind = 'http' | 'tcp' | 'exec';

export interface CheckSpec {
  readonly kind: CheckKind;
  /** URL (http), host:port (tcp) or a shell command (exec). */
  readonly target: string;
}

export interface HealthSpec {
  /** All must pass for a check round to pass; none: always healthy (liveness through the lease alone). */
  readonly checks: readonly CheckSpec[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  /** Consecutive passing rounds that bring a withdrawn service back. */
  readonly rise: number;
  /** Consecutive failing rounds that withdraw a registered service. */
  readonly fall: number;
  /** HTTP statuses counted as passing (inclusive). */
  readonly httpStatus: { readonly min: number; readonly max: number };
}

export interface ServiceSpec {
  /** "<domain>/<host>", for logs. */
  readonly id: string;
  readonly domain: string;
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  /** The instance's key directory (the layout rendered): fields are `<dir>/<name>`. */
  readonly dir: string;
  /** Keys and values of one registration, in write order (ip last: see registry/etcdv2.ts). */
  readonly fields: ReadonlyArray<readonly [key: string, value: string]>;
  /** The drain marker's key (`<dir>/drain`). */
  readonly drainKey: string;
  readonly health: HealthSpec;
}

/** What a service is built from (flags, or one [[service]] table), before validation. */
export interface ServiceInput {
  readonly domain?: string;
  readonly host?: string;
  readonly ip?: string;
  readonly port?: number | string;
  /** Extra fields written beside ip and port (e.g. weight = "10"). */
  readonly fields?: Readonly<Record<string, string>>;
  readonly checkHttp?: string;
  readonly checkTcp?: string;
  readonly checkExec?: string;
  readonly checkInterval?: string;
  readonly checkTimeout?: string;
  readonly checkHttpStatus?: string;
  readonly rise?: number;
  readonly fall?: number;
}

export interface ServiceDefaults {
  readonly keyLayout: string;
  readonly drainField: string;
  /** Check settings a service does not set itself. */
  readonly checkInterval: string;
  readonly checkTimeout: string;
  readonly checkHttpStatus: string;
  readonly rise: number;
  readonly fall: number;
}

const PLACEHOLDER = /\{([a-z]+)\}/g;
const LAYOUT_NAMES = new Set(['domain', 'host', 'ip', 'port']);

/** Checks a key layout ("/nginx/{domain}/{host}"): absolute, known placeholders, {host} present. */
export function checkLayout(layout: string): string {
  for (const m of layout.matchAll(PLACEHOLDER)) {
    if (!LAYOUT_NAMES.has(m[1] ?? '')) throw new RegistrationError(`key layout ${JSON.stringify(layout)}: unknown placeholder {${m[1]}} (use {domain}, {host}, {ip}, {port})`);
  }
  // Two instances must never share a directory: the layout has to name the instance.
  if (!layout.includes('{host}')) throw new RegistrationError(`key layout ${JSON.stringify(layout)} must contain {host}`);
  checkKey(layout.replace(PLACEHOLDER, 'x'), 'key layout');
  return layout;
}

export function renderLayout(layout: string, v: { domain: string; host: string; ip: string; port: number }): string {
  return layout.replace(PLACEHOLDER, (_, n: string) => (n === 'port' ? String(v.port) : v[n as 'domain' | 'host' | 'ip']));
}

/** "200-399" or "200" -> inclusive range. */
export function parseStatusRange(s: string): { min: number; max: number } {
  const m = /^([1-5][0-9][0-9])(?:-([1-5][0-9][0-9]))?$/.exec(s.trim());
  if (!m) throw new RegistrationError(`check-http-status ${JSON.stringify(s)} is not a status or a range such as 200-399`);
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (max < min) throw new RegistrationError(`check-http-status ${JSON.stringify(s)}: the range is empty`);
  return { min, max };
}

function positiveMs(s: string, what: string, where: string): number {
  let ms: number;
  try {
    ms = parseDuration(s);
  } catch (e) {
    throw new RegistrationError(`${where}: ${what}: ${(e as Error).message}`);
  }
  if (!(ms > 0)) throw new RegistrationError(`${where}: ${what} must be positive, got ${JSON.stringify(s)}`);
  return ms;
}

function count(n: number, what: string, where: string): number {
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new RegistrationError(`${where}: ${what} must be a whole number from 1 to 100, got ${n}`);
  return n;
}

/** Validates one service; `where` names its origin in errors ("flags", "services.toml:12"). */
export function buildService(input: ServiceInput, d: ServiceDefaults, where: string): ServiceSpec {
  const need = (v: string | undefined, what: string): string => {
    if (v === undefined || v === '') throw new RegistrationError(`${where}: ${what} is required`);
    return v;
  };
  const domain = checkDomain(need(input.domain, 'domain'), where);
  const host = checkHost(need(input.host, 'host'), where);
  const ip = checkAddress(need(input.ip, 'ip'), where);
  if (input.port === undefined || input.port === '') throw new RegistrationError(`${where}: port is required`);
  const port = checkPort(input.port, where);
  const dir = checkKey(renderLayout(checkLayout(d.keyLayout), { domain, host, ip, port }), where);
  const drainField = checkFieldName(d.drainField, where);
  const fields: Array<readonly [string, string]> = [];
  for (const [name, value] of Object.entries(input.fields ?? {})) {
    checkFieldName(name, where);
    if (name === 'ip' || name === 'port' || name === drainField) throw new RegistrationError(`${where}: field ${JSON.stringify(name)} is reserved`);
    fields.push([`${dir}/${name}`, checkValue(value, `${where} field ${name}`)]);
  }
  fields.push([`${dir}/port`, String(port)], [`${dir}/ip`, ip]);

  const checks: CheckSpec[] = [];
  if (input.checkHttp) {
    let url: URL;
    try {
      url = new URL(input.checkHttp);
    } catch {
      throw new RegistrationError(`${where}: check-http ${JSON.stringify(input.checkHttp)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RegistrationError(`${where}: check-http ${JSON.stringify(input.checkHttp)} must be an http:// or https:// URL`);
    checks.push({ kind: 'http', target: input.checkHttp });
  }
  if (input.checkTcp) {
    const m = /^(\[[^\]]+\]|[^:]+):([0-9]+)$/.exec(input.checkTcp);
    if (!m) throw new RegistrationError(`${where}: check-tcp ${JSON.stringify(input.checkTcp)} must be HOST:PORT`);
    checkPort(m[2] ?? '', `${where} check-tcp`);
    checks.push({ kind: 'tcp', target: input.checkTcp });
  }
  if (input.checkExec) checks.push({ kind: 'exec', target: checkValue(input.checkExec, `${where} check-exec`) });
  const intervalMs = positiveMs(input.checkInterval ?? d.checkInterval, 'check-interval', where);
  const timeoutMs = positiveMs(input.checkTimeout ?? d.checkTimeout, 'check-timeout', where);
  return {
    id: `${domain}/${host}`,
    domain,
    host,
    ip,
    port,
    dir,
    fields,
    drainKey: `${dir}/${drainField}`,
    health: {
      checks,
      intervalMs,
      timeoutMs,
      rise: count(input.rise ?? d.rise, 'rise', where),
      fall: count(input.fall ?? d.fall, 'fall', where),
      httpStatus: parseStatusRange(input.checkHttpStatus ?? d.checkHttpStatus),
    },
  };
}

/** Refuses two services with the same key directory (they would overwrite each other). */
export function checkDistinct(services: readonly ServiceSpec[]): void {
  const seen = new Map<string, string>();
  for (const s of services) {
    const prev = seen.get(s.dir);
    if (prev !== undefined) throw new RegistrationError(`services ${prev} and ${s.id} would both register under ${s.dir}`, 'EDUPLICATE');
    seen.set(s.dir, s.id);
  }
}

/** TOML keys of a [[service]] table -> ServiceInput property (both "check-http" and "check_http" spellings). */
const SERVICE_KEYS: Readonly<Record<string, keyof ServiceInput>> = {
  domain: 'domain',
  host: 'host',
  ip: 'ip',
  port: 'port',
  fields: 'fields',
  checkhttp: 'checkHttp',
  checktcp: 'checkTcp',
  checkexec: 'checkExec',
  checkinterval: 'checkInterval',
  checktimeout: 'checkTimeout',
  checkhttpstatus: 'checkHttpStatus',
  rise: 'rise',
  fall: 'fall',
};

/**
 * Services from a TOML file of `[[service]]` tables:
 *
 *     [[service]]
 *     domain = "a.b.com"
 *     host = "server1"
 *     ip = "10.0.0.5"
 *     port = 8080
 *     check-http = "http://10.0.0.5:8080/health"
 *     fields = { weight = "10" }
 *
 * Errors name the file and the line of the offending table.
 */
export function loadServicesFile(file: string, text: string, d: ServiceDefaults): ServiceSpec[] {
  const doc = parseToml(file, text);
  for (const key of Object.keys(doc)) {
    if (key !== 'service') throw new ConfigError(`${at(file, keyLine(text, key))}unknown key "${key}" (only [[service]] tables)`, 'ECONFIGKEY');
  }
  const tables = doc['service'];
  if (!Array.isArray(tables) || tables.length === 0) throw new ConfigError(`${file}: no [[service]] table`, 'ECONFIGVALUE');
  // Line of each [[service]] header, for messages.
  const headers = text.split('\n').flatMap((l, i) => (/^\s*\[\[\s*service\s*\]\]/.test(l) ? [i + 1] : []));
  const services = tables.map((t: unknown, i: number) => {
    const where = `${file}:${headers[i] ?? '?'}`;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new ConfigError(`${where}: service must be a table`, 'ECONFIGTYPE');
    const input: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(t as Record<string, unknown>)) {
      const prop = SERVICE_KEYS[k.toLowerCase().replace(/[-_]/g, '')];
      if (prop === undefined) throw new ConfigError(`${where}: unknown key "${k}" in [[service]]`, 'ECONFIGKEY');
      const want = prop === 'port' ? ['string', 'integer'] : prop === 'rise' || prop === 'fall' ? ['integer'] : prop === 'fields' ? ['table'] : ['string'];
      const got = tomlTypeName(v);
      if (!want.includes(got)) throw new ConfigError(`${where}: key "${k}": expected ${want.join(' or ')}, got ${got}`, 'ECONFIGTYPE');
      if (prop === 'fields') {
        for (const [fk, fv] of Object.entries(v as Record<string, unknown>)) {
          if (typeof fv !== 'string') throw new ConfigError(`${where}: fields.${fk}: expected string, got ${tomlTypeName(fv)}`, 'ECONFIGTYPE');
        }
      }
      input[prop] = typeof v === 'bigint' ? Number(v) : v;
    }
    try {
      return buildService(input as ServiceInput, d, where);
    } catch (e) {
      if (e instanceof RegistrationError) throw new ConfigError(e.message, e.code);
      throw e;
    }
  });
  checkDistinct(services);
  return services;
}
