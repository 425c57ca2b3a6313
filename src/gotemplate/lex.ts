// Lexer for Go 1.19 text/template (port of text/template/parse/lex.go, in the pull form Go adopted in 1.20:
// nextItem() runs state functions until one emits). Trim markers `{{- -}}` and comments are handled here
// alone; the parser never sees them.
//
// Positions are UTF-16 indexes into the JS string; error messages convert them to UTF-8 byte columns.

/* eslint-disable @typescript-eslint/no-non-null-assertion -- ported line by line from Go, whose indexing is
   bounds-checked at run time: each `!` marks an index the code around it (a loop bound, a length check) keeps in
   range, as Go's code relies on. Narrowing each one would make the port diverge from Go's and add branches to hot
   paths of the engine. */

import { isPrint, quote, truncateRunes } from '../gofmt/strconv.js';

export enum ItemType {
  Error, // error occurred; value is text of error
  Bool, // boolean constant
  Char, // printable ASCII character; grab bag for comma etc.
  CharConstant, // character constant
  Comment, // comment text
  Complex, // complex constant (1+2i); imaginary is just a number
  Assign, // equals ('=') introducing an assignment
  Declare, // colon-equals (':=') introducing a declaration
  EOF,
  Field, // alphanumeric identifier starting with '.'
  Identifier, // alphanumeric identifier not starting with '.'
  LeftDelim, // left action delimiter
  LeftParen, // '(' inside action
  Number, // simple number, including imaginary
  Pipe, // pipe symbol
  RawString, // raw quoted string (includes quotes)
  RightDelim, // right action delimiter
  RightParen, // ')' inside action
  Space, // run of spaces separating arguments
  String, // quoted string (includes quotes)
  Text, // plain text
  Variable, // variable starting with '$', such as '$' or  '$1' or '$hello'
  // Keywords appear after all the rest.
  Keyword, // used only to delimit the keywords
  Block, // block keyword
  Break, // break keyword
  Continue, // continue keyword
  Dot, // the cursor, spelled '.'
  Define, // define keyword
  Else, // else keyword
  End, // end keyword
  If, // if keyword
  Nil, // the untyped nil constant, easiest to treat as a keyword
  Range, // range keyword
  Template, // template keyword
  With, // with keyword
}

const KEY: ReadonlyMap<string, ItemType> = new Map([
  ['.', ItemType.Dot],
  ['block', ItemType.Block],
  ['break', ItemType.Break],
  ['continue', ItemType.Continue],
  ['define', ItemType.Define],
  ['else', ItemType.Else],
  ['end', ItemType.End],
  ['if', ItemType.If],
  ['range', ItemType.Range],
  ['nil', ItemType.Nil],
  ['template', ItemType.Template],
  ['with', ItemType.With],
]);

export interface Item {
  readonly typ: ItemType;
  /** UTF-16 index of the item's start in the input. */
  readonly pos: number;
  readonly val: string;
  /** Line number at the start of the item. */
  readonly line: number;
}

/** Go's item.String(), used in "unexpected X in Y" parse errors. */
export function itemString(i: Item): string {
  if (i.typ === ItemType.EOF) return 'EOF';
  if (i.typ === ItemType.Error) return i.val;
  if (i.typ > ItemType.Keyword) return `<${i.val}>`;
  // fmt's %.10q: precision counts runes of the unquoted string.
  if ([...i.val].length > 10) return `${quote(truncateRunes(i.val, 10))}...`;
  return quote(i.val);
}

const EOF_RUNE = -1;
const SPACE_CHARS = ' \t\r\n';
const TRIM_MARKER = 0x2d; // '-'
const TRIM_MARKER_LEN = 2;
const LEFT_COMMENT = '/*';
const RIGHT_COMMENT = '*/';

type StateFn = (l: Lexer) => StateFn | null;

export interface LexOptions {
  emitComment?: boolean;
  breakOK?: boolean;
  continueOK?: boolean;
}

