// The guard stage of one resource: between the keys the backend holds and the store its template reads.
//
// Each render, prepare() brings what the template may see up to date with the raw keys. It works from what changed
// (the view names the keys put or deleted since the last render): only those keys are validated again, only their
// records are regrouped and taken through 2-4 below (with the records whose baseline, incompleteness or quarantine
// may have changed), and only records whose content changed are synced into the store. One changed key among
// 30,000 costs ~0.1 ms; looking at everything (the first render, a baseline from the state directory) ~20 ms:
//   1. validation: keys with unclean paths and values or segments that fail a declared rule are left out
//      (logged once per key with the reason, counted);
//   2. records: a record missing one of its fields is held back (its last installed version stays, a new one
//      stays out) until complete, or reported once it has been incomplete longer than its timeout;
//   3. quarantine: records that check_cmd refused stay at their installed version until they change;
//   4. removal limits: a change removing more records (or keys) than `max_removed`, or leaving fewer than
//      `min_keys`, is held: the removed records stay (from the last installed render) until they come back, the
//      hold expires, or an operator releases it.
// The baseline of 2-4 is what the installed file was rendered from (commit()), kept in the state directory so
// that a restart against an emptied registry is caught too.

import type { Logger } from '../log/index.js';
import { formatDuration } from '../config/duration.js';
import { KVStore, cleanKey } from '../memkv/index.js';
import type { GuardSpec, RecordSpec } from './spec.js';
import { UnitTable, type Unit } from './units.js';
import { checkKey, matchesParts, segments, uncleanReason, type Refusal } from './validate.js';

export interface HeldChange {
  /** When the hold began (ms since the epoch). */
  readonly since: number;
  /** Records (or keys, without records) the change would remove, and how many the installed file has. */
  readonly removed: number;
  readonly total: number;
  /** The first removed names (at most 10). */
  readonly first: readonly string[];
  /** Which limit the change crossed ("max_removed = 50%"). */
  readonly limit: string;
  /** When the hold expires and the removal is applied; undefined: only an operator's release applies it. */
  readonly applyAt: number | undefined;
}

export interface GuardState {
  readonly resource: string;
  readonly held: HeldChange | undefined;
  readonly quarantined: ReadonlyArray<{ readonly record: string; readonly since: number; readonly reason: string }>;
  readonly invalid: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  readonly incomplete: ReadonlyArray<{ readonly record: string; readonly missing: readonly string[]; readonly since: number }>;
  /** Keys left out by validation since the start (each counted once per reason). */
  readonly invalidTotal: number;
  /** The last reload that failed and was rolled back. */
  readonly lastRollback: { readonly at: number; readonly message: string } | undefined;
}

export interface GuardDeps {
  /** The resource's name in logs (conf.d relative path). */
  readonly name: string;
  readonly dest: string;
  readonly log: Logger;
  readonly now?: () => number;
}

export interface PrepareOptions {
  /** -onetime: there is no later render; incomplete records are reported at once. */
  readonly onetime?: boolean;
  /**
   * The backend keys put or deleted since the previous prepare() (raw must then be a Map): only they are looked at
   * again. Undefined: every key is (and a key missing from raw was deleted). The first prepare() looks at all.
   */
  readonly changed?: ReadonlySet<string>;
}

export interface Prepared {
  /** Nothing may be rendered (fewer keys than min_keys and no installed render to fall back on). */
  readonly skip: boolean;
  /** A removal is being held. */
  readonly held: boolean;
  /** The keys the template sees changed since the previous prepare(). */
  readonly changed: boolean;
}

type Units = Map<string, Unit>;
/** What prepare() found about one backend key with one value. */
type Look = { readonly value: string; readonly local: string; readonly unit: string; readonly refusal: Refusal | undefined; gen: number };

const FIRST = 10;

