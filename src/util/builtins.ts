// Node.js built-in modules loaded on first use. Loading one costs milliseconds (node:crypto ~2.8 ms,
// node:child_process ~1.9 ms, node:v8 ~1.1 ms here), and a one-shot run whose files are already in sync needs none
// of them: imported at the top of a module they would be paid on every start.

import { createRequire } from 'node:module';

const nodeRequire = createRequire(import.meta.url);

let childProcessModule: typeof import('node:child_process') | undefined;
let cryptoModule: typeof import('node:crypto') | undefined;
let v8Module: typeof import('node:v8') | undefined;

export function childProcess(): typeof import('node:child_process') {
  return (childProcessModule ??= nodeRequire('node:child_process') as typeof import('node:child_process'));
}

export function crypto(): typeof import('node:crypto') {
  return (cryptoModule ??= nodeRequire('node:crypto') as typeof import('node:crypto'));
}

export function v8(): typeof import('node:v8') {
  return (v8Module ??= nodeRequire('node:v8') as typeof import('node:v8'));
}
