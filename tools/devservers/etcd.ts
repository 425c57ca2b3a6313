// Real etcd servers on loopback for tests, the demo and the benchmark.
//
//   const etcd = await startEtcd({ enableV2: true });        // one member, ready (healthy) when it resolves
//   etcd.endpoint                                           // "http://127.0.0.1:PORT"
//   await etcd.ctl(['put', '/k', 'v']);                     // etcdctl against it (api 3; { api: 2 } for v2)
//   await etcd.stop();                                      // process group killed, data dir removed
//
//   const cluster = await startEtcdCluster({ members: 3, enableV2: true });
//   cluster.endpoints                                       // one client URL per member
//   await cluster.members[0].kill();                        // SIGKILL by default (a crash)
//   await cluster.members[0].restart();                     // same data dir, same ports
//   await cluster.waitHealthy();                            // quorum + leader again
//   await cluster.stop();
//
// Clusters are bootstrapped statically as in the seed's section 1.3 (`--initial-cluster`,
// `--initial-cluster-token`, `--initial-cluster-state new`), each member with its own client and peer port.
// The binary is `etcd` from PATH (or $ETCD_BIN); when missing, ServerBinaryMissingError is thrown.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  findBinary,
  freePort,
  isAddressInUse,
  makeTempDir,
  removeTempDir,
  runCommand,
  ServerStartError,
  startProcess,
  waitFor,
  type StartedProcess,
} from './process.js';

export interface EtcdTlsOptions {
  /** Server certificate and key (PEM files). The certificate must name 127.0.0.1 (IP SAN). */
  readonly certFile: string;
  readonly keyFile: string;
  /** CA that signed the server certificate; with `clientCertAuth`, also the CA client certs must chain to. */
  readonly caFile: string;
  /** Require clients to present a certificate signed by `caFile`. */
  readonly clientCertAuth?: boolean;
  /** Client cert/key used by ctl() and the readiness check when `clientCertAuth` is on. */
  readonly clientCertFile?: string;
  readonly clientKeyFile?: string;
}

export interface EtcdAuthOptions {
  /** Password of the `root` user that is created; auth is then enabled (v3, and v2 when enableV2). */
  readonly rootPassword: string;
}

export interface StartEtcdOptions {
  readonly name?: string;
  /** Serve the v2 keys API too (etcd 3.4 `--enable-v2`). */
  readonly enableV2?: boolean;
  readonly auth?: EtcdAuthOptions;
  readonly tls?: EtcdTlsOptions;
  /** Extra etcd flags. */
  readonly extraArgs?: readonly string[];
  /** Echo etcd's output to stderr. */
  readonly echo?: boolean;
}

export interface EtcdServer {
  readonly name: string;
  /** Client URL ("http://127.0.0.1:PORT" or "https://..."). */
  readonly endpoint: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** Run etcdctl against this server (ETCDCTL_API=3 unless api 2); resolves to its stdout. */
  ctl(args: readonly string[], o?: { api?: 2 | 3; input?: string }): Promise<string>;
  /** Crash it (SIGKILL by default); data and ports are kept for restart(). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again on the same ports with the same data, and wait until it is healthy. */
  restart(): Promise<void>;
  /** Stop it and remove its data dir. */
  stop(): Promise<void>;
}

export interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** Crash the member (SIGKILL by default). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Start the member again (same data dir, same ports) and wait until it serves client requests. It may not be
   * healthy yet when a quorum is missing: use `EtcdCluster.waitHealthy()` after restarting several members.
   */
  restart(): Promise<void>;
}

