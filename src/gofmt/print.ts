// A port of Go 1.19's fmt printer (src/fmt/print.go + format.go) over the govalue model.
//
// Structure follows Go's: `Printer` is Go's pp (argument handling, verbs, reflection-like walk of composite
// values) with Go's fmt (flags, width, precision, padding) folded in. Verbs are code points, as Go's runes.
//
// Deliberate differences from Go, all about values Go prints as machine addresses (never reproducible):
// - a pointer to a struct below the top level prints as `&{...}` (Go prints 0xc000012345); a pointer cycle
//   prints the placeholder address instead of recursing;
// - functions, and %p of maps, slices and pointers, print the placeholder address 0x0 (`<nil>` stays `<nil>`).

/* eslint-disable @typescript-eslint/no-non-null-assertion -- ported line by line from Go, whose indexing is
   bounds-checked at run time: each `!` marks an index the code around it (a loop bound, a length check) keeps in
   range, as Go's code relies on. Narrowing each one would make the port diverge from Go's and add branches to hot
   paths of the engine. */

import {
  GO_STRING,
  GoComplex,
  GoError,
  GoFloat,
  GoFunc,
  GoTyped,
  T,
  type GoMap,
  type GoSlice,
  type GoType,
  type StructType,
  isStruct,
  typeOf,
  typeString,
  zeroValue,
} from '../govalue/index.js';
import { decodeBytes, encodeBytes } from '../govalue/bytes.js';
import { sortedEntries } from './fmtsort.js';
import { MAX_RUNE, RUNE_ERROR, canBackquote, formatFloat, isPrint, quote, quoteRune, quoteToASCII, runeCount, truncateRunes } from './strconv.js';

// Verbs and flag characters as code points.
const C = {
  percent: 0x25,
  hash: 0x23,
  zero: 0x30,
  plus: 0x2b,
  minus: 0x2d,
  space: 0x20,
  star: 0x2a,
  dot: 0x2e,
  lbracket: 0x5b,
  rbracket: 0x5d,
  T: 0x54,
  p: 0x70,
  v: 0x76,
  d: 0x64,
  b: 0x62,
  o: 0x6f,
  O: 0x4f,
  x: 0x78,
  X: 0x58,
  c: 0x63,
  q: 0x71,
  U: 0x55,
  s: 0x73,
  t: 0x74,
  e: 0x65,
  E: 0x45,
  f: 0x66,
  F: 0x46,
  g: 0x67,
  G: 0x47,
  w: 0x77,
} as const;

const NIL_ANGLE = '<nil>';
const TWO64 = 1n << 64n;
/** Stand-in for a machine address (see the header comment). */
const PLACEHOLDER_ADDRESS = 0;

/** errors.New values print like Go's *errors.errorString when no Error method applies (%d, %#v). */
const ERROR_STRING_TYPE: StructType = { kind: 'struct', name: 'errors.errorString', fields: [{ name: 's', type: T.string }] };

function tooLarge(x: number): boolean {
  return x > 1e6 || x < -1e6;
}

function isUnsignedName(name: string): boolean {
  return name.charCodeAt(0) === 0x75; // 'u': uint, uint8..uint64, uintptr
}

/** Go's type name of a top-level argument; `undefined` stands for an invalid reflect.Value. */
function argTypeName(v: unknown): string {
  if (v === undefined) return 'reflect.Value';
  return typeString(typeOf(v)!);
}

function isExported(name: string): boolean {
  const c = name.charCodeAt(0);
  return !(c >= 0x61 && c <= 0x7a) && c !== 0x5f; // not a lower-case letter or '_'
}

function sliceBytes(arr: readonly unknown[]): Uint8Array {
  const b = new Uint8Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const e = arr[i];
    b[i] = Number(e instanceof GoTyped ? e.v : typeof e === 'bigint' ? e : typeof e === 'number' ? e : 0) & 0xff;
  }
  return b;
}

function isByteSliceType(t: GoType): boolean {
  return t.kind === 'slice' && t.elem.kind === 'int' && t.elem.name === 'uint8';
}

interface FlagState {
  widPresent: boolean;
  precPresent: boolean;
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  plusV: boolean;
  sharpV: boolean;
  wid: number;
  prec: number;
}

export class Printer {
  buf = '';

  // Go's fmtFlags, width and precision.
  private widPresent = false;
  private precPresent = false;
  private minus = false;
  private plus = false;
  private sharp = false;
  private space = false;
  private zero = false;
  private plusV = false;
  private sharpV = false;
  private wid = 0;
  private prec = 0;

