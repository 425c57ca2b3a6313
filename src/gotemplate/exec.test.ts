// Port of Go 1.19 text/template exec_test.go (execTests, cmpTests, TestInterfaceValues and the smaller Test*
// functions) onto the govalue model. Go's T is rebuilt below with GO_TYPE/GO_METHODS for what the model can
// express. Rows NOT ported, by reason (70 execTests rows, 6 cmpTests rows):
// - pointers to non-struct values, unsafe.Pointer, nil pointers with methods (V2, W2) and typed nil maps/pointers
//   that Go keeps apart from a nil interface (the model has one null): 17 execTests rows, 6 cmpTests rows
//   (incl. "eq .Map .V1", which Go rejects because its nil map still has kind Map);
// - channels (count): 2 rows; Go arrays and slices with cap > len (AI, SICap): 7 rows;
// - non-empty interfaces (NonEmptyInterface*, iVal, tSliceOfNil, typed nil interface values) and vfunc(V, *V):
//   14 rows;
// - maps with non-string typed keys (MI32S, MI64S, MUI64S, MI8S, MUI8S): 5 rows;
// - Go 1.22+/1.23 features (range over integers and iterators, {{else with}}): 25 rows, replaced by 2 rows that
//   assert the Go 1.19 error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sprintf } from '../gofmt/index.js';
import {
  GO_METHODS,
  GO_STRING,
  GO_TYPE,
  GoComplex,
  GoError,
  GoFloat,
  GoTyped,
  T,
  goFunc,
  goMap,
  goSlice,
  type FuncMap,
  type GoType,
  type StructType,
} from '../govalue/index.js';
import { jsEscapeString } from './funcs.js';
import { Template, TemplateExecError, TemplateParseError } from './index.js';

const uint16 = T.uint16 as GoType & { kind: 'int' };
const UINT: GoType & { kind: 'int' } = { kind: 'int', name: 'uint' };
const u16 = (n: number) => new GoTyped(uint16, n);

const U_T: StructType = { kind: 'struct', name: 'template.U', fields: [{ name: 'V', type: T.string }] };
function mkU(v: string) {
  return {
    [GO_TYPE]: T.ptr(U_T),
    V: v,
    [GO_METHODS]: { TrueFalse: goFunc({ params: [T.bool], result: T.string }, (b: boolean) => (b ? 'true' : '')) },
  };
}
const V_T: StructType = { kind: 'struct', name: 'template.V', fields: [{ name: 'j', type: T.int }] };
const mkV = (j: number) => ({ [GO_TYPE]: V_T, j, [GO_STRING]: () => `<${j}>` });
const W_T: StructType = { kind: 'struct', name: 'template.W', fields: [{ name: 'k', type: T.int }] };
// *W implements error; fmt prints the Error() text. The model's GoError carries it.
const mkW = (k: number) => new GoError(`[${k}]`);

const SLICE_INT = T.slice(T.int);
const fields = (names: [string, GoType][]) => names.map(([name, type]) => ({ name, type }));
const T_T: StructType = {
  kind: 'struct',
  name: 'template.T',
  fields: fields([
    ['True', T.bool], ['I', T.int], ['U16', T.uint16], ['X', T.string], ['S', T.string], ['FloatZero', T.float64], ['ComplexZero', T.complex128],
    ['U', T.ptr(U_T)], ['V0', V_T], ['V1', T.ptr(V_T)], ['W0', W_T], ['W1', T.ptr(W_T)],
    ['SI', SLICE_INT], ['SIEmpty', SLICE_INT], ['SB', T.slice(T.bool)], ['AI', SLICE_INT],
    ['MSI', T.map(T.string, T.int)], ['MSIone', T.map(T.string, T.int)], ['MSIEmpty', T.map(T.string, T.int)],
    ['MXI', T.map(T.any, T.int)], ['MII', T.map(T.int, T.int)], ['SMSI', T.slice(T.map(T.string, T.int))],
    ['Empty0', T.any], ['Empty1', T.any], ['Empty2', T.any], ['Empty3', T.any], ['Empty4', T.any],
    ['Str', { kind: 'interface', name: 'fmt.Stringer' }], ['Err', T.error],
    ['BinaryFunc', { kind: 'func', params: [T.string, T.string], result: T.string, returnsError: false }],
    ['VariadicFunc', { kind: 'func', params: [], variadic: T.string, result: T.string, returnsError: false }],
    ['VariadicFuncInt', { kind: 'func', params: [T.int], variadic: T.string, result: T.string, returnsError: false }],
    ['NilOKFunc', { kind: 'func', params: [T.ptr(T.int)], result: T.bool, returnsError: false }],
    ['ErrFunc', { kind: 'func', params: [], result: T.string, returnsError: true }],
    ['PanicFunc', { kind: 'func', params: [], result: T.string, returnsError: false }],
    ['unexported', T.int],
  ]),
};

function mkT(init: Record<string, unknown>): Record<string | symbol, unknown> {
  const t: Record<string | symbol, unknown> = { [GO_TYPE]: T.ptr(T_T) };
  for (const f of T_T.fields) t[f.name] = init[f.name] ?? zeroOf(f.type);
  t[GO_METHODS] = {
    Method0: goFunc({ params: [], result: T.string }, () => 'M0'),
    Method1: goFunc({ params: [T.int], result: T.int }, (a: number) => a),
    Method2: goFunc({ params: [T.uint16, T.string], result: T.string }, (a: GoTyped, b: string) => sprintf('Method2: %d %s', [a, b])),
    Method3: goFunc({ params: [T.any], result: T.string }, (v: unknown) => sprintf('Method3: %v', [v])),
    Copy: goFunc({ params: [], result: T.ptr(T_T) }, () => mkT(init)),
    MAdd: goFunc({ params: [T.int, SLICE_INT], result: SLICE_INT }, (a: number, b: number[]) => goSlice(T.int, b.map((x) => x + a))),
    MyError: goFunc({ params: [T.bool], result: T.bool, returnsError: true }, (e: boolean) => {
      if (e) throw new Error('my error');
      return false;
    }),
    GetU: goFunc({ params: [], result: T.ptr(U_T) }, () => t['U']),
  };
  return t;
}

function zeroOf(t: GoType): unknown {
  switch (t.kind) {
    case 'bool': return false;
    case 'string': return '';
    case 'int': return t.name === 'int' ? 0 : new GoTyped(t, 0);
    case 'float': return new GoFloat(0);
    case 'complex': return new GoComplex(0, 0);
    case 'slice': return goSlice(t.elem, []);
    case 'struct': return { [GO_TYPE]: t, j: 0 };
    default: return null;
  }
}

