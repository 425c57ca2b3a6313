// Skipping (loudly) or failing when a real server binary is missing.
//
//   describe('etcdv3', { skip: serverSkip('etcd') }, () => { ... })   // whole group
//   if (!requireServer(t, 'etcd')) return;                           // inside one test
//
// Missing binary: a loud message on stderr and a skip, unless REQUIRE_SERVERS=1 (CI), where the tests run
// and fail on the ServerBinaryMissingError that starting the server throws.

import type { TestContext } from 'node:test';
import { findBinary, ServerBinaryMissingError } from '../../tools/devservers/process.js';
import type { BackendOptions } from '../../src/backends/types.js';

const announced = new Set<string>();

function missingMessage(binary: string): string | undefined {
  try {
    findBinary(binary);
    return undefined;
  } catch (err) {
    if (!(err instanceof ServerBinaryMissingError)) throw err;
    return `SKIPPED: real server "${binary}" is not installed (${err.message}); set REQUIRE_SERVERS=1 to make this a failure`;
  }
}

/** For `describe(..., { skip })`: false when the binary exists (or REQUIRE_SERVERS=1), else a skip message. */
export function serverSkip(...binaries: string[]): string | false {
  for (const b of binaries) {
    const msg = missingMessage(b);
    if (msg === undefined) continue;
    if (process.env['REQUIRE_SERVERS'] === '1') return false;
    if (!announced.has(b)) {
      announced.add(b);
      process.stderr.write(`\n!!!!! ${msg} !!!!!\n\n`);
    }
    return msg;
  }
  return false;
}

/** Inside a test: true when the server can be used; otherwise skips `t` loudly (or fails with REQUIRE_SERVERS=1). */
export function requireServer(t: TestContext, ...binaries: string[]): boolean {
  const skip = serverSkip(...binaries);
  if (skip === false) {
    if (process.env['REQUIRE_SERVERS'] === '1') for (const b of binaries) findBinary(b); // throws -> test fails
    return true;
  }
  t.skip(skip);
  return false;
}

/** BackendOptions with confd's defaults, overridden by `o`. */
export function backendOptions(o: Partial<BackendOptions> = {}): BackendOptions {
  return {
    nodes: [],
    scheme: 'http',
    clientInsecure: false,
    basicAuth: false,
    files: [],
    filter: '*',
    separator: '/',
    requestTimeoutMs: 5000,
    ...o,
  };
}

/** A logger collecting lines (assert on warnings) and printing nothing unless DEBUG_BACKENDS=1. */
export function memoryLog(): BackendOptions['log'] & { lines: string[] } {
  const lines: string[] = [];
  const add = (level: string) => (msg: string): void => {
    lines.push(`${level} ${msg}`);
    if (process.env['DEBUG_BACKENDS'] === '1') process.stderr.write(`${level} ${msg}\n`);
  };
  return { lines, debug: add('DEBUG'), info: add('INFO'), warn: add('WARNING'), error: add('ERROR') };
}
