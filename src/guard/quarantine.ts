// Finding the records that make check_cmd refuse a render, so that one bad registration cannot block every
// other change: the changed records are split in halves, each half tried on top of what already passed, down to
// single records (bisection: about 2·k·log2(n) checks for k bad records among n changed ones).

export interface BisectResult<T> {
  /** Records left out because every render including them was refused (or the check budget ran out). */
  readonly bad: readonly string[];
  /** What the last passing check returned (the render without `bad`); undefined if none passed. */
  readonly passed: T | undefined;
  readonly checks: number;
}

/**
 * `units` are the changed records; `tryWithout(excluded)` renders with those left out and checks, returning a
 * value when the check passes. The render with every unit included is known to fail. `bad` is empty when the
 * render without any of them fails too (the records are not the cause).
 */
export async function bisect<T>(units: readonly string[], tryWithout: (excluded: ReadonlySet<string>) => Promise<T | undefined>, maxChecks = 32): Promise<BisectResult<T>> {
  const accepted = new Set<string>();
  const bad: string[] = [];
  let passed: T | undefined;
  let checks = 0;
  const all = [...units];
  // First the render with every changed record left out (what passed last time): when even that is refused, the
  // records are not the cause (a broken check command, the environment) and bisecting would only burn checks.
  checks++;
  const base = await tryWithout(new Set(all));
  if (base === undefined) return { bad: [], passed: undefined, checks };
  if (all.length === 1) return { bad: all, passed: base, checks };

  /** Decides `s` on top of `accepted`; `knownBad`: accepted ∪ s is already known to fail. */
  const solve = async (s: readonly string[], knownBad: boolean): Promise<void> => {
    if (s.length === 0) return;
    if (!knownBad) {
      if (checks >= maxChecks) {
        bad.push(...s);
        return;
      }
      checks++;
      const inc = new Set([...accepted, ...s]);
      const r = await tryWithout(new Set(all.filter((u) => !inc.has(u))));
      if (r !== undefined) {
        for (const u of s) accepted.add(u);
        passed = r;
        return;
      }
    }
    const [only] = s;
    if (s.length === 1 && only !== undefined) {
      bad.push(only);
      return;
    }
    const mid = Math.ceil(s.length / 2);
    const first = s.slice(0, mid);
    const before = accepted.size;
    await solve(first, false);
    // If the whole first half was accepted, the second half on top of it is the set known to fail.
    await solve(s.slice(mid), accepted.size - before === first.length);
  };
  await solve(all, true);
  // Nothing passed on the way: every changed record is bad, and the render without them is the first one tried.
  return { bad: bad.sort(), passed: passed ?? base, checks };
}