function fingerprint(u: Unit | undefined): string {
  if (u === undefined) return '';
  return JSON.stringify([...u].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

function sameUnit(a: Unit | undefined, b: Unit | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function setOrDelete(units: Units, name: string, m: Unit | undefined): void {
  if (m === undefined) units.delete(name);
  else units.set(name, m);
}

export class ResourceGuard {
  /** The store the template reads. */
  readonly store = new KVStore();
  private readonly now: () => number;
  /**
   * The keys that passed validation, grouped by unit. A unit's map is never changed once made (a changed unit gets
   * a new one), so the maps below and the baseline share them and compare units by identity.
   */
  private readonly valid: Units = new Map();
  /** The backend keys of each unit in `valid` (in the order they came). */
  private readonly members = new Map<string, Set<string>>();
  /** The backend keys refused by validation, with why. */
  private readonly refusals = new Map<string, Refusal>();
  /** Counts prepare() calls: a key whose Look was not visited in a full one was deleted. */
  private gen = 0;
  /** What the installed file was rendered from; undefined until known. */
  private baseline: UnitTable | undefined;
  /** The baseline did not come from commit() (the state directory, a guard taken over): commit() makes it anew. */
  private baselineForeign = false;
  /** Units whose baseline changed since the last prepare() (commit()): looked at again. */
  private baseTouched = new Set<string>();
  /** Every unit is looked at again by the next prepare() (a baseline set from outside). */
  private allStale = true;
  /** `valid` after records (2) and quarantine (3): the candidate before a hold keeps removed units. */
  private readonly pre: Units = new Map();
  /** Units of the baseline missing from `pre`: what the change removes (in the order found). */
  private readonly removed = new Set<string>();
  /** Units in `candidate` only because a hold keeps them (at their baseline version). */
  private kept = new Set<string>();
  /** The candidate of the last prepare(): `pre` plus what a hold keeps. */
  private readonly candidate: Units = new Map();
  /** What the store holds, grouped: `candidate`, except for units exclude() put back at their baseline version. */
  private readonly synced: Units = new Map();
  /** Units exclude() set apart from `candidate` in the store. */
  private excluded = new Set<string>();
  /** Units whose `synced` version changed since the last commit(). */
  private readonly sinceCommit = new Set<string>();
  private held: HeldChange | undefined;
  private releaseRequested = false;
  private readonly invalid = new Map<string, string>();
  private invalidTotal = 0;
  private readonly incomplete = new Map<string, { missing: string[]; since: number; reported: boolean }>();
  private readonly quarantined = new Map<string, { fingerprint: string; since: number; reason: string }>();
  private lastRollback: { at: number; message: string } | undefined;
  /** The store changed since the last commit(). */
  private uncommitted = false;
  /**
   * Per backend key, the outcome of the last look at it (while its value stays the same): its clean key and unit,
   * or why it was refused. Most keys do not change between renders; re-checking 200,000 keys each time would.
   */
  private seen = new Map<string, Look>();

  constructor(
    readonly spec: GuardSpec,
    private readonly d: GuardDeps,
  ) {
    this.now = d.now ?? Date.now;
  }

  /** The unit a key belongs to: its record's path, or the key itself outside every declared record. */
  unitOf(key: string): string {
    const segs = segments(key);
    for (const r of this.spec.records) {
      if (segs.length > r.parts.length && matchesParts(r.parts, segs, false)) return `/${segs.slice(0, r.parts.length).join('/')}`;
    }
    return key;
  }

  private recordSpecOf(unit: string): RecordSpec | undefined {
    const segs = segments(unit);
    return this.spec.records.find((r) => matchesParts(r.parts, segs, true));
  }

  private group(flat: Iterable<[string, string]>): Units {
    const units: Units = new Map();
    for (const [k, v] of flat) {
      const u = this.unitOf(k);
      let m = units.get(u) as Map<string, string> | undefined;
      if (!m) units.set(u, (m = new Map()));
      m.set(k, v);
    }
    return units;
  }

  /** Sets the baseline (the keys the installed file came from), e.g. from the state directory at start. */
  setBaseline(keys: ReadonlyMap<string, string> | undefined): void {
    this.baseline = keys === undefined ? undefined : UnitTable.from(this.group(keys));
    this.baselineForeign = true;
    this.allStale = true;
  }

  get hasBaseline(): boolean {
    return this.baseline !== undefined;
  }

  /** The keys the store holds (what commit() makes the baseline). */
  currentKeys(): ReadonlyMap<string, string> {
    const keys = new Map<string, string>();
    for (const m of this.synced.values()) for (const [k, v] of m) keys.set(k, v);
    return keys;
  }

  /**
   * The baseline's keys (those of the last commit()) as the UTF-8 text of a JSON object, in pieces to write one
   * after the other (see UnitTable.json); an empty object without a baseline.
   */
  baselineJson(): Buffer[] {
    return (this.baseline ?? new UnitTable()).json();
  }

  /**
   * Brings the template's store up to date with `raw` (backend keys with values) and returns whether to render.
   * `localOf` turns a backend key into the key templates see (before cleaning). With `o.changed`, only the keys
   * it names and the records they belong to are looked at again (and the records whose baseline, incompleteness
   * or quarantine may have changed); without it, every key and record is.
   */
  prepare(raw: Iterable<[string, string]>, localOf: (key: string) => string, o: PrepareOptions = {}): Prepared {
    const now = this.now();
    const { spec, d } = this;
    // 1. validation (each key looked at again only when its value changed)
    const gen = ++this.gen;
    const dirty = new Set<string>();
    // The first prepare() also settles what adoptFrom() carried over.
    let refusalsChanged = gen === 1;
    const forget = (full: string, s: Look): void => {
      if (s.refusal) {
        this.refusals.delete(full);
        refusalsChanged = true;
      } else {
        this.members.get(s.unit)?.delete(full);
        dirty.add(s.unit);
      }
    };
    const visit = (full: string, value: string): void => {
      const old = this.seen.get(full);
      if (old !== undefined && old.value === value) {
        old.gen = gen;
        return;
      }
      if (old !== undefined) forget(full, old);
      const s = this.look(full, value, localOf, gen);
      this.seen.set(full, s);
      if (s.refusal) {
        this.refusals.set(full, s.refusal);
        refusalsChanged = true;
      } else {
        let m = this.members.get(s.unit);
        if (!m) this.members.set(s.unit, (m = new Set()));
        m.add(full);
        dirty.add(s.unit);
      }
    };
    // With the keys changed since the last prepare() (and a guard that has seen the others), only they are looked
    // at; otherwise every key is, and a key not visited was deleted.
    const changedOnly = o.changed !== undefined && gen > 1 ? o.changed : undefined;
    if (changedOnly !== undefined) {
      if (!(raw instanceof Map)) throw new TypeError('prepare(): `changed` needs the raw keys as a Map');
      const rawMap = raw as ReadonlyMap<string, string>;
      for (const full of changedOnly) {
        const value = rawMap.get(full);
        if (value !== undefined) visit(full, value);
        else {
          const old = this.seen.get(full);
          if (old === undefined) continue;
          this.seen.delete(full);
          forget(full, old);
        }
      }
    } else {
      let visited = 0;
      for (const [full, value] of raw) {
        visited++;
        visit(full, value);
      }
      if (visited < this.seen.size) {
        for (const [full, s] of this.seen) {
          if (s.gen === gen) continue;
          this.seen.delete(full);
          forget(full, s);
        }
      }
    }
    for (const unit of dirty) {
      const fulls = this.members.get(unit);
      if (fulls === undefined || fulls.size === 0) {
        this.members.delete(unit);
        this.valid.delete(unit);
        continue;
      }
      const m = new Map<string, string>();
      for (const full of fulls) {
        const s = this.seen.get(full);
        if (s) m.set(s.local, s.value);
      }
      this.valid.set(unit, m);
    }
    if (refusalsChanged) {
      const refused = new Map<string, string>();
      for (const r of this.refusals.values()) refused.set(r.path, r.reason);
      for (const [path, reason] of refused) {
        if (this.invalid.get(path) === reason) continue;
        this.invalid.set(path, reason);
        this.invalidTotal++;
        d.log.warn(`${d.name}: left out ${JSON.stringify(path)}: ${reason}`, { resource: d.name, guard: 'invalid' });
      }
      for (const path of this.invalid.keys()) if (!refused.has(path)) this.invalid.delete(path);
    }

    const base = this.baseline;
    // The units whose candidate may change: the changed ones, the incomplete (a timeout) and quarantined ones, and
    // those whose baseline changed; every unit when the caller gave no changes or the baseline came from outside.
    let units: Set<string>;
    if (changedOnly === undefined || this.allStale) {
      units = new Set([...this.valid.keys(), ...this.pre.keys(), ...this.synced.keys(), ...(base?.keys() ?? [])]);
      this.removed.clear();
    } else {
      units = dirty;
      for (const u of this.baseTouched) units.add(u);
    }
    for (const u of this.incomplete.keys()) units.add(u);
    for (const u of this.quarantined.keys()) units.add(u);
    this.allStale = false;
    this.baseTouched = new Set();

    for (const unit of units) {
      let keys = this.valid.get(unit);
      // 2. records: a unit held back while incomplete keeps its installed version (until its timeout)
      if (keys === undefined) this.incomplete.delete(unit);
      else {
        const rec = this.recordSpecOf(unit);
        const have = keys;
        const missing = rec ? rec.fields.filter((f) => !have.has(`${unit}/${f}`)) : [];
        if (rec === undefined || missing.length === 0) this.incomplete.delete(unit);
        else {
          let inc = this.incomplete.get(unit);
          if (!inc) this.incomplete.set(unit, (inc = { missing, since: now, reported: false }));
          inc.missing = missing;
          const expired = now - inc.since >= rec.timeoutMs;
          if (expired && !inc.reported) {
            inc.reported = true;
            d.log.warn(`${d.name}: record ${JSON.stringify(unit)} has been incomplete for ${formatDuration(rec.timeoutMs)} (missing ${missing.join(', ')}): ${base?.has(unit) ? 'its installed version is removed' : 'left out'}`, { resource: d.name, guard: 'incomplete' });
          } else if (o.onetime && !inc.reported) {
            // A one-shot run has no later: say now what waits for the next one.
            inc.reported = true;
            d.log.warn(`${d.name}: record ${JSON.stringify(unit)} is incomplete (missing ${missing.join(', ')}): ${base?.has(unit) ? 'its installed version is kept' : 'left out'}`, { resource: d.name, guard: 'incomplete' });
          }
          const installed = base?.get(unit);
          keys = installed && !expired ? installed : undefined;
        }
      }
      // 3. quarantine: a refused record stays at its installed version until it changes
      const q = this.quarantined.get(unit);
      if (q !== undefined) {
        if (fingerprint(keys) === q.fingerprint) keys = base?.get(unit);
        else {
          this.quarantined.delete(unit);
          d.log.info(`${d.name}: quarantined ${JSON.stringify(unit)} changed: trying it again`, { resource: d.name, guard: 'quarantine' });
        }
      }
      setOrDelete(this.pre, unit, keys);
      if (keys === undefined && base?.has(unit)) this.removed.add(unit);
      else this.removed.delete(unit);
    }

    // 4. removal limits
    let skip = false;
    let keep = false;
    if (spec.maxRemoved !== undefined || spec.minKeys !== undefined) {
      const size = this.pre.size;
      if (base === undefined) {
        if (spec.minKeys !== undefined && size < spec.minKeys) {
          if (this.releaseRequested) d.log.warn(`${d.name}: released by the operator: rendering ${size} records (min_keys = ${spec.minKeys})`);
          else {
            skip = true;
            this.hold({ since: this.held?.since ?? now, removed: 0, total: 0, first: [], limit: `min_keys = ${spec.minKeys}` }, size);
          }
        } else if (this.held) this.endHold(`${d.name}: ${size} records now: the hold ends`);
      } else {
        const removed = this.removed.size;
        if (this.held) {
          if (removed === 0) this.endHold(`${d.name}: the held records are back: the hold ends with nothing applied`, 'info');
          else if (this.releaseRequested) this.endHold(`${d.name}: released by the operator: applying the removal of ${removed} of ${base.size} records`);
          else if (this.held.applyAt !== undefined && now >= this.held.applyAt) {
            this.endHold(`${d.name}: the removal of ${removed} of ${base.size} records has been held for ${formatDuration(spec.holdMs)}: applying it`);
          } else {
            this.held = { ...this.held, removed, first: this.firstRemoved() };
            keep = true;
          }
        } else {
          const limit = this.crossedLimit(removed, base.size, size);
          if (limit !== undefined && !this.releaseRequested) {
            this.hold({ since: now, removed, total: base.size, first: this.firstRemoved(), limit, applyAt: spec.holdMs > 0 ? now + spec.holdMs : undefined }, size);
            keep = true;
          }
        }
      }
    }
    this.releaseRequested = false;

    // The candidate: `pre`, plus the removed units at their installed version while a hold keeps them.
    if (keep) for (const u of this.removed) units.add(u);
    for (const u of this.kept) units.add(u);
    const kept = new Set<string>();
    for (const u of units) {
      let keys = this.pre.get(u);
      if (keys === undefined && keep && this.removed.has(u)) {
        keys = base?.get(u);
        kept.add(u);
      }
      setOrDelete(this.candidate, u, keys);
    }
    this.kept = kept;
    for (const u of this.excluded) units.add(u);
    this.excluded = new Set();
    const changed = this.sync(units, (u) => this.candidate.get(u));
    return { skip, held: this.held !== undefined, changed };
  }

  /** The first removed units, by name (for the log and the state). */
  private firstRemoved(): string[] {
    return [...this.removed].sort().slice(0, FIRST);
  }

  /** Validates one key: its clean local key and unit, or why it is refused. */
  private look(full: string, value: string, localOf: (key: string) => string, gen: number): Look {
    const { spec } = this;
    const local = cleanKey(localOf(full));
    if (spec.cleanPaths) {
      const why = uncleanReason(full);
      if (why) return { value, local, unit: local, refusal: { path: full, reason: `${why} (it would be read as ${local})` }, gen };
    }
    const refusal = spec.validate.length ? checkKey(spec.validate, local, value) : undefined;
    return { value, local, unit: this.unitOf(local), refusal, gen };
  }

  private crossedLimit(removed: number, total: number, remaining: number): string | undefined {
    const { maxRemoved, minKeys } = this.spec;
    if (removed === 0) return undefined;
    if (maxRemoved !== undefined) {
      if ('count' in maxRemoved && removed > maxRemoved.count) return `max_removed = ${maxRemoved.count}`;
      // A percentage never holds a single record going (the ordinary deregistration, 100% of a one-server set).
      if ('percent' in maxRemoved && removed > 1 && (removed * 100) / total > maxRemoved.percent) return `max_removed = ${maxRemoved.percent}%`;
    }
    if (minKeys !== undefined && remaining < minKeys) return `min_keys = ${minKeys}`;
    return undefined;
  }

  private hold(h: Omit<HeldChange, 'applyAt'> & { applyAt?: number | undefined }, remaining: number): void {
    const { d } = this;
    const wasHeld = this.held !== undefined;
    this.held = { ...h, applyAt: h.applyAt ?? this.held?.applyAt };
    if (wasHeld) return;
    const what =
      h.total > 0
        ? `a change removing ${h.removed} of ${h.total} records (${h.limit}): ${h.first.join(', ')}${h.removed > h.first.length ? ', ...' : ''}`
        : `a render with ${remaining} records (${h.limit})`;
    const until = this.spec.holdMs > 0 ? `the hold ends in ${formatDuration(this.spec.holdMs)}` : 'until an operator releases it';
    d.log.error(`${d.name}: holding ${what}; ${d.dest} stays as it is, ${until} (confd -release ${d.name}, or SIGUSR1 to release every hold)`, {
      resource: d.name,
      guard: 'held',
    });
  }

  private endHold(msg: string, level: 'info' | 'warn' = 'warn'): void {
    this.held = undefined;
    this.d.log[level](msg, { resource: this.d.name, guard: 'held' });
  }

  /** An operator's release: the next prepare() applies what is held. Returns whether anything was held. */
  release(): boolean {
    if (this.held === undefined) return false;
    this.releaseRequested = true;
    return true;
  }

  /** When prepare() must run again without a key change (a hold or a record timeout expires), if ever. */
  nextWakeAt(): number | undefined {
    let at = this.held?.applyAt;
    for (const [unit, inc] of this.incomplete) {
      if (inc.reported) continue;
      const t = inc.since + (this.recordSpecOf(unit)?.timeoutMs ?? 0);
      if (at === undefined || t < at) at = t;
    }
    return at;
  }

  /** Records whose content differs from the baseline in the last prepare(): the suspects when a check fails. */
  changedUnits(): string[] {
    const base = this.baseline;
    const out: string[] = [];
    for (const u of new Set([...this.candidate.keys(), ...(base?.keys() ?? [])])) {
      const c = this.candidate.get(u);
      const b = base?.get(u);
      if (c !== b && fingerprint(c) !== fingerprint(b)) out.push(u);
    }
    return out.sort();
  }

  /** Makes the store the last candidate with `units` at their baseline version (for quarantine's bisection). */
  exclude(units: ReadonlySet<string>): void {
    const touched = new Set([...this.excluded, ...units]);
    this.excluded = new Set(units);
    this.sync(touched, (u) => (units.has(u) ? this.baseline?.get(u) : this.candidate.get(u)));
  }

  /** Quarantines `units` (at their current content) because check_cmd refused them. */
  quarantine(units: readonly string[], reason: string): void {
    const now = this.now();
    for (const u of units) this.quarantined.set(u, { fingerprint: fingerprint(this.candidate.get(u)), since: now, reason });
  }

  /** The store's content was installed (or found in sync): it is the new baseline. Returns whether it changed. */
  commit(): boolean {
    const changed = this.uncommitted || this.baseline === undefined;
    if (this.baseline === undefined || this.baselineForeign) {
      // A baseline of another origin: the records whose content it had otherwise are looked at again.
      const old = this.baseline;
      this.baseline = UnitTable.from(this.synced);
      this.baselineForeign = false;
      for (const [u, m] of this.synced) if (!sameUnit(old?.get(u), m)) this.baseTouched.add(u);
      if (old) for (const u of old.keys()) if (!this.synced.has(u)) this.baseTouched.add(u);
    } else {
      for (const u of this.sinceCommit) {
        const m = this.synced.get(u);
        if (m === undefined) this.baseline.delete(u);
        else this.baseline.set(u, m);
        this.baseTouched.add(u);
      }
    }
    this.sinceCommit.clear();
    this.uncommitted = false;
    return changed;
  }

  /** Carries the run-time state over from the same resource's guard before a reload of the definitions. */
  adoptFrom(old: ResourceGuard): void {
    // Shared with the old guard, which is no longer used; this guard's first commit() makes its own.
    this.baseline = old.baseline;
    this.baselineForeign = true;
    this.allStale = true;
    this.held = old.held;
    for (const [k, v] of old.quarantined) this.quarantined.set(k, v);
    for (const [k, v] of old.incomplete) this.incomplete.set(k, v);
    for (const [k, v] of old.invalid) this.invalid.set(k, v);
    this.invalidTotal = old.invalidTotal;
    this.lastRollback = old.lastRollback;
  }

  noteRollback(message: string): void {
    this.lastRollback = { at: this.now(), message };
  }

  /** A read-only snapshot for logs, the state file and status pages (records and keys by name). */
  state(): GuardState {
    const byName = <T>(m: ReadonlyMap<string, T>): Array<[string, T]> => [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return Object.freeze({
      resource: this.d.name,
      held: this.held,
      quarantined: byName(this.quarantined).map(([record, q]) => ({ record, since: q.since, reason: q.reason })),
      invalid: byName(this.invalid).map(([path, reason]) => ({ path, reason })),
      incomplete: byName(this.incomplete).map(([record, i]) => ({ record, missing: [...i.missing], since: i.since })),
      invalidTotal: this.invalidTotal,
      lastRollback: this.lastRollback,
    });
  }

  /**
   * Makes the store hold `want(u)` for each of `units`; returns whether anything changed. A key belongs to one
   * unit (unitOf() of the key), and a unit's map is never changed in place: a unit with the same map as the store's
   * is in the store already.
   */
  private sync(units: Iterable<string>, want: (unit: string) => Unit | undefined): boolean {
    let changed = false;
    const store = this.store;
    for (const u of units) {
      const was = this.synced.get(u);
      const now = want(u);
      if (was === now) continue;
      if (was) for (const k of was.keys()) if (!now?.has(k)) changed = store.delete(k) || changed;
      if (now) {
        for (const [k, v] of now) {
          if (was?.get(k) === v) continue;
          store.set(k, v);
          changed = true;
        }
      }
      setOrDelete(this.synced, u, now);
      this.sinceCommit.add(u);
    }
    if (changed) this.uncommitted = true;
    return changed;
  }
}
