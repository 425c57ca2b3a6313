// Port of Go 1.19 text/template/parse/parse_test.go: numberTests, parseTests (String() round trip with %q text),
// errorTests, isEmptyTests, TestBlock, TestKeywordsAndFuncs, TestSkipFuncCheck, TestParseWithComments and
// TestLineNum. Read from a newer Go; rows for later features are restored to Go 1.19 behaviour and marked
// (`{{else with}}` is Go 1.23: an error in 1.19).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ItemType } from './lex.js';
import { NodeType, NumberNode, type ActionNode } from './node.js';
import { isEmptyTree, MAX_STACK_DEPTH, newNumber, parse, TemplateParseError } from './parse.js';

const info = { parseName: 'test', text: '' };

type NumberRow = [string, boolean, boolean, boolean, boolean, bigint, bigint, number, [number, number]];
const numberTests: (NumberRow | [string])[] = [
  // basics
  ['0', true, true, true, false, 0n, 0n, 0, [0, 0]],
  ['-0', true, true, true, false, 0n, 0n, 0, [0, 0]], // check that -0 is a uint.
  ['73', true, true, true, false, 73n, 73n, 73, [0, 0]],
  ['7_3', true, true, true, false, 73n, 73n, 73, [0, 0]],
  ['0b10_010_01', true, true, true, false, 73n, 73n, 73, [0, 0]],
  ['0B10_010_01', true, true, true, false, 73n, 73n, 73, [0, 0]],
  ['073', true, true, true, false, 0o73n, 0o73n, 0o73, [0, 0]],
  ['0o73', true, true, true, false, 0o73n, 0o73n, 0o73, [0, 0]],
  ['0O73', true, true, true, false, 0o73n, 0o73n, 0o73, [0, 0]],
  ['0x73', true, true, true, false, 0x73n, 0x73n, 0x73, [0, 0]],
  ['0X73', true, true, true, false, 0x73n, 0x73n, 0x73, [0, 0]],
  ['0x7_3', true, true, true, false, 0x73n, 0x73n, 0x73, [0, 0]],
  ['-73', true, false, true, false, -73n, 0n, -73, [0, 0]],
  ['+73', true, false, true, false, 73n, 0n, 73, [0, 0]],
  ['100', true, true, true, false, 100n, 100n, 100, [0, 0]],
  ['1e9', true, true, true, false, 1000000000n, 1000000000n, 1e9, [0, 0]],
  ['-1e9', true, false, true, false, -1000000000n, 0n, -1e9, [0, 0]],
  ['-1.2', false, false, true, false, 0n, 0n, -1.2, [0, 0]],
  ['1e19', false, true, true, false, 0n, 10000000000000000000n, 1e19, [0, 0]],
  ['1e1_9', false, true, true, false, 0n, 10000000000000000000n, 1e19, [0, 0]],
  ['1E19', false, true, true, false, 0n, 10000000000000000000n, 1e19, [0, 0]],
  ['-1e19', false, false, true, false, 0n, 0n, -1e19, [0, 0]],
  ['0x_1p4', true, true, true, false, 16n, 16n, 16, [0, 0]],
  ['0X_1P4', true, true, true, false, 16n, 16n, 16, [0, 0]],
  ['0x_1p-4', false, false, true, false, 0n, 0n, 1 / 16, [0, 0]],
  ['4i', false, false, false, true, 0n, 0n, 0, [0, 4]],
  ['-1.2+4.2i', false, false, false, true, 0n, 0n, 0, [-1.2, 4.2]],
  ['073i', false, false, false, true, 0n, 0n, 0, [0, 73]], // not octal!
  // complex with 0 imaginary are float (and maybe integer)
  ['0i', true, true, true, true, 0n, 0n, 0, [0, 0]],
  ['-1.2+0i', false, false, true, true, 0n, 0n, -1.2, [-1.2, 0]],
  ['-12+0i', true, false, true, true, -12n, 0n, -12, [-12, 0]],
  ['13+0i', true, true, true, true, 13n, 13n, 13, [13, 0]],
  // funny bases
  ['0123', true, true, true, false, 0o123n, 0o123n, 0o123, [0, 0]],
  ['-0x0', true, true, true, false, 0n, 0n, 0, [0, 0]],
  ['0xdeadbeef', true, true, true, false, 0xdeadbeefn, 0xdeadbeefn, 0xdeadbeef, [0, 0]],
  // character constants
  ["'a'", true, true, true, false, 97n, 97n, 97, [0, 0]],
  ["'\\n'", true, true, true, false, 10n, 10n, 10, [0, 0]],
  ["'\\\\'", true, true, true, false, 92n, 92n, 92, [0, 0]],
  ["'\\''", true, true, true, false, 39n, 39n, 39, [0, 0]],
  ["'\\xFF'", true, true, true, false, 0xffn, 0xffn, 0xff, [0, 0]],
  ["'パ'", true, true, true, false, 0x30d1n, 0x30d1n, 0x30d1, [0, 0]],
  ["'\\u30d1'", true, true, true, false, 0x30d1n, 0x30d1n, 0x30d1, [0, 0]],
  ["'\\U000030d1'", true, true, true, false, 0x30d1n, 0x30d1n, 0x30d1, [0, 0]],
  // some broken syntax
  ['+-2'],
  ['0x123.'],
  ['1e.'],
  ['0xi.'],
  ['1+2.'],
  ["'x"],
  ["'xx'"],
  ["'433937734937734969526500969526500'"], // Integer too large - issue 10634.
  // Issue 8622 - 0xe parsed as floating point. Very embarrassing.
  ['0xef', true, true, true, false, 0xefn, 0xefn, 0xef, [0, 0]],
];

