// Port of Go 1.19's src/fmt/fmt_test.go tables (fmtTests, reorderTests, startests, panictests, TestBlank,
// TestBlankln, TestStructPrinter, TestSlicePrinter, TestMapPrinter) to the govalue model.
//
// Ported: 507 fmtTests rows, 32 of 32 reorderTests, 23 of 23 startests, 2 of 9 panictests (the String ones;
// the rest need Formatter/GoStringer or nil pointers), and the Sprint/Sprintln spacing, struct, slice and map
// printer tests. Rows of our own in those tables are marked "ours"; the tests after
// "the value model beyond fmt_test.go" cover errors, Stringers, confd's shapes, map order, floats and the
// address placeholders. Expected outputs are Go's, unchanged, except where a row says "adapted": Go arrays
// become slices of the same elements, so `[3]uint8{...}` becomes `[]byte{...}` under %#v at the top level,
// exactly as Go prints a []byte.
//
// Skipped classes (no counterpart in the value model): complex numbers; arrays and pointers to arrays/slices;
// channels; unsafe pointers and real addresses (%p of live pointers, 0xPTR rows); named ("renamed") basic
// types; Formatter and GoStringer implementations; Stringers on non-struct types (type I int); reflect.Value
// operands; strings holding invalid UTF-8 ("\xff" ...: JS strings cannot hold them); maps with several NaN
// keys (a JS Map keeps one); typed nil pointers as top-level operands.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { GO_STRING, GO_TYPE, GoError, GoFloat, GoFunc, GoTyped, T, type GoType, type IntName, goFunc, goMap, goSlice } from '../govalue/index.js';
import { sprint, sprintf, sprintln } from './index.js';
import { Printer } from './print.js';

// ---- Go value builders -------------------------------------------------------------------------------------

const f = (x: number): GoFloat => new GoFloat(x);
const FLOAT32 = { kind: 'float', name: 'float32' } as const;
const f32 = (x: number): GoTyped => new GoTyped(FLOAT32, Math.fround(x));
const ty = (name: IntName, v: number | bigint): GoTyped => new GoTyped({ kind: 'int', name }, v);
const rune = (c: string | number): GoTyped => ty('int32', typeof c === 'number' ? c : c.codePointAt(0)!);
const u8 = (v: number): GoTyped => ty('uint8', v);
const bytes = (...b: number[]): GoTyped[] => goSlice(T.uint8, b.map(u8));
const ints = (...n: number[]): number[] => goSlice(T.int, n);
const strs = (...s: string[]): string[] => goSlice(T.string, s);
const iface = (...v: unknown[]): unknown[] => v; // untagged: []interface{}
const NaN_ = f(NaN);
const posInf = f(Infinity);
const negInf = f(-Infinity);

function structType(name: string, fields: Array<[string, GoType]>): GoType & { kind: 'struct' } {
  return { kind: 'struct', name, fields: fields.map(([n, t]) => ({ name: n, type: t })) };
}
function struct(t: GoType, fields: Record<string, unknown>, extra: Record<symbol, unknown> = {}): object {
  return { [GO_TYPE]: t, ...fields, ...extra };
}
const UINT = { kind: 'int', name: 'uint' } as const;
// type A struct { i int; j uint; s string; x []int }
const A_T = structType('fmt_test.A', [
  ['i', T.int],
  ['j', UINT],
  ['s', T.string],
  ['x', T.slice(T.int)],
]);
const A = (i: number, j: number, s: string, x: number[] | null): object => struct(A_T, { i, j: ty('uint', j), s, x });
// type SI struct { I interface{} }
const SI_T = structType('fmt_test.SI', [['I', T.any]]);

function zeroFill(prefix: string, width: number, suffix: string): string {
  return prefix + '0'.repeat(width - suffix.length) + suffix;
}

type Row = readonly [format: string, value: unknown, want: string];

