// A minimal stand-in for `confd -watch -backend etcdv3` with the seed's resource: reads /nginx once, renders
// with the bench's oracle, then applies watch events to its copy and re-renders (coalesced) with an atomic
// rename. It exists to test the bench harness itself and to show what the harness can measure at best
// (`npm run bench -- --daemon standin`); it is not a confd.
//
// Usage: node --import tsx tools/bench/standin.ts ENDPOINT DEST

import { Etcd3 } from 'etcd3';
import { renameSync, writeFileSync } from 'node:fs';
import { PREFIX, renderSeed } from './registry.js';

async function main(): Promise<void> {
  const [endpoint, dest] = process.argv.slice(2);
  if (endpoint === undefined || dest === undefined) throw new Error('usage: standin ENDPOINT DEST');
  const client = new Etcd3({ hosts: endpoint, grpcOptions: { 'grpc.max_receive_message_length': -1 } });
  const values = new Map<string, string>();
  const res = await client.kv.range({ key: Buffer.from(`${PREFIX}/`), range_end: Buffer.from(`${PREFIX}0`) });
  for (const kv of res.kvs) values.set(kv.key.toString(), kv.value.toString());
  let version = 0;
  const install = (): void => {
    const tmp = `${dest}.${process.pid}.${version++}`;
    writeFileSync(tmp, renderSeed(values));
    renameSync(tmp, dest);
  };
  install();
  let scheduled = false;
  const watcher = await client
    .watch()
    .prefix(`${PREFIX}/`)
    .startRevision(String(BigInt(res.header.revision) + 1n))
    .create();
  watcher.on('put', (kv) => {
    values.set(kv.key.toString(), kv.value.toString());
    schedule();
  });
  watcher.on('delete', (kv) => {
    values.delete(kv.key.toString());
    schedule();
  });
  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    // One render for all events that arrive in the same I/O turn.
    setImmediate(() => {
      scheduled = false;
      install();
    });
  }
  const stop = (): void => {
    void watcher.cancel().finally(() => {
      client.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
