// Memoised rendering (Template.parse(..., { memo: store.tracker() })) must never differ from a fresh render.
// A randomized differential test: random store mutations between executions (values, new and removed domains and
// hosts, keys that become directories and back, clear + reload), and after each step the memoised template's
// output (or error) is compared with a fresh, unmemoised Template's over the same store. Plus checks that the
// memo actually saves work, so a memo that silently never reuses anything fails too.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Template } from '../gotemplate/index.js';
import { GoFunc, T, goFunc, type FuncMap } from '../govalue/index.js';
import { confdFuncs } from '../resource/funcs.js';
import { KVStore } from './index.js';
import { prng } from '../../test/support/prng.js';

const SEED = readFileSync(new URL('../../test/fixtures/seed/scenario/confd/templates/haproxy.cfg.tmpl', import.meta.url), 'utf8');


const TEMPLATES: Record<string, string> = {
  seed: SEED,
  gets: `{{range gets "/nginx/*/*/ip"}}{{.Key}}={{.Value}}
{{end}}{{range $i, $kv := gets "/nginx/*/*/port"}}{{$i}}:{{$kv.Key}}={{$kv.Value}} {{end}}
{{range $v := getvs "/cfg/*"}}{{$v}},{{end}}
{{range gets "/nginx/d[0-2]/*/ip"}}{{.Value}};{{end}}
{{range getvs "/nginx/*"}}[{{.}}]{{end}}`,
  lsExistsBreakContinue: `{{range $i, $d := ls "/nginx"}}{{if eq $i 5}}{{break}}{{end}}{{if exists (printf "/nginx/%s/skip" $d)}}{{continue}}{{end}}{{$i}}:{{$d}} [{{range $h := lsdir (printf "/nginx/%s" $d)}}{{if eq $h "h3"}}{{continue}}{{end}}{{$h}}={{getv (printf "/nginx/%s/%s/ip" $d $h) "none"}} {{if exists (printf "/nginx/%s/%s/stop" $d $h)}}{{break}}{{end}}{{end}}]
{{else}}no domains
{{end}}{{range ls "/"}}top:{{.}} {{end}}|{{range ls "/nginx/"}}{{.}} {{end}}|{{range lsdir "/nginx//"}}{{.}} {{end}}|{{range lsdir "/nginx/."}}{{.}} {{end}}|{{range ls "/nginx/d1/"}}{{.}} {{end}}`,
  outerVarsAndAssignments: `{{$prefix := getv "/cfg/prefix" "p"}}{{$count := 0}}{{$n := len (lsdir "/nginx")}}
{{range $d := lsdir "/nginx"}}{{$prefix}}-{{$d}}/{{$n}}{{range $h := lsdir (printf "/nginx/%s" $d)}} {{$prefix}}{{$h}}{{end}}
{{end}}{{range $d := lsdir "/nginx"}}{{$count = add $count 1}}{{end}}count={{$count}}
{{range $d := lsdir "/nginx"}}{{$hosts := 0}}{{range lsdir (printf "/nginx/%s" $d)}}{{$hosts = add $hosts 1}}{{end}}{{$d}} has {{$hosts}}
{{end}}{{$last := ""}}{{range $d := lsdir "/nginx"}}{{if $last}}{{$last}}<{{$d}} {{end}}{{$last = $d}}{{end}}
{{range $i, $d := lsdir "/nginx"}}{{$i}}.{{$d}}{{with $w := getv (printf "/nginx/%s/weight" $d) ""}} w={{$w}}{{end}} {{end}}
{{range $d := lsdir "/nginx"}}{{$}}{{.}}{{end}}`,
  nondeterministic: `{{range $d := lsdir "/nginx"}}{{$d}} {{if eq $d "d1"}}{{(datetime).Unix}}{{end}}{{range lsdir (printf "/nginx/%s" $d)}} {{.}}{{end}}
{{end}}{{range $d := lsdir "/nginx"}}{{getenv "MEMO_TEST"}}:{{$d}}{{range lsdir (printf "/nginx/%s" $d)}} {{.}}{{end}}
{{end}}{{range $d := lsdir "/nginx"}}{{range lsdir (printf "/nginx/%s" $d)}}{{external $d}}{{pure $d}} {{end}}{{end}}`,
  defineTemplate: `{{define "host"}}{{.}}:{{getv (printf "/nginx/%s/ip" .) "?"}}{{range lsdir "/cfg"}}!{{.}}{{end}}{{end}}
{{define "domain"}}{{$d := .}}{{range $h := lsdir (printf "/nginx/%s" $d)}}{{template "host" (printf "%s/%s" $d $h)}} {{end}}{{end}}
{{range $d := lsdir "/nginx"}}{{template "domain" $d}}|{{template "domain" $d}}
{{end}}{{range $k, $v := map "a" (getv "/cfg/prefix" "x") "b" "y"}}{{$k}}={{$v}} {{end}}
{{range $i, $e := split (getv "/cfg/list" "a,b,a") ","}}{{$e}}{{end}}/{{range $e := split (getv "/cfg/list" "a,b,a") ","}}{{$e}}{{end}}`,
  errors: `{{range $d := lsdir "/nginx"}}{{$d}}={{getv (printf "/nginx/%s/h0/ip" $d)}}
{{end}}`,
  // gets/getvs as the only reads of an iteration.
  globsInBodies: `{{range $d := lsdir "/nginx"}}{{$d}}:{{range gets (printf "/nginx/%s/*/port" $d)}} {{.Key}}={{.Value}}{{end}}
{{end}}{{range $d := lsdir "/nginx"}}{{$d}}:{{range getvs (printf "/nginx/%s/*/ip" $d)}} {{.}}{{end}}
{{end}}{{range $f := split "port,ip,skip" ","}}{{$f}}:{{range gets (printf "/nginx/*/h1/%s" $f)}} {{.Value}}{{end}}
{{end}}`,
  // An enclosing iteration re-runs (its outer variable changed) while the ones inside it are reused: what those
  // read must still count for the enclosing one.
  reusedInnerDeps: `{{$p := getv "/cfg/prefix" "p"}}{{range $d := lsdir "/nginx"}}{{$p}}{{range $k := split "list,a,b" ","}}<{{$d}}{{getv (printf "/cfg/%s" $k) "-"}}>{{end}}
{{end}}`,
};

