// Type=notify: under systemd ($NOTIFY_SOCKET set) the daemon reports READY=1 through systemd-notify once the first
// read is rendered, and pings the watchdog ($WATCHDOG_USEC) while it runs. systemd itself is not started here: a
// stand-in systemd-notify first on PATH records each call and whether dest existed at that moment.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readIf, requireBuilt, startConfd, tempDir, waitFor, writeKeys, writeResource } from './daemon-support.js';

before(() => requireBuilt());

describe('systemd notification', () => {
  it('sends READY=1 after the first render and pings the watchdog', async (t) => {
    const dir = tempDir(t);
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const calls = join(dir, 'calls.log');
    const dest = join(dir, 'app.conf');
    writeFileSync(join(bin, 'systemd-notify'), `#!/bin/sh\nif [ -e '${dest}' ]; then d=dest-present; else d=dest-missing; fi\necho "$NOTIFY_SOCKET $d $*" >> '${calls}'\n`);
    chmodSync(join(bin, 'systemd-notify'), 0o755);
    const keys = join(dir, 'keys.yaml');
    writeKeys(keys, { '/app/name': 'svc' });
    writeResource(join(dir, 'confd'), { name: 'app', template: 'name={{getv "/app/name"}}\n', dest, keys: ['/app'] });
    const c = startConfd(t, ['-watch', '-backend', 'file', '-file', keys, '-confdir', join(dir, 'confd'), '-config-file', '/dev/null'], {
      env: { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, NOTIFY_SOCKET: '/run/test-notify.sock', WATCHDOG_USEC: '400000' },
    });
    await waitFor(() => /--ready/.test(readIf(calls) ?? ''), 10_000, () => `READY=1; calls: ${readIf(calls)}; ${c.stderr()}`);
    const ready = (readIf(calls) ?? '').split('\n').find((l) => l.includes('--ready'))!;
    assert.match(ready, new RegExp(`^/run/test-notify\\.sock dest-present --pid=${c.pid} --ready STATUS=`));
    await waitFor(() => ((readIf(calls) ?? '').match(/WATCHDOG=1/g) ?? []).length >= 2, 10_000, () => `watchdog pings; calls: ${readIf(calls)}`);
    c.signal('SIGTERM');
    assert.equal((await c.exited).code, 0);
    assert.match(readIf(calls) ?? '', /STOPPING=1/);
    assert.equal(((readIf(calls) ?? '').match(/--ready/g) ?? []).length, 1, 'READY=1 once');
  });

  it('sends nothing without NOTIFY_SOCKET', async (t) => {
    const dir = tempDir(t);
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const calls = join(dir, 'calls.log');
    writeFileSync(join(bin, 'systemd-notify'), `#!/bin/sh\necho "$*" >> '${calls}'\n`);
    chmodSync(join(bin, 'systemd-notify'), 0o755);
    const keys = join(dir, 'keys.yaml');
    writeKeys(keys, { '/app/name': 'svc' });
    const dest = join(dir, 'app.conf');
    writeResource(join(dir, 'confd'), { name: 'app', template: 'name={{getv "/app/name"}}\n', dest, keys: ['/app'] });
    const c = startConfd(t, ['-watch', '-backend', 'file', '-file', keys, '-confdir', join(dir, 'confd'), '-config-file', '/dev/null'], {
      env: { PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, WATCHDOG_USEC: '200000' },
    });
    await waitFor(() => readIf(dest) === 'name=svc\n', 10_000, () => c.stderr());
    await new Promise((r) => setTimeout(r, 500));
    c.signal('SIGTERM');
    assert.equal((await c.exited).code, 0);
    assert.equal(readIf(calls), undefined);
  });
});