/** Runs rows through sprintf(format, [value]) and reports every mismatch at once. */
function checkRows(rows: readonly Row[]): void {
  const failures: string[] = [];
  for (const [format, value, want] of rows) {
    const got = sprintf(format, [value]);
    if (got !== want) failures.push(`Sprintf(${JSON.stringify(format)}) = ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
  assert.deepEqual(failures, []);
}

function checkArgRows(rows: ReadonlyArray<readonly [string, readonly unknown[], string]>): void {
  const failures: string[] = [];
  for (const [format, args, want] of rows) {
    const got = sprintf(format, args);
    if (got !== want) failures.push(`Sprintf(${JSON.stringify(format)}) = ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
  assert.deepEqual(failures, []);
}

// ---- fmtTests ----------------------------------------------------------------------------------------------

test('fmtTests: basic strings, bytes and escapes', () => {
  checkRows([
    ['%d', 12345, '12345'],
    ['%v', 12345, '12345'],
    ['%t', true, 'true'],
    ['%s', 'abc', 'abc'],
    ['%q', 'abc', '"abc"'],
    ['%x', 'abc', '616263'],
    ['%x', '', ''],
    ['% x', '', ''],
    ['%#x', '', ''],
    ['%# x', '', ''],
    ['%x', 'xyz', '78797a'],
    ['%X', 'xyz', '78797A'],
    ['% x', 'xyz', '78 79 7a'],
    ['% X', 'xyz', '78 79 7A'],
    ['%#x', 'xyz', '0x78797a'],
    ['%#X', 'xyz', '0X78797A'],
    ['%# x', 'xyz', '0x78 0x79 0x7a'],
    ['%# X', 'xyz', '0X78 0X79 0X7A'],
    ['%s', bytes(0x61, 0x62, 0x63), 'abc'],
    ['%q', bytes(0x61, 0x62, 0x63), '"abc"'],
    ['%x', bytes(0x61, 0x62, 0x63), '616263'],
    ['%x', bytes(0xff, 0xf0, 0x0f, 0xff), 'fff00fff'],
    ['%X', bytes(0xff, 0xf0, 0x0f, 0xff), 'FFF00FFF'],
    ['%x', bytes(), ''],
    ['% x', bytes(), ''],
    ['%#x', bytes(), ''],
    ['%# x', bytes(), ''],
    ['%x', bytes(0x78, 0x79, 0x7a), '78797a'],
    ['%X', bytes(0x78, 0x79, 0x7a), '78797A'],
    ['% x', bytes(0x78, 0x79, 0x7a), '78 79 7a'],
    ['% X', bytes(0x78, 0x79, 0x7a), '78 79 7A'],
    ['%#x', bytes(0x78, 0x79, 0x7a), '0x78797a'],
    ['%#X', bytes(0x78, 0x79, 0x7a), '0X78797A'],
    ['%# x', bytes(0x78, 0x79, 0x7a), '0x78 0x79 0x7a'],
    ['%# X', bytes(0x78, 0x79, 0x7a), '0X78 0X79 0X7A'],
    ['%q', '', '""'],
    ['%#q', '', '``'],
    ['%q', '"', '"\\""'],
    ['%#q', '"', '`"`'],
    ['%q', '`', '"`"'],
    ['%#q', '`', '"`"'],
    ['%q', '\n', '"\\n"'],
    ['%#q', '\n', '"\\n"'],
    ['%q', '\\n', '"\\\\n"'],
    ['%#q', '\\n', '`\\n`'],
    ['%q', 'abc', '"abc"'],
    ['%#q', 'abc', '`abc`'],
    ['%q', '日本語', '"日本語"'],
    ['%+q', '日本語', '"\\u65e5\\u672c\\u8a9e"'],
    ['%#q', '日本語', '`日本語`'],
    ['%#+q', '日本語', '`日本語`'],
    ['%q', '\x07\b\f\n\r\t\v"\\', '"\\a\\b\\f\\n\\r\\t\\v\\"\\\\"'],
    // Go 1.19 quotes DEL like the other ASCII controls (golang/go#52062): \x7f, not \u007f.
    ['%q', '\x7f', '"\\x7f"'],
    ['%+q', 'a\x7fb', '"a\\x7fb"'],
    ['%#q', '\x7f', '"\\x7f"'],
    ['%q', rune('\x7f'), "'\\x7f'"],
    ['%+q', '\x07\b\f\n\r\t\v"\\', '"\\a\\b\\f\\n\\r\\t\\v\\"\\\\"'],
    ['%#q', '\x07\b\f\n\r\t\v"\\', '"\\a\\b\\f\\n\\r\\t\\v\\"\\\\"'],
    ['%#+q', '\x07\b\f\n\r\t\v"\\', '"\\a\\b\\f\\n\\r\\t\\v\\"\\\\"'],
    ['%q', '☺', '"☺"'],
    ['% q', '☺', '"☺"'],
    ['%+q', '☺', '"\\u263a"'],
    ['%#q', '☺', '`☺`'],
    ['%#+q', '☺', '`☺`'],
    ['%10q', '⌘', '       "⌘"'],
    ['%+10q', '⌘', '  "\\u2318"'],
    ['%-10q', '⌘', '"⌘"       '],
    ['%+-10q', '⌘', '"\\u2318"  '],
    ['%010q', '⌘', '0000000"⌘"'],
    ['%+010q', '⌘', '00"\\u2318"'],
    ['%-010q', '⌘', '"⌘"       '],
    ['%+-010q', '⌘', '"\\u2318"  '],
    ['%#8q', '\n', '    "\\n"'],
    ['%#+8q', '\r', '    "\\r"'],
    ['%#-8q', '\t', '`\t`     '],
    ['%#+-8q', '\b', '"\\b"    '],
    ['%q', '\u{10ffff}', '"\\U0010ffff"'],
    ['%+q', '\u{10ffff}', '"\\U0010ffff"'],
    ['%#q', '\u{10ffff}', '`\u{10ffff}`'],
    ['%#+q', '\u{10ffff}', '`\u{10ffff}`'],
    // string(rune(0x110000)) is "\ufffd".
    ['%q', '\ufffd', '"�"'],
    ['%+q', '\ufffd', '"\\ufffd"'],
    ['%#q', '\ufffd', '`�`'],
    ['%#+q', '\ufffd', '`�`'],
  ]);
});

test('fmtTests: characters and escaped characters', () => {
  checkRows([
    ['%c', ty('uint', 0x78), 'x'],
    ['%c', 0xe4, 'ä'],
    ['%c', 0x672c, '本'],
    ['%c', rune('日'), '日'],
    ['%.0c', rune('⌘'), '⌘'],
    ['%3c', rune('⌘'), '  ⌘'],
    ['%-3c', rune('⌘'), '⌘  '],
    ['%c', rune(0x0e00), '\u0e00'],
    ['%c', rune(0x10ffff), '\u{10ffff}'],
    ['%c', -1, '�'],
    ['%c', 0xdc80, '�'],
    ['%c', rune(0x110000), '�'],
    ['%c', ty('int64', 0xfffffffff), '�'],
    ['%c', ty('uint64', 0xfffffffff), '�'],
    ['%q', ty('uint', 0), "'\\x00'"],
    ['%+q', ty('uint', 0), "'\\x00'"],
    ['%q', rune('"'), `'"'`],
    ['%+q', rune('"'), `'"'`],
    ['%q', rune("'"), "'\\''"],
    ['%+q', rune("'"), "'\\''"],
    ['%q', rune('`'), "'`'"],
    ['%+q', rune('`'), "'`'"],
    ['%q', rune('x'), "'x'"],
    ['%+q', rune('x'), "'x'"],
    ['%q', rune('ÿ'), "'ÿ'"],
    ['%+q', rune('ÿ'), "'\\u00ff'"],
    ['%q', rune('\n'), "'\\n'"],
    ['%+q', rune('\n'), "'\\n'"],
    ['%q', rune('☺'), "'☺'"],
    ['%+q', rune('☺'), "'\\u263a'"],
    ['% q', rune('☺'), "'☺'"],
    ['%.0q', rune('☺'), "'☺'"],
    ['%10q', rune('⌘'), "       '⌘'"],
    ['%+10q', rune('⌘'), "  '\\u2318'"],
    ['%-10q', rune('⌘'), "'⌘'       "],
    ['%+-10q', rune('⌘'), "'\\u2318'  "],
    ['%010q', rune('⌘'), "0000000'⌘'"],
    ['%+010q', rune('⌘'), "00'\\u2318'"],
    ['%-010q', rune('⌘'), "'⌘'       "],
    ['%+-010q', rune('⌘'), "'\\u2318'  "],
    ['%q', rune(0x0e00), "'\\u0e00'"],
    ['%q', rune(0x10ffff), "'\\U0010ffff'"],
    ['%q', ty('int32', -1), '%!q(int32=-1)'],
    ['%q', 0xdc80, "'�'"],
    ['%q', rune(0x110000), '%!q(int32=1114112)'],
    ['%q', ty('int64', 0xfffffffff), '%!q(int64=68719476735)'],
    ['%q', ty('uint64', 0xfffffffff), '%!q(uint64=68719476735)'],
  ]);
});

test('fmtTests: width and precision on strings', () => {
  checkRows([
    ['%5s', 'abc', '  abc'],
    ['%5s', bytes(0x61, 0x62, 0x63), '  abc'],
    ['%2s', '\u263a', ' ☺'],
    ['%2s', bytes(0xe2, 0x98, 0xba), ' ☺'],
    ['%-5s', 'abc', 'abc  '],
    ['%-5s', bytes(0x61, 0x62, 0x63), 'abc  '],
    ['%05s', 'abc', '00abc'],
    ['%05s', bytes(0x61, 0x62, 0x63), '00abc'],
    ['%5s', 'abcdefghijklmnopqrstuvwxyz', 'abcdefghijklmnopqrstuvwxyz'],
    ['%.5s', 'abcdefghijklmnopqrstuvwxyz', 'abcde'],
    ['%.0s', '日本語日本語', ''],
    ['%.5s', '日本語日本語', '日本語日本'],
    ['%.10s', '日本語日本語', '日本語日本語'],
    ['%08q', 'abc', '000"abc"'],
    ['%08q', bytes(0x61, 0x62, 0x63), '000"abc"'],
    ['%-8q', 'abc', '"abc"   '],
    ['%.5q', 'abcdefghijklmnopqrstuvwxyz', '"abcde"'],
    ['%.5x', 'abcdefghijklmnopqrstuvwxyz', '6162636465'],
    ['%.3q', '日本語日本語', '"日本語"'],
    ['%.1q', '日本語', '"日"'],
    ['%.1x', '日本語', 'e6'],
    ['%10.1q', '日本語日本語', '       "日"'],
    ['%10v', null, '     <nil>'],
    ['%-10v', null, '<nil>     '],
  ]);
});

test('fmtTests: integers', () => {
  checkRows([
    ['%d', ty('uint', 12345), '12345'],
    ['%d', -12345, '-12345'],
    ['%d', u8(255), '255'],
    ['%d', ty('uint16', 65535), '65535'],
    ['%d', ty('uint32', 4294967295), '4294967295'],
    ['%d', ty('uint64', 2n ** 64n - 1n), '18446744073709551615'],
    ['%d', ty('int8', -128), '-128'],
    ['%d', ty('int16', -32768), '-32768'],
    ['%d', ty('int32', -2147483648), '-2147483648'],
    ['%d', ty('int64', -(2n ** 63n)), '-9223372036854775808'],
    ['%.d', 0, ''],
    ['%.0d', 0, ''],
    ['%6.0d', 0, '      '],
    ['%06.0d', 0, '      '],
    ['% d', 12345, ' 12345'],
    ['%+d', 12345, '+12345'],
    ['%+d', -12345, '-12345'],
    ['%b', 7, '111'],
    ['%b', -6, '-110'],
    ['%#b', 7, '0b111'],
    ['%#b', -6, '-0b110'],
    ['%b', ty('uint32', 4294967295), '11111111111111111111111111111111'],
    ['%b', ty('uint64', 2n ** 64n - 1n), '1'.repeat(64)],
    ['%b', ty('int64', -(2n ** 63n)), zeroFill('-1', 63, '')],
    ['%o', 0o1234, '1234'],
    ['%o', -0o1234, '-1234'],
    ['%#o', 0o1234, '01234'],
    ['%#o', -0o1234, '-01234'],
    ['%O', 0o1234, '0o1234'],
    ['%O', -0o1234, '-0o1234'],
    ['%o', ty('uint32', 4294967295), '37777777777'],
    ['%o', ty('uint64', 2n ** 64n - 1n), '1777777777777777777777'],
    ['%#X', 0, '0X0'],
    ['%x', 0x12abcdef, '12abcdef'],
    ['%X', 0x12abcdef, '12ABCDEF'],
    ['%x', ty('uint32', 4294967295), 'ffffffff'],
    ['%X', ty('uint64', 2n ** 64n - 1n), 'FFFFFFFFFFFFFFFF'],
    ['%.20b', 7, '00000000000000000111'],
    ['%10d', 12345, '     12345'],
    ['%10d', -12345, '    -12345'],
    ['%+10d', 12345, '    +12345'],
    ['%010d', 12345, '0000012345'],
    ['%010d', -12345, '-000012345'],
    ['%20.8d', 1234, '            00001234'],
    ['%20.8d', -1234, '           -00001234'],
    ['%020.8d', 1234, '            00001234'],
    ['%020.8d', -1234, '           -00001234'],
    ['%-20.8d', 1234, '00001234            '],
    ['%-20.8d', -1234, '-00001234           '],
    ['%-#20.8x', 0x1234abc, '0x01234abc          '],
    ['%-#20.8X', 0x1234abc, '0X01234ABC          '],
    ['%-#20.8o', 0o1234, '00001234            '],
    ['%068d', 1, zeroFill('', 68, '1')],
    ['%068d', -1, zeroFill('-', 67, '1')],
    ['%#.68x', 42, zeroFill('0x', 68, '2a')],
    ['%.68d', -42, zeroFill('-', 68, '42')],
    ['%+.68d', 42, zeroFill('+', 68, '42')],
    ['% .68d', 42, zeroFill(' ', 68, '42')],
    ['% +.68d', 42, zeroFill('+', 68, '42')],
    // Ours: large ints arrive as bigint.
    ['%d', 2n ** 62n, '4611686018427387904'],
    ['%x', -(2n ** 60n), '-1000000000000000'],
  ]);
});

test('fmtTests: unicode format', () => {
  checkRows([
    ['%U', 0, 'U+0000'],
    ['%U', -1, 'U+FFFFFFFFFFFFFFFF'],
    ['%U', rune('\n'), 'U+000A'],
    ['%#U', rune('\n'), 'U+000A'],
    ['%+U', rune('x'), 'U+0078'],
    ['%# U', rune('x'), "U+0078 'x'"],
    ['%#.2U', rune('x'), "U+0078 'x'"],
    ['%U', rune(0x263a), 'U+263A'],
    ['%#U', rune(0x263a), "U+263A '☺'"],
    ['%U', rune(0x1d6c2), 'U+1D6C2'],
    ['%#U', rune(0x1d6c2), "U+1D6C2 '𝛂'"],
    ['%#14.6U', rune('⌘'), "  U+002318 '⌘'"],
    ['%#-14.6U', rune('⌘'), "U+002318 '⌘'  "],
    ['%#014.6U', rune('⌘'), "  U+002318 '⌘'"],
    ['%#-014.6U', rune('⌘'), "U+002318 '⌘'  "],
    ['%.68U', ty('uint', 42), zeroFill('U+', 68, '2A')],
    ['%#.68U', rune('日'), zeroFill('U+', 68, '65E5') + " '日'"],
  ]);
});

test('fmtTests: floats', () => {
  checkRows([
    ['%+.3e', f(0), '+0.000e+00'],
    ['%+.3e', f(1), '+1.000e+00'],
    ['%+.3x', f(0), '+0x0.000p+00'],
    ['%+.3x', f(1), '+0x1.000p+00'],
    ['%+.3f', f(-1), '-1.000'],
    ['%+.3F', f(-1), '-1.000'],
    ['%+.3F', f32(-1), '-1.000'],
    ['%+07.2f', f(1), '+001.00'],
    ['%+07.2f', f(-1), '-001.00'],
    ['%-07.2f', f(1), '1.00   '],
    ['%-07.2f', f(-1), '-1.00  '],
    ['%+-07.2f', f(1), '+1.00  '],
    ['%+-07.2f', f(-1), '-1.00  '],
    ['%-+07.2f', f(1), '+1.00  '],
    ['%-+07.2f', f(-1), '-1.00  '],
    ['%+10.2f', f(+1), '     +1.00'],
    ['%+10.2f', f(-1), '     -1.00'],
    ['% .3E', f(-1), '-1.000E+00'],
    ['% .3e', f(1), ' 1.000e+00'],
    ['% .3X', f(-1), '-0X1.000P+00'],
    ['% .3x', f(1), ' 0x1.000p+00'],
    ['%+.3g', f(0), '+0'],
    ['%+.3g', f(1), '+1'],
    ['%+.3g', f(-1), '-1'],
    ['% .3g', f(-1), '-1'],
    ['% .3g', f(1), ' 1'],
    ['%b', f32(1), '8388608p-23'],
    ['%b', f(1), '4503599627370496p-52'],
    ['%#g', f(1e-323), '1.00000e-323'],
    ['%#g', f(-1), '-1.00000'],
    ['%#g', f(1.1), '1.10000'],
    ['%#g', f(123456), '123456.'],
    ['%#g', f(1234567), '1.234567e+06'],
    ['%#g', f(1230000), '1.23000e+06'],
    ['%#g', f(1000000), '1.00000e+06'],
    ['%#.0f', f(1), '1.'],
    ['%#.0e', f(1), '1.e+00'],
    ['%#.0x', f(1), '0x1.p+00'],
    ['%#.0g', f(1), '1.'],
    ['%#.0g', f(1100000), '1.e+06'],
    ['%#.4f', f(1), '1.0000'],
    ['%#.4e', f(1), '1.0000e+00'],
    ['%#.4x', f(1), '0x1.0000p+00'],
    ['%#.4g', f(1), '1.000'],
    ['%#.4g', f(100000), '1.000e+05'],
    ['%#.4g', f(1.234), '1.234'],
    ['%#.4g', f(0.1234), '0.1234'],
    ['%#.4g', f(1.23), '1.230'],
    ['%#.4g', f(0.123), '0.1230'],
    ['%#.4g', f(1.2), '1.200'],
    ['%#.4g', f(0.12), '0.1200'],
    ['%#.4g', f(10.2), '10.20'],
    ['%#.4g', f(0), '0.000'],
    ['%#.4g', f(0.012), '0.01200'],
    ['%#.0f', f(123), '123.'],
    ['%#.0e', f(123), '1.e+02'],
    ['%#.0x', f(123), '0x1.p+07'],
    ['%#.0g', f(123), '1.e+02'],
    ['%#.4f', f(123), '123.0000'],
    ['%#.4e', f(123), '1.2300e+02'],
    ['%#.4x', f(123), '0x1.ec00p+06'],
    ['%#.4g', f(123), '123.0'],
    ['%#.4g', f(123000), '1.230e+05'],
    ['%#9.4g', f(1), '    1.000'],
    ['%#b', f(1), '4503599627370496p-52'],
    ['%.4b', f32(1), '8388608p-23'],
    ['%.4b', f(-1), '-4503599627370496p-52'],
    ['%.68f', f(1), zeroFill('1.', 68, '')],
    ['%.68f', f(-1), zeroFill('-1.', 68, '')],
    ['%f', posInf, '+Inf'],
    ['%.1f', negInf, '-Inf'],
    ['% f', NaN_, ' NaN'],
    ['%20f', posInf, '                +Inf'],
    ['% 20F', posInf, '                 Inf'],
    ['% 20e', negInf, '                -Inf'],
    ['% 20x', negInf, '                -Inf'],
    ['%+20E', negInf, '                -Inf'],
    ['%+20X', negInf, '                -Inf'],
    ['% +20g', negInf, '                -Inf'],
    ['%+-20G', posInf, '+Inf                '],
    ['%20e', NaN_, '                 NaN'],
    ['%20x', NaN_, '                 NaN'],
    ['% +20E', NaN_, '                +NaN'],
    ['% +20X', NaN_, '                +NaN'],
    ['% -20g', NaN_, ' NaN                '],
    ['%+-20G', NaN_, '+NaN                '],
    ['%+020e', posInf, '                +Inf'],
    ['%+020x', posInf, '                +Inf'],
    ['%-020f', negInf, '-Inf                '],
    ['%-020E', NaN_, 'NaN                 '],
    ['%-020X', NaN_, 'NaN                 '],
    // old test/fmt_test.go
    ['%e', f(1), '1.000000e+00'],
    ['%e', f(1234.5678e3), '1.234568e+06'],
    ['%e', f(1234.5678e-8), '1.234568e-05'],
    ['%e', f(-7), '-7.000000e+00'],
    ['%e', f(-1e-9), '-1.000000e-09'],
    ['%f', f(1234.5678e3), '1234567.800000'],
    ['%f', f(1234.5678e-8), '0.000012'],
    ['%f', f(-7), '-7.000000'],
    ['%f', f(-1e-9), '-0.000000'],
    ['%g', f(1234.5678e3), '1.2345678e+06'],
    ['%g', f32(1234.5678e3), '1.2345678e+06'],
    ['%g', f(1234.5678e-8), '1.2345678e-05'],
    ['%g', f(-7), '-7'],
    ['%g', f(-1e-9), '-1e-09'],
    ['%g', f32(-1e-9), '-1e-09'],
    ['%E', f(1), '1.000000E+00'],
    ['%E', f(1234.5678e3), '1.234568E+06'],
    ['%E', f(1234.5678e-8), '1.234568E-05'],
    ['%E', f(-7), '-7.000000E+00'],
    ['%E', f(-1e-9), '-1.000000E-09'],
    ['%G', f(1234.5678e3), '1.2345678E+06'],
    ['%G', f32(1234.5678e3), '1.2345678E+06'],
    ['%G', f(1234.5678e-8), '1.2345678E-05'],
    ['%G', f(-7), '-7'],
    ['%G', f(-1e-9), '-1E-09'],
    ['%G', f32(-1e-9), '-1E-09'],
    ['%20.5s', 'qwertyuiop', '               qwert'],
    ['%.5s', 'qwertyuiop', 'qwert'],
    ['%-20.5s', 'qwertyuiop', 'qwert               '],
    ['%20c', rune('x'), '                   x'],
    ['%-20c', rune('x'), 'x                   '],
    ['%20.6e', f(1.2345e3), '        1.234500e+03'],
    ['%20.6e', f(1.2345e-3), '        1.234500e-03'],
    ['%20e', f(1.2345e3), '        1.234500e+03'],
    ['%20e', f(1.2345e-3), '        1.234500e-03'],
    ['%20.8e', f(1.2345e3), '      1.23450000e+03'],
    ['%20f', f(1.23456789e3), '         1234.567890'],
    ['%20f', f(1.23456789e-3), '            0.001235'],
    ['%20f', f(12345678901.23456789), '  12345678901.234568'],
    ['%-20f', f(1.23456789e3), '1234.567890         '],
    ['%20.8f', f(1.23456789e3), '       1234.56789000'],
    ['%20.8f', f(1.23456789e-3), '          0.00123457'],
    ['%g', f(1.23456789e3), '1234.56789'],
    ['%g', f(1.23456789e-3), '0.00123456789'],
    ['%g', f(1.23456789e20), '1.23456789e+20'],
    ['%v', f(1.2345678), '1.2345678'],
    ['%v', f32(1.2345678), '1.2345678'],
  ]);
});

test('fmtTests: slices (Go arrays ported as slices)', () => {
  checkRows([
    ['%v', ints(1, 2, 3, 4, 5), '[1 2 3 4 5]'],
    ['%v', iface(1, 'hello', f(2.5), null), '[1 hello 2.5 <nil>]'],
    ['%v', bytes(1, 2, 3, 4, 5), '[1 2 3 4 5]'],
    ['%b', bytes(65, 66, 67), '[1000001 1000010 1000011]'],
    ['%c', bytes(65, 66, 67), '[A B C]'],
    ['%d', bytes(65, 66, 67), '[65 66 67]'],
    ['%o', bytes(65, 66, 67), '[101 102 103]'],
    ['%U', bytes(65, 66, 67), '[U+0041 U+0042 U+0043]'],
    ['%v', bytes(65, 66, 67), '[65 66 67]'],
    ['%v', bytes(123), '[123]'],
    ['%012v', bytes(), '[]'],
    ['%#012v', bytes(), '[]byte{}'],
    ['%6v', bytes(1, 11, 111), '[     1     11    111]'],
    ['%06v', bytes(1, 11, 111), '[000001 000011 000111]'],
    ['%-6v', bytes(1, 11, 111), '[1      11     111   ]'],
    ['%-06v', bytes(1, 11, 111), '[1      11     111   ]'],
    ['%#v', bytes(1, 11, 111), '[]byte{0x1, 0xb, 0x6f}'],
    ['%#6v', bytes(1, 11, 111), '[]byte{   0x1,    0xb,   0x6f}'],
    ['%#06v', bytes(1, 11, 111), '[]byte{0x000001, 0x00000b, 0x00006f}'],
    ['%#-6v', bytes(1, 11, 111), '[]byte{0x1   , 0xb   , 0x6f  }'],
    ['%#-06v', bytes(1, 11, 111), '[]byte{0x1   , 0xb   , 0x6f  }'],
    ['% v', bytes(1, 11, 111), '[ 1  11  111]'],
    ['%+v', bytes(1, 11, 111), '[1 11 111]'], // adapted from [3]byte
    ['%# -6v', bytes(1, 11, 111), '[]byte{ 0x1  ,  0xb  ,  0x6f }'],
    ['%#+-6v', bytes(1, 11, 111), '[]byte{0x1   , 0xb   , 0x6f  }'], // adapted from [3]byte
    ['% d', bytes(1, 11, 111), '[ 1  11  111]'],
    ['%+d', bytes(1, 11, 111), '[+1 +11 +111]'], // adapted from [3]byte
    ['%# -6d', bytes(1, 11, 111), '[ 1      11     111  ]'],
    ['%#+-6d', bytes(1, 11, 111), '[+1     +11    +111  ]'], // adapted from [3]byte
    ['%#x', ints(1, 2, 15), '[0x1 0x2 0xf]'],
    ['%x', ints(1, 2, 15), '[1 2 f]'],
    ['%d', ints(1, 2, 15), '[1 2 15]'],
    ['%d', bytes(1, 2, 15), '[1 2 15]'],
    ['%q', strs('a', 'b'), '["a" "b"]'],
    ['% 02x', bytes(1), '01'],
    ['% 02x', bytes(1, 2, 3), '01 02 03'],
    ['%2x', bytes(), '  '],
    ['%#2x', bytes(), '  '],
    ['% 02x', bytes(), '00'],
    ['%# 02x', bytes(), '00'],
    ['%-2x', bytes(), '  '],
    ['%-02x', bytes(), '  '],
    ['%8x', bytes(0xab), '      ab'],
    ['% 8x', bytes(0xab), '      ab'],
    ['%#8x', bytes(0xab), '    0xab'],
    ['%# 8x', bytes(0xab), '    0xab'],
    ['%08x', bytes(0xab), '000000ab'],
    ['% 08x', bytes(0xab), '000000ab'],
    ['%#08x', bytes(0xab), '00000xab'],
    ['%# 08x', bytes(0xab), '00000xab'],
    ['%10x', bytes(0xab, 0xcd), '      abcd'],
    ['% 10x', bytes(0xab, 0xcd), '     ab cd'],
    ['%#10x', bytes(0xab, 0xcd), '    0xabcd'],
    ['%# 10x', bytes(0xab, 0xcd), ' 0xab 0xcd'],
    ['%010x', bytes(0xab, 0xcd), '000000abcd'],
    ['% 010x', bytes(0xab, 0xcd), '00000ab cd'],
    ['%#010x', bytes(0xab, 0xcd), '00000xabcd'],
    ['%# 010x', bytes(0xab, 0xcd), '00xab 0xcd'],
    ['%-10X', bytes(0xab), 'AB        '],
    ['% -010X', bytes(0xab), 'AB        '],
    ['%#-10X', bytes(0xab, 0xcd), '0XABCD    '],
    ['%# -010X', bytes(0xab, 0xcd), '0XAB 0XCD '],
    ['%2x', '', '  '],
    ['%#2x', '', '  '],
    ['% 02x', '', '00'],
    ['%# 02x', '', '00'],
    ['%-2x', '', '  '],
    ['%-02x', '', '  '],
  ]);
});

test('fmtTests: structs and Go syntax', () => {
  checkRows([
    ['%v', A(1, 2, 'a', ints(1, 2)), '{1 2 a [1 2]}'],
    ['%+v', A(1, 2, 'a', ints(1, 2)), '{i:1 j:2 s:a x:[1 2]}'],
    ['%#v', A(1, 2, 'a', ints(1, 2)), 'fmt_test.A{i:1, j:0x2, s:"a", x:[]int{1, 2}}'],
    ['%#v', ty('uint64', 2n ** 64n - 1n), '0xffffffffffffffff'],
    ['%#v', 1000000000, '1000000000'],
    ['%#v', goMap(T.string, T.int, new Map([['a', 1]])), 'map[string]int{"a":1}'],
    ['%#v', strs('a', 'b'), '[]string{"a", "b"}'],
    ['%#v', struct(SI_T, { I: null }), 'fmt_test.SI{I:interface {}(nil)}'],
    ['%#v', A(0, 0, '', null), 'fmt_test.A{i:0, j:0x0, s:"", x:[]int(nil)}'], // []int(nil) row, as a field
    ['%#v', ints(), '[]int{}'],
    ['%#v', iface(1, 'hello', f(2.5), null), '[]interface {}{1, "hello", 2.5, interface {}(nil)}'],
    ['%#v', goMap(T.int, T.uint8, new Map()), 'map[int]uint8{}'],
    ['%#v', 'foo', '"foo"'],
    ['%#v', f(1.2345678), '1.2345678'],
    ['%#v', f32(1.2345678), '1.2345678'],
    ['%#v', f(1), '1'],
    ['%#v', f(1000000), '1e+06'],
    ['%#v', f32(1), '1'],
    ['%#v', f32(1000000), '1e+06'],
    ['%#v', bytes(), '[]byte{}'],
    ['%v', null, '<nil>'],
    ['%#v', null, '<nil>'],
  ]);
});

test('fmtTests: %T, %p and erroneous things', () => {
  checkRows([
    ['%T', u8(0), 'uint8'],
    ['%T', 0, 'int'],
    ['%T', f(1), 'float64'], // ours
    ['%T', 'x', 'string'], // ours
    ['%T', iface(), '[]interface {}'], // ours
    ['%T', new Map(), 'map[string]interface {}'], // ours
    ['%10T', null, '     <nil>'],
    ['%-10T', null, '<nil>     '],
    ['%p', 27, '%!p(int=27)'],
    ['%p', null, '%!p(<nil>)'],
    ['%#p', null, '%!p(<nil>)'],
    ['', null, '%!(EXTRA <nil>)'],
    ['', 2, '%!(EXTRA int=2)'],
    ['no args', 'hello', 'no args%!(EXTRA string=hello)'],
    ['%s %', 'hello', 'hello %!(NOVERB)'],
    ['%s %.2', 'hello', 'hello %!(NOVERB)'],
    ['%017091901790959340919092959340919017929593813360', 0, '%!(NOVERB)%!(EXTRA int=0)'],
    ['%184467440737095516170v', 0, '%!(NOVERB)%!(EXTRA int=0)'],
    ['%010.2', '12345', '%!(NOVERB)%!(EXTRA string=12345)'],
    ['%.', 3, '%!.(int=3)'],
    ['%☠', null, '%!☠(<nil>)'],
    ['%☠', 0, '%!☠(int=0)'],
    ['%☠', ty('uint', 0), '%!☠(uint=0)'],
    ['%☠', bytes(0, 1), '[%!☠(uint8=0) %!☠(uint8=1)]'],
    ['%☠', 'hello', '%!☠(string=hello)'],
    ['%☠', f(1.2345678), '%!☠(float64=1.2345678)'],
    ['%☠', f32(1.2345678), '%!☠(float32=1.2345678)'],
    ['%☠', goMap(T.float64, T.int, new Map([[NaN_, 1]])), 'map[%!☠(float64=NaN):%!☠(int=1)]'],
    // Ours: wrong verbs as templates write them.
    ['%d', 'hello', '%!d(string=hello)'],
    ['%z', 1, '%!z(int=1)'],
    ['%d', null, '%!d(<nil>)'],
    ['%s', 1, '%!s(int=1)'],
    ['%d', true, '%!d(bool=true)'],
    ['%d', f(1.5), '%!d(float64=1.5)'],
  ]);
});

test('fmtTests: padding rules compared with C printf', () => {
  checkRows([
    ['%.2f', f(1), '1.00'],
    ['%.2f', f(-1), '-1.00'],
    ['% .2f', f(1), ' 1.00'],
    ['% .2f', f(-1), '-1.00'],
    ['%+.2f', f(1), '+1.00'],
    ['%+.2f', f(-1), '-1.00'],
    ['%7.2f', f(1), '   1.00'],
    ['%7.2f', f(-1), '  -1.00'],
    ['% 7.2f', f(1), '   1.00'],
    ['% 7.2f', f(-1), '  -1.00'],
    ['%+7.2f', f(1), '  +1.00'],
    ['%+7.2f', f(-1), '  -1.00'],
    ['% +7.2f', f(1), '  +1.00'],
    ['% +7.2f', f(-1), '  -1.00'],
    ['%07.2f', f(1), '0001.00'],
    ['%07.2f', f(-1), '-001.00'],
    ['% 07.2f', f(1), ' 001.00'],
    ['% 07.2f', f(-1), '-001.00'],
    ['%+07.2f', f(1), '+001.00'],
    ['%+07.2f', f(-1), '-001.00'],
    ['% +07.2f', f(1), '+001.00'],
    ['% +07.2f', f(-1), '-001.00'],
    ['%0-5s', 'abc', 'abc  '],
    ['%-05.1f', f(1), '1.0  '],
    ['%06v', iface(f(10), 10), '[000010 000010]'],
    ['%06v', iface(f(-10), 10), '[-00010 000010]'],
    ['%03.6v', iface(1, f(2), 'x'), '[000001 002 00x]'],
    ['%03.0v', iface(0, f(2), 'x'), '[    002 000]'],
  ]);
});

// ---- reorderTests and startests ----------------------------------------------------------------------------

test('reorderTests: argument indexes', () => {
  checkArgRows([
    ['%[1]d', [1], '1'],
    ['%[2]d', [2, 1], '1'],
    ['%[2]d %[1]d', [1, 2], '2 1'],
    ['%[2]*[1]d', [2, 5], '    2'],
    ['%6.2f', [f(12)], ' 12.00'],
    ['%[3]*.[2]*[1]f', [f(12), 2, 6], ' 12.00'],
    ['%[1]*.[2]*[3]f', [6, 2, f(12)], ' 12.00'],
    ['%10f', [f(12)], ' 12.000000'],
    ['%[1]*[3]f', [10, 99, f(12)], ' 12.000000'],
    ['%.6f', [f(12)], '12.000000'],
    ['%.[1]*[3]f', [6, 99, f(12)], '12.000000'],
    ['%6.f', [f(12)], '    12'],
    ['%[1]*.[3]f', [6, 3, f(12)], '    12'],
    ['%d %d %d %#[1]o %#o %#o', [11, 12, 13], '11 12 13 013 014 015'],
    ['%[d', [2, 1], '%!d(BADINDEX)'],
    ['%]d', [2, 1], '%!](int=2)d%!(EXTRA int=1)'],
    ['%[]d', [2, 1], '%!d(BADINDEX)'],
    ['%[-3]d', [2, 1], '%!d(BADINDEX)'],
    ['%[99]d', [2, 1], '%!d(BADINDEX)'],
    ['%[3]', [2, 1], '%!(NOVERB)'],
    ['%[1].2d', [5, 6], '%!d(BADINDEX)'],
    ['%[1]2d', [2, 1], '%!d(BADINDEX)'],
    ['%3.[2]d', [7], '%!d(BADINDEX)'],
    ['%.[2]d', [7], '%!d(BADINDEX)'],
    ['%d %d %d %#[1]o %#o %#o %#o', [11, 12, 13], '11 12 13 013 014 015 %!o(MISSING)'],
    ['%[5]d %[2]d %d', [1, 2, 3], '%!d(BADINDEX) 2 3'],
    ['%d %[3]d %d', [1, 2], '1 %!d(BADINDEX) 2'],
    ['%.[]', [], '%!](BADINDEX)'],
    ['%.-3d', [42], '%!-(int=42)3d'],
    ['%2147483648d', [42], '%!(NOVERB)%!(EXTRA int=42)'],
    ['%-2147483648d', [42], '%!(NOVERB)%!(EXTRA int=42)'],
    ['%.2147483648d', [42], '%!(NOVERB)%!(EXTRA int=42)'],
    ['%d %v', [1], '1 %!v(MISSING)'], // ours
  ]);
});

test('startests: * width and precision', () => {
  checkArgRows([
    ['%*d', [4, 42], '  42'],
    ['%-*d', [4, 42], '42  '],
    ['%*d', [-4, 42], '42  '],
    ['%-*d', [-4, 42], '42  '],
    ['%.*d', [4, 42], '0042'],
    ['%*.*d', [8, 4, 42], '    0042'],
    ['%0*d', [4, 42], '0042'],
    ['%0*d', [ty('uint', 4), 42], '0042'],
    ['%0*d', [ty('uint64', 4), 42], '0042'],
    ['%0*d', [rune(4), 42], '0042'],
    ['%0*d', [ty('uintptr', 4), 42], '0042'],
    ['%*d', [null, 42], '%!(BADWIDTH)42'],
    ['%*d', [1e7, 42], '%!(BADWIDTH)42'],
    ['%*d', [-1e7, 42], '%!(BADWIDTH)42'],
    ['%.*d', [null, 42], '%!(BADPREC)42'],
    ['%.*d', [-1, 42], '%!(BADPREC)42'],
    ['%.*d', [1e7, 42], '%!(BADPREC)42'],
    ['%.*d', [ty('uint', 1e7), 42], '%!(BADPREC)42'],
    ['%.*d', [ty('uint64', 2n ** 63n), 42], '%!(BADPREC)42'],
    ['%.*d', [ty('uint64', 2n ** 64n - 1n), 42], '%!(BADPREC)42'],
    ['%*d', [5, 'foo'], '%!d(string=  foo)'],
    ['%*% %d', [20, 5], '% 5'],
    ['%*', [4], '%!(NOVERB)'],
    ['%*d', [f(4), 42], '%!(BADWIDTH)42'], // ours
  ]);
});

// ---- Sprint / Sprintln and the printers ---------------------------------------------------------------------

test('TestBlank and TestBlankln: operand spacing', () => {
  assert.equal(sprint(['<', 1, '>:', 1, 2, 3, '!']), '<1>:1 2 3!');
  assert.equal(sprintln(['<', 1, '>:', 1, 2, 3, '!']), '< 1 >: 1 2 3 !\n');
  assert.equal(sprint(['a', 'b']), 'ab');
  assert.equal(sprint([1, 'a', null, true]), '1a<nil> true');
  assert.equal(sprint([f(1.5), f(2)]), '1.5 2');
  assert.equal(sprint([]), '');
  assert.equal(sprintln([]), '\n');
});

test('TestStructPrinter: struct and pointer to struct', () => {
  const tT = structType('fmt_test.T', [
    ['a', T.string],
    ['b', T.string],
    ['c', T.int],
  ]);
  const s = struct(tT, { a: 'abc', b: 'def', c: 123 });
  const ps = struct(T.ptr(tT), { a: 'abc', b: 'def', c: 123 });
  const cases: Array<[string, string]> = [
    ['%v', '{abc def 123}'],
    ['%+v', '{a:abc b:def c:123}'],
    ['%#v', 'fmt_test.T{a:"abc", b:"def", c:123}'],
  ];
  for (const [format, out] of cases) {
    assert.equal(sprintf(format, [s]), out);
    assert.equal(sprintf(format, [ps]), '&' + out);
  }
});

test('TestSlicePrinter and TestMapPrinter', () => {
  assert.equal(sprint([ints()]), '[]');
  assert.equal(sprint([ints(1, 2, 3)]), '[1 2 3]');
  assert.equal(sprint([goMap(T.int, T.string, new Map())]), 'map[]');
  const m1 = goMap(T.int, T.string, new Map([[3, 'three'], [1, 'one'], [2, 'two']]));
  assert.equal(sprintf('%v', [m1]), 'map[1:one 2:two 3:three]');
  assert.equal(sprint([m1]), 'map[1:one 2:two 3:three]');
});

test('panictests: a panicking String method', () => {
  const panicS = structType('fmt_test.PanicS', [['message', T.any]]);
  const thrower = (message: unknown): object =>
    struct(panicS, { message }, {
      [GO_STRING]() {
        throw message;
      },
    });
  assert.equal(sprintf('%s', [thrower(new Error('unexpected EOF'))]), '%!s(PANIC=String method: unexpected EOF)');
  assert.equal(sprintf('%s', [thrower(3)]), '%!s(PANIC=String method: 3)');
  // catchPanic must not clear the flags permanently (Go issue 18282).
  assert.equal(sprintf('%5s|%5s', [thrower(3), 'x']), '%!s(PANIC=String method: 3)|    x');
  assert.equal(sprint([iface(thrower(3), 'ok')]), '[%!v(PANIC=String method: 3) ok]');
});

// ---- the value model beyond fmt_test.go ---------------------------------------------------------------------

test('errors and Stringers use their methods for %v %s %q %x %X only', () => {
  const err = new GoError('boom');
  checkRows([
    ['%v', err, 'boom'],
    ['%s', err, 'boom'],
    ['%q', err, '"boom"'],
    ['%x', err, '626f6f6d'],
    ['%X', err, '626F6F6D'],
    ['%10v', err, '      boom'],
    ['%+v', err, 'boom'],
    ['%d', err, '&{%!d(string=boom)}'],
    ['%#v', err, '&errors.errorString{s:"boom"}'],
    ['%T', err, '*errors.errorString'],
    // Sprintf is not Errorf: %w is always a bad verb.
    ['%w', err, '%!w(*errors.errorString=&{boom})'],
    ['%w', 1, '%!w(int=1)'],
  ]);
  const tS = structType('main.S', [['N', T.int]]);
  const s = struct(tS, { N: 7 }, {
    [GO_STRING](this: { N: number }) {
      return `<${this.N}>`;
    },
  });
  checkRows([
    ['%v', s, '<7>'],
    ['%s', s, '<7>'],
    ['%q', s, '"<7>"'],
    ['%x', s, '3c373e'],
    ['%# x', s, '0x3c 0x37 0x3e'],
    ['%d', s, '{7}'],
    ['%+d', s, '{+7}'],
    ['%#v', s, 'main.S{N:7}'],
    ['%v', iface(s, err), '[<7> boom]'],
    ['%v', goMap(T.string, T.any, new Map<unknown, unknown>([['k', s]])), 'map[k:<7>]'],
  ]);
  // Methods are not callable through unexported fields.
  const tW = structType('main.W', [
    ['Pub', T.any],
    ['priv', T.any],
  ]);
  assert.equal(sprint([struct(tW, { Pub: s, priv: s })]), '{<7> {7}}');
  assert.equal(sprint([struct(tW, { Pub: err, priv: null })]), '{boom <nil>}');
});

test('confd shapes: KVPair, []KVPair, map[string]interface{}, nested interfaces', () => {
  const kvT = structType('memkv.KVPair', [
    ['Key', T.string],
    ['Value', T.string],
  ]);
  const kv = (k: string, v: string): object => struct(kvT, { Key: k, Value: v });
  const pairs = goSlice(kvT, [kv('/a', '1'), kv('/b', '2')]);
  checkRows([
    ['%v', kv('/a', 'x'), '{/a x}'],
    ['%+v', kv('/a', 'x'), '{Key:/a Value:x}'],
    ['%#v', kv('/a', 'x'), 'memkv.KVPair{Key:"/a", Value:"x"}'],
    ['%v', pairs, '[{/a 1} {/b 2}]'],
    ['%#v', pairs, '[]memkv.KVPair{memkv.KVPair{Key:"/a", Value:"1"}, memkv.KVPair{Key:"/b", Value:"2"}}'],
    ['%T', pairs, '[]memkv.KVPair'],
    ['%q', strs('a b', 'c'), '["a b" "c"]'],
    ['%v', new Map<unknown, unknown>([['b', 2], ['a', iface('x', f(1.5))], ['c', new Map([['z', null]])]]), 'map[a:[x 1.5] b:2 c:map[z:<nil>]]'],
    ['%#v', new Map<unknown, unknown>([['a', 1]]), 'map[string]interface {}{"a":1}'],
    ['%#v', iface(1, 'a'), '[]interface {}{1, "a"}'],
    ['%d', iface('a', null, 3), '[%!d(string=a) <nil> 3]'],
    ['%x', iface('a', 255, f(1)), '[61 ff 0x1p+00]'],
    ['%s', goSlice(T.slice(T.string), [strs('a'), strs('b', 'c')]), '[[a] [b c]]'],
    ['%v', goMap(T.string, T.slice(T.string), new Map([['k', null]])), 'map[k:[]]'],
    ['%#v', goMap(T.string, T.slice(T.string), new Map([['k', null]])), 'map[string][]string{"k":[]string(nil)}'],
  ]);
});

test('map keys print in Go order', () => {
  // Strings by UTF-8 bytes: U+FF5E sorts before U+1F600 although its UTF-16 code unit is larger.
  const m = new Map<unknown, unknown>([['😀', 1], ['～', 2], ['b', 3], ['B', 4], ['', 5]]);
  assert.equal(sprint([m]), 'map[:5 B:4 b:3 ～:2 😀:1]');
  assert.equal(sprint([goMap(T.int, T.int, new Map([[10, 1], [-2, 2], [3, 3]]))]), 'map[-2:2 3:3 10:1]');
  assert.equal(sprint([goMap(T.float64, T.int, new Map([[f(2.5), 1], [NaN_, 2], [f(-1), 3]]))]), 'map[NaN:2 -1:3 2.5:1]');
  assert.equal(sprint([goMap(T.bool, T.int, new Map([[true, 1], [false, 2]]))]), 'map[false:2 true:1]');
  // interface{} keys: nil first, then by type, then by value.
  const mixed = goMap(T.any, T.int, new Map<unknown, unknown>([['b', 1], [2, 2], [null, 3], ['a', 4], [1, 5]]));
  assert.equal(sprint([mixed]), 'map[<nil>:3 1:5 2:2 a:4 b:1]');
});

// Go's %v of a float is %g with the shortest digits, which switches to exponent form when exp < -4 || exp >= 6
// (not at 21 as JavaScript and encoding/json do).
test('floats: %v is the shortest %g', () => {
  checkRows([
    ['%v', f(1e6), '1e+06'],
    ['%v', f(100000), '100000'],
    ['%v', f(123456789), '1.23456789e+08'],
    ['%v', f(1e20), '1e+20'],
    ['%v', f(1e21), '1e+21'],
    ['%v', f(0.0001), '0.0001'],
    ['%v', f(0.00001), '1e-05'],
    ['%v', f(0), '0'],
    ['%v', f(-0), '-0'],
    ['%v', f(0.1 + 0.2), '0.30000000000000004'],
    ['%v', f(5e-324), '5e-324'],
    ['%v', f(1.7976931348623157e308), '1.7976931348623157e+308'],
    ['%v', posInf, '+Inf'],
    ['%v', negInf, '-Inf'],
    ['%v', NaN_, 'NaN'],
    ['%v', f32(0.1), '0.1'],
    ['%v', f32(16777216), '1.6777216e+07'],
    ['%v', f32(3.4028234663852886e38), '3.4028235e+38'],
    ['%.1f', f(0.05), '0.1'],
    ['%.0f', f(0.5), '0'],
    ['%.0f', f(1.5), '2'],
    ['%.0f', f(2.5), '2'],
    ['%.2f', f(1.005), '1.00'],
    ['%.3f', f(2.0005), '2.001'],
    ['%.1f', f(0.0006), '0.0'],
    ['%.2e', f(1.125), '1.12e+00'],
    ['%.3g', f(2.675), '2.67'],
    ['%f', f(1e21), '1000000000000000000000.000000'],
    ['%.3f', f32(0.1), '0.100'],
    ['%.10f', f32(0.1), '0.1000000015'],
    ['%8.3f', f(-3.14159), '  -3.142'],
    ['%x', f(1), '0x1p+00'],
    ['%X', f(-0.5), '-0X1P-01'],
    ['%x', f(5e-324), '0x1p-1074'],
  ]);
});

test('values printed as addresses in Go use a placeholder', () => {
  const fn: GoFunc = goFunc({ params: [T.string], result: T.string }, () => '');
  checkRows([
    ['%T', fn, 'func(string) string'],
    ['%v', fn, '0x0'],
    ['%#v', fn, '(func(string) string)(0x0)'],
    ['%☠', fn, '%!☠(func(string) string=0x0)'],
    ['%p', iface(), '0x0'],
  ]);
  // A pointer to a struct below the top level prints &{...}; a cycle stops at the placeholder.
  const nodeT = structType('main.Node', []);
  const ptrT = T.ptr(nodeT);
  (nodeT.fields as Array<{ name: string; type: GoType }>).push({ name: 'V', type: T.int }, { name: 'Next', type: ptrT });
  const a: Record<string | symbol, unknown> = { [GO_TYPE]: ptrT, V: 1, Next: null };
  const b: Record<string | symbol, unknown> = { [GO_TYPE]: ptrT, V: 2, Next: a };
  assert.equal(sprint([b]), '&{2 &{1 <nil>}}');
  a.Next = b;
  assert.equal(sprint([a]), '&{1 &{2 0x0}}');
  assert.equal(
    sprintf('%#v', [iface(null, b)]),
    '[]interface {}{interface {}(nil), &main.Node{V:2, Next:&main.Node{V:1, Next:(*main.Node)(0x0)}}}',
  );
});

test('sprint fast paths agree with the general printer', () => {
  const values: unknown[] = ['', 'héllo', 0, -7, 2n ** 70n, true, false, null, f(1e6), f(0.5), f(-0), NaN_];
  for (const v of values) {
    assert.equal(sprint([v]), sprintf('%v', [v]));
    assert.equal(sprintln([v]), sprintf('%v\n', [v]));
  }
});

test('sprintf fast path (verb-only formats) agrees with the general printer', () => {
  // Every format × operand list goes through sprintf (fast path where it applies) and through the general printer
  // alone; formats the fast path takes (%s %v %d %% only) and ones it must refuse (flags, width, precision, index,
  // other verbs, a trailing %) are mixed with operands it takes (strings, JS-number ints) and ones it must not.
  const general = (format: string, args: readonly unknown[]): string => {
    const p = new Printer();
    p.doPrintf(format, args);
    return p.buf;
  };
  const formats = [
    '', 'plain', '%%', '100%%', '%%s', '%%%s', '%s', '%v', '%d', '%s%s', '%v|%d', '/nginx/%s/%s/ip', '%d%%', 'é%s😀%v',
    'a%sb%vc%dd', '%s %s %s', '%', 'x%', '%s%', '%x', '%q', '%5s', '%-3v', '%.1s', '%+d', '%05d', '%#v', '% d', '%[1]s',
    '%[2]v %[1]v', '%*d', '%S', '%!', '%D', '%t', '%T',
  ];
  const tS = structType('main.S', [['N', T.int]]);
  const operands: unknown[] = [
    '', 'a', 'é😀', '%s', ' x ', 0, -7, 42, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, -0, 2n ** 70n, -3n,
    u8(200), ty('int64', 5), f(1.5), f(2), true, null, undefined, strs('a', 'b'), ints(1), new GoError('boom'),
    struct(tS, { N: 7 }, { [GO_STRING]: () => '<7>' }),
  ];
  const few: unknown[] = ['a', 'é😀', 3, -0, f(2), null];
  const lists: unknown[][] = [[]];
  for (const a of operands) lists.push([a]);
  for (const a of operands) for (const b of operands) lists.push([a, b]);
  for (const a of few) for (const b of few) for (const c of few) lists.push([a, b, c]);
  const failures: string[] = [];
  for (const format of formats) {
    for (const args of lists) {
      const want = general(format, args);
      const got = sprintf(format, args);
      if (got !== want) failures.push(`Sprintf(${JSON.stringify(format)}, ${args.length} operands: ${general('%#v', [args])}) = ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
  }
  assert.deepEqual(failures.slice(0, 20), []);
  // Spot checks that the common case is the fast one and right.
  assert.equal(sprintf('/nginx/%s/%s/ip', ['d1', 's01']), '/nginx/d1/s01/ip');
  assert.equal(sprintf('%d%%|%v', [5, 'x']), '5%|x');
});

test('sprintf plans formats in a bounded cache; formats beyond it still print right', () => {
  for (let i = 0; i < 1000; i++) assert.equal(sprintf(`k${i}=%s/%d`, ['v', i]), `k${i}=v/${i}`);
  for (let i = 0; i < 1000; i++) assert.equal(sprintf(`k${i}=%s/%d`, [i, 'v']), `k${i}=%!s(int=${i})/%!d(string=v)`);
});

test('strings are measured in runes, hex-encoded as UTF-8', () => {
  checkRows([
    ['%-4s|', 'é', 'é   |'],
    ['%3s', '😀', '  😀'],
    ['%.1s', '😀x', '😀'],
    ['%x', 'é', 'c3a9'],
    ['% X', '😀', 'F0 9F 98 80'],
    ['%q', '\u00a0', '"\\u00a0"'],
    ['%q', '\u{1f600}', '"😀"'],
    ['%+q', '\u{1f600}', '"\\U0001f600"'],
    ['%q', '\x7f\x00\u200b', '"\\x7f\\x00\\u200b"'], // Go 1.19: DEL as \x7f (go.dev/doc/go1.19#strconv)
    ['%#q', '\ufeff', '"\\ufeff"'],
    ['%q', '\u00ad', '"\\u00ad"'],
  ]);
});

test('sized integers and invalid values', () => {
  checkRows([
    ['%v', u8(200), '200'],
    ['%#v', u8(200), '0xc8'],
    ['%#v', ty('int8', -5), '-5'],
    ['%x', ty('int8', -5), '-5'],
    ['%08b', ty('uint16', 5), '00000101'],
    ['%T', ty('uintptr', 1), 'uintptr'],
    ['%c', rune(0x1f600), '😀'],
    ['%v', iface(u8(1), ty('uint', 2)), '[1 2]'],
    ['%#v', iface(u8(1), ty('uint', 2)), '[]interface {}{0x1, 0x2}'],
    ['%v', undefined, '<invalid reflect.Value>'],
    ['%v', iface(undefined), '[<nil>]'],
  ]);
});
