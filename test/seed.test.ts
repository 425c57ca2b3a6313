// The seed scenario (test/fixtures/seed/scenario): the tutorial's haproxy template and its six etcd keys, rendered by
// bin/confd through the file backend, must give the Go confd's output byte for byte.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { requireBuilt, runConfd, seedScenario, stageFiles, tempDir } from './daemon-support.js';

test('seed: haproxy.cfg from the seed keys equals the Go confd output byte for byte', (t) => {
  requireBuilt();
  const dir = tempDir(t);
  const seed = seedScenario(dir);
  const r = runConfd(['-onetime', '-backend', 'file', '-file', seed.keys, '-confdir', seed.confdir, '-log-level', 'error']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(seed.dest, 'utf8'), seed.expected);
  assert.deepEqual(stageFiles(dir), []);
});
