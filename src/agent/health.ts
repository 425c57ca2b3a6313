// Health checks (HTTP status, TCP connect, a command's exit status) and the rise/fall gate that turns their
// results into "registered or not", as haproxy does for its own server checks: a registered service is withdrawn
// after `fall` failing rounds in a row, a withdrawn one comes back after `rise` passing rounds. At start a
// service is down and registers after its first passing round (it has never been seen healthy, so there is no
// flap to damp); a service without checks is always up.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { describeResult, type CommandRunner } from '../resource/command.js';
import type { CheckSpec, HealthSpec } from './spec.js';

export interface CheckResult {
  readonly ok: boolean;
  /** Why it failed, or what passed ("HTTP 200"), for logs. */
  readonly detail: string;
}

export interface CheckDeps {
  readonly runCommand: CommandRunner;
}

function httpCheck(url: string, timeoutMs: number, status: HealthSpec['httpStatus'], signal: AbortSignal): Promise<CheckResult> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, { method: 'GET', agent: false, signal, headers: { 'user-agent': 'confd-register' } }, (res) => {
      res.resume(); // the body does not matter; drain it so the socket closes
      const code = res.statusCode ?? 0;
      const ok = code >= status.min && code <= status.max;
      resolve({ ok, detail: ok ? `HTTP ${code}` : `GET ${url}: HTTP ${code} (passing: ${status.min}-${status.max})` });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, detail: `GET ${url}: ${err.message}` }));
    req.end();
  });
}

function tcpCheck(target: string, timeoutMs: number, signal: AbortSignal): Promise<CheckResult> {
  const m = /^\[?([^\]]+?)\]?:([0-9]+)$/.exec(target);
  return new Promise((resolve) => {
    const sock = connect({ host: m?.[1] ?? target, port: Number(m?.[2] ?? 0), signal });
    const done = (r: CheckResult): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, detail: `connect ${target}: no answer within ${timeoutMs} ms` }), timeoutMs);
    sock.once('connect', () => done({ ok: true, detail: `connected to ${target}` }));
    sock.once('error', (err) => done({ ok: false, detail: `connect ${target}: ${err.message}` }));
  });
}

async function execCheck(cmd: string, timeoutMs: number, signal: AbortSignal, deps: CheckDeps): Promise<CheckResult> {
  try {
    const r = await deps.runCommand(cmd, { timeoutMs, signal });
    if (r.code === 0 && !r.timedOut) return { ok: true, detail: `${cmd}: exit status 0` };
    const out = r.output.trim().split('\n').slice(-3).join(' | ');
    return { ok: false, detail: `${cmd}: ${describeResult(r, timeoutMs)}${out ? `: ${out}` : ''}` };
  } catch (err) {
    return { ok: false, detail: `${cmd}: ${(err as Error).message}` };
  }
}

export function runCheck(c: CheckSpec, h: HealthSpec, signal: AbortSignal, deps: CheckDeps): Promise<CheckResult> {
  switch (c.kind) {
    case 'http':
      return httpCheck(c.target, h.timeoutMs, h.httpStatus, signal);
    case 'tcp':
      return tcpCheck(c.target, h.timeoutMs, signal);
    case 'exec':
      return execCheck(c.target, h.timeoutMs, signal, deps);
  }
}

/** One round: every check, in parallel; passes when all pass. */
export async function runChecks(h: HealthSpec, signal: AbortSignal, deps: CheckDeps): Promise<CheckResult> {
  if (h.checks.length === 0) return { ok: true, detail: 'no checks' };
  const results = await Promise.all(h.checks.map((c) => runCheck(c, h, signal, deps)));
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return { ok: true, detail: results.map((r) => r.detail).join('; ') };
  return { ok: false, detail: failed.map((r) => r.detail).join('; ') };
}

export type HealthTransition = 'up' | 'down' | undefined;

/** The rise/fall gate. */
export class HealthGate {
  private upState = false;
  private seenUp = false;
  private streak = 0;
  constructor(private readonly spec: Pick<HealthSpec, 'rise' | 'fall'>) {}

  get up(): boolean {
    return this.upState;
  }

  /** Feeds one round's result; returns the transition it caused, if any. */
  record(ok: boolean): HealthTransition {
    if (ok === this.upState) {
      this.streak = 0;
      return undefined;
    }
    this.streak += 1;
    const needed = ok ? (this.seenUp ? this.spec.rise : 1) : this.spec.fall;
    if (this.streak < needed) return undefined;
    this.streak = 0;
    this.upState = ok;
    if (ok) this.seenUp = true;
    return ok ? 'up' : 'down';
  }
}
