import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Logger } from '../log/index.js';
import { ResourceGuard } from './guard.js';
import { bisect } from './quarantine.js';
import { parseGuardSpec } from './spec.js';
import { checkKey, checkValue, uncleanReason } from './validate.js';

function memLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const add = (l: string) => (m: string): void => void lines.push(`${l} ${m}`);
  return { lines, debug: add('DEBUG'), info: add('INFO'), warn: add('WARNING'), error: add('ERROR'), enabled: () => true };
}

/** The seed's layout: a record per server, its domain a hostname, its port a port, its ip a host. */
const RULES = {
  clean_paths: true,
  records: [{ path: '/nginx/*/*', fields: ['ip', 'port'], timeout: '5s' }],
  validate: [
    { segment: '/nginx/*', type: 'hostname' },
    { path: '/nginx/*/*/port', type: 'port' },
    { path: '/nginx/*/*/ip', type: 'host' },
  ],
};
const specOf = (table: Record<string, unknown>): ReturnType<typeof parseGuardSpec> => parseGuardSpec(table, () => 'test.toml: ', () => undefined);
const SPEC = specOf({ max_removed: '50%', hold: '10s', ...RULES });

function guard(now: { t: number }): { g: ResourceGuard; log: ReturnType<typeof memLog>; run: (keys: Record<string, string>) => { skip: boolean; held: boolean; keys: Record<string, string> } } {
  const log = memLog();
  const g = new ResourceGuard(SPEC, { name: 'h.toml', dest: '/x/h.cfg', log, now: () => now.t });
  const run = (keys: Record<string, string>): { skip: boolean; held: boolean; keys: Record<string, string> } => {
    const p = g.prepare(Object.entries(keys), (k) => k);
    return { skip: p.skip, held: p.held, keys: Object.fromEntries(g.store.entries()) };
  };
  return { g, log, run };
}

const SEED = {
  '/nginx/a.com/s1/ip': '10.0.0.1',
  '/nginx/a.com/s1/port': '80',
  '/nginx/a.com/s2/ip': '10.0.0.2',
  '/nginx/a.com/s2/port': '80',
  '/nginx/b.com/s1/ip': '10.0.0.3',
  '/nginx/b.com/s1/port': '80',
};

test('validation gives the true reason: a line feed in a port, a Kelvin sign, an ACL flag, ".."', () => {
  assert.equal(checkValue({ type: 'port' }, '8002\n    http-request return status 200'), 'contains a control character (U+000A line feed) at offset 4');
  assert.equal(checkValue({ type: 'port' }, '70000'), 'is out of range (a port is a number from 1 to 65535)');
  assert.match(checkValue({ type: 'hostname' }, '\u212a.com')!, /non-ASCII character U\+212A/);
  assert.match(checkValue({ type: 'hostname' }, '-f')!, /starts or ends with "-"/);
  assert.match(checkValue({ type: 'host' }, '10.0.0..1')!, /empty label/);
  assert.equal(checkValue({ type: 'host' }, '::1'), undefined);
  assert.equal(checkValue({ type: 'host' }, 'db-1.internal'), undefined);
  assert.equal(uncleanReason('/nginx/a.b.com/../b.b.com/rogue/ip'), 'the path has a ".." segment');
  assert.equal(uncleanReason('/nginx/a.b.com/s/ip'), undefined);
  assert.deepEqual(checkKey(SPEC.validate, '/nginx/-f/s/ip', '1.1.1.1')?.path, '/nginx/-f');
});

test('a key that escapes its place or fails a rule is left out, logged once; the rest is kept', () => {
  const { run, log } = guard({ t: 0 });
  const keys = { ...SEED, '/nginx/a.com/../b.com/rogue/ip': '6.6.6.6', '/nginx/a.com/../b.com/rogue/port': '66', '/nginx/a.com/inj/ip': '1.1.1.1', '/nginx/a.com/inj/port': '80\nx' };
  assert.deepEqual(run(keys).keys, SEED);
  run(keys);
  assert.equal(log.lines.filter((l) => l.includes('inj/port')).length, 1, 'logged once');
  assert.equal(log.lines.filter((l) => l.includes('rogue')).length, 2);
});

