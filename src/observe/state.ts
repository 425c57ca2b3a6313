// What the daemon knows about itself, folded from the event stream: per resource (last revision applied and
// when, last error, held change, last diff) and for the backend (connected, last error, head revision, members).
// /ready, the status page and the metrics' gauges read it; nothing here does I/O.
//
// Watch lag is the backend's head revision minus the revision the daemon has applied. "Applied" advances when the
// runner goes idle (every change received is rendered). etcd reports a head that also counts keys outside our
// prefixes, which never arrive as events; so a head seen while the daemon stayed idle, with the watch stream up, for
// `confirmMs` afterwards counts as applied too: a change of ours up to it would have arrived by then.

import { unifiedDiff } from '../resource/diff.js';
import type { BackendMember, EventBus, HeldChange, ObserveEvent, ResourceRef } from './events.js';

export interface ResourceState {
  readonly ref: ResourceRef;
  keys: number;
  renders: number;
  lastRevision: bigint | undefined;
  lastAppliedAt: number | undefined;
  lastError: { readonly step: string; readonly message: string; readonly at: number } | undefined;
  held: HeldChange | undefined;
  lastInstall: { readonly previous: string | undefined; readonly content: string; readonly at: number } | undefined;
}

export interface BackendState {
  name: string;
  connected: boolean;
  lastError: { readonly message: string; readonly at: number; readonly endpoint?: string } | undefined;
  head: bigint | undefined;
  members: readonly BackendMember[];
}

export interface ReadyOptions {
  /** Lag (in revisions) above which the output counts as stale... */
  readonly maxLag: number;
  /** ...once it has lasted this long (a burst of puts makes a lag that drains in milliseconds). */
  readonly lagGraceMs: number;
}

export const DEFAULT_READY: ReadyOptions = { maxLag: 0, lagGraceMs: 2000 };

export interface Readiness {
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

export interface StateOptions {
  readonly now?: () => number;
  /** How long the daemon must stay idle and connected after seeing a head revision to count it applied. */
  readonly confirmMs?: number;
}

export class ObservedState {
  readonly resources = new Map<string, ResourceState>();
  readonly broken: { file: string; error: string }[] = [];
  readonly backend: BackendState = { name: '', connected: false, lastError: undefined, head: undefined, members: [] };
  /** Highest revision the daemon has received changes up to, and applied. */
  received: bigint | undefined;
  applied: bigint | undefined;
  busy = false;
  lastSuccessAt: number | undefined;
  private heads: { rev: bigint; at: number }[] = [];
  /** Since when the watch stream has been up (undefined: down, or the backend has none). */
  private streamSince: number | undefined;
  /** The backend reports its watch stream (etcd v3): catching up then also needs the stream back. */
  private hasStream = false;
  /** Since when the lag has been above zero (undefined: it is zero). */
  private lagSince: number | undefined;
  /** The connection was lost: not ready again until the lag has been back to zero once. */
  private catchingUp = false;
  private readonly now: () => number;
  private readonly confirmMs: number;

  constructor(o: StateOptions = {}) {
    this.now = o.now ?? Date.now;
    this.confirmMs = o.confirmMs ?? 1000;
  }

  attach(bus: EventBus): () => void {
    return bus.subscribe((ev) => {
      this.apply(ev);
      this.lag(); // keeps lagSince and catchingUp current between queries
    });
  }

  private res(ref: ResourceRef): ResourceState {
    let r = this.resources.get(ref.file);
    if (!r) {
      r = { ref, keys: 0, renders: 0, lastRevision: undefined, lastAppliedAt: undefined, lastError: undefined, held: undefined, lastInstall: undefined };
      this.resources.set(ref.file, r);
    }
    return r;
  }

  apply(ev: ObserveEvent): void {
    const now = this.now();
    switch (ev.type) {
      case 'resources-loaded': {
        const keep = new Set(ev.resources.map((r) => r.file));
        for (const f of [...this.resources.keys()]) if (!keep.has(f)) this.resources.delete(f);
        for (const r of ev.resources) {
          const s = this.res(r);
          (s as { ref: ResourceRef }).ref = r;
        }
        this.broken.splice(0, this.broken.length, ...ev.broken);
        break;
      }
      case 'keys':
        this.res(ev.resource).keys = ev.keys;
        break;
      case 'render':
        this.res(ev.resource).renders++;
        break;
      case 'installed':
        this.res(ev.resource).lastInstall = { previous: ev.previous, content: ev.content, at: now };
        break;
      case 'check-failed':
        this.res(ev.resource).lastError = { step: 'check', message: ev.error, at: now };
        break;
      case 'reload-failed':
        this.res(ev.resource).lastError = { step: 'reload', message: ev.error, at: now };
        break;
      case 'failed':
        this.res(ev.resource).lastError = { step: ev.step, message: ev.error, at: now };
        break;
      case 'revision-applied': {
        const r = this.res(ev.resource);
        r.lastRevision = ev.revision;
        r.lastAppliedAt = now;
        r.lastError = undefined;
        this.lastSuccessAt = now;
        break;
      }
      case 'held':
        this.res(ev.resource).held = ev.held;
        break;
      case 'released':
        this.res(ev.resource).held = undefined;
        break;
      case 'backend-connected':
        if (ev.stream === true) {
          this.streamSince ??= now;
          this.hasStream = true;
        }
        this.backend.name = ev.backend;
        this.backend.connected = true;
        break;
      case 'backend-error':
        this.backend.name = ev.backend;
        this.backend.connected = false;
        this.backend.lastError = { message: ev.error, at: now, ...(ev.endpoint !== undefined ? { endpoint: ev.endpoint } : {}) };
        this.heads = [];
        this.streamSince = undefined;
        this.catchingUp = true;
        break;
      case 'backend-revision':
        if (this.backend.head === undefined || ev.revision > this.backend.head) this.backend.head = ev.revision;
        this.heads.push({ rev: ev.revision, at: now });
        if (this.heads.length > 64) this.heads.shift();
        break;
      case 'backend-members':
        this.backend.members = ev.members;
        break;
      case 'changes-received':
        if (this.received === undefined || ev.revision > this.received) this.received = ev.revision;
        this.busy = true;
        break;
      case 'idle':
        if (this.applied === undefined || ev.revision > this.applied) this.applied = ev.revision;
        this.busy = false;
        break;
      case 'skipped-unchanged':
      case 'reload-ok':
      case 'applied':
        break;
    }
  }

