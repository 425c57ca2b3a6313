// Faults where the Go confd did worse than it should, run through bin/confd: what -noop may print, two resources
// with one dest, modes and ids refused at load, and what reaches the log (credentials, control characters).
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { confdBin, readIf, repoRoot, requireBuilt, runConfd, tempDir, writeResource } from './daemon-support.js';

before(() => requireBuilt());

/** bin/confd to completion, SIGKILLed after 10 s (status null then). */
function runKillable(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [confdBin, ...args], { cwd: repoRoot, timeout: 10_000, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ code, stdout, stderr });
    });
  });
}

function setup(t: Parameters<typeof tempDir>[0]): { dir: string; confdir: string; keys: string } {
  const dir = tempDir(t, 'confd-faults-');
  const keys = join(dir, 'keys.yaml');
  writeFileSync(keys, 'app:\n  v: new\n');
  return { dir, confdir: join(dir, 'confd'), keys };
}

describe('faults', () => {
  it('-noop never prints the file behind a symlinked dest; a real run replaces the link with a regular file', (t) => {
    const { dir, confdir, keys } = setup(t);
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'TOP-SECRET-CONTENT\n');
    chmodSync(secret, 0o600);
    const dest = join(dir, 'app.conf');
    symlinkSync(secret, dest);
    writeResource(confdir, { name: 'app', template: 'v={{getv "/app/v"}}\n', dest, keys: ['/app'] });
    const args = ['-onetime', '-backend', 'file', '-file', keys, '-confdir', confdir];
    const noop = runConfd([...args, '-noop']);
    assert.equal(noop.code, 0, noop.stderr);
    assert.doesNotMatch(noop.stdout + noop.stderr, /TOP-SECRET/);
    assert.match(noop.stdout, /is a symbolic link to .*secret: it would be replaced by a regular file/);
    assert.match(noop.stdout, /^\+v=new$/m);
    assert.ok(lstatSync(dest).isSymbolicLink(), '-noop changed nothing');
    const run = runConfd(args);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(lstatSync(dest).isFile(), 'the link is replaced by a regular file (as confd does)');
    assert.equal(readFileSync(dest, 'utf8'), 'v=new\n');
    assert.equal(readFileSync(secret, 'utf8'), 'TOP-SECRET-CONTENT\n', 'the file the link pointed to is untouched');
  });

  it('a dest that is a FIFO is never read (it would block confd): -noop says so, a real run replaces it', async (t) => {
    const { dir, confdir, keys } = setup(t);
    const dest = join(dir, 'fifo.conf');
    execFileSync('mkfifo', [dest]);
    writeResource(confdir, { name: 'app', template: 'v={{getv "/app/v"}}\n', dest, keys: ['/app'] });
    const args = ['-onetime', '-backend', 'file', '-file', keys, '-confdir', confdir];
    // Not runConfd: a confd blocked reading the FIFO does not even take SIGTERM; SIGKILL it after 10 s.
    const noop = await runKillable([...args, '-noop']);
    assert.equal(noop.code, 0, `-noop finished: ${noop.stderr}`);
    assert.match(noop.stdout, /is not a regular file: it would be replaced/);
    const run = await runKillable(args);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(readFileSync(dest, 'utf8'), 'v=new\n');
  });

  it('a second resource with the same dest is refused at load, naming both files; the others still render', (t) => {
    const { dir, confdir, keys } = setup(t);
    const dest = join(dir, 'shared.conf');
    writeResource(confdir, { name: 'a-first', template: 'first\n', dest, keys: ['/app'] });
    writeResource(confdir, { name: 'b-second', template: 'second\n', dest: `${dir}/./shared.conf`, keys: ['/app'] });
    writeResource(confdir, { name: 'c-other', template: 'other\n', dest: join(dir, 'other.conf'), keys: ['/app'] });
    const r = runConfd(['-onetime', '-backend', 'file', '-file', keys, '-confdir', confdir]);
    assert.equal(r.code, 1, 'a refused resource is a failure');
    assert.match(r.stderr, /ERROR .*b-second\.toml: dest .*shared\.conf is already written by .*a-first\.toml/);
    assert.equal(readIf(dest), 'first\n');
    assert.equal(readIf(join(dir, 'other.conf')), 'other\n');
  });

  it('setuid/setgid/sticky modes are refused unless allow_special_mode = true; ids beyond Linux limits are refused at load', (t) => {
    const { dir, confdir, keys } = setup(t);
    writeResource(confdir, { name: 'suid', template: 'x\n', dest: join(dir, 'suid'), keys: ['/app'], toml: 'mode = "07777"\n' });
    writeResource(confdir, { name: 'uid', template: 'x\n', dest: join(dir, 'uid'), keys: ['/app'], toml: 'uid = 4294967295\n' });
    writeResource(confdir, { name: 'owner', template: 'x\n', dest: join(dir, 'owner'), keys: ['/app'], toml: 'owner = "99999999999"\n' });
    writeResource(confdir, { name: 'sticky', template: 'x\n', dest: join(dir, 'sticky'), keys: ['/app'], toml: 'mode = "01644"\nallow_special_mode = true\n' });
    const r = runConfd(['-onetime', '-backend', 'file', '-file', keys, '-confdir', confdir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /suid\.toml:\d+: key "mode": mode 07777 sets setuid, setgid, sticky; write allow_special_mode = true/);
    assert.match(r.stderr, /uid\.toml:\d+: uid 4294967295 is beyond what Linux allows \(0 to 4294967294\)/);
    assert.match(r.stderr, /owner\.toml:\d+: uid 99999999999 is beyond what Linux allows/);
    assert.equal(readIf(join(dir, 'suid')), undefined);
    assert.equal(readIf(join(dir, 'uid')), undefined);
    assert.equal(statSync(join(dir, 'sticky')).mode & 0o7777, 0o1644, 'asked for clearly: installed');
  });

  it('credentials in a -node URL never reach the log', () => {
    const r = runConfd(['-onetime', '-backend', 'etcdv2', '-node', 'http://admin:hunter2@127.0.0.1:9', '-confdir', '/nonexistent', '-log-level', 'debug']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /admin:xxxxx@127\.0\.0\.1:9/);
    assert.doesNotMatch(r.stderr, /hunter2/);
    const j = runConfd(['-onetime', '-backend', 'redis', '-node', 'default:hunter2@127.0.0.1:9', '-confdir', '/nonexistent', '-log-format', 'json']);
    assert.doesNotMatch(j.stderr, /hunter2/);
  });

  it('control characters in keys are escaped in text log lines: no forged line', (t) => {
    const { dir, confdir, keys } = setup(t);
    mkdirSync(join(dir, 'out'));
    const forged = '1970-01-01T00:00:00Z host confd[1]: ERROR forged';
    writeResource(confdir, { name: 'a', template: 'x\n', dest: join(dir, 'out', 'a'), keys: [`/nothing\n${forged}\u001b[2K`] });
    const r = runConfd(['-onetime', '-backend', 'file', '-file', keys, '-confdir', confdir]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.ok(lines.every((l) => /^\S+ \S+ (?:\S*\/)?confd\[\d+\]: (DEBUG|INFO|WARNING|ERROR) /.test(l) && !l.startsWith('1970')), r.stderr);
    assert.ok(lines.some((l) => l.includes('/nothing\\n1970-01-01T00:00:00Z host confd[1]: ERROR forged\\x1b[2K')), r.stderr);
  });
});
