// The install pipeline through the real CLI (-onetime, file backend, real files and /bin/sh commands):
// check_cmd, reload_cmd, -noop, -sync-only, modes, command timeouts, and failure isolation.
import assert from 'node:assert/strict';
import { chownSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readIf, requireBuilt, runConfd, stageFiles, startConfd, tempDir, waitFor, writeKeys, writeResource } from './daemon-support.js';

before(() => requireBuilt());

function setup(t: Parameters<typeof tempDir>[0], keys: Record<string, string> = { '/app/name': 'new' }) {
  const dir = tempDir(t);
  const confdir = join(dir, 'confd');
  const out = join(dir, 'out');
  mkdirSync(out);
  const keysFile = join(dir, 'keys.json');
  writeKeys(keysFile, keys);
  const run = (...extra: string[]) => runConfd(['-onetime', '-backend', 'file', '-file', keysFile, '-confdir', confdir, ...extra]);
  return { dir, confdir, out, keysFile, run };
}

describe('check_cmd', () => {
  it('a failing check keeps the old file, leaves no stage file, and exits 1', (t) => {
    const { confdir, out, run } = setup(t);
    const dest = join(out, 'app.conf');
    writeFileSync(dest, 'old\n');
    writeResource(confdir, { name: 'app', template: 'name={{getv "/app/name"}}\n', dest, toml: `check_cmd = "cp {{.src}} ${out}/../checked; exit 3"\n` });
    const r = run();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /app\.toml: Config check failed: exit status 3/);
    assert.equal(readFileSync(dest, 'utf8'), 'old\n');
    assert.deepEqual(stageFiles(out), []);
    // {{.src}} was the rendered stage file, next to dest.
    assert.equal(readFileSync(join(out, '..', 'checked'), 'utf8'), 'name=new\n');
  });

  it('a passing check installs; {{.src}} is the stage file in dest\'s directory and {{.dest}} is dest', (t) => {
    const { confdir, out, run, dir } = setup(t);
    const dest = join(out, 'app.conf');
    writeFileSync(dest, 'old\n');
    writeResource(confdir, {
      name: 'app',
      template: 'name={{getv "/app/name"}}\n',
      dest,
      toml: `check_cmd = "grep -q new {{.src}} && echo {{.src}} > ${dir}/src && echo {{.dest}} > ${dir}/dest"\nreload_cmd = "echo {{.dest}} > ${dir}/reloaded"\n`,
    });
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(dest, 'utf8'), 'name=new\n');
    const src = readFileSync(join(dir, 'src'), 'utf8').trim();
    assert.match(src, new RegExp(`^${out}/\\.app\\.conf\\.confd-stage-\\d+-[0-9a-f]+$`));
    assert.equal(readFileSync(join(dir, 'dest'), 'utf8').trim(), dest);
    assert.equal(readFileSync(join(dir, 'reloaded'), 'utf8').trim(), dest);
    assert.deepEqual(stageFiles(out), []);
  });

  it('a hung check is killed at -command-timeout and the old file stays', (t) => {
    const { confdir, out, run } = setup(t);
    const dest = join(out, 'app.conf');
    writeFileSync(dest, 'old\n');
    writeResource(confdir, { name: 'app', template: 'x\n', dest, toml: 'check_cmd = "sleep 30 & sleep 30"\n' });
    const started = Date.now();
    const r = run('-command-timeout', '300ms');
    assert.equal(r.code, 1);
    assert.ok(Date.now() - started < 10_000, 'the command was not killed in time');
    assert.match(r.stderr, /Config check failed: timed out after 300ms/);
    assert.equal(readFileSync(dest, 'utf8'), 'old\n');
    assert.deepEqual(stageFiles(out), []);
  });

  it('-keep-stage-file keeps the stage file of a failed check for inspection', (t) => {
    const { confdir, out, run } = setup(t);
    const dest = join(out, 'app.conf');
    writeFileSync(dest, 'old\n');
    writeResource(confdir, { name: 'app', template: 'name={{getv "/app/name"}}\n', dest, toml: 'check_cmd = "exit 1"\n' });
    const r = run('-keep-stage-file');
    assert.equal(r.code, 1);
    const kept = stageFiles(out);
    assert.equal(kept.length, 1);
    assert.equal(readFileSync(join(out, kept[0]!), 'utf8'), 'name=new\n');
    assert.match(r.stderr, new RegExp(`Keeping staged file: ${out}/${kept[0]!.replace(/\./g, '\\.')}`));
    assert.equal(readFileSync(dest, 'utf8'), 'old\n');
  });

  it('-sync-only installs without running check_cmd or reload_cmd', (t) => {
    const { confdir, out, run, dir } = setup(t);
    const dest = join(out, 'app.conf');
    writeResource(confdir, { name: 'app', template: 'v\n', dest, toml: `check_cmd = "exit 1"\nreload_cmd = "touch ${dir}/reloaded"\n` });
    const r = run('-sync-only');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(dest, 'utf8'), 'v\n');
    assert.equal(existsSync(join(dir, 'reloaded')), false);
  });
});

