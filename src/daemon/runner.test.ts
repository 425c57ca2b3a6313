// The Runner against an in-memory backend whose reads and watch events the test controls: what renders when,
// and what never renders.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Backend, Snapshot, WatchEvent } from '../backends/types.js';
import { BackendError } from '../backends/types.js';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../log/index.js';
import type { TemplateResource } from '../resource/resource.js';
import { runShellCommand } from '../resource/command.js';
import { Runner, RunnerGaveUpError, type RunnerDeps } from './runner.js';
import { runDaemon } from './index.js';
import { EventEmitter } from 'node:events';

/** A backend whose data, read failures and watch events are driven by the test. */
class FakeBackend implements Backend {
  readonly name = 'fake';
  values = new Map<string, string>();
  revision = 1n;
  reads = 0;
  failReads = 0;
  hangReads = false;
  private queue: Array<WatchEvent | Error> = [];
  private wake: (() => void) | undefined;

  async read(prefixes: readonly string[], signal?: AbortSignal): Promise<Snapshot> {
    this.reads++;
    if (this.hangReads) return new Promise(() => {});
    if (this.failReads > 0) {
      this.failReads--;
      throw new BackendError('connection refused', 'ECONNREFUSED');
    }
    signal?.throwIfAborted();
    return { revision: this.revision, values: new Map([...this.values].filter(([k]) => prefixes.some((p) => k.startsWith(p)))) };
  }

  push(ev: WatchEvent | Error): void {
    if (!(ev instanceof Error)) {
      if (ev.kind === 'changes') {
        for (const c of ev.changes) if (c.type === 'put') this.values.set(c.key, c.value);
        else this.values.delete(c.key);
      } else this.values = new Map(ev.snapshot.values);
    }
    this.queue.push(ev);
    this.wake?.();
  }

  put(key: string, value: string): void {
    this.revision++;
    this.push({ kind: 'changes', revision: this.revision, changes: [{ type: 'put', key, value }] });
  }

  async *watch(_prefixes: readonly string[], _from: bigint, signal: AbortSignal): AsyncIterable<WatchEvent> {
    const onAbort = (): void => this.wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        const ev = this.queue.shift();
        if (ev === undefined) {
          await new Promise<void>((r) => (this.wake = r));
          continue;
        }
        if (ev instanceof Error) throw ev;
        yield ev;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {}
}

/**
 * A backend that streams its reads (readEach) like etcdv3: keys arrive over several turns of the event loop. The
 * test can make the next read fail after some keys, or hold it after its first key until `gate` resolves.
 */
class StreamingBackend extends FakeBackend {
  failAfter: number | undefined;
  gate: Promise<void> | undefined;
  /** Keys handed to a sink so far, over all reads. */
  streamed = 0;

  async readEach(prefixes: readonly string[], sink: (key: string, value: string) => void, signal?: AbortSignal): Promise<bigint> {
    this.reads++;
    const entries = [...this.values].filter(([k]) => prefixes.some((p) => k.startsWith(p))).sort(([a], [b]) => (a < b ? -1 : 1));
    const revision = this.revision;
    let n = 0;
    for (const [k, v] of entries) {
      if (n === this.failAfter) {
        this.failAfter = undefined;
        throw new BackendError('connection reset', 'ECONNRESET');
      }
      sink(k, v);
      n++;
      this.streamed++;
      await new Promise((r) => setImmediate(r));
      if (n === 1 && this.gate) await this.gate;
      signal?.throwIfAborted();
    }
    return revision;
  }
}

function setup(
  resources: Array<{ name: string; template: string; keys: string[]; toml?: string }>,
  extraArgs: string[] = [],
  backend: FakeBackend = new FakeBackend(),
  deps: Pick<RunnerDeps, 'retry'> = {},
) {
  const dir = mkdtempSync(join(tmpdir(), 'runner-'));
  const confdir = join(dir, 'confd');
  mkdirSync(join(confdir, 'conf.d'), { recursive: true });
  mkdirSync(join(confdir, 'templates'));
  for (const r of resources) {
    writeFileSync(join(confdir, 'templates', `${r.name}.tmpl`), r.template);
    writeFileSync(join(confdir, 'conf.d', `${r.name}.toml`), `[template]\nsrc = "${r.name}.tmpl"\ndest = "${join(dir, r.name)}"\nkeys = ${JSON.stringify(r.keys)}\n${r.toml ?? ''}`);
  }
  const { config } = resolveConfig({ args: ['-backend', 'env', '-confdir', confdir, '-request-timeout', '200ms', ...extraArgs], env: {}, readFile: () => undefined });
  const ac = new AbortController();
  const logs: string[] = [];
  const renders: string[] = [];
  const runner = new Runner({
    config,
    log: createLogger({ level: 'debug', write: (l) => logs.push(l) }),
    backend,
    runCommand: runShellCommand,
    out: () => {},
    getenv: () => undefined,
    signal: ac.signal,
    onProcessed: (r: TemplateResource) => renders.push(r.spec.name),
    ...deps,
  });
  const read = (name: string): string | undefined => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined);
  const cleanup = (): void => {
    ac.abort();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, backend, runner, ac, logs, renders, read, cleanup };
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Runner', () => {
  it('-onetime: a failed read renders nothing and fails', async () => {
    const s = setup([{ name: 'a', template: '{{getv "/a"}}\n', keys: ['/a'] }]);
    try {
      s.backend.values.set('/a', '1');
      s.backend.failReads = 1;
      assert.equal(await s.runner.once(), 1);
      assert.equal(s.read('a'), undefined);
      assert.ok(s.logs.some((l) => /ERROR connection refused/.test(l)));
      assert.equal(await s.runner.once(), 0);
      assert.equal(s.read('a'), '1\n');
    } finally {
      s.cleanup();
    }
  });

