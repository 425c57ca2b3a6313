// Applying server changes to a running haproxy 2.6 through its Runtime API, with the rules 2.6 imposes:
// - a dynamic server is created in maintenance, with every setting written out (no default-server), its health
//   check enabled separately (`enable health`), then `enable server`;
// - `del server` needs the server in maintenance and without connections: a removed server goes to maintenance
//   at once (no new requests; the ones in flight finish), and is deleted when idle, retried until the drain
//   limit, after which its remaining sessions are shut down;
// - haproxy 2.6 does not compute a dynamic server's dynamic cookie: re-setting the backend's key does.
// After sending, the live state is read back and compared with the model; any difference is an error for the
// caller, which then reloads.

import { HaproxyCommandError, type LiveServer, type RuntimeApi } from './client.js';
import type { ConfigModel } from './config.js';
import { diffLive, diffMaps, describeMapOp, describeOp, MAINT_MASK, type MapOp, type ServerOp } from './plan.js';

export interface RuntimeApplyOptions {
  /** How long a removed server may keep connections before they are shut down; default 30 s. */
  readonly drainTimeoutMs?: number;
  /** How often a busy removed server is tried again; default 100 ms. */
  readonly drainPollMs?: number;
  /** Reports deletions that completed (or failed) in the background. */
  readonly onBackground?: (message: string, level: 'info' | 'warn') => void;
}

/** The live state does not match the model after applying: the caller reloads. */
export class HaproxyVerifyError extends Error {
  override readonly name = 'HaproxyVerifyError';
  readonly code = 'EHAPROXYVERIFY';
  constructor(readonly differences: readonly string[]) {
    super(`haproxy's live state differs from the configuration after applying: ${differences.slice(0, 5).join('; ')}${differences.length > 5 ? `; and ${differences.length - 5} more` : ''}`);
  }
}

/** haproxy runs a configuration whose structure differs (a backend missing): only a reload converges. */
export class HaproxyStructureError extends Error {
  override readonly name = 'HaproxyStructureError';
  readonly code = 'EHAPROXYSTRUCTURE';
  constructor(readonly reasons: readonly string[]) {
    super(reasons.slice(0, 3).join('; '));
  }
}

export interface RuntimeApplyResult {
  /** The operations sent (empty: haproxy already ran this state). */
  readonly ops: readonly ServerOp[];
  /** Commands sent over the socket. */
  readonly commands: number;
}

/** A model with only the backends in `scope`: what a change touching those backends must make true. */
function restrict(model: ConfigModel, scope: ReadonlySet<string>): ConfigModel {
  return { ...model, backends: new Map([...model.backends].filter(([name]) => scope.has(name))) };
}

/**
 * Keeps the servers on their way out, and applies models to one haproxy. One instance per resource.
 *
 * Reading the whole live state costs as much as the configuration is big (10,000 servers: ~1.5 MB of `show
 * servers state`), so a change reads back only the backends it touches, as long as the worker is the one last
 * synchronised with in full. A new worker pid (a reload or restart behind our back) or no scope means a full
 * comparison: that is what reconciles haproxy restarted from another file.
 */
export class RuntimeApplier {
  private readonly removing = new Map<string, { timer: NodeJS.Timeout | undefined; deadline: number }>();
  /** The worker last compared in full, and its backends (they change only with a reload). */
  private synced: { readonly pid: number; readonly backends: ReadonlySet<string> } | undefined;

  constructor(
    readonly api: RuntimeApi,
    private readonly o: RuntimeApplyOptions = {},
  ) {}

  /** Servers being drained before deletion, as "backend/server". */
  pendingRemovals(): string[] {
    return [...this.removing.keys()];
  }

  /** After a reload the new worker runs the file: nothing is being removed any more, and nothing is known. */
  forgetRemovals(): void {
    for (const r of this.removing.values()) if (r.timer) clearTimeout(r.timer);
    this.removing.clear();
    this.synced = undefined;
  }

