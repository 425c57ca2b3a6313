// The bench's loader against a real etcd: every key lands with its value, in batches above etcd's default
// transaction limit, and single puts report increasing revisions (the burst relies on them for the final state).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEtcd } from '../devservers/etcd.js';
import { findBinary, ServerBinaryMissingError } from '../devservers/process.js';
import { benchClient, bulkLoad, countKeys, ETCD_BENCH_ARGS, putOne } from './etcdload.js';
import { buildRegistry } from './registry.js';

function etcdMissing(): string | false {
  try {
    findBinary('etcd');
    return false;
  } catch (err) {
    if (!(err instanceof ServerBinaryMissingError) || process.env['REQUIRE_SERVERS'] === '1') return false;
    process.stderr.write(`\n!!!!! SKIPPED: etcd is not installed (${err.message}) !!!!!\n\n`);
    return 'etcd not installed';
  }
}

test('bulkLoad puts a whole registry and putOne returns increasing revisions', { skip: etcdMissing() }, async (t) => {
  const etcd = await startEtcd({ name: 'benchload', extraArgs: ETCD_BENCH_ARGS });
  t.after(() => etcd.stop());
  const client = benchClient(etcd.endpoint);
  t.after(() => client.close());
  const { values } = buildRegistry(5000);
  await bulkLoad(client, values, { txnOps: 1000, parallel: 3 });
  assert.equal(await countKeys(client, '/nginx/'), 5000);
  const all = await client.getAll().prefix('/nginx/').strings();
  assert.deepEqual(new Map(Object.entries(all)), values);
  const r1 = await putOne(client, '/nginx/x/y/port', '1');
  const r2 = await putOne(client, '/nginx/x/y/port', '2');
  assert.ok(r2 > r1);
  assert.equal(await client.get('/nginx/x/y/port').string(), '2');
  assert.equal(await countKeys(client, '/nginx/'), 5001);
  assert.equal(await countKeys(client, '/nginx/x/'), 1);
});
