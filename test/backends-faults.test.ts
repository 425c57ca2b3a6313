// Bad input and faults: unreachable endpoints, wrong credentials, TLS mismatches, etcd without the v2 API.
// Every failure is a BackendError with a stable code and ONE line naming the endpoint and the cause.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEtcdV2Backend } from '../src/backends/etcdv2/index.js';
import { createEtcdV3Backend } from '../src/backends/etcdv3/index.js';
import { createRedisBackend } from '../src/backends/redis/index.js';
import { BackendError, type Backend, type BackendOptions } from '../src/backends/types.js';
import { startEtcd, type EtcdServer } from '../tools/devservers/etcd.js';
import { freePort, removeTempDir } from '../tools/devservers/process.js';
import { startRedis, type RedisServer } from '../tools/devservers/redis.js';
import { v2Put } from './support/etcdv2.js';
import { backendOptions, memoryLog, serverSkip } from './support/servers.js';
import { makeTestPki, type TestPki } from './support/tls.js';

type Factory = (o: BackendOptions) => Backend;
const factories: [string, Factory, (port: number) => string][] = [
  ['etcdv3', createEtcdV3Backend, (p) => `http://127.0.0.1:${p}`],
  ['etcdv2', createEtcdV2Backend, (p) => `http://127.0.0.1:${p}`],
  ['redis', createRedisBackend, (p) => `127.0.0.1:${p}`],
];

/** Read and expect a one-line BackendError with `code` (any code when undefined) whose message matches every pattern. */
async function expectReadError(b: Backend, code: string | undefined, ...patterns: (string | RegExp)[]): Promise<BackendError> {
  let caught: unknown;
  try {
    await b.read(['/nginx']);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof BackendError, `a BackendError, got ${String(caught)}`);
  if (code !== undefined) assert.equal(caught.code, code, caught.message);
  assert.ok(!caught.message.includes('\n'), `one line: ${JSON.stringify(caught.message)}`);
  for (const p of patterns) {
    if (typeof p === 'string') assert.ok(caught.message.includes(p), `${JSON.stringify(caught.message)} includes ${p}`);
    else assert.match(caught.message, p);
  }
  return caught;
}

describe('unreachable endpoints', () => {
  for (const [name, create, node] of factories) {
    it(`${name}: read fails fast with the endpoint and the cause`, async () => {
      const port = await freePort();
      const b = create(backendOptions({ nodes: [node(port)], requestTimeoutMs: 2000 }));
      try {
        const t0 = Date.now();
        const err = await expectReadError(b, 'EUNAVAILABLE', `127.0.0.1:${port}`, name);
        assert.ok(Date.now() - t0 < 8000, `failed within ${Date.now() - t0} ms`);
        assert.equal(err.retryable, true);
        assert.ok(/ECONNREFUSED|connect|No connection|UNAVAILABLE/i.test(err.message), err.message);
      } finally {
        await b.close();
      }
    });
  }

  it('etcdv2 and redis name every endpoint tried when all fail', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const v2 = createEtcdV2Backend(backendOptions({ nodes: [`http://127.0.0.1:${p1}`, `http://127.0.0.1:${p2}`] }));
    await expectReadError(v2, 'EUNAVAILABLE', `127.0.0.1:${p1}`, `127.0.0.1:${p2}`, 'all 2 endpoints failed');
    await v2.close();
    const r = createRedisBackend(backendOptions({ nodes: [`127.0.0.1:${p1}`, `127.0.0.1:${p2}`] }));
    await expectReadError(r, 'EUNAVAILABLE', `127.0.0.1:${p1}`, `127.0.0.1:${p2}`, 'all 2 nodes failed');
    await r.close();
  });

  it('a watch on an unreachable etcdv2 endpoint retries with growing backoff and ends on abort', async () => {
    const port = await freePort();
    const log = memoryLog();
    const b = createEtcdV2Backend(backendOptions({ nodes: [`http://127.0.0.1:${port}`], log }));
    const ac = new AbortController();
    const iter = b.watch!(['/nginx'], 1n, ac.signal)[Symbol.asyncIterator]();
    const pending = iter.next();
    await new Promise((r) => setTimeout(r, 1600));
    ac.abort();
    assert.equal((await pending).done, true);
    const delays = log.lines
      .filter((l) => l.includes('retrying'))
      .map((l) => {
        const m = /retrying in ([\d.]+) (ms|s) /.exec(l);
        return Number(m?.[1]) * (m?.[2] === 's' ? 1000 : 1);
      });
    assert.ok(delays.length >= 3 && delays.length < 12, `a few retries, not a busy loop: ${delays.join(',')}`);
    assert.ok(delays[delays.length - 1]! > delays[0]!, `backoff grows: ${delays.join(',')}`);
    await b.close();
  });
});