/** Pids in process group `pgid` that are not zombies (Linux /proc). */
function liveGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readIf(`/proc/${name}/stat`);
    if (stat === undefined) continue;
    // pid (comm) state ppid pgrp ...; comm may contain spaces, so split after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') out.push(Number(name));
  }
  return out;
}

describe('-onetime and signals', () => {
  it('SIGTERM twice during a hung check_cmd kills its process group, keeps the old file, leaves no stage file, exits 1', async (t) => {
    const { confdir, out, dir, keysFile } = setup(t);
    const dest = join(out, 'app.conf');
    writeFileSync(dest, 'old\n');
    writeResource(confdir, { name: 'app', template: 'name={{getv "/app/name"}}\n', dest, toml: `check_cmd = "echo $$ > ${dir}/check.pid; sleep 30"\n` });
    const c = startConfd(t, ['-onetime', '-backend', 'file', '-file', keysFile, '-confdir', confdir]);
    await waitFor(() => (readIf(join(dir, 'check.pid')) ?? '').endsWith('\n'), 10_000, () => c.stderr());
    const checkPid = Number(readIf(join(dir, 'check.pid')));
    t.after(() => {
      try {
        process.kill(-checkPid, 'SIGKILL'); // when the test fails, do not leave the sleep behind
      } catch {
        // gone, as it should be
      }
    });
    c.signal('SIGTERM');
    await c.waitForLog(/Captured SIGTERM\. Exiting/);
    c.signal('SIGTERM');
    const exit = await c.exited;
    assert.deepEqual(exit, { code: 1, signal: null }, c.stderr());
    assert.match(c.stderr(), /app\.toml: Config check failed: signal: killed/);
    assert.equal(readFileSync(dest, 'utf8'), 'old\n');
    assert.deepEqual(stageFiles(out), []);
    // Every member of the check's process group is gone (or a zombie waiting for init to reap it).
    await waitFor(() => liveGroupMembers(checkPid).length === 0, 5000, () => `check_cmd group ${checkPid} still running: ${liveGroupMembers(checkPid).join(', ')}`);
  });
});

describe('-noop', () => {
  it('prints a unified diff and changes nothing', (t) => {
    const { confdir, out, run } = setup(t, { '/app/name': 'new', '/app/port': '81' });
    const dest = join(out, 'app.conf');
    writeFileSync(dest, 'name=old\nport=81\n');
    chmodSync(dest, 0o600);
    const before = statSync(dest);
    writeResource(confdir, { name: 'app', template: 'name={{getv "/app/name"}}\nport={{getv "/app/port"}}\n', dest, toml: 'mode = "0644"\nreload_cmd = "exit 1"\n' });
    const r = run('-noop');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`# ${dest} has mode -rw------- should be -rw-r--r--`), r.stdout);
    assert.match(r.stdout, new RegExp(`--- ${dest}\n\\+\\+\\+ ${dest} \\(rendered from .*app\\.tmpl\\)\n@@ -1,2 \\+1,2 @@\n-name=old\n\\+name=new\n port=81\n`));
    assert.match(r.stderr, /Noop mode enabled/);
    const after = statSync(dest);
    assert.equal(readFileSync(dest, 'utf8'), 'name=old\nport=81\n');
    assert.equal(after.mode & 0o777, 0o600);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.deepEqual(stageFiles(out), []);
  });
});

