// A key prefix with no keys under it is not an error (confd renders it as empty), but the operator gets one clear
// line naming the prefix and the backend, instead of a silently empty config.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { requireBuilt, runConfd, tempDir, writeKeys, writeResource } from './daemon-support.js';

before(() => requireBuilt());

describe('a key prefix that does not exist', () => {
  it('renders as empty and warns once, naming the prefix and the backend', (t) => {
    const dir = tempDir(t);
    const confdir = join(dir, 'confd');
    const dest = join(dir, 'out.conf');
    writeResource(confdir, { name: 'r', template: 'x={{range ls "/app"}}{{.}},{{end}} y={{range ls "/nope"}}{{.}}{{end}}\n', dest, keys: ['/app', '/nope'] });
    writeKeys(join(dir, 'keys.yaml'), { '/app/a': '1', '/app/b': '2' });
    const r = runConfd(['-onetime', '-backend', 'file', '-file', join(dir, 'keys.yaml'), '-confdir', confdir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(dest, 'utf8'), 'x=a,b, y=\n');
    const warnings = r.stderr.split('\n').filter((l) => l.includes('does not exist in backend'));
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0]!, /WARNING Key prefix \/nope does not exist in backend file: templates see no keys under it$/);
  });

  it('says nothing when every prefix has keys', (t) => {
    const dir = tempDir(t);
    const confdir = join(dir, 'confd');
    writeResource(confdir, { name: 'r', template: '{{getv "/app/a"}}\n', dest: join(dir, 'out.conf'), keys: ['/app'] });
    writeKeys(join(dir, 'keys.yaml'), { '/app/a': '1' });
    const r = runConfd(['-onetime', '-backend', 'file', '-file', join(dir, 'keys.yaml'), '-confdir', confdir]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /does not exist in backend/);
  });
});
