// Registrations in etcd v2 (the seed's API). v2 has neither leases nor multi-key transactions, so:
// - liveness: each registration is a directory with a TTL (`PUT <dir>?dir=true&ttl=N`), refreshed every TTL/3
//   with `refresh=true&prevExist=true`, which resets the TTL without a watch event (etcd keeps the value and
//   does not notify watchers). When the agent dies the directory expires with everything in it: one `expire`
//   event, after which confd re-reads the tree. A refresh answered "key not found" means the directory expired
//   (etcd was out of reach longer than the TTL): the agent is told to register again.
// - atomicity: the fields are written one by one inside the directory, the ip last. A reader can see a
//   registration without its ip for a moment; the shipped template (and any template that needs both ip and
//   port, as the seed's does) leaves such a server out, so nothing half-written is ever routed. Withdrawal is
//   atomic: one recursive delete of the directory.

import { createEtcdV2Client, isErrorCode, keyPath, type HttpResult } from '../../backends/etcdv2/client.js';
import { BackendError, type BackendOptions } from '../../backends/types.js';
import { describeError } from '../../backends/util.js';
import type { Logger } from '../../log/index.js';
import type { Registration, RegistryWriter } from './types.js';

export interface EtcdV2WriterOptions {
  readonly backend: BackendOptions;
  readonly ttlMs: number;
  readonly log: Logger;
}

export function createEtcdV2Writer(o: EtcdV2WriterOptions): RegistryWriter {
  const name = 'etcdv2';
  const http = createEtcdV2Client(o.backend, name);
  const ttl = String(Math.max(1, Math.ceil(o.ttlMs / 1000)));
  const listeners: Array<(reason: string) => void> = [];
  /** Directories kept alive, by directory. */
  const live = new Map<string, Registration>();
  let closed = false;
  let failing = false;

  const call = async (method: 'PUT' | 'DELETE', key: string, query: string, form: Record<string, string> | undefined, what: string): Promise<HttpResult> => {
    const r = await http.getWithFailover(`/v2/keys${keyPath(key)}${query}`, what, { method, ...(form ? { form } : {}) });
    return r;
  };
  const ok = (r: HttpResult, what: string): void => {
    if (r.status >= 200 && r.status < 300) return;
    throw http.httpError(r, what);
  };

  const refreshAll = async (): Promise<void> => {
    for (const [dir, r] of live) {
      if (closed) return;
      try {
        const res = await call('PUT', dir, '', { dir: 'true', ttl, refresh: 'true', prevExist: 'true' }, `refresh ${r.id}`);
        if (res.status === 404 && isErrorCode(res.body, 100)) {
          if (live.get(dir) !== r) continue; // withdrawn meanwhile
          live.delete(dir);
          for (const f of listeners) f(`${dir} expired before it could be refreshed`);
          continue;
        }
        ok(res, `refresh ${r.id}`);
        if (failing) o.log.info(`${name}: refreshing ${dir} works again`);
        failing = false;
      } catch (err) {
        if (!failing) o.log.warn(`${name}: refreshing ${dir} failed (${describeError(err)}); retrying`);
        failing = true;
      }
    }
  };
  let refreshing = false;
  const timer = setInterval(() => {
    if (refreshing || live.size === 0) return;
    refreshing = true;
    void refreshAll().finally(() => (refreshing = false));
  }, Math.max(200, Math.floor(o.ttlMs / 3)));

  const withdraw = async (r: Registration): Promise<void> => {
    live.delete(r.dir);
    const res = await call('DELETE', r.dir, '?dir=true&recursive=true', undefined, `withdraw ${r.id}`);
    if (res.status === 404 && isErrorCode(res.body, 100)) return;
    ok(res, `withdraw ${r.id}`);
  };

  return {
    name,
    async register(r) {
      const what = `register ${r.id}`;
      // A new directory with the TTL, or the one a predecessor left (a restart): its TTL is reset, no duplicate.
      let res = await call('PUT', r.dir, '', { dir: 'true', ttl, prevExist: 'false' }, what);
      if (res.status === 412 || isErrorCode(res.body, 105) || isErrorCode(res.body, 102)) {
        res = await call('PUT', r.dir, '', { dir: 'true', ttl, prevExist: 'true' }, what);
      }
      ok(res, what);
      for (const [key, value] of r.fields) ok(await call('PUT', key, '', { value }, what), what);
      const d = await call('DELETE', r.drainKey, '', undefined, what);
      if (!(d.status === 404 && isErrorCode(d.body, 100))) ok(d, what);
      // The TTL ran while the fields were written (slow on a loaded etcd, or with v2 auth's bcrypt per request):
      // start it again now, so the first refresh is due a whole TTL/3 from here.
      const again = await call('PUT', r.dir, '', { dir: 'true', ttl, refresh: 'true', prevExist: 'true' }, what);
      if (again.status === 404 && isErrorCode(again.body, 100)) {
        throw new BackendError(`${name}: ${what}: ${r.dir} expired while it was being written; -ttl ${ttl}s is too short for this etcd`, 'EEXPIRED');
      }
      ok(again, what);
      live.set(r.dir, r);
    },
    async markDraining(r) {
      const what = `mark ${r.id} draining`;
      ok(await call('PUT', r.drainKey, '', { value: '1' }, what), what);
    },
    withdraw,
    onLost(listener) {
      listeners.push(listener);
    },
    async close({ revoke }) {
      closed = true;
      clearInterval(timer);
      try {
        if (revoke) for (const r of [...live.values()]) await withdraw(r);
      } finally {
        http.close();
      }
    },
  };
}
