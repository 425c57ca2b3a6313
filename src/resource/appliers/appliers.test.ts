// The applier seam without servers: which applier a resource gets, [template.haproxy]'s errors, the haproxy
// applier's plans (and -noop printing them), the command applier's order of steps.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResourceSpec } from '../spec.js';
import { applierFor } from './index.js';
import { CommandApplier } from './command.js';
import { HaproxyApplier, type HaproxyPlan } from './haproxy.js';

const ctx = (warnings: string[] = []) => ({ prefix: '', templateDir: '/t', warn: (m: string) => warnings.push(m) });
const resource = (extra: string): string => `[template]\nsrc = "h.tmpl"\ndest = "/tmp/h.cfg"\nreload_cmd = "true"\n${extra}`;

const CFG = `global
    stats socket /run/haproxy/admin.sock mode 660 level admin
defaults
    mode http
    default-server inter 2s
frontend webin
    bind :80
backend a_cluster
    balance roundrobin
    server s1 10.0.0.1:80 check
`;

describe('the applier seam', () => {
  it('reload_cmd alone is the command applier; [template.haproxy] the haproxy applier; neither: none', () => {
    assert.ok(applierFor(parseResourceSpec('/c/h.toml', resource(''), ctx())) instanceof CommandApplier);
    const spec = parseResourceSpec('/c/h.toml', resource('[template.haproxy]\nruntime_socket = "/run/haproxy/admin.sock"\nmaster_socket = "/run/m.sock"\ndrain_timeout = "5s"\n'), ctx());
    assert.deepEqual(spec.haproxy, { runtimeSocket: '/run/haproxy/admin.sock', masterSocket: '/run/m.sock', drainTimeoutMs: 5000, check: 'reload', reloadTimeoutMs: 10_000, kind: 'config' });
    assert.ok(applierFor(spec) instanceof HaproxyApplier);
    assert.equal(applierFor(parseResourceSpec('/c/h.toml', '[template]\nsrc = "h"\ndest = "/d"\n', ctx())), undefined);
  });

  it('[template.haproxy] errors name the file, line and key; unknown keys are warnings', () => {
    assert.throws(() => parseResourceSpec('/c/h.toml', resource('[template.haproxy]\nmaster_socket = "/m"\n'), ctx()), /\/c\/h\.toml:\d*:? ?\[template\.haproxy\] needs runtime_socket/);
    assert.throws(() => parseResourceSpec('/c/h.toml', resource('[template.haproxy]\nruntime_socket = "/s"\ndrain_timeout = "soon"\n'), ctx()), /\/c\/h\.toml:7: key "drain_timeout": time: invalid duration "soon"/);
    assert.throws(() => parseResourceSpec('/c/h.toml', resource('[template.haproxy]\nruntime_socket = 5\n'), ctx()), /\/c\/h\.toml:6: key "runtime_socket": expected a non-empty string, got integer/);
    const warnings: string[] = [];
    parseResourceSpec('/c/h.toml', resource('[template.haproxy]\nruntime_socket = "/s"\nruntime_sockett = "/s"\n'), ctx(warnings));
    assert.deepEqual(warnings, ['/c/h.toml:7: unknown key "runtime_sockett" in [template.haproxy] ignored']);
  });

  it('the haproxy applier plans server changes as runtime, structure as a reload, and a first file as a reload', () => {
    const a = new HaproxyApplier({ runtimeSocket: '/s', masterSocket: undefined, drainTimeoutMs: 1000, check: 'reload', reloadTimeoutMs: 1000, kind: 'config' }, '');
    const added = CFG.replace('    server s1 10.0.0.1:80 check\n', '    server s1 10.0.0.1:80 check\n    server s2 10.0.0.2:80 check\n');
    const p1: HaproxyPlan = a.plan(CFG, added);
    assert.equal(p1.reload, false);
    assert.deepEqual(p1.changes, ['runtime: add server a_cluster/s2 10.0.0.2:80 inter 2s check']);
    assert.deepEqual([...p1.scope], ['a_cluster']);
    const p2 = a.plan(added, added.replace('bind :80', 'bind :8080'));
    assert.equal(p2.reload, true);
    assert.deepEqual(p2.changes, ['reload: structural change: "bind :80" became "bind :8080"']);
    assert.match(a.plan(undefined, CFG).changes[0]!, /no previous configuration/);
  });
});