const tVal = mkT({
  True: true,
  I: 17,
  U16: u16(16),
  X: 'x',
  S: 'xyz',
  U: mkU('v'),
  V0: mkV(6666),
  V1: { ...mkV(7777), [GO_TYPE]: T.ptr(V_T) },
  W0: mkW(888),
  W1: mkW(999),
  SI: goSlice(T.int, [3, 4, 5]),
  AI: goSlice(T.int, [3, 4, 5]),
  SB: goSlice(T.bool, [true, false]),
  MSI: goMap(T.string, T.int, new Map([['one', 1], ['two', 2], ['three', 3]])),
  MSIone: goMap(T.string, T.int, new Map([['one', 1]])),
  MSIEmpty: goMap(T.string, T.int, new Map()),
  MXI: goMap(T.any, T.int, new Map([['one', 1]])),
  MII: goMap(T.int, T.int, new Map([[1, 1]])),
  SMSI: goSlice(T.map(T.string, T.int), [
    goMap(T.string, T.int, new Map([['one', 1], ['two', 2]])),
    goMap(T.string, T.int, new Map([['eleven', 11], ['twelve', 12]])),
  ]),
  Empty1: 3,
  Empty2: 'empty2',
  Empty3: goSlice(T.int, [7, 8]),
  Empty4: mkU('UinEmpty'),
  Str: { [GO_TYPE]: T.ptr({ kind: 'struct', name: 'bytes.Buffer', fields: [] }), [GO_STRING]: () => 'foozle' },
  Err: new GoError('erroozle'),
  BinaryFunc: goFunc({ params: [T.string, T.string], result: T.string }, (a: string, b: string) => `[${a}=${b}]`),
  VariadicFunc: goFunc({ params: [], variadic: T.string, result: T.string }, (...s: string[]) => `<${s.join('+')}>`),
  VariadicFuncInt: goFunc({ params: [T.int], variadic: T.string, result: T.string }, (a: number, ...s: string[]) => `${a}=<${s.join('+')}>`),
  NilOKFunc: goFunc({ params: [T.ptr(T.int)], result: T.bool }, (p: unknown) => p === null),
  ErrFunc: goFunc({ params: [], result: T.string, returnsError: true }, () => 'bla'),
  PanicFunc: goFunc({ params: [], result: T.string }, () => {
    throw new Error('test panic');
  }),
});

const funcs: FuncMap = {
  add: goFunc({ params: [], variadic: T.int, result: T.int }, (...a: number[]) => a.reduce((x, y) => x + y, 0)),
  dddArg: goFunc({ params: [T.int], variadic: T.string, result: T.string }, (a: number, ...b: string[]) => sprintf('%v %v\n', [a, goSlice(T.string, b)])),
  die: goFunc({ params: [], result: T.bool }, () => {
    throw new Error('die');
  }),
  echo: goFunc({ params: [T.any], result: T.any }, (a: unknown) => a),
  makemap: goFunc({ params: [], variadic: T.string, result: T.map(T.string, T.string) }, (...a: string[]) => {
    if (a.length % 2 !== 0) throw new Error('bad makemap');
    const m = goMap(T.string, T.string, new Map<unknown, unknown>());
    for (let i = 0; i < a.length; i += 2) m.set(a[i], a[i + 1]);
    return m;
  }),
  mapOfThree: goFunc({ params: [], result: T.any }, () => goMap(T.string, T.int, new Map([['three', 3]]))),
  oneArg: goFunc({ params: [T.string], result: T.string }, (a: string) => 'oneArg=' + a),
  returnInt: goFunc({ params: [], result: T.int }, () => 7),
  stringer: goFunc({ params: [{ kind: 'interface', name: 'interface {}' }], result: T.string }, (s: { [GO_STRING]?: () => string }) => s[GO_STRING]!()),
  twoArgs: goFunc({ params: [T.string, T.string], result: T.string }, (a: string, b: string) => 'twoArgs=' + a + b),
  typeOf: goFunc({ params: [T.any], result: T.string }, (a: unknown) => sprintf('%T', [a])),
  valueString: goFunc({ params: [T.string], result: T.string }, () => 'value is ignored'),
  zeroArgs: goFunc({ params: [], result: T.string }, () => 'zeroArgs'),
};

const bigInt = '0x7fffffffffffffff';
const bigUint = '0x8000000000000000';