const COMPLEX_SYNTAX = new Set(['-1.2+4.2i', '-1.2+0i', '-12+0i', '13+0i']); // what fmt.Sscan reads as complex

test('numberTests', () => {
  for (const row of numberTests) {
    const text = row[0];
    const typ = text[0] === "'" ? ItemType.CharConstant : COMPLEX_SYNTAX.has(text) ? ItemType.Complex : ItemType.Number;
    const n = newNumber(info, 0, text, typ);
    if (row.length === 1) {
      assert.equal(typeof n, 'string', `expected error for ${text}`);
      continue;
    }
    assert.ok(n instanceof NumberNode, `unexpected error for ${text}: ${String(n)}`);
    const [, isInt, isUint, isFloat, isComplex, i64, u64, f64, c] = row;
    assert.equal(n.isComplex, isComplex, `complex ${text}`);
    assert.equal(n.isInt, isInt, `int ${text}`);
    if (isInt) assert.equal(n.int64, i64, `int64 ${text}`);
    assert.equal(n.isUint, isUint, `uint ${text}`);
    if (isUint) assert.equal(n.uint64, u64, `uint64 ${text}`);
    assert.equal(n.isFloat, isFloat, `float ${text}`);
    if (isFloat) assert.equal(n.float64, f64, `float64 ${text}`);
    if (isComplex) assert.deepEqual([n.complexRe, n.complexIm], c, `complex128 ${text}`);
  }
});

