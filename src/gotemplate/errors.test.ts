// Exec error format (`template: NAME:LINE:COL: executing "NAME" at <CTX>: msg`, column in UTF-8 bytes) with
// stand-ins for confd's functions that have confd's Go signatures, the confd corpus's error cases, and the seed's
// haproxy template rendered byte for byte.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GO_TYPE, GoFloat, T, goFunc, goMap, goSlice, type FuncMap, type StructType } from '../govalue/index.js';
import { Template, TemplateExecError } from './index.js';

const KVPAIR: StructType = { kind: 'struct', name: 'memkv.KVPair', fields: [{ name: 'Key', type: T.string }, { name: 'Value', type: T.string }] };

/** A tiny KV store with confd's function signatures (the real ones live in src/memkv and src/resource). */
function standIn(kv: Record<string, string>): FuncMap {
  const keys = Object.keys(kv).sort();
  const children = (dir: string, dirsOnly: boolean): string[] => {
    const prefix = dir.endsWith('/') ? dir : dir + '/';
    const out = new Set<string>();
    for (const k of keys) {
      if (!k.startsWith(prefix)) continue;
      const rest = k.slice(prefix.length).split('/');
      if (!dirsOnly || rest.length > 1) out.add(rest[0]!);
    }
    return [...out].sort();
  };
  const getv = (k: string, ...dflt: string[]): string => {
    const v = kv[k];
    if (v !== undefined) return v;
    if (dflt.length > 0) return dflt[0]!;
    throw new Error(`key does not exist: ${k}`);
  };
  return {
    get: goFunc({ params: [T.string], result: KVPAIR, returnsError: true }, (k: string) => ({ [GO_TYPE]: KVPAIR, Key: k, Value: getv(k) })),
    getv: goFunc({ params: [T.string], variadic: T.string, result: T.string, returnsError: true }, getv),
    getvs: goFunc({ params: [T.string], result: T.slice(T.string), returnsError: true }, (p: string) =>
      goSlice(T.string, keys.filter((k) => k.startsWith(p.replace(/\*$/, ''))).map((k) => kv[k]!).sort())),
    lsdir: goFunc({ params: [T.string], result: T.slice(T.string) }, (p: string) => goSlice(T.string, children(p, true))),
    base: goFunc({ params: [T.string], result: T.string }, (p: string) => p.slice(p.lastIndexOf('/') + 1)),
    join: goFunc({ params: [T.slice(T.string), T.string], result: T.string }, (a: string[], sep: string) => a.join(sep)),
    json: goFunc({ params: [T.string], result: T.map(T.string, T.any), returnsError: true }, (s: string) => {
      if (s === '') throw new Error('unexpected end of JSON input');
      const toGo = (v: unknown): unknown =>
        typeof v === 'number' ? new GoFloat(v) : v !== null && typeof v === 'object' ? goMap(T.string, T.any, new Map(Object.entries(v).map(([k, x]) => [k, toGo(x)]))) : v;
      return toGo(JSON.parse(s));
    }),
    printf: goFunc({ params: [T.string], variadic: T.any, result: T.string }, (f: string) => f), // shadows the builtin
  };
}

function execErr(text: string, kv: Record<string, string> = {}): string {
  try {
    Template.parse('case.tmpl', text, { funcs: standIn(kv) }).execute(null);
  } catch (e) {
    assert.ok(e instanceof TemplateExecError, String(e));
    return e.message;
  }
  assert.fail('expected an exec error');
}

test('confd corpus exec errors, message for message', () => {
  const kv = { '/app/name': 'demo', '/list/1': 'cherry', '/list/2': 'apple' };
  const cases: [string, string][] = [
    ['{{getvs "/list/*" | join ","}}\n', 'template: case.tmpl:1:25: executing "case.tmpl" at <",">: can\'t handle "," for arg of type []string'],
    ['{{get "/svc/nope"}}\n', 'template: case.tmpl:1:2: executing "case.tmpl" at <get "/svc/nope">: error calling get: key does not exist: /svc/nope'],
    ['{{getv "/app/nope"}}\n', 'template: case.tmpl:1:2: executing "case.tmpl" at <getv "/app/nope">: error calling getv: key does not exist: /app/nope'],
    ['{{(get "/app/name").Foo}}\n', 'template: case.tmpl:1:7: executing "case.tmpl" at <"/app/name">: can\'t evaluate field Foo in type memkv.KVPair'],
    ['{{$d := json (getv "/nope" "")}}{{$d}}\n', 'template: case.tmpl:1:8: executing "case.tmpl" at <json (getv "/nope" "")>: error calling json: unexpected end of JSON input'],
  ];
  for (const [text, msg] of cases) assert.equal(execErr(text, kv), msg, text);
});

