// Shared by `npm run demo` and test/haproxy.test.ts: copies of the examples/ resources pointed at temp
// destinations and at a test haproxy, and the confd-ts daemon as a child process.

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
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
  /** Replaces the example's reload_cmd (of its main resource: haproxy's domain map has none); null removes it. */
  readonly reloadCmd?: string | null;
  /**
   * The `[template.haproxy]` table (runtime_socket, master_socket, ...). The example's own points at Debian's
   * paths, which a test haproxy never uses: it is removed unless this gives one.
   */
  readonly haproxy?: HaproxyTable | null;
}

/** `[template.haproxy]` keys, as written in the TOML. */
export type HaproxyTable = Readonly<Record<string, string>>;


export interface ExampleConfdir {
  readonly confdir: string;
  /** The resource file, conf.d/<example>.toml. */
  readonly resourcePath: string;
  /** Where the rendered file goes (inside `dir`). */
  readonly dest: string;
  /** haproxy: where the domain map goes (inside `dir`); the config must be rendered with HAPROXY_DOMAIN_MAP set to it. */
  readonly mapDest?: string;
  /** confd-ts's state directory for this copy (inside `dir`): pass it as -state-dir, or the example's guarded resources write the machine's /var/lib/confd-ts. */
  readonly stateDir: string;
  /** Rewrites the resource's check_cmd / reload_cmd / [template.haproxy] (null removes), as the options above. */
  setCommands(o: { checkCmd?: string | null; reloadCmd?: string | null; haproxy?: HaproxyTable | null }): void;
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
  // Every resource of the example (haproxy has a second one, the domain map), each writing into dir/out.
  const tomlName = `${o.example}.toml`;
  const resources = readdirSync(join(src, 'conf.d'))
    .filter((n) => n.endsWith('.toml'))
    .map((name) => {
      const original = parse(readFileSync(join(src, 'conf.d', name), 'utf8'));
      const template = original['template'];
      if (typeof template !== 'object' || template === null || Array.isArray(template)) {
        throw new Error(`examples/${o.example}/conf.d/${name}: no [template] table`);
      }
      const t = template as Record<string, unknown>;
      const dest = join(o.dir, 'out', basename(String(t['dest'])));
      const own = t['haproxy'];
      // The example's own [template.haproxy] keys that are not about where haproxy is (kind = "map").
      const kind = typeof own === 'object' && own !== null && 'kind' in own ? { kind: String((own as Record<string, unknown>)['kind']) } : {};
      const table: Record<string, unknown> = { ...t, dest };
      delete table['haproxy'];
      return { name, path: join(confdir, 'conf.d', name), dest, table, kind, main: name === tomlName };
    });
  const main = resources.find((r) => r.main);
  if (!main) throw new Error(`examples/${o.example}/conf.d/${tomlName} does not exist`);
  const apply = (c: { checkCmd?: string | null; reloadCmd?: string | null; haproxy?: HaproxyTable | null }): void => {
    for (const r of resources) {
      const table = r.table;
      if (c.haproxy === null) delete table['haproxy'];
      else if (c.haproxy !== undefined) table['haproxy'] = { ...c.haproxy, ...r.kind };
      if (r.main) {
        if (c.checkCmd === null) delete table['check_cmd'];
        else if (c.checkCmd !== undefined) table['check_cmd'] = c.checkCmd;
        if (c.reloadCmd === null) delete table['reload_cmd'];
        else if (c.reloadCmd !== undefined) table['reload_cmd'] = c.reloadCmd;
      }
      writeFileSync(r.path, stringify({ template: table }));
    }
  };
  apply(o);
  const maps = resources.filter((r) => !r.main).map((r) => r.dest);
  return { confdir, resourcePath: main.path, dest: main.dest, ...(maps[0] !== undefined ? { mapDest: maps[0] } : {}), stateDir: join(o.dir, 'state'), setCommands: apply };
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

/** Starts `confd -watch ...args` in its own process group (stopped with `.kill()`, or at exit); `nodeArgs` go to node (e.g. --cpu-prof). */
export function startConfdWatch(args: readonly string[], o: { env?: NodeJS.ProcessEnv; echo?: boolean; nodeArgs?: readonly string[] } = {}): StartedProcess {
  const [node, main] = confdCommand();
  return startProcess({ name: 'confd -watch', command: node, args: [...(o.nodeArgs ?? []), main, '-watch', ...args], env: o.env, echo: o.echo });
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