  it('-onetime: a read that hangs times out (-request-timeout) and renders nothing', async () => {
    const s = setup([{ name: 'a', template: 'x\n', keys: ['/a'] }]);
    try {
      s.backend.hangReads = true;
      const t0 = Date.now();
      assert.equal(await s.runner.once(), 1);
      assert.ok(Date.now() - t0 < 2000);
      assert.equal(s.read('a'), undefined);
      assert.ok(s.logs.some((l) => /read timed out after 200ms/.test(l)));
    } finally {
      s.cleanup();
    }
  });

  it('-interval: a failed read is retried after a second, not a whole interval', async () => {
    const s = setup([{ name: 'a', template: '{{getv "/a"}}\n', keys: ['/a'] }]);
    try {
      s.backend.values.set('/a', '1');
      s.backend.failReads = 1;
      const done = s.runner.interval();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(s.read('a'), undefined);
      await until(() => s.read('a') === '1\n', 'retry', 3000);
      s.ac.abort();
      await done;
    } finally {
      s.cleanup();
    }
  });

  it('-watch: renders only the resources whose keys a change touches', async () => {
    const s = setup([
      { name: 'a', template: 'a={{getv "/a/v"}}\n', keys: ['/a'] },
      { name: 'b', template: 'b={{getv "/b/v"}}\n', keys: ['/b'] },
      { name: 'all', template: '{{range gets "/*/v"}}{{.Key}}={{.Value}} {{end}}\n', keys: ['/'] },
    ]);
    try {
      s.backend.values = new Map([['/a/v', '1'], ['/b/v', '1']]);
      const done = s.runner.watch();
      await until(() => s.read('a') === 'a=1\n' && s.read('b') === 'b=1\n' && s.read('all') === '/a/v=1 /b/v=1 \n', 'initial render');
      s.renders.length = 0;
      s.backend.put('/a/v', '2');
      await until(() => s.read("a") === "a=2\n" && s.read("all") === "/a/v=2 /b/v=1 \n", "a=2 " + s.logs.join(""));
      await new Promise((r) => setTimeout(r, 30));
      assert.deepEqual(s.renders.sort(), ['a.toml', 'all.toml']);
      // A put that does not change the value renders nothing.
      s.renders.length = 0;
      s.backend.put('/a/v', '2');
      await new Promise((r) => setTimeout(r, 30));
      assert.deepEqual(s.renders, []);
      assert.equal(s.backend.reads, 1, 'watch mode must not re-read per change');
      s.ac.abort();
      await done;
    } finally {
      s.cleanup();
    }
  });

  it('-watch: a burst of changes coalesces', async () => {
    const s = setup([{ name: 'a', template: '{{getv "/a/v"}}\n', keys: ['/a'] }]);
    try {
      s.backend.values.set('/a/v', '0');
      const done = s.runner.watch();
      await until(() => s.read('a') === '0\n', 'initial');
      s.renders.length = 0;
      for (let i = 1; i <= 200; i++) s.backend.put('/a/v', String(i));
      await until(() => s.read('a') === '200\n', 'last value');
      await new Promise((r) => setTimeout(r, 30));
      assert.ok(s.renders.length <= 3, `rendered ${s.renders.length} times for one burst`);
      s.ac.abort();
      await done;
    } finally {
      s.cleanup();
    }
  });

