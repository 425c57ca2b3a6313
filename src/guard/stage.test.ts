// The guard inside the install pipeline: rollback at the reload step, quarantine at the check step,
// generations and state in the state directory, the operator's release markers. Commands are a fake runner;
// files are real (a temp directory).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger, type Logger } from '../log/index.js';
import type { CommandResult, CommandRunner } from '../resource/command.js';
import { ResourceError } from '../resource/pipeline.js';
import { TemplateResource, type ProcessOptions } from '../resource/resource.js';
import { parseResourceSpec } from '../resource/spec.js';
import { KeyView } from '../resource/view.js';
import { resourceStateDir } from './generations.js';
import { requestRelease, takeReleaseMarkers } from './release.js';
import { STATE_WRITE_DELAY_MS } from './stage.js';

const dir = mkdtempSync(join(tmpdir(), 'guard-stage-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const TEMPLATE = `{{range $h := lsdir "/s"}}server {{$h}} {{getv (printf "/s/%s/ip" $h)}}:{{getv (printf "/s/%s/port" $h)}}
{{end}}`;

function setup(name: string, guardToml: string): { r: TemplateResource; view: KeyView; dest: string; stateDir: string; calls: string[]; o: (extra?: Partial<ProcessOptions>) => ProcessOptions; fail: { reload: (content: string) => boolean; check: (content: string) => boolean } } {
  const base = join(dir, name);
  const dest = join(base, 'out.cfg');
  const stateDir = join(base, 'state');
  const templates = join(base, 'templates');
  for (const d of [base, templates]) rmSync(d, { recursive: true, force: true });
  mkdirSync(templates, { recursive: true });
  writeFileSync(join(templates, 't.tmpl'), TEMPLATE);
  const toml = `[template]\nsrc = "t.tmpl"\ndest = "${dest}"\nkeys = ["/s"]\ncheck_cmd = "check {{.src}}"\nreload_cmd = "reload {{.dest}}"\n${guardToml}`;
  const spec = parseResourceSpec(join(base, 'r.toml'), toml, { prefix: '', templateDir: templates, warn: () => undefined });
  const view = new KeyView(spec.prefix, spec.watchKeys);
  const r = TemplateResource.load(spec, view, { getenv: () => undefined });
  const calls: string[] = [];
  const fail = { reload: (_c: string) => false, check: (_c: string) => false };
  const ok = (code: number, output = ''): CommandResult => ({ code, signal: null, output, timedOut: false, durationMs: 1 });
  const run: CommandRunner = async (cmd) => {
    calls.push(cmd.split(' ')[0]!);
    const file = cmd.split(' ')[1]!;
    const content = readFileSync(file, 'utf8');
    if (cmd.startsWith('check')) return fail.check(content) ? ok(1, 'refused') : ok(0);
    return fail.reload(content) ? ok(1, 'port in use') : ok(0);
  };
  const o = (extra: Partial<ProcessOptions> = {}): ProcessOptions => ({
    noop: false,
    syncOnly: false,
    keepStageFile: false,
    commandTimeoutMs: 1000,
    runCommand: run,
    log: silentLogger as Logger,
    out: () => undefined,
    stateDir,
    revision: 7n,
    ...extra,
  });
  return { r, view, dest, stateDir, calls, o, fail };
}

function load(view: KeyView, keys: Record<string, string>): void {
  view.clear();
  for (const [k, v] of Object.entries(keys)) view.load(k, v);
}

/** The state directory's baseline and generations are written STATE_WRITE_DELAY_MS after a change. */
const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, STATE_WRITE_DELAY_MS + 10));

describe('guard in the pipeline', () => {
  it('rollback: a refused reload puts the previous file back, reloads once more, and is not retried', async () => {
    const t = setup('rollback', '[template.guard]\nrollback = true\ngenerations = 2\n');
    load(t.view, { '/s/a/ip': '10.0.0.1', '/s/a/port': '80' });
    assert.equal((await t.r.process(t.o())).status, 'updated');
    const first = readFileSync(t.dest, 'utf8');
    t.fail.reload = (c) => c.includes('10.0.0.2');
    t.view.put('/s/b/ip', '10.0.0.2');
    t.view.put('/s/b/port', '81');
    t.calls.length = 0;
    await assert.rejects(t.r.process(t.o()), (e: Error) => e instanceof ResourceError && e.code === 'EROLLEDBACK' && /put the previous .* back and reloaded it/.test(e.message));
    assert.equal(readFileSync(t.dest, 'utf8'), first, 'the previous file is back');
    assert.deepEqual(t.calls, ['check', 'reload', 'reload'], 'reload_cmd ran once more, on the restored file');
    t.calls.length = 0;
    assert.equal((await t.r.process(t.o())).status, 'refused');
    assert.deepEqual(t.calls, [], 'the refused render is not tried again');
    assert.equal(t.r.reloadPending, false);
    assert.match(t.r.guard!.state().lastRollback!.message, /Reload command failed: exit status 1/);
    // Generations: the installed one, with its revision; at most `generations` kept.
    const gdir = resourceStateDir(t.stateDir, t.r.spec.name, t.dest);
    await settled();
    const meta = JSON.parse(readFileSync(join(gdir, '1.json'), 'utf8')) as { revision: string; keys: Record<string, string> };
    assert.equal(meta.revision, '7');
    assert.deepEqual(meta.keys, { '/s/a/ip': '10.0.0.1', '/s/a/port': '80' });
    t.fail.reload = () => false;
    for (const port of ['82', '83', '84']) {
      t.view.put('/s/b/port', port);
      await t.r.process(t.o());
    }
    await settled();
    // Three changes within the delay are written together: only the newest `generations` of them.
    assert.deepEqual(readdirSync(gdir).filter((n) => n.endsWith('.cfg')).sort(), ['2.cfg', '3.cfg']);
    assert.match(readFileSync(join(gdir, '3.cfg'), 'utf8'), /84/, 'the newest generation is the last install');
    assert.ok(existsSync(join(gdir, 'state.json')));
  });

  it('a refused render is tried again once its keys change, even back to the same render; baseline.json follows in-sync renders', async () => {
    const t = setup('retry', '[template.guard]\nrollback = true\n');
    load(t.view, { '/s/a/ip': '10.0.0.1', '/s/a/port': '80' });
    await t.r.process(t.o());
    t.fail.reload = (c) => c.includes('10.0.0.2');
    t.view.put('/s/a/ip', '10.0.0.2');
    await assert.rejects(t.r.process(t.o()), (e: Error) => e instanceof ResourceError && e.code === 'EROLLEDBACK');
    t.calls.length = 0;
    assert.equal((await t.r.process(t.o())).status, 'refused');
    t.view.put('/s/a/ip', '10.0.0.3');
    assert.equal((await t.r.process(t.o())).status, 'updated');
    t.view.put('/s/a/ip', '10.0.0.2');
    t.calls.length = 0;
    await assert.rejects(t.r.process(t.o()), (e: Error) => e instanceof ResourceError && e.code === 'EROLLEDBACK');
    assert.deepEqual(t.calls, ['check', 'reload', 'reload']);
    // A new process finding dest in sync writes the baseline too (a restart must find it).
    const gdir = resourceStateDir(t.stateDir, t.r.spec.name, t.dest);
    rmSync(gdir, { recursive: true });
    const again = TemplateResource.load(t.r.spec, t.view, { getenv: () => undefined });
    t.view.put('/s/a/ip', '10.0.0.1');
    assert.equal((await t.r.process(t.o())).status, 'updated');
    await settled();
    rmSync(gdir, { recursive: true });
    assert.equal((await again.process(t.o())).status, 'in-sync');
    await settled();
    assert.deepEqual((JSON.parse(readFileSync(join(gdir, 'baseline.json'), 'utf8')) as { keys: unknown }).keys, { '/s/a/ip': '10.0.0.1', '/s/a/port': '80' });
  });

  it('quarantine: the record check_cmd refuses stays out, the rest is installed, and it is retried when it changes', async () => {
    const t = setup('quarantine', '[template.guard]\nquarantine = true\n[[template.guard.records]]\npath = "/s/*"\nfields = ["ip", "port"]\n');
    load(t.view, { '/s/a/ip': '10.0.0.1', '/s/a/port': '80' });
    await t.r.process(t.o());
    t.fail.check = (c) => c.includes('BAD');
    for (const [k, v] of Object.entries({ '/s/b/ip': 'BAD', '/s/b/port': '81', '/s/c/ip': '10.0.0.3', '/s/c/port': '82', '/s/d/ip': '10.0.0.4', '/s/d/port': '83' })) t.view.put(k, v);
    await assert.rejects(t.r.process(t.o()), (e: Error) => e instanceof ResourceError && e.code === 'EQUARANTINED' && /quarantined 1 of 3 changed records \(\/s\/b\)/.test(e.message));
    assert.equal(readFileSync(t.dest, 'utf8'), 'server a 10.0.0.1:80\nserver c 10.0.0.3:82\nserver d 10.0.0.4:83\n');
    assert.deepEqual(t.r.guard!.state().quarantined.map((q) => q.record), ['/s/b']);
    // Another change goes through without tripping over /s/b again.
    t.view.put('/s/e/ip', '10.0.0.5');
    t.view.put('/s/e/port', '84');
    assert.equal((await t.r.process(t.o())).status, 'updated');
    assert.match(readFileSync(t.dest, 'utf8'), /server e/);
    // Fixed: tried again and installed.
    t.view.put('/s/b/ip', '10.0.0.2');
    assert.equal((await t.r.process(t.o())).status, 'updated');
    assert.match(readFileSync(t.dest, 'utf8'), /server b 10\.0\.0\.2:81/);
    assert.deepEqual(t.r.guard!.state().quarantined, []);
  });

  it('quarantine gives up at once when even the render without the changes is refused', async () => {
    const t = setup('broken-check', '[template.guard]\nquarantine = true\n');
    load(t.view, { '/s/a/ip': '10.0.0.1', '/s/a/port': '80' });
    await t.r.process(t.o());
    t.fail.check = () => true;
    t.view.put('/s/b/ip', '10.0.0.2');
    t.view.put('/s/b/port', '81');
    t.calls.length = 0;
    await assert.rejects(t.r.process(t.o()), (e: Error) => e instanceof ResourceError && e.code === 'ECHECK');
    assert.deepEqual(t.calls, ['check', 'check'], 'one check of the render without the changed keys, no bisection');
  });

  it('a guarded resource restarted against an emptied registry holds, from the baseline in the state directory', async () => {
    const t = setup('restart', '[template.guard]\nmax_removed = 1\n');
    load(t.view, { '/s/a/ip': '10.0.0.1', '/s/a/port': '80', '/s/b/ip': '10.0.0.2', '/s/b/port': '81' });
    await t.r.process(t.o());
    await settled(); // the state directory is written after the change is applied
    const installed = readFileSync(t.dest, 'utf8');
    // A new process: same resource, empty registry.
    const spec = t.r.spec;
    const view = new KeyView(spec.prefix, spec.watchKeys);
    const again = TemplateResource.load(spec, view, { getenv: () => undefined });
    load(view, {});
    await again.process(t.o());
    assert.equal(readFileSync(t.dest, 'utf8'), installed);
    assert.equal(again.guard!.state().held?.removed, 4);
  });

  it('without [template.guard] nothing of this runs (the Go confd behaviour)', async () => {
    const t = setup('plain', '');
    assert.equal(t.r.guard, undefined);
    load(t.view, { '/s/a/ip': '10.0.0.1', '/s/a/port': '80' });
    t.fail.reload = () => true;
    await assert.rejects(t.r.process(t.o()), (e: Error) => e instanceof ResourceError && e.code === 'ERELOAD');
    assert.equal(readFileSync(t.dest, 'utf8'), 'server a 10.0.0.1:80\n', 'the refused file stays, as with the Go confd');
    assert.equal(existsSync(t.stateDir), false);
  });
});

describe('release markers', () => {
  it('confd -release NAME marks the resource and signals the pid of the daemon', () => {
    const stateDir = join(dir, 'release');
    mkdirSync(stateDir, { recursive: true });
    assert.throws(() => requestRelease(stateDir, 'haproxy.toml', () => undefined), /no running confd daemon found/);
    writeFileSync(join(stateDir, 'confd.pid'), '4242\n');
    const sent: Array<[number, string]> = [];
    assert.equal(requestRelease(stateDir, 'sub/haproxy.toml', (pid, sig) => void sent.push([pid, sig])), 4242);
    assert.deepEqual(sent, [[4242, 'SIGUSR1']]);
    assert.deepEqual(takeReleaseMarkers(stateDir), ['sub/haproxy.toml']);
    assert.equal(takeReleaseMarkers(stateDir), undefined, 'markers are taken once; none means release all');
  });
});
