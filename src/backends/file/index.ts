// confd's file backend (backends/file/client.go + util.RecursiveFilesLookup): `-file` names YAML files or
// directories (repeatable); directories are walked in lexical order and their files kept when the file *name*
// matches `-filter` (path.Match, default "*"); a named file is read whatever its name. Later files override
// earlier keys. read() keeps the keys under the requested prefixes (raw string prefix).
//
// watch() reacts to fs.watch events on the parent directories of named files and on every directory of named
// trees (so editors that replace files by rename, and symlink swaps as Kubernetes does, are seen), waits until
// the files are quiet for a few milliseconds, re-reads everything and yields the differences. A file that fails
// to parse yields nothing: the error is logged with file, line and column, and the previous data stays.

import { readFile as readFileCb, readdir as readdirCb, realpath as realpathCb, stat as statCb, watch as fsWatch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { BackendError, type Backend, type BackendOptions, type Change, type Snapshot, type WatchEvent } from '../types.js';
import { BadPatternError, pathMatch } from '../../memkv/gopath.js';
import { matchesRawPrefix } from '../../util/prefixes.js';
import { YamlFileError, parseYamlKeys } from './yaml.js';

export { YamlFileError } from './yaml.js';

// node:fs with callbacks, promisified: node:fs/promises costs a one-shot run ~0.8 ms to load, and its readFile
// reads in chunks and decodes them in JavaScript where this one decodes in native code (~0.7 ms less for 1 MB).
const readFile = promisify(readFileCb);
const readdir = promisify(readdirCb);
const realpath = promisify(realpathCb);
const stat = promisify(statCb);

/** Quiet time after the last file event before re-reading (editors write in several steps). */
const SETTLE_MS = 15;
/** Longest a stream of events may delay a re-read. */
const MAX_SETTLE_MS = 250;

interface Loaded {
  /** All keys; never modified once loaded (it may be a cached file's map, and snapshots may share it). */
  readonly values: ReadonlyMap<string, string>;
  /** Directories to watch. */
  readonly dirs: Set<string>;
}

export function createFileBackend(o: BackendOptions): Backend {
  return new FileBackend(o);
}

class FileBackend implements Backend {
  readonly name = 'file';
  private revision = 0n;
  private last: ReadonlyMap<string, string> | null = null;
  /** Parsed keys per file, reused while the file's text is unchanged. */
  private readonly cache = new Map<string, { text: string; vars: Map<string, string> }>();
  private closed = false;
  private readonly watchers = new Set<() => void>();
  /** The text of the file the last load failed on ('' when it could not be read), to report a fault once. */
  private failedText: string | undefined;

  constructor(private readonly o: BackendOptions) {
    if (o.files.length === 0) throw new BackendError('file backend: no -file given', 'ECONFIG', { retryable: false });
  }

  async read(prefixes: readonly string[], signal?: AbortSignal): Promise<Snapshot> {
    signal?.throwIfAborted();
    const loaded = await this.load();
    signal?.throwIfAborted();
    this.advance(loaded.values);
    return { revision: this.revision, values: filter(loaded.values, prefixes) };
  }

  /** Count a new revision when the data changed since the last load. */
  private advance(values: ReadonlyMap<string, string>): void {
    if (this.last === null || !sameMap(this.last, values)) {
      this.revision++;
      this.last = values;
    }
  }

  async *watch(prefixes: readonly string[], fromRevision: bigint, signal: AbortSignal): AsyncIterable<WatchEvent> {
    let wake: (() => void) | null = null;
    let pending = false;
    const notify = (): void => {
      pending = true;
      wake?.();
    };
    const watched = new Map<string, FSWatcher>();
    const unwatchable = new Set<string>();
    const watchDirs = (dirs: Iterable<string>): void => {
      for (const d of dirs) {
        if (watched.has(d)) continue;
        try {
          // persistent: an active watch keeps the process alive, as the daemon expects; closed on abort or close().
          const w = fsWatch(d, { persistent: true }, () => notify());
          w.on('error', (e) => {
            this.o.log?.warn(`file backend: watching ${d}: ${(e as Error).message}`);
            watched.delete(d);
            w.close();
            notify();
          });
          watched.set(d, w);
        } catch (e) {
          // Tried again at every load (each event): say so once per directory, not once per event.
          if (!unwatchable.has(d)) this.o.log?.warn(`file backend: cannot watch ${d}: ${(e as Error).message}`);
          unwatchable.add(d);
          continue;
        }
        unwatchable.delete(d);
      }
    };
    const stopAll = (): void => {
      for (const w of watched.values()) w.close();
      watched.clear();
      wake?.();
    };
    this.watchers.add(stopAll);
    // Close the watchers as soon as the signal aborts, even if the consumer never pulls again.
    const onAbort = (): void => stopAll();
    signal.addEventListener('abort', onAbort);
    try {
      // Watch first, then re-read: nothing written after the caller's read is lost.
      let prev = this.last;
      let needReset = prev === null || fromRevision !== this.revision;
      let first = true;
      /** The fault last reported (message and the text it was found in): each is logged once, not per event. */
      let reported: string | undefined;
      while (!signal.aborted && !this.closed) {
        if (!first) {
          if (!pending) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              if (pending || signal.aborted || this.closed) resolve();
            });
            wake = null;
          }
          if (signal.aborted || this.closed) break;
          await this.settle(() => pending, (v) => (pending = v), signal);
          if (signal.aborted || this.closed) break;
        }
        if (first) watchDirs(await this.watchTargets().catch(() => []));
        first = false;
        pending = false;
        let loaded: Loaded;
        try {
          loaded = await this.load(watchDirs, true);
        } catch (e) {
          // Keep the previous data; the next event retries. Parse errors name file, line and column. Other files
          // in the watched directories (confd's own log, even) change often: report a fault once per change of
          // the broken file's content, not once per event.
          const fault = `${(e as Error).message}\u0000${this.failedText ?? ''}`;
          if (fault !== reported) this.o.log?.error(`file backend: ${(e as Error).message}`);
          reported = fault;
          continue;
        }
        if (reported !== undefined) this.o.log?.info(`file backend: ${this.o.files.join(', ')} read without errors again`);
        reported = undefined;
        this.advance(loaded.values);
        if (needReset || prev === null) {
          needReset = false;
          prev = loaded.values;
          yield { kind: 'reset', snapshot: { revision: this.revision, values: filter(loaded.values, prefixes) } };
          continue;
        }
        const changes = diff(prev, loaded.values, prefixes);
        prev = loaded.values;
        if (changes.length > 0) yield { kind: 'changes', revision: this.revision, changes };
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.watchers.delete(stopAll);
      stopAll();
    }
  }

  /** Wait until no event arrived for SETTLE_MS (at most MAX_SETTLE_MS). */
  private async settle(isPending: () => boolean, setPending: (v: boolean) => void, signal: AbortSignal): Promise<void> {
    const start = Date.now();
    for (;;) {
      setPending(false);
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      if (signal.aborted || this.closed || !isPending() || Date.now() - start >= MAX_SETTLE_MS) return;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const stop of this.watchers) stop();
    this.watchers.clear();
  }

  /** Directories to watch even when reading fails (so a fixed file is noticed). */
  private async watchTargets(): Promise<string[]> {
    const out: string[] = [];
    for (const p of this.o.files) {
      const st = await stat(p).catch(() => null);
      out.push(st?.isDirectory() ? p : dirname(p));
    }
    return out;
  }

  /**
   * Read every file as confd does. Throws BackendError naming the file (and line/column for YAML errors).
   * `watching`: a file that had keys and is now empty (or only whitespace) is taken as being rewritten in place
   * (truncate, then write), not as "no keys": rendering from it would install an empty config. It fails this read
   * and the previous keys stay until the file has content again; `{}` is how to say "no keys" explicitly.
   */
  private async load(watchDirs?: (dirs: Iterable<string>) => void, watching = false): Promise<Loaded> {
    const parsed: Map<string, string>[] = [];
    const dirs = new Set<string>();
    const files: string[] = [];
    this.failedText = '';
    for (const p of this.o.files) files.push(...(await this.lookup(p, dirs)));
    watchDirs?.(dirs);
    const seen = new Set<string>();
    for (const f of files) {
      seen.add(f);
      this.failedText = '';
      let text: string;
      try {
        text = await readFile(f, 'utf8');
      } catch (e) {
        throw new BackendError(`cannot read ${f}: ${(e as Error).message}`, errCode(e), { cause: e });
      }
      this.failedText = text;
      let entry = this.cache.get(f);
      if (watching && entry !== undefined && entry.vars.size > 0 && text.trim() === '') {
        throw new BackendError(`${f} is empty (being rewritten?): keeping its previous keys until it has content; write {} to remove them all`, 'EEMPTY');
      }
      if (entry === undefined || entry.text !== text) {
        const vars = new Map<string, string>();
        try {
          parseYamlKeys(f, text, vars);
        } catch (e) {
          if (e instanceof YamlFileError) throw new BackendError(e.message, 'EPARSE', { cause: e }); // retryable: the file may be fixed
          throw e;
        }
        entry = { text, vars };
        this.cache.set(f, entry);
      }
      parsed.push(entry.vars);
    }
    this.failedText = undefined;
    for (const f of this.cache.keys()) if (!seen.has(f)) this.cache.delete(f);
    // One file (the usual case): its parsed map is the result, shared read-only with the cache.
    if (parsed.length === 1) return { values: parsed[0] as Map<string, string>, dirs };
    const values = new Map<string, string>();
    for (const vars of parsed) for (const [k, v] of vars) values.set(k, v);
    return { values, dirs };
  }

  /** util.RecursiveFilesLookup(root, filter) plus the directories to watch for it. */
  private async lookup(root: string, dirs: Set<string>): Promise<string[]> {
    let real: string;
    try {
      real = await realpath(root);
    } catch (e) {
      dirs.add(dirname(root));
      throw new BackendError(`cannot read ${root}: ${(e as Error).message}`, errCode(e), { cause: e });
    }
    const st = await stat(real);
    if (!st.isDirectory()) {
      // Watch the directory of the name given (a symlink swap there changes what it points to) and the target's.
      dirs.add(dirname(root));
      dirs.add(dirname(real));
      return [real];
    }
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      dirs.add(dir);
      // filepath.Walk: lexical order, symlinks not followed into directories.
      const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const ent of entries) {
        const p = join(dir, ent.name);
        if (ent.isDirectory()) {
          await walk(p);
          continue;
        }
        if (!this.matches(ent.name)) continue;
        // confd resolves symlinks and keeps what is not a directory.
        const target = await realpath(p).catch(() => null);
        if (target === null) continue;
        const tst = await stat(target).catch(() => null);
        if (tst === null || tst.isDirectory()) continue;
        out.push(target);
      }
    };
    await walk(real);
    return out;
  }

  private matches(name: string): boolean {
    try {
      return pathMatch(this.o.filter || '*', name);
    } catch (e) {
      if (e instanceof BadPatternError) throw new BackendError(`invalid -filter ${JSON.stringify(this.o.filter)}: ${e.message}`, 'ECONFIG', { retryable: false });
      throw e;
    }
  }
}

