// The log lines operators alert on are the Go confd's (confd.go, config.go, backends/client.go, util/util.go):
// the start-up lines in Go's order, `Backend source(s) set to <files>` for the file backend, the program name as
// started in the prefix, and the out-of-sync lines with os.FileMode modes and md5 sums.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { before, it } from 'node:test';
import { confdBin, repoRoot, requireBuilt, tempDir, writeKeys, writeResource } from './daemon-support.js';

before(() => requireBuilt());

it('one-shot run: Go confd start-up order, file sources, program name and md5sum lines', (t) => {
  const dir = tempDir(t);
  const confdir = join(dir, 'confd');
  const dest = join(dir, 'out.conf');
  const keys = join(dir, 'keys.yaml');
  writeKeys(keys, { '/app/name': 'demo' });
  writeResource(confdir, { name: 'app', template: 'name={{getv "/app/name"}}\n', dest, keys: ['/app'] });
  writeFileSync(dest, 'name=old\n');
  chmodSync(dest, 0o600);
  // Started by a relative path, as `./bin/confd` would be: Go prints os.Args[0] as given.
  const bin = relative(repoRoot, confdBin);
  const r = spawnSync(process.execPath, [bin, '-onetime', '-backend', 'file', '-file', keys, '-confdir', confdir], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.trim().split('\n');
  const messages = lines.map((l) => l.replace(/^\S+ \S+ /, ''));
  const prefix = `${bin}[${r.pid}]: INFO `;
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  assert.deepEqual(messages.slice(0, 3), [`${prefix}Backend set to file`, `${prefix}Starting confd`, `${prefix}Backend source(s) set to ${keys}`], r.stderr);
  assert.ok(messages.includes(`${prefix}${dest} has md5sum ${md5('name=old\n')} should be ${md5('name=demo\n')}`), r.stderr);
  assert.equal(readFileSync(dest, 'utf8'), 'name=demo\n');
});