test('an incomplete record is held back until complete, then reported after its timeout', () => {
  const now = { t: 0 };
  const { g, run, log } = guard(now);
  run(SEED);
  g.commit();
  const ipOnly = { ...SEED, '/nginx/c.com/s1/ip': '10.0.0.9' };
  assert.deepEqual(run(ipOnly).keys, SEED, 'the new record waits for its port');
  // An installed record losing a field keeps its installed version.
  const { ['/nginx/a.com/s1/port']: _gone, ...noPort } = SEED;
  assert.deepEqual(run(noPort).keys, SEED);
  now.t = 6000;
  assert.deepEqual(run(noPort).keys, Object.fromEntries(Object.entries(SEED).filter(([k]) => !k.startsWith('/nginx/a.com/s1/'))));
  assert.ok(log.lines.some((l) => /record "\/nginx\/a\.com\/s1" has been incomplete for 5s \(missing port\)/.test(l)));
});

test('a removal beyond max_removed is held; the keys coming back end it with nothing applied; hold and release apply it', () => {
  const now = { t: 0 };
  const { g, run, log } = guard(now);
  run(SEED);
  g.commit();
  assert.deepEqual(run({}), { skip: false, held: true, keys: SEED });
  assert.equal(g.state().held?.removed, 3);
  assert.match(log.lines.find((l) => l.startsWith('ERROR'))!, /holding a change removing 3 of 3 records \(max_removed = 50%\): \/nginx\/a\.com\/s1, \/nginx\/a\.com\/s2, \/nginx\/b\.com\/s1/);
  // Partly back: still held (the removed records stay); all back: the hold ends.
  assert.equal(run({ '/nginx/a.com/s1/ip': '10.0.0.1', '/nginx/a.com/s1/port': '80' }).held, true);
  assert.deepEqual(run(SEED), { skip: false, held: false, keys: SEED });
  // A removal of one record in three passes.
  const { ['/nginx/b.com/s1/ip']: _i, ['/nginx/b.com/s1/port']: _p, ...twoLeft } = SEED;
  assert.equal(run(twoLeft).held, false);
  g.commit();
  // Held again, then the 10s hold expires.
  assert.equal(run({}).held, true);
  now.t = 11_000;
  assert.deepEqual(run({}), { skip: false, held: false, keys: {} });
  g.commit();
  run(SEED);
  g.commit();
  assert.equal(run({}).held, true);
  assert.equal(g.release(), true);
  assert.deepEqual(run({}).keys, {});
  assert.ok(log.lines.some((l) => l.includes('released by the operator')));
});

test('bisect finds the bad records among many with few checks', async () => {
  const units = Array.from({ length: 64 }, (_, i) => `/r${i}`);
  const bad = new Set(['/r5', '/r40']);
  let checks = 0;
  const r = await bisect(units, async (excluded) => {
    checks++;
    return [...bad].every((b) => excluded.has(b)) ? [...excluded].sort().join() : undefined;
  });
  assert.deepEqual(r.bad, ['/r40', '/r5']);
  assert.equal(r.passed, '/r40,/r5');
  assert.ok(checks <= 20, `${checks} checks`);
});

test('a mistake in [template.guard] is an error naming the file, the line and the key', async () => {
  const { parseResourceSpec } = await import('../resource/spec.js');
  const parse = (guard: string): unknown =>
    parseResourceSpec('/etc/confd/conf.d/h.toml', `[template]\nsrc = "h.tmpl"\ndest = "/tmp/h.cfg"\nkeys = ["/nginx"]\n\n[template.guard]\n${guard}`, { prefix: '', templateDir: '/t', warn: () => undefined });
  assert.throws(() => parse('max_removed = "lots"\n'), /^ConfigError: \/etc\/confd\/conf\.d\/h\.toml:7: guard\.max_removed: expected a count \(3\) or a percentage \("25%"\), got "lots"$/);
  assert.throws(() => parse('hold = "5 minutes"\n'), /h\.toml:7: guard\.hold: time: /);
  assert.throws(() => parse('[[template.guard.validate]]\npath = "/nginx/*/*/port"\ntype = "number"\n'), /guard\.validate: rule \/nginx\/\*\/\*\/port: type must be one of port, ip, host, hostname, printable, regex, got "number"/);
  assert.throws(() => parse('[[template.guard.records]]\npath = "/nginx/*/*"\nfields = "ip"\n'), /guard\.records: record \/nginx\/\*\/\*: fields must be a list/);
  const spec = parse('max_removed = 3\n') as { guard: { maxRemoved: unknown; holdMs: number } };
  assert.deepEqual([spec.guard.maxRemoved, spec.guard.holdMs], [{ count: 3 }, 0]);
});

