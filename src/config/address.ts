// HOST:PORT listen addresses (-metrics-addr), parsed as Go's net.Listen takes them, so that a bad one is refused
// when the configuration is read (at start and on SIGHUP), not when the endpoint starts.

export class ListenAddressError extends Error {
  override readonly name = 'ListenAddressError';
  readonly code = 'EBADADDR';
}

/** "127.0.0.1:9180", "[::1]:9180", "localhost:9180"; ":9180" means every interface (as Go's net.Listen). */
export function parseListenAddress(addr: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new ListenAddressError(`invalid listen address ${JSON.stringify(addr)}: use HOST:PORT, e.g. 127.0.0.1:9180`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}
