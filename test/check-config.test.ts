// Checks before deploy: `confd -check-config` reports every problem of a confdir at once with file:line:col and
// exits 1, and passes the shipped examples; `confd -render-test` renders against fixture keys without a backend
// and compares with expected files (the harness a user runs in CI), optionally running check_cmd on the result.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fixturesDir, repoRoot, requireBuilt, runConfd, tempDir, writeResource } from './daemon-support.js';

before(() => requireBuilt());

describe('confd -check-config', () => {
  it('reports five different mistakes, each with its position, and exits 1', (t) => {
    const dir = tempDir(t);
    const confdir = join(dir, 'confd');
    const out = join(dir, 'out');
    mkdirSync(out);
    // 1. a function that does not exist (a typo of getv), 2. a key outside the resource's keys
    writeResource(confdir, {
      name: 'app',
      template: 'name={{getv "/app/name"}}\nport={{getvv "/app/port"}}\ndb={{getv "/db/host"}}\n',
      dest: join(out, 'app.conf'),
      keys: ['/app'],
      // 3. a check_cmd whose program is not installed
      toml: 'check_cmd = "no-such-checker -f {{.src}}"\n',
    });
    // 4. dest in a directory that does not exist
    writeResource(confdir, { name: 'web', template: '{{range gets "/web/*"}}{{.Value}}\n{{end}}', dest: join(dir, 'missing', 'web.conf'), keys: ['/web'] });
    // 5. confd.toml with a misspelt key
    const configFile = join(confdir, 'confd.toml');
    writeFileSync(configFile, 'backend = "file"\nbakend = "etcd"\n');

    const r = runConfd(['-check-config', '-confdir', confdir, '-config-file', configFile, '-file', join(dir, 'keys.yaml')]);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const app = join(confdir, 'templates', 'app.tmpl');
    const appToml = join(confdir, 'conf.d', 'app.toml');
    const webToml = join(confdir, 'conf.d', 'web.toml');
    const expected = [
      `${configFile}:2:1: unknown key "bakend" ignored`,
      `${appToml}:5:13: check_cmd: program "no-such-checker" not found on PATH`,
      `${app}:2:8: function "getvv" not defined (did you mean "getv"?)`,
      `${app}:3:11: getv "/db/host" reads outside the resource's keys ["/app"] (${appToml}): it will always be empty`,
      `${webToml}:3:8: dest directory ${join(dir, 'missing')} does not exist`,
    ];
    assert.deepEqual(lines, expected);
    assert.match(r.stderr, /5 problems in 4 files/);
  });

  it('reports a template syntax error and a broken resource file without stopping at them', (t) => {
    const dir = tempDir(t);
    const confdir = join(dir, 'confd');
    writeResource(confdir, { name: 'a', template: '{{if .x}}unclosed\n', dest: join(dir, 'a.conf') });
    writeResource(confdir, { name: 'b', template: 'ok\n', dest: join(dir, 'b.conf') });
    writeFileSync(join(confdir, 'conf.d', 'b.toml'), '[template]\nsrc = "b.tmpl"\ndest = \n');
    const r = runConfd(['-check-config', '-confdir', confdir, '-config-file', '/dev/null']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, new RegExp(`^${join(confdir, 'templates', 'a.tmpl')}:2: template syntax: .*`, 'm'));
    assert.match(r.stdout, new RegExp(`^${join(confdir, 'conf.d', 'b.toml')}:3:\\d+: invalid TOML`, 'm'));
  });

  for (const [example, resources] of [['haproxy', '2 template resources'], ['nginx', '1 template resource']] as const) {
    it(`passes the shipped examples/${example}`, () => {
      // Installed, the package's bin/ (confd-haproxy-reload, the haproxy example's reload_cmd) is on PATH.
      const PATH = `${join(repoRoot, 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;
      const r = runConfd(['-check-config', '-confdir', join(repoRoot, 'examples', example), '-config-file', '/dev/null'], { env: { PATH } });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`configuration OK: ${resources} checked`));
    });
  }
});

describe('confd -render-test', () => {
  function seedConfdir(t: Parameters<typeof tempDir>[0]): { confdir: string; dir: string } {
    const dir = tempDir(t);
    const confdir = join(dir, 'confd');
    const seed = join(fixturesDir, 'seed', 'scenario');
    writeResource(confdir, {
      name: 'haproxy',
      template: readFileSync(join(seed, 'confd', 'templates', 'haproxy.cfg.tmpl'), 'utf8'),
      dest: '/nonexistent/haproxy.cfg',
      keys: ['/nginx'],
      toml: 'check_cmd = "grep -q \'^frontend\' {{.src}}"\n',
    });
    return { confdir, dir };
  }
  const seed = join(fixturesDir, 'seed', 'scenario');

  it('passes when the output equals the expected file (directory form), running check_cmd on request', (t) => {
    const { confdir, dir } = seedConfdir(t);
    const expect = join(dir, 'expected');
    mkdirSync(expect);
    copyFileSync(join(seed, 'expected-haproxy.cfg'), join(expect, 'haproxy.cfg'));
    const r = runConfd(['-render-test', '-confdir', confdir, '-config-file', '/dev/null', '-file', join(seed, 'keys.yaml'), '-expect', expect, '-run-check']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ok {3}haproxy\.toml: matches .*haproxy\.cfg; check_cmd passed$/m);
  });

  it('fails with a diff when the output differs, and when check_cmd rejects it', (t) => {
    const { confdir, dir } = seedConfdir(t);
    const expected = join(dir, 'expected.cfg');
    writeFileSync(expected, readFileSync(join(seed, 'expected-haproxy.cfg'), 'utf8').replace('1.0.0.2:20001', '1.0.0.9:20001'));
    let r = runConfd(['-render-test', '-confdir', confdir, '-config-file', '/dev/null', '-file', join(seed, 'keys.yaml'), '-expect', expected]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL haproxy\.toml: output differs from/m);
    assert.match(r.stdout, /^-.*1\.0\.0\.9:20001/m);
    assert.match(r.stdout, /^\+.*1\.0\.0\.2:20001/m);

    writeFileSync(join(confdir, 'conf.d', 'haproxy.toml'), readFileSync(join(confdir, 'conf.d', 'haproxy.toml'), 'utf8').replace("'^frontend'", "'^no such line'"));
    copyFileSync(join(seed, 'expected-haproxy.cfg'), expected);
    r = runConfd(['-render-test', '-confdir', confdir, '-config-file', '/dev/null', '-file', join(seed, 'keys.yaml'), '-expect', expected, '-run-check']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL haproxy\.toml: output matches .*, but check_cmd failed: Config check failed/m);
  });
});