/** The scanner. Its fields are shared with the state functions below (module-internal, like Go's lexer). */
export class Lexer {
  readonly input: string;
  readonly leftDelim: string;
  readonly rightDelim: string;
  readonly emitComment: boolean;
  readonly breakOK: boolean;
  readonly continueOK: boolean;
  /** Current position in the input (UTF-16 index). */
  pos = 0;
  /** Start position of the pending item. */
  start = 0;
  /** Width of the last rune read (UTF-16 units). */
  private width = 0;
  private item: Item | null = null;
  /** Nesting depth of ( ) expressions. */
  parenDepth = 0;
  /** 1 + number of newlines seen. */
  line = 1;
  /** Line of the pending item's start. */
  private startLine = 1;
  private state: StateFn | null = lexText;

  constructor(input: string, left = '{{', right = '}}', options: LexOptions = {}) {
    this.input = input;
    this.leftDelim = left || '{{';
    this.rightDelim = right || '}}';
    this.emitComment = options.emitComment ?? false;
    this.breakOK = options.breakOK ?? true;
    this.continueOK = options.continueOK ?? true;
  }

  /** The next item from the input; after EOF or an error, keeps returning EOF. */
  nextItem(): Item {
    this.item = null;
    while (this.item === null) {
      if (this.state === null) {
        return { typ: ItemType.EOF, pos: this.pos, val: '', line: this.startLine };
      }
      this.state = this.state(this);
    }
    return this.item;
  }

  // ---- helpers (names as in Go) ----

  next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF_RUNE;
    }
    const r = this.input.codePointAt(this.pos)!;
    this.width = r > 0xffff ? 2 : 1;
    this.pos += this.width;
    if (r === 0x0a) this.line++;
    return r;
  }

  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }

  backup(): void {
    this.pos -= this.width;
    if (this.width === 1 && this.input.charCodeAt(this.pos) === 0x0a) this.line--;
  }

  emit(t: ItemType): void {
    this.item = { typ: t, pos: this.start, val: this.input.slice(this.start, this.pos), line: this.startLine };
    this.start = this.pos;
    this.startLine = this.line;
  }

  ignore(): void {
    this.line += countNewlines(this.input, this.start, this.pos);
    this.start = this.pos;
    this.startLine = this.line;
  }

  /** Drop the pending input without counting its newlines (the caller has). */
  skip(): void {
    this.start = this.pos;
    this.startLine = this.line;
  }

  accept(valid: string): boolean {
    const r = this.next();
    if (r >= 0 && valid.includes(String.fromCodePoint(r))) return true;
    this.backup();
    return false;
  }

  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r < 0 || !valid.includes(String.fromCodePoint(r))) break;
    }
    this.backup();
  }

  errorf(msg: string): null {
    this.item = { typ: ItemType.Error, pos: this.start, val: msg, line: this.startLine };
    return null;
  }

  /** Whether the input is at a right delimiter, possibly preceded by a trim marker. */
  atRightDelim(): { delim: boolean; trimSpaces: boolean } {
    const s = this.input;
    if (hasRightTrimMarker(s, this.pos) && s.startsWith(this.rightDelim, this.pos + TRIM_MARKER_LEN)) {
      return { delim: true, trimSpaces: true };
    }
    if (s.startsWith(this.rightDelim, this.pos)) return { delim: true, trimSpaces: false };
    return { delim: false, trimSpaces: false };
  }

  /**
   * Whether the input is at a valid termination character to appear after an identifier. Breaks .X.Y into two
   * pieces. Also catches cases like "$x+2" not being acceptable without a space.
   */
  atTerminator(): boolean {
    const r = this.peek();
    if (isSpace(r)) return true;
    switch (r) {
      case EOF_RUNE:
      case 0x2e: // .
      case 0x2c: // ,
      case 0x7c: // |
      case 0x3a: // :
      case 0x29: // )
      case 0x28: // (
        return true;
    }
    // Does r start the delimiter? This can be ambiguous (with delim=="//", $x/2 will succeed but should fail)
    // but only in extremely rare cases caused by willfully bad choice of delimiter.
    return this.input.startsWith(this.rightDelim, this.pos);
  }
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function isSpace(r: number): boolean {
  return r === 0x20 || r === 0x09 || r === 0x0d || r === 0x0a;
}

