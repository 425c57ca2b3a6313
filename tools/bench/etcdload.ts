// Writing to the bench's etcd: the bulk load of a registry (batched transactions, several in flight) and
// single puts that report the revision etcd gave them.

import { Etcd3, type IRequestOp } from 'etcd3';

/** Transaction size for the bulk load; etcd must run with --max-txn-ops at least this high. */
export const LOAD_TXN_OPS = 2000;
/** etcd flags the bench needs: big load transactions (each well under the 1.5 MiB request limit). */
export const ETCD_BENCH_ARGS = ['--max-txn-ops', String(LOAD_TXN_OPS)] as const;

export function benchClient(endpoint: string): Etcd3 {
  // Reading back a 200,000-key registry exceeds gRPC's default 4 MiB response limit.
  return new Etcd3({ hosts: endpoint, grpcOptions: { 'grpc.max_receive_message_length': -1 } });
}

/** Put every key in transactions of `txnOps` puts, `parallel` transactions in flight. */
export async function bulkLoad(
  client: Etcd3,
  values: ReadonlyMap<string, string>,
  o: { txnOps?: number; parallel?: number } = {},
): Promise<void> {
  const txnOps = o.txnOps ?? LOAD_TXN_OPS;
  const parallel = o.parallel ?? 4;
  const batches: IRequestOp[][] = [];
  let batch: IRequestOp[] = [];
  for (const [key, value] of values) {
    batch.push({ request_put: { key: Buffer.from(key), value: Buffer.from(value) } });
    if (batch.length === txnOps) {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length > 0) batches.push(batch);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const ops = batches[next++] as IRequestOp[];
      await client.kv.txn({ success: ops });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, batches.length) }, worker));
}

/** Put one key; resolves with the revision of the write. */
export async function putOne(client: Etcd3, key: string, value: string): Promise<bigint> {
  const res = await client.kv.put({ key: Buffer.from(key), value: Buffer.from(value) });
  return BigInt(res.header.revision);
}

/** Count the keys under `prefix` (a cheap consistency check after the load). */
export async function countKeys(client: Etcd3, prefix: string): Promise<number> {
  const res = await client.kv.range({ key: Buffer.from(prefix), range_end: prefixEnd(prefix), count_only: true });
  return Number(res.count);
}

function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  // The smallest key greater than every key with this prefix: increment the last byte below 0xff.
  for (let i = b.length - 1; i >= 0; i--) {
    if ((b[i] as number) < 0xff) {
      const end = b.subarray(0, i + 1);
      end[i] = (b[i] as number) + 1;
      return Buffer.from(end);
    }
  }
  return Buffer.from([0]);
}