describe('errors in our words', () => {
  it("etcdv3: repeated failures do not surface etcd3's circuit-breaker wording", async () => {
    const port = await freePort();
    const b = createEtcdV3Backend(backendOptions({ nodes: [`http://127.0.0.1:${port}`], requestTimeoutMs: 1000 }));
    const messages: string[] = [];
    for (let i = 0; i < 3; i++) {
      await b.read(['/a']).then(
        () => assert.fail('read from a closed port'),
        (e: unknown) => messages.push((e as Error).message),
      );
    }
    await b.close();
    assert.ok(messages.every((m) => m.startsWith(`etcdv3: read "/a" at endpoint http://127.0.0.1:${port}: `)), messages.join('\n'));
    assert.ok(messages.every((m) => !/circuit breaker|Execution prevented/i.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /unreachable \(3 failures in a row; the client waits 5 s before trying again\)/.test(m)), messages.join('\n'));
  });

  it('credentials in a node URL are not in error messages', async () => {
    const port = await freePort();
    for (const b of [
      createEtcdV3Backend(backendOptions({ nodes: [`http://user:hunter2@127.0.0.1:${port}`], requestTimeoutMs: 1000 })),
      createEtcdV2Backend(backendOptions({ nodes: [`http://user:hunter2@127.0.0.1:${port}`], requestTimeoutMs: 1000 })),
      createRedisBackend(backendOptions({ nodes: [`user:hunter2@127.0.0.1:${port}`], requestTimeoutMs: 1000 })),
    ]) {
      const e = await b.read(['/a']).then(
        () => assert.fail('read from a closed port'),
        (err: unknown) => err as BackendError,
      );
      await b.close();
      assert.doesNotMatch(`${e.message} ${String(e.endpoint)}`, /hunter2/);
      assert.match(e.message, /user:xxxxx@/);
    }
  });
});

describe('etcd with authentication', { skip: serverSkip('etcd') }, () => {
  let etcd: EtcdServer;
  before(async () => {
    etcd = await startEtcd({ enableV2: true, auth: { rootPassword: 'r00t-pw' } });
    await etcd.ctl(['put', '/nginx/a', 'v3 value']);
    await v2Put(etcd.endpoint, '/nginx/a', 'v2 value', { auth: 'root:r00t-pw' });
  });
  after(async () => etcd?.stop());

  it('etcdv3: right credentials read, wrong ones fail with EAUTH naming the endpoint', async () => {
    const good = createEtcdV3Backend(backendOptions({ nodes: [etcd.endpoint], basicAuth: true, username: 'root', password: 'r00t-pw' }));
    assert.equal((await good.read(['/nginx'])).values.get('/nginx/a'), 'v3 value');
    await good.close();
    const bad = createEtcdV3Backend(backendOptions({ nodes: [etcd.endpoint], basicAuth: true, username: 'root', password: 'wrong' }));
    const err = await expectReadError(bad, 'EAUTH', etcd.endpoint, /authentication failed/);
    assert.equal(err.retryable, false);
    await bad.close();
  });

  it('etcdv3: no credentials against an auth-enabled cluster fails clearly', async () => {
    const none = createEtcdV3Backend(backendOptions({ nodes: [etcd.endpoint] }));
    await expectReadError(none, 'EAUTH', etcd.endpoint);
    await none.close();
  });

  it('etcdv2: basic auth right and wrong', async () => {
    const good = createEtcdV2Backend(backendOptions({ nodes: [etcd.endpoint], basicAuth: true, username: 'root', password: 'r00t-pw' }));
    assert.equal((await good.read(['/nginx'])).values.get('/nginx/a'), 'v2 value');
    await good.close();
    const bad = createEtcdV2Backend(backendOptions({ nodes: [etcd.endpoint], basicAuth: true, username: 'root', password: 'wrong' }));
    await expectReadError(bad, 'EAUTH', etcd.endpoint, /authentication failed/);
    await bad.close();
  });
});

