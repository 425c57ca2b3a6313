// The seed scenario (test/fixtures/seed/scenario): the tutorial's haproxy template and its six etcd keys, rendered by
// bin/confd through the file backend, must give the Go confd's output byte for byte.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { requireBuilt, runConfd, fixturesDir, stageFiles, tempDir } from './daemon-support.js';

test('seed: haproxy.cfg from the seed keys equals the Go confd output byte for byte', (t) => {
  requireBuilt();
  const scenario = join(fixturesDir, 'seed', 'scenario');
  const dir = tempDir(t);
  const confdir = join(dir, 'confd');
  const dest = join(dir, 'haproxy.cfg');
  // Fresh, writable copies (the shared files are read-only); only dest's placeholder changes.
  mkdirSync(join(confdir, 'conf.d'), { recursive: true });
  mkdirSync(join(confdir, 'templates'));
  const toml = readFileSync(join(scenario, 'confd', 'conf.d', 'haproxy.toml'), 'utf8');
  writeFileSync(join(confdir, 'conf.d', 'haproxy.toml'), toml.replace('"DEST"', JSON.stringify(dest)));
  writeFileSync(join(confdir, 'templates', 'haproxy.cfg.tmpl'), readFileSync(join(scenario, 'confd', 'templates', 'haproxy.cfg.tmpl')));
  const r = runConfd(['-onetime', '-backend', 'file', '-file', join(scenario, 'keys.yaml'), '-confdir', confdir, '-log-level', 'error']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(dest, 'utf8'), readFileSync(join(scenario, 'expected-haproxy.cfg'), 'utf8'));
  assert.deepEqual(stageFiles(dir), []);
});