const noError = true;
const hasError = false;
const parseTests: [string, string, boolean, string][] = [
  ['empty', '', noError, ''],
  ['comment', '{{/*\n\n\n*/}}', noError, ''],
  ['spaces', ' \t\n', noError, '" \\t\\n"'],
  ['text', 'some text', noError, '"some text"'],
  ['emptyAction', '{{}}', hasError, '{{}}'],
  ['field', '{{.X}}', noError, '{{.X}}'],
  ['simple command', '{{printf}}', noError, '{{printf}}'],
  ['$ invocation', '{{$}}', noError, '{{$}}'],
  ['variable invocation', '{{with $x := 3}}{{$x 23}}{{end}}', noError, '{{with $x := 3}}{{$x 23}}{{end}}'],
  ['variable with fields', '{{$.I}}', noError, '{{$.I}}'],
  ['multi-word command', '{{printf `%d` 23}}', noError, '{{printf `%d` 23}}'],
  ['pipeline', '{{.X|.Y}}', noError, '{{.X | .Y}}'],
  ['pipeline with decl', '{{$x := .X|.Y}}', noError, '{{$x := .X | .Y}}'],
  ['nested pipeline', '{{.X (.Y .Z) (.A | .B .C) (.E)}}', noError, '{{.X (.Y .Z) (.A | .B .C) (.E)}}'],
  ['field applied to parentheses', '{{(.Y .Z).Field}}', noError, '{{(.Y .Z).Field}}'],
  ['simple if', '{{if .X}}hello{{end}}', noError, '{{if .X}}"hello"{{end}}'],
  ['if with else', '{{if .X}}true{{else}}false{{end}}', noError, '{{if .X}}"true"{{else}}"false"{{end}}'],
  ['if with else if', '{{if .X}}true{{else if .Y}}false{{end}}', noError, '{{if .X}}"true"{{else}}{{if .Y}}"false"{{end}}{{end}}'],
  ['if else chain', '+{{if .X}}X{{else if .Y}}Y{{else if .Z}}Z{{end}}+', noError, '"+"{{if .X}}"X"{{else}}{{if .Y}}"Y"{{else}}{{if .Z}}"Z"{{end}}{{end}}{{end}}"+"'],
  ['simple range', '{{range .X}}hello{{end}}', noError, '{{range .X}}"hello"{{end}}'],
  ['chained field range', '{{range .X.Y.Z}}hello{{end}}', noError, '{{range .X.Y.Z}}"hello"{{end}}'],
  ['nested range', '{{range .X}}hello{{range .Y}}goodbye{{end}}{{end}}', noError, '{{range .X}}"hello"{{range .Y}}"goodbye"{{end}}{{end}}'],
  ['range with else', '{{range .X}}true{{else}}false{{end}}', noError, '{{range .X}}"true"{{else}}"false"{{end}}'],
  ['range over pipeline', '{{range .X|.M}}true{{else}}false{{end}}', noError, '{{range .X | .M}}"true"{{else}}"false"{{end}}'],
  ['range []int', '{{range .SI}}{{.}}{{end}}', noError, '{{range .SI}}{{.}}{{end}}'],
  ['range 1 var', '{{range $x := .SI}}{{.}}{{end}}', noError, '{{range $x := .SI}}{{.}}{{end}}'],
  ['range 2 vars', '{{range $x, $y := .SI}}{{.}}{{end}}', noError, '{{range $x, $y := .SI}}{{.}}{{end}}'],
  ['range with break', '{{range .SI}}{{.}}{{break}}{{end}}', noError, '{{range .SI}}{{.}}{{break}}{{end}}'],
  ['range with continue', '{{range .SI}}{{.}}{{continue}}{{end}}', noError, '{{range .SI}}{{.}}{{continue}}{{end}}'],
  ['constants', "{{range .SI 1 -3.2i true false 'a' nil}}{{end}}", noError, "{{range .SI 1 -3.2i true false 'a' nil}}{{end}}"],
  ['template', '{{template `x`}}', noError, '{{template "x"}}'],
  ['template with arg', '{{template `x` .Y}}', noError, '{{template "x" .Y}}'],
  ['with', '{{with .X}}hello{{end}}', noError, '{{with .X}}"hello"{{end}}'],
  ['with with else', '{{with .X}}hello{{else}}goodbye{{end}}', noError, '{{with .X}}"hello"{{else}}"goodbye"{{end}}'],
  // Go 1.23 added {{else with}}; Go 1.19 rejects it.
  ['with with else with', '{{with .X}}hello{{else with .Y}}goodbye{{end}}', hasError, ''],
  ['with else chain', '{{with .X}}X{{else with .Y}}Y{{else with .Z}}Z{{end}}', hasError, ''],
  // Trimming spaces.
  ['trim left', 'x \r\n\t{{- 3}}', noError, '"x"{{3}}'],
  ['trim right', '{{3 -}}\n\n\ty', noError, '{{3}}"y"'],
  ['trim left and right', 'x \r\n\t{{- 3 -}}\n\n\ty', noError, '"x"{{3}}"y"'],
  ['trim with extra spaces', 'x\n{{-  3   -}}\ny', noError, '"x"{{3}}"y"'],
  ['comment trim left', 'x \r\n\t{{- /* hi */}}', noError, '"x"'],
  ['comment trim right', '{{/* hi */ -}}\n\n\ty', noError, '"y"'],
  ['comment trim left and right', 'x \r\n\t{{- /* */ -}}\n\n\ty', noError, '"x""y"'],
  ['block definition', '{{block "foo" .}}hello{{end}}', noError, '{{template "foo" .}}'],
  ['newline in assignment', '{{ $x \n := \n 1 \n }}', noError, '{{$x := 1}}'],
  ['newline in empty action', '{{\n}}', hasError, '{{\n}}'],
  ['newline in pipeline', '{{\n"x"\n|\nprintf\n}}', noError, '{{"x" | printf}}'],
  ['newline in comment', '{{/*\nhello\n*/}}', noError, ''],
  ['newline in comment', '{{-\n/*\nhello\n*/\n-}}', noError, ''],
  ['spaces around continue', '{{range .SI}}{{.}}{{ continue }}{{end}}', noError, '{{range .SI}}{{.}}{{continue}}{{end}}'],
  ['spaces around break', '{{range .SI}}{{.}}{{ break }}{{end}}', noError, '{{range .SI}}{{.}}{{break}}{{end}}'],
  // Errors.
  ['unclosed action', 'hello{{range', hasError, ''],
  ['unmatched end', '{{end}}', hasError, ''],
  ['unmatched else', '{{else}}', hasError, ''],
  ['unmatched else after if', '{{if .X}}hello{{end}}{{else}}', hasError, ''],
  ['multiple else', '{{if .X}}1{{else}}2{{else}}3{{end}}', hasError, ''],
  ['missing end', 'hello{{range .x}}', hasError, ''],
  ['missing end after else', 'hello{{range .x}}{{else}}', hasError, ''],
  ['undefined function', 'hello{{undefined}}', hasError, ''],
  ['undefined variable', '{{$x}}', hasError, ''],
  ['variable undefined after end', '{{with $x := 4}}{{end}}{{$x}}', hasError, ''],
  ['variable undefined in template', '{{template $v}}', hasError, ''],
  ['declare with field', '{{with $x.Y := 4}}{{end}}', hasError, ''],
  ['template with field ref', '{{template .X}}', hasError, ''],
  ['template with var', '{{template $v}}', hasError, ''],
  ['invalid punctuation', '{{printf 3, 4}}', hasError, ''],
  ['multidecl outside range', '{{with $v, $u := 3}}{{end}}', hasError, ''],
  ['too many decls in range', '{{range $u, $v, $w := 3}}{{end}}', hasError, ''],
  ['dot applied to parentheses', '{{printf (printf .).}}', hasError, ''],
  ['adjacent args', '{{printf 3`x`}}', hasError, ''],
  ['adjacent args with .', '{{printf `x`.}}', hasError, ''],
  ['extra end after if', '{{if .X}}a{{else if .Y}}b{{end}}{{end}}', hasError, ''],
  ['break outside range', '{{range .}}{{end}} {{break}}', hasError, ''],
  ['continue outside range', '{{range .}}{{end}} {{continue}}', hasError, ''],
  ['break in range else', '{{range .}}{{else}}{{break}}{{end}}', hasError, ''],
  ['continue in range else', '{{range .}}{{else}}{{continue}}{{end}}', hasError, ''],
  // Other kinds of assignments and operators aren't available yet.
  ['bug0a', '{{$x := 0}}{{$x}}', noError, '{{$x := 0}}{{$x}}'],
  ['bug0b', '{{$x += 1}}{{$x}}', hasError, ''],
  ['bug0c', '{{$x ! 2}}{{$x}}', hasError, ''],
  ['bug0d', '{{$x % 3}}{{$x}}', hasError, ''],
  // Check the parse fails for := rather than comma.
  ['bug0e', '{{range $x := $y := 3}}{{end}}', hasError, ''],
  // Another bug: variable read must ignore following punctuation.
  ['bug1a', '{{$x:=.}}{{$x!2}}', hasError, ''], // ! is just illegal here.
  ['bug1b', '{{$x:=.}}{{$x+2}}', hasError, ''], // $x+2 should not parse as ($x) (+2).
  ['bug1c', '{{$x:=.}}{{$x +2}}', noError, '{{$x := .}}{{$x +2}}'], // It's OK with a space.
  // Check the range handles assignment vs. declaration properly.
  ['bug2a', '{{range $x := 0}}{{$x}}{{end}}', noError, '{{range $x := 0}}{{$x}}{{end}}'],
  ['bug2b', '{{range $x = 0}}{{$x}}{{end}}', noError, '{{range $x = 0}}{{$x}}{{end}}'],
  // dot following a literal value
  ['dot after integer', '{{1.E}}', hasError, ''],
  ['dot after float', '{{0.1.E}}', hasError, ''],
  ['dot after boolean', '{{true.E}}', hasError, ''],
  ['dot after char', "{{'a'.any}}", hasError, ''],
  ['dot after string', '{{"hello".guys}}', hasError, ''],
  ['dot after dot', '{{..E}}', hasError, ''],
  ['dot after nil', '{{nil.E}}', hasError, ''],
  // Wrong pipeline
  ['wrong pipeline dot', '{{12|.}}', hasError, ''],
  ['wrong pipeline number', '{{.|12|printf}}', hasError, ''],
  ['wrong pipeline string', '{{.|printf|"error"}}', hasError, ''],
  ['wrong pipeline char', "{{12|printf|'e'}}", hasError, ''],
  ['wrong pipeline boolean', '{{.|true}}', hasError, ''],
  ['wrong pipeline nil', "{{'c'|nil}}", hasError, ''],
  ['empty pipeline', '{{printf "%d" ( ) }}', hasError, ''],
  // Missing pipeline in block
  ['block definition', '{{block "foo"}}hello{{end}}', hasError, ''],
  // Expression nesting (Go's tests lower the limit to 3; ours, MAX_STACK_DEPTH, is checked below).
  ['paren nesting normal', '{{ (( 1 )) }}', noError, '{{((1))}}'],
  ['paren nesting in pipeline', '{{ ((( 1 ))) | printf }}', noError, '{{(((1))) | printf}}'],
  ['paren nesting with other constructs', '{{ if ((( true ))) }}YES{{ end }}', noError, '{{if (((true)))}}"YES"{{end}}'],
];

