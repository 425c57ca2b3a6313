// The command line as users meet it: flags, environment and confd.toml precedence, errors with file and line,
// -version, -help and exit statuses.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { requireBuilt, runConfd, tempDir, writeKeys, writeResource } from './daemon-support.js';

before(() => requireBuilt());

function confdirWith(t: Parameters<typeof tempDir>[0], name: string, dest: string, root?: string) {
  const dir = root ?? tempDir(t);
  const confdir = join(dir, name);
  writeResource(confdir, { name: 'r', template: `${name} {{getv "/v"}}\n`, dest });
  return confdir;
}

describe('bin/confd', () => {
  it('-version prints the Go confd version it behaves as first (scripts parse that), then its own', () => {
    const r = runConfd(['-version']);
    assert.equal(r.code, 0);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    // The Go confd's first line is "confd 0.16.0": `awk '{print $2}'` and `^confd (\d+\.\d+\.\d+)\b` still read 0.16.0.
    assert.equal(r.stdout, `confd 0.16.0 (confd-ts ${pkg.version}, Node.js ${process.version})\n`);
    assert.equal(r.stdout.split(' ')[1], '0.16.0');
  });

  it('-help lists every flag with its default and exits 0', () => {
    const r = runConfd(['-help']);
    assert.equal(r.code, 0);
    for (const f of ['backend', 'node', 'confdir', 'config-file', 'onetime', 'watch', 'interval', 'prefix', 'noop', 'sync-only', 'keep-stage-file', 'log-level', 'file', 'filter', 'separator', 'scheme', 'srv-domain', 'srv-record', 'client-cert', 'client-key', 'client-ca-keys', 'client-insecure', 'basic-auth', 'username', 'password', 'table', 'version']) {
      assert.match(r.stdout, new RegExp(`^  -${f}\\b`, 'm'), f);
    }
    assert.match(r.stdout, /\(default "etcd"\)/);
  });

  it('an unknown flag exits 2 with Go\'s message and the usage', () => {
    const r = runConfd(['-bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^flag provided but not defined: -bogus\nUsage of confd:/);
  });

  it('an unsupported backend exits 1 with a one-line reason', () => {
    const r = runConfd(['-onetime', '-backend', 'consul', '-config-file', '/dev/null']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ERROR backend consul is not supported/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('-log-format json (flag or CONFD_LOG_FORMAT) applies to an error in the configuration itself', () => {
    for (const r of [
      runConfd(['-backend', 'consul', '-log-format', 'json', '-config-file', '/dev/null']),
      runConfd(['-backend', 'consul', '-config-file', '/dev/null'], { env: { CONFD_LOG_FORMAT: 'json' } }),
    ]) {
      assert.equal(r.code, 1);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      const entry = JSON.parse(lines[0]!) as { level: string; msg: string };
      assert.equal(entry.level, 'error');
      assert.match(entry.msg, /^backend consul is not supported/);
    }
  });

  it('precedence: flag > CONFD_* environment > confd.toml > default', (t) => {
    const dir = tempDir(t);
    const keys = join(dir, 'keys.json');
    writeKeys(keys, { '/v': '1' });
    const dests = { file: join(dir, 'from-file'), env: join(dir, 'from-env'), flag: join(dir, 'from-flag') };
    const cd = { file: confdirWith(t, 'file', dests.file, dir), env: confdirWith(t, 'env', dests.env, dir), flag: confdirWith(t, 'flag', dests.flag, dir) };
    const toml = join(dir, 'confd.toml');
    writeFileSync(toml, `backend = "file"\nfile = [${JSON.stringify(keys)}]\nconfdir = ${JSON.stringify(cd.file)}\nlog-level = "error"\nonetime = true\n`);

    let r = runConfd(['-config-file', toml]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(dests.file, 'utf8'), 'file 1\n');

    r = runConfd(['-config-file', toml], { env: { CONFD_CONFDIR: cd.env } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(dests.env, 'utf8'), 'env 1\n');

    r = runConfd(['-config-file', toml, '-confdir', cd.flag], { env: { CONFD_CONFDIR: cd.env } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(dests.flag, 'utf8'), 'flag 1\n');

    // The config file itself can come from the environment.
    r = runConfd([], { env: { CONFD_CONFIG_FILE: toml, CONFD_LOG_LEVEL: 'error' } });
    assert.equal(r.code, 0, r.stderr);
  });

  it('bad TOML in confd.toml names the file and line and exits 1', (t) => {
    const dir = tempDir(t);
    const toml = join(dir, 'confd.toml');
    writeFileSync(toml, 'backend = "file"\ninterval = \n');
    let r = runConfd(['-config-file', toml, '-onetime']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${toml}:2:\\d+: invalid TOML`));
    writeFileSync(toml, 'backend = "file"\n\ninterval = "10"\n');
    r = runConfd(['-config-file', toml, '-onetime']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${toml}:3: key "interval": expected an integer, got string "10"`));
  });

  it('unknown keys in confd.toml and in a resource are warnings naming file and line', (t) => {
    const dir = tempDir(t);
    const keys = join(dir, 'keys.json');
    writeKeys(keys, { '/v': '1' });
    const confdir = join(dir, 'confd');
    writeResource(confdir, { name: 'r', template: 'x\n', dest: join(dir, 'out'), toml: 'chekc_cmd = "true"\n' });
    const toml = join(dir, 'confd.toml');
    writeFileSync(toml, `backend = "file"\nfile = ${JSON.stringify(keys)}\nconfdir = ${JSON.stringify(confdir)}\nwatchh = true\n`);
    const r = runConfd(['-config-file', toml, '-onetime', '-log-level', 'warn']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`WARNING ${toml}:4: unknown key "watchh" ignored`));
    assert.match(r.stderr, /WARNING .*r\.toml:5: unknown key "chekc_cmd" in \[template\] ignored/);
    assert.ok(existsSync(join(dir, 'out')));
  });

  it("logs in confd's line format, or JSON with -log-format json", (t) => {
    const dir = tempDir(t);
    const keys = join(dir, 'keys.json');
    writeKeys(keys, { '/v': '1' });
    const confdir = confdirWith(t, 'c', join(dir, 'out'), dir);
    let r = runConfd(['-onetime', '-backend', 'file', '-file', keys, '-confdir', confdir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d) \S+ (?:\S*\/)?confd\[\d+\]: INFO Target config .*out has been updated$/m);
    mkdirSync(join(dir, 'x'));
    r = runConfd(['-onetime', '-backend', 'file', '-file', keys, '-confdir', confdir, '-log-format', 'json']);
    const lines = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string });
    assert.ok(lines.length > 0 && lines.every((l) => typeof l.msg === 'string' && ['debug', 'info', 'warn', 'error'].includes(l.level)));
  });

  it('-backend env maps keys to environment variables as confd does', (t) => {
    const dir = tempDir(t);
    const confdir = join(dir, 'confd');
    writeResource(confdir, { name: 'e', template: '{{getv "/app/name"}} {{getv "/app/db/port"}}\n', dest: join(dir, 'out'), keys: ['/app'] });
    const r = runConfd(['-onetime', '-backend', 'env', '-confdir', confdir, '-log-level', 'error'], { env: { APP_NAME: 'demo', APP_DB_PORT: '5432' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(dir, 'out'), 'utf8'), 'demo 5432\n');
  });

  it('a missing confdir is an error, not a silent no-op', (t) => {
    const dir = tempDir(t);
    const keys = join(dir, 'keys.json');
    writeKeys(keys, {});
    const r = runConfd(['-onetime', '-backend', 'file', '-file', keys, '-confdir', join(dir, 'nope')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /confdir .*nope does not exist/);
  });
});
