// The engine's side of memoised execution, with a minimal tracker of its own (no confd store): what counts as an
// input, what is never reused, and that every execution's output equals a fresh render's. The randomized test over
// confd's store is src/memkv/memo.test.ts.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GO_METHODS, GO_TYPE, GoFunc, T, goFunc, goMap, goSlice, type FuncMap, type MemoTracker, type StructType } from '../govalue/index.js';
import { Template } from './index.js';

/** A versioned key-value source: `val` reads it; the tracker records [key, version] pairs. */
class Source {
  private readonly values = new Map<string, string>();
  private readonly versions = new Map<string, number>();
  private clock = 0;
  private stack: Array<Array<[string, number]>> = [];
  open = 0;
  calls = 0;

  readonly tracker: MemoTracker = {
    begin: () => {
      this.stack.push([]);
    },
    end: () => {
      const deps = this.stack.pop() ?? [];
      this.stack.at(-1)?.push(...deps);
      return deps;
    },
    reuse: (deps) => {
      this.stack.at(-1)?.push(...(deps as Array<[string, number]>));
    },
    valid: (deps) => (deps as Array<[string, number]>).every(([k, v]) => (this.versions.get(k) ?? 0) === v),
    reset: () => {
      this.stack = [];
    },
  };

  get(k: string): string | undefined {
    return this.values.get(k);
  }

  set(k: string, v: string): void {
    this.values.set(k, v);
    this.versions.set(k, ++this.clock);
  }

  funcs(): FuncMap {
    return {
      val: goFunc({ params: [T.string], result: T.string, returnsError: true, tracker: this.tracker }, (k: string) => {
        this.calls++;
        this.open = this.stack.length;
        this.stack.at(-1)?.push([k, this.versions.get(k) ?? 0]);
        const v = this.values.get(k);
        if (v === undefined) throw new Error(`no ${k}`);
        return v;
      }),
      upper: goFunc({ params: [T.string], result: T.string, deterministic: true }, (s: string) => s.toUpperCase()),
    };
  }
}

/** Executes a memoised and a fresh template over the same source; they must agree. Returns the output. */
function both(t: Template, text: string, funcs: FuncMap, data: unknown = null): string {
  let got: string;
  let want: string;
  try {
    got = t.execute(data);
  } catch (e) {
    got = `ERROR ${(e as Error).message}`;
  }
  try {
    want = Template.parse(t.name, text, { funcs }).execute(data);
  } catch (e) {
    want = `ERROR ${(e as Error).message}`;
  }
  assert.equal(got, want);
  return got;
}