const testFuncs = new Set(['printf', 'contains']);
const hasFunction = (n: string) => testFuncs.has(n);

function parseRoot(name: string, input: string, opts: { parseComments?: boolean; skipFuncCheck?: boolean; funcs?: Set<string> } = {}): string {
  const funcs = opts.funcs ?? testFuncs;
  const trees = parse(name, input, { hasFunction: (n) => funcs.has(n), parseComments: opts.parseComments ?? false, skipFuncCheck: opts.skipFuncCheck ?? false });
  return trees.get(name)!.root.toString(true);
}


test('parseTests', () => {
  for (const [name, input, ok, result] of parseTests) {
    let got: string;
    try {
      got = parseRoot(name, input);
    } catch (e) {
      assert.ok(e instanceof TemplateParseError, `${name}: ${String(e)}`);
      assert.equal(ok, false, `${name}: unexpected error: ${e.message}`);
      continue;
    }
    assert.equal(ok, true, `${name}: expected error; got none`);
    assert.equal(got, result, name);
  }
});

test('max expression depth', () => {
  const deep = '{{' + '('.repeat(MAX_STACK_DEPTH + 1) + '1' + ')'.repeat(MAX_STACK_DEPTH + 1) + '}}';
  assert.throws(() => parseRoot('test', deep), { message: 'template: test:1: max expression depth exceeded' });
  const ok = '{{' + '('.repeat(100) + '1' + ')'.repeat(100) + '}}';
  assert.equal(parseRoot('test', ok), ok);
});

