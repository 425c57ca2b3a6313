// The keys one template resource sees: confd loads every backend key under path.Join(prefix, key) for each of the
// resource's `keys` (a raw string prefix match: "/db" also takes "/dbx"), strips the prefix by raw string
// ("/apple/pie" under prefix "/app" becomes "/le/pie") and stores path.Join("/", rest).
//
// A view is kept current from backend events (put/delete one key) instead of re-reading everything. Resources
// with the same prefix and keys share one view, so ten templates over "/" hold the keys once.

import { KVStore } from '../memkv/index.js';

/** See KeyView.trackRaw(). */
export interface RawChanges {
  take(): ReadonlySet<string> | undefined;
  /** The next take() gives undefined (all): what was taken could not be used. */
  forget(): void;
}

interface RawChangeSet {
  all: boolean;
  keys: Set<string>;
}

/** The consumer's next take() gives undefined: every key is to be looked at. */
function markAll(c: RawChangeSet): void {
  c.all = true;
  c.keys.clear();
}

export class KeyView {
  readonly store = new KVStore();
  /** See load(): where the local key starts when the prefix ends in "/", else -1. */
  private readonly keepFrom: number;
  /**
   * The backend keys as written (before memkv cleans them), for resources with a guard: its clean-path rule must
   * see "/nginx/a/../b/x", which the store holds as "/nginx/b/x". Undefined unless a guarded resource reads here.
   */
  raw: Map<string, string> | undefined;
  /** Per consumer of the raw keys (a guard): the keys put or deleted since it last took them, or all. */
  private readonly rawConsumers: RawChangeSet[] = [];

  constructor(
    /** Resolved prefix (starts with "/"). */
    readonly prefix: string,
    /** Backend prefixes: path.Join(prefix, key) for each key. */
    readonly watchKeys: readonly string[],
  ) {
    this.keepFrom = prefix.endsWith('/') ? prefix.length - 1 : -1;
  }

  /** Identity of a view: resources with equal ids share it. */
  static id(prefix: string, watchKeys: readonly string[]): string {
    return `${prefix}\u0000${[...new Set(watchKeys)].sort().join('\u0000')}`;
  }

  covers(key: string): boolean {
    for (const w of this.watchKeys) if (key.startsWith(w)) return true;
    return false;
  }

  /** The key as templates see it (before KVStore's path.Join("/", ...) cleaning). */
  localKey(key: string): string {
    return key.startsWith(this.prefix) ? key.slice(this.prefix.length) : key;
  }

  /**
   * Keeps the raw keys from now on (before the first read), and returns the changes of them for one consumer:
   * take() gives the keys put or deleted since the previous take(), or undefined when all must be looked at
   * (the first take, after a full read, or when more changed than a quarter of the keys).
   */
  trackRaw(): RawChanges {
    this.raw ??= new Map();
    const c: RawChangeSet = { all: true, keys: new Set() };
    this.rawConsumers.push(c);
    return {
      take: () => {
        const keys = c.all ? undefined : c.keys;
        c.all = false;
        c.keys = new Set();
        return keys;
      },
      forget: () => markAll(c),
    };
  }

  private noteRaw(key: string): void {
    for (const c of this.rawConsumers) {
      if (c.all) continue;
      c.keys.add(key);
      if (c.keys.size > 1024 && c.keys.size * 4 > (this.raw?.size ?? 0)) markAll(c);
    }
  }

  /**
   * The spelling under which the store keeps a backend key: the local key, except that with a prefix ending in "/"
   * (the default "/") its last "/" stays: path.Join("/", key[len(prefix):]) equals path.Join("/",
   * key[len(prefix)-1:]), and typical keys are then already clean (the store need not re-clean them). Every path
   * (load, put, delete) must use it: the store keeps spellings apart (a delete of "/a//b" leaves "/a/b").
   */
  private storeKey(key: string): string {
    const keep = this.keepFrom;
    if (keep >= 0 && key.startsWith(this.prefix)) return keep === 0 ? key : key.slice(keep);
    return this.localKey(key);
  }

  /** Applies a put if the key is ours; returns whether the view changed. */
  put(key: string, value: string): boolean {
    if (!this.covers(key)) return false;
    if (this.raw !== undefined && this.raw.get(key) !== value) {
      this.raw.set(key, value);
      this.noteRaw(key);
      this.store.set(this.storeKey(key), value);
      return true;
    }
    return this.store.set(this.storeKey(key), value);
  }

  /** Applies a delete if the key is ours; returns whether the view changed. */
  delete(key: string): boolean {
    if (!this.covers(key)) return false;
    const rawChanged = this.raw?.delete(key) ?? false;
    if (rawChanged) this.noteRaw(key);
    return this.store.delete(this.storeKey(key)) || rawChanged;
  }

  /** Replaces the whole content with the covered keys of a full read. */
  reset(values: ReadonlyMap<string, string>): void {
    this.clear();
    // forEach, not for-of: no [key, value] entry array per key (a measurable share of a 200k-key reset).
    const load = this.loader();
    values.forEach((v, k) => load(k, v));
  }

  /** Empties the view before a full read is loaded into it with load(). */
  clear(): void {
    this.store.clear();
    this.raw?.clear();
    for (const c of this.rawConsumers) markAll(c);
  }

  /** Adds one key of a full read (after clear()) if the view covers it. */
  load(key: string, value: string): void {
    if (!this.covers(key)) return;
    this.raw?.set(key, value);
    this.store.set(this.storeKey(key), value);
  }

  /**
   * load() as one function for a whole read. With the prefix "/" (most resources) and one key prefix, load()
   * comes down to one startsWith and a store.set; in a one-shot run every call is cold code, where that saves
   * ~10% of filling 20,000 keys.
   */
  loader(): (key: string, value: string) => void {
    const store = this.store;
    const only = this.watchKeys.length === 1 ? (this.watchKeys[0] as string) : undefined;
    if (this.keepFrom === 0 && only !== undefined && this.raw === undefined) {
      return (key, value) => {
        if (key.startsWith(only)) store.set(key, value);
      };
    }
    return (key, value) => this.load(key, value);
  }
}
