import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs, resolveConfig, usageText, UsageError, ConfigError } from './index.js';
import { parseDuration } from './duration.js';

const noFile = (): undefined => undefined;
const files = (m: Record<string, string>) => (p: string): string | undefined => m[p];

describe("Go flag syntax", () => {
  it('accepts -flag, --flag, -flag=value and -flag value', () => {
    const a = parseArgs(['-backend', 'file', '--confdir=/x', '-interval=30', '--prefix', '/p', '-onetime']);
    assert.equal(a.values.get('backend'), 'file');
    assert.equal(a.values.get('confdir'), '/x');
    assert.equal(a.values.get('interval'), 30);
    assert.equal(a.values.get('prefix'), '/p');
    assert.equal(a.values.get('onetime'), true);
  });
  it('bool flags take a value only with =', () => {
    assert.equal(parseArgs(['-onetime=false']).values.get('onetime'), false);
    assert.equal(parseArgs(['-watch=T']).values.get('watch'), true);
    assert.throws(() => parseArgs(['-onetime=maybe']), { message: 'invalid boolean value "maybe" for -onetime: parse error' });
    // Go would stop parsing at "false" and silently ignore -backend; we refuse.
    assert.throws(() => parseArgs(['-onetime', 'false', '-backend', 'file']), (e: Error) => e instanceof UsageError && /unexpected argument "false"/.test(e.message));
  });
  it('repeats list flags', () => {
    assert.deepEqual(parseArgs(['-node', 'http://a:2379', '-node=http://b:2379']).values.get('node'), ['http://a:2379', 'http://b:2379']);
  });
  it("uses Go's messages for bad flags", () => {
    assert.throws(() => parseArgs(['-nope']), { message: 'flag provided but not defined: -nope' });
    assert.throws(() => parseArgs(['-backend']), { message: 'flag needs an argument: -backend' });
    assert.throws(() => parseArgs(['-interval', 'ten']), { message: 'invalid value "ten" for flag -interval: parse error' });
    assert.throws(() => parseArgs(['---x']), { message: 'bad flag syntax: ---x' });
  });
  it('-h and -help ask for usage listing every flag with its default', () => {
    assert.equal(parseArgs(['-h']).help, true);
    assert.equal(parseArgs(['--help']).help, true);
    const u = usageText();
    for (const f of ['-backend string', '-onetime', '-node value', '-client-ca-keys', '-log-format', '-command-timeout', '-wait']) assert.ok(u.includes(`  ${f}`), f);
    assert.match(u, /-interval int\n\s+backend polling interval \(default 600\)/);
    assert.match(u, /-confdir string\n\s+confd conf directory \(default "\/etc\/confd"\)/);
  });
});

