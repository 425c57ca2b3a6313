// Port of Go 1.19 text/template/parse/lex_test.go: lexTests, lexDelimTests, the alphanumeric/marker delimiter
// tests and lexPosTests. Differences from the Go 1.23 file this was read from, restored to 1.19 behaviour:
// "extra right paren" reports the rune (`unexpected right paren U+0029 ')'`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ItemType as I, Lexer, type Item } from './lex.js';

type Expect = [I, string];
const mk = (t: I, v: string): Expect => [t, v];
const tDot = mk(I.Dot, '.');
const tBlock = mk(I.Block, 'block');
const tEOF = mk(I.EOF, '');
const tFor = mk(I.Identifier, 'for');
const tLeft = mk(I.LeftDelim, '{{');
const tLpar = mk(I.LeftParen, '(');
const tPipe = mk(I.Pipe, '|');
const tQuote = mk(I.String, '"abc \\n\\t\\" "');
const tRange = mk(I.Range, 'range');
const tRight = mk(I.RightDelim, '}}');
const tRpar = mk(I.RightParen, ')');
const tSpace = mk(I.Space, ' ');
const raw = '`abc\\n\\t\\" `';
const rawNL = '`now is{{\n}}the time`';
const tRawQuote = mk(I.RawString, raw);
const tRawQuoteNL = mk(I.RawString, rawNL);
const num = (v: string) => mk(I.Number, v);

