// The daemon against a real etcd (v3 API): the seed scenario end to end. `-onetime` renders the Go confd's
// output, `-watch` follows puts and deletes, and an etcd restart does not lose the installed file.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ServerBinaryMissingError } from '../tools/devservers/process.js';
import { startEtcd, type EtcdServer } from '../tools/devservers/etcd.js';
import { readIf, requireBuilt, runConfd, fixturesDir, startConfd, tempDir, waitFor, writeResource } from './daemon-support.js';

before(() => requireBuilt());

async function etcdOrSkip(t: { skip(msg: string): void; after(fn: () => Promise<void>): void }): Promise<EtcdServer | undefined> {
  try {
    const etcd = await startEtcd({ name: 'daemon-etcd' });
    t.after(() => etcd.stop());
    return etcd;
  } catch (e) {
    if (e instanceof ServerBinaryMissingError && process.env['REQUIRE_SERVERS'] !== '1') {
      console.error(`\n*** SKIPPING etcd daemon tests: ${e.message} ***\n`);
      t.skip(e.message);
      return undefined;
    }
    throw e;
  }
}

describe('daemon with etcd v3', () => {
  it('renders the seed scenario and follows every change in watch mode', async (t) => {
    const etcd = await etcdOrSkip(t);
    if (!etcd) return;
    const scenario = join(fixturesDir, 'seed', 'scenario');
    const seedKeys: Array<[string, string]> = [
      ['/nginx/a.b.com/server1/ip', '1.0.0.1'],
      ['/nginx/a.b.com/server1/port', '10000'],
      ['/nginx/a.b.com/server2/port', '10001'],
      ['/nginx/a.b.com/server2/ip', '1.0.0.1'],
      ['/nginx/b.b.com/server1/ip', '1.0.0.2'],
      ['/nginx/b.b.com/server1/port', '20001'],
    ];
    for (const [k, v] of seedKeys) await etcd.ctl(['put', k, v]);
    const dir = tempDir(t);
    const confdir = join(dir, 'confd');
    const out = join(dir, 'out');
    mkdirSync(out);
    const dest = join(out, 'haproxy.cfg');
    const tmpl = readFileSync(join(scenario, 'confd', 'templates', 'haproxy.cfg.tmpl'), 'utf8');
    writeResource(confdir, { name: 'haproxy', template: tmpl, dest, keys: ['/nginx'] });
    const base = ['-backend', 'etcdv3', '-node', etcd.endpoint, '-confdir', confdir];

    const r = runConfd(['-onetime', ...base, '-log-level', 'error']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(dest, 'utf8'), readFileSync(join(scenario, 'expected-haproxy.cfg'), 'utf8'));

    const c = startConfd(t, [...base, '-watch']);
    await c.waitForLog(/Starting confd/);
    await etcd.ctl(['put', '/nginx/a.b.com/server3/ip', '1.0.0.3']);
    await etcd.ctl(['put', '/nginx/a.b.com/server3/port', '10003']);
    await waitFor(() => /server server3 1\.0\.0\.3:10003 cookie server3 check/.test(readIf(dest) ?? ''), 10_000, () => c.stderr());
    await etcd.ctl(['del', '--prefix', '/nginx/b.b.com']);
    await waitFor(() => !(readIf(dest) ?? 'b.b.com').includes('b.b.com'), 10_000, () => c.stderr());
    const text = readIf(dest)!;
    assert.match(text, /acl is_a\.b\.com hdr\(host\) -i a\.b\.com/);
    assert.match(text, /server server1 1\.0\.0\.1:10000 cookie server1 check/);

    // etcd goes away and comes back: the installed file stays; changes made afterwards still arrive.
    await etcd.kill();
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(readIf(dest), text);
    await etcd.restart();
    await etcd.ctl(['put', '/nginx/c.b.com/web/ip', '10.9.9.9']);
    await etcd.ctl(['put', '/nginx/c.b.com/web/port', '80']);
    await waitFor(() => /server web 10\.9\.9\.9:80 cookie web check/.test(readIf(dest) ?? ''), 20_000, () => c.stderr());
    c.signal('SIGTERM');
    assert.equal((await c.exited).code, 0);
  });
});