interface World {
  store: KVStore;
  env: Map<string, string>;
  clock: { ns: bigint };
  ext: { value: string };
}

function funcsFor(w: World): FuncMap {
  return {
    ...confdFuncs(w.store, { getenv: (k) => w.env.get(k), clock: () => ({ unixNs: w.clock.ns }) }),
    // Reads state nobody tracks, and is not declared deterministic: bodies calling it must never be reused.
    external: goFunc({ params: [T.string], result: T.string }, (d: string) => `${d}@${w.ext.value}`),
    pure: goFunc({ params: [T.string], result: T.string, deterministic: true }, (d: string) => d.toUpperCase()),
  };
}

function render(t: Template): string {
  try {
    return t.execute('DATA');
  } catch (e) {
    return `ERROR ${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

const DOMAINS = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6'];
const HOSTS = ['h0', 'h1', 'h2', 'h3', 'h4'];
const FIELDS = ['ip', 'port', 'skip', 'stop'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

/** One random mutation of the world; returns what it did (for failure messages). */
function mutate(r: () => number, w: World): string {
  const s = w.store;
  const d = pick(r, DOMAINS);
  const h = pick(r, HOSTS);
  const x = r();
  if (x < 0.3) {
    const f = r() < 0.8 ? pick(r, ['ip', 'port']) : pick(r, FIELDS);
    const k = `/nginx/${d}/${h}/${f}`;
    s.set(k, pick(r, ['10.0.0.1', '10.0.0.2', '8080', '', 'x']));
    return `set ${k}`;
  }
  if (x < 0.45) {
    const keys = s.entries().map(([k]) => k);
    if (keys.length === 0) return 'nothing to delete';
    const k = pick(r, keys);
    s.delete(k);
    return `delete ${k}`;
  }
  if (x < 0.52) {
    for (const hh of HOSTS.slice(0, 1 + Math.floor(r() * 3))) {
      s.set(`/nginx/${d}/${hh}/ip`, `10.1.${d.slice(1)}.${hh.slice(1)}`);
      s.set(`/nginx/${d}/${hh}/port`, '80');
    }
    return `new domain ${d}`;
  }
  if (x < 0.6) {
    for (const [k] of s.entries()) if (k.startsWith(`/nginx/${d}/`) || k === `/nginx/${d}`) s.delete(k);
    return `remove domain ${d}`;
  }
  if (x < 0.66) {
    // A directory that is also a key, or a host that becomes a plain key (leaf) and loses its directory.
    if (r() < 0.5) {
      s.set(`/nginx/${d}`, 'leaf-and-dir');
      return `set /nginx/${d} (dir and key)`;
    }
    for (const [k] of s.entries()) if (k.startsWith(`/nginx/${d}/${h}/`)) s.delete(k);
    s.set(`/nginx/${d}/${h}`, 'now-a-leaf');
    return `dir -> leaf /nginx/${d}/${h}`;
  }
  if (x < 0.7) {
    s.delete(`/nginx/${d}/${h}`);
    s.set(`/nginx/${d}/${h}/ip`, '10.9.9.9');
    return `leaf -> dir /nginx/${d}/${h}`;
  }
  if (x < 0.76) {
    const k = pick(r, ['/cfg/prefix', '/cfg/list', '/cfg/a', '/cfg/b', `/nginx/${d}/weight`, '/top', '/']);
    if (r() < 0.3) s.delete(k);
    else s.set(k, pick(r, ['q', 'a,b', 'b,a,c', '1', '']));
    return `cfg ${k}`;
  }
  if (x < 0.8) {
    // The environment is not among them: a process's environment is fixed while it runs (getenv is deterministic).
    w.clock.ns += 1_000_000_000n;
    w.ext.value = pick(r, ['v1', 'v2', 'v3']);
    return 'clock and external state';
  }
  if (x < 0.83) {
    // The daemon's full re-read (KeyView.reset): clear, then load the same keys again.
    const all = s.entries();
    s.clear();
    for (const [k, v] of all) s.set(k, v);
    return 'clear + reload';
  }
  if (x < 0.86) {
    const all = s.entries();
    if (all.length > 0) {
      const [k, v] = pick(r, all);
      s.set(k, v); // same value: no change
    }
    return 'same value';
  }
  return 'no change';
}

function newWorld(r: () => number): World {
  const w: World = { store: new KVStore(), env: new Map([['MEMO_TEST', pick(r, ['e0', ''])]]), clock: { ns: 1_700_000_000_000_000_000n }, ext: { value: 'v0' } };
  for (const d of DOMAINS.slice(0, 4)) {
    for (const h of HOSTS.slice(0, 3)) {
      w.store.set(`/nginx/${d}/${h}/ip`, `10.0.${d.slice(1)}.${h.slice(1)}`);
      w.store.set(`/nginx/${d}/${h}/port`, '80');
    }
  }
  w.store.set('/cfg/prefix', 'pre');
  w.store.set('/top', 't');
  if (r() < 0.5) w.store.set('/nginx/d1/h1/skip', 'yes');
  return w;
}

describe('memoised rendering equals a fresh render (randomized differential test)', () => {
  for (const [name, text] of Object.entries(TEMPLATES)) {
    it(`template "${name}"`, () => {
      for (const seed of [1, 2, 3, 4]) {
        const r = prng(seed * 7919 + name.length);
        const w = newWorld(r);
        const funcs = funcsFor(w);
        // Half the runs cache every iteration, however small its range (the default re-runs small nested ranges).
        const memo = Template.parse(name, text, { funcs, memo: w.store.tracker(), ...(seed % 2 === 0 ? { memoSmallRange: 0 } : {}) });
        const history: string[] = [];
        for (let step = 0; step < 250; step++) {
          const n = 1 + Math.floor(r() * 3);
          for (let i = 0; i < n; i++) history.push(mutate(r, w));
          const got = render(memo);
          const want = render(Template.parse(name, text, { funcs }));
          if (got !== want) {
            assert.equal(got, want, `seed ${seed}, step ${step}; last mutations: ${history.slice(-6).join('; ')}`);
          }
          // Rendering again with nothing changed gives the same output too.
          if (step % 10 === 0) assert.equal(render(memo), want, `seed ${seed}, step ${step}, repeated render`);
        }
      }
    });
  }
});

describe('memoised templates sharing one store and tracker', () => {
  it('all templates, executed in turn over the same changing store, equal fresh renders', () => {
    const r = prng(4242);
    const w = newWorld(r);
    const funcs = funcsFor(w);
    const memos = Object.entries(TEMPLATES).map(([name, text], i) => ({
      name,
      text,
      t: Template.parse(name, text, { funcs, memo: w.store.tracker(), memoSmallRange: i % 2 === 0 ? 0 : 2 }),
    }));
    for (let step = 0; step < 150; step++) {
      const did = mutate(r, w);
      // A varying subset and order: some templates skip executions, so their caches are older.
      for (const { name, text, t } of memos) {
        if (r() < 0.3) continue;
        assert.equal(render(t), render(Template.parse(name, text, { funcs })), `template ${name}, step ${step} (${did})`);
      }
    }
  });
});

describe('memoisation saves work', () => {
  /** The seed template with `base` counting its calls: 2 per host each time a host's line is rendered. */
  function seedWithCounter(domains: number, hosts: number) {
    const store = new KVStore();
    for (let d = 0; d < domains; d++) {
      for (let h = 0; h < hosts; h++) {
        store.set(`/nginx/d${d}.example.com/h${h}/ip`, `10.0.${d}.${h}`);
        store.set(`/nginx/d${d}.example.com/h${h}/port`, '80');
      }
    }
    const calls = { base: 0 };
    const funcs = confdFuncs(store);
    const counting = new GoFunc(funcs.base!.type, (...a: unknown[]) => {
      calls.base++;
      return funcs.base!.fn(...a);
    }, true);
    const all = { ...funcs, base: counting };
    const t = Template.parse('haproxy.cfg.tmpl', SEED, { funcs: all, memo: store.tracker() });
    const fresh = (): string => Template.parse('haproxy.cfg.tmpl', SEED, { funcs: all }).execute(null);
    return { store, calls, t, fresh };
  }

  it('re-renders only the iterations whose keys changed', () => {
    // 20 hosts per domain: more than the engine re-runs with their domain rather than caching one by one.
    const { store, calls, t, fresh } = seedWithCounter(20, 20);
    t.execute(null);
    assert.equal(calls.base, 20 * 20 * 2);
    calls.base = 0;
    assert.equal(t.execute(null), fresh());
    assert.equal(calls.base, 20 * 20 * 2, 'the fresh render alone calls base');
    calls.base = 0;
    t.execute(null);
    assert.equal(calls.base, 0, 'nothing changed: every iteration reused');

    store.set('/nginx/d7.example.com/h3/port', '8080');
    const out = t.execute(null);
    assert.equal(calls.base, 2, 'one host line re-rendered');
    assert.match(out, /server h3 10\.0\.7\.3:8080 cookie h3 check/);

    calls.base = 0;
    store.set('/nginx/d7.example.com/h99/ip', '10.0.7.99');
    store.set('/nginx/d7.example.com/h99/port', '80');
    t.execute(null);
    assert.equal(calls.base, 2, 'a new host: one more line');

    calls.base = 0;
    store.set('/nginx/new.example.com/h0/ip', '10.9.0.0');
    store.set('/nginx/new.example.com/h0/port', '80');
    t.execute(null);
    assert.equal(calls.base, 2, 'a new domain: its one host line');

    calls.base = 0;
    store.clear();
    store.set('/nginx/d0.example.com/h0/ip', '10.0.0.0');
    store.set('/nginx/d0.example.com/h0/port', '80');
    t.execute(null);
    assert.equal(calls.base, 2, 'after clear nothing old is reused');
    calls.base = 0;
    assert.equal(t.execute(null), fresh());
  });

  it('a domain with few hosts re-renders as a whole; the other domains are reused', () => {
    const { store, calls, t, fresh } = seedWithCounter(30, 3);
    t.execute(null);
    calls.base = 0;
    store.set('/nginx/d4.example.com/h1/ip', '192.0.2.1');
    assert.match(t.execute(null), /server h1 192\.0\.2\.1:80 cookie h1 check/);
    assert.equal(calls.base, 3 * 2);
    calls.base = 0;
    assert.equal(t.execute(null), fresh());
  });

  it('without the memo option every execution renders everything (the default is unchanged)', () => {
    const { calls, fresh } = seedWithCounter(3, 2);
    fresh();
    fresh();
    assert.equal(calls.base, 2 * 3 * 2 * 2);
  });

  it('a body calling a function that is neither deterministic nor tracked is re-rendered every time', () => {
    const store = new KVStore();
    store.set('/a/x', '1');
    store.set('/a/y', '2');
    let n = 0;
    const funcs = { ...store.funcs(), tick: goFunc({ params: [], result: T.int }, () => ++n) };
    const t = Template.parse('t', '{{range ls "/a"}}{{.}}{{tick}} {{end}}', { funcs, memo: store.tracker() });
    assert.equal(t.execute(null), 'x1 y2 ');
    assert.equal(t.execute(null), 'x3 y4 ');
  });

  it('getenv inside a range does not stop its iterations from being reused (the shipped haproxy example)', () => {
    const store = new KVStore();
    for (let d = 0; d < 50; d++) store.set(`/nginx/d${d}/h0/port`, '80');
    let lookups = 0;
    const funcs = confdFuncs(store, {
      getenv: (name) => {
        lookups++;
        return name === 'KEY' ? 'k1' : undefined;
      },
    });
    const text = '{{range $d := lsdir "/nginx"}}backend {{$d}} key {{getenv "KEY" "none"}}{{range lsdir (printf "/nginx/%s" $d)}} {{.}}{{end}}\n{{end}}';
    const t = Template.parse('t', text, { funcs, memo: store.tracker() });
    t.execute(null);
    assert.equal(lookups, 50);
    lookups = 0;
    store.set('/nginx/d7/h1/port', '81');
    const out = t.execute(null);
    assert.equal(lookups, 1, 'only the changed domain is rendered again');
    assert.match(out, /^backend d7 key k1 h0 h1$/m);
    assert.equal(out, Template.parse('t', text, { funcs }).execute(null));
  });

  it("a store's functions are not tracked by another store's tracker", () => {
    const a = new KVStore();
    const b = new KVStore();
    a.set('/k/x', '1');
    b.set('/v', 'one');
    // b's getv in a template memoised with a's tracker: b's changes are invisible to a's tracker, so the body
    // must not be reused.
    const t = Template.parse('t', '{{range ls "/k"}}{{.}}={{getvb "/v"}}{{end}}', {
      funcs: { ...a.funcs(), getvb: b.funcs().getv! },
      memo: a.tracker(),
    });
    assert.equal(t.execute(null), 'x=one');
    b.set('/v', 'two');
    assert.equal(t.execute(null), 'x=two');
  });

  it('errors are not cached and leave no recording open', () => {
    const store = new KVStore();
    store.set('/n/a/h0/ip', '1');
    store.set('/n/b/h1/ip', '2');
    const text = '{{range $d := lsdir "/n"}}{{getv (printf "/n/%s/h0/ip" $d)}}{{end}}';
    const t = Template.parse('t', text, { funcs: store.funcs(), memo: store.tracker() });
    assert.throws(() => t.execute(null), /key does not exist: \/n\/b\/h0\/ip/);
    assert.throws(() => t.execute(null), /key does not exist: \/n\/b\/h0\/ip/);
    store.set('/n/b/h0/ip', '3');
    assert.equal(t.execute(null), '13');
    // An unmemoised template over the same store afterwards records nothing (no recording left open).
    const plain = Template.parse('p', '{{range lsdir "/n"}}{{.}}{{end}}', { funcs: store.funcs() });
    assert.equal(plain.execute(null), 'ab');
    store.delete('/n/a/h0/ip');
    assert.equal(t.execute(null), '3');
  });
});
