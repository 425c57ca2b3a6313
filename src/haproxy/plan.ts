// Diffs of haproxy configurations: rendered file against rendered file (the plan shown by -noop and logged
// before applying: runtime or reload, and why), and the live state of a worker against a rendered file (the
// commands actually sent, and the check after sending them). The live diff is the authority when applying: it
// sees what haproxy really runs, so a restart behind our back, a half-applied earlier change or a server another
// tool touched are all converged the same way.

import type { LiveServer } from './client.js';
import { dynamicServerLine, fixedOptions, type BackendModel, type ConfigModel, type ServerModel } from './config.js';

export type ServerOp =
  | { readonly kind: 'add'; readonly backend: string; readonly server: ServerModel; readonly args: string }
  | { readonly kind: 'remove'; readonly backend: string; readonly name: string }
  | {
      readonly kind: 'update';
      readonly backend: string;
      readonly server: ServerModel;
      readonly address: boolean;
      readonly weight: boolean;
      readonly state: boolean;
      readonly health: boolean;
    };

export interface ConfigDiff {
  /** Why a reload is needed; empty when the servers' changes are all the difference. */
  readonly reload: readonly string[];
  readonly ops: readonly ServerOp[];
}

/** The first line where two skeletons differ, for the reason a reload is needed. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) {
      if (x[i] === undefined) return `added "${y[i]}"`;
      if (y[i] === undefined) return `removed "${x[i]}"`;
      return `"${x[i]}" became "${y[i]}"`;
    }
  }
  return 'the structure changed';
}

/**
 * Rendered against rendered: which server operations turn `prev` into `next`, or why only a reload can.
 * `only`: the backends that can differ (from updateConfig); the others are the same objects and are skipped.
 */
export function diffConfigs(prev: ConfigModel | undefined, next: ConfigModel, only?: readonly string[]): ConfigDiff {
  if (prev === undefined) return { reload: ['no previous configuration to compare with'], ops: [] };
  if (prev.skeleton !== next.skeleton) return { reload: [`structural change: ${firstDifference(prev.skeleton, next.skeleton)}`], ops: [] };
  const reload: string[] = [];
  const ops: ServerOp[] = [];
  const names = only ?? [...next.backends.keys()];
  for (const bname of names) {
    const b = next.backends.get(bname);
    if (!b) continue;
    const old = prev.backends.get(bname);
    if (old === b) continue;
    if (!old) {
      reload.push(`new backend ${bname}`);
      continue;
    }
    for (const [name] of old.servers) if (!b.servers.has(name)) ops.push({ kind: 'remove', backend: bname, name });
    for (const [name, s] of b.servers) {
      const o = old.servers.get(name);
      if (!o) {
        const line = dynamicServerLine(b, s);
        if (line.ok) ops.push({ kind: 'add', backend: bname, server: s, args: line.args });
        else reload.push(line.why);
        continue;
      }
      const why = updateBlocker(b, o, s);
      if (why) {
        reload.push(why);
        continue;
      }
      const address = o.addr !== s.addr || o.port !== s.port;
      const weight = o.weight !== s.weight;
      const state = o.disabled !== s.disabled;
      if (address || weight || state) ops.push({ kind: 'update', backend: bname, server: s, address, weight, state, health: false });
    }
  }
  return { reload, ops: reload.length > 0 ? [] : ops };
}

function updateBlocker(b: BackendModel, o: ServerModel, s: ServerModel): string | undefined {
  if (fixedOptions(o) !== fixedOptions(s)) return `server ${b.name}/${s.name}: options changed ("${fixedOptions(o)}" -> "${fixedOptions(s)}")`;
  if ((o.addr !== s.addr || o.port !== s.port) && (s.port === undefined || !dynamicServerLine(b, s).ok)) {
    return `server ${b.name}/${s.name}: address ${s.addr} cannot be set at run time`;
  }
  return undefined;
}

// ---- live state ------------------------------------------------------------------------------------------------

/** Admin-state bits meaning "in maintenance" (forced, inherited, by configuration, by resolution). */
export const MAINT_MASK = 0x01 | 0x02 | 0x04 | 0x20;
const DRAIN_FORCED = 0x08;
const CHECK_ENABLED = 0x04;

/**
 * Live against rendered: the commands that make the worker run `next`'s servers. `removing`: servers already
 * on their way out (in maintenance, waiting for their last connection) which count as gone. Backends missing
 * from haproxy, or servers that cannot be created at run time, make it a reload (`reload` non-empty).
 */