describe('memoised execution (engine)', () => {
  it('reuses an iteration until a value it read changes', () => {
    const src = new Source();
    for (const k of ['a', 'b', 'c']) src.set(k, k + '1');
    const text = '{{range $k := .}}{{$k}}={{val $k | upper}} {{end}}';
    const funcs = src.funcs();
    const t = Template.parse('t', text, { funcs, memo: src.tracker });
    const data = goSlice(T.string, ['a', 'b', 'c']);
    assert.equal(t.execute(data), 'a=A1 b=B1 c=C1 ');
    src.calls = 0;
    assert.equal(t.execute(data), 'a=A1 b=B1 c=C1 ');
    assert.equal(src.calls, 0);
    src.set('b', 'b2');
    assert.equal(both(t, text, funcs, data), 'a=A1 b=B2 c=C1 ');
    assert.equal(src.calls, 1 + 3, 'the changed iteration, plus the fresh render of all three');
  });

  it('assembles outputs of many pieces (several output chunks) from cached and re-run iterations', () => {
    // More pieces than one output chunk holds (2048), so chunk joins fall inside recorded iterations, between
    // reused ones and across the text around the ranges.
    const src = new Source();
    const keys = Array.from({ length: 3000 }, (_, i) => `k${i}`);
    for (const k of keys) src.set(k, `v${k}`);
    const text = 'head\n{{range $k := .}}{{$k}}={{val $k}};{{if eq $k "k7"}}seven{{end}}\n{{end}}mid{{range $k := .}}<{{$k}}>{{end}}tail';
    const funcs = src.funcs();
    const t = Template.parse('t', text, { funcs, memo: src.tracker });
    const data = goSlice(T.string, keys);
    const expected = (): string => {
      let out = 'head\n';
      for (const k of keys) out += `${k}=${src.get(k)};${k === 'k7' ? 'seven' : ''}\n`;
      out += 'mid';
      for (const k of keys) out += `<${k}>`;
      return out + 'tail';
    };
    assert.equal(both(t, text, funcs, data), expected());
    for (const changed of [['k5'], ['k0', 'k2047', 'k2048', 'k2999'], [], keys.filter((_, i) => i % 7 === 0)]) {
      for (const k of changed) src.set(k, `w${k}`);
      assert.equal(both(t, text, funcs, data), expected());
    }
  });

  it('compares the outer variables the body reads, the index when read, and $', () => {
    const src = new Source();
    src.set('p', 'x');
    const text = '{{$p := val "p"}}{{range $i, $e := .}}{{$p}}{{$i}}{{$e}}{{$}} {{end}}{{range .}}{{.}}{{end}}';
    const funcs = src.funcs();
    const t = Template.parse('t', text, { funcs, memo: src.tracker });
    both(t, text, funcs, goSlice(T.string, ['a', 'b']));
    src.set('p', 'y');
    assert.match(both(t, text, funcs, goSlice(T.string, ['a', 'b'])), /^y0a/);
    assert.match(both(t, text, funcs, goSlice(T.string, ['b', 'a'])), /^y0b/);
    both(t, text, funcs, goSlice(T.string, ['b', 'a', 'b']));
    // $ as a primitive input.
    const list = goFunc({ params: [], result: T.slice(T.string), deterministic: true }, () => goSlice(T.string, ['a', 'b']));
    const text2 = '{{range $e := list}}{{$}}{{$e}}{{end}}';
    const funcs2 = { ...funcs, list };
    const t2 = Template.parse('t2', text2, { funcs: funcs2, memo: src.tracker });
    assert.equal(both(t2, text2, funcs2, 'X'), 'XaXb');
    assert.equal(both(t2, text2, funcs2, 'Y'), 'YaYb');
    assert.equal(both(t2, text2, funcs2, 7), '7a7b');
    // A variable declared inside the range's own pipeline is an input too.
    const one = goFunc({ params: [T.string], result: T.slice(T.string), deterministic: true }, () => goSlice(T.string, ['e']));
    const text3 = '{{range $e := one ($s := val "p")}}{{$s}}{{$e}}{{end}}';
    const funcs3 = { ...funcs, one };
    const t3 = Template.parse('t3', text3, { funcs: funcs3, memo: src.tracker });
    assert.equal(both(t3, text3, funcs3), 'ye');
    src.set('p', 'z');
    assert.equal(both(t3, text3, funcs3), 'ze');
  });

  it('ranges over maps by key and compares their elements; structs compare field by field', () => {
    const src = new Source();
    const PAIR: StructType = { kind: 'struct', name: 'x.Pair', fields: [{ name: 'K', type: T.string }, { name: 'V', type: T.int }] };
    const pair = (k: string, v: number): unknown => ({ [GO_TYPE]: PAIR, K: k, V: v });
    const text = '{{range $k, $v := .m}}{{$k}}:{{$v}} {{end}}{{range .m}}{{.}};{{end}}{{range .s}}{{.K}}={{.V}} {{end}}';
    const funcs = src.funcs();
    const t = Template.parse('t', text, { funcs, memo: src.tracker });
    const data = (a: number, b: number) =>
      goMap(T.string, T.any, new Map<unknown, unknown>([
        ['m', goMap(T.string, T.int, new Map<unknown, unknown>([['x', a], ['y', b]]))],
        ['s', [pair('p', a), pair('q', b)]],
      ]));
    assert.equal(both(t, text, funcs, data(1, 2)), 'x:1 y:2 1;2;p=1 q=2 ');
    assert.equal(both(t, text, funcs, data(1, 3)), 'x:1 y:3 1;3;p=1 q=3 ');
    assert.equal(both(t, text, funcs, data(3, 1)), 'x:3 y:1 3;1;p=3 q=1 ');
  });

  it('caches break and continue with the output', () => {
    const src = new Source();
    for (const k of ['a', 'b', 'c', 'd']) src.set(k, 'go');
    const text = '{{range $k := .}}{{if eq (val $k) "skip"}}{{continue}}{{end}}{{if eq (val $k) "stop"}}{{break}}{{end}}{{$k}}{{end}}';
    const funcs = src.funcs();
    const t = Template.parse('t', text, { funcs, memo: src.tracker });
    const data = goSlice(T.string, ['a', 'b', 'c', 'd']);
    assert.equal(both(t, text, funcs, data), 'abcd');
    src.set('b', 'skip');
    assert.equal(both(t, text, funcs, data), 'acd');
    src.set('c', 'stop');
    assert.equal(both(t, text, funcs, data), 'a');
    assert.equal(both(t, text, funcs, data), 'a');
    src.set('b', 'go');
    assert.equal(both(t, text, funcs, data), 'ab');
  });

  it('never reuses iterations that call untracked functions, `call`, or methods, nor what encloses them', () => {
    const src = new Source();
    let n = 0;
    const counter = goFunc({ params: [], result: T.int }, () => ++n);
    const OBJ: StructType = { kind: 'struct', name: 'x.Obj', fields: [] };
    const obj = { [GO_TYPE]: OBJ, [GO_METHODS]: { N: counter } };
    const funcs = { ...src.funcs(), tick: counter };
    const data = goMap(T.string, T.any, new Map<unknown, unknown>([['f', counter], ['o', obj], ['l', goSlice(T.string, ['a', 'b'])]]));
    for (const body of ['{{tick}}', '{{call $.f}}', '{{$.o.N}}']) {
      const text = `{{range $x := $.l}}{{range $y := $.l}}{{$x}}{{$y}}${body} {{end}}{{end}}`;
      const t = Template.parse('t', text, { funcs, memo: src.tracker });
      n = 0;
      assert.equal(t.execute(data), 'aa1 ab2 ba3 bb4 ');
      assert.equal(t.execute(data), 'aa5 ab6 ba7 bb8 ');
    }
  });

  it('does not memoise ranges that assign outer variables, and keeps the assignments', () => {
    const src = new Source();
    src.set('a', '1');
    const text =
      '{{$n := 0}}{{range $k := .}}{{$n = len (printf "%s%s" $k (val "a"))}}{{end}}{{$n}}|' +
      '{{range $k := .}}{{$m := 0}}{{range $j := $}}{{$m = len $j}}{{end}}{{$k}}{{$m}}{{end}}|' +
      '{{$last := ""}}{{range $k := .}}{{$last = $k}}{{end}}{{$last}}|{{$z := ""}}{{range $z = .}}{{end}}{{$z}}';
    const funcs = src.funcs();
    const t = Template.parse('t', text, { funcs, memo: src.tracker });
    assert.equal(both(t, text, funcs, goSlice(T.string, ['a', 'bb'])), '3|a2bb2|bb|bb');
    src.set('a', '123');
    assert.equal(both(t, text, funcs, goSlice(T.string, ['a', 'bb'])), '5|a2bb2|bb|bb');
    assert.equal(both(t, text, funcs, goSlice(T.string, ['ccc'])), '6|ccc3|ccc|ccc');
  });

  it('does not cache failed iterations and closes the recordings of a failed execution', () => {
    const src = new Source();
    src.set('a', '1');
    const text = '{{range $k := .}}{{with $v := val $k}}{{$k}}{{$v}}{{end}}{{end}}{{define "d"}}{{range .}}<{{.}}>{{end}}{{end}}{{template "d" .}}';
    const funcs = src.funcs();
    const t = Template.parse('t', text, { funcs, memo: src.tracker });
    const data = goSlice(T.string, ['a', 'b']);
    assert.match(both(t, text, funcs, data), /^ERROR template: t:1:30: executing "t" at <val \$k>: error calling val: no b$/);
    src.set('b', '2');
    assert.equal(both(t, text, funcs, data), 'a1b2<a><b>');
    // A later read outside any execution records nothing: no recording was left open.
    funcs.val!.fn('a');
    assert.equal(src.open, 0);
  });

  it('without memo, functions are called on every execution', () => {
    const src = new Source();
    src.set('a', '1');
    const t = Template.parse('t', '{{range $k := .}}{{val $k}}{{end}}', { funcs: src.funcs() });
    t.execute(['a']);
    t.execute(['a']);
    assert.equal(src.calls, 2);
  });

  it('GoFunc carries the deterministic flag and the tracker', () => {
    const src = new Source();
    assert.equal(new GoFunc(src.funcs().upper!.type, () => '').deterministic, false);
    assert.equal(src.funcs().upper!.deterministic, true);
    assert.equal(src.funcs().val!.tracker, src.tracker);
  });
});
