// The `[template.haproxy]` table of a resource file: which haproxy the haproxy applier talks to, and how. The Go
// confd ignores the table (it does not know the key), so a resource file with it still works there, with
// reload_cmd.
//
//   [template.haproxy]
//   runtime_socket = "/run/haproxy/admin.sock"   # stats socket (level admin) of the worker: server changes
//   master_socket = "/run/haproxy-master.sock"   # master CLI: reloads and their outcome (else reload_cmd)
//   drain_timeout = "30s"                        # how long a removed server may keep connections
//   check = "reload"                             # check_cmd before reloads only (default), or "always"
//   reload_timeout = "10s"                       # how long a reload through the master CLI may take
//   kind = "config"                              # dest is haproxy.cfg (default), or "map": a map file the
//                                                # config loads (`map(DEST)`), changed with add/set/del map

import { parseDuration } from '../../config/duration.js';
import { ConfigError, keyLine, tomlTypeName, where } from '../../config/toml.js';

export interface HaproxyApplierSpec {
  readonly runtimeSocket: string;
  readonly masterSocket: string | undefined;
  readonly drainTimeoutMs: number;
  /** "reload": check_cmd runs before a reload (runtime changes are validated by haproxy itself); "always". */
  readonly check: 'reload' | 'always';
  readonly reloadTimeoutMs: number;
  /** "config": dest is an haproxy configuration; "map": dest is a map file it loads by that path. */
  readonly kind: 'config' | 'map';
}

const KEYS = ['runtime_socket', 'master_socket', 'drain_timeout', 'check', 'reload_timeout', 'kind'] as const;

/** Validates the table; errors name the file, line and key. */
export function parseHaproxyApplierSpec(file: string, text: string, value: unknown, warn: (m: string) => void): HaproxyApplierSpec {
  const table = 'template.haproxy';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where(file, keyLine(text, 'haproxy', 'template'))}"haproxy" must be a table ([template.haproxy])`, 'ERESOURCE');
  }
  const t = value as Record<string, unknown>;
  const at = (k: string): string => where(file, keyLine(text, k, table));
  for (const k of Object.keys(t)) {
    if (!(KEYS as readonly string[]).includes(k)) warn(`${at(k)}unknown key "${k}" in [template.haproxy] ignored`);
  }
  const str = (k: (typeof KEYS)[number]): string | undefined => {
    const v = t[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new ConfigError(`${at(k)}key "${k}": expected a non-empty string, got ${tomlTypeName(v)}`, 'ECONFIGTYPE');
    return v;
  };
  const duration = (k: (typeof KEYS)[number], dflt: number): number => {
    const v = str(k);
    if (v === undefined) return dflt;
    let ms: number;
    try {
      ms = parseDuration(v);
    } catch (e) {
      throw new ConfigError(`${at(k)}key "${k}": ${(e as Error).message}`, 'ERESOURCE');
    }
    if (ms <= 0) throw new ConfigError(`${at(k)}key "${k}": must be positive`, 'ERESOURCE');
    return ms;
  };
  const runtimeSocket = str('runtime_socket');
  if (runtimeSocket === undefined) throw new ConfigError(`${where(file, keyLine(text, 'haproxy', 'template') ?? tableLine(text, table))}[template.haproxy] needs runtime_socket (the stats socket, level admin)`, 'ERESOURCE');
  const check = str('check') ?? 'reload';
  if (check !== 'reload' && check !== 'always') throw new ConfigError(`${at('check')}key "check": expected "reload" or "always", got ${JSON.stringify(check)}`, 'ERESOURCE');
  const kind = str('kind') ?? 'config';
  if (kind !== 'config' && kind !== 'map') throw new ConfigError(`${at('kind')}key "kind": expected "config" or "map", got ${JSON.stringify(kind)}`, 'ERESOURCE');
  return Object.freeze({
    runtimeSocket,
    masterSocket: str('master_socket'),
    drainTimeoutMs: duration('drain_timeout', 30_000),
    check,
    reloadTimeoutMs: duration('reload_timeout', 10_000),
    kind,
  });
}

function tableLine(text: string, table: string): number | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i]?.trim() === `[${table}]`) return i + 1;
  return undefined;
}
