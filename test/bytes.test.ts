// Go strings are bytes (issue 12): every byte of a key's value reaches the rendered file untouched, from real etcd
// v3 and Redis servers and from the file backend's YAML `!!binary`; keys that differ in one byte stay two keys;
// and in watch mode, deleting an aliased spelling of a key ("/nginx//a.b.com/...") leaves the key itself alone.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it, type TestContext } from 'node:test';
import { Etcd3 } from 'etcd3';
import { Redis } from 'ioredis';
import { startEtcd } from '../tools/devservers/etcd.js';
import { startRedis } from '../tools/devservers/redis.js';
import { fixturesDir, readIf, requireBuilt, runConfd, startConfd, tempDir, waitFor, writeResource } from './daemon-support.js';
import { requireServer } from './support/servers.js';

before(() => requireBuilt());

const BIN = Buffer.from([0x61, 0xff, 0xfe, 0x62]);
const BLOB = Buffer.from([0x00, 0x01, 0xff, 0x80, 0x44, 0x45, 0x52]);
const TEMPLATE = '{{getv "/app/bin"}}|{{base64Decode (getv "/app/b64")}}|{{len (getv "/app/bin")}}';
/** What the Go confd writes for TEMPLATE (measured, issue 12): every byte kept, len counts bytes. */
const GO_OUTPUT = Buffer.from('61fffe627c0001ff804445527c34', 'hex');
/** Keys `/raw/k\xfe` = "2", `/raw/k\xff` = "1": two keys, listed in byte order. */
const RAW_TEMPLATE = '{{range gets "/raw/*"}}{{.Value}}{{end}}|{{len (ls "/raw")}}';

function setUp(t: TestContext): { confdir: string; dest: string; rawDest: string } {
  const dir = tempDir(t);
  const confdir = join(dir, 'confd');
  const dest = join(dir, 'out.bin');
  const rawDest = join(dir, 'raw.txt');
  writeResource(confdir, { name: 'bin', template: TEMPLATE, dest, keys: ['/app'] });
  writeResource(confdir, { name: 'raw', template: RAW_TEMPLATE, dest: rawDest, keys: ['/raw'] });
  return { confdir, dest, rawDest };
}

describe('binary-safe values end to end', () => {
  it('etcd v3: the rendered bytes equal the Go confd\'s; keys differing in one byte stay apart', async (t) => {
    if (!requireServer(t, 'etcd')) return;
    const etcd = await startEtcd({ name: 'bytes-etcd' });
    t.after(() => etcd.stop());
    const client = new Etcd3({ hosts: etcd.endpoint });
    t.after(() => client.close());
    await client.put('/app/bin').value(BIN);
    await client.put('/app/b64').value(BLOB.toString('base64'));
    await client.put(Buffer.from('/raw/k\xff', 'latin1')).value('1');
    await client.put(Buffer.from('/raw/k\xfe', 'latin1')).value('2');
    const { confdir, dest, rawDest } = setUp(t);
    const r = runConfd(['-onetime', '-backend', 'etcdv3', '-node', etcd.endpoint, '-confdir', confdir, '-log-level', 'error']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readFileSync(dest), GO_OUTPUT);
    assert.equal(readFileSync(rawDest, 'utf8'), '21|2');
  });

  it('redis: the rendered bytes equal the Go confd\'s; keys differing in one byte stay apart', async (t) => {
    if (!requireServer(t, 'redis-server')) return;
    const server = await startRedis();
    t.after(() => server.stop());
    const w = new Redis({ host: server.host, port: server.port, maxRetriesPerRequest: 1 });
    t.after(() => w.disconnect());
    await w.set('/app/bin', BIN);
    await w.set('/app/b64', BLOB.toString('base64'));
    await w.set(Buffer.from('/raw/k\xff', 'latin1'), '1');
    await w.set(Buffer.from('/raw/k\xfe', 'latin1'), '2');
    const { confdir, dest, rawDest } = setUp(t);
    const r = runConfd(['-onetime', '-backend', 'redis', '-node', `${server.host}:${server.port}`, '-confdir', confdir, '-log-level', 'error']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readFileSync(dest), GO_OUTPUT);
    assert.equal(readFileSync(rawDest, 'utf8'), '21|2');
  });

  it('file: YAML !!binary values are the raw bytes, as go-yaml gives them to the Go confd', (t) => {
    const { confdir, dest } = setUp(t);
    const keys = join(confdir, '..', 'keys.yaml');
    writeFileSync(keys, `app:\n  bin: !!binary Yf/+Yg==\n  b64: ${BLOB.toString('base64')}\nraw: {}\n`);
    const r = runConfd(['-onetime', '-backend', 'file', '-file', keys, '-confdir', confdir, '-log-level', 'error']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readFileSync(dest), GO_OUTPUT);
  });

  it('-noop shows bytes that are not UTF-8 escaped (\\xff), not as U+FFFD', (t) => {
    const { confdir, dest } = setUp(t);
    const keys = join(confdir, '..', 'keys.yaml');
    writeFileSync(keys, `app:\n  bin: !!binary Yf/+Yg==\n  b64: ${BLOB.toString('base64')}\n`);
    writeFileSync(dest, 'old\n');
    const r = runConfd(['-onetime', '-noop', '-backend', 'file', '-file', keys, '-confdir', confdir, '-log-level', 'error']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes('+a\\xff\\xfeb|\u0000\u0001\\xff\\x80DER|4'), r.stdout);
    assert.ok(!r.stdout.includes('\ufffd'), r.stdout);
    assert.equal(readFileSync(dest, 'utf8'), 'old\n', 'noop touches nothing');
  });
});

