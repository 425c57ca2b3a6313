// Second half of `npm run build` (after tsc): bundles the CLI into dist/bundle/confd.cjs, the file bin/confd
// runs, and makes its V8 code cache (dist/bundle/confd.v8cache) from a training run. Both only make starting
// faster: bin/confd falls back to dist/ without a bundle and compiles as usual when V8 rejects the cache, so a
// step that fails here is a loud warning, not a failed install (npm test checks that both were made).
//
// CommonJS in one file: a one-shot run loads one script instead of resolving ~80 ES modules. The clients of
// etcd (gRPC) and Redis, and the full YAML parser stay in node_modules, loaded only by the runs that use them.
// The bundle sits two directories below the package root like dist/cli/main.js, so the code's relative
// import.meta.url look-ups (package.json for -version, createRequire) find the same files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const outfile = join(root, 'dist', 'bundle', 'confd.cjs');
const cacheFile = join(root, 'dist', 'bundle', 'confd.v8cache');
rmSync(join(root, 'dist', 'bundle'), { recursive: true, force: true });

/** A step that failed: the CLI still works, only its start is slower. */
function warn(what, err) {
  console.warn(`bundle: WARNING: ${what}: ${err instanceof Error ? err.message : String(err)}\nbin/confd will start slower (see scripts/bundle.mjs).`);
}

try {
  await bundle();
  await train();
} catch (err) {
  warn('no bundle or no code cache', err);
}

async function bundle() {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(root, 'src', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['etcd3', 'cockatiel', 'ioredis', 'yaml', 'prom-client'],
    // "use strict" first: after the banner's statement esbuild's own directive would no longer be one, and the code
    // was written as (strict) ES modules.
    banner: { js: "'use strict';\nconst __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__importMetaUrl' },
    // Stack traces point into the bundle; `node --enable-source-maps bin/confd` maps them back to src/.
    sourcemap: true,
    logLevel: 'warning',
  });

  // One character outside ASCII makes V8 hold the whole source as UTF-16 (twice the memory, slower to read and to
  // compile lazily). esbuild escapes them in strings but leaves regular expression literals alone.
  const source = readFileSync(outfile, 'utf8');
  const nonAscii = source.search(/[^\x00-\x7f]/);
  if (nonAscii >= 0) {
    const line = source.slice(0, nonAscii).split('\n').length;
    console.warn(`bundle: WARNING: ${outfile}:${line} has a character outside ASCII (escape it in the source): ${source.split('\n')[line - 1]?.trim()}`);
  }
}

/**
 * The training run: -onetime over the file backend with the seed's template and the haproxy example's, whose
 * functions and paths are what most runs use. What it compiles goes into the cache.
 */
async function train() {
  // The seed's own template and resource (the tutorial's section 3.4), as the repository keeps them for its tests.
  const seed = join(root, 'test', 'fixtures', 'seed', 'scenario', 'confd');
  const SEED_TEMPLATE = readFileSync(join(seed, 'templates', 'haproxy.cfg.tmpl'), 'utf8');
  const SEED_RESOURCE_TOML = readFileSync(join(seed, 'conf.d', 'haproxy.toml'), 'utf8');
  const work = mkdtempSync(join(tmpdir(), 'confd-ts-train-'));
  try {
    mkdirSync(join(work, 'conf.d'));
    mkdirSync(join(work, 'templates'));
    const keys = [];
    for (let d = 0; d < 20; d++) {
      for (let h = 1; h <= 10; h++) {
        const host = `/nginx/d${d}.train.test/s${h}`;
        keys.push(`"${host}/ip": "10.0.${d}.${h}"`, `"${host}/port": "${10000 + h}"`);
      }
    }
    writeFileSync(join(work, 'keys.yaml'), `${keys.join('\n')}\n`);
    writeFileSync(join(work, 'nested.yaml'), 'nginx:\n  e.train.test:\n    s1:\n      ip: 10.1.0.1\n      port: 80\n');
    writeFileSync(join(work, 'templates', 'seed.tmpl'), SEED_TEMPLATE);
    writeFileSync(join(work, 'conf.d', 'seed.toml'), SEED_RESOURCE_TOML.replace('haproxy.cfg.tmpl', 'seed.tmpl').replace('DEST', join(work, 'seed.cfg')));
    const example = join(root, 'examples', 'haproxy');
    writeFileSync(join(work, 'templates', 'haproxy.tmpl'), readFileSync(join(example, 'templates', 'haproxy.cfg.tmpl')));
    writeFileSync(join(work, 'conf.d', 'haproxy.toml'), `[template]\nsrc = "haproxy.tmpl"\ndest = ${JSON.stringify(join(work, 'haproxy.cfg'))}\nkeys = ["/nginx"]\n`);
    const confd = join(root, 'bin', 'confd');
    const files = ['-file', join(work, 'keys.yaml'), '-file', join(example, 'seed-keys.yaml'), '-file', join(work, 'nested.yaml')];
    const run = spawnSync(process.execPath, [confd, '-onetime', '-backend', 'file', ...files, '-confdir', work, '-log-level', 'error'], {
      env: { ...process.env, CONFD_TS_CODE_CACHE: 'write' },
      encoding: 'utf8',
    });
    if (run.status !== 0) {
      rmSync(cacheFile, { force: true });
      throw new Error(`the training run failed (exit ${run.status}):\n${run.stderr}`);
    }
    // The cache is only worth having if V8 takes it: say so loudly when it does not (the CLI still works).
    const check = spawnSync(process.execPath, [confd, '-version'], { env: { ...process.env, CONFD_TS_CODE_CACHE: 'check' }, encoding: 'utf8' });
    if (!/code cache accepted/.test(check.stderr)) console.warn(`bundle: WARNING: V8 does not take the code cache: ${check.stderr.trim()}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