  it('-watch: a reset replaces the state, and a broken watch recovers through a full read', async () => {
    const s = setup([{ name: 'a', template: '{{range gets "/a/*"}}{{.Value}} {{end}}\n', keys: ['/a'] }]);
    try {
      s.backend.values = new Map([['/a/1', 'x'], ['/a/2', 'y']]);
      const done = s.runner.watch();
      await until(() => s.read('a') === 'x y \n', 'initial');
      s.backend.push({ kind: 'reset', snapshot: { revision: 9n, values: new Map([['/a/3', 'z']]) } });
      await until(() => s.read('a') === 'z \n', 'after reset');
      // The watch breaks; meanwhile the data changed; the runner must re-read and catch up.
      s.backend.values.set('/a/4', 'w');
      s.backend.push(new BackendError('stream reset', 'EWATCH'));
      await until(() => s.read('a') === 'z w \n', 'after recovery', 5000);
      assert.equal(s.backend.reads, 2);
      assert.ok(s.logs.some((l) => /ERROR stream reset/.test(l)));
      s.ac.abort();
      await done;
    } finally {
      s.cleanup();
    }
  });

  it("-watch: one resource's failure does not stop the others", async () => {
    const s = setup([
      { name: 'bad', template: '{{getv "/a/missing"}}\n', keys: ['/a'] },
      { name: 'good', template: '{{getv "/a/v"}}\n', keys: ['/a'] },
    ]);
    try {
      s.backend.values.set('/a/v', '1');
      const done = s.runner.watch();
      await until(() => s.read('good') === '1\n', 'good renders');
      s.backend.put('/a/v', '2');
      await until(() => s.read('good') === '2\n', 'good follows');
      s.backend.put('/a/missing', 'now');
      await until(() => s.read('bad') === 'now\n', 'bad recovers on the next change');
      assert.ok(s.logs.some((l) => /ERROR bad\.toml: template: bad\.tmpl:1:2: executing "bad\.tmpl" at <getv "\/a\/missing">: error calling getv: key does not exist: \/a\/missing/.test(l)));
      s.ac.abort();
      await done;
    } finally {
      s.cleanup();
    }
  });

  it('-watch, streamed reads: a read that fails half-way renders nothing, and the next one leaves no stale key', async () => {
    const backend = new StreamingBackend();
    const s = setup([{ name: 'a', template: '{{range gets "/a/*"}}{{.Value}} {{end}}\n', keys: ['/a'] }], [], backend);
    try {
      backend.values = new Map([['/a/1', 'x'], ['/a/2', 'y'], ['/a/3', 'z']]);
      backend.failAfter = 1; // /a/1 reaches the view, then the read fails
      const done = s.runner.watch();
      await until(() => backend.streamed >= 1 && s.logs.some((l) => /ERROR connection reset/.test(l)), 'the failed read');
      backend.values = new Map([['/a/2', 'y'], ['/a/3', 'z']]);
      await until(() => s.read('a') !== undefined, 'the render after the retry', 5000);
      assert.equal(s.read('a'), 'y z \n');
      assert.deepEqual(s.renders, ['a.toml'], 'only the complete read renders');
      assert.equal(backend.reads, 2);
      s.ac.abort();
      await done;
    } finally {
      s.cleanup();
    }
  });

  it('-watch, streamed reads: a resource that was due to render waits until a re-read has completed', async () => {
    const backend = new StreamingBackend();
    const s = setup(
      [{ name: 'a', template: '{{range gets "/a/*"}}{{.Value}} {{end}}\n', keys: ['/a'], toml: 'reload_cmd = "sleep 1"\n' }],
      [],
      backend,
    );
    try {
      backend.values = new Map([['/a/1', 'x'], ['/a/2', 'y']]);
      const done = s.runner.watch();
      await until(() => s.renders.length === 1, 'the initial render and its reload', 5000);
      backend.put('/a/1', 'X');
      await until(() => s.read('a') === 'X y \n', 'the render of the first change');
      // Its reload_cmd runs for a second. A second change makes it due again; then the watch breaks, and the
      // re-read (after a 500 ms backoff) is held after its first key while the reload finishes.
      backend.put('/a/2', 'Y');
      let release!: () => void;
      backend.gate = new Promise<void>((r) => (release = r));
      backend.values.set('/a/3', 'Z');
      backend.push(new BackendError('stream reset', 'EWATCH'));
      await until(() => backend.reads === 2 && backend.streamed >= 3, 're-read under way', 5000);
      await until(() => s.renders.length === 2, 'the reload of the first change', 5000);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(s.read('a'), 'X y \n', 'nothing rendered from the half-filled view');
      assert.equal(s.renders.length, 2);
      release();
      await until(() => s.read('a') === 'X Y Z \n', 'the render after the complete read', 5000);
      s.ac.abort();
      await done;
    } finally {
      s.cleanup();
    }
  });
});