  // Go's pp state: the current operand either as an interface value (arg) or as a reflected value (value).
  private hasArg = false;
  private arg: unknown = null;
  private hasValue = false;
  private value: unknown = null;
  private valueType: GoType = T.any;
  private reordered = false;
  private goodArgNum = true;
  private panicking = false;
  private erroring = false;
  /** Pointers being printed below the top level, to stop on cycles. */
  private ptrPath: object[] = [];

  private clearFlags(): void {
    this.widPresent = this.precPresent = this.minus = this.plus = this.sharp = false;
    this.space = this.zero = this.plusV = this.sharpV = false;
    this.wid = this.prec = 0;
  }

  // ---- padding (format.go) ----------------------------------------------------------------------------------

  private writePadding(n: number): void {
    if (n <= 0) return;
    this.buf += (this.zero ? '0' : ' ').repeat(n);
  }

  /** Go's pad and padString: width counts runes. */
  private pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.buf += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.buf += s;
    } else {
      this.buf += s;
      this.writePadding(width);
    }
  }

  // ---- basic formatters (format.go) ------------------------------------------------------------------------

  private fmtBoolean(v: boolean): void {
    this.pad(v ? 'true' : 'false');
  }

  /** fmtUnicode: U+0078, or with # U+0078 'x'. */
  private fmtUnicode(u: bigint | number): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    let hex = u.toString(16).toUpperCase();
    if (hex.length < prec) hex = '0'.repeat(prec - hex.length) + hex;
    let s = 'U+' + hex;
    if (this.sharp && u <= MAX_RUNE && isPrint(Number(u))) s += " '" + String.fromCodePoint(Number(u)) + "'";
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  /** fmtInteger for magnitude mag with sign neg; upper selects upper-case hex digits. */
  private fmtInteger(neg: boolean, mag: number | bigint, base: number, verb: number, upper: boolean): void {
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      // Precision 0 and value 0 means "print nothing" but padding.
      if (prec === 0 && (mag === 0 || mag === 0n)) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && this.widPresent) {
      prec = this.wid;
      if (neg || this.plus || this.space) prec--; // leave room for sign
    }
    let digits = mag.toString(base);
    if (upper) digits = digits.toUpperCase();
    if (digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
    if (this.sharp) {
      if (base === 2) digits = '0b' + digits;
      else if (base === 8) {
        if (digits.charCodeAt(0) !== 0x30) digits = '0' + digits;
      } else if (base === 16) digits = (upper ? '0X' : '0x') + digits;
    }
    if (verb === C.O) digits = '0o' + digits;
    if (neg) digits = '-' + digits;
    else if (this.plus) digits = '+' + digits;
    else if (this.space) digits = ' ' + digits;
    // Zero padding was handled like a precision above, or is overruled by an explicit precision.
    const oldZero = this.zero;
    this.zero = false;
    this.pad(digits);
    this.zero = oldZero;
  }

  private fmtS(s: string): void {
    if (this.precPresent) s = truncateRunes(s, this.prec);
    this.pad(s);
  }

  /** fmtSbx: hex encoding of bytes, with ' ' separating and '#' adding 0x. */
  private fmtSbx(b: Uint8Array, upper: boolean): void {
    let length = b.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) width += 2;
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    const digits = upper ? '0123456789ABCDEF' : '0123456789abcdef';
    const x = upper ? 'X' : 'x';
    let out = this.sharp ? '0' + x : '';
    for (let i = 0; i < length; i++) {
      if (this.space && i > 0) {
        out += ' ';
        if (this.sharp) out += '0' + x;
      }
      const c = b[i]!;
      out += digits[c >> 4]! + digits[c & 0xf]!;
    }
    this.buf += out;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  private fmtQ(s: string): void {
    if (this.precPresent) s = truncateRunes(s, this.prec);
    if (this.sharp && canBackquote(s)) {
      this.pad('`' + s + '`');
      return;
    }
    this.pad(this.plus ? quoteToASCII(s) : quote(s));
  }

  /** fmtC: the character; invalid code points print U+FFFD. */
  private fmtC(c: bigint | number): void {
    let r = c > MAX_RUNE ? RUNE_ERROR : Number(c);
    if (r >= 0xd800 && r <= 0xdfff) r = RUNE_ERROR;
    this.pad(String.fromCodePoint(r));
  }

  private fmtQc(c: bigint | number): void {
    const r = c > MAX_RUNE ? RUNE_ERROR : Number(c);
    this.pad(quoteRune(r, this.plus));
  }

  /** format.go's fmtFloat: verb is a strconv format byte, prec the default precision. */
  private fmtFloatRaw(v: number, size: 32 | 64, verb: string, prec: number): void {
    if (this.precPresent) prec = this.prec;
    let num = formatFloat(v, verb, prec, size);
    if (num[0] !== '-' && num[0] !== '+') num = '+' + num;
    // A space flag means a leading space instead of "+", unless "+" is asked for explicitly.
    if (this.space && num[0] === '+' && !this.plus) num = ' ' + num.slice(1);
    // Infinities and NaN don't look like numbers, so are not padded with zeros.
    if (num[1] === 'I' || num[1] === 'N') {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === 'N' && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    // The sharp flag forces a decimal point (except for %b) and keeps trailing zeros.
    if (this.sharp && verb !== 'b') {
      let digits = 0;
      if (verb === 'v' || verb === 'g' || verb === 'G' || verb === 'x') {
        digits = prec;
        if (digits === -1) digits = 6; // no explicit precision: use 6
      }
      let tail = '';
      let hasDecimalPoint = false;
      let sawNonzeroDigit = false;
      for (let i = 1; i < num.length; i++) {
        const ch = num[i]!;
        if (ch === '.') {
          hasDecimalPoint = true;
          continue;
        }
        if (ch === 'p' || ch === 'P' || ((ch === 'e' || ch === 'E') && verb !== 'x' && verb !== 'X')) {
          tail = num.slice(i);
          num = num.slice(0, i);
          break;
        }
        if (ch !== '0') sawNonzeroDigit = true;
        if (sawNonzeroDigit) digits--; // count significant digits after the first non-zero one
      }
      if (!hasDecimalPoint) {
        if (num.length === 2 && num[1] === '0') digits--; // leading digit 0 counts once
        num += '.';
      }
      if (digits > 0) num += '0'.repeat(digits);
      num += tail;
    }
    if (this.plus || num[0] !== '+') {
      // With zero padding the sign goes before the zeros.
      if (this.zero && this.widPresent && this.wid > num.length) {
        this.buf += num[0];
        this.writePadding(this.wid - num.length);
        this.buf += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  // ---- pp: per-kind printing (print.go) --------------------------------------------------------------------

  private badVerb(verb: number): void {
    this.erroring = true;
    this.buf += '%!' + String.fromCodePoint(verb) + '(';
    if (this.hasArg && this.arg !== null) {
      this.buf += argTypeName(this.arg) + '=';
      this.printArg(this.arg, C.v);
    } else if (this.hasValue) {
      const v = this.value;
      const t = this.valueType;
      this.buf += typeString(t) + '=';
      this.printValue(v, t, C.v, 0, false);
    } else {
      this.buf += NIL_ANGLE;
    }
    this.buf += ')';
    this.erroring = false;
  }

  private fmtBool(v: boolean, verb: number): void {
    if (verb === C.t || verb === C.v) this.fmtBoolean(v);
    else this.badVerb(verb);
  }

  /** fmt0x64: hex with or without 0x, by temporarily setting the sharp flag. */
  private fmt0x64(u: number | bigint, leading0x: boolean): void {
    const sharp = this.sharp;
    this.sharp = leading0x;
    this.fmtInteger(false, u, 16, C.v, false);
    this.sharp = sharp;
  }

  /** pp.fmtInteger for a Go integer value v of a signed or unsigned type. */
  private fmtIntegerValue(v: number | bigint, signed: boolean, verb: number): void {
    if (!signed && v < 0) v = BigInt.asUintN(64, BigInt(v)); // as Go's uint64(v)
    const neg = v < 0;
    const mag = neg ? -v : v;
    switch (verb) {
      case C.v:
        if (this.sharpV && !signed) this.fmt0x64(mag, true);
        else this.fmtInteger(neg, mag, 10, verb, false);
        return;
      case C.d:
        return this.fmtInteger(neg, mag, 10, verb, false);
      case C.b:
        return this.fmtInteger(neg, mag, 2, verb, false);
      case C.o:
      case C.O:
        return this.fmtInteger(neg, mag, 8, verb, false);
      case C.x:
        return this.fmtInteger(neg, mag, 16, verb, false);
      case C.X:
        return this.fmtInteger(neg, mag, 16, verb, true);
    }
    // %c %q %U see the value as Go's uint64(v).
    const u = neg ? TWO64 - BigInt(mag) : mag;
    switch (verb) {
      case C.c:
        return this.fmtC(u);
      case C.q:
        if (u <= MAX_RUNE) this.fmtQc(u);
        else this.badVerb(verb);
        return;
      case C.U:
        return this.fmtUnicode(u);
    }
    this.badVerb(verb);
  }

  private fmtFloat(v: number, size: 32 | 64, verb: number): void {
    switch (verb) {
      case C.v:
        return this.fmtFloatRaw(v, size, 'g', -1);
      case C.b:
      case C.g:
      case C.G:
      case C.x:
      case C.X:
        return this.fmtFloatRaw(v, size, String.fromCharCode(verb), -1);
      case C.f:
      case C.e:
      case C.E:
        return this.fmtFloatRaw(v, size, String.fromCharCode(verb), 6);
      case C.F:
        return this.fmtFloatRaw(v, size, 'f', 6);
    }
    this.badVerb(verb);
  }

  /** Go's fmtComplex: "(re+imi)", each part printed with the verb, the imaginary part always signed. */
  private fmtComplex(v: GoComplex, size: 64 | 128, verb: number): void {
    switch (verb) {
      case C.v:
      case C.b:
      case C.g:
      case C.G:
      case C.x:
      case C.X:
      case C.f:
      case C.F:
      case C.e:
      case C.E: {
        const oldPlus = this.plus;
        this.buf += '(';
        this.fmtFloat(v.re, size === 64 ? 32 : 64, verb);
        this.plus = true; // the imaginary part always has a sign
        this.fmtFloat(v.im, size === 64 ? 32 : 64, verb);
        this.buf += 'i)';
        this.plus = oldPlus;
        return;
      }
    }
    this.badVerb(verb);
  }

  private fmtString(v: string, verb: number): void {
    switch (verb) {
      case C.v:
        if (this.sharpV) this.fmtQ(v);
        else this.fmtS(v);
        return;
      case C.s:
        return this.fmtS(v);
      case C.x:
        return this.fmtSbx(encodeBytes(v), false);
      case C.X:
        return this.fmtSbx(encodeBytes(v), true);
      case C.q:
        return this.fmtQ(v);
    }
    this.badVerb(verb);
  }

  /** fmtBytes: a []uint8 (arr null = nil slice), typeName as %#v prints it. */
  private fmtBytes(arr: readonly unknown[] | null, t: GoType, verb: number, typeName: string, depth: number): void {
    switch (verb) {
      case C.v:
      case C.d: {
        const b = arr === null ? new Uint8Array(0) : sliceBytes(arr);
        if (this.sharpV) {
          this.buf += typeName;
          if (arr === null) {
            this.buf += '(nil)';
            return;
          }
          this.buf += '{';
          for (let i = 0; i < b.length; i++) {
            if (i > 0) this.buf += ', ';
            this.fmt0x64(b[i]!, true);
          }
          this.buf += '}';
        } else {
          this.buf += '[';
          for (let i = 0; i < b.length; i++) {
            if (i > 0) this.buf += ' ';
            this.fmtInteger(false, b[i]!, 10, verb, false);
          }
          this.buf += ']';
        }
        return;
      }
      case C.s:
        return this.fmtS(decodeBytes(sliceBytes(arr ?? [])));
      case C.x:
        return this.fmtSbx(sliceBytes(arr ?? []), false);
      case C.X:
        return this.fmtSbx(sliceBytes(arr ?? []), true);
      case C.q:
        return this.fmtQ(decodeBytes(sliceBytes(arr ?? [])));
    }
    this.printSlice(arr, t, verb, depth);
  }

  /** fmtPointer for funcs, maps, slices and pointers (nil: v === null). */
  private fmtPointer(v: unknown, t: GoType, verb: number): void {
    if (t.kind !== 'func' && t.kind !== 'map' && t.kind !== 'slice' && t.kind !== 'ptr') {
      this.badVerb(verb);
      return;
    }
    const isNil = v === null;
    const u = isNil ? 0 : PLACEHOLDER_ADDRESS;
    switch (verb) {
      case C.v:
        if (this.sharpV) {
          this.buf += '(' + typeString(t) + ')(';
          if (isNil) this.buf += 'nil';
          else this.fmt0x64(u, true);
          this.buf += ')';
        } else if (isNil) this.pad(NIL_ANGLE);
        else this.fmt0x64(u, !this.sharp);
        return;
      case C.p:
        return this.fmt0x64(u, !this.sharp);
      case C.b:
      case C.o:
      case C.d:
      case C.x:
      case C.X:
        return this.fmtIntegerValue(u, false, verb);
    }
    this.badVerb(verb);
  }

  private catchPanic(verb: number, method: string, err: unknown): void {
    if (this.panicking) throw err; // nested panics: the recursion in printArg cannot succeed
    const saved = this.saveFlags();
    this.clearFlags();
    this.buf += '%!' + String.fromCodePoint(verb) + '(PANIC=' + method + ' method: ';
    this.panicking = true;
    this.printArg(err instanceof Error ? err.message : typeof err === 'string' ? err : String(err), C.v);
    this.panicking = false;
    this.buf += ')';
    this.restoreFlags(saved);
  }

  private saveFlags(): FlagState {
    const { widPresent, precPresent, minus, plus, sharp, space, zero, plusV, sharpV, wid, prec } = this;
    return { widPresent, precPresent, minus, plus, sharp, space, zero, plusV, sharpV, wid, prec };
  }

  private restoreFlags(f: FlagState): void {
    Object.assign(this, f);
  }

  /** Error and String methods, for the verbs that accept a string. Returns whether the operand was printed. */
  private handleMethods(verb: number): boolean {
    if (this.erroring) return false;
    const arg = this.arg;
    if (verb === C.w) {
      // %w is only valid in Errorf, which we do not provide.
      this.badVerb(verb);
      return true;
    }
    if (this.sharpV) return false; // no GoStringer in the value model
    if (verb !== C.v && verb !== C.s && verb !== C.x && verb !== C.X && verb !== C.q) return false;
    if (arg instanceof GoError) {
      let s: string;
      try {
        s = arg.error();
      } catch (e) {
        this.catchPanic(verb, 'Error', e);
        return true;
      }
      this.fmtString(s, verb);
      return true;
    }
    if (isStruct(arg)) {
      const method = arg[GO_STRING];
      if (typeof method !== 'function') return false;
      let s: string;
      try {
        s = method.call(arg);
      } catch (e) {
        this.catchPanic(verb, 'String', e);
        return true;
      }
      this.fmtString(s, verb);
      return true;
    }
    return false;
  }

  printArg(arg: unknown, verb: number): void {
    this.hasArg = true;
    this.arg = arg;
    this.hasValue = false;

    if (arg === null) {
      if (verb === C.T || verb === C.v) this.pad(NIL_ANGLE);
      else this.badVerb(verb);
      return;
    }
    if (arg === undefined) {
      // Go's invalid reflect.Value (the engine's "no value").
      if (verb === C.T) this.fmtS('reflect.Value');
      else this.buf += '<invalid reflect.Value>';
      return;
    }
    // %T and %p are special: always done first.
    if (verb === C.T) {
      this.fmtS(argTypeName(arg));
      return;
    }
    if (verb === C.p) {
      this.fmtPointer(arg, arg instanceof GoError ? T.ptr(ERROR_STRING_TYPE) : typeOf(arg)!, C.p);
      return;
    }
    switch (typeof arg) {
      case 'string':
        return this.fmtString(arg, verb);
      case 'number':
      case 'bigint':
        return this.fmtIntegerValue(arg, true, verb);
      case 'boolean':
        return this.fmtBool(arg, verb);
    }
    if (arg instanceof GoFloat) return this.fmtFloat(arg.v, 64, verb);
    if (arg instanceof GoComplex) return this.fmtComplex(arg, 128, verb);
    if (arg instanceof GoTyped) {
      if (arg.type.kind === 'float') return this.fmtFloat(Number(arg.v), arg.type.name === 'float32' ? 32 : 64, verb);
      return this.fmtIntegerValue(arg.v, !isUnsignedName(arg.type.name), verb);
    }
    if (Array.isArray(arg)) {
      const t = typeOf(arg)!;
      // Go's printArg special-cases []byte (which is []uint8) at the top level.
      if (isByteSliceType(t)) return this.fmtBytes(arg, t, verb, '[]byte', 0);
    }
    if (!this.handleMethods(verb)) this.printValue(arg, null, verb, 0, false);
  }

  /**
   * printValue: v has static type t (null when only its dynamic type is known: operands and interface{}
   * elements). ro marks values reached through unexported struct fields, whose methods Go cannot call.
   */
  private printValue(v: unknown, t: GoType | null, verb: number, depth: number, ro: boolean): void {
    if (t === null || t.kind === 'interface') {
      if (v === undefined && depth > 0) {
        // An invalid value below the top level.
        this.hasArg = false;
        this.hasValue = false;
        if (verb === C.v) this.buf += NIL_ANGLE;
        else this.badVerb(verb);
        return;
      }
      if (v === null || v === undefined) {
        // A nil interface prints <nil> whatever the verb.
        if (this.sharpV) this.buf += typeString(t ?? T.any) + '(nil)';
        else this.buf += NIL_ANGLE;
        return;
      }
      t = v instanceof GoError ? T.ptr(ERROR_STRING_TYPE) : typeOf(v)!;
    }
    // A missing field or element (a model violation) prints as the zero value of its static type.
    if (v === undefined) v = zeroValue(t);
    // Values with methods, below the top level (printArg handled them there).
    if (depth > 0 && !ro && typeof v === 'object' && v !== null && (v instanceof GoError || isStruct(v))) {
      this.hasArg = true;
      this.arg = v;
      this.hasValue = false;
      if (this.handleMethods(verb)) return;
    }
    this.hasArg = false;
    this.arg = null;
    this.hasValue = true;
    this.value = v;
    this.valueType = t;

    switch (t.kind) {
      case 'bool':
        return this.fmtBool(v as boolean, verb);
      case 'int': {
        const n = v instanceof GoTyped ? v.v : typeof v === 'number' || typeof v === 'bigint' ? v : 0;
        return this.fmtIntegerValue(n, !isUnsignedName(t.name), verb);
      }
      case 'float': {
        const n = v instanceof GoFloat || v instanceof GoTyped ? Number(v.v) : typeof v === 'number' ? v : 0;
        return this.fmtFloat(n, t.name === 'float32' ? 32 : 64, verb);
      }
      case 'complex':
        return this.fmtComplex(v instanceof GoComplex ? v : new GoComplex(0, 0), t.name === 'complex64' ? 64 : 128, verb);
      case 'string':
        return this.fmtString(v as string, verb);
      case 'map':
        return this.printMap(v as GoMap | null, t, verb, depth, ro);
      case 'struct':
        return this.printStruct(v, t, verb, depth, ro);
      case 'slice': {
        const arr = v as GoSlice | null;
        if ((verb === C.s || verb === C.q || verb === C.x || verb === C.X) && isByteSliceType(t)) {
          return this.fmtBytes(arr, t, verb, typeString(t), depth);
        }
        return this.printSlice(arr, t, verb, depth, ro);
      }
      case 'ptr': {
        if (v === null || typeof v !== 'object') return this.fmtPointer(null, t, verb);
        // Go follows pointers to structs at the top level only and prints an address below; we follow them
        // everywhere (addresses are useless in rendered output), but never around a cycle.
        if (t.elem.kind === 'struct' && !this.ptrPath.includes(v)) {
          this.buf += '&';
          this.ptrPath.push(v);
          try {
            this.printStruct(v, t.elem, verb, depth + 1, ro);
          } finally {
            this.ptrPath.pop();
          }
          return;
        }
        return this.fmtPointer(v, t, verb);
      }
      case 'func':
        return this.fmtPointer(v instanceof GoFunc ? v : null, t, verb);
    }
  }

  private printSlice(arr: readonly unknown[] | null, t: GoType, verb: number, depth: number, ro = false): void {
    const elem = t.kind === 'slice' ? t.elem : T.any;
    if (this.sharpV) {
      this.buf += typeString(t);
      if (arr === null) {
        this.buf += '(nil)';
        return;
      }
      this.buf += '{';
      for (let i = 0; i < arr.length; i++) {
        if (i > 0) this.buf += ', ';
        this.printValue(arr[i], elem, verb, depth + 1, ro);
      }
      this.buf += '}';
      return;
    }
    this.buf += '[';
    if (arr !== null) {
      for (let i = 0; i < arr.length; i++) {
        if (i > 0) this.buf += ' ';
        this.printValue(arr[i], elem, verb, depth + 1, ro);
      }
    }
    this.buf += ']';
  }

  private printMap(m: GoMap | null, t: GoType & { kind: 'map' }, verb: number, depth: number, ro: boolean): void {
    if (this.sharpV) {
      this.buf += typeString(t);
      if (m === null) {
        this.buf += '(nil)';
        return;
      }
      this.buf += '{';
    } else this.buf += 'map[';
    if (m !== null) {
      const entries = sortedEntries(m, t.key);
      for (let i = 0; i < entries.length; i++) {
        if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
        const [k, val] = entries[i]!;
        this.printValue(k, t.key, verb, depth + 1, ro);
        this.buf += ':';
        this.printValue(val, t.elem, verb, depth + 1, ro);
      }
    }
    this.buf += this.sharpV ? '}' : ']';
  }

  private printStruct(v: unknown, t: StructType, verb: number, depth: number, ro: boolean): void {
    if (this.sharpV) this.buf += t.name;
    this.buf += '{';
    const isErr = v instanceof GoError;
    const obj = v as Record<string, unknown>;
    for (let i = 0; i < t.fields.length; i++) {
      const f = t.fields[i]!;
      if (i > 0) this.buf += this.sharpV ? ', ' : ' ';
      if (this.plusV || this.sharpV) this.buf += f.name + ':';
      const fv = isErr ? (v as GoError).message : obj[f.name];
      this.printValue(fv, f.type, verb, depth + 1, ro || !isExported(f.name));
    }
    this.buf += '}';
  }

  // ---- doPrintf and friends --------------------------------------------------------------------------------

  /** parsenum: [num, isnum, newi]; overflow consumes the rest of the format. */
  private static parsenum(s: string, start: number, end: number): [number, boolean, number] {
    if (start >= end) return [0, false, end];
    let num = 0;
    let isnum = false;
    let i = start;
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x30 || c > 0x39) break;
      if (tooLarge(num)) return [0, false, end]; // overflow; crazy long number most likely
      num = num * 10 + (c - 0x30);
      isnum = true;
    }
    return [num, isnum, i];
  }

  /** argNumber: an explicit [n] index at format[i], if any: [argNum, newi, found]. */
  private argNumber(argNum: number, format: string, i: number, numArgs: number): [number, number, boolean] {
    if (format.length <= i || format.charCodeAt(i) !== C.lbracket) return [argNum, i, false];
    this.reordered = true;
    // parseArgNumber: there must be at least 3 bytes: [n].
    let index = 0;
    let wid = 1;
    let ok = false;
    if (format.length - i >= 3) {
      for (let j = i + 1; j < format.length; j++) {
        if (format.charCodeAt(j) === C.rbracket) {
          const [width, isnum, newi] = Printer.parsenum(format, i + 1, j);
          if (!isnum || newi !== j) {
            wid = j - i + 1;
          } else {
            index = width - 1;
            wid = j - i + 1;
            ok = true;
          }
          break;
        }
      }
    }
    if (ok && index >= 0 && index < numArgs) return [index, i + wid, true];
    this.goodArgNum = false;
    return [argNum, i + wid, ok];
  }

  /** intFromArg: [num, isInt, newArgNum] for a '*' width or precision. */
  private static intFromArg(a: readonly unknown[], argNum: number): [number, boolean, number] {
    if (argNum >= a.length) return [0, false, argNum];
    const v = a[argNum];
    let num = 0;
    let isInt = false;
    if (typeof v === 'number') {
      num = v;
      isInt = true;
    } else if (typeof v === 'bigint') {
      num = Number(v);
      isInt = true;
    } else if (v instanceof GoTyped && v.type.kind === 'int') {
      // Unsigned values must fit in an int.
      if (!isUnsignedName(v.type.name) || v.v < 2n ** 63n) {
        num = Number(v.v);
        isInt = true;
      }
    }
    if (tooLarge(num)) {
      num = 0;
      isInt = false;
    }
    return [num, isInt, argNum + 1];
  }

  doPrintf(format: string, a: readonly unknown[]): void {
    const end = format.length;
    let argNum = 0; // we process one argument per non-trivial format
    let afterIndex = false; // previous item in format was an index like [3]
    this.reordered = false;
    formatLoop: for (let i = 0; i < end; ) {
      this.goodArgNum = true;
      const lasti = i;
      while (i < end && format.charCodeAt(i) !== C.percent) i++;
      if (i > lasti) this.buf += format.slice(lasti, i);
      if (i >= end) break;
      i++; // skip %

      this.clearFlags();
      simpleFormat: for (; i < end; i++) {
        const c = format.charCodeAt(i);
        switch (c) {
          case C.hash:
            this.sharp = true;
            break;
          case C.zero:
            this.zero = !this.minus; // only allow zero padding to the left
            break;
          case C.plus:
            this.plus = true;
            break;
          case C.minus:
            this.minus = true;
            this.zero = false; // do not pad with zeros to the right
            break;
          case C.space:
            this.space = true;
            break;
          default:
            // Fast path: a lower-case verb without width, precision or index.
            if (c >= 0x61 && c <= 0x7a && argNum < a.length) {
              if (c === C.v) {
                this.sharpV = this.sharp; // Go syntax
                this.sharp = false;
                this.plusV = this.plus; // struct-field syntax
                this.plus = false;
              }
              this.printArg(a[argNum], c);
              argNum++;
              i++;
              continue formatLoop;
            }
            break simpleFormat;
        }
      }

      // Do we have an explicit argument index?
      [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);

      // Do we have width?
      if (i < end && format.charCodeAt(i) === C.star) {
        i++;
        [this.wid, this.widPresent, argNum] = Printer.intFromArg(a, argNum);
        if (!this.widPresent) this.buf += '%!(BADWIDTH)';
        // A negative width means left-justify.
        if (this.wid < 0) {
          this.wid = -this.wid;
          this.minus = true;
          this.zero = false;
        }
        afterIndex = false;
      } else {
        [this.wid, this.widPresent, i] = Printer.parsenum(format, i, end);
        if (afterIndex && this.widPresent) this.goodArgNum = false; // "%[3]2d"
      }

      // Do we have precision?
      if (i + 1 < end && format.charCodeAt(i) === C.dot) {
        i++;
        if (afterIndex) this.goodArgNum = false; // "%[3].2d"
        [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);
        if (i < end && format.charCodeAt(i) === C.star) {
          i++;
          [this.prec, this.precPresent, argNum] = Printer.intFromArg(a, argNum);
          // Negative precision arguments don't make sense.
          if (this.prec < 0) {
            this.prec = 0;
            this.precPresent = false;
          }
          if (!this.precPresent) this.buf += '%!(BADPREC)';
          afterIndex = false;
        } else {
          [this.prec, this.precPresent, i] = Printer.parsenum(format, i, end);
          if (!this.precPresent) {
            this.prec = 0;
            this.precPresent = true;
          }
        }
      }

      if (!afterIndex) [argNum, i, afterIndex] = this.argNumber(argNum, format, i, a.length);

      if (i >= end) {
        this.buf += '%!(NOVERB)';
        break;
      }

      let verb = format.codePointAt(i)!;
      i += verb > 0xffff ? 2 : 1;
      if (verb >= 0xd800 && verb <= 0xdfff) verb = RUNE_ERROR;

      if (verb === C.percent) {
        this.buf += '%'; // percent does not absorb operands and ignores width and precision
      } else if (!this.goodArgNum) {
        this.buf += '%!' + String.fromCodePoint(verb) + '(BADINDEX)';
      } else if (argNum >= a.length) {
        this.buf += '%!' + String.fromCodePoint(verb) + '(MISSING)';
      } else {
        if (verb === C.v) {
          this.sharpV = this.sharp;
          this.sharp = false;
          this.plusV = this.plus;
          this.plus = false;
        }
        this.printArg(a[argNum], verb);
        argNum++;
      }
    }

    // Extra arguments, unless the format reordered them (then it is too costly to tell and arguably fine).
    if (!this.reordered && argNum < a.length) {
      this.clearFlags();
      this.buf += '%!(EXTRA ';
      for (let k = argNum; k < a.length; k++) {
        if (k > argNum) this.buf += ', ';
        const arg = a[k];
        if (arg === null) this.buf += NIL_ANGLE;
        else {
          this.buf += argTypeName(arg) + '=';
          this.printArg(arg, C.v);
        }
      }
      this.buf += ')';
    }
  }

  doPrint(a: readonly unknown[]): void {
    let prevString = false;
    for (let k = 0; k < a.length; k++) {
      const arg = a[k];
      const isString = typeof arg === 'string';
      // Add a space between two non-string arguments.
      if (k > 0 && !isString && !prevString) this.buf += ' ';
      this.printArg(arg, C.v);
      prevString = isString;
    }
  }

  doPrintln(a: readonly unknown[]): void {
    for (let k = 0; k < a.length; k++) {
      if (k > 0) this.buf += ' ';
      this.printArg(a[k], C.v);
    }
    this.buf += '\n';
  }
}
