// Summarises V8 CPU profiles (.cpuprofile, as written by node --cpu-prof): where the daemon's time goes,
// by self time and by inclusive time per function, so a bench run names its bottlenecks.

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface FunctionCost {
  readonly name: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Time outside JavaScript and GC: the process waiting for I/O. */
  readonly idleMs: number;
  readonly functions: readonly FunctionCost[];
}

function label(f: CallFrame, root: string): string {
  const name = f.functionName === '' ? '(anonymous)' : f.functionName;
  if (f.url === '') return name;
  let where = f.url.replace(/^file:\/\//, '');
  if (where.startsWith('/')) where = relative(root, where);
  return `${name} ${where}:${f.lineNumber + 1}`;
}

/** A slice of the profile in milliseconds since it started (e.g. from process start to the first render). */
export interface ProfileWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Self and inclusive time per function (recursion counted once per sample), optionally within `window`. */
export function summarizeProfile(path: string, root = process.cwd(), window?: ProfileWindow): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let idleUs = 0;
  let sinceStartUs = 0;
  let windowUs = 0;
  // timeDeltas[i] is the time before sample i; attributing it to sample i is V8's own convention (DevTools).
  for (let i = 0; i < samples.length; i++) {
    sinceStartUs += deltas[i] ?? 0;
    if (window !== undefined && (sinceStartUs < window.fromMs * 1000 || sinceStartUs >= window.toMs * 1000)) continue;
    const us = deltas[i + 1] ?? 0;
    windowUs += us;
    let id: number | undefined = samples[i];
    const leaf = id === undefined ? undefined : byId.get(id);
    if (leaf === undefined) continue;
    if (leaf.callFrame.functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const leafLabel = label(leaf.callFrame, root);
    self.set(leafLabel, (self.get(leafLabel) ?? 0) + us);
    const seen = new Set<string>();
    while (id !== undefined) {
      const node = byId.get(id);
      if (node === undefined) break;
      const l = label(node.callFrame, root);
      if (!seen.has(l) && node.callFrame.functionName !== '(root)') {
        seen.add(l);
        total.set(l, (total.get(l) ?? 0) + us);
      }
      id = parent.get(id);
    }
  }
  const functions = [...total.entries()].map(([name, t]) => ({ name, selfMs: (self.get(name) ?? 0) / 1000, totalMs: t / 1000 }));
  const totalMs = window === undefined ? (profile.endTime - profile.startTime) / 1000 : windowUs / 1000;
  return { totalMs, idleMs: idleUs / 1000, functions };
}

/** A short text report: the top functions by self time and by inclusive time. */
export function formatProfile(s: ProfileSummary, top = 25): string {
  const busy = s.totalMs - s.idleMs;
  const lines = [`profile: ${(s.totalMs / 1000).toFixed(1)} s wall, ${(busy / 1000).toFixed(2)} s busy (not idle)`];
  const row = (f: FunctionCost): string =>
    `  ${f.selfMs.toFixed(0).padStart(7)} ms self ${f.totalMs.toFixed(0).padStart(7)} ms total  ${f.name}`;
  lines.push('top by self time:');
  for (const f of [...s.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top)) lines.push(row(f));
  lines.push('top by inclusive time:');
  for (const f of [...s.functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, top)) lines.push(row(f));
  return lines.join('\n');
}
