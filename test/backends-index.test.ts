// createBackend: names, unsupported backends, lazy loading, and DNS SRV discovery through a real resolver
// talking to a DNS server on loopback.

import assert from 'node:assert/strict';
import { promises as dns } from 'node:dns';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { createBackend, nodesFromSrv, orderSrv, srvRecordName } from '../src/backends/index.js';
import { BackendError } from '../src/backends/types.js';
import { ConfigError, resolveConfig } from '../src/config/index.js';
import { startEtcd, type EtcdServer } from '../tools/devservers/etcd.js';
import { startSrvDns } from './support/dns.js';
import { v2Put } from './support/etcdv2.js';
import { backendOptions, serverSkip } from './support/servers.js';

describe('createBackend', () => {
  for (const name of ['consul', 'vault', 'dynamodb', 'ssm', 'zookeeper', 'rancher', 'metad', 'stackengine']) {
    it(`${name} is refused with ENOTSUPPORTED, by the factory and by the configuration alike`, () => {
      const message = `backend ${name} is not supported; supported: env, etcd, etcdv2, etcdv3, file, redis`;
      assert.throws(
        () => createBackend(name, backendOptions()),
        (err: unknown) => err instanceof BackendError && err.code === 'ENOTSUPPORTED' && err.message === message,
      );
      assert.throws(
        () => resolveConfig({ args: ['-backend', name], env: {}, readFile: () => undefined }),
        (err: unknown) => err instanceof ConfigError && err.code === 'ENOTSUPPORTED' && err.message.startsWith(`${message} (from`),
      );
    });
  }

  it('an unknown name is refused, listing the supported ones', () => {
    assert.throws(
      () => createBackend('etcd4', backendOptions()),
      (err: unknown) => err instanceof BackendError && err.code === 'EINVALIDBACKEND' && /^backend etcd4 is not supported \(unknown backend\); supported: .*etcdv3/.test(err.message),
    );
  });

  it('names the backend as asked ("etcd" is the v3 backend under the name etcd)', async () => {
    for (const name of ['etcd', 'etcdv3', 'etcdv2', 'redis']) {
      const b = createBackend(name, backendOptions({ nodes: ['127.0.0.1:1'] }));
      assert.equal(b.name, name);
      assert.equal(typeof b.watch, 'function');
      await b.close();
    }
  });

  it('refuses, when created, TLS files that cannot be read, naming the flag and the file', () => {
    for (const name of ['etcd', 'etcdv3', 'etcdv2', 'redis']) {
      assert.throws(
        () => createBackend(name, backendOptions({ nodes: ['127.0.0.1:1'], clientKey: '/nonexistent/client.key' })),
        (err: unknown) => err instanceof BackendError && err.code === 'ETLSFILE' && err.message.startsWith(`${name}: -client-key /nonexistent/client.key: `) && /ENOENT|no such file/.test(err.message),
        name,
      );
    }
    // The file and env backends take no TLS files.
    assert.doesNotThrow(() => createBackend('env', backendOptions({ clientKey: '/nonexistent/client.key' })));
  });

  it('builds the SRV record name as confd does', () => {
    assert.equal(srvRecordName('etcd', { srvDomain: 'example.com' }), '_etcd._tcp.example.com.');
    assert.equal(srvRecordName('etcdv3', { srvDomain: 'example.com', srvRecord: '_x._tcp.y.' }), '_x._tcp.y.');
    assert.equal(srvRecordName('redis', {}), undefined);
  });

  it('orders SRV records as Go does: by priority, then shuffled by weight within a priority', () => {
    const recs = [
      { name: 'c', port: 1, priority: 2, weight: 0 },
      { name: 'light', port: 1, priority: 1, weight: 1 },
      { name: 'heavy', port: 1, priority: 1, weight: 9 },
    ];
    // random() picks n = floor(r * sum): r=0 lands on the first record by weight (light, weight 1),
    // r=0.5 on heavy (cumulative weight 10 > 5).
    assert.deepEqual(orderSrv(recs, () => 0).map((r) => r.name), ['light', 'heavy', 'c']);
    assert.deepEqual(orderSrv(recs, () => 0.5).map((r) => r.name), ['heavy', 'light', 'c']);
    // Over many draws, the weight-9 record comes first about 90% of the time.
    let heavyFirst = 0;
    for (let i = 0; i < 2000; i++) if (orderSrv(recs)[0]!.name === 'heavy') heavyFirst++;
    assert.ok(heavyFirst > 1600 && heavyFirst < 1990, `heavy first ${heavyFirst}/2000`);
  });

  it('turns SRV answers into host:port nodes, and a failed lookup into a clear error', async () => {
    const nodes = await nodesFromSrv('_etcd._tcp.x.', async () => [
      { name: 'etcd1.x.', port: 2379, priority: 0, weight: 0 },
      { name: 'etcd2.x.', port: 4001, priority: 0, weight: 0 },
    ]);
    assert.deepEqual(nodes, ['etcd1.x:2379', 'etcd2.x:4001']);
    // Lower priority first whatever the wire order (Go's net.LookupSRV, which confd uses, sorts by priority).
    const byPriority = await nodesFromSrv('_etcd._tcp.x.', async () => [
      { name: 'backup.x.', port: 2379, priority: 20, weight: 0 },
      { name: 'main.x.', port: 2379, priority: 10, weight: 0 },
    ]);
    assert.deepEqual(byPriority, ['main.x:2379', 'backup.x:2379']);
    await assert.rejects(
      nodesFromSrv('_etcd._tcp.nowhere.', async () => {
        throw Object.assign(new Error('querySrv ENOTFOUND _etcd._tcp.nowhere.'), { code: 'ENOTFOUND' });
      }),
      (err: unknown) => err instanceof BackendError && err.code === 'ESRV' && err.message.includes('_etcd._tcp.nowhere.'),
    );
  });
});

