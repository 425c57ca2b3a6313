// Registrations in etcd v3: every key of the agent is attached to ONE lease, kept alive by etcd3's keep-alive
// stream (a message every TTL/3 to whichever member the client is connected to; no key is rewritten, so no
// watcher is woken). A registration is one transaction (its puts, and the delete of a drain marker), so a
// reader sees all of it or none. When the agent dies, the lease expires after its TTL and etcd deletes every key
// in one revision; when etcd was out of reach longer than the TTL, the lease is gone and the agent is told
// (onLost) to register again under a new lease.

import type { Lease } from 'etcd3';
import { connectEtcdV3 } from '../../backends/etcdv3/connect.js';
import type { BackendOptions } from '../../backends/types.js';
import { describeError } from '../../backends/util.js';
import type { Logger } from '../../log/index.js';
import type { Registration, RegistryWriter } from './types.js';

export interface EtcdV3WriterOptions {
  readonly backend: BackendOptions;
  readonly ttlMs: number;
  readonly log: Logger;
}

export function createEtcdV3Writer(o: EtcdV3WriterOptions): RegistryWriter {
  const name = 'etcdv3';
  const { client, toBackendError } = connectEtcdV3(o.backend, { name, memberRetryMs: 250 });
  const ttlSeconds = Math.max(1, Math.ceil(o.ttlMs / 1000));
  const listeners: Array<(reason: string) => void> = [];
  let lease: Lease | undefined;
  let granting: Promise<{ lease: Lease; id: string }> | undefined;
  let closed = false;

  /** The current lease, granted on first use and again after a loss. */
  const currentLease = (): Promise<{ lease: Lease; id: string }> => {
    granting ??= (async () => {
      const l = client.lease(ttlSeconds);
      let id: string;
      try {
        id = await l.grant();
      } catch (err) {
        l.release();
        throw toBackendError(err, `grant a lease of ${ttlSeconds}s`);
      }
      let failing = false;
      l.on('keepaliveFailed', (err: unknown) => {
        if (failing || lease !== l) return;
        failing = true; // etcd3 retries every 100 ms: say it once
        o.log.warn(`${name}: keep-alive of lease ${id} failed (${describeError(err)}); retrying`);
      });
      l.on('keepaliveSucceeded', () => {
        if (!failing) return;
        failing = false;
        o.log.info(`${name}: keep-alive of lease ${id} works again`);
      });
      l.on('lost', (err: unknown) => {
        if (lease !== l || closed) return;
        lease = undefined;
        granting = undefined;
        const reason = `lease ${id} lost (${describeError(err)})`;
        for (const f of listeners) f(reason);
      });
      lease = l;
      o.log.debug(`${name}: granted lease ${id} (TTL ${ttlSeconds}s)`);
      return { lease: l, id };
    })();
    const p = granting;
    p.catch(() => {
      if (granting === p) granting = undefined; // try again on the next call
    });
    return p;
  };

  const txn = async (what: string, ops: Parameters<typeof client.kv.txn>[0]['success']): Promise<void> => {
    try {
      await client.kv.txn({ compare: [], success: ops ?? [], failure: [] });
    } catch (err) {
      throw toBackendError(err, what);
    }
  };

  return {
    name,
    async register(r) {
      const { id } = await currentLease();
      await txn(`register ${r.id}`, [
        ...r.fields.map(([key, value]) => ({ request_put: { key: Buffer.from(key), value: Buffer.from(value), lease: id } })),
        { request_delete_range: { key: Buffer.from(r.drainKey) } },
      ]);
    },
    async markDraining(r) {
      const { id } = await currentLease();
      await txn(`mark ${r.id} draining`, [{ request_put: { key: Buffer.from(r.drainKey), value: Buffer.from('1'), lease: id } }]);
    },
    async withdraw(r: Registration) {
      await txn(`withdraw ${r.id}`, [...r.fields.map(([key]) => key), r.drainKey].map((key) => ({ request_delete_range: { key: Buffer.from(key) } })));
    },
    onLost(listener) {
      listeners.push(listener);
    },
    async close({ revoke }) {
      closed = true;
      const l = lease;
      lease = undefined;
      try {
        if (l && revoke) await l.revoke();
        else l?.release();
      } catch (err) {
        throw toBackendError(err, 'revoke the lease');
      } finally {
        client.close();
      }
    },
  };
}