/**
 * Non-ASCII letters and digits, made on first use: a regular expression with Unicode property classes costs
 * ~0.3 ms to create, paid by every start if made at load time (the same in gofmt/strconv.ts and elsewhere).
 */
let letterOrDigit: RegExp | undefined;

/** Go's isAlphaNumeric: '_', unicode.IsLetter, unicode.IsDigit. */
export function isAlphaNumeric(r: number): boolean {
  if (r < 0) return false;
  if (r < 0x80) {
    return r === 0x5f || (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
  }
  return (letterOrDigit ??= /^[\p{L}\p{Nd}_]$/u).test(String.fromCodePoint(r));
}

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && s.charCodeAt(at) === TRIM_MARKER && isSpace(s.charCodeAt(at + 1));
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && isSpace(s.charCodeAt(at)) && s.charCodeAt(at + 1) === TRIM_MARKER;
}

function rightTrimLength(s: string, from: number, to: number): number {
  let i = to;
  while (i > from && SPACE_CHARS.includes(s[i - 1]!)) i--;
  return to - i;
}

function leftTrimLength(s: string, from: number): number {
  let i = from;
  while (i < s.length && SPACE_CHARS.includes(s[i]!)) i++;
  return i - from;
}

/** %#U of a rune, as Go prints it in lexer errors: U+0023 '#'. */
function sharpU(r: number): string {
  if (r < 0) return 'U+FFFFFFFFFFFFFFFF';
  const hex = r.toString(16).toUpperCase().padStart(4, '0');
  return isPrint(r) ? `U+${hex} '${String.fromCodePoint(r)}'` : `U+${hex}`;
}

// ---- state functions ----

function lexText(l: Lexer): StateFn | null {
  const input = l.input;
  const x = input.indexOf(l.leftDelim, l.pos);
  if (x >= 0) {
    const ldn = l.leftDelim.length;
    let pos = x;
    let trimLength = 0;
    if (hasLeftTrimMarker(input, pos + ldn)) trimLength = rightTrimLength(input, l.start, pos);
    pos -= trimLength;
    l.pos = pos;
    if (pos > l.start) {
      l.line += countNewlines(input, l.start, pos);
      l.emit(ItemType.Text);
    }
    l.pos = pos + trimLength;
    l.ignore();
    return lexLeftDelim;
  }
  l.pos = input.length;
  // Correctly reached EOF.
  if (l.pos > l.start) {
    l.line += countNewlines(input, l.start, l.pos);
    l.emit(ItemType.Text);
    return lexEOF;
  }
  l.emit(ItemType.EOF);
  return null;
}

function lexEOF(l: Lexer): StateFn | null {
  l.emit(ItemType.EOF);
  return null;
}

function lexLeftDelim(l: Lexer): StateFn | null {
  const input = l.input;
  l.pos += l.leftDelim.length;
  const trimSpace = hasLeftTrimMarker(input, l.pos);
  const afterMarker = trimSpace ? TRIM_MARKER_LEN : 0;
  if (input.startsWith(LEFT_COMMENT, l.pos + afterMarker)) {
    l.pos += afterMarker;
    l.ignore();
    return lexComment;
  }
  l.emit(ItemType.LeftDelim);
  l.pos += afterMarker;
  l.ignore();
  l.parenDepth = 0;
  return lexInsideAction;
}

function lexComment(l: Lexer): StateFn | null {
  const input = l.input;
  l.pos += LEFT_COMMENT.length;
  const x = input.indexOf(RIGHT_COMMENT, l.pos);
  if (x < 0) return l.errorf('unclosed comment');
  l.pos = x + RIGHT_COMMENT.length;
  const { delim, trimSpaces } = l.atRightDelim();
  if (!delim) return l.errorf('comment ends before closing delimiter');
  // The comment's own newlines count towards the next item's line.
  l.line += countNewlines(input, l.start, l.pos);
  if (l.emitComment) l.emit(ItemType.Comment);
  else l.skip();
  if (trimSpaces) l.pos += TRIM_MARKER_LEN;
  l.pos += l.rightDelim.length;
  if (trimSpaces) l.pos += leftTrimLength(input, l.pos);
  l.ignore();
  return lexText;
}