describe('resources', () => {
  it("one resource's failure does not stop the others; the exit status reports it", (t) => {
    const { confdir, out, run } = setup(t);
    writeResource(confdir, { name: 'a-broken', template: '{{getv "/missing"}}\n', dest: join(out, 'a.conf') });
    writeResource(confdir, { name: 'b-syntax', template: '{{if}}\n', dest: join(out, 'b.conf') });
    writeFileSync(join(confdir, 'conf.d', 'c-badtoml.toml'), '[template]\nsrc = "x.tmpl"\ndest = \n');
    writeResource(confdir, { name: 'd-good', template: 'ok {{getv "/app/name"}}\n', dest: join(out, 'd.conf') });
    const r = run('-log-level', 'error');
    assert.equal(r.code, 1);
    assert.equal(readFileSync(join(out, 'd.conf'), 'utf8'), 'ok new\n');
    assert.equal(existsSync(join(out, 'a.conf')), false);
    assert.equal(existsSync(join(out, 'b.conf')), false);
    assert.match(r.stderr, /a-broken\.toml: template: a-broken\.tmpl:1:2: executing "a-broken\.tmpl" at <getv "\/missing">: error calling getv: key does not exist: \/missing/);
    assert.match(r.stderr, /Unable to process template .*b-syntax\.tmpl, template: b-syntax\.tmpl:1: missing value for if/);
    assert.match(r.stderr, /c-badtoml\.toml:3:\d+: invalid TOML/);
  });

  it('applies mode (octal, "644" style) and reports a missing dest directory by name', (t) => {
    const { confdir, out, run } = setup(t);
    writeResource(confdir, { name: 'm', template: 'x\n', dest: join(out, 'm.conf'), toml: 'mode = "600"\nowner = "root"\n' });
    writeResource(confdir, { name: 'n', template: 'x\n', dest: join(out, 'nodir', 'n.conf') });
    const r = run();
    assert.equal(r.code, 1);
    assert.equal(statSync(join(out, 'm.conf')).mode & 0o7777, 0o600);
    assert.match(r.stderr, new RegExp(`n\\.toml: cannot create stage file for ${out}/nodir/n\\.conf: directory ${out}/nodir does not exist`));
  });

  it('owner and group by name are applied, and a changed owner is put back', { skip: process.getuid?.() === 0 ? false : 'needs root to chown' }, (t) => {
    const { confdir, out, run } = setup(t);
    const dest = join(out, 'o.conf');
    writeResource(confdir, { name: 'o', template: 'x\n', dest, toml: 'owner = "nobody"\ngroup = "nogroup"\nmode = "0640"\n' });
    assert.equal(run().code, 0);
    const uid = Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'))!.split(':')[2]);
    assert.equal(statSync(dest).uid, uid);
    chownSync(dest, 0, 0);
    const r = run();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${dest} has UID 0 should be ${uid}`));
    assert.equal(statSync(dest).uid, uid);
    assert.equal(statSync(dest).mode & 0o7777, 0o640);
  });

  it('leaves an up-to-date dest alone (no rewrite, no reload)', (t) => {
    const { confdir, out, run, dir } = setup(t);
    const dest = join(out, 'app.conf');
    writeResource(confdir, { name: 'app', template: 'v\n', dest, toml: `reload_cmd = "echo x >> ${dir}/reloads"\n` });
    assert.equal(run().code, 0);
    const first = statSync(dest);
    assert.equal(run().code, 0);
    const second = statSync(dest);
    assert.equal(second.ino, first.ino);
    assert.equal(readFileSync(join(dir, 'reloads'), 'utf8'), 'x\n');
  });

  it('a backend read that fails renders nothing', (t) => {
    const { confdir, out, dir } = setup(t);
    writeResource(confdir, { name: 'app', template: 'v\n', dest: join(out, 'app.conf') });
    const r = runConfd(['-onetime', '-backend', 'file', '-file', join(dir, 'nope.yaml'), '-confdir', confdir]);
    assert.equal(r.code, 1);
    assert.equal(existsSync(join(out, 'app.conf')), false);
  });
});
