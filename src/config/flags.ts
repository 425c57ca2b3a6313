// Every confd setting, once: its flag, its type and default, its confd.toml key(s) and its CONFD_* variable.
//
// The table is the single source for the command-line parser, `-help`, the environment, confd.toml and the
// README. confd's own list (config.go) comes first; ours (marked `ours`) follow.

export type FlagKind = 'string' | 'bool' | 'int' | 'list' | 'duration';

export interface FlagDef {
  readonly name: string;
  readonly kind: FlagKind;
  /** Default as the flag would print it; lists default to []. */
  readonly def: string | boolean | number | readonly string[];
  readonly usage: string;
  /** confd.toml key as confd spells it (first) and accepted aliases; undefined: not settable in the file. */
  readonly toml?: readonly string[];
  /** Environment variables (first is the canonical CONFD_* name). */
  readonly env: readonly string[];
  /** Only meaningful for these backends (a warning when set for another one). */
  readonly backends?: readonly string[];
  /** An addition of confd-ts, not in the Go confd. */
  readonly ours?: boolean;
}

function envName(flag: string): string {
  return `CONFD_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function def(
  name: string,
  kind: FlagKind,
  dflt: FlagDef['def'],
  usage: string,
  extra: { toml?: readonly string[] | null; env?: readonly string[]; backends?: readonly string[]; ours?: boolean } = {},
): FlagDef {
  const toml = extra.toml === null ? undefined : (extra.toml ?? [name]);
  return {
    name,
    kind,
    def: dflt,
    usage,
    ...(toml ? { toml } : {}),
    env: [envName(name), ...(extra.env ?? [])],
    ...(extra.backends ? { backends: extra.backends } : {}),
    ...(extra.ours ? { ours: true } : {}),
  };
}

const VAULT = ['vault'];

export const FLAGS: readonly FlagDef[] = [
  def('app-id', 'string', '', 'Vault app-id to use with the app-id backend (only used with -backend=vault and auth-type=app-id)', { toml: ['app_id'], backends: VAULT }),
  def('auth-token', 'string', '', 'Auth bearer token to use', { toml: ['auth_token'], backends: ['vault', 'consul'] }),
  def('auth-type', 'string', '', 'Vault auth backend type to use (only used with -backend=vault)', { toml: ['auth_type'], backends: VAULT }),
  def('backend', 'string', 'etcd', 'backend to use (file, env, etcd, etcdv3, etcdv2, redis)'),
  def('basic-auth', 'bool', false, 'Use Basic Auth to authenticate (only used with -backend=consul and -backend=etcd)', { toml: ['basic_auth'] }),
  def('client-ca-keys', 'string', '', 'client ca keys', { toml: ['client_cakeys'], env: ['CONFD_CLIENT_CAKEYS'] }),
  def('client-cert', 'string', '', 'the client cert', { toml: ['client_cert'] }),
  def('client-insecure', 'bool', false, 'Allow connections to SSL sites without certs (only used with -backend=etcd)', { toml: ['client_insecure'] }),
  def('client-key', 'string', '', 'the client key', { toml: ['client_key'] }),
  def('confdir', 'string', '/etc/confd', 'confd conf directory'),
  def('config-file', 'string', '/etc/confd/confd.toml', 'the confd config file', { toml: null }),
  def('file', 'list', [], 'the YAML file to watch for changes (only used with -backend=file); repeat for more files or directories', { toml: ['file'], backends: ['file'] }),
  def('filter', 'string', '*', 'files filter (only used with -backend=file)', { backends: ['file'] }),
  def('interval', 'int', 600, 'backend polling interval'),
  def('keep-stage-file', 'bool', false, 'keep staged files', { toml: ['keep-stage-file', 'keepstagefile'] }),
  def('log-level', 'string', '', 'level which confd should log messages (debug, info, warn, error; default info)'),
  def('node', 'list', [], 'list of backend nodes', { toml: ['nodes'], env: ['CONFD_NODES'] }),
  def('noop', 'bool', false, 'only show pending changes'),
  def('onetime', 'bool', false, 'run once and exit'),
  def('password', 'string', '', 'the password to authenticate with (only used with vault and etcd backends)'),
  def('path', 'string', '', 'Vault mount path of the auth method (only used with -backend=vault)', { backends: VAULT }),
  def('prefix', 'string', '', 'key path prefix'),
  def('role-id', 'string', '', 'Vault role-id to use with the AppRole, Kubernetes backends (only used with -backend=vault and either auth-type=app-role or auth-type=kubernetes)', { toml: ['role_id'], backends: VAULT }),
  def('scheme', 'string', 'http', 'the backend URI scheme for nodes retrieved from DNS SRV records (http or https)'),
  def('secret-id', 'string', '', 'Vault secret-id to use with the AppRole backend (only used with -backend=vault and auth-type=app-role)', { toml: ['secret_id'], backends: VAULT }),
  def('secret-keyring', 'string', '', 'path to armored PGP secret keyring (for use with crypt functions; not supported by confd-ts)', { toml: ['secret_keyring'] }),
  def('separator', 'string', '/', "the separator to replace '/' with when looking up keys in the backend, prefixed '/' will also be removed (only used with -backend=redis)", { backends: ['redis'] }),
  def('srv-domain', 'string', '', 'the name of the resource record', { toml: ['srv_domain'] }),
  def('srv-record', 'string', '', 'the SRV record to search for backends nodes. Example: _etcd-client._tcp.example.com', { toml: ['srv_record'] }),
  def('sync-only', 'bool', false, 'sync without check_cmd and reload_cmd'),
  def('table', 'string', '', 'the name of the DynamoDB table (only used with -backend=dynamodb)', { backends: ['dynamodb'] }),
  def('user-id', 'string', '', 'Vault user-id to use with the app-id backend (only used with -backend=value and auth-type=app-id)', { toml: ['user_id'], backends: VAULT }),
  def('username', 'string', '', 'the username to authenticate as (only used with vault and etcd backends)'),
  { ...def('version', 'bool', false, 'print version and exit', { toml: null }), env: [] },
  def('watch', 'bool', false, 'actively watch the backend for changes vs. checking every INTERVAL seconds'),
  // ---- confd-ts additions ----
  def('log-format', 'string', 'text', 'log line format: text (confd\'s) or json', { ours: true }),
  def('command-timeout', 'duration', '60s', 'time limit for one check_cmd or reload_cmd; a command still running then is killed with its process group', { ours: true }),
  def('request-timeout', 'duration', '30s', 'time limit for one backend read; a read that does not finish in time renders nothing', { ours: true }),
  def('metrics-addr', 'string', '', 'serve /metrics, /health, /ready and a status page on HOST:PORT (e.g. 127.0.0.1:9180; default off)', { toml: ['metrics_addr'], ours: true }),
  { ...def('check-config', 'bool', false, 'check confd.toml, every conf.d resource and template and report every problem with its position; exit 1 on any', { toml: null, ours: true }), env: [] },
  { ...def('render-test', 'bool', false, 'render every resource against -file YAML keys (no backend) and compare with -expect; see docs/daemon.md', { toml: null, ours: true }), env: [] },
  { ...def('run-check', 'bool', false, 'with -render-test: also run each resource\'s check_cmd on its rendered output', { toml: null, ours: true }), env: [] },
  { ...def('expect', 'string', '', 'with -render-test: a directory of expected outputs (one per dest base name) or, for one resource, a file', { toml: null, ours: true }), env: [] },
  def('state-dir', 'string', '/var/lib/confd-ts', 'directory of confd-ts state: installed generations and guard state of resources with a [template.guard] (never beside dest)', { toml: ['state_dir'], ours: true }),
  // A command, not a setting: no confd.toml key and no environment variable (one would turn every run into it).
  { ...def('release', 'string', '', 'release the removal held by the guard of resource NAME (its conf.d file name; "all" for every resource) in the running daemon, then exit', { toml: null, ours: true }), env: [] },
  def('wait', 'string', '', 'quiescence for watch mode, MIN[:MAX] (e.g. 2s:10s): render only after MIN without changes, at most MAX after the first one (default off)', { ours: true }),
];

export const FLAG_BY_NAME: ReadonlyMap<string, FlagDef> = new Map(FLAGS.map((f) => [f.name, f]));
