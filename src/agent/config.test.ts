import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs, UsageError } from '../config/args.js';
import { ConfigError } from '../config/toml.js';
import { REGISTER_FLAG_BY_NAME, resolveRegisterConfig } from './config.js';
import { HealthGate } from './health.js';
import { RegistrationError } from './validate.js';

const parse = (argv: string[]) => parseArgs(argv, { flags: REGISTER_FLAG_BY_NAME, command: 'confd-register', rest: true });
const resolve = (argv: string[], files: Record<string, string> = {}) =>
  resolveRegisterConfig(parse(argv), {
    readFile: (p) => {
      const t = files[p];
      if (t === undefined) throw new Error('ENOENT');
      return t;
    },
  });
const one = ['-domain', 'a.b.com', '-host', 'server1', '-ip', '10.0.0.5', '-port', '8080'];

describe('confd-register flags', () => {
  it("takes confd's etcd flags and the issue's names, in Go flag syntax, with -- CMD ARGS", () => {
    const c = resolve(['-node', 'http://e1:2379', '--node=e2:2379', '-basic-auth', '-username', 'u', '-password', 'p', '-ttl', '5s', ...one, '-check-http', 'http://10.0.0.5:8080/health', '--', 'nginx', '-g', 'daemon off;']);
    assert.equal(c.backend, 'etcdv3');
    assert.deepEqual(c.backendOptions.nodes, ['http://e1:2379', 'e2:2379']);
    assert.equal(c.backendOptions.basicAuth, true);
    assert.equal(c.ttlMs, 5000);
    assert.deepEqual(c.command, ['nginx', '-g', 'daemon off;']);
    const s = c.services[0]!;
    assert.equal(s.dir, '/nginx/a.b.com/server1');
    assert.deepEqual(s.fields, [['/nginx/a.b.com/server1/port', '8080'], ['/nginx/a.b.com/server1/ip', '10.0.0.5']]);
    assert.equal(s.drainKey, '/nginx/a.b.com/server1/drain');
    assert.deepEqual(s.health.checks, [{ kind: 'http', target: 'http://10.0.0.5:8080/health' }]);
    assert.deepEqual([s.health.rise, s.health.fall, s.health.intervalMs], [2, 3, 2000]);
  });
  it('lays keys out as -key-layout says, with extra -field values', () => {
    const c = resolve([...one, '-key-layout', '/services/{domain}/{host}-{port}', '-field', 'weight=10', '-drain-key', 'draining']);
    const s = c.services[0]!;
    assert.deepEqual(s.fields, [['/services/a.b.com/server1-8080/weight', '10'], ['/services/a.b.com/server1-8080/port', '8080'], ['/services/a.b.com/server1-8080/ip', '10.0.0.5']]);
    assert.equal(s.drainKey, '/services/a.b.com/server1-8080/draining');
  });
  it('refuses unknown flags and stray arguments like Go flag does', () => {
    assert.throws(() => parse(['-confdir', '/x']), UsageError);
    assert.throws(() => parse(['server1']), /takes only flags before --/);
  });
  it('refuses values that could inject configuration, naming the field', () => {
    const bad: Array<[string[], RegExp]> = [
      [['-domain', 'a b.com', '-host', 's', '-ip', '1.2.3.4', '-port', '80'], /domain "a b\.com" is not a host name/],
      [['-domain', 'a.b.com', '-host', 's\n1', '-ip', '1.2.3.4', '-port', '80'], /host "s\\n1"/],
      [['-domain', 'a.b.com', '-host', 's', '-ip', '1.2.3.4 backup', '-port', '80'], /ip "1\.2\.3\.4 backup"/],
      [['-domain', 'a.b.com', '-host', 's', '-ip', '1.2.3.4', '-port', '70000'], /port "70000" is not a number from 1 to 65535/],
      [['-domain', 'a.b.com', '-host', 's', '-ip', '1.2.3.4', '-port', '80', '-field', 'note=a\u0007b'], /control character/],
      [['-domain', 'a.b.com', '-host', 's', '-ip', '1.2.3.4', '-port', '80', '-field', 'ip=1.1.1.1'], /field "ip" is reserved/],
      [['-domain', 'a.b.com', '-host', 's', '-ip', '1.2.3.4', '-port', '80', '-key-layout', '/nginx/{domain}'], /must contain \{host\}/],
      [['-domain', 'a.b.com', '-host', 's', '-ip', '1.2.3.4'], /port is required/],
    ];
    for (const [argv, re] of bad) assert.throws(() => resolve(argv), (e: Error) => e instanceof RegistrationError && re.test(e.message), argv.join(' '));
    assert.deepEqual(resolve(['-domain', 'a.b.com', '-host', 'v6', '-ip', 'fd00::5', '-port', '80']).services[0]!.ip, 'fd00::5');
    assert.deepEqual(resolve(['-domain', 'a.b.com', '-host', 'dns', '-ip', 'web-1.internal', '-port', '80']).services[0]!.ip, 'web-1.internal');
  });
  it('refuses settings that cannot work', () => {
    assert.throws(() => resolve([...one, '-backend', 'redis']), /not supported by confd-register/);
    assert.throws(() => resolve([...one, '-ttl', '1500ms']), /whole seconds/);
    assert.throws(() => resolve([...one, '-ttl', '2s', '-check-tcp', '10.0.0.5:8080', '-check-interval', '5s']), /longer than -ttl/);
    assert.throws(() => resolve([...one, '-check-http', 'ftp://x/']), /http:\/\/ or https:\/\//);
  });
  it('reads many services from a TOML file, with file:line errors', () => {
    const file = ['[[service]]', 'domain = "a.b.com"', 'host = "server1"', 'ip = "10.0.0.5"', 'port = 8080', 'check-tcp = "10.0.0.5:8080"', '', '[[service]]', 'domain = "b.b.com"', 'host = "server1"', 'ip = "10.0.0.6"', 'port = "49154"', 'rise = 4', 'fields = { weight = "5" }', ''].join('\n');
    const c = resolve(['-config-file', 's.toml'], { 's.toml': file });
    assert.deepEqual(c.services.map((s) => [s.id, s.port, s.health.rise]), [['a.b.com/server1', 8080, 2], ['b.b.com/server1', 49154, 4]]);
    assert.throws(() => resolve(['-config-file', 's.toml', '-host', 'x'], { 's.toml': file }), /-host cannot be given with it/);
    assert.throws(() => resolve(['-config-file', 's.toml'], { 's.toml': file.replace('port = "49154"', 'port = "49154 x"') }), (e: Error) => e instanceof ConfigError && /^s\.toml:8: port "49154 x"/.test(e.message));
    assert.throws(() => resolve(['-config-file', 's.toml'], { 's.toml': file.replace('rise = 4', 'rsie = 4') }), /s\.toml:8: unknown key "rsie"/);
    assert.throws(() => resolve(['-config-file', 's.toml'], { 's.toml': file.replace('b.b.com', 'a.b.com') }), /would both register under \/nginx\/a\.b\.com\/server1/);
    assert.throws(() => resolve(['-config-file', 's.toml'], { 's.toml': 'port = 1\n' }), /s\.toml:1: unknown key "port"/);
    assert.throws(() => resolve(['-config-file', 'missing.toml']), /cannot read -config-file missing\.toml/);
  });
});

describe('the rise/fall gate', () => {
  it('registers on the first pass, withdraws after `fall` failures, returns after `rise` passes', () => {
    const g = new HealthGate({ rise: 2, fall: 3 });
    assert.equal(g.record(false), undefined, 'down at start: a failure changes nothing');
    assert.equal(g.record(true), 'up', 'never seen healthy: one pass registers');
    assert.deepEqual([g.record(false), g.record(false), g.record(true)], [undefined, undefined, undefined], 'two failures then a pass: no flap');
    assert.deepEqual([g.record(false), g.record(false), g.record(false)], [undefined, undefined, 'down']);
    assert.deepEqual([g.record(true), g.record(false), g.record(true), g.record(true)], [undefined, undefined, undefined, 'up'], 'rise needs consecutive passes');
    assert.equal(g.up, true);
  });
});