/** A backend whose watches end at once, without an error (the Redis and etcd loops before they backed off). */
class EndingBackend extends FakeBackend {
  watches = 0;
  override async *watch(): AsyncIterable<WatchEvent> {
    this.watches++;
  }
}

describe('Runner: faults that must not spin or leave a config stale', () => {
  it('-watch: a watch that ends at once is re-read after a growing pause, not in a loop', async () => {
    const backend = new EndingBackend();
    const s = setup([{ name: 'a', template: '{{getv "/a"}}\n', keys: ['/a'] }], [], backend);
    try {
      backend.values.set('/a', '1');
      const done = s.runner.watch();
      await new Promise((r) => setTimeout(r, 1600));
      // 500 ms, then 1 s (+-20%): three or four reads, not thousands.
      assert.ok(backend.reads >= 2 && backend.reads <= 4, `${backend.reads} reads in 1.6 s`);
      const ended = s.logs.filter((l) => /watch on backend fake ended; re-reading; retrying in \d+ ms \(attempt \d\)/.test(l));
      assert.ok(ended.length >= 1 && ended.length <= 4, ended.join(''));
      assert.equal(s.read('a'), '1\n');
      s.ac.abort();
      await done;
    } finally {
      s.cleanup();
    }
  });

  it('-watch with nothing to watch (resources without keys): renders once, never watches, waits for a signal', async () => {
    const backend = new EndingBackend();
    const s = setup([{ name: 'static', template: 'static\n', keys: [] }], [], backend);
    try {
      const done = s.runner.watch();
      await until(() => s.read('static') === 'static\n', 'the render');
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(backend.watches, 0);
      assert.equal(backend.reads, 1);
      assert.equal(s.logs.filter((l) => /WARNING Nothing to watch: no template resource has keys \(1 loaded\); waiting for SIGHUP/.test(l)).length, 1, s.logs.join(''));
      s.ac.abort();
      await done;
    } finally {
      s.cleanup();
    }
  });

  it('-watch: a change that failed (check_cmd) is retried on a backoff and installs the newest keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-flag-'));
    const flag = join(dir, 'ok');
    const s = setup([{ name: 'a', template: '{{getv "/a"}}\n', keys: ['/a'], toml: `check_cmd = "test -e ${flag}"\n` }], [], new FakeBackend(), {
      retry: { resource: { initialMs: 50, maxMs: 200 } },
    });
    try {
      s.backend.values.set('/a', '1');
      const done = s.runner.watch();
      await until(() => s.logs.some((l) => /WARNING a\.toml: .*\/a not updated \(check failed\); retrying in \d+ ms \(attempt 1\)/.test(l)), 'the retry notice');
      s.backend.put('/a', '2');
      await until(() => s.renders.length >= 3, 'more attempts');
      assert.equal(s.read('a'), undefined, 'nothing installed while the check fails');
      writeFileSync(flag, '');
      // No key changes from here: only the retry can install it.
      await until(() => s.read('a') === '2\n', 'the retry installs the newest value', 5000);
      assert.ok(s.logs.some((l) => /INFO a\.toml: .* is up to date again after \d+ retries/.test(l)));
      s.ac.abort();
      await done;
    } finally {
      s.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('-watch: a render error is not retried (only a change of keys can fix it)', async () => {
    const s = setup([{ name: 'a', template: '{{getv "/missing"}}\n', keys: ['/a'] }], [], new FakeBackend(), { retry: { resource: { initialMs: 20, maxMs: 20 } } });
    try {
      const done = s.runner.watch();
      await until(() => s.renders.length === 1, 'the render');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(s.renders.length, 1);
      s.ac.abort();
      await done;
    } finally {
      s.cleanup();
    }
  });

  it('-watch: an error retrying cannot fix (authentication) is given up after a few attempts', async () => {
    class AuthFailing extends FakeBackend {
      override async read(): Promise<Snapshot> {
        this.reads++;
        throw new BackendError('fake: read at endpoint http://u:xxxxx@h:1: authentication failed', 'EAUTH', { retryable: false });
      }
    }
    const backend = new AuthFailing();
    const s = setup([{ name: 'a', template: 'x\n', keys: ['/a'] }], [], backend, { retry: { backend: { initialMs: 5, maxMs: 10, attemptsIfNotRetryable: 2 } } });
    try {
      const outcome = await Promise.race([s.runner.watch().then(() => 'returned', (e: unknown) => e), new Promise((r) => setTimeout(() => r('still retrying'), 3000))]);
      assert.ok(outcome instanceof RunnerGaveUpError, String(outcome));
      assert.match(outcome.message, /authentication failed; not retrying after 3 attempts/);
      assert.equal(backend.reads, 3);
    } finally {
      s.cleanup();
    }
  });
});

