// A unified diff (as `diff -u` prints it) for -noop: what would change in dest.
// Myers' O(ND) algorithm on lines after trimming the common head and tail; when the edit distance is very large
// the middle is shown as one replaced block (still a correct diff, just not minimal).

/* eslint-disable @typescript-eslint/no-non-null-assertion -- Myers' algorithm on arrays whose indices the loop
   bounds keep in range (the furthest-reaching paths V[k-1], V[k+1] for -d <= k <= d, the lines before lo/hi):
   each `!` is such an index. */

type Op = { readonly kind: ' ' | '-' | '+'; readonly line: string };

const MAX_D = 4000;

function splitLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

function myers(a: readonly string[], b: readonly string[]): Op[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_D);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) x = v[offset + k + 1]!;
      else x = v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        // Backtrack through the saved frontiers.
        const ops: Op[] = [];
        let cx = n;
        let cy = m;
        for (let dd = d; dd > 0; dd--) {
          const pv = trace[dd]!;
          const kk = cx - cy;
          const prevK = kk === -dd || (kk !== dd && pv[offset + kk - 1]! < pv[offset + kk + 1]!) ? kk + 1 : kk - 1;
          const px = pv[offset + prevK]!;
          const py = px - prevK;
          while (cx > px && cy > py) ops.push({ kind: ' ', line: a[--cx]! }), cy--;
          if (cx === px) ops.push({ kind: '+', line: b[--cy]! });
          else ops.push({ kind: '-', line: a[--cx]! });
        }
        while (cx > 0 && cy > 0) ops.push({ kind: ' ', line: a[--cx]! }), cy--;
        return ops.reverse();
      }
    }
    v = v.slice();
  }
  return undefined;
}

function diffOps(a: readonly string[], b: readonly string[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const am = a.slice(head, a.length - tail);
  const bm = b.slice(head, b.length - tail);
  const middle = myers(am, bm) ?? [...am.map((line) => ({ kind: '-' as const, line })), ...bm.map((line) => ({ kind: '+' as const, line }))];
  return [
    ...a.slice(0, head).map((line) => ({ kind: ' ' as const, line })),
    ...middle,
    ...a.slice(a.length - tail).map((line) => ({ kind: ' ' as const, line })),
  ];
}

/** Unified diff of `oldText` -> `newText` with `context` lines; '' when equal. */
export function unifiedDiff(oldText: string, newText: string, o: { oldName: string; newName: string; context?: number }): string {
  if (oldText === newText) return '';
  const ctx = o.context ?? 3;
  const ops = diffOps(splitLines(oldText), splitLines(newText));
  const out = [`--- ${o.oldName}`, `+++ ${o.newName}`];
  // Group changes into hunks with `ctx` lines of context around them.
  let i = 0;
  const n = ops.length;
  const oldLine = new Int32Array(n + 1);
  const newLine = new Int32Array(n + 1);
  for (let j = 0, ol = 1, nl = 1; j < n; j++) {
    oldLine[j] = ol;
    newLine[j] = nl;
    if (ops[j]!.kind !== '+') ol++;
    if (ops[j]!.kind !== '-') nl++;
  }
  while (i < n) {
    while (i < n && ops[i]!.kind === ' ') i++;
    if (i >= n) break;
    const start = Math.max(0, i - ctx);
    let end = i;
    // Extend while the next change is within 2*ctx unchanged lines.
    for (;;) {
      while (end < n && ops[end]!.kind !== ' ') end++;
      let k = end;
      while (k < n && ops[k]!.kind === ' ' && k - end < 2 * ctx) k++;
      if (k < n && ops[k]!.kind !== ' ') end = k;
      else break;
    }
    const stop = Math.min(n, end + ctx);
    let oc = 0;
    let nc = 0;
    for (let j = start; j < stop; j++) {
      if (ops[j]!.kind !== '+') oc++;
      if (ops[j]!.kind !== '-') nc++;
    }
    const os = oc === 0 ? oldLine[start]! - 1 : oldLine[start]!;
    const ns = nc === 0 ? newLine[start]! - 1 : newLine[start]!;
    out.push(`@@ -${os}${oc === 1 ? '' : `,${oc}`} +${ns}${nc === 1 ? '' : `,${nc}`} @@`);
    for (let j = start; j < stop; j++) out.push(`${ops[j]!.kind}${ops[j]!.line}`);
    i = stop;
  }
  return `${out.join('\n')}\n`;
}