test('TestParseWithComments', () => {
  const tests: [string, string, string][] = [
    ['comment', '{{/*\n\n\n*/}}', '{{/*\n\n\n*/}}'],
    ['comment trim left', 'x \r\n\t{{- /* hi */}}', '"x"{{/* hi */}}'],
    ['comment trim right', '{{/* hi */ -}}\n\n\ty', '{{/* hi */}}"y"'],
    ['comment trim left and right', 'x \r\n\t{{- /* */ -}}\n\n\ty', '"x"{{/* */}}"y"'],
  ];
  for (const [name, input, result] of tests) assert.equal(parseRoot(name, input, { parseComments: true, funcs: new Set() }), result, name);
});

test('TestKeywordsAndFuncs: a function named break is a function, not the keyword', () => {
  const inp = '{{range .X}}{{break 20}}{{end}}';
  assert.equal(parseRoot('', inp, { funcs: new Set(['break']) }), inp);
  assert.throws(() => parseRoot('', inp, { funcs: new Set() }), TemplateParseError);
});

test('TestSkipFuncCheck', () => {
  assert.equal(parseRoot('skip func check', '{{fn 1 2}}', { skipFuncCheck: true, funcs: new Set() }), '{{fn 1 2}}');
});

test('isEmptyTests', () => {
  const tests: [string, string, boolean][] = [
    ['empty', '', true],
    ['nonempty', 'hello', false],
    ['spaces only', ' \t\n \t\n', true],
    ['comment only', '{{/* comment */}}', true],
    ['definition', '{{define "x"}}something{{end}}', true],
    ['definitions and space', '{{define `x`}}something{{end}}\n\n{{define `y`}}something{{end}}\n\n', true],
    ['definitions and text', '{{define `x`}}something{{end}}\nx\n{{define `y`}}something{{end}}\ny\n', false],
    ['definition and action', '{{define `x`}}something{{end}}{{if 3}}foo{{end}}', false],
  ];
  assert.equal(isEmptyTree(null), true);
  for (const [name, input, empty] of tests) {
    const root = parse('root', input, { hasFunction: () => false }).get('root')!.root;
    assert.equal(isEmptyTree(root), empty, name);
  }
});

