// Shared by `npm run demo` and test/haproxy.test.ts: copies of the examples/ resources pointed at temp
// destinations and at a test haproxy, and the confd-ts daemon as a child process.

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'smol-toml';
import { startProcess, type StartedProcess } from '../devservers/process.js';

/** The repository root (tools/demo/ → repo root). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLES_DIR = join(REPO_ROOT, 'examples');
/** The confd command (bin/confd runs the bundle that `npm run build` makes). */
export const CONFD_BIN = join(REPO_ROOT, 'bin', 'confd');
const CONFD_BUNDLE = join(REPO_ROOT, 'dist', 'bundle', 'confd.cjs');

export class ConfdNotBuiltError extends Error {
  override readonly name = 'ConfdNotBuiltError';
  readonly code = 'ENOTBUILT';
  constructor() {
    super(`${CONFD_BUNDLE} does not exist: build confd-ts first (npm run build)`);
  }
}

/** `[node, bin/confd]`, or throws ConfdNotBuiltError. */
export function confdCommand(): [string, string] {
  if (!existsSync(CONFD_BUNDLE)) throw new ConfdNotBuiltError();
  return [process.execPath, CONFD_BIN];
}

export interface ExampleConfdirOptions {
  /** Which example of examples/: "haproxy" or "nginx". */
  readonly example: 'haproxy' | 'nginx';
  /** Directory to create `confd/` (conf.d + templates) and `out/` (the destination) in. */
  readonly dir: string;
  /** Replaces the example's check_cmd (e.g. with an absolute haproxy path); null removes it. */
  readonly checkCmd?: string | null;
  /** Replaces the example's reload_cmd; null removes it. */
  readonly reloadCmd?: string | null;
}

export interface ExampleConfdir {
  readonly confdir: string;
  /** The resource file, conf.d/<example>.toml. */
  readonly resourcePath: string;
  /** Where the rendered file goes (inside `dir`). */
  readonly dest: string;
  /** Rewrites the resource's check_cmd / reload_cmd (null removes), as the options above. */
  setCommands(o: { checkCmd?: string | null; reloadCmd?: string | null }): void;
}

/** Copies examples/<example> into `dir/confd`, with dest inside `dir/out` and the commands replaced. */
export function prepareExampleConfdir(o: ExampleConfdirOptions): ExampleConfdir {
  const src = join(EXAMPLES_DIR, o.example);
  const confdir = join(o.dir, 'confd');
  mkdirSync(join(confdir, 'conf.d'), { recursive: true });
  mkdirSync(join(confdir, 'templates'), { recursive: true });
  mkdirSync(join(o.dir, 'out'), { recursive: true });
  for (const name of readdirSync(join(src, 'templates'))) {
    copyFileSync(join(src, 'templates', name), join(confdir, 'templates', name));
  }
  const tomlName = `${o.example}.toml`;
  const original = parse(readFileSync(join(src, 'conf.d', tomlName), 'utf8'));
  const template = original['template'];
  if (typeof template !== 'object' || template === null || Array.isArray(template)) {
    throw new Error(`examples/${o.example}/conf.d/${tomlName}: no [template] table`);
  }
  const dest = join(o.dir, 'out', o.example === 'haproxy' ? 'haproxy.cfg' : 'nginx.conf');
  const resourcePath = join(confdir, 'conf.d', tomlName);
  let table: Record<string, unknown> = { ...(template as Record<string, unknown>), dest };
  const apply = (c: { checkCmd?: string | null; reloadCmd?: string | null }): void => {
    table = { ...table };
    if (c.checkCmd === null) delete table['check_cmd'];
    else if (c.checkCmd !== undefined) table['check_cmd'] = c.checkCmd;
    if (c.reloadCmd === null) delete table['reload_cmd'];
    else if (c.reloadCmd !== undefined) table['reload_cmd'] = c.reloadCmd;
    writeFileSync(resourcePath, stringify({ template: table }));
  };
  apply(o);
  return { confdir, resourcePath, dest, setCommands: apply };
}

export interface ConfdRun {
  readonly code: number | null;
  readonly output: string;
}

/** Runs `confd -onetime ...args` to completion. */
export async function runConfdOnce(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<ConfdRun> {
  const [node, main] = confdCommand();
  const proc = startProcess({ name: 'confd -onetime', command: node, args: [main, '-onetime', ...args], env });
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    const exit = await proc.exited;
    return { code: exit.code, output: proc.output() };
  } finally {
    clearInterval(keepAlive);
  }
}

/** Starts `confd -watch ...args` in its own process group (stopped with `.kill()`, or at exit). */
export function startConfdWatch(args: readonly string[], o: { env?: NodeJS.ProcessEnv; echo?: boolean } = {}): StartedProcess {
  const [node, main] = confdCommand();
  return startProcess({ name: 'confd -watch', command: node, args: [main, '-watch', ...args], env: o.env, echo: o.echo });
}

/** The registration agent's command (bin/confd-register runs dist/cli/register.js). */
export const REGISTER_BIN = join(REPO_ROOT, 'bin', 'confd-register');

/** `[node, bin/confd-register]`, or throws ConfdNotBuiltError. */
export function registerCommand(): [string, string] {
  if (!existsSync(join(REPO_ROOT, 'dist', 'cli', 'register.js'))) throw new ConfdNotBuiltError();
  return [process.execPath, REGISTER_BIN];
}

/** Starts `confd-register ...args` in its own process group (stopped with `.kill()`, or at exit). */
export function startRegisterAgent(name: string, args: readonly string[], o: { env?: NodeJS.ProcessEnv; echo?: boolean } = {}): StartedProcess {
  const [node, main] = registerCommand();
  return startProcess({ name: `confd-register ${name}`, command: node, args: [main, ...args], env: o.env, echo: o.echo });
}