const lexTests: [string, string, Expect[]][] = [
  ['empty', '', [tEOF]],
  ['spaces', ' \t\n', [mk(I.Text, ' \t\n'), tEOF]],
  ['text', 'now is the time', [mk(I.Text, 'now is the time'), tEOF]],
  ['text with comment', 'hello-{{/* this is a comment */}}-world', [mk(I.Text, 'hello-'), mk(I.Comment, '/* this is a comment */'), mk(I.Text, '-world'), tEOF]],
  ['punctuation', '{{,@% }}', [tLeft, mk(I.Char, ','), mk(I.Char, '@'), mk(I.Char, '%'), tSpace, tRight, tEOF]],
  ['parens', '{{((3))}}', [tLeft, tLpar, tLpar, num('3'), tRpar, tRpar, tRight, tEOF]],
  ['empty action', '{{}}', [tLeft, tRight, tEOF]],
  ['for', '{{for}}', [tLeft, tFor, tRight, tEOF]],
  ['block', '{{block "foo" .}}', [tLeft, tBlock, tSpace, mk(I.String, '"foo"'), tSpace, tDot, tRight, tEOF]],
  ['quote', '{{"abc \\n\\t\\" "}}', [tLeft, tQuote, tRight, tEOF]],
  ['raw quote', '{{' + raw + '}}', [tLeft, tRawQuote, tRight, tEOF]],
  ['raw quote with newline', '{{' + rawNL + '}}', [tLeft, tRawQuoteNL, tRight, tEOF]],
  ['numbers', '{{1 02 0x14 0X14 -7.2i 1e3 1E3 +1.2e-4 4.2i 1+2i 1_2 0x1.e_fp4 0X1.E_FP4}}', [
    tLeft, num('1'), tSpace, num('02'), tSpace, num('0x14'), tSpace, num('0X14'), tSpace, num('-7.2i'), tSpace,
    num('1e3'), tSpace, num('1E3'), tSpace, num('+1.2e-4'), tSpace, num('4.2i'), tSpace, mk(I.Complex, '1+2i'),
    tSpace, num('1_2'), tSpace, num('0x1.e_fp4'), tSpace, num('0X1.E_FP4'), tRight, tEOF,
  ]],
  ['characters', "{{'a' '\\n' '\\'' '\\\\' '\\u00FF' '\\xFF' '本'}}", [
    tLeft, mk(I.CharConstant, "'a'"), tSpace, mk(I.CharConstant, "'\\n'"), tSpace, mk(I.CharConstant, "'\\''"),
    tSpace, mk(I.CharConstant, "'\\\\'"), tSpace, mk(I.CharConstant, "'\\u00FF'"), tSpace,
    mk(I.CharConstant, "'\\xFF'"), tSpace, mk(I.CharConstant, "'本'"), tRight, tEOF,
  ]],
  ['bools', '{{true false}}', [tLeft, mk(I.Bool, 'true'), tSpace, mk(I.Bool, 'false'), tRight, tEOF]],
  ['dot', '{{.}}', [tLeft, tDot, tRight, tEOF]],
  ['nil', '{{nil}}', [tLeft, mk(I.Nil, 'nil'), tRight, tEOF]],
  ['dots', '{{.x . .2 .x.y.z}}', [tLeft, mk(I.Field, '.x'), tSpace, tDot, tSpace, num('.2'), tSpace, mk(I.Field, '.x'), mk(I.Field, '.y'), mk(I.Field, '.z'), tRight, tEOF]],
  ['keywords', '{{range if else end with}}', [tLeft, mk(I.Range, 'range'), tSpace, mk(I.If, 'if'), tSpace, mk(I.Else, 'else'), tSpace, mk(I.End, 'end'), tSpace, mk(I.With, 'with'), tRight, tEOF]],
  ['variables', '{{$c := printf $ $hello $23 $ $var.Field .Method}}', [
    tLeft, mk(I.Variable, '$c'), tSpace, mk(I.Declare, ':='), tSpace, mk(I.Identifier, 'printf'), tSpace,
    mk(I.Variable, '$'), tSpace, mk(I.Variable, '$hello'), tSpace, mk(I.Variable, '$23'), tSpace,
    mk(I.Variable, '$'), tSpace, mk(I.Variable, '$var'), mk(I.Field, '.Field'), tSpace, mk(I.Field, '.Method'), tRight, tEOF,
  ]],
  ['variable invocation', '{{$x 23}}', [tLeft, mk(I.Variable, '$x'), tSpace, num('23'), tRight, tEOF]],
  ['pipeline', 'intro {{echo hi 1.2 |noargs|args 1 "hi"}} outro', [
    mk(I.Text, 'intro '), tLeft, mk(I.Identifier, 'echo'), tSpace, mk(I.Identifier, 'hi'), tSpace, num('1.2'),
    tSpace, tPipe, mk(I.Identifier, 'noargs'), tPipe, mk(I.Identifier, 'args'), tSpace, num('1'), tSpace,
    mk(I.String, '"hi"'), tRight, mk(I.Text, ' outro'), tEOF,
  ]],
  ['declaration', '{{$v := 3}}', [tLeft, mk(I.Variable, '$v'), tSpace, mk(I.Declare, ':='), tSpace, num('3'), tRight, tEOF]],
  ['2 declarations', '{{$v , $w := 3}}', [tLeft, mk(I.Variable, '$v'), tSpace, mk(I.Char, ','), tSpace, mk(I.Variable, '$w'), tSpace, mk(I.Declare, ':='), tSpace, num('3'), tRight, tEOF]],
  ['field of parenthesized expression', '{{(.X).Y}}', [tLeft, tLpar, mk(I.Field, '.X'), tRpar, mk(I.Field, '.Y'), tRight, tEOF]],
  ['trimming spaces before and after', 'hello- {{- 3 -}} -world', [mk(I.Text, 'hello-'), tLeft, num('3'), tRight, mk(I.Text, '-world'), tEOF]],
  ['trimming spaces before and after comment', 'hello- {{- /* hello */ -}} -world', [mk(I.Text, 'hello-'), mk(I.Comment, '/* hello */'), mk(I.Text, '-world'), tEOF]],
  // errors
  ['badchar', '#{{\x01}}', [mk(I.Text, '#'), tLeft, mk(I.Error, 'unrecognized character in action: U+0001')]],
  ['unclosed action', '{{', [tLeft, mk(I.Error, 'unclosed action')]],
  ['EOF in action', '{{range', [tLeft, tRange, mk(I.Error, 'unclosed action')]],
  ['unclosed quote', '{{"\n"}}', [tLeft, mk(I.Error, 'unterminated quoted string')]],
  ['unclosed raw quote', '{{`xx}}', [tLeft, mk(I.Error, 'unterminated raw quoted string')]],
  ['unclosed char constant', "{{'\n}}", [tLeft, mk(I.Error, 'unterminated character constant')]],
  ['bad number', '{{3k}}', [tLeft, mk(I.Error, 'bad number syntax: "3k"')]],
  ['unclosed paren', '{{(3}}', [tLeft, tLpar, num('3'), mk(I.Error, 'unclosed left paren')]],
  ['extra right paren', '{{3)}}', [tLeft, num('3'), mk(I.Error, "unexpected right paren U+0029 ')'")]],
  // Fixed bugs: many elements in an action blew the lookahead until lexInsideAction stopped looping.
  ['long pipeline deadlock', '{{|||||}}', [tLeft, tPipe, tPipe, tPipe, tPipe, tPipe, tRight, tEOF]],
  ['text with bad comment', 'hello-{{/*/}}-world', [mk(I.Text, 'hello-'), mk(I.Error, 'unclosed comment')]],
  ['text with comment close separated from delim', 'hello-{{/* */ }}-world', [mk(I.Text, 'hello-'), mk(I.Error, 'comment ends before closing delimiter')]],
  // An error Go can't catch because it breaks templates with minimized JavaScript.
  ['unmatched right delimiter', 'hello-{.}}-world', [mk(I.Text, 'hello-{.}}-world'), tEOF]],
];

function collect(input: string, left?: string, right?: string): Item[] {
  const l = new Lexer(input, left, right, { emitComment: true, breakOK: true, continueOK: true });
  const items: Item[] = [];
  for (;;) {
    const item = l.nextItem();
    items.push(item);
    if (item.typ === I.EOF || item.typ === I.Error) return items;
  }
}

