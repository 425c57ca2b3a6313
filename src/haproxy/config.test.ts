import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dynamicServerLine, parseConfig, splitAddress, updateConfig } from './config.js';
import { diffConfigs, diffLive, diffMaps, parseMapFile } from './plan.js';
import { parseServersState, parseShowProc } from './client.js';

const BASE = `global
    stats socket /run/haproxy/admin.sock mode 660 level admin
defaults
    mode http
    # comment
    default-server init-addr last,libc,none inter 2s fall 3 rise 2

frontend webin
    bind :80
    use_backend a_cluster

backend a_cluster
    balance roundrobin
    cookie SERVERID insert indirect nocache dynamic
    dynamic-cookie-key k
    server s1 10.0.0.1:80 check
    server s2 10.0.0.2:80 check weight 5
`;

test('parseConfig: servers with the default-server words they inherit, the structure without them', () => {
  const m = parseConfig(BASE);
  const b = m.backends.get('a_cluster')!;
  assert.equal(b.balance, 'roundrobin');
  assert.equal(b.dynamicCookieKey, 'k');
  const s2 = b.servers.get('s2')!;
  assert.deepEqual([s2.addr, s2.port, s2.weight, s2.disabled, s2.check], ['10.0.0.2', 80, 5, false, true]);
  assert.deepEqual(s2.effective, ['init-addr', 'last,libc,none', 'inter', '2s', 'fall', '3', 'rise', '2', 'check', 'weight', '5']);
  assert.doesNotMatch(m.skeleton, /server s1|# comment/);
  assert.match(m.skeleton, /^default-server init-addr/m);
  assert.deepEqual(splitAddress('::1:8080'), { addr: '::1', port: 8080 });
  assert.deepEqual(splitAddress('[::1]:8080'), { addr: '::1', port: 8080 });
});

test('dynamicServerLine writes default-server out, drops init-addr for IP literals, refuses what 2.6 cannot add', () => {
  const m = parseConfig(BASE);
  const b = m.backends.get('a_cluster')!;
  assert.deepEqual(dynamicServerLine(b, b.servers.get('s2')!), { ok: true, args: '10.0.0.2:80 inter 2s fall 3 rise 2 check weight 5' });
  const withCookie = parseConfig(BASE.replace('server s1 10.0.0.1:80 check', 'server s1 10.0.0.1:80 cookie s1 check'));
  const wb = withCookie.backends.get('a_cluster')!;
  assert.equal(dynamicServerLine(wb, wb.servers.get('s1')!).ok, false);
  const byName = parseConfig(BASE.replace('10.0.0.1:80', 'web1.example:80'));
  const nb = byName.backends.get('a_cluster')!;
  assert.match((dynamicServerLine(nb, nb.servers.get('s1')!) as { why: string }).why, /addressed by name/);
  const staticRr = parseConfig(BASE.replace('balance roundrobin', 'balance static-rr'));
  const sb = staticRr.backends.get('a_cluster')!;
  assert.match((dynamicServerLine(sb, sb.servers.get('s1')!) as { why: string }).why, /static-rr/);
});

test('diffConfigs: server changes are runtime operations; structure, new backends and option changes need a reload', () => {
  const prev = parseConfig(BASE);
  const added = parseConfig(BASE.replace('    server s2', '    server s3 10.0.0.3:80 check\n    server s2'));
  assert.deepEqual(diffConfigs(prev, added).ops.map((o) => `${o.kind} ${o.backend}`), ['add a_cluster']);
  const moved = parseConfig(BASE.replace('10.0.0.1:80', '10.0.0.9:81').replace('weight 5', 'weight 0'));
  const d = diffConfigs(prev, moved);
  assert.deepEqual(d.reload, []);
  assert.deepEqual(d.ops.map((o) => (o.kind === 'update' ? [o.server.name, o.address, o.weight, o.state] : o.kind)), [
    ['s1', true, false, false],
    ['s2', false, true, false],
  ]);
  const removed = parseConfig(BASE.replace('    server s1 10.0.0.1:80 check\n', ''));
  assert.deepEqual(diffConfigs(prev, removed).ops.map((o) => o.kind), ['remove']);
  assert.match(diffConfigs(prev, parseConfig(BASE.replace('bind :80', 'bind :81'))).reload[0]!, /structural change: "bind :80" became "bind :81"/);
  assert.match(diffConfigs(prev, parseConfig(BASE.replace('s1 10.0.0.1:80 check', 's1 10.0.0.1:80 check backup'))).reload[0]!, /options changed/);
  assert.match(diffConfigs(undefined, prev).reload[0]!, /no previous configuration/);
  // Comments and blank lines are not structure.
  assert.deepEqual(diffConfigs(prev, parseConfig(BASE.replace('# comment', '# another comment\n'))), { reload: [], ops: [] });
});

const STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 a_cluster 1 s1 10.0.0.1 2 0 1 1 5 8 2 0 6 0 0 0 - 80 - 0 0 - - 0
3 a_cluster 3 s9 10.0.0.9 0 1 1 1 1 1 0 0 0 0 0 0 - 80 - 0 0 - - 0
`;

test('parseServersState reads haproxy 2.6 format 1; diffLive converges the live state to the model', () => {
  const live = parseServersState(STATE);
  assert.deepEqual(
    live.map((s) => [s.backend, s.name, s.addr, s.port, s.adminState, s.userWeight, s.checkState]),
    [
      ['a_cluster', 's1', '10.0.0.1', 80, 0, 1, 6],
      ['a_cluster', 's9', '10.0.0.9', 80, 1, 1, 0],
    ],
  );
  const model = parseConfig(BASE);
  const d = diffLive(live, new Set(['a_cluster']), model);
  assert.deepEqual(d.ops.map((o) => `${o.kind} ${o.kind === 'remove' ? o.name : o.server.name}`), ['remove s9', 'add s2']);
  // A server on its way out (in maintenance, waiting for its connections) counts as gone.
  assert.deepEqual(diffLive(live, new Set(['a_cluster']), model, new Set(['a_cluster/s9'])).ops.map((o) => o.kind), ['add']);
  assert.match(diffLive(live, new Set(), model).reload[0]!, /no backend a_cluster/);
  assert.throws(() => parseServersState('Unknown command\n'), /unexpected/);
});

test('parseShowProc reads the master CLI of haproxy 2.6', () => {
  const text = `#<PID>          <type>          <reloads>       <uptime>        <version>
9180            master          2 [failed: 1]   0d00h00m07s     2.6.12-1+deb12u4
# workers
9201            worker          0               0d00h00m07s     2.6.12-1+deb12u4
9186            worker          2               0d00h00m07s     2.6.12-1+deb12u4
`;
  assert.deepEqual(parseShowProc(text), { masterPid: 9180, reloads: 2, failedReloads: 1, workers: [{ pid: 9201, reloads: 0 }, { pid: 9186, reloads: 2 }] });
  assert.equal(parseShowProc('Unknown command.\n'), undefined);
});

test('updateConfig: a change of server lines in one backend re-parses that backend only, and equals a full parse', () => {
  const text = `${BASE}
backend b_cluster
    balance roundrobin
    server t1 10.0.1.1:80 check
    server t2 10.0.1.2:80 check
`;
  const prev = parseConfig(text);
  const variants: Array<[string, string]> = [
    ['insert first', text.replace('    server t1', '    server t0 10.0.1.9:80 check\n    server t1')],
    ['insert last of a middle backend', text.replace('weight 5\n', 'weight 5\n    server s3 10.0.0.3:80 check\n')],
    ['insert last of the file', `${text}    server t3 10.0.1.3:80 check\n`],
    ['remove last of a middle backend', text.replace('    server s2 10.0.0.2:80 check weight 5\n', '')],
    ['remove first', text.replace('    server t1 10.0.1.1:80 check\n', '')],
    ['re-address', text.replace('10.0.1.2:80', '10.0.1.2:81')],
    ['comment only', text.replace('    server t2', '    # skipped server "x": no port\n    server t2')],
  ];
  for (const [what, next] of variants) {
    const u = updateConfig(text, prev, next);
    assert.ok(u, `${what}: handled incrementally`);
    assert.deepEqual(u.model.backends, parseConfig(next).backends, `${what}: same model as a full parse`);
    assert.equal(u.model.skeleton, parseConfig(next).skeleton, what);
  }
  // Anything beyond server lines is left to a full parse.
  for (const next of [text.replace('balance roundrobin\n    server t1', 'balance leastconn\n    server t1'), text.replace('bind :80', 'bind :81'), `${text}\nbackend c\n    server u 1.1.1.1:80\n`]) {
    assert.equal(updateConfig(text, prev, next), undefined);
  }
});

test('map files: parsed as haproxy reads them, diffed into add/set/del map', () => {
  const from = parseMapFile('# comment\na.b.com a.b.com_cluster\n  b.b.com   b_cluster  \nb.b.com shadowed\n\n');
  assert.deepEqual([...from], [['a.b.com', 'a.b.com_cluster'], ['b.b.com', 'b_cluster']]);
  const to = parseMapFile('b.b.com b2_cluster\nc.b.com c_cluster\n');
  assert.deepEqual(diffMaps(from, to), [
    { kind: 'del', key: 'a.b.com' },
    { kind: 'set', key: 'b.b.com', value: 'b2_cluster' },
    { kind: 'add', key: 'c.b.com', value: 'c_cluster' },
  ]);
  assert.deepEqual(diffMaps(to, to), []);
});
