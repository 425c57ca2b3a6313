// confd's env backend (backends/env/client.go): a key prefix `/app/db` is looked for as environment names
// starting with `APP_DB` (leading "/" dropped, "/" -> "_", upper-cased), and every matching variable becomes the
// key "/" + lower-cased name with "_" -> "/" (APP_DB_HOST -> /app/db/host). Matching is by raw string prefix,
// so `/app/db` also picks up APP_DBX. There is no watch: the daemon polls with -interval.

import { readFileSync } from 'node:fs';
import { decodeBytes } from '../../govalue/bytes.js';
import { BackendError, type Backend, type BackendOptions, type Snapshot } from '../types.js';
import { toLower, toUpper } from '../../resource/funcs.js';

export interface EnvBackendSeams {
  /** The environment to read (default: process.env at each read). */
  readonly environ?: () => Readonly<Record<string, string | undefined>>;
}

/** confd's transform(): key prefix -> environment name prefix. */
export function envName(key: string): string {
  const k = key.startsWith('/') ? key.slice(1) : key;
  return toUpper(k.replaceAll('/', '_'));
}

/** confd's clean(): environment name -> key. */
export function envKey(name: string): string {
  return toLower(`/${name}`).replaceAll('_', '/');
}

export function createEnvBackend(o: BackendOptions, seams: EnvBackendSeams = {}): Backend {
  const environ = seams.environ ?? processEnviron;
  let revision = 0n;
  let last: Map<string, string> | null = null;
  let closed = false;
  return {
    name: 'env',
    async read(prefixes: readonly string[], signal?: AbortSignal): Promise<Snapshot> {
      signal?.throwIfAborted();
      if (closed) throw new BackendError('env backend: closed', 'ECLOSED', { retryable: false });
      const env = environ();
      const values = new Map<string, string>();
      for (const prefix of prefixes) {
        const k = envName(prefix);
        for (const [name, value] of Object.entries(env)) {
          if (value !== undefined && name.startsWith(k)) values.set(envKey(name), value);
        }
      }
      if (last === null || !same(last, values)) {
        revision++;
        last = values;
      }
      o.log?.debug(`env backend: ${values.size} keys for ${prefixes.join(', ')}`);
      return { revision, values };
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}

function same(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/**
 * process.env, except that values Node decoded with U+FFFD (bytes that are not UTF-8) are read again as bytes from
 * /proc/self/environ, as the Go confd sees them (govalue/bytes.ts). Elsewhere, or if that file is unreadable, the
 * decoded values stand.
 */
function processEnviron(): Readonly<Record<string, string | undefined>> {
  const env = process.env;
  let lossy: Set<string> | undefined;
  for (const [name, value] of Object.entries(env)) if (value?.includes('\ufffd')) (lossy ??= new Set()).add(name);
  if (lossy === undefined) return env;
  let raw: Buffer;
  try {
    raw = readFileSync('/proc/self/environ');
  } catch {
    return env;
  }
  const out: Record<string, string | undefined> = { ...env };
  for (let start = 0; start < raw.length; ) {
    let end = raw.indexOf(0, start);
    if (end < 0) end = raw.length;
    const eq = raw.indexOf(0x3d, start);
    if (eq > start && eq < end) {
      const name = decodeBytes(raw.subarray(start, eq));
      if (lossy.has(name)) out[name] = decodeBytes(raw.subarray(eq + 1, end));
    }
    start = end + 1;
  }
  return out;
}