const show = (items: Item[]) => items.map((i) => [I[i.typ], i.val]);
const showE = (items: Expect[]) => items.map(([t, v]) => [I[t], v]);

test('lexTests', () => {
  for (const [name, input, want] of lexTests) {
    assert.deepEqual(show(collect(input)), showE(want), name);
  }
});

test('lexDelimTests ($$ and @@)', () => {
  const tLeftDelim = mk(I.LeftDelim, '$$');
  const tRightDelim = mk(I.RightDelim, '@@');
  const cases: [string, string, Expect[]][] = [
    ['punctuation', '$$,@%{{}}@@', [tLeftDelim, mk(I.Char, ','), mk(I.Char, '@'), mk(I.Char, '%'), mk(I.Char, '{'), mk(I.Char, '{'), mk(I.Char, '}'), mk(I.Char, '}'), tRightDelim, tEOF]],
    ['empty action', '$$@@', [tLeftDelim, tRightDelim, tEOF]],
    ['for', '$$for@@', [tLeftDelim, tFor, tRightDelim, tEOF]],
    ['quote', '$$"abc \\n\\t\\" "@@', [tLeftDelim, tQuote, tRightDelim, tEOF]],
    ['raw quote', '$$' + raw + '@@', [tLeftDelim, tRawQuote, tRightDelim, tEOF]],
  ];
  for (const [name, input, want] of cases) assert.deepEqual(show(collect(input, '$$', '@@')), showE(want), name);
});

test('delimiters with an alphanumeric start, and delimiters that look like trim markers', () => {
  assert.deepEqual(show(collect('{{hub .host hub}}', '{{hub', 'hub}}')), showE([
    mk(I.LeftDelim, '{{hub'), mk(I.Space, ' '), mk(I.Field, '.host'), mk(I.Space, ' '), mk(I.RightDelim, 'hub}}'), tEOF,
  ]));
  assert.deepEqual(show(collect('{{- .x -}} {{- - .x - -}}', '{{- ', ' -}}')), showE([
    mk(I.LeftDelim, '{{- '), mk(I.Field, '.x'), mk(I.RightDelim, ' -}}'), mk(I.LeftDelim, '{{- '), mk(I.Field, '.x'), mk(I.RightDelim, ' -}}'), tEOF,
  ]));
});

test('lexPosTests: positions and lines', () => {
  const cases: [string, string, [I, number, string, number][]][] = [
    ['empty', '', [[I.EOF, 0, '', 1]]],
    ['punctuation', '{{,@%#}}', [[I.LeftDelim, 0, '{{', 1], [I.Char, 2, ',', 1], [I.Char, 3, '@', 1], [I.Char, 4, '%', 1], [I.Char, 5, '#', 1], [I.RightDelim, 6, '}}', 1], [I.EOF, 8, '', 1]]],
    ['sample', '0123{{hello}}xyz', [[I.Text, 0, '0123', 1], [I.LeftDelim, 4, '{{', 1], [I.Identifier, 6, 'hello', 1], [I.RightDelim, 11, '}}', 1], [I.Text, 13, 'xyz', 1], [I.EOF, 16, '', 1]]],
    ['trimafter', '{{x -}}\n{{y}}', [[I.LeftDelim, 0, '{{', 1], [I.Identifier, 2, 'x', 1], [I.RightDelim, 5, '}}', 1], [I.LeftDelim, 8, '{{', 2], [I.Identifier, 10, 'y', 2], [I.RightDelim, 11, '}}', 2], [I.EOF, 13, '', 2]]],
    ['trimbefore', '{{x}}\n{{- y}}', [[I.LeftDelim, 0, '{{', 1], [I.Identifier, 2, 'x', 1], [I.RightDelim, 3, '}}', 1], [I.LeftDelim, 6, '{{', 2], [I.Identifier, 10, 'y', 2], [I.RightDelim, 11, '}}', 2], [I.EOF, 13, '', 2]]],
    ['longcomment', '{{/*\n*/}}\n{{undefinedFunction "test"}}', [[I.Comment, 2, '/*\n*/', 1], [I.Text, 9, '\n', 2], [I.LeftDelim, 10, '{{', 3], [I.Identifier, 12, 'undefinedFunction', 3], [I.Space, 29, ' ', 3], [I.String, 30, '"test"', 3], [I.RightDelim, 36, '}}', 3], [I.EOF, 38, '', 3]]],
  ];
  for (const [name, input, want] of cases) {
    assert.deepEqual(collect(input).map((i) => [i.typ, i.pos, i.val, i.line]), want, name);
  }
});

test('break and continue are identifiers when functions of those names exist', () => {
  const l = new Lexer('{{break continue}}', undefined, undefined, { breakOK: false, continueOK: false });
  const types = [l.nextItem(), l.nextItem(), l.nextItem(), l.nextItem()].map((i) => i.typ);
  assert.deepEqual(types, [I.LeftDelim, I.Identifier, I.Space, I.Identifier]);
});
