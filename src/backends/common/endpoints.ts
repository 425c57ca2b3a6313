// -node values to endpoint URLs for the HTTP(S)/gRPC backends (etcd v3 and v2): the scheme (https as soon as TLS
// material or -scheme https is given), "host:port" completed with it, trailing slashes dropped. Written once here.

import type { BackendOptions } from '../types.js';

/** "127.0.0.1:2379" -> "http://127.0.0.1:2379"; a node that has a scheme keeps it. */
export function normalizeEndpoint(node: string, scheme: string): string {
  const n = node.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(n)) return n.replace(/\/+$/, '');
  return `${scheme}://${n}`.replace(/\/+$/, '');
}

/** https when -scheme https or any TLS file is given, else -scheme (default http). */
export function endpointScheme(o: Pick<BackendOptions, 'scheme' | 'clientCert' | 'clientKey' | 'clientCaKeys'>): string {
  if (o.scheme === 'https' || o.clientCert || o.clientKey || o.clientCaKeys) return 'https';
  return o.scheme || 'http';
}

/** The endpoints of `o.nodes` (confd's default node when none is given). */
export function endpointsOf(o: Pick<BackendOptions, 'nodes' | 'scheme' | 'clientCert' | 'clientKey' | 'clientCaKeys'>, defaultNode = '127.0.0.1:2379'): string[] {
  const scheme = endpointScheme(o);
  return (o.nodes.length > 0 ? o.nodes : [defaultNode]).map((n) => normalizeEndpoint(n, scheme));
}
