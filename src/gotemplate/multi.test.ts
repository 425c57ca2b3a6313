// Port of Go 1.19 text/template multi_test.go: multiParseTests, multiExecTests, redefinition and empty-template
// rules. Our Template parses one text (as confd does: one file per template), so the Go tests' separate Parse
// calls are concatenated into one text; Clone/AddParseTree/ParseFiles/ParseGlob/ParseFS have no equivalent here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GO_TYPE, T, goFunc, goSlice, type StructType } from '../govalue/index.js';
import { Template, TemplateParseError } from './index.js';

test('multiParseTests', () => {
  const cases: [string, string, boolean, string[], string[]][] = [
    ['empty', '', true, [], []],
    ['one', '{{define "foo"}} FOO {{end}}', true, ['foo'], [' FOO ']],
    ['two', '{{define "foo"}} FOO {{end}}{{define "bar"}} BAR {{end}}', true, ['foo', 'bar'], [' FOO ', ' BAR ']],
    // errors
    ['missing end', '{{define "foo"}} FOO ', false, [], []],
    ['malformed name', '{{define "foo}} FOO ', false, [], []],
  ];
  for (const [name, input, ok, names, results] of cases) {
    let t: Template;
    try {
      t = Template.parse('root', input, {});
    } catch (e) {
      assert.ok(e instanceof TemplateParseError, name);
      assert.equal(ok, false, `${name}: unexpected error: ${e.message}`);
      continue;
    }
    assert.equal(ok, true, `${name}: expected error; got none`);
    assert.deepEqual(t.templateNames().sort(), ['root', ...names].sort(), name);
    names.forEach((n, i) => assert.equal(t.treeString(n), results[i], `${name}: ${n}`));
  }
});

test('multiExecTests', () => {
  const U_T: StructType = { kind: 'struct', name: 'template.U', fields: [{ name: 'V', type: T.string }] };
  const T_T: StructType = {
    kind: 'struct',
    name: 'template.T',
    fields: [{ name: 'I', type: T.int }, { name: 'SI', type: T.slice(T.int) }, { name: 'U', type: T.ptr(U_T) }],
  };
  const tVal = { [GO_TYPE]: T.ptr(T_T), I: 17, SI: goSlice(T.int, [3, 4, 5]), U: { [GO_TYPE]: T.ptr(U_T), V: 'v' } };
  // multiText1 and multiText2, without the whitespace between definitions (it would be part of our main text).
  const defs = '{{define "x"}}TEXT{{end}}{{define "dotV"}}{{.V}}{{end}}{{define "dot"}}{{.}}{{end}}{{define "nested"}}{{template "dot" .}}{{end}}';
  const funcs = { oneArg: goFunc({ params: [T.string], result: T.string }, (a: string) => 'oneArg=' + a) };
  const cases: [string, string, string, unknown][] = [
    ['empty', '', '', null],
    ['text', 'some text', 'some text', null],
    ['invoke x', '{{template "x" .SI}}', 'TEXT', tVal],
    ['invoke x no args', '{{template "x"}}', 'TEXT', tVal],
    ['invoke dot int', '{{template "dot" .I}}', '17', tVal],
    ['invoke dot []int', '{{template "dot" .SI}}', '[3 4 5]', tVal],
    ['invoke dotV', '{{template "dotV" .U}}', 'v', tVal],
    ['invoke nested int', '{{template "nested" .I}}', '17', tVal],
    ['variable declared by template', '{{template "nested" $x:=.SI}},{{index $x 1}}', '[3 4 5],4', tVal],
    // User-defined function: test argument evaluator.
    ['testFunc literal', '{{oneArg "joe"}}', 'oneArg=joe', tVal],
    ['testFunc .', '{{oneArg .}}', 'oneArg=joe', 'joe'],
  ];
  for (const [name, input, output, data] of cases) {
    assert.equal(Template.parse(name, defs + input, { funcs }).execute(data), output, name);
  }
});

test('redefinition: a non-empty template may not be defined twice in one text; empty definitions give way', () => {
  assert.throws(() => Template.parse('t', '{{define "test"}}foo{{end}}{{define "test"}}bar{{end}}', {}), {
    message: 'template: t:1: template: multiple definition of template "test"',
  });
  // Empty and comment-only definitions never conflict, and never replace a real one.
  assert.equal(Template.parse('t', '{{define "test"}}{{end}}{{define "test"}}{{/* c */}}{{end}}{{define "test"}}foo{{end}}{{template "test"}}', {}).execute(null), 'foo');
  // Issue 19294: an empty block is replaced by the definition, whichever comes first.
  assert.equal(Template.parse('t', '{{define "stylesheet"}}stylesheet{{end}}{{block "stylesheet" .}}{{end}}', {}).execute(0), 'stylesheet');
  assert.equal(Template.parse('t', '{{block "stylesheet" .}}{{end}}{{define "stylesheet"}}stylesheet{{end}}', {}).execute(0), 'stylesheet');
  // A main text of only definitions and space is empty: a define of the same name replaces it.
  assert.equal(Template.parse('t', '  {{define "t"}}from define{{end}}\n', {}).execute(null), 'from define');
});

test('template calls: undefined template is an exec error; recursion works', () => {
  assert.throws(() => Template.parse('t', 'a{{template "nope"}}', {}).execute(null), {
    message: 'template: t:1:12: executing "t" at <{{template "nope"}}>: template "nope" not defined',
  });
  const countdown = '{{define "c"}}{{.}}{{if gt . 0}} {{template "c" (add . -1)}}{{end}}{{end}}{{template "c" 5}}';
  const add = goFunc({ params: [T.int, T.int], result: T.int }, (a: number, b: number) => a + b);
  assert.equal(Template.parse('t', countdown, { funcs: { add } }).execute(null), '5 4 3 2 1 0');
});

test('TestGoodFuncNames / TestBadFuncNames: function maps are checked like Go\'s Funcs', () => {
  const f = goFunc({ params: [], result: T.int }, () => 0);
  for (const name of ['_', 'a', 'a1', 'Ӵ']) assert.equal(Template.parse('X', `{{${name}}}`, { funcs: { [name]: f } }).execute(null), '0');
  for (const name of ['', '2', 'a-b']) assert.throws(() => Template.parse('X', '', { funcs: { [name]: f } }), TypeError, name);
  assert.throws(() => Template.parse('X', '', { funcs: { x: (() => 1) as never } }), /value for x not a function/);
});
