// Watches the rendered file and tells when its content satisfies a condition, with the time it was first seen.
//
// The daemon installs by renaming a staged file over dest, so every read sees one whole version. fs.watch on
// the directory (inotify) reports the rename within microseconds; a stat poll runs beside it in case an event
// is lost or fs.watch is unavailable, and re-reads only when inode, size or mtime changed.

import { watch, readFileSync, statSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface Sighting {
  /** performance.now() when the content was first seen to satisfy the condition. */
  readonly at: number;
  readonly content: string;
}

interface Waiter {
  readonly test: (content: string) => boolean;
  readonly resolve: (s: Sighting | undefined) => void;
  readonly timer: NodeJS.Timeout;
}

export class DestWatcher {
  private readonly dir: string;
  private readonly name: string;
  private fsWatcher: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private lastStamp = '';
  private content: string | undefined;
  private readonly waiters = new Set<Waiter>();
  /** Distinct versions of the file seen (a lower bound of the daemon's installs). */
  versions = 0;
  /** How many versions the stat poll saw first (fs.watch missed or was late). */
  pollFirst = 0;

  constructor(readonly path: string, pollIntervalMs = 5) {
    this.dir = dirname(path);
    this.name = basename(path);
    try {
      this.fsWatcher = watch(this.dir, { persistent: false }, (_event, filename) => {
        if (filename === null || filename === this.name) this.check(false);
      });
      this.fsWatcher.on('error', () => this.stopFsWatch());
    } catch {
      this.fsWatcher = undefined; // the poll alone then
    }
    this.poller = setInterval(() => this.check(true), pollIntervalMs);
    this.poller.unref();
    this.check(true);
  }

  /** The last content read (undefined while dest does not exist). */
  current(): string | undefined {
    return this.content;
  }

  /**
   * Resolves with the first sighting of content for which `test` holds — immediately if the current content
   * does — or with undefined after `timeoutMs`.
   */
  waitFor(test: (content: string) => boolean, timeoutMs: number): Promise<Sighting | undefined> {
    this.check(true);
    if (this.content !== undefined && test(this.content)) {
      return Promise.resolve({ at: performance.now(), content: this.content });
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        test,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(undefined);
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  close(): void {
    this.stopFsWatch();
    if (this.poller !== undefined) clearInterval(this.poller);
    this.poller = undefined;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
    this.waiters.clear();
  }

  private stopFsWatch(): void {
    this.fsWatcher?.close();
    this.fsWatcher = undefined;
  }

  private check(fromPoll: boolean): void {
    // The moment we noticed; reading a 2 MB file takes about a millisecond and is not the daemon's time.
    const at = performance.now();
    let stamp: string;
    try {
      const st = statSync(this.path, { bigint: true });
      stamp = `${st.ino}:${st.size}:${st.mtimeNs}`;
    } catch {
      return; // not there yet (or between unlink and rename of a non-atomic writer)
    }
    if (stamp === this.lastStamp) return;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return;
    }
    this.lastStamp = stamp;
    if (text === this.content) return;
    this.content = text;
    this.versions++;
    if (fromPoll) this.pollFirst++;
    for (const w of this.waiters) {
      if (w.test(text)) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve({ at, content: text });
      }
    }
  }
}