// All failures; the result must appear in the error message.
const errorTests: [string, string, string][] = [
  // Check line numbers are accurate.
  ['unclosed1', 'line1\n{{', 'unclosed1:2: unclosed action'],
  ['unclosed2', 'line1\n{{define `x`}}line2\n{{', 'unclosed2:3: unclosed action'],
  ['unclosed3', 'line1\n{{"x"\n"y"\n', 'unclosed3:4: unclosed action started at unclosed3:2'],
  ['unclosed4', '{{\n\n\n\n\n', 'unclosed4:6: unclosed action started at unclosed4:1'],
  ['var1', 'line1\n{{\nx\n}}', 'var1:3: function "x" not defined'],
  // Specific errors.
  ['function', '{{foo}}', 'function "foo" not defined'],
  ['comment1', '{{/*}}', 'comment1:1: unclosed comment'],
  ['comment2', '{{/*\nhello\n}}', 'comment2:1: unclosed comment'],
  ['lparen', '{{.X (1 2 3}}', 'unclosed left paren'],
  ['rparen', '{{.X 1 2 3 ) }}', 'unexpected right paren'],
  ['rparen2', '{{(.X 1 2 3', 'unclosed action'],
  ['space', '{{`x`3}}', 'in operand'],
  ['idchar', '{{a#}}', "'#'"],
  ['charconst', "{{'a}}", 'unterminated character constant'],
  ['stringconst', '{{"a}}', 'unterminated quoted string'],
  ['rawstringconst', '{{`a}}', 'unterminated raw quoted string'],
  ['number', '{{0xi}}', 'number syntax'],
  ['multidefine', '{{define `a`}}a{{end}}{{define `a`}}b{{end}}', 'multiple definition of template'],
  ['eof', '{{range .X}}', 'unexpected EOF'],
  ['variable', '{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}', 'unexpected ":="'],
  ['multidecl', '{{$a,$b,$c := 23}}', 'too many declarations'],
  ['undefvar', '{{$a}}', 'undefined variable'],
  ['wrongdot', '{{true.any}}', 'unexpected . after term'],
  ['wrongpipeline', '{{12|false}}', 'non executable command in pipeline'],
  ['emptypipeline', '{{ ( ) }}', 'missing value for parenthesized pipeline'],
  ['multilinerawstring', '{{ $v := `\n` }} {{', 'multilinerawstring:2: unclosed action'],
  ['rangeundefvar', '{{range $k}}{{end}}', 'undefined variable'],
  ['rangeundefvars', '{{range $k, $v}}{{end}}', 'undefined variable'],
  ['rangemissingvalue1', '{{range $k,}}{{end}}', 'missing value for range'],
  ['rangemissingvalue2', '{{range $k, $v := }}{{end}}', 'missing value for range'],
  ['rangenotvariable1', '{{range $k, .}}{{end}}', 'range can only initialize variables'],
  ['rangenotvariable2', '{{range $k, 123 := .}}{{end}}', 'range can only initialize variables'],
];