describe('-srv-domain against a DNS server on loopback', { skip: serverSkip('etcd') }, () => {
  let etcd: EtcdServer;
  let dnsServer: Awaited<ReturnType<typeof startSrvDns>>;
  let resolver: dns.Resolver;
  before(async () => {
    etcd = await startEtcd({ enableV2: true });
    const port = Number(new URL(etcd.endpoint).port);
    dnsServer = await startSrvDns({
      '_etcdv3._tcp.example.test.': [{ target: '127.0.0.1.', port }],
      '_etcdv2._tcp.example.test.': [{ target: '127.0.0.1.', port }],
    });
    resolver = new dns.Resolver({ timeout: 1000, tries: 1 });
    resolver.setServers([dnsServer.server]);
    const w = new Etcd3({ hosts: etcd.endpoint });
    await w.put('/srv/key').value('found by SRV');
    w.close();
    await v2Put(etcd.endpoint, '/srv/key', 'found by SRV (v2)');
  });
  after(async () => {
    await dnsServer?.stop();
    await etcd?.stop();
  });

  for (const [name, expected] of [
    ['etcdv3', 'found by SRV'],
    ['etcdv2', 'found by SRV (v2)'],
  ] as const) {
    it(`${name} finds its members through _${name}._tcp.<domain>`, async () => {
      const b = createBackend(name, backendOptions({ srvDomain: 'example.test' }), { resolveSrv: (r) => resolver.resolveSrv(r) });
      assert.equal((await b.read(['/srv'])).values.get('/srv/key'), expected);
      await b.close();
    });
  }

  it('a domain without records fails the read with an error naming the record', async () => {
    const b = createBackend('etcdv3', backendOptions({ srvDomain: 'missing.test' }), { resolveSrv: (r) => resolver.resolveSrv(r) });
    await assert.rejects(b.read(['/srv']), (err: unknown) => err instanceof BackendError && err.message.includes('_etcdv3._tcp.missing.test.'));
    await b.close();
  });
});