describe('resolveConfig', () => {
  it('defaults match confd', () => {
    const { config } = resolveConfig({ args: ['-backend', 'env'], env: {}, readFile: noFile });
    assert.equal(config.confdir, '/etc/confd');
    assert.equal(config.configDir, '/etc/confd/conf.d');
    assert.equal(config.templateDir, '/etc/confd/templates');
    assert.equal(config.intervalSeconds, 600);
    assert.equal(config.prefix, '');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.filter, '*');
    assert.equal(config.scheme, 'http');
    assert.equal(config.configFileLoaded, false);
  });

  it('precedence: flag > environment > confd.toml > default', () => {
    const toml = 'backend = "redis"\ninterval = 5\nprefix = "/file"\nlog-level = "debug"\nnodes = ["f:1"]\n';
    const readFile = files({ '/etc/confd/confd.toml': toml });
    const env = { CONFD_INTERVAL: '7', CONFD_PREFIX: '/env', CONFD_NODES: 'e:1,e:2' };
    const { config, warnings } = resolveConfig({ args: ['-prefix', '/flag'], env, readFile });
    assert.deepEqual(warnings, []);
    assert.equal(config.prefix, '/flag'); // flag beats env and file
    assert.equal(config.intervalSeconds, 7); // env beats file
    assert.deepEqual(config.nodes, ['e:1', 'e:2']);
    assert.equal(config.backend, 'redis'); // file beats default
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.sources['prefix'], 'flag');
    assert.equal(config.sources['interval'], 'env');
    assert.equal(config.sources['backend'], 'file');
    assert.equal(config.sources['confdir'], 'default');
  });

  it("reads confd's key names (client_cakeys, sync-only, nodes, file) and -config-file", () => {
    const toml = [
      'backend = "file"',
      'file = ["/k/a.yaml", "/k/b.yaml"]',
      'client_cakeys = "/ca.pem"',
      'client_cert = "/c.pem"',
      'sync-only = true',
      'noop = true',
      'watch = true',
      'keep-stage-file = true',
      'srv_domain = "example.com"',
      'confdir = "/srv/confd"',
      '',
    ].join('\n');
    const { config } = resolveConfig({ args: ['-config-file', '/c/confd.toml'], env: {}, readFile: files({ '/c/confd.toml': toml }) });
    assert.deepEqual(config.files, ['/k/a.yaml', '/k/b.yaml']);
    assert.equal(config.clientCaKeys, '/ca.pem');
    assert.equal(config.clientCert, '/c.pem');
    assert.equal(config.syncOnly, true);
    assert.equal(config.noop, true);
    assert.equal(config.watch, true);
    assert.equal(config.keepStageFile, true);
    assert.equal(config.srvRecord, '_file._tcp.example.com.');
    assert.equal(config.templateDir, '/srv/confd/templates');
  });

  it('warns about unknown keys naming file and line', () => {
    const { warnings } = resolveConfig({ args: [], env: {}, readFile: files({ '/etc/confd/confd.toml': 'backend = "env"\n\nbakend = "x"\n' }) });
    assert.deepEqual(warnings, ['/etc/confd/confd.toml:3: unknown key "bakend" ignored']);
  });

  it('rejects wrong types naming file, line and key', () => {
    assert.throws(
      () => resolveConfig({ args: [], env: {}, readFile: files({ '/etc/confd/confd.toml': 'backend = "env"\ninterval = "10"\n' }) }),
      (e: Error) => e instanceof ConfigError && e.message === '/etc/confd/confd.toml:2: key "interval": expected an integer, got string "10"',
    );
    assert.throws(
      () => resolveConfig({ args: [], env: {}, readFile: files({ '/etc/confd/confd.toml': 'backend = "env"\nnodes = "a"\nwatch = "yes"\n' }) }),
      { message: '/etc/confd/confd.toml:3: key "watch": expected a boolean (true or false), got string "yes"' },
    );
  });

  it('reports TOML syntax errors with file, line and column', () => {
    assert.throws(
      () => resolveConfig({ args: [], env: {}, readFile: files({ '/etc/confd/confd.toml': 'backend = "env"\nnodes = [\n' }) }),
      (e: Error) => e instanceof ConfigError && /^\/etc\/confd\/confd\.toml:\d+:\d+: invalid TOML: /.test(e.message),
    );
  });

  it('an explicit -config-file must exist; the default one may be absent', () => {
    assert.throws(() => resolveConfig({ args: ['-config-file', '/nope.toml', '-backend', 'env'], env: {}, readFile: noFile }), /config file \/nope.toml does not exist/);
    assert.throws(() => resolveConfig({ args: ['-backend', 'env'], env: { CONFD_CONFIG_FILE: '/nope.toml' }, readFile: noFile }), /CONFD_CONFIG_FILE/);
  });

  it('refuses backends confd-ts does not implement, by name', () => {
    assert.throws(() => resolveConfig({ args: ['-backend', 'consul'], env: {}, readFile: noFile }), (e: Error) => e instanceof ConfigError && /^backend consul is not supported/.test(e.message));
    assert.throws(() => resolveConfig({ args: ['-backend', 'etcdx'], env: {}, readFile: noFile }), /backend etcdx is not supported \(unknown backend\)/);
  });

  it('environment values are validated and lists split on commas', () => {
    assert.throws(() => resolveConfig({ args: ['-backend', 'env'], env: { CONFD_ONETIME: 'sure' }, readFile: noFile }), /CONFD_ONETIME/);
    const { config } = resolveConfig({ args: ['-backend', 'file'], env: { CONFD_FILE: '/a.yaml, /b.yaml', CONFD_CLIENT_CAKEYS: '/ca' }, readFile: noFile });
    assert.deepEqual(config.files, ['/a.yaml', '/b.yaml']);
    assert.equal(config.clientCaKeys, '/ca');
  });

  it('says when a flag does not apply to the chosen backend', () => {
    const { warnings } = resolveConfig({ args: ['-backend', 'env', '-table', 't'], env: {}, readFile: noFile });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /flag -table only applies to backend dynamodb; ignored with backend env/);
  });

  it('wait, timeouts and log settings', () => {
    const { config } = resolveConfig({ args: ['-backend', 'env', '-wait', '2s:10s', '-command-timeout', '1m30s', '-log-level', 'WARNING', '-log-format', 'json'], env: {}, readFile: noFile });
    assert.deepEqual(config.wait, { minMs: 2000, maxMs: 10000 });
    assert.equal(config.commandTimeoutMs, 90_000);
    assert.equal(config.logLevel, 'warn');
    assert.equal(config.logFormat, 'json');
    assert.throws(() => resolveConfig({ args: ['-backend', 'env', '-log-level', 'loud'], env: {}, readFile: noFile }), /not a valid level: "loud"/);
    assert.throws(() => resolveConfig({ args: ['-backend', 'env', '-wait', '10s:2s'], env: {}, readFile: noFile }), /MAX must not be less than MIN/);
  });

  it('accepts wait as a [wait] table with min and max', () => {
    const { config } = resolveConfig({ args: [], env: {}, readFile: files({ '/etc/confd/confd.toml': 'backend = "env"\n[wait]\nmin = "2s"\nmax = "10s"\n' }) });
    assert.deepEqual(config.wait, { minMs: 2000, maxMs: 10000 });
  });

  it('is frozen', () => {
    const { config } = resolveConfig({ args: ['-backend', 'file', '-file', '/a'], env: {}, readFile: noFile });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.files));
    assert.throws(() => {
      (config as { backend: string }).backend = 'x';
    });
  });

  it('parses Go durations', () => {
    assert.equal(parseDuration('300ms'), 300);
    assert.equal(parseDuration('1h2m3s'), 3_723_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('10'), 10_000);
    // Both spellings of micro (U+00B5 and U+03BC), as Go's time.ParseDuration takes them.
    assert.equal(parseDuration('2500\u00b5s'), 2.5);
    assert.equal(parseDuration('2500\u03bcs'), 2.5);
    assert.equal(parseDuration('2500us'), 2.5);
    assert.throws(() => parseDuration('5 s'), /in duration "5 s"/);
    assert.throws(() => parseDuration('fast'), /invalid duration "fast"/);
  });
});