describe('etcd over TLS', { skip: serverSkip('etcd', 'openssl') }, () => {
  let pki: TestPki;
  let etcd: EtcdServer;
  let mtls: EtcdServer;
  before(async () => {
    pki = await makeTestPki();
    const tls = { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert };
    etcd = await startEtcd({ enableV2: true, tls });
    mtls = await startEtcd({ enableV2: true, tls: { ...tls, clientCertAuth: true, clientCertFile: pki.clientCert, clientKeyFile: pki.clientKey } });
    for (const s of [etcd, mtls]) {
      await s.ctl(['put', '/nginx/tls', 'secure']);
      await s.ctl(['set', '/nginx/tls', 'secure v2'], { api: 2 });
    }
  });
  after(async () => {
    await etcd?.stop();
    await mtls?.stop();
    if (pki) removeTempDir(pki.dir);
  });

  for (const [name, create, expected] of [
    ['etcdv3', createEtcdV3Backend, 'secure'],
    ['etcdv2', createEtcdV2Backend, 'secure v2'],
  ] as const) {
    it(`${name}: reads with the right CA (-client-ca-keys), also with a client cert where required`, async () => {
      const b = create(backendOptions({ nodes: [etcd.endpoint], clientCaKeys: pki.caCert }));
      assert.equal((await b.read(['/nginx'])).values.get('/nginx/tls'), expected);
      await b.close();
      const m = create(backendOptions({ nodes: [mtls.endpoint], clientCaKeys: pki.caCert, clientCert: pki.clientCert, clientKey: pki.clientKey }));
      assert.equal((await m.read(['/nginx'])).values.get('/nginx/tls'), expected);
      await m.close();
    });

    it(`${name}: a server certificate from another CA is a TLS error naming the endpoint`, async () => {
      const b = create(backendOptions({ nodes: [etcd.endpoint], clientCaKeys: pki.otherCaCert, requestTimeoutMs: 3000 }));
      await expectReadError(b, 'ETLS', etcd.endpoint.replace('https://', ''), /TLS/);
      await b.close();
    });

    it(`${name}: -client-insecure accepts the unknown certificate`, async () => {
      const b = create(backendOptions({ nodes: [etcd.endpoint], clientInsecure: true }));
      assert.equal((await b.read(['/nginx'])).values.get('/nginx/tls'), expected);
      await b.close();
    });

    it(`${name}: plain http against a TLS endpoint fails clearly`, async () => {
      const b = create(backendOptions({ nodes: [etcd.endpoint.replace('https://', 'http://')], requestTimeoutMs: 3000 }));
      await expectReadError(b, undefined, etcd.endpoint.replace('https://', ''));
      await b.close();
    });

    it(`${name}: a missing client certificate where the server requires one fails clearly`, async () => {
      const b = create(backendOptions({ nodes: [mtls.endpoint], clientCaKeys: pki.caCert, requestTimeoutMs: 3000 }));
      await expectReadError(b, undefined, mtls.endpoint.replace('https://', ''));
      await b.close();
    });
  }

  it('a missing CA file is a configuration error naming the file', async () => {
    assert.throws(
      () => createEtcdV3Backend(backendOptions({ nodes: [etcd.endpoint], clientCaKeys: '/nonexistent/ca.pem' })),
      (err: Error) => err instanceof BackendError && err.code === 'ETLSFILE' && err.message.includes('-client-ca-keys /nonexistent/ca.pem'),
    );
  });
});

describe('etcd without --enable-v2', { skip: serverSkip('etcd') }, () => {
  let etcd: EtcdServer;
  before(async () => (etcd = await startEtcd()));
  after(async () => etcd?.stop());
  it('etcdv2 says the v2 API is not served and how to fix it', async () => {
    const b = createEtcdV2Backend(backendOptions({ nodes: [etcd.endpoint] }));
    await expectReadError(b, 'ENOV2', etcd.endpoint, '--enable-v2');
    await b.close();
  });
});

describe('redis with a password', { skip: serverSkip('redis-server') }, () => {
  let redis: RedisServer;
  before(async () => (redis = await startRedis({ password: 's3cret' })));
  after(async () => redis?.stop());
  it('right password reads, wrong or missing password fails with EAUTH', async () => {
    const good = createRedisBackend(backendOptions({ nodes: [redis.endpoint], password: 's3cret' }));
    assert.equal((await good.read(['/nginx'])).values.size, 0);
    await good.close();
    for (const password of ['wrong', undefined]) {
      const bad = createRedisBackend(backendOptions({ nodes: [redis.endpoint], ...(password ? { password } : {}) }));
      await expectReadError(bad, 'EAUTH', redis.endpoint);
      await bad.close();
    }
  });
});
