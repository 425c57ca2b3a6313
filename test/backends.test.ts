// The shared backend suite against real servers: etcd 3.4 (v3 and v2 API), redis-server, and the file backend.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { createFileBackend } from '../src/backends/file/index.js';
import { createEtcdV2Backend } from '../src/backends/etcdv2/index.js';
import { createEtcdV3Backend } from '../src/backends/etcdv3/index.js';
import { createRedisBackend } from '../src/backends/redis/index.js';
import { startEtcd, type EtcdServer } from '../tools/devservers/etcd.js';
import { startRedis, type RedisServer } from '../tools/devservers/redis.js';
import { backendSuite } from './support/backend-suite.js';
import { v2Delete, v2Put } from './support/etcdv2.js';
import { backendOptions, serverSkip } from './support/servers.js';

// ---- etcd v3 ----------------------------------------------------------------------------------------------
{
  let etcd: EtcdServer | undefined;
  let writer: Etcd3 | undefined;
  backendSuite(
    'etcdv3',
    {
      prefixSemantics: 'raw',
      exactHistory: true,
      canWatch: true,
      async setup() {
        etcd = await startEtcd();
        writer = new Etcd3({ hosts: etcd.endpoint });
      },
      async teardown() {
        writer?.close();
        await etcd?.stop();
      },
      backend: () => createEtcdV3Backend(backendOptions({ nodes: [etcd!.endpoint] })),
      put: async (k, v) => void (await writer!.put(k).value(v)),
      del: async (k) => void (await writer!.delete().key(k)),
    },
    { skip: serverSkip('etcd') },
  );

  describe('etcdv3 paging', { skip: serverSkip('etcd') }, () => {
    it('reads more keys than one page holds, all at one revision', async () => {
      const etcd2 = await startEtcd();
      const w = new Etcd3({ hosts: etcd2.endpoint });
      try {
        // 1,000 keys in transactions of 100 (etcd allows 128 operations per transaction).
        for (let t = 0; t < 10; t++) {
          const ops = Array.from({ length: 100 }, (_, i) => w.put(`/page/${String(t * 100 + i).padStart(4, '0')}`).value(`v${t * 100 + i}`));
          await w.if('/nothing', 'Version', '==', 0).then(...ops).commit();
        }
        await w.put('/pagex').value('raw prefix too');
        const b = createEtcdV3Backend({ ...backendOptions({ nodes: [etcd2.endpoint] }), pageSize: 64 });
        const snap = await b.read(['/page', '/page/0999']);
        assert.equal(snap.values.size, 1001);
        assert.equal(snap.values.get('/page/0000'), 'v0');
        assert.equal(snap.values.get('/page/0999'), 'v999');
        assert.equal(snap.values.get('/pagex'), 'raw prefix too');
        const rev = (await w.get('/page/0000').exec()).header.revision;
        assert.equal(snap.revision, BigInt(rev));
        await b.close();
      } finally {
        w.close();
        await etcd2.stop();
      }
    });
  });
}

// ---- etcd v2 ----------------------------------------------------------------------------------------------
{
  let etcd: EtcdServer | undefined;
  backendSuite(
    'etcdv2',
    {
      prefixSemantics: 'tree',
      exactHistory: true,
      canWatch: true,
      async setup() {
        etcd = await startEtcd({ enableV2: true });
      },
      async teardown() {
        await etcd?.stop();
      },
      backend: () => createEtcdV2Backend(backendOptions({ nodes: [etcd!.endpoint] })),
      put: async (k, v) => void (await v2Put(etcd!.endpoint, k, v)),
      del: async (k) => void (await v2Delete(etcd!.endpoint, k)),
    },
    { skip: serverSkip('etcd') },
  );
}

// ---- redis ------------------------------------------------------------------------------------------------
for (const variant of [
  { title: 'redis (keyspace notifications)', server: {}, poll: undefined },
  { title: 'redis (CONFIG disabled: polling)', server: { disableConfig: true }, poll: 100 },
] as const) {
  let redis: RedisServer | undefined;
  let writer: Redis | undefined;
  backendSuite(
    variant.title,
    {
      prefixSemantics: 'tree',
      exactHistory: false,
      canWatch: true,
      async setup() {
        redis = await startRedis(variant.server);
        writer = new Redis({ host: redis.host, port: redis.port });
      },
      async teardown() {
        writer?.disconnect();
        await redis?.stop();
      },
      backend: () =>
        createRedisBackend({ ...backendOptions({ nodes: [redis!.endpoint] }), ...(variant.poll !== undefined ? { pollIntervalMs: variant.poll } : {}) }),
      put: async (k, v) => void (await writer!.set(k, v)),
      del: async (k) => void (await writer!.del(k)),
    },
    { skip: serverSkip('redis-server') },
  );
}

// ---- file (the store helper's backend, held to the same suite) ---------------------------------------------
{
  let dir: string | undefined;
  const data = new Map<string, string>();
  const file = (): string => join(dir!, 'keys.yaml');
  // Rewritten whole, through a rename, as editors and config management do.
  const flush = (): void => {
    const tmp = `${file()}.tmp`;
    // Quoted: confd's YAML (like Go's yaml.v2) reads a bare `no` as a boolean.
    writeFileSync(tmp, stringify(Object.fromEntries(data), { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'QUOTE_DOUBLE' }));
    renameSync(tmp, file());
  };
  backendSuite('file', {
    prefixSemantics: 'raw',
    exactHistory: false,
    canWatch: true,
    async setup() {
      dir = mkdtempSync(join(tmpdir(), 'confd-ts-suite-file-'));
      flush();
    },
    async teardown() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    backend: () => createFileBackend(backendOptions({ files: [file()] })),
    put: async (k, v) => {
      data.set(k, v);
      flush();
    },
    del: async (k) => {
      data.delete(k);
      flush();
    },
  });
}
