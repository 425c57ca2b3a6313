// The daemon's endpoint (-metrics-addr) during a real etcd-backed run: counters move as changes flow, the watch
// lag rises while the daemon is stopped (SIGSTOP) and puts continue and returns to 0 after SIGCONT, and /ready
// turns false when etcd is killed and true again once it is back and the daemon has caught up.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ServerBinaryMissingError } from '../tools/devservers/process.js';
import { startEtcd, startEtcdCluster, type EtcdServer } from '../tools/devservers/etcd.js';
import { createEtcdV3Backend } from '../src/backends/etcdv3/index.js';
import { backendOptions, requireServer } from './support/servers.js';
import { readIf, requireBuilt, tempDir, waitFor, writeResource } from './daemon-support.js';
import { eventually, ready, sample, scrape, startObservedDaemon } from './support/observe.js';

before(() => requireBuilt());

async function etcdOrSkip(t: { skip(msg: string): void; after(fn: () => Promise<void>): void }, name: string): Promise<EtcdServer | undefined> {
  try {
    const etcd = await startEtcd({ name });
    t.after(() => etcd.stop());
    return etcd;
  } catch (e) {
    if (e instanceof ServerBinaryMissingError && process.env['REQUIRE_SERVERS'] !== '1') {
      console.error(`\n*** SKIPPING observe tests: ${e.message} ***\n`);
      t.skip(e.message);
      return undefined;
    }
    throw e;
  }
}

/** etcd's current revision (the header of a read). */
async function etcdRevision(etcd: EtcdServer): Promise<number> {
  const out = await etcd.ctl(['get', '/', '--prefix', '--keys-only', '--limit', '1', '-w', 'json']);
  return Number((JSON.parse(out) as { header: { revision: string | number } }).header.revision);
}

