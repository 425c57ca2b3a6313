// Issue 4's "done when": the seed's keys written with `ETCDCTL_API=2 etcdctl set` are read by etcdv2 and
// written with `etcdctl put` by etcdv3/etcd, and render through bin/confd byte-identical to the Go confd's
// output (test/fixtures/seed/scenario/expected-haproxy.cfg);
// the same keys in redis (confd's -separator mapping) render the same file.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { createBackend } from '../src/backends/index.js';
import { startEtcd, type EtcdServer } from '../tools/devservers/etcd.js';
import { startRedis, type RedisServer } from '../tools/devservers/redis.js';
import { backendOptions, serverSkip } from './support/servers.js';

const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const scenario = join(repoRoot, 'test', 'fixtures', 'seed', 'scenario');
const confdBin = join(repoRoot, 'bin', 'confd');


function seedKeys(): [string, string][] {
  const doc = parse(readFileSync(join(scenario, 'keys.yaml'), 'utf8')) as Record<string, unknown>;
  return Object.entries(doc).map(([k, v]) => [k, String(v)]);
}

function sorted(m: ReadonlyMap<string, string> | [string, string][]): [string, string][] {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Render the seed's template resource through bin/confd -onetime and return the output file's text. */
function renderWithConfd(args: string[]): { out: string; stderr: string; status: number | null } {
  const work = mkdtempSync(join(tmpdir(), 'confd-ts-seed-'));
  try {
    cpSync(join(scenario, 'confd'), join(work, 'confd'), { recursive: true });
    const dest = join(work, 'haproxy.cfg');
    const toml = join(work, 'confd', 'conf.d', 'haproxy.toml');
    writeFileSync(toml, readFileSync(toml, 'utf8').replace('DEST', dest));
    const r = spawnSync(confdBin, ['-onetime', '-confdir', join(work, 'confd'), '-log-level', 'error', ...args], { encoding: 'utf8', timeout: 30_000 });
    return { out: existsSync(dest) ? readFileSync(dest, 'utf8') : '', stderr: r.stderr, status: r.status };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

describe('the seed scenario through the etcd backends', { skip: serverSkip('etcd', 'etcdctl') }, () => {
  let etcd: EtcdServer;
  before(async () => {
    etcd = await startEtcd({ enableV2: true });
    // The seed registers its services with etcdctl, one key at a time; both keyspaces get the same keys.
    for (const [k, v] of seedKeys()) {
      await etcd.ctl(['set', k, v], { api: 2 });
      await etcd.ctl(['put', k, v]);
    }
  });
  after(async () => etcd?.stop());

  for (const name of ['etcdv2', 'etcdv3', 'etcd']) {
    it(`${name} reads exactly the seed's keys under /nginx`, async () => {
      const b = createBackend(name, backendOptions({ nodes: [etcd.endpoint] }));
      try {
        assert.deepEqual(sorted((await b.read(['/nginx'])).values), sorted(seedKeys()));
      } finally {
        await b.close();
      }
    });

    it(`bin/confd -onetime -backend ${name} renders the seed's haproxy.cfg byte for byte`, () => {
      const r = renderWithConfd(['-backend', name, '-node', etcd.endpoint]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.out, readFileSync(join(scenario, 'expected-haproxy.cfg'), 'utf8'));
    });
  }
});

describe('the seed scenario through redis', { skip: serverSkip('redis-server') }, () => {
  let redis: RedisServer;
  before(async () => {
    redis = await startRedis();
    const w = new Redis({ host: redis.host, port: redis.port });
    // With -separator ":" the seed's keys live in redis as "nginx:a.b.com:server1:ip".
    for (const [k, v] of seedKeys()) await w.set(k.slice(1).split('/').join(':'), v);
    w.disconnect();
  });
  after(async () => redis?.stop());

  it('redis (-separator ":") reads exactly the seed\'s keys under /nginx', async () => {
    const b = createBackend('redis', backendOptions({ nodes: [redis.endpoint], separator: ':' }));
    try {
      assert.deepEqual(sorted((await b.read(['/nginx'])).values), sorted(seedKeys()));
    } finally {
      await b.close();
    }
  });

  it('bin/confd -onetime -backend redis -separator : renders the seed\'s haproxy.cfg byte for byte', () => {
    const r = renderWithConfd(['-backend', 'redis', '-node', redis.endpoint, '-separator', ':']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.out, readFileSync(join(scenario, 'expected-haproxy.cfg'), 'utf8'));
  });
});