test('errorTests', () => {
  for (const [name, input, result] of errorTests) {
    assert.throws(() => parse(name, input, { hasFunction: () => false }), (e: unknown) => {
      assert.ok(e instanceof TemplateParseError, name);
      assert.ok(e.message.includes(result), `${name}: error ${JSON.stringify(e.message)} does not contain ${JSON.stringify(result)}`);
      return true;
    });
  }
});

test('exact parse error messages (Go format, confd corpus)', () => {
  const cases: [string, string][] = [
    ['{{ /* c */ }}\n', 'template: case.tmpl:1: unexpected "/" in command'],
    ['{{if false}}a{{else with "x"}}{{.}}{{end}}\n', 'template: case.tmpl:1: unexpected <with> in else'],
    ['{{define "x"}}1{{end}}{{define "x"}}2{{end}}\n', 'template: case.tmpl:1: template: multiple definition of template "x"'],
    ['{{nosuchfunc 1}}\n', 'template: case.tmpl:1: function "nosuchfunc" not defined'],
    ['{{if true}}a\n', 'template: case.tmpl:2: unexpected EOF'],
    ['{{}}\n', 'template: case.tmpl:1: missing value for command'],
    ['{{(print "a"}}\n', 'template: case.tmpl:1: unclosed left paren'],
    ['{{range .}}{{end}} {{break}}', 'template: case.tmpl:1: {{break}} outside {{range}}'],
    ['x\n{{printf 3 4 5 | "s"}}', 'template: case.tmpl:2: non executable command in pipeline stage 2'],
    ['{{"a}}', 'template: case.tmpl:1: unterminated quoted string'],
    ['{{"\\q"}}', 'template: case.tmpl:1: invalid syntax'],
    ['{{08}}', 'template: case.tmpl:1: integer overflow: "08"'],
    ['{{99999999999999999999}}', 'template: case.tmpl:1: integer overflow: "99999999999999999999"'],
  ];
  for (const [input, msg] of cases) {
    assert.throws(() => parse('case.tmpl', input, { hasFunction: (n) => n === 'print' || n === 'printf' }), { message: msg }, input);
  }
});

test('TestBlock', () => {
  const trees = parse('outer', 'a{{block "inner" .}}bar{{.}}baz{{end}}b', { hasFunction: () => false });
  assert.equal(trees.get('outer')!.root.toString(), 'a{{template "inner" .}}b');
  assert.equal(trees.get('inner')!.root.toString(), 'bar{{.}}baz');
});

test('TestLineNum', () => {
  const root = parse('bench', '{{printf 1234}}\n'.repeat(3), { hasFunction }).get('bench')!.root;
  for (let i = 0; i < root.nodes.length; i += 2) {
    const action = root.nodes[i] as ActionNode;
    assert.equal(action.type, NodeType.Action);
    assert.equal(action.line, 1 + i / 2);
    assert.equal(action.pipe.line, 1 + i / 2);
  }
});