describe('-metrics-addr with etcd v3', () => {
  it('counts renders, skips and installs, and shows the lag of a stopped daemon', async (t) => {
    const etcd = await etcdOrSkip(t, 'observe-metrics');
    if (!etcd) return;
    await etcd.ctl(['put', '/app/hosts/a', '10.0.0.1']);
    const dir = tempDir(t);
    const out = join(dir, 'out');
    mkdirSync(out);
    const dest = join(out, 'hosts.conf');
    // The check takes a while, so that the backlog of a stopped daemon stays visible after SIGCONT.
    writeResource(join(dir, 'confd'), {
      name: 'hosts',
      template: '{{range gets "/hosts/*"}}{{base .Key}} {{.Value}}\n{{end}}',
      dest,
      keys: ['/hosts', '/note'],
      toml: 'prefix = "/app"\ncheck_cmd = "sleep 0.4"\n',
    });
    const guarded = join(out, 'guarded.conf');
    writeResource(join(dir, 'confd'), {
      name: 'guarded',
      template: '{{getv "/guarded" "ok"}}\n',
      dest: guarded,
      keys: ['/guarded'],
      toml: 'prefix = "/app"\ncheck_cmd = "grep -qx ok {{.src}}"\n',
    });
    const { confd, base } = await startObservedDaemon(t, { endpoint: etcd.endpoint, confdir: join(dir, 'confd') });
    await eventually(async () => (await ready(base)).status === 200, 15_000, () => confd.stderr());
    assert.equal(readIf(dest), 'a 10.0.0.1\n');
    let m = await scrape(base);
    const r = (name: string): string => `${name}{resource="hosts.toml"}`;
    assert.equal(sample(m, r('confd_renders_total')), 1);
    assert.equal(sample(m, r('confd_installs_total')), 1);
    assert.equal(sample(m, r('confd_resource_keys')), 1);
    assert.equal(sample(m, 'confd_backend_connected{backend="etcdv3"}'), 1);
    assert.equal(sample(m, 'confd_watch_lag_revisions'), 0);
    assert.equal(sample(m, r('confd_applies_total').replace('}', ',kind="reload"}')), 0); // no reload_cmd

    // A change flows: render, install, a change->installed observation, the resource's revision moves.
    await etcd.ctl(['put', '/app/hosts/b', '10.0.0.2']);
    await waitFor(() => readIf(dest) === 'a 10.0.0.1\nb 10.0.0.2\n', 10_000, () => confd.stderr());
    const rev = await etcdRevision(etcd);
    await eventually(async () => sample((m = await scrape(base)), r('confd_resource_applied_revision')) === rev, 5000, () => JSON.stringify([...m]));
    assert.equal(sample(m, r('confd_renders_total')), 2);
    assert.equal(sample(m, r('confd_installs_total')), 2);
    assert.equal(sample(m, r('confd_resource_keys')), 2);
    assert.equal(sample(m, r('confd_change_to_installed_seconds_count')), 1);
    assert.ok(sample(m, 'confd_last_successful_apply_age_seconds') < 60);

    // A key the template reads nowhere: rendered, equal to dest, skipped.
    await etcd.ctl(['put', '/app/note', 'hello']);
    await eventually(async () => sample((m = await scrape(base)), r('confd_renders_skipped_unchanged_total')) === 1, 10_000, () => JSON.stringify([...m]));
    assert.equal(sample(m, r('confd_renders_total')), 3);
    assert.equal(sample(m, r('confd_installs_total')), 2);

    // Stopped daemon, puts continue: after SIGCONT the backlog shows as lag, then drains to 0.
    confd.signal('SIGSTOP');
    for (let i = 0; i < 5; i++) await etcd.ctl(['put', `/app/hosts/s${i}`, `10.0.1.${i}`]);
    const head = await etcdRevision(etcd);
    confd.signal('SIGCONT');
    let maxLag = 0;
    await eventually(async () => {
      m = await scrape(base);
      maxLag = Math.max(maxLag, sample(m, 'confd_watch_lag_revisions'));
      return maxLag > 0 && sample(m, 'confd_watch_lag_revisions') === 0 && sample(m, 'confd_applied_revision') >= head;
    }, 15_000, () => `lag back to 0 (max seen ${maxLag}): ${confd.stderr()}`);
    assert.ok(maxLag >= 1 && maxLag <= 5, `lag after SIGCONT was ${maxLag}, expected the 1..5 revisions put while stopped`);
    assert.match(readIf(dest) ?? '', /s4 10\.0\.1\.4/);
    assert.equal(sample(m, 'confd_backend_head_revision'), head);

    // A failing check_cmd: counted for that resource, dest kept, /ready false naming it; the other resource is fine.
    await etcd.ctl(['put', '/app/guarded', 'bad']);
    await eventually(async () => sample((m = await scrape(base)), 'confd_check_failures_total{resource="guarded.toml"}') === 1, 10_000, () => confd.stderr());
    assert.equal(sample(m, 'confd_resource_failing{resource="guarded.toml"}'), 1);
    assert.equal(sample(m, r('confd_check_failures_total')), 0);
    assert.equal(readIf(guarded), 'ok\n');
    const nr = await ready(base);
    assert.equal(nr.status, 503);
    assert.match(nr.body.reasons.join('\n'), /guarded\.toml: check failed/);

    confd.signal('SIGTERM');
    assert.equal((await confd.exited).code, 0);
  });

  it('/ready is false within a second or two of etcd dying, and true again once it is back and caught up', async (t) => {
    const etcd = await etcdOrSkip(t, 'observe-ready');
    if (!etcd) return;
    await etcd.ctl(['put', '/svc/x', '1']);
    const dir = tempDir(t);
    const dest = join(dir, 'x.conf');
    writeResource(join(dir, 'confd'), { name: 'x', template: 'x={{getv "/svc/x"}}\n', dest, keys: ['/svc'] });
    const { confd, base } = await startObservedDaemon(t, { endpoint: etcd.endpoint, confdir: join(dir, 'confd') });
    await eventually(async () => (await ready(base)).status === 200, 15_000, () => confd.stderr());
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);

    await etcd.kill();
    const killedAt = Date.now();
    await eventually(async () => (await ready(base)).status === 503, 5000, () => confd.stderr());
    const tookMs = Date.now() - killedAt;
    console.log(`# /ready turned false ${tookMs} ms after etcd was killed`);
    // The issue asks for "within a second"; the bound leaves room for a loaded test machine.
    assert.ok(tookMs < 2000, `/ready took ${tookMs} ms to turn false`);
    const notReady = await ready(base);
    assert.match(notReady.body.reasons.join('\n'), /not connected/);
    assert.equal((await fetch(`${base}/health`)).status, 200, 'alive while the backend is down');
    assert.equal(sample(await scrape(base), 'confd_backend_connected{backend="etcdv3"}'), 0);

    await etcd.restart();
    await etcd.ctl(['put', '/svc/x', '2']);
    const rev = await etcdRevision(etcd);
    // Ready means caught up with what the daemon knows: once it has seen the put's revision, ready implies the put
    // is in dest (a put it has not heard of yet cannot count against it).
    await eventually(
      async () => sample(await scrape(base), 'confd_backend_head_revision') >= rev && (await ready(base)).status === 200,
      30_000,
      () => `ready again: ${JSON.stringify(notReady)} ${confd.stderr()}`,
    );
    assert.equal(readIf(dest), 'x=2\n');
    assert.ok(sample(await scrape(base), 'confd_backend_errors_total{backend="etcdv3"}') >= 1);
    confd.signal('SIGTERM');
    assert.equal((await confd.exited).code, 0);
  });

  it('lists the members of a cluster with their state, a killed one as unreachable', async (t) => {
    if (!requireServer(t, 'etcd')) return;
    const cluster = await startEtcdCluster({ members: 3 });
    t.after(() => cluster.stop());
    const backend = createEtcdV3Backend(backendOptions({ nodes: cluster.endpoints }));
    t.after(() => backend.close());
    let members = await backend.members!();
    assert.equal(members.length, 3);
    assert.deepEqual(members.map((m) => m.state).sort(), ['follower', 'follower', 'leader']);
    const victim = cluster.members.find((m) => members.find((x) => x.endpoint === m.clientUrl)?.state === 'follower')!;
    await victim.kill();
    members = await backend.members!();
    assert.equal(members.find((m) => m.endpoint === victim.clientUrl)?.state, 'unreachable');
    assert.equal(members.filter((m) => m.state === 'leader').length, 1);
  });
});
