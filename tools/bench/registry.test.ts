// The oracle must reproduce the Go confd byte for byte, or the bench would report correct output as missed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { buildRegistry, renderSeed, serverNeedle, toYaml, domainsFor, hostName, domainName } from './registry.js';

// The seed's six keys (scenario/keys.yaml) and what the Go confd renders from them (expected-haproxy.cfg).
const SEED_KEYS = new Map<string, string>([
  ['/nginx/a.b.com/server1/ip', '1.0.0.1'],
  ['/nginx/a.b.com/server1/port', '10000'],
  ['/nginx/a.b.com/server2/port', '10001'],
  ['/nginx/a.b.com/server2/ip', '1.0.0.1'],
  ['/nginx/b.b.com/server1/ip', '1.0.0.2'],
  ['/nginx/b.b.com/server1/port', '20001'],
]);
const GO_CONFD_OUTPUT = "global\n    log 127.0.0.1    local0\n    log 127.0.0.1    local1 notice\n    maxconn 4096\n    user haproxy\n    group haproxy\n    daemon\n    stats socket /var/run/haproxy.sock mode 600 level admin\n\ndefaults\n    log    global\n    mode    http\n    option    httplog\n    option    dontlognull\n    retries    3\n    option redispatch\n    maxconn    2000\n    contimeout    5000\n    clitimeout    50000\n    srvtimeout    50000\n    option forwardfor\n    option http-server-close\n\nfrontend stats\n    bind *:8888\n    stats enable\n    stats uri /\n\nfrontend webin\nbind :80\n\n\n\nacl is_a.b.com hdr(host) -i a.b.com\n\nacl is_b.b.com hdr(host) -i b.b.com\n\n\n\nuse_backend a.b.com_cluster if is_a.b.com\n\nuse_backend b.b.com_cluster if is_b.b.com\n\n\n\nbackend a.b.com_cluster\ncookie SERVERID insert indirect nocache\n\nserver server1 1.0.0.1:10000 cookie server1 check\n\nserver server2 1.0.0.1:10001 cookie server2 check\n\n\nbackend b.b.com_cluster\ncookie SERVERID insert indirect nocache\n\nserver server1 1.0.0.2:20001 cookie server1 check\n\n\n";

test('renderSeed reproduces the Go confd output for the seed keys', () => {
  assert.equal(renderSeed(SEED_KEYS), GO_CONFD_OUTPUT);
});

test('renderSeed fails like getv when a host lacks its port', () => {
  const keys = new Map(SEED_KEYS);
  keys.delete('/nginx/b.b.com/server1/port');
  assert.throws(() => renderSeed(keys), /key does not exist: \/nginx\/b\.b\.com\/server1\/port/);
});

test('renderSeed ignores keys outside /nginx and lists only directories', () => {
  const keys = new Map(SEED_KEYS);
  keys.set('/nginx/stray', 'x'); // a key directly under /nginx is no domain (lsdir lists directories)
  keys.set('/other/a/b/ip', 'y');
  assert.equal(renderSeed(keys), GO_CONFD_OUTPUT);
});

test('buildRegistry makes domains × 10 hosts × {ip,port} in sorted order with unique ips', () => {
  const { values, hosts } = buildRegistry(2000);
  assert.equal(values.size, 2000);
  assert.equal(hosts.length, 1000);
  assert.equal(new Set(hosts.map((h) => h.ip)).size, hosts.length);
  const keys = [...values.keys()];
  assert.deepEqual(keys, [...keys].sort());
  assert.equal(values.get(`/nginx/${domainName(99)}/${hostName(9)}/port`), '10009');
  const out = renderSeed(values);
  const first = hosts[0];
  assert.ok(first !== undefined);
  assert.ok(out.includes(serverNeedle(first, '10000')));
  assert.ok(!out.includes(serverNeedle(first, '10001')));
});

test('domainsFor rejects sizes that are not whole domains', () => {
  assert.equal(domainsFor(200000), 10000);
  assert.throws(() => domainsFor(2010), /not a positive multiple of 20/);
  assert.throws(() => domainsFor(0), /not a positive multiple/);
});

test('toYaml writes the file backend format that a YAML parser reads back exactly', () => {
  const values = new Map([...SEED_KEYS, ['/nginx/q"uote/x\\y/ip', 'a: b # c']]);
  assert.deepEqual(new Map(Object.entries(parse(toYaml(values)) as Record<string, string>)), values);
});
