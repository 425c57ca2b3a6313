// The bench's service registry in the seed's layout, /nginx/<domain>/<host>/{ip,port}, and an independent
// renderer of the seed template for it (the oracle the bench compares the daemon's output against).
//
// The oracle is plain string building, not our template engine, so a bug in the engine shows up as a
// mismatch instead of being measured as correct. It models only the seed template over the seed layout.

import { SEED_TEMPLATE } from './seed.js';

export const PREFIX = '/nginx';
/** Hosts per domain: the registries are N domains × 10 servers. */
export const HOSTS_PER_DOMAIN = 10;
/** Keys per host: ip and port. */
const KEYS_PER_HOST = 2;

export interface HostRef {
  readonly domain: string;
  readonly host: string;
  /** Unique per host, so "ip:port " in the output identifies exactly one server line. */
  readonly ip: string;
}

/** Domain and host names zero-padded so that Go's sorted lsdir order is also numeric order. */
export function domainName(d: number): string {
  return `d${String(d).padStart(5, '0')}.bench.test`;
}

export function hostName(h: number): string {
  return `s${String(h + 1).padStart(2, '0')}`;
}

export function hostIp(d: number, h: number): string {
  return `10.${(d >> 8) & 255}.${d & 255}.${h + 1}`;
}

export function ipKey(domain: string, host: string): string {
  return `${PREFIX}/${domain}/${host}/ip`;
}

export function portKey(domain: string, host: string): string {
  return `${PREFIX}/${domain}/${host}/port`;
}

/** How many domains a registry of `keys` keys has; `keys` must be a multiple of 20. */
export function domainsFor(keys: number): number {
  const perDomain = HOSTS_PER_DOMAIN * KEYS_PER_HOST;
  if (!Number.isInteger(keys) || keys <= 0 || keys % perDomain !== 0) {
    throw new Error(`registry size ${keys} is not a positive multiple of ${perDomain} (domains × ${HOSTS_PER_DOMAIN} hosts × ip,port)`);
  }
  return keys / perDomain;
}

/** The registry of `keys` keys: every key and value, in sorted key order, plus the host list. */
export function buildRegistry(keys: number): { values: Map<string, string>; hosts: HostRef[] } {
  const domains = domainsFor(keys);
  const values = new Map<string, string>();
  const hosts: HostRef[] = [];
  for (let d = 0; d < domains; d++) {
    const domain = domainName(d);
    for (let h = 0; h < HOSTS_PER_DOMAIN; h++) {
      const host = hostName(h);
      const ip = hostIp(d, h);
      values.set(ipKey(domain, host), ip);
      values.set(portKey(domain, host), String(10000 + h));
      hosts.push({ domain, host, ip });
    }
  }
  return { values, hosts };
}

/** Go's sort.Strings order (bytewise; the same as UTF-16 order for the ASCII names used here). */
function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * What the Go confd renders from the seed template for `values`. Follows memkv's lsdir (sorted names of
 * sub-directories that have keys below them) and getv (error on a missing key) over the seed layout.
 */
export function renderSeed(values: ReadonlyMap<string, string>): string {
  const tree = new Map<string, Set<string>>();
  const base = `${PREFIX}/`;
  for (const key of values.keys()) {
    if (!key.startsWith(base)) continue;
    const parts = key.slice(base.length).split('/');
    // lsdir "/nginx" lists a domain only if some key lies below /nginx/<domain>/…; lsdir "/nginx/<domain>"
    // lists a host only if some key lies below /nginx/<domain>/<host>/….
    if (parts.length < 2) continue;
    const domain = parts[0] as string;
    let hostSet = tree.get(domain);
    if (hostSet === undefined) tree.set(domain, (hostSet = new Set()));
    if (parts.length >= 3) hostSet.add(parts[1] as string);
  }
  const domains = [...tree.keys()].sort(byteOrder);
  const cut = SEED_TEMPLATE.indexOf('{{$domains');
  const parts: string[] = [SEED_TEMPLATE.slice(0, cut), '\n'];
  for (const d of domains) parts.push(`\nacl is_${d} hdr(host) -i ${d}\n`);
  parts.push('\n\n');
  for (const d of domains) parts.push(`\nuse_backend ${d}_cluster if is_${d}\n`);
  parts.push('\n\n');
  for (const d of domains) {
    parts.push(`\nbackend ${d}_cluster\ncookie SERVERID insert indirect nocache\n`);
    const hostList = [...(tree.get(d) ?? [])].sort(byteOrder);
    for (const h of hostList) {
      const ip = mustGet(values, ipKey(d, h));
      const port = mustGet(values, portKey(d, h));
      // {{base $host}}: the host is a single path element, so base is the name itself.
      parts.push(`\nserver ${h} ${ip}:${port} cookie ${h} check\n`);
    }
    parts.push('\n');
  }
  parts.push('\n');
  return parts.join('');
}

function mustGet(values: ReadonlyMap<string, string>, key: string): string {
  const v = values.get(key);
  if (v === undefined) throw new Error(`key does not exist: ${key}`);
  return v;
}

/** The text the rendered file holds for a host once its port is `port`. */
export function serverNeedle(host: HostRef, port: string): string {
  return `\nserver ${host.host} ${host.ip}:${port} cookie `;
}

/** The file backend's YAML for `values`: one flat `"key": "value"` mapping (the seed's keys.yaml format). */
export function toYaml(values: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  for (const [k, v] of values) lines.push(`${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return lines.join('\n') + '\n';
}

export { prng } from '../../test/support/prng.js';
