import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../log/index.js';
import { runShellCommand } from './command.js';
import { cleanStaleStageFiles, compare, expandCommand, install, modeString, ResourceError, stage, statDest } from './pipeline.js';
import { decodeBytes } from '../govalue/bytes.js';

const dir = mkdtempSync(join(tmpdir(), 'pipeline-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function deadPid(): number {
  for (let pid = 4_000_000; pid > 100_000; pid -= 7919) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  throw new Error('no free pid found');
}

describe('stage and install', () => {
  it('stages next to dest with the exact mode whatever the umask, then renames over dest', () => {
    const dest = join(dir, 'a.conf');
    writeFileSync(dest, 'old\n');
    const old = process.umask(0o077);
    let p: string;
    try {
      p = stage(dest, 'new\n', { mode: 0o644, uid: undefined, gid: undefined });
    } finally {
      process.umask(old);
    }
    assert.equal(join(p, '..'), dir);
    assert.match(p, /\/\.a\.conf\.confd-stage-\d+-[0-9a-f]{8}$/);
    assert.equal(statSync(p).mode & 0o7777, 0o644);
    assert.equal(readFileSync(dest, 'utf8'), 'old\n');
    const st = install(p, dest, 'new\n', { mode: 0o644, uid: undefined, gid: undefined }, silentLogger);
    assert.equal(readFileSync(dest, 'utf8'), 'new\n');
    assert.equal(st.mode, 0o644);
    assert.equal(existsSync(p), false);
  });

  it('writes the exact UTF-8 bytes of a large output with multi-byte characters', () => {
    const dest = join(dir, 'big.conf');
    const content = `${'server s01 10.0.0.1:80 cookie s01 check\n'.repeat(50_000)}# héllo wörld ✓ 😀\n`;
    const p = stage(dest, content, { mode: 0o644, uid: undefined, gid: undefined });
    install(p, dest, content, { mode: 0o644, uid: undefined, gid: undefined }, silentLogger);
    assert.ok(readFileSync(dest).equals(Buffer.from(content, 'utf8')));
  });

  it('reports a missing directory by name', () => {
    assert.throws(() => stage(join(dir, 'nope', 'x'), 'x', { mode: 0o644, uid: undefined, gid: undefined }), (e: Error) => e instanceof ResourceError && e.step === 'stage' && /directory .*nope does not exist/.test(e.message));
  });

  it('removes stage files of dead processes only', () => {
    const dest = join(dir, 'b.conf');
    const dead = join(dir, `.b.conf.confd-stage-${deadPid()}-0badf00d`);
    const live = join(dir, `.b.conf.confd-stage-${process.ppid}-0badf00d`);
    const other = join(dir, `.b.conf.swp`);
    for (const f of [dead, live, other]) writeFileSync(f, 'x');
    assert.deepEqual(cleanStaleStageFiles(dest), [dead]);
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.b.conf')).sort(), ['.b.conf.confd-stage-' + process.ppid + '-0badf00d', '.b.conf.swp'].sort());
  });
});

describe('compare', () => {
  it('finds content, mode and owner differences with confd-style reasons', () => {
    const dest = join(dir, 'c.conf');
    writeFileSync(dest, 'same\n');
    chmodSync(dest, 0o600);
    const st = statDest(dest)!;
    assert.deepEqual(compare(dest, 'same\n', { mode: 0o600, uid: undefined, gid: undefined }, st).reasons, []);
    const c = compare(dest, 'other\n', { mode: 0o644, uid: st.uid + 1, gid: undefined }, st);
    assert.equal(c.inSync, false);
    // confd's own lines (util.IsConfigChanged): os.FileMode strings, and the md5 sums operators alert on.
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    assert.deepEqual(c.reasons, [
      `${dest} has UID ${st.uid} should be ${st.uid + 1}`,
      `${dest} has mode -rw------- should be -rw-r--r--`,
      `${dest} has md5sum ${md5('same\n')} should be ${md5('other\n')}`,
    ]);
    assert.equal(c.destContent, 'same\n');
    assert.equal(compare(join(dir, 'missing'), 'x', { mode: 0o644, uid: undefined, gid: undefined }, undefined).inSync, false);
  });

  it('compares and stages bytes that are not UTF-8 as the bytes themselves', () => {
    const dest = join(dir, 'bin.conf');
    const bytes = Buffer.from([0x61, 0xff, 0xfe, 0x62, 0x0a]);
    writeFileSync(dest, bytes);
    const st = statDest(dest)!;
    const t = { mode: st.mode, uid: undefined, gid: undefined };
    const content = decodeBytes(bytes);
    assert.equal(compare(dest, content, t, st).inSync, true, 'the same bytes are in sync');
    assert.equal(compare(dest, decodeBytes(Buffer.from([0x61, 0xff, 0xfd, 0x62, 0x0a])), t, st).inSync, false, 'one byte differs');
    const staged = stage(dest, content, t);
    try {
      assert.deepEqual(readFileSync(staged), bytes, 'check_cmd sees the raw bytes');
    } finally {
      rmSync(staged);
    }
    assert.equal(modeString(0o4755), 'urwxr-xr-x');
  });

  it('trusts its own last install while dest is untouched, and re-reads once it was touched', () => {
    const dest = join(dir, 'd.conf');
    writeFileSync(dest, 'v1\n');
    const st = statDest(dest)!;
    const cache = { content: 'v1\n', state: st };
    const t = { mode: st.mode, uid: undefined, gid: undefined };
    const c = compare(dest, 'v1\n', t, st, cache);
    assert.equal(c.inSync, true);
    assert.equal(c.destContent, undefined, 'no read needed');
    writeFileSync(dest, 'edited by hand\n');
    const st2 = statDest(dest)!;
    const c2 = compare(dest, 'v1\n', t, st2, cache);
    assert.equal(c2.inSync, false);
    assert.equal(c2.destContent, 'edited by hand\n');
  });
});

describe('commands', () => {
  it('expands {{.src}} and {{.dest}} as Go templates', () => {
    assert.equal(expandCommand('check_cmd', 'nginx -t -c {{.src}} # {{.dest}}', { src: '/s', dest: '/d' }), 'nginx -t -c /s # /d');
    assert.throws(() => expandCommand('reload_cmd', 'x {{.src', { src: '/s', dest: '/d' }), (e: Error) => e instanceof ResourceError && /^reload_cmd: template: reloadcmd:1: /.test(e.message));
  });
});

describe('runShellCommand', () => {
  it('kills at once a command whose abort signal fired before it started', async () => {
    const started = Date.now();
    const r = await runShellCommand('sleep 5', { timeoutMs: 10_000, signal: AbortSignal.abort() });
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(Date.now() - started < 3000, `ran for ${Date.now() - started}ms`);
  });
});
