// Shared helpers for the CLI and daemon integration tests: locate the built CLI and the fixtures, make temp
// confdirs, and run `bin/confd` as a real process in its own process group that is always killed at the end.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const confdBin = join(repoRoot, 'bin', 'confd');

/** The repository's test data (test/fixtures: the conformance corpus and the seed scenario, with their provenance). */
export const fixturesDir = join(repoRoot, 'test', 'fixtures');

/** The CLI must be built, bundle included: the tests run what ships (npm test builds first). */
export function requireBuilt(): void {
  for (const f of [join('dist', 'cli', 'main.js'), join('dist', 'bundle', 'confd.cjs')]) {
    if (!existsSync(join(repoRoot, f))) throw new Error(`${f} is missing: run \`npm run build\` in ${repoRoot} first (npm test does)`);
  }
}

/** The seed scenario (test/fixtures/seed/scenario) set up in `dir`: a writable confdir rendering to `dest`. */
export interface SeedScenario {
  readonly confdir: string;
  readonly dest: string;
  /** The seed's keys, for the file backend. */
  readonly keys: string;
  /** What the Go confd renders from them, byte for byte. */
  readonly expected: string;
}

export function seedScenario(dir: string): SeedScenario {
  const scenario = join(fixturesDir, 'seed', 'scenario');
  const confdir = join(dir, 'confd');
  const dest = join(dir, 'haproxy.cfg');
  // Fresh, writable copies of the fixture; only dest's placeholder changes.
  mkdirSync(join(confdir, 'conf.d'), { recursive: true });
  mkdirSync(join(confdir, 'templates'), { recursive: true });
  const toml = readFileSync(join(scenario, 'confd', 'conf.d', 'haproxy.toml'), 'utf8');
  writeFileSync(join(confdir, 'conf.d', 'haproxy.toml'), toml.replace('"DEST"', JSON.stringify(dest)));
  writeFileSync(join(confdir, 'templates', 'haproxy.cfg.tmpl'), readFileSync(join(scenario, 'confd', 'templates', 'haproxy.cfg.tmpl')));
  return { confdir, dest, keys: join(scenario, 'keys.yaml'), expected: readFileSync(join(scenario, 'expected-haproxy.cfg'), 'utf8') };
}

export function tempDir(t: TestContext | { after(fn: () => void): void }, name = 'confd-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), name));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface ResourceFiles {
  name: string;
  template: string;
  /** Extra [template] lines (TOML), besides src/dest/keys. */
  toml?: string;
  dest: string;
  keys?: string[];
}

/** Writes confdir/conf.d/NAME.toml and confdir/templates/NAME.tmpl. */
export function writeResource(confdir: string, r: ResourceFiles): void {
  mkdirSync(join(confdir, 'conf.d'), { recursive: true });
  mkdirSync(join(confdir, 'templates'), { recursive: true });
  writeFileSync(join(confdir, 'templates', `${r.name}.tmpl`), r.template);
  const toml = `[template]\nsrc = "${r.name}.tmpl"\ndest = ${JSON.stringify(r.dest)}\nkeys = [${(r.keys ?? ['/']).map((k) => JSON.stringify(k)).join(', ')}]\n${r.toml ?? ''}`;
  // Written via rename so that a watching daemon reloading conf.d never sees half a file.
  const tmp = join(confdir, 'conf.d', `.${r.name}.tmp`);
  writeFileSync(tmp, toml);
  renameSync(tmp, join(confdir, 'conf.d', `${r.name}.toml`));
}

/** Writes a keys file for the file backend atomically (write + rename), as a config-management tool would. */
export function writeKeys(path: string, keys: Record<string, string>): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(keys));
  renameSync(tmp, path);
}

export function stageFiles(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('.confd-stage-'));
}

/** Runs bin/confd to completion. */
export function runConfd(args: string[], o: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [confdBin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', ...o.env },
    cwd: o.cwd ?? repoRoot,
    timeout: o.timeoutMs ?? 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface RunningConfd {
  readonly proc: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit status (or signal name). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>;
  signal(sig: NodeJS.Signals): void;
}

/** Starts bin/confd as a daemon in its own process group; the group is SIGKILLed when the test ends. */
export function startConfd(t: TestContext, args: string[], o: { env?: Record<string, string> } = {}): RunningConfd {
  const proc = spawn(process.execPath, [confdBin, ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', ...o.env },
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  let alive = true;
  void exited.then(() => (alive = false));
  t.after(() => {
    if (alive && proc.pid !== undefined) {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  return {
    proc,
    pid: proc.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForLog(re, timeoutMs = 10_000) {
      await waitFor(() => re.test(err), timeoutMs, () => `log ${re} not seen; stderr so far:\n${err}`);
    },
    signal(sig) {
      process.kill(proc.pid!, sig);
    },
  };
}

export async function waitFor(cond: () => boolean, timeoutMs = 10_000, what: () => string = () => 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function readIf(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