test('prepare() kept up to date key by key gives what a guard preparing all the keys at once gives, at every step', () => {
  // The oracle: a new guard with the same baseline, preparing the whole registry in one go (every key looked at,
  // every record grouped, the store filled from nothing). No removal limit: a hold depends on the history.
  const spec = specOf({ ...RULES, records: [{ ...RULES.records[0], timeout: '1h' }] });
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)] as T;
  const domains = ['a.com', 'b.com', 'c.com', 'bad!domain'];
  const hosts = ['s1', 's2', 's3'];
  const fields = ['ip', 'port', 'weight'];
  const values: Record<string, string[]> = { ip: ['10.0.0.1', '10.0.0.2', '10.0.0.3\n'], port: ['80', '8080', '99999'], weight: ['1', '10'] };
  const key = (): string => {
    const f = pick(fields);
    const k = `/nginx/${pick(domains)}/${pick(hosts)}/${f}`;
    const r = rand(10);
    return r === 0 ? k.replace('/nginx/', '/nginx//') : r === 1 ? k.replace('/nginx/', '/nginx/x/../') : k;
  };
  const t = { t: 1_000_000 };
  const g = new ResourceGuard(spec, { name: 'h.toml', dest: '/x/h.cfg', log: memLog(), now: () => t.t });
  const raw = new Map<string, string>();
  for (let step = 0; step < 400; step++) {
    const n = 1 + rand(4);
    for (let i = 0; i < n; i++) {
      const k = key();
      if (rand(4) === 0) raw.delete(k);
      else raw.set(k, pick(values[k.slice(k.lastIndexOf('/') + 1)] ?? ['x']));
    }
    const before = new Map(g.currentKeys());
    g.prepare(raw, (k) => k);
    g.commit();
    const fresh = new ResourceGuard(spec, { name: 'h.toml', dest: '/x/h.cfg', log: memLog(), now: () => t.t });
    fresh.setBaseline(step === 0 ? undefined : before);
    fresh.prepare(new Map(raw), (k) => k);
    assert.deepEqual(new Map(g.store.entries()), new Map(fresh.store.entries()), `step ${step}: the template's keys`);
    assert.deepEqual(g.currentKeys(), fresh.currentKeys(), `step ${step}: the keys committed`);
    assert.deepEqual(
      g.state().invalid.map((i) => i.path).sort(),
      fresh.state().invalid.map((i) => i.path).sort(),
      `step ${step}: the keys left out`,
    );
    assert.deepEqual(g.state().incomplete.map((i) => i.record).sort(), fresh.state().incomplete.map((i) => i.record).sort(), `step ${step}: incomplete records`);
  }
});

test('a guard taking over after SIGHUP forgets the refused keys that are gone by its first render', () => {
  const t = { t: 1_000_000 };
  const old = new ResourceGuard(SPEC, { name: 'h.toml', dest: '/x/h.cfg', log: memLog(), now: () => t.t });
  old.prepare(Object.entries({ ...SEED, '/nginx/a.com/s3/port': '99999' }), (k) => k);
  assert.deepEqual(old.state().invalid.map((i) => i.path), ['/nginx/a.com/s3/port']);
  const next = new ResourceGuard(SPEC, { name: 'h.toml', dest: '/x/h.cfg', log: memLog(), now: () => t.t });
  next.adoptFrom(old);
  next.prepare(Object.entries(SEED), (k) => k);
  assert.deepEqual(next.state().invalid, [], 'no key is refused any more');
});