function lexRightDelim(l: Lexer): StateFn | null {
  const input = l.input;
  const trimSpace = l.atRightDelim().trimSpaces;
  if (trimSpace) {
    l.pos += TRIM_MARKER_LEN;
    l.ignore();
  }
  l.pos += l.rightDelim.length;
  l.emit(ItemType.RightDelim);
  if (trimSpace) {
    l.pos += leftTrimLength(input, l.pos);
    l.ignore();
  }
  return lexText;
}

function lexInsideAction(l: Lexer): StateFn | null {
  // Either number, quoted string, or identifier.
  // Spaces separate arguments; runs of spaces turn into itemSpace.
  // Pipe symbols separate and are emitted.
  const { delim } = l.atRightDelim();
  if (delim) {
    if (l.parenDepth === 0) return lexRightDelim;
    return l.errorf('unclosed left paren');
  }
  const r = l.next();
  if (r === EOF_RUNE) return l.errorf('unclosed action');
  if (isSpace(r)) {
    l.backup(); // Put space back in case we have " -}}".
    return lexSpace;
  }
  switch (r) {
    case 0x3d: // =
      l.emit(ItemType.Assign);
      return lexInsideAction;
    case 0x3a: // :
      if (l.next() !== 0x3d) return l.errorf('expected :=');
      l.emit(ItemType.Declare);
      return lexInsideAction;
    case 0x7c: // |
      l.emit(ItemType.Pipe);
      return lexInsideAction;
    case 0x22: // "
      return lexQuote;
    case 0x60: // `
      return lexRawQuote;
    case 0x24: // $
      return lexVariable;
    case 0x27: // '
      return lexChar;
    case 0x2e: {
      // . — special look-ahead for ".field" so we don't break l.backup().
      if (l.pos < l.input.length) {
        const c = l.input.charCodeAt(l.pos);
        if (c < 0x30 || c > 0x39) return lexField;
      }
      l.backup(); // '.' can start a number.
      return lexNumber;
    }
    case 0x28: // (
      l.emit(ItemType.LeftParen);
      l.parenDepth++;
      return lexInsideAction;
    case 0x29: // )
      l.parenDepth--;
      if (l.parenDepth < 0) return l.errorf(`unexpected right paren ${sharpU(r)}`);
      l.emit(ItemType.RightParen);
      return lexInsideAction;
  }
  if (r === 0x2b || r === 0x2d || (r >= 0x30 && r <= 0x39)) {
    l.backup();
    return lexNumber;
  }
  if (isAlphaNumeric(r)) {
    l.backup();
    return lexIdentifier;
  }
  if (r <= 0x7f && r >= 0x20 && r < 0x7f) {
    l.emit(ItemType.Char);
    return lexInsideAction;
  }
  return l.errorf(`unrecognized character in action: ${sharpU(r)}`);
}

function lexSpace(l: Lexer): StateFn | null {
  let numSpaces = 0;
  for (;;) {
    const r = l.peek();
    if (!isSpace(r)) break;
    l.next();
    numSpaces++;
  }
  // Be careful about a trim-marked closing delimiter, which has a minus after a space. We know there is a
  // space, so check for the '-' that might follow.
  const input = l.input;
  if (hasRightTrimMarker(input, l.pos - 1) && input.startsWith(l.rightDelim, l.pos - 1 + TRIM_MARKER_LEN)) {
    l.backup(); // Before the space.
    if (numSpaces === 1) return lexRightDelim; // On the delim, so go right to that.
  }
  l.emit(ItemType.Space);
  return lexInsideAction;
}

function lexIdentifier(l: Lexer): StateFn | null {
  for (;;) {
    const r = l.next();
    if (isAlphaNumeric(r)) continue;
    l.backup();
    const word = l.input.slice(l.start, l.pos);
    if (!l.atTerminator()) return l.errorf(`bad character ${sharpU(r)}`);
    const kw = KEY.get(word);
    if (kw !== undefined && kw > ItemType.Keyword) {
      if ((kw === ItemType.Break && !l.breakOK) || (kw === ItemType.Continue && !l.continueOK)) {
        l.emit(ItemType.Identifier);
      } else {
        l.emit(kw);
      }
    } else if (word[0] === '.') {
      l.emit(ItemType.Field);
    } else if (word === 'true' || word === 'false') {
      l.emit(ItemType.Bool);
    } else {
      l.emit(ItemType.Identifier);
    }
    return lexInsideAction;
  }
}

