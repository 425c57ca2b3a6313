// The package as users get it: `npm pack`, then `npm install -g` of the tarball into a fresh prefix, then the
// installed `confd` (found on PATH, as a shell finds it) renders the seed scenario byte for byte like the Go
// confd. And the tarball ships the product only: the built CLI, examples, docs, README, LICENSE and NOTICE; no
// tests, no tooling, no TypeScript sources, no CI files, no source maps.
//
// The dependencies come from npm's local cache (--prefer-offline), which `npm ci` filled; only what is missing
// there is fetched from the registry.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, requireBuilt, seedScenario, stageFiles, tempDir } from './daemon-support.js';

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/** The environment for npm and the installed confd: this test's own, without the npm_* settings of `npm test`. */
function cleanEnv(extraPath: string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  // The Node.js running the tests is the one the installed confd's `#!/usr/bin/env node` finds.
  env['PATH'] = [...extraPath, dirname(process.execPath), process.env['PATH'] ?? '/usr/bin:/bin'].join(delimiter);
  return env;
}

function npm(args: string[], cwd: string): string {
  const r = spawnSync('npm', args, { cwd, env: cleanEnv(), encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `npm ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Files no user needs, which must never be in the package. */
const NOT_SHIPPED: readonly RegExp[] = [
  /^(test|tests|tools|scripts|src|bench|\.ci|\.github|node_modules)\//,
  /(^|\/)[^/]*\.test\.[cm]?[jt]s$/,
  /(^|\/)(testdata|fixtures|__tests__)\//,
  /\.ts$/,
  /\.map$/,
  /(^|\/)tsconfig[^/]*\.json$/,
  /(^|\/)eslint\.config\.[cm]?js$/,
  /(^|\/)\.(gitignore|npmrc)$/,
];

describe('the npm package', { timeout: 180_000 }, () => {
  let work: string;
  let packed: PackResult;

  before(() => {
    requireBuilt();
    work = mkdtempSync(join(tmpdir(), 'confd-ts-package-'));
    // npm test has just built dist/: pack it as it is (`npm pack` alone would run prepack, a second build).
    const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], repoRoot);
    const parsed = JSON.parse(out) as PackResult[];
    assert.equal(parsed.length, 1);
    packed = parsed[0]!;
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('holds the built CLI, the examples, docs, README, LICENSE and NOTICE, and no test or tooling file', () => {
    const files = packed.files.map((f) => f.path).sort();
    for (const needed of [
      'package.json',
      'README.md',
      'LICENSE',
      'NOTICE',
      'bin/confd',
      'bin/package.json',
      'dist/cli/main.js',
      'dist/bundle/confd.cjs',
      'dist/bundle/confd.v8cache',
      'examples/haproxy/templates/haproxy.cfg.tmpl',
      'examples/systemd/confd.service',
      'docs/daemon.md',
    ]) {
      assert.ok(files.includes(needed), `${needed} is missing from the package`);
    }
    const unwanted = files.filter((f) => NOT_SHIPPED.some((re) => re.test(f)));
    assert.deepEqual(unwanted, [], 'test, tooling or build files in the package');
    // Nothing outside the product's folders (a new top-level file must be chosen, not swept in).
    const stray = files.filter((f) => !/^(bin|dist|examples|docs)\//.test(f) && !['package.json', 'README.md', 'LICENSE', 'NOTICE'].includes(f));
    assert.deepEqual(stray, []);
  });

  it('installed with npm install -g into a fresh prefix, its confd renders the seed byte for byte', (t) => {
    const prefix = join(work, 'prefix');
    npm(['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(work, packed.filename)], work);
    const bin = join(prefix, 'bin');
    assert.ok(existsSync(join(bin, 'confd')), 'npm install -g put no confd in the prefix bin/');
    // Only the runtime dependencies came along.
    const installed = join(prefix, 'lib', 'node_modules', 'confd-ts');
    for (const dev of ['typescript', 'esbuild', 'tsx']) assert.ok(!existsSync(join(installed, 'node_modules', dev)), `${dev} was installed`);

    const dir = tempDir(t);
    const seed = seedScenario(dir);

    // `confd` as a shell finds it: by name, on PATH, run from a directory outside the repository.
    const env = cleanEnv([bin]);
    const version = spawnSync('confd', ['-version'], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
    assert.equal(version.status, 0, version.stderr);
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.match(version.stdout, new RegExp(`^confd \\d+\\.\\d+\\.\\d+ \\(confd-ts ${pkg.version.replace(/\./g, '\\.')}, `));

    const r = spawnSync('confd', ['-onetime', '-backend', 'file', '-file', seed.keys, '-confdir', seed.confdir, '-log-level', 'error'], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(seed.dest, 'utf8'), seed.expected);
    assert.deepEqual(stageFiles(dir), []);
  });
});