describe('-metrics-addr', () => {
  it('comes from the flag, CONFD_METRICS_ADDR or confd.toml metrics_addr, and is off by default', () => {
    const toml = files({ '/etc/confd/confd.toml': 'backend = "env"\nmetrics_addr = "127.0.0.1:9180"\n' });
    assert.equal(resolveConfig({ args: ['-backend', 'env'], env: {}, readFile: noFile }).config.metricsAddr, '');
    assert.equal(resolveConfig({ args: [], env: {}, readFile: toml }).config.metricsAddr, '127.0.0.1:9180');
    assert.equal(resolveConfig({ args: [], env: { CONFD_METRICS_ADDR: '[::1]:9181' }, readFile: toml }).config.metricsAddr, '[::1]:9181');
    assert.equal(resolveConfig({ args: ['-metrics-addr', ':9182'], env: { CONFD_METRICS_ADDR: '[::1]:9181' }, readFile: toml }).config.metricsAddr, ':9182');
  });
  it('refuses an address without a port, naming where it came from', () => {
    assert.throws(
      () => resolveConfig({ args: ['-backend', 'env'], env: { CONFD_METRICS_ADDR: '9180' }, readFile: noFile }),
      (e: Error) => e instanceof ConfigError && /invalid listen address "9180": use HOST:PORT.*\(from environment variable CONFD_METRICS_ADDR\)/.test(e.message),
    );
  });
});