test('line and column count UTF-8 bytes after multibyte text', () => {
  assert.equal(execErr('héllo\n  wörld — {{getv "/x"}}'), 'template: case.tmpl:2:15: executing "case.tmpl" at <getv "/x">: error calling getv: key does not exist: /x');
  assert.equal(execErr('日本語 {{getv "/x"}}'), 'template: case.tmpl:1:12: executing "case.tmpl" at <getv "/x">: error calling getv: key does not exist: /x');
  // A 4-byte rune (UTF-16 surrogate pair) before the action.
  assert.equal(execErr('🎉{{nil}}'), 'template: case.tmpl:1:6: executing "case.tmpl" at <nil>: nil is not a command');
});

test('haproxy canary: comparing a JSON float with an int literal fails like Go', () => {
  const text = 'backend be_app\n{{- range $ver := lsdir "/deploy"}}\n{{- $cfg := json (getv "/deploy/v1/config")}}\n{{- $pct := $cfg.percent}}\n    # {{$ver}}: {{$pct}}%\n    ({{if ge $pct 50}}primary{{end}})\n{{- end}}\n';
  assert.throws(() => Template.parse('case.tmpl', text, { funcs: standIn({ '/deploy/v1/config': '{"percent": 90}' }) }).execute(null), {
    message: 'template: case.tmpl:6:10: executing "case.tmpl" at <ge $pct 50>: error calling ge: incompatible types for comparison',
  });
});

test('function-map functions shadow builtins; wrong arity and types are Go errors', () => {
  const funcs = standIn({});
  assert.equal(Template.parse('t', '{{printf "%d" 1}}', { funcs }).execute(null), '%d');
  assert.throws(() => Template.parse('t', '{{getv}}', { funcs }).execute(null), {
    message: 'template: t:1:2: executing "t" at <getv>: wrong number of args for getv: want at least 1 got 0',
  });
  assert.throws(() => Template.parse('t', '{{base 1}}', { funcs }).execute(null), {
    message: 'template: t:1:7: executing "t" at <1>: expected string; found 1',
  });
  // Go reports the last node it evaluated: the argument inside the parentheses.
  assert.throws(() => Template.parse('t', '{{base (lsdir "/")}}', { funcs }).execute(null), {
    message: 'template: t:1:14: executing "t" at <"/">: wrong type for value; expected string; got []string',
  });
  assert.throws(() => Template.parse('t', '{{base nil}}', { funcs }).execute(null), {
    message: 'template: t:1:7: executing "t" at <nil>: cannot assign nil to string',
  });
  assert.throws(() => Template.parse('t', '{{base .}}', { funcs }).execute(null), {
    message: 'template: t:1:7: executing "t" at <.>: invalid value; expected string',
  });
});

test('the seed haproxy template renders byte for byte like Go confd', () => {
  const dir = new URL('../../test/fixtures/seed/scenario/', import.meta.url);
  const text = readFileSync(new URL('confd/templates/haproxy.cfg.tmpl', dir), 'utf8');
  const expected = readFileSync(new URL('expected-haproxy.cfg', dir), 'utf8');
  const keysYaml = readFileSync(new URL('keys.yaml', dir), 'utf8');
  const kv: Record<string, string> = {};
  for (const line of keysYaml.split('\n')) {
    const m = /^"([^"]+)":\s*"([^"]*)"$/.exec(line.trim());
    if (m) kv[m[1]!] = m[2]!;
  }
  const { printf: _unused, ...funcs } = standIn(kv);
  void _unused;
  assert.equal(Template.parse('haproxy.cfg.tmpl', text, { funcs }).execute(null), expected);
});

test('variables: an else branch does not see the if branch\'s declarations (parse accepts, exec fails like Go)', () => {
  const t = Template.parse('t', '{{if .}}{{$y := 1}}{{$y}}{{else}}{{$y}}{{end}}', {});
  assert.equal(t.execute(true), '1');
  assert.throws(() => t.execute(false), { message: 'template: t:1:35: executing "t" at <$y>: undefined variable: $y' });
  // An outer variable of the same name is what the else branch sees.
  assert.equal(Template.parse('t', '{{$y := 0}}{{if .}}{{$y := 1}}{{$y}}{{else}}{{$y}}{{end}}', {}).execute(false), '0');
  // Assignment to an undeclared variable parses and fails at run time (Go reports the last node evaluated).
  assert.throws(() => Template.parse('t', '{{$x = 1}}', {}).execute(null), { message: 'template: t:1:7: executing "t" at <1>: undefined variable: $x' });
});

test('function names must be Go identifiers, Unicode letters included', () => {
  const f = goFunc({ params: [], result: T.string }, () => 'x');
  assert.equal(Template.parse('t', '{{größe}} {{_a1}}', { funcs: { größe: f, _a1: f } }).execute(null), 'x x');
  for (const bad of ['bad-name', '1st', '', 'a b', 'ü-x']) {
    assert.throws(() => Template.parse('t', '', { funcs: { [bad]: f } }), /is not a valid identifier/, bad);
  }
});
