// All 146 cases of the confd conformance corpus (test/fixtures/conformance) (outputs of the real Go confd), run through bin/confd by
// the corpus' own runner: one `confd -onetime -backend file` process per case.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { confdBin, repoRoot, requireBuilt, fixturesDir } from './daemon-support.js';

test('conformance: every case of test/fixtures/conformance/public.json matches the Go confd', () => {
  requireBuilt();
  const dir = join(fixturesDir, 'conformance');
  const r = spawnSync(process.execPath, [join(dir, 'run.mjs'), '--bin', confdBin, '--cases', join(dir, 'public.json'), '--jobs', '2', '--show', '200'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const out = `${r.stdout}${r.stderr}`;
  const m = /conformance: (\d+)\/(\d+) passed/.exec(out);
  assert.ok(m, `runner printed no summary (exit ${r.status}):\n${out}`);
  assert.equal(m[2], '146', 'the corpus should hold 146 cases');
  assert.equal(m[1], m[2], `failing cases:\n${out}`);
  assert.equal(r.status, 0, out);
});
