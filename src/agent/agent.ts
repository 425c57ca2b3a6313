// The registration agent: keeps each service's registration in the registry exactly while the service is
// healthy, registers again on its own when the registry lost it (lease expired during an etcd outage), and on
// stop drains before withdrawing: the drain marker first (haproxy stops sending new requests to the server and
// lets established ones finish), then the grace period, then one withdrawal of everything.
//
// One loop per service: run the checks, feed the rise/fall gate, then reconcile (register when up and not
// registered, withdraw when down and registered). Reconciling at every round is what makes recovery automatic: a
// registration that failed, or that the registry lost, is simply "not registered" and is written again at the
// next round, at most one check interval after etcd is back.

import type { Logger } from '../log/index.js';
import type { CommandRunner } from '../resource/command.js';
import { HealthGate, runChecks } from './health.js';
import type { Registration, RegistryWriter } from './registry/types.js';
import type { ServiceSpec } from './spec.js';
import { BackendError } from '../backends/types.js';
import { describeError } from '../backends/util.js';

export interface AgentOptions {
  readonly services: readonly ServiceSpec[];
  readonly writer: RegistryWriter;
  readonly log: Logger;
  /** How long the drain marker stands before the registrations are withdrawn. */
  readonly drainGraceMs: number;
  /** Runs -check-exec commands. */
  readonly runCommand: CommandRunner;
  /**
   * Called once with an error that retrying cannot cure (credentials refused, permission denied, unreadable TLS
   * files): the command then stops instead of retrying forever.
   */
  readonly onFatal?: (err: BackendError) => void;
}

interface ServiceState {
  readonly spec: ServiceSpec;
  readonly gate: HealthGate;
  /** What we believe the registry holds for this service. */
  registered: boolean;
  /** Wakes the loop's sleep early (after a loss). */
  wake: () => void;
  lastFailure: string;
}

/** Resolves after `ms`, or early when `signal` aborts or `wake` is called. */
function pause(ms: number, signal: AbortSignal, setWake: (f: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      setWake(() => undefined);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    setWake(done);
  });
}

function registration(s: ServiceSpec): Registration {
  return { id: s.id, dir: s.dir, fields: s.fields, drainKey: s.drainKey };
}

export class Agent {
  private readonly states: ServiceState[];
  private readonly loops = new AbortController();
  private running: Promise<void>[] = [];

  constructor(private readonly o: AgentOptions) {
    this.states = o.services.map((spec) => ({ spec, gate: new HealthGate(spec.health), registered: false, wake: () => undefined, lastFailure: '' }));
    o.writer.onLost((reason) => {
      if (this.loops.signal.aborted) return;
      o.log.warn(`${o.writer.name}: ${reason}: registering again`);
      for (const s of this.states) {
        s.registered = false;
        s.wake();
      }
    });
  }

  /** Which services are registered now (for tests and logs). */
  get registered(): string[] {
    return this.states.filter((s) => s.registered).map((s) => s.spec.id);
  }

  /** Starts the check-and-reconcile loop of every service. */
  start(): void {
    this.running = this.states.map((s) => this.loop(s));
  }

  private async loop(s: ServiceState): Promise<void> {
    const { spec } = s;
    const signal = this.loops.signal;
    const { log } = this.o;
    while (!signal.aborted) {
      if (spec.health.checks.length === 0) {
        if (!s.gate.up) s.gate.record(true);
      } else {
        const r = await runChecks(spec.health, signal, this.o);
        if (signal.aborted) break;
        const change = s.gate.record(r.ok);
        if (!r.ok && r.detail !== s.lastFailure) log.debug(`${spec.id}: check failed: ${r.detail}`);
        s.lastFailure = r.ok ? '' : r.detail;
        if (change === 'up') log.info(`${spec.id}: healthy (${r.detail})`, { service: spec.id });
        if (change === 'down') log.warn(`${spec.id}: unhealthy after ${spec.health.fall} failed checks (${r.detail})`, { service: spec.id });
      }
      await this.reconcile(s);
      await pause(spec.health.intervalMs, signal, (f) => (s.wake = f));
    }
  }

  private async reconcile(s: ServiceState): Promise<void> {
    const { spec } = s;
    const { log, writer } = this.o;
    if (this.loops.signal.aborted) return;
    try {
      if (s.gate.up && !s.registered) {
        await writer.register(registration(spec));
        if (this.loops.signal.aborted) return; // stopping meanwhile: drain() takes over
        s.registered = true;
        log.info(`registered ${spec.id} at ${spec.dir} (ip ${spec.ip}, port ${spec.port})`, { service: spec.id, dir: spec.dir, ip: spec.ip, port: spec.port });
      } else if (!s.gate.up && s.registered) {
        await writer.withdraw(registration(spec));
        s.registered = false;
        log.info(`withdrew ${spec.id} from ${spec.dir}`, { service: spec.id, dir: spec.dir });
      }
    } catch (err) {
      if (err instanceof BackendError && !err.retryable && this.o.onFatal) {
        log.error(describeError(err), { service: spec.id, code: err.code });
        this.o.onFatal(err);
        return;
      }
      log.error(`${describeError(err)}; retrying in ${spec.health.intervalMs} ms`, { service: spec.id });
    }
  }

  /**
   * Stops checking, marks every registered service draining, waits the grace period (cut short when `skipGrace`
   * aborts, or skipped with `grace: false`), then withdraws everything and closes the registry. Never throws: a
   * registration it cannot withdraw expires with the lease (TTL) anyway, which it says.
   */
  async drain(o: { grace: boolean; skipGrace?: AbortSignal }): Promise<boolean> {
    const { log, writer } = this.o;
    this.loops.abort();
    for (const s of this.states) s.wake();
    await Promise.all(this.running);
    // A registration written while stopping (loop raced the abort) is treated as registered.
    const registered = this.states.filter((s) => s.registered);
    let clean = true;
    if (o.grace && registered.length > 0 && this.o.drainGraceMs > 0) {
      let marked = 0;
      for (const s of registered) {
        try {
          await writer.markDraining(registration(s.spec));
          marked++;
          log.info(`draining ${s.spec.id}: ${s.spec.drainKey} = 1`, { service: s.spec.id, key: s.spec.drainKey });
        } catch (err) {
          log.error(`cannot mark ${s.spec.id} draining: ${describeError(err)}`, { service: s.spec.id });
        }
      }
      if (marked > 0) {
        log.info(`waiting ${this.o.drainGraceMs} ms for established sessions before withdrawing`);
        await new Promise<void>((resolve) => {
          const done = (): void => {
            clearTimeout(timer);
            o.skipGrace?.removeEventListener('abort', done);
            resolve();
          };
          const timer = setTimeout(done, this.o.drainGraceMs);
          if (o.skipGrace?.aborted) done();
          else o.skipGrace?.addEventListener('abort', done, { once: true });
        });
      }
    }
    for (const s of registered) {
      try {
        await writer.withdraw(registration(s.spec));
        s.registered = false;
        log.info(`withdrew ${s.spec.id} from ${s.spec.dir}`, { service: s.spec.id, dir: s.spec.dir });
      } catch (err) {
        clean = false;
        log.error(`cannot withdraw ${s.spec.id}: ${describeError(err)}; its keys expire with the agent's TTL`, { service: s.spec.id });
      }
    }
    try {
      await writer.close({ revoke: true });
    } catch (err) {
      clean = false;
      log.warn(`closing the registry: ${describeError(err)}`);
    }
    return clean;
  }
}