describe('runDaemon', () => {
  it('SIGHUP into a configuration with nothing to watch: the daemon waits (no loop) and SIGTERM ends it with 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'daemon-'));
    try {
      const confdir = join(dir, 'confd');
      mkdirSync(join(confdir, 'conf.d'), { recursive: true });
      mkdirSync(join(confdir, 'templates'));
      writeFileSync(join(confdir, 'templates', 'a.tmpl'), 'a={{getv "/a"}}\n');
      writeFileSync(join(confdir, 'conf.d', 'a.toml'), `[template]\nsrc = "a.tmpl"\ndest = "${join(dir, 'a')}"\nkeys = ["/a"]\n`);
      writeFileSync(join(dir, 'confd.toml'), '');
      const argv = ['-backend', 'env', '-confdir', confdir, '-watch', '-config-file', join(dir, 'confd.toml')];
      const backend = new EndingBackend();
      backend.values.set('/a', '1');
      const logs: string[] = [];
      const signals = new EventEmitter();
      const run = runDaemon({
        argv,
        env: {},
        initial: resolveConfig({ args: argv, env: {} }),
        makeLogger: () => createLogger({ level: 'debug', write: (l) => logs.push(l) }),
        out: () => {},
        signals,
        openBackend: async () => backend,
      });
      await until(() => existsSync(join(dir, 'a')), 'the first render');
      // Every resource file broken: a TOML typo.
      writeFileSync(join(confdir, 'conf.d', 'a.toml'), '[template\n');
      signals.emit('SIGHUP', 'SIGHUP');
      await until(() => logs.some((l) => /Nothing to watch: every template resource failed to load \(1 files\)/.test(l)), 'the wait');
      const reads = backend.reads;
      const lines = logs.length;
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(backend.reads, reads, 'no re-reads while waiting');
      assert.equal(logs.length, lines, `no log lines while waiting: ${logs.slice(lines).join('')}`);
      signals.emit('SIGTERM', 'SIGTERM');
      assert.equal(await run, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SIGHUP with a configuration whose backend cannot be opened keeps the running generation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'daemon-'));
    try {
      const confdir = join(dir, 'confd');
      mkdirSync(join(confdir, 'conf.d'), { recursive: true });
      mkdirSync(join(confdir, 'templates'));
      writeFileSync(join(confdir, 'templates', 'a.tmpl'), 'a={{getv "/a"}}\n');
      writeFileSync(join(confdir, 'conf.d', 'a.toml'), `[template]\nsrc = "a.tmpl"\ndest = "${join(dir, 'a')}"\nkeys = ["/a"]\n`);
      writeFileSync(join(dir, 'confd.toml'), ''); // not the machine's /etc/confd/confd.toml
      const argv = ['-backend', 'env', '-confdir', confdir, '-watch', '-config-file', join(dir, 'confd.toml')];
      const backend = new FakeBackend();
      backend.values.set('/a', '1');
      let opens = 0;
      const logs: string[] = [];
      const signals = new EventEmitter();
      let exited = false;
      const run = runDaemon({
        argv,
        env: {},
        initial: resolveConfig({ args: argv, env: {} }),
        makeLogger: () => createLogger({ level: 'debug', write: (l) => logs.push(l) }),
        out: () => {},
        signals,
        openBackend: async () => {
          if (opens++ === 0) return backend;
          throw new BackendError('cannot read client key /nope', 'ETLS');
        },
      }).then((code) => {
        exited = true;
        return code;
      });
      await until(() => readFileSync(join(dir, 'a'), { encoding: 'utf8', flag: 'a+' }) === 'a=1\n', 'the first render');
      signals.emit('SIGHUP', 'SIGHUP');
      await until(() => logs.some((l) => /Reload failed, keeping the current configuration: cannot read client key/.test(l)), 'the failed reload');
      backend.put('/a', '2');
      await until(() => readFileSync(join(dir, 'a'), 'utf8') === 'a=2\n', 'a render by the kept generation');
      assert.equal(exited, false, 'the daemon exited');
      signals.emit('SIGTERM', 'SIGTERM');
      assert.equal(await run, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
