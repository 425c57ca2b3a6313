// The one list of backend names: what `-backend` accepts, what confd has and confd-ts does not, and the message
// for a name that cannot be used. Read by the configuration (to refuse a bad -backend before anything starts)
// and by the backend factory (backends/index.ts), so the two can never disagree. No imports: config/ uses it
// without loading any backend.

/** Backends confd-ts implements ("etcd" is the v3 API under confd's older name). */
export const SUPPORTED_BACKENDS = ['env', 'etcd', 'etcdv2', 'etcdv3', 'file', 'redis'] as const;
export type BackendName = (typeof SUPPORTED_BACKENDS)[number];

/** Backends the Go confd has had and confd-ts does not: refused with "not supported" rather than "unknown". */
export const UNSUPPORTED_BACKENDS = ['consul', 'dynamodb', 'metad', 'rancher', 'ssm', 'stackengine', 'vault', 'zookeeper'] as const;

export function isSupportedBackend(name: string): name is BackendName {
  return (SUPPORTED_BACKENDS as readonly string[]).includes(name);
}

/** Why `name` cannot be a backend (message and stable code), or undefined when it can. */
export function backendNameProblem(name: string): { message: string; code: 'ENOTSUPPORTED' | 'EINVALIDBACKEND' } | undefined {
  if (isSupportedBackend(name)) return undefined;
  const supported = `supported: ${SUPPORTED_BACKENDS.join(', ')}`;
  if ((UNSUPPORTED_BACKENDS as readonly string[]).includes(name)) return { message: `backend ${name} is not supported; ${supported}`, code: 'ENOTSUPPORTED' };
  return { message: `backend ${name} is not supported (unknown backend); ${supported}`, code: 'EINVALIDBACKEND' };
}