describe('key identity in watch mode (etcd v3)', () => {
  it('put, put an aliased spelling, delete the alias: the original key and its server stay', async (t) => {
    if (!requireServer(t, 'etcd')) return;
    const etcd = await startEtcd({ name: 'bytes-alias' });
    t.after(() => etcd.stop());
    const scenario = join(fixturesDir, 'seed', 'scenario');
    for (const [k, v] of [
      ['/nginx/a.b.com/server1/ip', '1.0.0.1'],
      ['/nginx/a.b.com/server1/port', '10000'],
      ['/nginx/a.b.com/server2/ip', '1.0.0.2'],
      ['/nginx/a.b.com/server2/port', '49156'],
    ] as const) {
      await etcd.ctl(['put', k, v]);
    }
    const dir = tempDir(t);
    const confdir = join(dir, 'confd');
    mkdirSync(join(dir, 'out'));
    const dest = join(dir, 'out', 'haproxy.cfg');
    const tmpl = readFileSync(join(scenario, 'confd', 'templates', 'haproxy.cfg.tmpl'), 'utf8');
    writeResource(confdir, { name: 'haproxy', template: tmpl, dest, keys: ['/nginx'] });
    const c = startConfd(t, ['-watch', '-backend', 'etcdv3', '-node', etcd.endpoint, '-confdir', confdir]);
    const server2 = /server server2 1\.0\.0\.2:49156 cookie server2 check/;
    await waitFor(() => server2.test(readIf(dest) ?? ''), 10_000, () => c.stderr());

    await etcd.ctl(['put', '/nginx//a.b.com/server2/port', '49156']);
    await etcd.ctl(['del', '/nginx//a.b.com/server2/port']);
    // A later change proves the delete has been processed (watch events arrive in revision order).
    await etcd.ctl(['put', '/nginx/a.b.com/server3/ip', '1.0.0.3']);
    await etcd.ctl(['put', '/nginx/a.b.com/server3/port', '10003']);
    await waitFor(() => /server server3 1\.0\.0\.3:10003/.test(readIf(dest) ?? ''), 10_000, () => c.stderr());
    assert.match(readIf(dest)!, server2, 'server2 must still be routed');
    c.signal('SIGTERM');
    assert.equal((await c.exited).code, 0);
  });
});
