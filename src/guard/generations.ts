// The installed generations of a guarded resource, kept in confd-ts's state directory (-state-dir, default
// /var/lib/confd-ts), never beside dest: haproxy's `-f DIR` or nginx's `include conf.d/*` would read copies left
// there. Each generation is the installed file (N.cfg) and what it came from (N.json: backend revision, time,
// the keys the template saw). baseline.json holds the keys the installed file stands for (the guard's baseline
// after a restart); state.json the guard's state for operators.

import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import { decodeBytes } from '../govalue/bytes.js';
import { writeAll } from '../resource/pipeline.js';
import { join } from 'node:path';

export interface GenerationMeta {
  readonly seq: number;
  readonly dest: string;
  /** Backend revision the render came from (etcd's store revision; 0 for backends without one). */
  readonly revision: string;
  readonly installedAt: string;
  readonly keys: Readonly<Record<string, string>>;
}

/** The directory of one resource: its conf.d name made file-safe, plus a hash of dest (two confdirs may share names). */
export function resourceStateDir(stateDir: string, name: string, dest: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(stateDir, `${safe}-${createHash('sha256').update(dest).digest('hex').slice(0, 8)}`);
}

/**
 * Writes `data` to a temporary file and renames it over `path`. Pieces are written with one writev (no copy into
 * one buffer); a string as UTF-8, or with `content` (a rendered file) as its bytes (writeAll: also bytes that are
 * not UTF-8).
 */
function writeAtomic(path: string, data: string | readonly Uint8Array[], content = false): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    if (typeof data === 'string' && content) writeAll(fd, data);
    else {
      const pieces = typeof data === 'string' ? [Buffer.from(data)] : (data as Uint8Array[]);
      const written = writevSync(fd, pieces);
      if (written < pieces.reduce((n, b) => n + b.byteLength, 0)) {
        // A short write (a nearly full disk): the rest, until it is all written or writing fails.
        const rest = Buffer.concat(pieces).subarray(written);
        for (let off = 0; off < rest.length; ) off += writeSync(fd, rest, off);
      }
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export class Generations {
  constructor(
    readonly dir: string,
    readonly keep: number,
  ) {}

  private seqs(): number[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names
      .map((n) => /^(\d+)\.json$/.exec(n)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  /** Records an installed render; drops generations beyond `keep`. Throws on I/O errors. */
  save(g: { content: string; dest: string; revision: bigint | undefined; keysJson: readonly Uint8Array[] }): Omit<GenerationMeta, 'keys'> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const seqs = this.seqs();
    const seq = (seqs[seqs.length - 1] ?? 0) + 1;
    const meta: Omit<GenerationMeta, 'keys'> = {
      seq,
      dest: g.dest,
      revision: String(g.revision ?? 0n),
      installedAt: new Date().toISOString(),
    };
    writeAtomic(join(this.dir, `${seq}.cfg`), g.content, true); // the file's bytes, also those not UTF-8
    // JSON.stringify({ ...meta, keys }), with the keys' text made by the guard (ResourceGuard.baselineJson).
    writeAtomic(join(this.dir, `${seq}.json`), [Buffer.from(`${JSON.stringify(meta).slice(0, -1)},"keys":`), ...g.keysJson, Buffer.from('}\n')]);
    const old = [...seqs, seq].slice(0, Math.max(0, seqs.length + 1 - Math.max(1, this.keep)));
    for (const s of old) {
      for (const ext of ['cfg', 'json']) {
        try {
          unlinkSync(join(this.dir, `${s}.${ext}`));
        } catch {
          // already gone
        }
      }
    }
    return meta;
  }

  /** The newest generation's metadata, or undefined (none, or unreadable). */
  latest(): GenerationMeta | undefined {
    const seqs = this.seqs();
    for (const seq of [...seqs].reverse()) {
      try {
        return JSON.parse(readFileSync(join(this.dir, `${seq}.json`), 'utf8')) as GenerationMeta;
      } catch {
        // a torn or foreign file: try the one before
      }
    }
    return undefined;
  }

  /** Content of generation `seq`. */
  content(seq: number): string {
    return decodeBytes(readFileSync(join(this.dir, `${seq}.cfg`)));
  }

  list(): number[] {
    return this.seqs();
  }

  /**
   * The keys the installed file stands for (the guard's baseline), written whenever they change, also without an
   * install (a render found in sync): a restart against an emptied registry must find them. `keysJson`: the
   * pieces of a JSON object's UTF-8 text (keys and values).
   */
  writeBaseline(keysJson: readonly Uint8Array[], revision: bigint | undefined): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeAtomic(join(this.dir, 'baseline.json'), [Buffer.from(`{"revision":${JSON.stringify(String(revision ?? 0n))},"keys":`), ...keysJson, Buffer.from('}\n')]);
  }

  /** The baseline written last, else the newest generation's keys. */
  readBaseline(): { readonly keys: Readonly<Record<string, string>>; readonly revision: string } | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, 'baseline.json'), 'utf8')) as { keys: Record<string, string>; revision: string };
    } catch {
      return this.latest();
    }
  }

  /** Writes the guard's state (held change, quarantine, invalid keys) for operators: `cat state.json`. */
  writeState(state: unknown): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeAtomic(join(this.dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  }
}
