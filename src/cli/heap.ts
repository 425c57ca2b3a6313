// V8 heap sizing for the long-running modes (-watch, -interval).
//
// After each full GC, V8 lets the old generation grow to the live size times a factor it derives from GC speed
// versus allocation speed (aiming at 97% mutator time), between 1.1 and a maximum that is 4 whenever the heap
// limit is 2 GB or more, i.e. on any host with a few GB of RAM (v8 src/heap/heap-controller.cc). A daemon whose
// garbage is mostly big short-lived strings (every render of a 7 MB haproxy.cfg leaves the previous output
// behind) therefore sits at up to four times its live data: 200,000 keys need ~100 MB live but reached
// 470-620 MB RSS. --heap-growing-percent replaces the factor by a fixed one: full GCs come more often (incremental
// and concurrent marking, main-thread pauses of a few ms) and the heap stays near 1.5x live. It is a growth
// heuristic, not a limit: the allocation limit still grows with the live data up to V8's usual maximum, so a
// larger registry gets all the heap it needs, unlike --max-old-space-size, which would crash it.

import { v8 } from '../util/builtins.js';

/** Old generation may grow to (1 + this/100) x live data before the next full GC. */
export const DAEMON_HEAP_GROWING_PERCENT = 50;

const FLAG = /--heap[-_]growing[-_]percent\b/;

/**
 * Sets V8's heap growing factor for a long-running daemon, unless the user already chose one on node's command
 * line (`node --heap-growing-percent=N bin/confd ...`; Node refuses V8 flags like this one in NODE_OPTIONS).
 * Returns the flag set, or undefined when the user's choice was kept.
 */
export function boundHeapGrowth(o: { percent?: number; execArgv?: readonly string[] } = {}): string | undefined {
  const execArgv = o.execArgv ?? process.execArgv;
  if (execArgv.some((a) => FLAG.test(a))) return undefined;
  const flag = `--heap-growing-percent=${o.percent ?? DAEMON_HEAP_GROWING_PERCENT}`;
  v8().setFlagsFromString(flag);
  return flag;
}
