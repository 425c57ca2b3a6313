// The guard's baseline: records (units) by name, each a map of keys to values that is never changed once made, kept
// with the JSON text the state directory stores (baseline.json, N.json). Writing 30,000 keys as JSON after one
// changed must not serialize the other 29,998: units are spread over 256 buckets by a hash of their name, each
// bucket keeps its text, and a change makes only its bucket's text again (~120 keys at 30,000). The text is handed
// out as pieces (one per bucket) that are never changed either, so a snapshot for a write due later is an array of
// 256 references.

export type Unit = ReadonlyMap<string, string>;

const BUCKETS = 256;
const OPEN_BRACE = Buffer.from('{');
const CLOSE_BRACE = Buffer.from('}');
const COMMA = Buffer.from(',');

/** FNV-1a over the UTF-16 code units: which bucket a unit's name falls in. */
function bucketOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % BUCKETS;
}

interface Bucket {
  readonly units: Map<string, Unit>;
  /** The bucket's JSON text (its units' texts joined by commas), or null when a unit changed since it was made. */
  json: Buffer | null;
}

export class UnitTable {
  private readonly buckets: Bucket[] = Array.from({ length: BUCKETS }, () => ({ units: new Map(), json: null }));
  private count = 0;

  static from(units: Iterable<[string, Unit]>): UnitTable {
    const t = new UnitTable();
    for (const [name, m] of units) t.set(name, m);
    return t;
  }

  get size(): number {
    return this.count;
  }

  private bucket(name: string): Bucket {
    return this.buckets[bucketOf(name)] as Bucket;
  }

  get(name: string): Unit | undefined {
    return this.bucket(name).units.get(name);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  set(name: string, m: Unit): void {
    const b = this.bucket(name);
    const was = b.units.get(name);
    if (was === m) return;
    if (was === undefined) this.count++;
    b.units.set(name, m);
    b.json = null;
  }

  delete(name: string): void {
    const b = this.bucket(name);
    if (!b.units.delete(name)) return;
    this.count--;
    b.json = null;
  }

  *keys(): IterableIterator<string> {
    for (const b of this.buckets) yield* b.units.keys();
  }

  *entries(): IterableIterator<[string, Unit]> {
    for (const b of this.buckets) yield* b.units.entries();
  }

  /**
   * Every key and value of every unit as the UTF-8 text of one JSON object (what JSON.stringify of an object of
   * them gives), in pieces to write one after the other. The pieces are never changed: they may be written later.
   */
  json(): Buffer[] {
    const parts: Buffer[] = [OPEN_BRACE];
    for (const b of this.buckets) {
      if (b.units.size === 0) continue;
      if (b.json === null) {
        const texts: string[] = [];
        for (const m of b.units.values()) for (const [k, v] of m) texts.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
        // Not from Node's shared pool (Buffer.from of a small string would be): a bucket's text kept for long
        // must not keep a pool chunk's other, long dead, texts alive with it.
        const text = texts.join(',');
        b.json = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
        b.json.write(text);
      }
      if (b.json.length === 0) continue;
      if (parts.length > 1) parts.push(COMMA);
      parts.push(b.json);
    }
    parts.push(CLOSE_BRACE);
    return parts;
  }
}
