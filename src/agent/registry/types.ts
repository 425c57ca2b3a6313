// The registry as the agent sees it: write a registration atomically under the agent's liveness (an etcd v3
// lease, etcd v2 TTLs), mark it draining, withdraw it, and hear when the registry has dropped everything
// (lease expired while etcd was out of reach) so that the agent registers again.

export interface Registration {
  /** "<domain>/<host>", for logs. */
  readonly id: string;
  /** The instance's key directory. */
  readonly dir: string;
  /** Keys and values, in write order. */
  readonly fields: ReadonlyArray<readonly [key: string, value: string]>;
  readonly drainKey: string;
}

export interface RegistryWriter {
  /** "etcdv3" or "etcdv2". */
  readonly name: string;
  /** Writes every field at once under the agent's liveness and removes a drain marker left by a predecessor. */
  register(r: Registration): Promise<void>;
  /** Writes the drain marker ("1") under the same liveness. */
  markDraining(r: Registration): Promise<void>;
  /** Removes the fields and the drain marker at once. */
  withdraw(r: Registration): Promise<void>;
  /**
   * `listener` runs when the registry no longer holds what was registered (the lease or the TTL keys expired):
   * everything must be registered again.
   */
  onLost(listener: (reason: string) => void): void;
  /** Stops keeping registrations alive; with `revoke`, also removes whatever is still registered at once. */
  close(o: { revoke: boolean }): Promise<void>;
}