  /** Stops the background deletions (shutdown); haproxy keeps the servers in maintenance. */
  close(): void {
    this.forgetRemovals();
  }

  private async workerPid(): Promise<number> {
    const info = await this.api.raw('show info');
    const m = /^Pid: (\d+)$/m.exec(info);
    if (!m) throw new HaproxyCommandError('show info', info);
    return Number(m[1]);
  }

  /** Live servers (of `scope`'s backends, or all) and the backend names. */
  private async readLive(scope: ReadonlySet<string> | undefined, known: ReadonlySet<string> | undefined): Promise<{ servers: LiveServer[]; backends: ReadonlySet<string> }> {
    if (scope === undefined || known === undefined) {
      const [servers, list] = await Promise.all([this.api.showServersState(), this.api.raw('show backend')]);
      const backends = new Set(list.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => l.trim()));
      return { servers, backends };
    }
    const backends = known;
    const servers: LiveServer[] = [];
    for (const b of scope) if (backends.has(b)) servers.push(...(await this.api.showServersState(b)));
    return { servers, backends };
  }

  /**
   * Diffs the live state against `model` (the backends in `scope`, or all of them when the worker is new or no
   * scope is given), sends the commands, reads the state back and compares. Throws HaproxyStructureError
   * (haproxy runs another structure), HaproxyCommandError (a command refused), HaproxySocketError, or
   * HaproxyVerifyError.
   */
  async apply(model: ConfigModel, scope?: ReadonlySet<string>): Promise<RuntimeApplyResult> {
    const pid = await this.workerPid();
    if (this.synced !== undefined && this.synced.pid !== pid) {
      // Another worker than the one we changed: whatever was draining there is gone with it.
      for (const r of this.removing.values()) if (r.timer) clearTimeout(r.timer);
      this.removing.clear();
    }
    const partial = scope !== undefined && this.synced?.pid === pid ? scope : undefined;
    const full = partial === undefined;
    const live = await this.readLive(partial, partial === undefined ? undefined : this.synced?.backends);
    const target = partial === undefined ? model : restrict(model, partial);
    const diff = diffLive(live.servers, live.backends, target, new Set(this.removing.keys()));
    if (diff.reload.length > 0) throw new HaproxyStructureError(diff.reload);
    this.synced = undefined; // until the read-back below agrees
    let commands = 0;
    const cookieKeys = new Map<string, string>();
    for (const op of diff.ops) {
      commands += await this.send(op);
      if (op.kind === 'add' || (op.kind === 'update' && op.address)) {
        const key = model.backends.get(op.backend)?.dynamicCookieKey;
        if (key !== undefined) cookieKeys.set(op.backend, key);
      }
    }
    for (const [b, key] of cookieKeys) {
      await this.api.run(`set dynamic-cookie-key backend ${b} ${key}`);
      commands++;
    }
    if (diff.ops.length > 0) {
      const touched = new Set(diff.ops.map((op) => op.backend));
      const back = await this.readLive(full ? undefined : touched, live.backends);
      const again = diffLive(back.servers, back.backends, full ? model : restrict(model, touched), new Set(this.removing.keys()));
      if (again.reload.length > 0 || again.ops.length > 0) throw new HaproxyVerifyError([...again.reload, ...again.ops.map(describeOp)]);
    }
    this.synced = { pid, backends: live.backends };
    return { ops: diff.ops, commands };
  }

  private async send(op: ServerOp): Promise<number> {
    const id = `${op.backend}/${op.kind === 'remove' ? op.name : op.server.name}`;
    switch (op.kind) {
      case 'add': {
        this.cancelRemoval(id);
        await this.api.run(`add server ${id} ${op.args}`);
        let n = 1;
        if (op.server.check) {
          await this.api.run(`enable health ${id}`);
          n++;
        }
        if (!op.server.disabled) {
          await this.api.run(`enable server ${id}`);
          n++;
        }
        return n;
      }
      case 'update': {
        this.cancelRemoval(id);
        const s = op.server;
        let n = 0;
        if (op.address) {
          await this.api.run(`set server ${id} addr ${s.addr} port ${s.port ?? 0}`);
          n++;
        }
        if (op.weight) {
          await this.api.run(`set server ${id} weight ${s.weight}`);
          n++;
        }
        if (op.health) {
          await this.api.run(`enable health ${id}`);
          n++;
        }
        if (op.state) {
          await this.api.run(`set server ${id} state ${s.disabled ? 'maint' : 'ready'}`);
          n++;
        }
        return n;
      }
      case 'remove': {
        await this.api.run(`set server ${id} state maint`);
        if (await this.tryDelete(id)) return 2;
        this.scheduleRemoval(id);
        return 2;
      }
    }
  }

  /** `del server`; false when haproxy refuses because the server still has connections. */
  private async tryDelete(id: string): Promise<boolean> {
    const answer = await this.api.raw(`del server ${id}`);
    if (/Server deleted/.test(answer)) return true;
    if (/connection|queue/i.test(answer)) return false;
    if (/No such server/i.test(answer)) return true; // already gone (a reload or another tool)
    throw new HaproxyCommandError(`del server ${id}`, answer);
  }

  private cancelRemoval(id: string): void {
    const r = this.removing.get(id);
    if (!r) return;
    if (r.timer) clearTimeout(r.timer);
    this.removing.delete(id);
  }

  private scheduleRemoval(id: string): void {
    const poll = this.o.drainPollMs ?? 100;
    const entry = this.removing.get(id) ?? { timer: undefined, deadline: Date.now() + (this.o.drainTimeoutMs ?? 30_000) };
    this.removing.set(id, entry);
    const attempt = async (): Promise<void> => {
      entry.timer = undefined;
      if (this.removing.get(id) !== entry) return;
      try {
        const state = (await this.api.showServersState(id.split('/')[0])).find((s) => `${s.backend}/${s.name}` === id);
        if (state && (state.adminState & MAINT_MASK) === 0) {
          this.removing.delete(id); // brought back meanwhile: not ours to delete any more
          return;
        }
        if (Date.now() >= entry.deadline) {
          await this.api.raw(`shutdown sessions server ${id}`);
          this.o.onBackground?.(`haproxy server ${id}: drain limit reached, remaining sessions shut down`, 'warn');
        }
        if (await this.tryDelete(id)) {
          this.removing.delete(id);
          this.o.onBackground?.(`haproxy server ${id} deleted after draining`, 'info');
          return;
        }
      } catch (err) {
        this.o.onBackground?.(`haproxy server ${id}: deletion failed: ${(err as Error).message}; retrying`, 'warn');
      }
      if (this.removing.get(id) === entry) entry.timer = setTimeout(() => void attempt(), poll).unref();
    };
    entry.timer = setTimeout(() => void attempt(), poll).unref();
  }
}

/**
 * Makes a map file loaded by the worker hold `entries`: `show map`, the differences as `add map` / `set map` /
 * `del map`, then `show map` again, which must equal `entries` (else HaproxyVerifyError). A map haproxy has not
 * loaded is refused by haproxy ("Unknown map identifier"), a HaproxyCommandError: the caller reloads.
 */
export async function applyMap(api: RuntimeApi, map: string, entries: ReadonlyMap<string, string>): Promise<MapOp[]> {
  const live = await api.showMap(map);
  const ops = diffMaps(live, entries);
  for (const op of ops) {
    // One word a value: the CLI splits arguments on blanks (the file does not); anything else is left to a reload.
    if (op.kind !== 'del' && /\s|;/.test(op.value)) throw new HaproxyCommandError(describeMapOp(map, op), 'values with blanks are only loaded by a reload');
    await api.run(describeMapOp(map, op));
  }
  if (ops.length > 0) {
    const back = await api.showMap(map);
    const again = diffMaps(back, entries);
    if (again.length > 0) throw new HaproxyVerifyError(again.map((op) => describeMapOp(map, op)));
  }
  return ops;
}