function errCode(e: unknown): string {
  const c = (e as NodeJS.ErrnoException).code;
  return typeof c === 'string' ? c : 'EIO';
}

/** The keys under the prefixes: `values` itself when that is all of them (snapshots are read-only). */
function filter(values: ReadonlyMap<string, string>, prefixes: readonly string[]): ReadonlyMap<string, string> {
  let all = true;
  if (prefixes.length === 1) {
    const p = prefixes[0] as string; // the usual case, kept free of a call per key
    for (const k of values.keys()) {
      if (!k.startsWith(p)) {
        all = false;
        break;
      }
    }
  } else {
    for (const k of values.keys()) {
      if (!matchesRawPrefix(k, prefixes)) {
        all = false;
        break;
      }
    }
  }
  if (all) return values;
  const out = new Map<string, string>();
  for (const [k, v] of values) if (matchesRawPrefix(k, prefixes)) out.set(k, v);
  return out;
}

function sameMap(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function diff(prev: ReadonlyMap<string, string>, next: ReadonlyMap<string, string>, prefixes: readonly string[]): Change[] {
  const changes: Change[] = [];
  if (prev === next) return changes;
  for (const [k, v] of next) if (prev.get(k) !== v && matchesRawPrefix(k, prefixes)) changes.push({ type: 'put', key: k, value: v });
  for (const k of prev.keys()) if (!next.has(k) && matchesRawPrefix(k, prefixes)) changes.push({ type: 'delete', key: k });
  return changes;
}
