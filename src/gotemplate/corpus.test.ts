// The confd conformance corpus cases (test/fixtures/conformance/public.json, outputs of the real Go confd) whose
// templates use only builtins, with confd's error text where the case fails. Extracted once; the cases that call
// confd's functions are covered by the store helper's and the end-to-end tests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Template, TemplateExecError, TemplateParseError } from './index.js';

// [id, template, expected output (null: confd failed), confd's error message (null: none)]
const CASES: [string, string, string | null, string | null][] = [
 [
  "text-plain-01",
  "hello world\n",
  "hello world\n",
  null
 ],
 [
  "text-unicode-04",
  "héllo wörld — 日本語 🎉  nbsp\n",
  "héllo wörld — 日本語 🎉  nbsp\n",
  null
 ],
 [
  "text-whitespace-only-07",
  "  \n\t\n \r\n",
  "  \n\t\n \r\n",
  null
 ],
 [
  "actions-raw-string-02",
  "{{`a\\nb`}}|{{`multi\nline`}}\n",
  "a\\nb|multi\nline\n",
  null
 ],
 [
  "actions-field-on-nil-dot-05",
  "[{{.Foo}}] [{{.Foo.Bar}}] [{{$.X}}]\n",
  "[<no value>] [<no value>] [<no value>]\n",
  null
 ],
 [
  "trim-both-sides-01",
  "a  {{- \"b\" -}}  c\n",
  "abc\n",
  null
 ],
 [
  "trim-comment-trim-07",
  "a {{- /* gone */ -}} b\n",
  "ab\n",
  null
 ],
 [
  "trim-else-markers-10",
  "[{{if false}} x {{- else -}} y {{end}}]\n",
  "[y ]\n",
  null
 ],
 [
  "comments-multiline-02",
  "a{{/* line1\nline2\n  line3 */}}b\n",
  "ab\n",
  null
 ],
 [
  "comments-between-lines-05",
  "line1\n{{/* c */}}\nline2\n",
  "line1\n\nline2\n",
  null
 ],
 [
  "comments-space-before-comment-is-error-08",
  "{{ /* c */ }}\n",
  null,
  "Unable to process template <tmp>/confdir/templates/case.tmpl, template: case.tmpl:1: unexpected \"/\" in command"
 ],
 [
  "pipelines-into-and-or-10",
  "[{{\"\" | or \"default\"}}] [{{\"x\" | and 1}}] [{{0 | or \"\"}}]\n",
  "[default] [x] [0]\n",
  null
 ],
 [
  "if-else-truthiness-strings-numbers-02",
  "{{if \"\"}}1{{else}}e{{end}}{{if \"0\"}}2{{end}}{{if 0}}3{{else}}z{{end}}{{if 0.0}}4{{else}}zf{{end}}{{if -1}}5{{end}}\n",
  "e2zzf5\n",
  null
 ],
 [
  "if-else-else-with-not-supported-14",
  "{{if false}}a{{else with \"x\"}}{{.}}{{end}}\n",
  null,
  "Unable to process template <tmp>/confdir/templates/case.tmpl, template: case.tmpl:1: unexpected <with> in else"
 ],
 [
  "with-zero-else-07",
  "{{with 0}}x{{else}}zero{{end}} {{with 1}}{{.}}{{end}}\n",
  "zero 1\n",
  null
 ],
 [
  "define-template-block-block-default-05",
  "{{block \"b\" \"arg\"}}default {{.}}{{end}}\n",
  "default arg\n",
  null
 ],
 [
  "define-template-block-multiple-definition-08",
  "{{define \"x\"}}1{{end}}{{define \"x\"}}2{{end}}\n",
  null,
  "Unable to process template <tmp>/confdir/templates/case.tmpl, template: case.tmpl:1: template: multiple definition of template \"x\""
 ],
 [
  "define-template-block-empty-body-11",
  "{{define \"e\"}}{{end}}[{{template \"e\"}}]\n",
  "[]\n",
  null
 ],
 [
  "builtins-logic-and-values-01",
  "{{and 1 2}} {{and 1 0 2}} {{and \"a\" \"b\"}} {{and \"x\"}}\n",
  "2 0 b x\n",
  null
 ],
 [
  "builtins-compare-eq-multi-first-match-wins-03",
  "{{eq 1 1 \"x\"}}\n",
  "true\n",
  null
 ],
 [
  "builtins-compare-ordering-ints-06",
  "{{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge 2 3}} {{lt -5 -3}}\n",
  "true true false false true\n",
  null
 ],
 [
  "builtins-len-index-slice-index-string-byte-06",
  "{{index \"abc\" 1}} {{index \"é\" 0}} {{printf \"%c\" (index \"xyz\" 2)}}\n",
  "98 195 z\n",
  null
 ],
 [
  "print-printf-println-print-strings-01",
  "{{print \"a\" \"b\" \"c\"}}\n",
  "abc\n",
  null
 ],
 [
  "print-printf-println-println-04",
  "[{{println \"a\" \"b\" 1}}][{{println}}]\n",
  "[a b 1\n][\n]\n",
  null
 ],
 [
  "print-printf-println-print-bools-floats-10",
  "{{print true false}} {{print 1.0 2.50 1e6 1e-7}}\n",
  "true false 1 2.5 1e+06 1e-07\n",
  null
 ],
 [
  "printf-verbs-q-string-01",
  "{{printf \"%q\" \"say \\\"hi\\\"\\n\"}} {{printf \"%q\" \"é日\"}} {{printf \"%+q\" \"é\"}} {{printf \"%#q\" \"back`tick\"}} {{printf \"%#q\" \"raw\"}}\n",
  "\"say \\\"hi\\\"\\n\" \"é日\" \"\\u00e9\" \"back`tick\" `raw`\n",
  null
 ],
 [
  "printf-verbs-x-o-b-ints-04",
  "{{printf \"%x %X %#x %o %#o %O %b %x\" 255 255 255 8 8 8 5 -255}}\n",
  "ff FF 0xff 10 010 0o10 101 -ff\n",
  null
 ],
 [
  "printf-verbs-missing-arg-10",
  "{{printf \"%s and %s and %d\" \"one\"}}\n",
  "one and %!s(MISSING) and %!d(MISSING)\n",
  null
 ],
 [
  "printf-verbs-e-g-floats-16",
  "{{printf \"%e|%E|%g|%G|%.3g|%g|%g\" 123456.789 0.000123 123456.789 1e-7 3.14159 100000000.0 1e21}}\n",
  "1.234568e+05|1.230000E-04|123456.789|1E-07|3.14|1e+08|1e+21\n",
  null
 ],
 [
  "printf-verbs-arg-index-19",
  "{{printf \"%[2]s %[1]s %[2]s\" \"a\" \"b\"}} {{printf \"%[3]d\" 1 2}}\n",
  "b a b %!d(BADINDEX)\n",
  null
 ],
 [
  "printf-verbs-nil-args-22",
  "{{printf \"%s|%v|%d\" nil nil nil}}\n",
  "%!s(<nil>)|<nil>|%!d(<nil>)\n",
  null
 ],
 [
  "html-js-urlquery-html-nil-dot-03",
  "{{html .}} {{html nil}}\n",
  "&lt;no value&gt; &lt;no value&gt;\n",
  null
 ],
 [
  "html-js-urlquery-urlquery-basic-06",
  "{{urlquery \"a b&c=d/e?f#g+h%\"}}\n",
  "a+b%26c%3Dd%2Fe%3Ff%23g%2Bh%25\n",
  null
 ],
 [
  "literals-numbers-strings-chars-floats-02",
  "{{1.5}} {{1e3}} {{1.0}} {{.5}} {{1e21}} {{1e-7}} {{0x1p4}} {{1.5e2}} {{100000000.0}} {{123456.0}}\n",
  "1.5 1000 1 0.5 1e+21 1e-07 16 150 1e+08 123456\n",
  null
 ],
 [
  "literals-numbers-strings-chars-raw-string-backslashes-05",
  "{{`C:\\path\\n\"q\"`}}\n",
  "C:\\path\\n\"q\"\n",
  null
 ],
 [
  "literals-numbers-strings-chars-overflow-error-08",
  "{{9223372036854775808}}\n",
  null,
  "template: case.tmpl:1:2: executing \"case.tmpl\" at <9223372036854775808>: 9223372036854775808 overflows int"
 ],
 [
  "literals-numbers-strings-chars-unicode-string-11",
  "{{\"😀 é 日本\"}} {{len \"😀\"}}\n",
  "😀 é 日本 4\n",
  null
 ],
 [
  "errors-parse-unknown-function-02",
  "{{nosuchfunc 1}}\n",
  null,
  "Unable to process template <tmp>/confdir/templates/case.tmpl, template: case.tmpl:1: function \"nosuchfunc\" not defined"
 ],
 [
  "errors-parse-missing-end-05",
  "{{if true}}a\n",
  null,
  "Unable to process template <tmp>/confdir/templates/case.tmpl, template: case.tmpl:2: unexpected EOF"
 ],
 [
  "errors-parse-empty-action-08",
  "{{}}\n",
  null,
  "Unable to process template <tmp>/confdir/templates/case.tmpl, template: case.tmpl:1: missing value for command"
 ],
 [
  "errors-parse-unclosed-paren-11",
  "{{(print \"a\"}}\n",
  null,
  "Unable to process template <tmp>/confdir/templates/case.tmpl, template: case.tmpl:1: unclosed left paren"
 ],
 [
  "errors-exec-nil-is-not-a-command-02",
  "{{nil}}\n",
  null,
  "template: case.tmpl:1:2: executing \"case.tmpl\" at <nil>: nil is not a command"
 ],
 [
  "errors-exec-slice-out-of-range-08",
  "{{slice \"abc\" 1 10}}\n",
  null,
  "template: case.tmpl:1:2: executing \"case.tmpl\" at <slice \"abc\" 1 10>: error calling slice: index out of range: 10"
 ]
];

test('confd corpus: builtin-only cases render byte for byte, failures give Go\'s messages', () => {
  assert.equal(CASES.length, 43);
  for (const [id, text, want, wantErr] of CASES) {
    let got: string;
    try {
      got = Template.parse('case.tmpl', text, {}).execute(null);
    } catch (e) {
      assert.ok(e instanceof TemplateParseError || e instanceof TemplateExecError, `${id}: ${String(e)}`);
      assert.notEqual(wantErr, null, `${id}: unexpected error ${e.message}`);
      // confd prefixes parse errors with "Unable to process template PATH, ".
      assert.ok(wantErr!.endsWith(e.message), `${id}: got ${JSON.stringify(e.message)}, confd said ${JSON.stringify(wantErr)}`);
      continue;
    }
    assert.equal(wantErr, null, `${id}: expected an error, got output ${JSON.stringify(got)}`);
    assert.equal(got, want, id);
  }
});