export interface EtcdCluster {
  readonly endpoints: string[];
  readonly members: EtcdMember[];
  /** Run etcdctl against all endpoints. */
  ctl(args: readonly string[], o?: { api?: 2 | 3; input?: string }): Promise<string>;
  /** Wait until every running member reports healthy (has a leader and quorum). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartEtcdClusterOptions {
  readonly members: number;
  readonly enableV2?: boolean;
  readonly extraArgs?: readonly string[];
  readonly echo?: boolean;
}

interface MemberSpec {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
  readonly dataDir: string;
  readonly scheme: 'http' | 'https';
}

function clientUrlOf(m: MemberSpec): string {
  return `${m.scheme}://127.0.0.1:${m.clientPort}`;
}
function peerUrlOf(m: MemberSpec): string {
  return `http://127.0.0.1:${m.peerPort}`;
}

/** GET a small JSON document (health checks), with the server's TLS settings when any. */
function getJson(url: string, tls: EtcdTlsOptions | undefined, timeoutMs = 2000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const opts = {
      method: 'GET',
      timeout: timeoutMs,
      ...(u.protocol === 'https:' && tls
        ? {
            ca: readFileSync(tls.caFile),
            ...(tls.clientCertFile && tls.clientKeyFile
              ? { cert: readFileSync(tls.clientCertFile), key: readFileSync(tls.clientKeyFile) }
              : {}),
          }
        : {}),
    };
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body));
        } catch {
          reject(new Error(`${url}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

async function isHealthy(clientUrl: string, tls: EtcdTlsOptions | undefined): Promise<boolean> {
  const body = (await getJson(`${clientUrl}/health`, tls)) as { health?: unknown };
  return body.health === 'true' || body.health === true;
}

async function isServing(clientUrl: string, tls: EtcdTlsOptions | undefined): Promise<boolean> {
  const body = (await getJson(`${clientUrl}/version`, tls)) as { etcdserver?: unknown };
  return typeof body.etcdserver === 'string';
}

function etcdArgs(
  m: MemberSpec,
  all: readonly MemberSpec[],
  o: { enableV2?: boolean; tls?: EtcdTlsOptions; extraArgs?: readonly string[]; token: string },
): string[] {
  const args = [
    '--name', m.name,
    '--data-dir', m.dataDir,
    '--listen-client-urls', clientUrlOf(m),
    '--advertise-client-urls', clientUrlOf(m),
    '--listen-peer-urls', peerUrlOf(m),
    '--initial-advertise-peer-urls', peerUrlOf(m),
    '--initial-cluster', all.map((x) => `${x.name}=${peerUrlOf(x)}`).join(','),
    '--initial-cluster-token', o.token,
    '--initial-cluster-state', 'new',
    '--logger', 'zap',
    '--log-level', 'warn',
  ];
  if (o.enableV2) args.push('--enable-v2');
  if (o.tls) {
    args.push('--cert-file', o.tls.certFile, '--key-file', o.tls.keyFile);
    // etcd verifies client certificates whenever it has a trusted CA file, so pass it only when asked to.
    if (o.tls.clientCertAuth) args.push('--client-cert-auth', '--trusted-ca-file', o.tls.caFile);
  }
  args.push(...(o.extraArgs ?? []));
  return args;
}

function ctlEnvAndArgs(
  endpoints: readonly string[],
  args: readonly string[],
  api: 2 | 3,
  o: { tls?: EtcdTlsOptions; auth?: EtcdAuthOptions },
): { env: NodeJS.ProcessEnv; args: string[] } {
  const env = { ...process.env, ETCDCTL_API: String(api) };
  const base = ['--endpoints', endpoints.join(',')];
  if (o.tls) {
    if (api === 3) {
      base.push('--cacert', o.tls.caFile);
      if (o.tls.clientCertFile && o.tls.clientKeyFile) base.push('--cert', o.tls.clientCertFile, '--key', o.tls.clientKeyFile);
    } else {
      base.push('--ca-file', o.tls.caFile);
      if (o.tls.clientCertFile && o.tls.clientKeyFile) base.push('--cert-file', o.tls.clientCertFile, '--key-file', o.tls.clientKeyFile);
    }
  }
  if (o.auth) base.push('--user', `root:${o.auth.rootPassword}`);
  return { env, args: [...base, ...args] };
}

function etcdctlBinary(): string {
  return findBinary(process.env['ETCDCTL_BIN'] ?? 'etcdctl');
}

/** One etcd process with fixed ports and data dir, restartable. */
class EtcdProcess implements EtcdMember {
  private proc: StartedProcess | undefined;
  constructor(
    private readonly binary: string,
    readonly spec: MemberSpec,
    private readonly args: readonly string[],
    private readonly tls: EtcdTlsOptions | undefined,
    private readonly echo: boolean,
  ) {}
  get name(): string {
    return this.spec.name;
  }
  get clientUrl(): string {
    return clientUrlOf(this.spec);
  }
  get peerUrl(): string {
    return peerUrlOf(this.spec);
  }
  get dataDir(): string {
    return this.spec.dataDir;
  }
  get running(): boolean {
    return this.proc !== undefined && !this.proc.hasExited();
  }
  get process(): StartedProcess | undefined {
    return this.proc;
  }
  spawn(): StartedProcess {
    this.proc = startProcess({ name: `etcd ${this.name}`, command: this.binary, args: this.args, echo: this.echo });
    return this.proc;
  }
  async waitServing(timeoutMs = 20_000): Promise<void> {
    const proc = this.proc;
    if (!proc) throw new Error(`etcd ${this.name} is not running`);
    await waitFor(() => isServing(this.clientUrl, this.tls), { what: `etcd ${this.name} to serve ${this.clientUrl}`, process: proc, timeoutMs });
  }
  async waitHealthy(timeoutMs = 20_000): Promise<void> {
    const proc = this.proc;
    if (!proc) throw new Error(`etcd ${this.name} is not running`);
    await waitFor(() => isHealthy(this.clientUrl, this.tls), { what: `etcd ${this.name} to become healthy`, process: proc, timeoutMs });
  }
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.proc?.kill(signal);
  }
  async restart(): Promise<void> {
    if (this.running) await this.kill('SIGTERM');
    // The ports were ours a moment ago; the kernel may take a moment to release the listener.
    for (let attempt = 0; ; attempt++) {
      this.spawn();
      try {
        await this.waitServing();
        return;
      } catch (err) {
        if (attempt < 20 && this.proc && isAddressInUse(this.proc.output())) {
          await this.proc.kill('SIGKILL');
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        throw err;
      }
    }
  }
}

async function allocateSpecs(names: readonly string[], scheme: 'http' | 'https'): Promise<MemberSpec[]> {
  const used = new Set<number>();
  const port = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!used.has(p)) {
        used.add(p);
        return p;
      }
    }
  };
  const specs: MemberSpec[] = [];
  for (const name of names) {
    specs.push({ name, clientPort: await port(), peerPort: await port(), dataDir: '', scheme });
  }
  return specs;
}

let tokenCounter = 0;
function clusterToken(): string {
  tokenCounter += 1;
  return `confd-ts-${process.pid}-${Date.now()}-${tokenCounter}`;
}

/** Start a group of members and wait for them, retrying with new ports when one was taken meanwhile. */
async function startMembers(
  names: readonly string[],
  o: { enableV2?: boolean; tls?: EtcdTlsOptions; extraArgs?: readonly string[]; echo?: boolean },
): Promise<{ members: EtcdProcess[]; root: string }> {
  const binary = findBinary(process.env['ETCD_BIN'] ?? 'etcd');
  for (let attempt = 0; ; attempt++) {
    const root = makeTempDir('confd-ts-etcd-');
    const specs = (await allocateSpecs(names, o.tls ? 'https' : 'http')).map((s) => ({ ...s, dataDir: join(root, s.name) }));
    const token = clusterToken();
    const members = specs.map(
      (s) => new EtcdProcess(binary, s, etcdArgs(s, specs, { ...o, token }), o.tls, o.echo ?? false),
    );
    for (const m of members) m.spawn();
    try {
      await Promise.all(members.map((m) => m.waitHealthy(30_000)));
      return { members, root };
    } catch (err) {
      await Promise.all(members.map((m) => m.kill('SIGKILL')));
      removeTempDir(root);
      const portRace = members.some((m) => isAddressInUse(m.process?.output() ?? ''));
      if (portRace && attempt < 3) continue;
      throw err instanceof ServerStartError ? err : new ServerStartError(String(err), '');
    }
  }
}

/** Start one etcd member on free loopback ports with a temp data dir; resolves when it is healthy. */
export async function startEtcd(o: StartEtcdOptions = {}): Promise<EtcdServer> {
  const { members, root } = await startMembers([o.name ?? 'default'], o);
  const member = members[0]!;
  const ctlOpts = { ...(o.tls ? { tls: o.tls } : {}) };
  let authEnabled = false;
  const ctl = async (args: readonly string[], c: { api?: 2 | 3; input?: string; noAuth?: boolean } = {}): Promise<string> => {
    const x = ctlEnvAndArgs([member.clientUrl], args, c.api ?? 3, { ...ctlOpts, ...(o.auth && !c.noAuth && authEnabled ? { auth: o.auth } : {}) });
    return runCommand(etcdctlBinary(), x.args, { env: x.env, ...(c.input !== undefined ? { input: c.input } : {}) });
  };
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await member.kill('SIGKILL');
    removeTempDir(root);
  };
  try {
    if (o.auth) {
      await ctl(['user', 'add', 'root', '--new-user-password', o.auth.rootPassword]);
      await ctl(['auth', 'enable']);
      authEnabled = true;
      if (o.enableV2) await enableV2Auth(member.clientUrl, o.auth.rootPassword, o.tls);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    name: member.name,
    endpoint: member.clientUrl,
    clientUrl: member.clientUrl,
    peerUrl: member.peerUrl,
    dataDir: member.dataDir,
    ctl: (args, c) => ctl(args, c),
    kill: (signal) => member.kill(signal),
    async restart() {
      await member.restart();
      await member.waitHealthy();
    },
    stop,
  };
}

/** v2 auth is separate from v3 in etcd 3.4: create root, enable auth, and take the guest role's default rights. */
async function enableV2Auth(clientUrl: string, password: string, tls: EtcdTlsOptions | undefined): Promise<void> {
  const call = async (method: string, path: string, body: unknown, auth: boolean): Promise<void> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (auth) headers['authorization'] = `Basic ${Buffer.from(`root:${password}`).toString('base64')}`;
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(clientUrl + path);
      const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
        u,
        { method, headers, ...(tls ? { ca: readFileSync(tls.caFile) } : {}) },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
    if (status >= 300) throw new Error(`etcd v2 auth setup: ${method} ${path}: HTTP ${status}`);
  };
  await call('PUT', '/v2/auth/users/root', { user: 'root', password }, false);
  await call('PUT', '/v2/auth/enable', undefined, false);
  await call('PUT', '/v2/auth/roles/guest', { role: 'guest', revoke: { kv: { read: ['/*'], write: ['/*'] } } }, true);
}

/** Start an n-member cluster on loopback (static bootstrap); resolves when every member is healthy. */
export async function startEtcdCluster(o: StartEtcdClusterOptions): Promise<EtcdCluster> {
  if (!Number.isInteger(o.members) || o.members < 1) throw new Error(`startEtcdCluster: members must be >= 1, got ${o.members}`);
  const names = Array.from({ length: o.members }, (_, i) => `infra${i}`);
  const { members, root } = await startMembers(names, o);
  const endpoints = members.map((m) => m.clientUrl);
  let stopped = false;
  return {
    endpoints,
    members,
    async ctl(args, c = {}) {
      const x = ctlEnvAndArgs(endpoints, args, c.api ?? 3, {});
      return runCommand(etcdctlBinary(), x.args, { env: x.env, ...(c.input !== undefined ? { input: c.input } : {}) });
    },
    async waitHealthy(timeoutMs = 30_000) {
      await Promise.all(members.filter((m) => m.running).map((m) => m.waitHealthy(timeoutMs)));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(members.map((m) => m.kill('SIGKILL')));
      removeTempDir(root);
    },
  };
}
