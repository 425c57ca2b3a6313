// confd-register speaks to etcd with confd's connection flags, through the same connection code as the backends:
// basic auth (-basic-auth -username -password) and mutual TLS (-client-ca-keys -client-cert -client-key), for
// etcd v3 and v2; credentials etcd refuses stop the agent with exit status 1 instead of retrying for ever.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startEtcd, type EtcdServer } from '../tools/devservers/etcd.js';
import { removeTempDir } from '../tools/devservers/process.js';
import { startRegisterAgent } from '../tools/demo/setup.js';
import { pollUntil } from './support/haproxy.js';
import { serverSkip } from './support/servers.js';
import { makeTestPki, type TestPki } from './support/tls.js';

const service = (host: string): string[] => ['-domain', 'a.b.com', '-host', host, '-ip', '127.0.0.1', '-port', '8080', '-ttl', '5s', '-drain-grace', '0s'];

describe('confd-register with etcd auth and TLS', { skip: serverSkip('etcd', 'openssl') }, () => {
  let auth: EtcdServer;
  let mtls: EtcdServer;
  let pki: TestPki;
  before(async () => {
    pki = await makeTestPki();
    [auth, mtls] = await Promise.all([
      startEtcd({ enableV2: true, auth: { rootPassword: 'r00t-pw' } }),
      startEtcd({ enableV2: true, tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert, clientCertAuth: true, clientCertFile: pki.clientCert, clientKeyFile: pki.clientKey } }),
    ]);
  });
  after(async () => {
    await Promise.all([auth?.stop(), mtls?.stop()]);
    if (pki) removeTempDir(pki.dir);
  });

  for (const backend of ['etcdv3', 'etcdv2'] as const) {
    const api = backend === 'etcdv3' ? 3 : 2;
    const read = async (s: EtcdServer, key: string): Promise<string> => {
      if (api === 2 && s === auth) {
        // Read as the agent wrote it: the v2 HTTP API with basic auth.
        const r = await fetch(`${s.endpoint}/v2/keys${key}`, { headers: { authorization: `Basic ${Buffer.from('root:r00t-pw').toString('base64')}` } });
        return r.status === 200 ? ((await r.json()) as { node: { value: string } }).node.value : '';
      }
      return (await s.ctl(api === 3 ? ['get', '--print-value-only', key] : ['get', key], { api }).catch(() => '')).trim();
    };

    it(`${backend}: registers with -basic-auth, and stops with status 1 on a wrong password`, async () => {
      const a = startRegisterAgent(`auth ${backend}`, ['-backend', backend, '-node', auth.endpoint, '-basic-auth', '-username', 'root', '-password', 'r00t-pw', ...service(`auth${api}`)]);
      try {
        await pollUntil('the registration', 10_000, async () => ((await read(auth, `/nginx/a.b.com/auth${api}/ip`)) === '127.0.0.1' ? true : undefined)).catch((e: Error) => assert.fail(`${e.message}\n${a.output()}`));
        assert.equal((await a.kill('SIGTERM')).code, 0, a.output());
        assert.equal(await read(auth, `/nginx/a.b.com/auth${api}/ip`), '', 'withdrawn');
      } finally {
        await a.kill('SIGKILL');
      }
      const bad = startRegisterAgent(`bad auth ${backend}`, ['-backend', backend, '-node', auth.endpoint, '-basic-auth', '-username', 'root', '-password', 'wrong', ...service('bad')]);
      const exit = await Promise.race([bad.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 15_000))]);
      await bad.kill('SIGKILL');
      assert.equal(exit?.code, 1, bad.output());
      assert.match(bad.output(), /authentication failed/);
    });

    it(`${backend}: registers over mutual TLS with -client-ca-keys -client-cert -client-key`, async () => {
      const a = startRegisterAgent(`tls ${backend}`, ['-backend', backend, '-node', mtls.endpoint, '-client-ca-keys', pki.caCert, '-client-cert', pki.clientCert, '-client-key', pki.clientKey, ...service(`tls${api}`)]);
      try {
        await pollUntil('the registration over TLS', 10_000, async () => ((await read(mtls, `/nginx/a.b.com/tls${api}/port`)) === '8080' ? true : undefined));
        assert.equal((await a.kill('SIGTERM')).code, 0, a.output());
      } finally {
        await a.kill('SIGKILL');
      }
    });
  }
});
