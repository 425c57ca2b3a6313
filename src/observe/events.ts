// The typed events every part of the daemon emits (runner, install pipeline, backends, guard, appliers), and the
// small in-process bus that carries them to whoever listens: the metrics, the status page, /ready.
//
// Emitting must cost nothing measurable when nobody listens (the endpoint is off by default): emitters check
// `bus.active` (a plain boolean) before building an event object, and the bus itself is a list walk.

/** Identifies one template resource in events: its conf.d file is unique, its name and dest are for people. */
export interface ResourceRef {
  readonly file: string;
  readonly name: string;
  readonly dest: string;
}

/** What the guard (src/guard/) holds back instead of installing: a change that would remove too much. */
export interface HeldChange {
  /** Why it is held (the rule that stopped it). */
  readonly reason: string;
  /** How many entries the change would remove, and how many there are now. */
  readonly removed: number;
  readonly total: number;
  /** The first few names it would remove, for a person to judge. */
  readonly examples: readonly string[];
  /** When it was first held (ms since the epoch). */
  readonly since: number;
}

/** How a change reached the service: through haproxy's Runtime API, or a reload (reload_cmd, or haproxy's). */
export type ApplyKind = 'runtime' | 'reload';

export type ObserveEvent =
  /** conf.d was (re)loaded: these resources exist now (replaces the previous list). */
  | { readonly type: 'resources-loaded'; readonly resources: readonly ResourceRef[]; readonly broken: readonly { file: string; error: string }[] }
  /** A resource's view was (re)filled or changed: it reads `keys` keys now. */
  | { readonly type: 'keys'; readonly resource: ResourceRef; readonly keys: number }
  /** The template rendered (whether or not dest then changed). */
  | { readonly type: 'render'; readonly resource: ResourceRef; readonly ms: number }
  /** The render equals dest: nothing installed. */
  | { readonly type: 'skipped-unchanged'; readonly resource: ResourceRef }
  | { readonly type: 'check-failed'; readonly resource: ResourceRef; readonly error: string }
  /** dest was replaced; `previous`/`content` give the last diff on demand. */
  | { readonly type: 'installed'; readonly resource: ResourceRef; readonly previous: string | undefined; readonly content: string }
  | { readonly type: 'reload-ok'; readonly resource: ResourceRef }
  | { readonly type: 'reload-failed'; readonly resource: ResourceRef; readonly error: string }
  /** The service took the change, and how. */
  | { readonly type: 'applied'; readonly resource: ResourceRef; readonly kind: ApplyKind }
  /** Any other step failed (render, stage, install). */
  | { readonly type: 'failed'; readonly resource: ResourceRef; readonly step: string; readonly error: string }
  /**
   * The resource is up to date with the backend at `revision` (its run succeeded). `changedAt`: when the earliest
   * change it now includes reached the daemon (ms since the epoch), undefined for the first render.
   */
  | { readonly type: 'revision-applied'; readonly resource: ResourceRef; readonly revision: bigint; readonly changedAt: number | undefined; readonly installed: boolean }
  /** The guard holds a change back / let it go (issue 13's guard emits these). */
  | { readonly type: 'held'; readonly resource: ResourceRef; readonly held: HeldChange }
  | { readonly type: 'released'; readonly resource: ResourceRef }
  /** `stream`: the watch stream (re)connected, not just a request that succeeded. */
  | { readonly type: 'backend-connected'; readonly backend: string; readonly endpoint?: string; readonly stream?: boolean }
  | { readonly type: 'backend-error'; readonly backend: string; readonly error: string; readonly endpoint?: string }
  /** The backend's newest revision, as a watch response header or a head poll reported it. */
  | { readonly type: 'backend-revision'; readonly backend: string; readonly revision: bigint }
  /** Members of the backend cluster and their state (etcd member list, or the configured nodes). */
  | { readonly type: 'backend-members'; readonly backend: string; readonly members: readonly BackendMember[] }
  /** Changes up to `revision` reached the daemon (a watch event, or a full read). */
  | { readonly type: 'changes-received'; readonly revision: bigint }
  /** Nothing is pending or running: every change received so far is applied (or failed). */
  | { readonly type: 'idle'; readonly revision: bigint };

export interface BackendMember {
  readonly name: string;
  readonly endpoint: string;
  /** e.g. "leader", "follower", "up", "unreachable". */
  readonly state: string;
}

export type Listener = (ev: ObserveEvent) => void;

/**
 * The in-process bus. `active` is true while anyone listens; emitters test it before building an event, so the
 * daemon without -metrics-addr pays one property read per emit site. A listener that throws is a bug in the
 * observer, never a reason to fail a render: it is reported once through `onListenerError` and kept.
 */
export class EventBus {
  private listeners: Listener[] = [];
  active = false;

  constructor(private readonly onListenerError: (e: unknown) => void = () => {}) {}

  subscribe(fn: Listener): () => void {
    this.listeners = [...this.listeners, fn];
    this.active = true;
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
      this.active = this.listeners.length > 0;
    };
  }

  emit(ev: ObserveEvent): void {
    for (const l of this.listeners) {
      try {
        l(ev);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }
}

/** The ref of a resource spec. */
export function refOf(spec: { readonly file: string; readonly name: string; readonly dest: string }): ResourceRef {
  return { file: spec.file, name: spec.name, dest: spec.dest };
}