test('prepare() with the changed keys only gives what prepare() looking at every key and record gives, through holds, timeouts, releases, quarantine, restarts and SIGHUP', () => {
  // Two guards, one told which keys changed (as the daemon's view tells it), one looking at everything each time,
  // fed the same history; after each step the template's keys, the guard's state and the committed baseline agree.
  for (const [label, table] of [
    ['max_removed', { max_removed: '50%', hold: '10s', ...RULES }],
    ['min_keys', { min_keys: 2, ...RULES }],
  ] as const) {
    const spec = specOf(table);
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)] as T;
    const domains = ['a.com', 'b.com', 'c.com', 'd.com', 'bad!domain'];
    const hosts = ['s1', 's2', 's3'];
    const values: Record<string, string[]> = { ip: ['10.0.0.1', '10.0.0.2', '10.0.0.3\n'], port: ['80', '8080', '99999'], weight: ['1', '10'] };
    const t = { t: 1_000_000 };
    let inc = new ResourceGuard(spec, { name: 'h.toml', dest: '/x/h.cfg', log: memLog(), now: () => t.t });
    const all = new ResourceGuard(spec, { name: 'h.toml', dest: '/x/h.cfg', log: memLog(), now: () => t.t });
    const raw = new Map<string, string>();
    for (const d of domains.slice(0, 4)) for (const h of hosts) for (const f of ['ip', 'port']) raw.set(`/nginx/${d}/${h}/${f}`, pick(values[f]!));
    let changed = new Set<string>(raw.keys());
    const kinds = new Set<string>();
    const snapshots: Array<Map<string, string>> = [];
    let adopted = false;
    for (let step = 0; step < 600; step++) {
      const where = `${label}, step ${step}`;
      const r = rand(100);
      if (r < 12) {
        // A mistaken removal of most of the registry (held by the limits), or its return.
        const gone = rand(3) !== 0;
        for (const d of domains.slice(0, 3)) for (const h of hosts) for (const f of ['ip', 'port']) {
          const k = `/nginx/${d}/${h}/${f}`;
          if (gone) raw.delete(k);
          else raw.set(k, values[f]![0]!);
          changed.add(k);
        }
        kinds.add('mass change');
      } else {
        for (let i = 0, n = 1 + rand(3); i < n; i++) {
          const f = pick(['ip', 'port', 'port', 'weight']);
          const k = `/nginx/${pick(domains)}/${pick(hosts)}/${f}`;
          if (rand(3) === 0) raw.delete(k);
          else raw.set(k, pick(values[f]!));
          changed.add(k);
        }
      }
      if (rand(10) === 0) {
        t.t += 6_000; // past a record's timeout, and over two steps a hold's
        kinds.add('time');
      }
      if (rand(25) === 0) {
        assert.equal(inc.release(), all.release(), `${where}: release`);
        kinds.add('release');
      }
      // SIGHUP: a new guard takes over (its view has not told it anything yet: it looks at every key).
      const sighup = rand(50) === 0;
      if (sighup) {
        adopted = true;
        const next = new ResourceGuard(spec, { name: 'h.toml', dest: '/x/h.cfg', log: memLog(), now: () => t.t });
        next.adoptFrom(inc);
        inc = next;
        kinds.add('SIGHUP');
      }
      const a = inc.prepare(raw, (k) => k, sighup ? {} : { changed });
      const b = all.prepare(new Map(raw), (k) => k);
      changed = new Set();
      // The new guard's store starts empty: its first prepare() changes it.
      assert.deepEqual(sighup ? { ...a, changed: b.changed } : a, b, `${where}: prepare()`);
      if (a.held) kinds.add('held');
      assert.deepEqual(new Map(inc.store.entries()), new Map(all.store.entries()), `${where}: the template's keys`);
      const { resource: _r1, ...sa } = inc.state();
      const { resource: _r2, ...sb } = all.state();
      assert.deepEqual(sa, sb, `${where}: the guard's state`);
      if (sa.incomplete.length > 0) kinds.add('incomplete');
      assert.deepEqual(inc.changedUnits(), all.changedUnits(), `${where}: changed records`);
      if (rand(4) === 0 && inc.changedUnits().length > 0) {
        // check_cmd refused the render: bisection excludes sets of records, then the bad ones are quarantined.
        const units = inc.changedUnits();
        const trial = new Set(units.filter(() => rand(2) === 0));
        inc.exclude(trial);
        all.exclude(trial);
        assert.deepEqual(new Map(inc.store.entries()), new Map(all.store.entries()), `${where}: excluded`);
        if (rand(3) === 0) {
          kinds.add('bisection aborted'); // a check that could not run: the next prepare() puts the candidate back
          continue;
        }
        const bad = units.slice(0, 1 + rand(2));
        inc.exclude(new Set(bad));
        all.exclude(new Set(bad));
        inc.quarantine(bad, 'refused');
        all.quarantine(bad, 'refused');
        kinds.add('quarantine');
      }
      if (rand(10) < 7) {
        const committed = [inc.commit(), all.commit()];
        // The new guard's first commit() says its baseline changed (its store was filled): written once more.
        if (!adopted) assert.equal(committed[0], committed[1], `${where}: commit()`);
        adopted = false;
        const json = (g: ResourceGuard): unknown => JSON.parse(Buffer.concat(g.baselineJson()).toString());
        assert.deepEqual(json(inc), Object.fromEntries(inc.currentKeys()), `${where}: the baseline's JSON`);
        assert.deepEqual(json(inc), json(all), `${where}: the baselines`);
      }
      snapshots.push(new Map(inc.currentKeys()));
      if (rand(40) === 0) {
        // A restart: the baseline from the state directory, written some changes ago (a SIGKILL lost the newest).
        const keys = snapshots[Math.max(0, snapshots.length - 1 - rand(20))]!;
        inc.setBaseline(keys);
        all.setBaseline(keys);
        kinds.add('baseline from disk');
      }
    }
    for (const k of ['mass change', 'time', 'release', 'held', 'incomplete', 'quarantine', 'bisection aborted', 'baseline from disk', 'SIGHUP']) assert.ok(kinds.has(k), `${label}: the history had no ${k}`);
  }
});