function lexField(l: Lexer): StateFn | null {
  return lexFieldOrVariable(l, ItemType.Field);
}

function lexVariable(l: Lexer): StateFn | null {
  if (l.atTerminator()) {
    // Nothing interesting follows -> "$".
    l.emit(ItemType.Variable);
    return lexInsideAction;
  }
  return lexFieldOrVariable(l, ItemType.Variable);
}

function lexFieldOrVariable(l: Lexer, typ: ItemType): StateFn | null {
  if (l.atTerminator()) {
    // Nothing interesting follows -> "." or "$".
    l.emit(typ === ItemType.Variable ? ItemType.Variable : ItemType.Dot);
    return lexInsideAction;
  }
  let r: number;
  for (;;) {
    r = l.next();
    if (!isAlphaNumeric(r)) {
      l.backup();
      break;
    }
  }
  if (!l.atTerminator()) return l.errorf(`bad character ${sharpU(r)}`);
  l.emit(typ);
  return lexInsideAction;
}

function lexChar(l: Lexer): StateFn | null {
  for (;;) {
    let r = l.next();
    if (r === 0x5c) {
      r = l.next();
      if (r !== EOF_RUNE && r !== 0x0a) continue;
      return l.errorf('unterminated character constant');
    }
    if (r === EOF_RUNE || r === 0x0a) return l.errorf('unterminated character constant');
    if (r === 0x27) break;
  }
  l.emit(ItemType.CharConstant);
  return lexInsideAction;
}

function lexNumber(l: Lexer): StateFn | null {
  if (!scanNumber(l)) return l.errorf(`bad number syntax: ${quote(l.input.slice(l.start, l.pos))}`);
  const sign = l.peek();
  if (sign === 0x2b || sign === 0x2d) {
    // Complex: 1+2i. No spaces, must end in 'i'.
    if (!scanNumber(l) || l.input[l.pos - 1] !== 'i') {
      return l.errorf(`bad number syntax: ${quote(l.input.slice(l.start, l.pos))}`);
    }
    l.emit(ItemType.Complex);
  } else {
    l.emit(ItemType.Number);
  }
  return lexInsideAction;
}

function scanNumber(l: Lexer): boolean {
  // Optional leading sign.
  l.accept('+-');
  // Is it hex?
  let digits = '0123456789_';
  if (l.accept('0')) {
    // Note: Leading 0 does not mean octal in floats.
    if (l.accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (l.accept('oO')) digits = '01234567_';
    else if (l.accept('bB')) digits = '01_';
  }
  l.acceptRun(digits);
  if (l.accept('.')) l.acceptRun(digits);
  if (digits.length === 10 + 1 && l.accept('eE')) {
    l.accept('+-');
    l.acceptRun('0123456789_');
  }
  if (digits.length === 16 + 6 + 1 && l.accept('pP')) {
    l.accept('+-');
    l.acceptRun('0123456789_');
  }
  // Is it imaginary?
  l.accept('i');
  // Next thing mustn't be alphanumeric.
  if (isAlphaNumeric(l.peek())) {
    l.next();
    return false;
  }
  return true;
}

function lexQuote(l: Lexer): StateFn | null {
  for (;;) {
    let r = l.next();
    if (r === 0x5c) {
      r = l.next();
      if (r !== EOF_RUNE && r !== 0x0a) continue;
      return l.errorf('unterminated quoted string');
    }
    if (r === EOF_RUNE || r === 0x0a) return l.errorf('unterminated quoted string');
    if (r === 0x22) break;
  }
  l.emit(ItemType.String);
  return lexInsideAction;
}

function lexRawQuote(l: Lexer): StateFn | null {
  for (;;) {
    const r = l.next();
    if (r === EOF_RUNE) return l.errorf('unterminated raw quoted string');
    if (r === 0x60) break;
  }
  l.emit(ItemType.RawString);
  return lexInsideAction;
}