export function diffLive(live: readonly LiveServer[], liveBackends: ReadonlySet<string>, next: ConfigModel, removing: ReadonlySet<string> = new Set()): ConfigDiff {
  const byBackend = new Map<string, Map<string, LiveServer>>();
  for (const s of live) {
    let m = byBackend.get(s.backend);
    if (!m) byBackend.set(s.backend, (m = new Map()));
    m.set(s.name, s);
  }
  const reload: string[] = [];
  const ops: ServerOp[] = [];
  for (const [bname, b] of next.backends) {
    if (!liveBackends.has(bname)) {
      reload.push(`haproxy has no backend ${bname}`);
      continue;
    }
    const running = byBackend.get(bname) ?? new Map<string, LiveServer>();
    for (const [name, ls] of running) {
      if (b.servers.has(name)) continue;
      if (removing.has(`${bname}/${name}`) && (ls.adminState & MAINT_MASK) !== 0) continue;
      ops.push({ kind: 'remove', backend: bname, name });
    }
    for (const [name, s] of b.servers) {
      const ls = running.get(name);
      if (!ls) {
        const line = dynamicServerLine(b, s);
        if (line.ok) ops.push({ kind: 'add', backend: bname, server: s, args: line.args });
        else reload.push(line.why);
        continue;
      }
      const address = s.port !== undefined && (ls.port !== s.port || (ls.addr !== s.addr && !(ls.fqdn === s.addr)));
      if (address && !dynamicServerLine(b, s).ok) {
        reload.push(`server ${bname}/${name}: address ${s.addr} cannot be set at run time`);
        continue;
      }
      const weight = ls.userWeight !== s.weight;
      const maint = (ls.adminState & MAINT_MASK) !== 0;
      const state = maint !== s.disabled || (ls.adminState & DRAIN_FORCED) !== 0 || removing.has(`${bname}/${name}`);
      const health = s.check && !s.disabled && (ls.checkState & CHECK_ENABLED) === 0;
      if (address || weight || state || health) ops.push({ kind: 'update', backend: bname, server: s, address, weight, state, health });
    }
  }
  return { reload, ops: reload.length > 0 ? [] : ops };
}

/** One line per operation, for -noop and the logs. */
export function describeOp(op: ServerOp): string {
  switch (op.kind) {
    case 'add':
      return `add server ${op.backend}/${op.server.name} ${op.args}`;
    case 'remove':
      return `remove server ${op.backend}/${op.name} (maintenance, then deleted once idle)`;
    case 'update': {
      const what: string[] = [];
      if (op.address) what.push(`address ${op.server.addr}:${op.server.port ?? '?'}`);
      if (op.weight) what.push(`weight ${op.server.weight}`);
      if (op.state) what.push(`state ${op.server.disabled ? 'maint' : 'ready'}`);
      if (op.health) what.push('health checks on');
      return `set server ${op.backend}/${op.server.name} ${what.join(', ')}`;
    }
  }
}

// ---- maps ------------------------------------------------------------------------------------------------------

/** A map file as haproxy reads it: one entry a line, the key up to the first blank, the value the rest. */
export function parseMapFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s+/, '').replace(/\s+$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    // haproxy keeps the first of duplicate keys for lookups.
    if (m?.[1] !== undefined && m[2] !== undefined && !out.has(m[1])) out.set(m[1], m[2]);
  }
  return out;
}

export type MapOp = { readonly kind: 'add' | 'set'; readonly key: string; readonly value: string } | { readonly kind: 'del'; readonly key: string };

/** The commands that turn map `from` into `to`. */
export function diffMaps(from: ReadonlyMap<string, string>, to: ReadonlyMap<string, string>): MapOp[] {
  const ops: MapOp[] = [];
  for (const key of from.keys()) if (!to.has(key)) ops.push({ kind: 'del', key });
  for (const [key, value] of to) {
    const old = from.get(key);
    if (old === undefined) ops.push({ kind: 'add', key, value });
    else if (old !== value) ops.push({ kind: 'set', key, value });
  }
  return ops;
}

export function describeMapOp(map: string, op: MapOp): string {
  return op.kind === 'del' ? `del map ${map} ${op.key}` : `${op.kind} map ${map} ${op.key} ${op.value}`;
}
