// bin/confd, the loader: it runs the bundle with the code cache the build made, ignores a cache V8 rejects, and
// falls back to dist/ when there is no bundle or dist/ was built after it (only tsc was run). The layout cases use
// a copy of bin/confd beside stub bundles, so they never touch the real dist/.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { confdBin, repoRoot, requireBuilt, tempDir } from './daemon-support.js';

interface Layout {
  bin: string;
  bundle: string;
  cache: string;
  distMain: string;
}

/** A package-like tree: bin/confd (the real one), dist/bundle/confd.cjs and dist/cli/main.js as stubs. */
function layout(dir: string): Layout {
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist', 'bundle'), { recursive: true });
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  copyFileSync(confdBin, join(dir, 'bin', 'confd'));
  copyFileSync(join(repoRoot, 'bin', 'package.json'), join(dir, 'bin', 'package.json'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const bundle = join(dir, 'dist', 'bundle', 'confd.cjs');
  // The stub shows it runs as CommonJS with the bundle's own __filename and a require that finds node modules.
  writeFileSync(bundle, "process.stdout.write(`bundle ${require('node:path').basename(__filename)} ${process.argv.slice(2).join(' ')}\\n`);\n");
  const distMain = join(dir, 'dist', 'cli', 'main.js');
  writeFileSync(distMain, "process.stdout.write(`dist ${process.argv.slice(2).join(' ')}\\n`);\n");
  return { bin: join(dir, 'bin', 'confd'), bundle, cache: join(dir, 'dist', 'bundle', 'confd.v8cache'), distMain };
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Sets a file's modification time to `secondsAgo` before now. */
function age(path: string, secondsAgo: number): void {
  const t = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, t, t);
}

describe('bin/confd loader', () => {
  it('runs the bundle, passing the arguments on', (t) => {
    const l = layout(tempDir(t));
    age(l.distMain, 60);
    const r = run(l.bin, ['-onetime', '-noop']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'bundle confd.cjs -onetime -noop\n');
  });

  it('runs dist/ when dist/ was built after the bundle (tsc alone), so a stale bundle never runs', (t) => {
    const l = layout(tempDir(t));
    age(l.bundle, 60);
    const r = run(l.bin, ['-version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'dist -version\n');
  });

  it('runs dist/ when there is no bundle', (t) => {
    const l = layout(tempDir(t));
    rmSync(l.bundle);
    const r = run(l.bin, ['-version']);
    assert.equal(r.stdout, 'dist -version\n');
  });

  it('says how to build when there is neither a bundle nor dist/ (a clone installed before its build)', (t) => {
    const l = layout(tempDir(t));
    rmSync(join(l.bundle, '..', '..'), { recursive: true });
    const r = run(l.bin, ['-version']);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^confd: confd-ts is not built \(no .*dist\): run `npm ci && npm run build` in /);
  });

  it('writes a code cache on request, takes it on the next start, and runs on with a cache V8 rejects', (t) => {
    const l = layout(tempDir(t));
    age(l.distMain, 60);
    assert.match(run(l.bin, [], { CONFD_TS_CODE_CACHE: 'check' }).stderr, /code cache missing/);
    const w = run(l.bin, ['x'], { CONFD_TS_CODE_CACHE: 'write' });
    assert.equal(w.stdout, 'bundle confd.cjs x\n');
    assert.ok(existsSync(l.cache), 'the cache was written');
    assert.match(run(l.bin, [], { CONFD_TS_CODE_CACHE: 'check' }).stderr, /code cache accepted/);

    writeFileSync(l.cache, 'not a code cache');
    const bad = run(l.bin, ['y'], { CONFD_TS_CODE_CACHE: 'check' });
    assert.match(bad.stderr, /code cache rejected/);
    assert.equal(bad.status, 0);
    assert.equal(bad.stdout, 'bundle confd.cjs y\n');
  });

  it('the bundle is strict mode code, as the ES modules it was built from', () => {
    requireBuilt();
    // A directive counts only as the first statement of the module wrapper bin/confd runs it in.
    assert.match(readFileSync(join(repoRoot, 'dist', 'bundle', 'confd.cjs'), 'utf8'), /^'use strict';\n/);
  });

  it('the build made a code cache that this Node.js takes', () => {
    requireBuilt();
    const r = run(confdBin, ['-version'], { CONFD_TS_CODE_CACHE: 'check' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /code cache accepted/);
    assert.match(r.stdout, /^confd \d+\.\d+\.\d+ \(confd-ts \d+\.\d+\.\d+, Node\.js v/);
  });
});
