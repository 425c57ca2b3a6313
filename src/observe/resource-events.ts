// Turning the outcome of one resource run (src/resource's ProcessResult, or its ResourceError) into events, so the
// runner reports a run with one call instead of knowing every event type.

import type { ProcessResult } from '../resource/resource.js';
import type { EventBus, ResourceRef } from './events.js';

export interface RunOutcome {
  readonly resource: ResourceRef;
  readonly result?: ProcessResult;
  readonly error?: unknown;
  /** How long the run took (render included). */
  readonly ms: number;
  /** The backend revision the resource's keys reflected when the run started. */
  readonly revision: bigint | undefined;
  /** When the earliest change this run includes reached the daemon; undefined for a full (re)read. */
  readonly changedAt: number | undefined;
}

function stepOf(e: unknown): string {
  return e instanceof Error && 'step' in e && typeof (e as { step: unknown }).step === 'string' ? (e as { step: string }).step : 'render';
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Emits what one run did. Call only when `bus.active`. */
export function emitRun(bus: EventBus, o: RunOutcome): void {
  const resource = o.resource;
  if (o.error !== undefined) {
    const step = stepOf(o.error);
    const error = messageOf(o.error);
    if (step !== 'render') bus.emit({ type: 'render', resource, ms: o.ms });
    if (step === 'check') bus.emit({ type: 'check-failed', resource, error });
    else if (step === 'reload') bus.emit({ type: 'reload-failed', resource, error });
    else bus.emit({ type: 'failed', resource, step, error });
    return;
  }
  const r = o.result;
  if (r === undefined) return;
  bus.emit({ type: 'render', resource, ms: o.ms });
  switch (r.status) {
    case 'in-sync':
      bus.emit({ type: 'skipped-unchanged', resource });
      break;
    case 'would-update':
      break;
    case 'reloaded':
      bus.emit({ type: 'reload-ok', resource });
      bus.emit({ type: 'applied', resource, kind: 'reload' });
      break;
    case 'updated':
      bus.emit({ type: 'installed', resource, previous: r.previous, content: r.content });
      if (r.reloaded) {
        // The haproxy applier (issue 14) reports a change it made through the Runtime API as kind "runtime".
        const kind = r.applied?.kind === 'runtime' ? 'runtime' : 'reload';
        if (kind === 'reload') bus.emit({ type: 'reload-ok', resource });
        bus.emit({ type: 'applied', resource, kind });
      }
      break;
  }
  if (o.revision !== undefined) bus.emit({ type: 'revision-applied', resource, revision: o.revision, changedAt: o.changedAt, installed: r.status === 'updated' });
}
