// The daemon as a real process: -watch with the file backend, -interval, SIGHUP, SIGTERM and kill -9.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { readIf, requireBuilt, runConfd, fixturesDir, stageFiles, startConfd, tempDir, waitFor, writeKeys, writeResource } from './daemon-support.js';

before(() => requireBuilt());

function setup(t: Parameters<typeof tempDir>[0], keys: Record<string, string>) {
  const dir = tempDir(t);
  const confdir = join(dir, 'confd');
  const out = join(dir, 'out');
  mkdirSync(out);
  const keysFile = join(dir, 'keys.json');
  writeKeys(keysFile, keys);
  return { dir, confdir, out, keysFile, base: ['-backend', 'file', '-file', keysFile, '-confdir', confdir] };
}

describe('watch mode', () => {
  it('propagates a change of the keys file to dest, only for the resources it touches', async (t) => {
    const { confdir, out, keysFile, base, dir } = setup(t, { '/a/v': '1', '/b/v': '1' });
    const destA = join(out, 'a.conf');
    const destB = join(out, 'b.conf');
    writeResource(confdir, { name: 'a', template: 'a={{getv "/a/v"}}\n', dest: destA, keys: ['/a'], toml: `reload_cmd = "echo a >> ${dir}/reloads"\n` });
    writeResource(confdir, { name: 'b', template: 'b={{getv "/b/v"}}\n', dest: destB, keys: ['/b'], toml: `reload_cmd = "echo b >> ${dir}/reloads"\n` });
    const c = startConfd(t, [...base, '-watch']);
    await waitFor(() => readIf(destA) === 'a=1\n' && readIf(destB) === 'b=1\n', 10_000, () => `initial render; stderr:\n${c.stderr()}`);
    await waitFor(() => readIf(join(dir, 'reloads'))?.split('\n').length === 3);
    writeKeys(keysFile, { '/a/v': '2', '/b/v': '1' });
    await waitFor(() => readIf(destA) === 'a=2\n', 10_000, () => `a=2; stderr:\n${c.stderr()}`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(readIf(destB), 'b=1\n');
    assert.deepEqual(readFileSync(join(dir, 'reloads'), 'utf8').split('\n').filter(Boolean).sort(), ['a', 'a', 'b']);
    c.signal('SIGTERM');
    assert.deepEqual(await c.exited, { code: 0, signal: null });
  });

  it("renders the seed's haproxy template after every key change", async (t) => {
    const scenario = join(fixturesDir, 'seed', 'scenario');
    const tmpl = readFileSync(join(scenario, 'confd', 'templates', 'haproxy.cfg.tmpl'), 'utf8');
    const head = tmpl.slice(0, tmpl.indexOf('{{$domains'));
    // What the template renders, written out by hand; checked against the Go confd's output first.
    const expected = (keys: Record<string, string>): string => {
      const domains = new Map<string, Map<string, { ip?: string; port?: string }>>();
      for (const [k, v] of Object.entries(keys)) {
        const [, , d, h, f] = k.split('/');
        if (!domains.has(d!)) domains.set(d!, new Map());
        const hosts = domains.get(d!)!;
        if (!hosts.has(h!)) hosts.set(h!, {});
        hosts.get(h!)![f as 'ip' | 'port'] = v;
      }
      const ds = [...domains.keys()].sort();
      let s = `${head}\n`;
      for (const d of ds) s += `\nacl is_${d} hdr(host) -i ${d}\n`;
      s += '\n\n';
      for (const d of ds) s += `\nuse_backend ${d}_cluster if is_${d}\n`;
      s += '\n\n';
      for (const d of ds) {
        s += `\nbackend ${d}_cluster\ncookie SERVERID insert indirect nocache\n`;
        for (const h of [...domains.get(d)!.keys()].sort()) {
          const x = domains.get(d)!.get(h)!;
          s += `\nserver ${h} ${x.ip}:${x.port} cookie ${h} check\n`;
        }
        s += '\n';
      }
      return `${s}\n`;
    };
    const keys: Record<string, string> = {
      '/nginx/a.b.com/server1/ip': '1.0.0.1',
      '/nginx/a.b.com/server1/port': '10000',
      '/nginx/a.b.com/server2/port': '10001',
      '/nginx/a.b.com/server2/ip': '1.0.0.1',
      '/nginx/b.b.com/server1/ip': '1.0.0.2',
      '/nginx/b.b.com/server1/port': '20001',
    };
    assert.equal(expected(keys), readFileSync(join(scenario, 'expected-haproxy.cfg'), 'utf8'), 'the hand-written model must match the Go confd first');

    const { confdir, out, keysFile, base } = setup(t, keys);
    const dest = join(out, 'haproxy.cfg');
    writeResource(confdir, { name: 'haproxy', template: tmpl, dest, keys: ['/nginx'], toml: 'reload_cmd = "echo restarting"\n' });
    const c = startConfd(t, [...base, '-watch', '-log-level', 'warn']);
    await waitFor(() => readIf(dest) === expected(keys), 10_000, () => `initial render; stderr:\n${c.stderr()}`);

    const steps: Array<(k: Record<string, string>) => void> = [
      (k) => Object.assign(k, { '/nginx/a.b.com/server3/ip': '1.0.0.3', '/nginx/a.b.com/server3/port': '10002' }), // a server registers
      (k) => (k['/nginx/b.b.com/server1/port'] = '20002'), // a port changes
      (k) => Object.assign(k, { '/nginx/c.b.com/web1/ip': '10.0.0.9', '/nginx/c.b.com/web1/port': '80' }), // a new domain
      (k) => {
        delete k['/nginx/a.b.com/server1/ip']; // a server leaves
        delete k['/nginx/a.b.com/server1/port'];
      },
      (k) => {
        delete k['/nginx/b.b.com/server1/ip']; // a whole domain leaves
        delete k['/nginx/b.b.com/server1/port'];
      },
    ];
    for (const [i, step] of steps.entries()) {
      step(keys);
      writeKeys(keysFile, keys);
      const want = expected(keys);
      await waitFor(() => readIf(dest) === want, 10_000, () => `step ${i}; dest:\n${readIf(dest)}\nstderr:\n${c.stderr()}`);
    }
    assert.deepEqual(stageFiles(out), []);
    c.signal('SIGINT');
    assert.equal((await c.exited).code, 0);
  });

  it('SIGHUP picks up a new resource without a restart; a broken confd.toml keeps the running configuration', async (t) => {
    const { confdir, out, keysFile, dir } = setup(t, { '/x': '1' });
    const configFile = join(dir, 'confd.toml');
    const goodToml = `backend = "file"\nfile = [${JSON.stringify(keysFile)}]\nconfdir = ${JSON.stringify(confdir)}\nwatch = true\n`;
    writeFileSync(configFile, goodToml);
    writeResource(confdir, { name: 'one', template: 'one {{getv "/x"}}\n', dest: join(out, 'one') });
    const c = startConfd(t, ['-config-file', configFile]);
    await waitFor(() => readIf(join(out, 'one')) === 'one 1\n', 10_000, () => c.stderr());

    writeFileSync(configFile, 'backend = "file"\nwatch = \n');
    c.signal('SIGHUP');
    await c.waitForLog(/Reload failed, keeping the current configuration: .*confd\.toml:2:\d+: invalid TOML/);
    writeKeys(keysFile, { '/x': '2' });
    await waitFor(() => readIf(join(out, 'one')) === 'one 2\n', 10_000, () => c.stderr());

    writeFileSync(configFile, goodToml);
    writeResource(confdir, { name: 'two', template: 'two {{getv "/x"}}\n', dest: join(out, 'two') });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(existsSync(join(out, 'two')), false, 'a new resource must wait for SIGHUP');
    c.signal('SIGHUP');
    await waitFor(() => readIf(join(out, 'two')) === 'two 2\n', 10_000, () => c.stderr());
    assert.equal(c.proc.exitCode, null, 'still running');
    writeKeys(keysFile, { '/x': '3' });
    await waitFor(() => readIf(join(out, 'one')) === 'one 3\n' && readIf(join(out, 'two')) === 'two 3\n', 10_000, () => c.stderr());
    c.signal('SIGTERM');
    assert.equal((await c.exited).code, 0);
  });

  it('SIGHUP pointing confdir at a missing directory keeps the running configuration (the daemon does not exit)', async (t) => {
    const { confdir, out, keysFile, dir } = setup(t, { '/x': '1' });
    const configFile = join(dir, 'confd.toml');
    const toml = (cd: string): string => `backend = "file"\nfile = [${JSON.stringify(keysFile)}]\nconfdir = ${JSON.stringify(cd)}\nwatch = true\n`;
    writeFileSync(configFile, toml(confdir));
    writeResource(confdir, { name: 'one', template: 'one {{getv "/x"}}\n', dest: join(out, 'one') });
    const c = startConfd(t, ['-config-file', configFile]);
    await waitFor(() => readIf(join(out, 'one')) === 'one 1\n', 10_000, () => c.stderr());
    writeFileSync(configFile, toml(join(dir, 'nowhere')));
    c.signal('SIGHUP');
    await c.waitForLog(/Reload failed, keeping the current configuration: confdir .*nowhere does not exist/);
    writeKeys(keysFile, { '/x': '2' });
    await waitFor(() => readIf(join(out, 'one')) === 'one 2\n', 10_000, () => c.stderr());
    assert.equal(c.proc.exitCode, null, 'still running');
    c.signal('SIGTERM');
    assert.equal((await c.exited).code, 0);
  });

  it('retries a failed reload_cmd without waiting for a key change', async (t) => {
    const { confdir, out, base, dir } = setup(t, { '/x': '1' });
    const dest = join(out, 'x');
    writeResource(confdir, { name: 'x', template: '{{getv "/x"}}\n', dest, toml: `reload_cmd = "test -f ${dir}/ok && echo ok >> ${dir}/reloads"\n` });
    const c = startConfd(t, [...base, '-watch']);
    await c.waitForLog(/x\.toml: Reload command failed: exit status 1/);
    assert.equal(readIf(dest), '1\n');
    writeFileSync(join(dir, 'ok'), '');
    await waitFor(() => readIf(join(dir, 'reloads')) === 'ok\n', 10_000, () => c.stderr());
    // ... and only once.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(readIf(join(dir, 'reloads')), 'ok\n');
    c.signal('SIGTERM');
    assert.equal((await c.exited).code, 0);
  });

  it('-wait coalesces a burst of changes into one render', async (t) => {
    const { confdir, out, keysFile, base, dir } = setup(t, { '/x': '0' });
    const dest = join(out, 'x');
    writeResource(confdir, { name: 'x', template: '{{getv "/x"}}\n', dest, toml: `reload_cmd = "echo r >> ${dir}/reloads"\n` });
    const c = startConfd(t, [...base, '-watch', '-wait', '400ms:3s']);
    await waitFor(() => readIf(join(dir, 'reloads')) === 'r\n', 10_000, () => c.stderr());
    for (let i = 1; i <= 5; i++) {
      writeKeys(keysFile, { '/x': String(i) });
      await new Promise((r) => setTimeout(r, 60));
    }
    await waitFor(() => readIf(dest) === '5\n', 10_000, () => c.stderr());
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(readIf(join(dir, 'reloads')), 'r\nr\n', 'the burst should render once');
    c.signal('SIGTERM');
    assert.equal((await c.exited).code, 0);
  });

  it('SIGTERM lets an in-flight reload finish, then exits 0', async (t) => {
    const { confdir, out, base, dir, keysFile } = setup(t, { '/x': '1' });
    const dest = join(out, 'x');
    writeResource(confdir, { name: 'x', template: '{{getv "/x"}}\n', dest, toml: `reload_cmd = "touch ${dir}/reload-started; sleep 1; touch ${dir}/reload-done"\n` });
    const c = startConfd(t, [...base, '-watch']);
    await waitFor(() => existsSync(join(dir, 'reload-done')), 10_000, () => c.stderr());
    rmSync(join(dir, 'reload-started'));
    rmSync(join(dir, 'reload-done'));
    writeKeys(keysFile, { '/x': '2' });
    await waitFor(() => existsSync(join(dir, 'reload-started')), 10_000, () => c.stderr());
    c.signal('SIGTERM');
    const exit = await c.exited;
    assert.equal(exit.code, 0);
    assert.ok(existsSync(join(dir, 'reload-done')), 'the reload was cut short');
    assert.equal(readIf(dest), '2\n');
  });

  it('kill -9 during a storm of changes never leaves a partial dest, and stale stage files are cleaned up', async (t) => {
    const N = 400; // lines per render: big enough that a partial write would show
    const { confdir, out, base, keysFile } = setup(t, {});
    const gen = (g: number): Record<string, string> => {
      const k: Record<string, string> = {};
      for (let i = 0; i < N; i++) k[`/storm/${String(i).padStart(4, '0')}`] = `generation-${g}-${'x'.repeat(40)}`;
      return k;
    };
    writeKeys(keysFile, gen(0));
    const dest = join(out, 'storm.conf');
    writeResource(confdir, { name: 'storm', template: '{{range gets "/storm/*"}}{{.Key}}={{.Value}}\n{{end}}END\n', dest, keys: ['/storm'] });
    const complete = (text: string | undefined): boolean => {
      if (text === undefined) return false;
      const lines = text.split('\n');
      if (lines.length !== N + 2 || lines[N] !== 'END' || lines[N + 1] !== '') return false;
      const g = /generation-(\d+)-/.exec(lines[0]!)?.[1];
      return lines.slice(0, N).every((l) => l.endsWith(`=generation-${g}-${'x'.repeat(40)}`));
    };
    for (let round = 0; round < 3; round++) {
      const c = startConfd(t, [...base, '-watch', '-log-level', 'error']);
      await waitFor(() => complete(readIf(dest)), 10_000, () => c.stderr());
      let g = 1 + round * 1000;
      const stormEnd = Date.now() + 300 + round * 150;
      while (Date.now() < stormEnd) {
        writeKeys(keysFile, gen(g++));
        await new Promise((r) => setTimeout(r, 2));
      }
      process.kill(-c.pid, 'SIGKILL');
      await c.exited;
      assert.ok(complete(readIf(dest)), `partial dest after kill -9 (round ${round})`);
      assert.ok(stageFiles(out).length <= 1, `stage files piled up: ${stageFiles(out).join(', ')}`);
    }
    // The next start removes what a killed process left behind.
    const r = runConfd(['-onetime', ...base]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(stageFiles(out), []);
    assert.ok(complete(readIf(dest)));
  });
});

describe('interval mode', () => {
  it('retries a failed reload_cmd on the next cycle although dest is already in sync', async (t) => {
    const { confdir, out, base, dir } = setup(t, { '/x': '1' });
    const dest = join(out, 'x');
    writeResource(confdir, { name: 'x', template: '{{getv "/x"}}\n', dest, toml: `reload_cmd = "test -f ${dir}/ok && echo ok >> ${dir}/reloads"\n` });
    const c = startConfd(t, [...base, '-interval', '1']);
    await c.waitForLog(/x\.toml: Reload command failed: exit status 1/);
    assert.equal(readIf(dest), '1\n');
    writeFileSync(join(dir, 'ok'), '');
    await waitFor(() => readIf(join(dir, 'reloads')) === 'ok\n', 10_000, () => c.stderr());
    // ... and only once.
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(readIf(join(dir, 'reloads')), 'ok\n');
    c.signal('SIGTERM');
    assert.equal((await c.exited).code, 0);
  });
});