// [name, input, output, data, ok]
type Row = [string, string, string, unknown, boolean];
const execTests: Row[] = [
  // Trivial cases.
  ['empty', '', '', null, true],
  ['text', 'some text', 'some text', null, true],
  ['nil action', '{{nil}}', '', null, false],
  // Ideal constants.
  ['ideal int', '{{typeOf 3}}', 'int', 0, true],
  ['ideal float', '{{typeOf 1.0}}', 'float64', 0, true],
  ['ideal exp float', '{{typeOf 1e1}}', 'float64', 0, true],
  ['ideal complex', '{{typeOf 1i}}', 'complex128', 0, true],
  ['ideal int', '{{typeOf ' + bigInt + '}}', 'int', 0, true],
  ['ideal too big', '{{typeOf ' + bigUint + '}}', '', 0, false],
  ['ideal nil without type', '{{nil}}', '', 0, false],
  // Fields of structs.
  ['.X', '-{{.X}}-', '-x-', tVal, true],
  ['.U.V', '-{{.U.V}}-', '-v-', tVal, true],
  ['.unexported', '{{.unexported}}', '', tVal, false],
  // Fields on maps.
  ['map .one', '{{.MSI.one}}', '1', tVal, true],
  ['map .two', '{{.MSI.two}}', '2', tVal, true],
  ['map .NO', '{{.MSI.NO}}', '<no value>', tVal, true],
  ['map .one interface', '{{.MXI.one}}', '1', tVal, true],
  ['map .WRONG args', '{{.MSI.one 1}}', '', tVal, false],
  ['map .WRONG type', '{{.MII.one}}', '', tVal, false],
  // Dots of all kinds to test basic evaluation.
  ['dot int', '<{{.}}>', '<13>', 13, true],
  ['dot uint', '<{{.}}>', '<14>', new GoTyped(UINT, 14), true],
  ['dot float', '<{{.}}>', '<15.1>', new GoFloat(15.1), true],
  ['dot bool', '<{{.}}>', '<true>', true, true],
  ['dot string', '<{{.}}>', '<hello>', 'hello', true],
  ['dot slice', '<{{.}}>', '<[-1 -2 -3]>', goSlice(T.int, [-1, -2, -3]), true],
  ['dot map', '<{{.}}>', '<map[two:22]>', goMap(T.string, T.int, new Map([['two', 22]])), true],
  ['dot struct', '<{{.}}>', '<{7 seven}>', { [GO_TYPE]: { kind: 'struct', name: 'struct { a int; b string }', fields: fields([['a', T.int], ['b', T.string]]) }, a: 7, b: 'seven' }, true],
  // Variables.
  ['$ int', '{{$}}', '123', 123, true],
  ['$.I', '{{$.I}}', '17', tVal, true],
  ['$.U.V', '{{$.U.V}}', 'v', tVal, true],
  ['declare in action', '{{$x := $.U.V}}{{$x}}', 'v', tVal, true],
  ['simple assignment', '{{$x := 2}}{{$x = 3}}{{$x}}', '3', tVal, true],
  ['nested assignment', '{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{$x}}', '3', tVal, true],
  ['nested assignment changes the last declaration', '{{$x := 1}}{{if true}}{{$x := 2}}{{if true}}{{$x = 3}}{{end}}{{end}}{{$x}}', '1', tVal, true],
  // Type with String method.
  ['V{6666}.String()', '-{{.V0}}-', '-<6666>-', tVal, true],
  ['&V{7777}.String()', '-{{.V1}}-', '-<7777>-', tVal, true],
  // Type with Error method.
  ['W{888}.Error()', '-{{.W0}}-', '-[888]-', tVal, true],
  ['&W{999}.Error()', '-{{.W1}}-', '-[999]-', tVal, true],
  // Empty interfaces holding values.
  ['empty nil', '{{.Empty0}}', '<no value>', tVal, true],
  ['empty with int', '{{.Empty1}}', '3', tVal, true],
  ['empty with string', '{{.Empty2}}', 'empty2', tVal, true],
  ['empty with slice', '{{.Empty3}}', '[7 8]', tVal, true],
  ['empty with struct', '{{.Empty4}}', '{UinEmpty}', tVal, true],
  ['empty with struct, field', '{{.Empty4.V}}', 'UinEmpty', tVal, true],
  // Edge cases with <no value> with an interface value
  ['field on interface', '{{.foo}}', '<no value>', null, true],
  ['field on parenthesized interface', '{{(.).foo}}', '<no value>', null, true],
  // Issue 31810: Parenthesized first element of pipeline with arguments.
  ['unparenthesized non-function', '{{1 2}}', '', null, false],
  ['parenthesized non-function', '{{(1) 2}}', '', null, false],
  ['parenthesized non-function with no args', '{{(1)}}', '1', null, true],
  // Method calls.
  ['.Method0', '-{{.Method0}}-', '-M0-', tVal, true],
  ['.Method1(1234)', '-{{.Method1 1234}}-', '-1234-', tVal, true],
  ['.Method1(.I)', '-{{.Method1 .I}}-', '-17-', tVal, true],
  ['.Method2(3, .X)', '-{{.Method2 3 .X}}-', '-Method2: 3 x-', tVal, true],
  ['.Method2(.U16, `str`)', '-{{.Method2 .U16 `str`}}-', '-Method2: 16 str-', tVal, true],
  ['.Method2(.U16, $x)', '{{if $x := .X}}-{{.Method2 .U16 $x}}{{end}}-', '-Method2: 16 x-', tVal, true],
  ['.Method3(nil constant)', '-{{.Method3 nil}}-', '-Method3: <nil>-', tVal, true],
  ['.Method3(nil value)', '-{{.Method3 .MXI.unset}}-', '-Method3: <nil>-', tVal, true],
  ['method on var', '{{if $x := .}}-{{$x.Method2 .U16 $x.X}}{{end}}-', '-Method2: 16 x-', tVal, true],
  ['method on chained var', '{{range .MSIone}}{{if $.U.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}', 'true', tVal, true],
  ['chained method', '{{range .MSIone}}{{if $.GetU.TrueFalse $.True}}{{$.U.TrueFalse $.True}}{{else}}WRONG{{end}}{{end}}', 'true', tVal, true],
  ['chained method on variable', '{{with $x := .}}{{with .SI}}{{$.GetU.TrueFalse $.True}}{{end}}{{end}}', 'true', tVal, true],
  ['.NilOKFunc nil', '{{call .NilOKFunc nil}}', 'true', tVal, true],
  // Function call builtin.
  ['.BinaryFunc', '{{call .BinaryFunc `1` `2`}}', '[1=2]', tVal, true],
  ['.VariadicFunc0', '{{call .VariadicFunc}}', '<>', tVal, true],
  ['.VariadicFunc2', '{{call .VariadicFunc `he` `llo`}}', '<he+llo>', tVal, true],
  ['.VariadicFuncInt', '{{call .VariadicFuncInt 33 `he` `llo`}}', '33=<he+llo>', tVal, true],
  ['if .BinaryFunc call', '{{ if .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{end}}', '[1=2]', tVal, true],
  ['if not .BinaryFunc call', '{{ if not .BinaryFunc}}{{call .BinaryFunc `1` `2`}}{{else}}No{{end}}', 'No', tVal, true],
  ['Interface Call', '{{stringer .S}}', 'foozle', goMap(T.string, T.any, new Map([['S', { [GO_TYPE]: T.ptr({ kind: 'struct', name: 'bytes.Buffer', fields: [] }), [GO_STRING]: () => 'foozle' }]])), true],
  ['.ErrFunc', '{{call .ErrFunc}}', 'bla', tVal, true],
  ['call nil', '{{call nil}}', '', tVal, false],
  ['empty call', '{{call}}', '', tVal, false],
  ['empty call after pipe valid', '{{.ErrFunc | call}}', 'bla', tVal, true],
  ['empty call after pipe invalid', '{{1 | call}}', '', tVal, false],
  // Erroneous function calls (check args).
  ['.BinaryFuncTooFew', '{{call .BinaryFunc `1`}}', '', tVal, false],
  ['.BinaryFuncTooMany', '{{call .BinaryFunc `1` `2` `3`}}', '', tVal, false],
  ['.BinaryFuncBad0', '{{call .BinaryFunc 1 3}}', '', tVal, false],
  ['.BinaryFuncBad1', '{{call .BinaryFunc `1` 3}}', '', tVal, false],
  ['.VariadicFuncBad0', '{{call .VariadicFunc 3}}', '', tVal, false],
  ['.VariadicFuncIntBad0', '{{call .VariadicFuncInt}}', '', tVal, false],
  ['.VariadicFuncIntBad`', '{{call .VariadicFuncInt `x`}}', '', tVal, false],
  ['.VariadicFuncNilBad', '{{call .VariadicFunc nil}}', '', tVal, false],
  // Pipelines.
  ['pipeline', '-{{.Method0 | .Method2 .U16}}-', '-Method2: 16 M0-', tVal, true],
  ['pipeline func', '-{{call .VariadicFunc `llo` | call .VariadicFunc `he` }}-', '-<he+<llo>>-', tVal, true],
  // Nil values aren't missing arguments.
  ['nil pipeline', '{{ .Empty0 | call .NilOKFunc }}', 'true', tVal, true],
  ['nil call arg', '{{ call .NilOKFunc .Empty0 }}', 'true', tVal, true],
  ['bad nil pipeline', '{{ .Empty0 | .VariadicFunc }}', '', tVal, false],
  // Parenthesized expressions
  ['parens in pipeline', '{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}', '1 5 15', tVal, true],
  // Parenthesized expressions with field accesses
  ['parens: $ in paren', '{{($).X}}', 'x', tVal, true],
  ['parens: $.GetU in paren', '{{($.GetU).V}}', 'v', tVal, true],
  ['parens: $ in paren in pipe', '{{($ | echo).X}}', 'x', tVal, true],
  ['parens: spaces and args', '{{(makemap "up" "down" "left" "right").left}}', 'right', tVal, true],
  // If.
  ['if true', '{{if true}}TRUE{{end}}', 'TRUE', tVal, true],
  ['if false', '{{if false}}TRUE{{else}}FALSE{{end}}', 'FALSE', tVal, true],
  ['if nil', '{{if nil}}TRUE{{end}}', '', tVal, false],
  ['if 1', '{{if 1}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO', tVal, true],
  ['if 0', '{{if 0}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['if 1.5', '{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO', tVal, true],
  ['if 0.0', '{{if .FloatZero}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['if 1.5i', '{{if 1.5i}}NON-ZERO{{else}}ZERO{{end}}', 'NON-ZERO', tVal, true],
  ['if 0.0i', '{{if .ComplexZero}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['if emptystring', '{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['if string', '{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY', tVal, true],
  ['if emptyslice', '{{if .SIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['if slice', '{{if .SI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY', tVal, true],
  ['if emptymap', '{{if .MSIEmpty}}NON-EMPTY{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['if map', '{{if .MSI}}NON-EMPTY{{else}}EMPTY{{end}}', 'NON-EMPTY', tVal, true],
  ['if map unset', '{{if .MXI.none}}NON-ZERO{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['if map not unset', '{{if not .MXI.none}}ZERO{{else}}NON-ZERO{{end}}', 'ZERO', tVal, true],
  ['if $x with $y int', '{{if $x := true}}{{with $y := .I}}{{$x}},{{$y}}{{end}}{{end}}', 'true,17', tVal, true],
  ['if $x with $x int', '{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}', '17,true', tVal, true],
  ['if else if', '{{if false}}FALSE{{else if true}}TRUE{{end}}', 'TRUE', tVal, true],
  ['if else chain', '{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}', '3', tVal, true],
  // Print etc.
  ['print', '{{print "hello, print"}}', 'hello, print', tVal, true],
  ['print 123', '{{print 1 2 3}}', '1 2 3', tVal, true],
  ['print nil', '{{print nil}}', '<nil>', tVal, true],
  ['println', '{{println 1 2 3}}', '1 2 3\n', tVal, true],
  ['printf int', '{{printf "%04x" 127}}', '007f', tVal, true],
  ['printf float', '{{printf "%g" 3.5}}', '3.5', tVal, true],
  ['printf complex', '{{printf "%g" 1+7i}}', '(1+7i)', tVal, true],
  ['printf string', '{{printf "%s" "hello"}}', 'hello', tVal, true],
  ['printf function', '{{printf "%#q" zeroArgs}}', '`zeroArgs`', tVal, true],
  ['printf field', '{{printf "%s" .U.V}}', 'v', tVal, true],
  ['printf method', '{{printf "%s" .Method0}}', 'M0', tVal, true],
  ['printf dot', '{{with .I}}{{printf "%d" .}}{{end}}', '17', tVal, true],
  ['printf lots', '{{printf "%d %s %g %s" 127 "hello" 7-3i .Method0}}', '127 hello (7-3i) M0', tVal, true],
  ['printf var', '{{with $x := .I}}{{printf "%d" $x}}{{end}}', '17', tVal, true],
  // HTML.
  ['html', '{{html "<script>alert(\\"XSS\\");</script>"}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;', null, true],
  ['html pipeline', '{{printf "<script>alert(\\"XSS\\");</script>" | html}}', '&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;', null, true],
  ['html untyped nil', '{{html .Empty0}}', '&lt;no value&gt;', tVal, true],
  // JavaScript.
  ['js', '{{js .}}', "It\\'d be nice.", "It'd be nice.", true],
  // URL query.
  ['urlquery', '{{"http://www.example.org/"|urlquery}}', 'http%3A%2F%2Fwww.example.org%2F', null, true],
  // Booleans
  ['not', '{{not true}} {{not false}}', 'false true', null, true],
  ['and', '{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}', 'false 0 0 1', null, true],
  ['or', '{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}', '0 1 true 1', null, true],
  ['or short-circuit', '{{or 0 1 (die)}}', '1', null, true],
  ['and short-circuit', '{{and 1 0 (die)}}', '0', null, true],
  ['or short-circuit2', '{{or 0 0 (die)}}', '', null, false],
  ['and short-circuit2', '{{and 1 1 (die)}}', '', null, false],
  ['and pipe-true', '{{1 | and 1}}', '1', null, true],
  ['and pipe-false', '{{0 | and 1}}', '0', null, true],
  ['or pipe-true', '{{1 | or 0}}', '1', null, true],
  ['or pipe-false', '{{0 | or 0}}', '0', null, true],
  ['and undef', '{{and 1 .Unknown}}', '<no value>', null, true],
  ['or undef', '{{or 0 .Unknown}}', '<no value>', null, true],
  ['boolean if', '{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}', 'TRUE', tVal, true],
  ['boolean if not', '{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}', 'FALSE', null, true],
  ['boolean if pipe', '{{if true | not | and 1}}TRUE{{else}}FALSE{{end}}', 'FALSE', null, true],
  // Indexing.
  ['slice[0]', '{{index .SI 0}}', '3', tVal, true],
  ['slice[1]', '{{index .SI 1}}', '4', tVal, true],
  ['slice[HUGE]', '{{index .SI 10}}', '', tVal, false],
  ['slice[WRONG]', '{{index .SI `hello`}}', '', tVal, false],
  ['slice[nil]', '{{index .SI nil}}', '', tVal, false],
  ['map[one]', '{{index .MSI `one`}}', '1', tVal, true],
  ['map[two]', '{{index .MSI `two`}}', '2', tVal, true],
  ['map[NO]', '{{index .MSI `XXX`}}', '0', tVal, true],
  ['map[nil]', '{{index .MSI nil}}', '', tVal, false],
  ['map[``]', '{{index .MSI ``}}', '0', tVal, true],
  ['map[WRONG]', '{{index .MSI 10}}', '', tVal, false],
  ['double index', '{{index .SMSI 1 `eleven`}}', '11', tVal, true],
  ['nil[1]', '{{index nil 1}}', '', tVal, false],
  ['index of an interface field', '{{index .Empty3 0}}', '7', tVal, true],
  // Slicing.
  ['slice[:]', '{{slice .SI}}', '[3 4 5]', tVal, true],
  ['slice[1:]', '{{slice .SI 1}}', '[4 5]', tVal, true],
  ['slice[1:2]', '{{slice .SI 1 2}}', '[4]', tVal, true],
  ['slice[-1:]', '{{slice .SI -1}}', '', tVal, false],
  ['slice[1:-2]', '{{slice .SI 1 -2}}', '', tVal, false],
  ['slice[1:2:-1]', '{{slice .SI 1 2 -1}}', '', tVal, false],
  ['slice[2:1]', '{{slice .SI 2 1}}', '', tVal, false],
  ['slice[2:2:1]', '{{slice .SI 2 2 1}}', '', tVal, false],
  ['out of range', '{{slice .SI 4 5}}', '', tVal, false],
  ['out of range', '{{slice .SI 2 2 5}}', '', tVal, false],
  ['string[:]', '{{slice .S}}', 'xyz', tVal, true],
  ['string[0:1]', '{{slice .S 0 1}}', 'x', tVal, true],
  ['string[1:]', '{{slice .S 1}}', 'yz', tVal, true],
  ['string[1:2]', '{{slice .S 1 2}}', 'y', tVal, true],
  ['out of range', '{{slice .S 1 5}}', '', tVal, false],
  ['3-index slice of string', '{{slice .S 1 2 2}}', '', tVal, false],
  ['slice of an interface field', '{{slice .Empty3 0 1}}', '[7]', tVal, true],
  // Len.
  ['slice', '{{len .SI}}', '3', tVal, true],
  ['map', '{{len .MSI }}', '3', tVal, true],
  ['len of int', '{{len 3}}', '', tVal, false],
  ['len of nothing', '{{len .Empty0}}', '', tVal, false],
  ['len of an interface field', '{{len .Empty3}}', '2', tVal, true],
  // With.
  ['with true', '{{with true}}{{.}}{{end}}', 'true', tVal, true],
  ['with false', '{{with false}}{{.}}{{else}}FALSE{{end}}', 'FALSE', tVal, true],
  ['with 1', '{{with 1}}{{.}}{{else}}ZERO{{end}}', '1', tVal, true],
  ['with 0', '{{with 0}}{{.}}{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['with 1.5', '{{with 1.5}}{{.}}{{else}}ZERO{{end}}', '1.5', tVal, true],
  ['with 0.0', '{{with .FloatZero}}{{.}}{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['with 1.5i', '{{with 1.5i}}{{.}}{{else}}ZERO{{end}}', '(0+1.5i)', tVal, true],
  ['with 0.0i', '{{with .ComplexZero}}{{.}}{{else}}ZERO{{end}}', 'ZERO', tVal, true],
  ['with emptystring', '{{with ``}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['with string', '{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}', 'notempty', tVal, true],
  ['with emptyslice', '{{with .SIEmpty}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['with slice', '{{with .SI}}{{.}}{{else}}EMPTY{{end}}', '[3 4 5]', tVal, true],
  ['with emptymap', '{{with .MSIEmpty}}{{.}}{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['with map', '{{with .MSIone}}{{.}}{{else}}EMPTY{{end}}', 'map[one:1]', tVal, true],
  ['with empty interface, struct field', '{{with .Empty4}}{{.V}}{{end}}', 'UinEmpty', tVal, true],
  ['with $x int', '{{with $x := .I}}{{$x}}{{end}}', '17', tVal, true],
  ['with $x struct.U.V', '{{with $x := $}}{{$x.U.V}}{{end}}', 'v', tVal, true],
  ['with variable and action', '{{with $x := $}}{{$y := $.U.V}}{{$y}}{{end}}', 'v', tVal, true],
  // Range.
  ['range []int', '{{range .SI}}-{{.}}-{{end}}', '-3--4--5-', tVal, true],
  ['range empty no else', '{{range .SIEmpty}}-{{.}}-{{end}}', '', tVal, true],
  ['range []int else', '{{range .SI}}-{{.}}-{{else}}EMPTY{{end}}', '-3--4--5-', tVal, true],
  ['range empty else', '{{range .SIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['range []int break else', '{{range .SI}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}', '-3-', tVal, true],
  ['range []int continue else', '{{range .SI}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}', '-3--4--5-', tVal, true],
  ['range []bool', '{{range .SB}}-{{.}}-{{end}}', '-true--false-', tVal, true],
  ['range []int method', '{{range .SI | .MAdd .I}}-{{.}}-{{end}}', '-20--21--22-', tVal, true],
  ['range map', '{{range .MSI}}-{{.}}-{{end}}', '-1--3--2-', tVal, true],
  ['range empty map no else', '{{range .MSIEmpty}}-{{.}}-{{end}}', '', tVal, true],
  ['range map else', '{{range .MSI}}-{{.}}-{{else}}EMPTY{{end}}', '-1--3--2-', tVal, true],
  ['range empty map else', '{{range .MSIEmpty}}-{{.}}-{{else}}EMPTY{{end}}', 'EMPTY', tVal, true],
  ['range empty interface', '{{range .Empty3}}-{{.}}-{{else}}EMPTY{{end}}', '-7--8-', tVal, true],
  ['range empty nil', '{{range .Empty0}}-{{.}}-{{end}}', '', tVal, true],
  ['range $x SI', '{{range $x := .SI}}<{{$x}}>{{end}}', '<3><4><5>', tVal, true],
  ['range $x $y SI', '{{range $x, $y := .SI}}<{{$x}}={{$y}}>{{end}}', '<0=3><1=4><2=5>', tVal, true],
  ['range $x MSIone', '{{range $x := .MSIone}}<{{$x}}>{{end}}', '<1>', tVal, true],
  ['range $x $y MSIone', '{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}', '<one=1>', tVal, true],
  // Go 1.22 added range over integers: an error in Go 1.19.
  ['range 5 (Go 1.19: error)', '{{range $v := 5}}{{$v}}{{end}}', '', null, false],
  ['range int dot (Go 1.19: error)', '{{range $v := .}}{{$v}}{{end}}', '', 5, false],
  // Cute examples.
  ['or as if true', '{{or .SI "slice is empty"}}', '[3 4 5]', tVal, true],
  ['or as if false', '{{or .SIEmpty "slice is empty"}}', 'slice is empty', tVal, true],
  // Error handling.
  ['error method, error', '{{.MyError true}}', '', tVal, false],
  ['error method, no error', '{{.MyError false}}', 'false', tVal, true],
  // Numbers
  ['decimal', '{{print 1234}}', '1234', tVal, true],
  ['decimal _', '{{print 12_34}}', '1234', tVal, true],
  ['binary', '{{print 0b101}}', '5', tVal, true],
  ['binary _', '{{print 0b_1_0_1}}', '5', tVal, true],
  ['BINARY', '{{print 0B101}}', '5', tVal, true],
  ['octal0', '{{print 0377}}', '255', tVal, true],
  ['octal', '{{print 0o377}}', '255', tVal, true],
  ['octal _', '{{print 0o_3_7_7}}', '255', tVal, true],
  ['OCTAL', '{{print 0O377}}', '255', tVal, true],
  ['hex', '{{print 0x123}}', '291', tVal, true],
  ['hex _', '{{print 0x1_23}}', '291', tVal, true],
  ['HEX', '{{print 0X123ABC}}', '1194684', tVal, true],
  ['float', '{{print 123.4}}', '123.4', tVal, true],
  ['float _', '{{print 0_0_1_2_3.4}}', '123.4', tVal, true],
  ['hex float', '{{print +0x1.ep+2}}', '7.5', tVal, true],
  ['hex float _', '{{print +0x_1.e_0p+0_2}}', '7.5', tVal, true],
  ['HEX float', '{{print +0X1.EP+2}}', '7.5', tVal, true],
  ['print multi', '{{print 1_2_3_4 7.5_00_00_00}}', '1234 7.5', tVal, true],
  ['print multi2', '{{print 1234 0x0_1.e_0p+02}}', '1234 7.5', tVal, true],
  // Fixed bugs.
  ['bug0', '{{range .MSIone}}{{if $.Method1 .}}X{{end}}{{end}}', 'X', tVal, true],
  ['bug3', '{{with $}}{{.Method0}}{{end}}', 'M0', tVal, true],
  ['bug4', '{{if .Empty0}}non-nil{{else}}nil{{end}}', 'nil', tVal, true],
  ['bug5', '{{.Str}}', 'foozle', tVal, true],
  ['bug5a', '{{.Err}}', 'erroozle', tVal, true],
  ['bug7a', '{{3 2}}', '', tVal, false],
  ['bug7b', '{{$x := 1}}{{$x 2}}', '', tVal, false],
  ['bug7c', '{{$x := 1}}{{3 | $x}}', '', tVal, false],
  ['bug8a', '{{3|oneArg}}', '', tVal, false],
  ['bug8b', '{{4|dddArg 3}}', '', tVal, false],
  ['bug9', '{{.cause}}', 'neglect', goMap(T.string, T.string, new Map([['cause', 'neglect']])), true],
  ['bug10', '{{mapOfThree.three}}-{{(mapOfThree).three}}', '3-3', 0, true],
  ['bug12xe', '{{printf `%T` 0xef}}', 'int', null, true],
  ['bug12xE', '{{printf `%T` 0xEE}}', 'int', null, true],
  ['bug12Xe', '{{printf `%T` 0Xef}}', 'int', null, true],
  ['bug12XE', '{{printf `%T` 0XEE}}', 'int', null, true],
  ['bug13', '{{print (.Copy).I}}', '17', tVal, true],
  ['bug14a', '{{(nil).True}}', '', tVal, false],
  ['bug14b', '{{$x := nil}}{{$x.anything}}', '', tVal, false],
  ['bug14c', '{{$x := (1.0)}}{{$y := ("hello")}}{{$x.anything}}{{$y.true}}', '', tVal, false],
  ['bug15', '{{valueString returnInt}}', '', tVal, false],
  ['bug16a', '{{true|printf}}', '', tVal, false],
  ['bug16b', '{{1|printf}}', '', tVal, false],
  ['bug16c', '{{1.1|printf}}', '', tVal, false],
  ['bug16d', "{{'x'|printf}}", '', tVal, false],
  ['bug16e', '{{0i|printf}}', '', tVal, false],
  ['bug16f', '{{true|twoArgs "xxx"}}', '', tVal, false],
  ['bug16g', '{{"aaa" |twoArgs "bbb"}}', 'twoArgs=bbbaaa', tVal, true],
  ['bug16h', '{{1|oneArg}}', '', tVal, false],
  ['bug16i', '{{"aaa"|oneArg}}', 'oneArg=aaa', tVal, true],
  ['bug16j', '{{1+2i|printf "%v"}}', '(1+2i)', tVal, true],
  ['bug16k', '{{"aaa"|printf }}', 'aaa', tVal, true],
  ['bug18a', "{{eq . '.'}}", 'true', 46, true],
  ['bug18b', "{{eq . 'e'}}", 'true', 101, true],
  ['bug18c', "{{eq . 'P'}}", 'true', 80, true],
  ['issue56490', '{{$i := 0}}{{$x := 0}}{{range $i = .AI}}{{end}}{{$i}}', '5', tVal, true],
  ['issue60801', '{{$k := 0}}{{$v := 0}}{{range $k, $v = .AI}}{{$k}}={{$v}} {{end}}', '0=3 1=4 2=5 ', tVal, true],
];

function run(name: string, input: string, data: unknown, options: Parameters<typeof Template.parse>[2] = { funcs }): string {
  return Template.parse(name, input, options).execute(data);
}

test('execTests', () => {
  let passed = 0;
  for (const [name, input, output, data, ok] of execTests) {
    let got: string;
    try {
      got = run(name, input, data);
    } catch (e) {
      assert.ok(e instanceof TemplateExecError, `${name}: ${e instanceof Error ? e.stack : String(e)}`);
      assert.equal(ok, false, `${name}: unexpected execute error: ${e.message}`);
      passed++;
      continue;
    }
    assert.equal(ok, true, `${name}: expected error; got none (output ${JSON.stringify(got)})`);
    assert.equal(got, output, name);
    passed++;
  }
  assert.equal(passed, execTests.length);
});

test('cmpTests (TestComparison)', () => {
  const cmpStruct = {
    [GO_TYPE]: T.ptr({
      kind: 'struct',
      name: 'struct { Uthree uint; Ufour uint; NegOne int; Three int; NonNilMap map[int]int; Map map[int]int; V1 template.V; V2 template.V; Iface1 fmt.Stringer; NilIface fmt.Stringer }',
      fields: fields([['Uthree', UINT], ['Ufour', UINT], ['NegOne', T.int], ['Three', T.int], ['NonNilMap', T.map(T.int, T.int)], ['Map', T.map(T.int, T.int)], ['V1', V_T], ['V2', V_T], ['Iface1', T.any], ['NilIface', T.any]]),
    }),
    Uthree: new GoTyped(UINT, 3),
    Ufour: new GoTyped(UINT, 4),
    NegOne: -1,
    Three: 3,
    NonNilMap: goMap(T.int, T.int, new Map()),
    Map: null,
    V1: { [GO_TYPE]: V_T, j: 0 },
    V2: { [GO_TYPE]: V_T, j: 0 },
    Iface1: { [GO_TYPE]: T.ptr({ kind: 'struct', name: 'strings.Builder', fields: [] }), [GO_STRING]: () => '' },
    NilIface: null,
  };
  const cmpTests: [string, string, boolean][] = [
    ['eq true true', 'true', true], ['eq true false', 'false', true], ['eq 1+2i 1+2i', 'true', true], ['eq 1+2i 1+3i', 'false', true], ['eq 1.5 1.5', 'true', true], ['eq 1.5 2.5', 'false', true],
    ['eq 1 1', 'true', true], ['eq 1 2', 'false', true], ['eq `xy` `xy`', 'true', true], ['eq `xy` `xyz`', 'false', true],
    ['eq .Uthree .Uthree', 'true', true], ['eq .Uthree .Ufour', 'false', true], ['eq 3 4 5 6 3', 'true', true], ['eq 3 4 5 6 7', 'false', true],
    ['ne true true', 'false', true], ['ne true false', 'true', true], ['ne 1+2i 1+2i', 'false', true], ['ne 1+2i 1+3i', 'true', true], ['ne 1.5 1.5', 'false', true], ['ne 1.5 2.5', 'true', true],
    ['ne 1 1', 'false', true], ['ne 1 2', 'true', true], ['ne `xy` `xy`', 'false', true], ['ne `xy` `xyz`', 'true', true],
    ['ne .Uthree .Uthree', 'false', true], ['ne .Uthree .Ufour', 'true', true],
    ['lt 1.5 1.5', 'false', true], ['lt 1.5 2.5', 'true', true], ['lt 1 1', 'false', true], ['lt 1 2', 'true', true],
    ['lt `xy` `xy`', 'false', true], ['lt `xy` `xyz`', 'true', true], ['lt .Uthree .Uthree', 'false', true], ['lt .Uthree .Ufour', 'true', true],
    ['le 1.5 1.5', 'true', true], ['le 1.5 2.5', 'true', true], ['le 2.5 1.5', 'false', true], ['le 1 1', 'true', true],
    ['le 1 2', 'true', true], ['le 2 1', 'false', true], ['le `xy` `xy`', 'true', true], ['le `xy` `xyz`', 'true', true],
    ['le `xyz` `xy`', 'false', true], ['le .Uthree .Uthree', 'true', true], ['le .Uthree .Ufour', 'true', true], ['le .Ufour .Uthree', 'false', true],
    ['gt 1.5 1.5', 'false', true], ['gt 1.5 2.5', 'false', true], ['gt 1 1', 'false', true], ['gt 2 1', 'true', true],
    ['gt 1 2', 'false', true], ['gt `xy` `xy`', 'false', true], ['gt `xy` `xyz`', 'false', true], ['gt .Uthree .Uthree', 'false', true],
    ['gt .Uthree .Ufour', 'false', true], ['gt .Ufour .Uthree', 'true', true],
    ['ge 1.5 1.5', 'true', true], ['ge 1.5 2.5', 'false', true], ['ge 2.5 1.5', 'true', true], ['ge 1 1', 'true', true],
    ['ge 1 2', 'false', true], ['ge 2 1', 'true', true], ['ge `xy` `xy`', 'true', true], ['ge `xy` `xyz`', 'false', true],
    ['ge `xyz` `xy`', 'true', true], ['ge .Uthree .Uthree', 'true', true], ['ge .Uthree .Ufour', 'false', true], ['ge .Ufour .Uthree', 'true', true],
    // Mixing signed and unsigned integers.
    ['eq .Uthree .Three', 'true', true], ['eq .Three .Uthree', 'true', true], ['le .Uthree .Three', 'true', true], ['le .Three .Uthree', 'true', true],
    ['ge .Uthree .Three', 'true', true], ['ge .Three .Uthree', 'true', true], ['lt .Uthree .Three', 'false', true], ['lt .Three .Uthree', 'false', true],
    ['gt .Uthree .Three', 'false', true], ['gt .Three .Uthree', 'false', true], ['eq .Ufour .Three', 'false', true], ['lt .Ufour .Three', 'false', true],
    ['gt .Ufour .Three', 'true', true], ['eq .NegOne .Uthree', 'false', true], ['eq .Uthree .NegOne', 'false', true], ['ne .NegOne .Uthree', 'true', true],
    ['ne .Uthree .NegOne', 'true', true], ['lt .NegOne .Uthree', 'true', true], ['lt .Uthree .NegOne', 'false', true], ['le .NegOne .Uthree', 'true', true],
    ['le .Uthree .NegOne', 'false', true], ['gt .NegOne .Uthree', 'false', true], ['gt .Uthree .NegOne', 'true', true], ['ge .NegOne .Uthree', 'false', true],
    ['ge .Uthree .NegOne', 'true', true],
    ['eq (index `x` 0) \'x\'', 'true', true], // The example that triggered this rule.
    ['eq (index `x` 0) \'y\'', 'false', true],
    ['eq .V1 .V2', 'true', true],
    ['eq .Iface1 .Iface1', 'true', true], ['eq .Iface1 .NilIface', 'false', true], ['eq .NilIface .NilIface', 'true', true],
    ['eq .NilIface .Iface1', 'false', true], ['eq .NilIface 0', 'false', true], ['eq 0 .NilIface', 'false', true],
    ['eq .Map .Map', 'true', true], ['eq .Map nil', 'true', true], ['eq nil .Map', 'true', true], ['eq .Map .NonNilMap', 'false', true],
    // Errors
    ['eq `xy` 1', '', false], ['eq 2 2.0', '', false], ['lt true true', '', false], ['lt 1+0i 1+0i', '', false], ['eq .NonNilMap .NonNilMap', '', false],
  ];
  for (const [expr, truth, ok] of cmpTests) {
    let got = '';
    try {
      got = run('empty', `{{if ${expr}}}true{{else}}false{{end}}`, cmpStruct, {});
    } catch (e) {
      assert.ok(e instanceof TemplateExecError, `${expr}: ${String(e)}`);
      assert.equal(ok, false, `${expr} errored incorrectly: ${e.message}`);
      continue;
    }
    assert.equal(ok, true, `${expr} did not error`);
    assert.equal(got, truth, expr);
  }
});

test('TestInterfaceValues', () => {
  const data = goMap(T.string, T.any, new Map<unknown, unknown>([
    ['PlusOne', goFunc({ params: [T.int], result: T.int }, (n: number) => n + 1)],
    ['Slice', goSlice(T.int, [0, 1, 2, 3])],
    ['One', 1],
    ['Two', 2],
    ['Nil', null],
    ['Zero', 0],
  ]));
  const tests: [string, string][] = [
    ['{{index .Nil 1}}', 'ERROR: index of untyped nil'],
    ['{{index .Slice 2}}', '2'],
    ['{{index .Slice .Two}}', '2'],
    ['{{call .Nil 1}}', 'ERROR: call of nil'],
    ['{{call .PlusOne 1}}', '2'],
    ['{{call .PlusOne .One}}', '2'],
    ['{{and (index .Slice 0) true}}', '0'],
    ['{{and .Zero true}}', '0'],
    ['{{and (index .Slice 1) false}}', 'false'],
    ['{{and .One false}}', 'false'],
    ['{{or (index .Slice 0) false}}', 'false'],
    ['{{or .Zero false}}', 'false'],
    ['{{or (index .Slice 1) true}}', '1'],
    ['{{or .One true}}', '1'],
    ['{{not (index .Slice 0)}}', 'true'],
    ['{{not .Zero}}', 'true'],
    ['{{not (index .Slice 1)}}', 'false'],
    ['{{not .One}}', 'false'],
    ['{{eq (index .Slice 0) .Zero}}', 'true'],
    ['{{eq (index .Slice 1) .One}}', 'true'],
    ['{{ne (index .Slice 0) .Zero}}', 'false'],
    ['{{ne (index .Slice 1) .One}}', 'false'],
    ['{{ge (index .Slice 0) .One}}', 'false'],
    ['{{ge (index .Slice 1) .Zero}}', 'true'],
    ['{{gt (index .Slice 0) .One}}', 'false'],
    ['{{gt (index .Slice 1) .Zero}}', 'true'],
    ['{{le (index .Slice 0) .One}}', 'true'],
    ['{{le (index .Slice 1) .Zero}}', 'false'],
    ['{{lt (index .Slice 0) .One}}', 'true'],
    ['{{lt (index .Slice 1) .Zero}}', 'false'],
  ];
  for (const [text, out] of tests) {
    if (out.startsWith('ERROR:')) {
      const want = out.slice('ERROR:'.length).trim();
      assert.throws(() => run('tmpl', text, data, {}), (e: unknown) => e instanceof TemplateExecError && e.message.includes(want), text);
    } else {
      assert.equal(run('tmpl', text, data, {}), out, text);
    }
  }
});

test('TestExecError: nested templates report the innermost template and position', () => {
  const text = 'line 1\nline 2\nline 3\n{{template "one" .}}\n{{define "one"}}{{template "two" .}}{{end}}\n{{define "two"}}{{template "three" .}}{{end}}\n{{define "three"}}{{index "hi" $}}{{end}}';
  assert.throws(() => run('top', text, 5, {}), {
    name: 'TemplateExecError',
    message: 'template: top:7:20: executing "three" at <index "hi" $>: error calling index: index out of range: 5',
  });
});

test('TestExecuteError, TestExecuteGivesExecError, TestEvalFieldErrors', () => {
  assert.throws(() => run('error', '{{.MyError true}}', tVal, {}), /my error/);
  assert.throws(() => run('X', 'hello, {{.X.Y}}', 0, {}), /field X in type int/);
  assert.throws(() => run('tmpl', '{{.MissingField}}', mkT({}), {}), /can't evaluate field MissingField in type \*template\.T$/);
});

test('TestMissingMapKey', () => {
  const data = goMap(T.string, T.int, new Map([['x', 99]]));
  assert.equal(run('t1', '{{.x}} {{.y}}', data, {}), '99 <no value>');
  assert.equal(run('t1', '{{.x}} {{.y}}', data, { missingKey: 'default' }), '99 <no value>');
  assert.equal(run('t1', '{{.x}} {{.y}}', data, { missingKey: 'zero' }), '99 0');
  assert.throws(() => run('t1', '{{.x}} {{.y}}', data, { missingKey: 'error' }), {
    message: 'template: t1:1:9: executing "t1" at <.y>: map has no entry for key "y"',
  });
  // same option, but now a nil interface: ask for an error
  assert.throws(() => run('t1', '{{.x}} {{.y}}', null, { missingKey: 'error' }), {
    message: 'template: t1:1:2: executing "t1" at <.x>: nil data; no entry for key "x"',
  });
});

test('TestMaxExecDepth: infinite template recursion is an error, not a crash', () => {
  assert.throws(() => run('tmpl', '{{template "tmpl" .}}', null, {}), (e: unknown) => e instanceof TemplateExecError && e.message.includes('exceeded maximum template depth'));
});

test('TestExecutePanicDuringCall: thrown exceptions become "error calling"', () => {
  const f: FuncMap = {
    doPanic: goFunc({ params: [], result: T.string }, () => {
      throw new Error('custom panic string');
    }),
  };
  assert.throws(() => run('t', '{{doPanic}}', null, { funcs: f }), {
    message: 'template: t:1:2: executing "t" at <doPanic>: error calling doPanic: custom panic string',
  });
  assert.throws(() => run('t', '{{call .PanicFunc}}', tVal, {}), {
    message: 'template: t:1:2: executing "t" at <call .PanicFunc>: error calling call: test panic',
  });
});

test('TestFunctionCheckDuringCall (Go 1.19 messages)', () => {
  const cases: [string, unknown, string][] = [
    ['{{call}}', tVal, 'wrong number of args for call: want at least 1 got 0'],
    ['{{call .True}}', tVal, 'error calling call: non-function of type bool'],
    ['{{call .BinaryFunc 1}}', tVal, 'error calling call: wrong number of args: got 1 want 2'],
    ['{{call .VariadicFuncInt}}', tVal, 'error calling call: wrong number of args: got 0 want at least 1'],
    ['{{call (len "test")}}', null, 'error calling call: non-function of type int'],
  ];
  for (const [input, data, want] of cases) {
    assert.throws(() => run('t', input, data, {}), (e: unknown) => e instanceof TemplateExecError && e.message.includes(want), input);
  }
});

test('TestIssue31810: a parenthesised function value is not called', () => {
  assert.equal(run('', '{{ (.)  }}', 'result', {}), 'result');
  const f = goFunc({ params: [], result: T.string }, () => 'result');
  assert.throws(() => run('', '{{ (.)  }}', f, {}), TemplateExecError);
  assert.equal(run('', '{{ (call .)  }}', f, {}), 'result');
});

test('TestBlock, TestFinalForPrintf, TestTree (delimiters and trim markers), TestDelims', () => {
  assert.equal(run('outer', 'a({{block "inner" .}}bar({{.}})baz{{end}})b', 'hello', {}), 'a(bar(hello)baz)b');
  assert.equal(run('', '{{"x" | printf}}', 0, {}), 'x');

  const TREE_T: StructType = { kind: 'struct', name: 'template.Tree', fields: [] };
  const node = (v: number, l: unknown = null, r: unknown = null) => ({ [GO_TYPE]: T.ptr(TREE_T), Val: v, Left: l, Right: r });
  (TREE_T.fields as { name: string; type: GoType }[]).push({ name: 'Val', type: T.int }, { name: 'Left', type: T.ptr(TREE_T) }, { name: 'Right', type: T.ptr(TREE_T) });
  const tree = node(1, node(2, node(3, node(4)), node(5, node(6))), node(7, node(8, node(9)), node(10, node(11))));
  const treeTemplate = '\n\t(- define "tree" -)\n\t[\n\t\t(- .Val -)\n\t\t(- with .Left -)\n\t\t\t(template "tree" . -)\n\t\t(- end -)\n\t\t(- with .Right -)\n\t\t\t(- template "tree" . -)\n\t\t(- end -)\n\t]\n\t(- end -)\n';
  const t = Template.parse('root', treeTemplate, { leftDelim: '(', rightDelim: ')' });
  assert.equal(t.executeTemplate('tree', tree), '[1[2[3[4]][5[6]]][7[8[9]][10[11]]]]');

  const hello = 'Hello, world';
  const value = { [GO_TYPE]: { kind: 'struct', name: 'struct { Str string }', fields: fields([['Str', T.string]]) }, Str: hello };
  for (const [left, right] of [['', ''], ['{{', '}}'], ['<<', '>>'], ['|', '|'], ['(日)', '(本)']] as const) {
    const l = left || '{{';
    const r = right || '}}';
    const text = `${l}.Str${r}${l}/*comment*/${r}${l}"${l}"${r}`;
    assert.equal(Template.parse('delims', text, { leftDelim: left, rightDelim: right }).execute(value), hello + l, left);
  }
});

test('TestJSEscaping', () => {
  const cases: [string, string][] = [
    ['a', 'a'],
    ["'foo", "\\'foo"],
    ['Go "jump" \\', 'Go \\"jump\\" \\\\'],
    ['Yukihiro says "今日は世界"', 'Yukihiro says \\"今日は世界\\"'],
    ['unprintable \uFFFE', 'unprintable \\uFFFE'],
    ['<html>', '\\u003Chtml\\u003E'],
    ['no = in attributes', 'no \\u003D in attributes'],
    ['&#x27; does not become HTML entity', '\\u0026#x27; does not become HTML entity'],
  ];
  for (const [input, want] of cases) assert.equal(jsEscapeString(input), want, input);
});

test('TestUnterminatedStringError', () => {
  assert.throws(() => Template.parse('X', 'hello\n\n{{`unterminated\n\n\n\n}}\n some more\n\n', {}), (e: unknown) => e instanceof TemplateParseError && e.message.includes('X:3: unterminated raw quoted string'));
});

test('printf fast paths (constant formats specialised per call site) give fmt.Sprintf results', () => {
  // The executor builds keys with printf through shortcuts (src/gotemplate/funcs.ts printfFor, printf's plan
  // cache); every case must print what Go's Sprintf prints, whichever path it takes.
  const cases: [string, string][] = [
    ['{{printf "/n/%s/%s/ip" "a" "b"}}', '/n/a/b/ip'],
    ['{{$a := "x"}}{{$b := 3}}{{printf "%s-%s" $a $b}}', 'x-%!s(int=3)'],
    ['{{$a := "x"}}{{$b := 3}}{{printf "%s-%v" $a $b}}', 'x-3'],
    ['{{$a := "x"}}{{printf "%v|%s" $a $a}}', 'x|x'],
    ['{{$a := "x"}}{{$a | printf "%s/%s" "p"}}', 'p/x'],
    ['{{"q" | printf "%s"}}', 'q'],
    ['{{$a := "x"}}{{printf "%s" $a}}{{printf "%s" $a}}', 'xx'],
    ['{{$n := 5}}{{printf "%d%%" $n}}', '5%'],
    ['{{printf "100%%"}}', '100%'],
    ['{{printf "%s %s" "a"}}', 'a %!s(MISSING)'],
    ['{{printf "%s" "a" "b"}}', 'a%!(EXTRA string=b)'],
    ['{{$n := 1.5}}{{printf "<%s>" $n}}', '<%!s(float64=1.5)>'],
    ['{{$s := "a"}}{{printf "%d" $s}}', '%!d(string=a)'],
    ['{{$s := "é"}}{{printf "%5s|%-3s|" $s $s}}', '    é|é  |'],
    ['{{printf "%s" .Missing}}', '%!s(<nil>)'],
    ['{{printf "trailing %"}}', 'trailing %!(NOVERB)'],
  ];
  for (const [text, want] of cases) {
    const t = Template.parse('printf', text, {});
    assert.equal(t.execute(goMap(T.string, T.any, new Map())), want, text);
    assert.equal(t.execute(goMap(T.string, T.any, new Map())), want, `${text} (second execution)`);
  }
});

test('printf per call site: the reused head (same first argument) and the fallbacks give fmt.Sprintf results', () => {
  // printfFor keeps the "l0 a l1" of the last call while the first argument repeats (nested ranges); operands that
  // are not strings go to the general printer in between, and the head must still follow the first argument.
  const D = goSlice(T.any, ['a', 'b', 'b', 'a', 7, 'a', '']);
  const H = goSlice(T.any, ['x', 'y', 3, 'x', '', 'é😀']);
  const data = goMap(T.string, T.any, new Map<string, unknown>([['D', D], ['H', H]]));
  const formats = ['/n/%s/%s/ip', '%v-%s', '%s%v%%', '[%s]'];
  for (const format of formats) {
    const two = format !== '[%s]';
    const text = two
      ? `{{range $d := .D}}{{range $h := $.H}}{{printf ${JSON.stringify(format)} $d $h}};{{end}}{{end}}`
      : `{{range $d := .D}}{{range $h := $.H}}{{printf ${JSON.stringify(format)} $h}};{{end}}{{end}}`;
    let want = '';
    for (const d of D) for (const h of H) want += sprintf(format, two ? [d, h] : [h]) + ';';
    const t = Template.parse('printf', text, {});
    assert.equal(t.execute(data), want, format);
    assert.equal(t.execute(data), want, `${format} (second execution)`);
  }
});
