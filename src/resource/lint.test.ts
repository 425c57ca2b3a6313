// Pieces of -check-config that need no files: closest names, the program of a command line, key coverage.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestName, commandProgram, lintTemplate } from './lint.js';
import type { ResourceSpec } from './spec.js';

const spec = (keys: string[]): ResourceSpec => ({
  file: '/c/conf.d/x.toml', name: 'x.toml', src: '/c/templates/x.tmpl', dest: '/tmp/x', keys, prefix: '/', watchKeys: keys,
  mode: undefined, uid: undefined, gid: undefined, checkCmd: '', reloadCmd: '', wait: undefined, guard: undefined, haproxy: undefined,
});

describe('lint', () => {
  it('suggests the closest function name, and nothing for a far-off one', () => {
    assert.equal(closestName('getvv', ['getv', 'getvs', 'gets']), 'getv');
    assert.equal(closestName('lsdri', ['ls', 'lsdir']), 'lsdir');
    assert.equal(closestName('frobnicate', ['ls', 'lsdir', 'getv']), undefined);
  });

  it('finds the program of a command line', () => {
    assert.equal(commandProgram('haproxy -c -f {{.src}}'), 'haproxy');
    assert.equal(commandProgram('  LANG=C /usr/sbin/nginx -t'), '/usr/sbin/nginx');
    assert.equal(commandProgram('$(which x) -y'), undefined);
  });

  it('flags reads outside keys by kind: exact keys, patterns, directories', () => {
    const t = '{{getv "/app/a"}}{{gets "/app/*"}}{{ls "/"}}{{getv "/apple"}}{{getv "/db/x"}}{{gets "/d*"}}{{exists "/other"}}';
    const f = lintTemplate(spec(['/app']), t).map((x) => `${x.line}:${x.col} ${x.message.split(' reads')[0]}`);
    // "/apple" is inside "/app" by confd's raw prefix match; "ls /" and "gets /d*" reach into the keys or not.
    assert.deepEqual(f, ['1:69 getv "/db/x"', '1:85 gets "/d*"', '1:101 exists "/other"']);
  });
});
