// Reading a registry larger than one page from a real etcd: streamed (readEach) and collected (read) give the same
// keys in key order at one revision, and a page larger than grpc-js's default 4 MiB message limit is received.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdServer } from '../../../tools/devservers/etcd.js';
import { findBinary, ServerBinaryMissingError } from '../../../tools/devservers/process.js';
import type { BackendOptions } from '../types.js';
import { createEtcdV3Backend } from './index.js';

function etcdSkip(): string | false {
  try {
    findBinary('etcd');
    return false;
  } catch (err) {
    if (!(err instanceof ServerBinaryMissingError) || process.env['REQUIRE_SERVERS'] === '1') return false;
    const msg = `SKIPPED: real server "etcd" is not installed (${err.message}); set REQUIRE_SERVERS=1 to make this a failure`;
    process.stderr.write(`\n!!!!! ${msg} !!!!!\n\n`);
    return msg;
  }
}

function options(endpoint: string): BackendOptions {
  return { nodes: [endpoint], scheme: 'http', clientInsecure: false, basicAuth: false, files: [], filter: '*', separator: '/', requestTimeoutMs: 20_000 };
}

const KEYS = 7000; // more than the first page (5,000 keys)
const key = (i: number): string => `/reg/${String(i).padStart(5, '0')}`;

describe('etcdv3 reads of a large registry', { skip: etcdSkip() }, () => {
  let etcd: EtcdServer;
  let w: Etcd3;
  before(async () => {
    etcd = await startEtcd({ name: 'etcdv3-read' });
    w = new Etcd3({ hosts: etcd.endpoint });
    // Transactions of 100 puts (etcd 3.4 allows 128 operations per transaction), a few in flight.
    const txns = Array.from({ length: KEYS / 100 }, (_, t) => t);
    for (let i = 0; i < txns.length; i += 8) {
      await Promise.all(
        txns.slice(i, i + 8).map((t) =>
          w
            .if('/nothing', 'Version', '==', 0)
            .then(...Array.from({ length: 100 }, (_, j) => w.put(key(t * 100 + j)).value(`v${t * 100 + j}`)))
            .commit(),
        ),
      );
    }
    await w.put('/regx').value('raw prefix too');
  });
  after(async () => {
    w?.close();
    await etcd?.stop();
  });

  it('readEach streams every key once, in key order, at the revision of its first page', async () => {
    const b = createEtcdV3Backend(options(etcd.endpoint));
    try {
      const seen: string[] = [];
      let wrongValue: string | undefined;
      let late: Promise<unknown> | undefined;
      const revision = await b.readEach!(['/reg'], (k, v) => {
        // A write while the read is under way must not show up in it: every page is read at one revision.
        late ??= w.put('/reg/99999').value('late').exec();
        if (k !== '/regx' && v !== `v${Number(k.slice(5))}`) wrongValue ??= `${k}=${v}`;
        seen.push(k);
      });
      await late;
      assert.equal(wrongValue, undefined);
      assert.equal(seen.length, KEYS + 1);
      assert.deepEqual(seen, [...Array.from({ length: KEYS }, (_, i) => key(i)), '/regx']);
      const now = BigInt((await w.get('/reg/99999').exec()).header.revision);
      assert.ok(revision < now, `read at revision ${revision}, the late write is at ${now}`);
      const snap = await b.read(['/reg']);
      assert.equal(snap.values.size, KEYS + 2);
      assert.equal(snap.values.get('/reg/99999'), 'late');
      await w.delete().key('/reg/99999');
    } finally {
      await b.close();
    }
  });

  it("receives a page over grpc-js's default 4 MiB message limit, as Go's clientv3 does", async () => {
    // Six values of 1,000,000 bytes: the first page is a 6 MB message.
    const big = 'x'.repeat(1_000_000);
    for (let i = 0; i < 6; i++) await w.put(`/big/${i}`).value(big);
    const b = createEtcdV3Backend(options(etcd.endpoint));
    try {
      const seen: string[] = [];
      await b.readEach!(['/big/'], (k, v) => {
        assert.equal(v.length, big.length);
        seen.push(k);
      });
      assert.deepEqual(seen, ['/big/0', '/big/1', '/big/2', '/big/3', '/big/4', '/big/5']);
    } finally {
      await b.close();
    }
  });
});
