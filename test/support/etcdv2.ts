// Writing to etcd's v2 keys API in tests (PUT/DELETE /v2/keys/...), as `etcdctl set/rm` and the seed's curl do.

import { keyPath } from '../../src/backends/etcdv2/index.js';

async function call(method: string, url: string, form?: Record<string, string>, auth?: string): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
  if (auth) headers['authorization'] = `Basic ${Buffer.from(auth).toString('base64')}`;
  const res = await fetch(url, { method, headers, ...(form ? { body: new URLSearchParams(form).toString() } : {}) });
  const body = (await res.json()) as { errorCode?: number; message?: string };
  if (!res.ok) throw new Error(`${method} ${url}: HTTP ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

export function v2Put(endpoint: string, key: string, value: string, o: { ttl?: number; auth?: string } = {}): Promise<unknown> {
  return call('PUT', `${endpoint}/v2/keys${keyPath(key)}`, { value, ...(o.ttl !== undefined ? { ttl: String(o.ttl) } : {}) }, o.auth);
}

export function v2Mkdir(endpoint: string, key: string, o: { ttl?: number } = {}): Promise<unknown> {
  return call('PUT', `${endpoint}/v2/keys${keyPath(key)}`, { dir: 'true', ...(o.ttl !== undefined ? { ttl: String(o.ttl) } : {}) });
}

export function v2Delete(endpoint: string, key: string, o: { recursive?: boolean } = {}): Promise<unknown> {
  return call('DELETE', `${endpoint}/v2/keys${keyPath(key)}${o.recursive ? '?recursive=true' : ''}`);
}