  /** The applied revision, counting heads the daemon has been idle and connected past (see the file header). */
  appliedRevision(): bigint | undefined {
    if (this.applied === undefined) return undefined;
    const since = this.streamSince;
    if (!this.busy && this.backend.connected && since !== undefined) {
      const now = this.now();
      for (const h of this.heads) {
        if (h.at >= since && now - h.at >= this.confirmMs && h.rev > this.applied) this.applied = h.rev;
      }
    }
    return this.applied;
  }

  /** head - applied, never negative; undefined before the first complete read. */
  lag(): number | undefined {
    const applied = this.appliedRevision();
    const head = this.backend.head;
    if (applied === undefined) return undefined;
    const lag = head === undefined || head <= applied ? 0 : Number(head - applied);
    if (lag === 0) {
      this.lagSince = undefined;
      if (this.backend.connected && !this.busy && (!this.hasStream || this.streamSince !== undefined)) this.catchingUp = false;
    } else {
      this.lagSince ??= this.now();
    }
    return lag;
  }

  readiness(o: ReadyOptions): Readiness {
    const reasons: string[] = [];
    if (!this.backend.connected) reasons.push(`backend ${this.backend.name || '(none)'} not connected${this.backend.lastError ? `: ${this.backend.lastError.message}` : ''}`);
    const lag = this.lag();
    if (lag === undefined) reasons.push('no complete read of the backend yet');
    else if (this.catchingUp && this.backend.connected) reasons.push(`catching up after a lost connection (lag ${lag} revisions)`);
    else if (lag > o.maxLag && this.lagSince !== undefined && this.now() - this.lagSince >= o.lagGraceMs) {
      reasons.push(`watch lag ${lag} revisions above ${o.maxLag} for ${Math.round((this.now() - this.lagSince) / 1000)}s`);
    }
    for (const r of this.resources.values()) {
      if (r.lastError) reasons.push(`${r.ref.name}: ${r.lastError.step} failed: ${r.lastError.message}`);
      if (r.held) reasons.push(`${r.ref.name}: a change is held (${r.held.reason})`);
    }
    for (const b of this.broken) reasons.push(`${b.file}: ${b.error}`);
    return { ready: reasons.length === 0, reasons };
  }

  /** A JSON-safe picture for the status page (revisions as strings, times as ms since the epoch). */
  snapshot(o: ReadyOptions): StatusSnapshot {
    const readiness = this.readiness(o);
    const lag = this.lag();
    return {
      now: this.now(),
      ready: readiness.ready,
      reasons: readiness.reasons,
      lag: lag ?? null,
      appliedRevision: this.applied?.toString() ?? null,
      backend: {
        name: this.backend.name,
        connected: this.backend.connected,
        head: this.backend.head?.toString() ?? null,
        lastError: this.backend.lastError ?? null,
        members: this.backend.members,
      },
      broken: this.broken,
      resources: [...this.resources.values()].map((r) => ({
        name: r.ref.name,
        file: r.ref.file,
        dest: r.ref.dest,
        keys: r.keys,
        renders: r.renders,
        lastRevision: r.lastRevision?.toString() ?? null,
        lastAppliedAt: r.lastAppliedAt ?? null,
        lastError: r.lastError ?? null,
        held: r.held ?? null,
        lastDiff: r.lastInstall ? { at: r.lastInstall.at, text: lastDiffText(r) } : null,
      })),
    };
  }
}

const diffCache = new WeakMap<object, string>();

/** The diff of the last install, computed once on first request (not on every install nobody looks at). */
function lastDiffText(r: ResourceState): string {
  const li = r.lastInstall;
  if (!li) return '';
  let d = diffCache.get(li);
  if (d === undefined) {
    d = unifiedDiff(li.previous ?? '', li.content, { oldName: li.previous === undefined ? '/dev/null' : r.ref.dest, newName: r.ref.dest });
    diffCache.set(li, d);
  }
  return d;
}

export interface StatusSnapshot {
  readonly now: number;
  readonly ready: boolean;
  readonly reasons: readonly string[];
  readonly lag: number | null;
  readonly appliedRevision: string | null;
  readonly backend: {
    readonly name: string;
    readonly connected: boolean;
    readonly head: string | null;
    readonly lastError: BackendState['lastError'] | null;
    readonly members: readonly BackendMember[];
  };
  readonly broken: readonly { file: string; error: string }[];
  readonly resources: readonly {
    readonly name: string;
    readonly file: string;
    readonly dest: string;
    readonly keys: number;
    readonly renders: number;
    readonly lastRevision: string | null;
    readonly lastAppliedAt: number | null;
    readonly lastError: ResourceState['lastError'] | null;
    readonly held: HeldChange | null;
    readonly lastDiff: { readonly at: number; readonly text: string } | null;
  }[];
}
