// Reading the daemon's HTTP endpoint (-metrics-addr) in tests: scrape /metrics into numbers, ask /ready, and
// start a watching daemon against a real etcd with the endpoint on a free loopback port.

import type { TestContext } from 'node:test';
import { freePort } from '../../tools/devservers/process.js';
import { startConfd, type RunningConfd } from '../daemon-support.js';

/** The value of one sample: `name{labels}` exactly as Prometheus prints it, or `name` without labels. */
export type Samples = Map<string, number>;

export async function scrape(base: string): Promise<Samples> {
  const res = await fetch(`${base}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const out: Samples = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** A sample's value; 0 when absent (a counter not yet incremented). */
export function sample(s: Samples, key: string): number {
  return s.get(key) ?? 0;
}

export async function ready(base: string): Promise<{ status: number; body: { ready: boolean; reasons: string[] } }> {
  const res = await fetch(`${base}/ready`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; reasons: string[] } };
}

/** Polls `cond` (async) every 25 ms until true. */
export async function eventually(cond: () => Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface ObservedDaemon {
  readonly confd: RunningConfd;
  /** "http://127.0.0.1:PORT" */
  readonly base: string;
}

/** bin/confd -watch against etcd with -metrics-addr on a free loopback port; resolves once the endpoint answers. */
export async function startObservedDaemon(t: TestContext, o: { endpoint: string; confdir: string; extra?: string[]; env?: Record<string, string> }): Promise<ObservedDaemon> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const confd = startConfd(t, ['-watch', '-backend', 'etcdv3', '-node', o.endpoint, '-confdir', o.confdir, '-metrics-addr', `127.0.0.1:${port}`, ...(o.extra ?? [])], o.env ? { env: o.env } : {});
  await confd.waitForLog(/Serving \/metrics/);
  return { confd, base };
}
