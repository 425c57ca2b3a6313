// Raw key prefixes (etcd's semantics: "/db" also covers "/dbx"), as the backends match them and the runner
// combines the keys of its resources: written once here.

/** True when `key` equals or lies below any of `prefixes` by raw string prefix. */
export function matchesRawPrefix(key: string, prefixes: readonly string[]): boolean {
  for (const p of prefixes) if (key.startsWith(p)) return true;
  return false;
}

/** The smallest set of prefixes covering the same keys: duplicates and prefixes under a shorter one dropped. */
export function minimalPrefixes(prefixes: readonly string[]): string[] {
  const sorted = [...new Set(prefixes)].sort();
  const out: string[] = [];
  for (const p of sorted) {
    if (!matchesRawPrefix(p, out)) out.push(p);
  }
  return out;
}
