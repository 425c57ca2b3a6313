// Go's encoding/json Unmarshal into map[string]interface{} / []interface{} (confd's `json` and `jsonArray`),
// with Go's exact error texts. Ported from Go 1.19 src/encoding/json/scanner.go (the validity scan that decides
// every syntax error) plus a decoder for the already-validated bytes (decode.go's interface{} rules: objects
// are map[string]interface{}, arrays []interface{}, numbers float64, duplicate keys: last wins).

import { GoFloat } from '../../govalue/index.js';
import { goQuote } from './gostrconv.js';
import { encodeBytes } from '../../govalue/bytes.js';

export class JSONError extends Error {
  override readonly name = 'JSONError';
}

const enum S {
  BeginValueOrEmpty,
  BeginValue,
  BeginStringOrEmpty,
  BeginString,
  EndValue,
  EndTop,
  InString,
  InStringEsc,
  InStringEscU,
  InStringEscU1,
  InStringEscU12,
  InStringEscU123,
  Neg,
  One,
  Zero,
  Dot,
  Dot0,
  E,
  ESign,
  E0,
  T,
  Tr,
  Tru,
  F,
  Fa,
  Fal,
  Fals,
  N,
  Nu,
  Nul,
  Error,
}

const enum P {
  ObjectKey,
  ObjectValue,
  ArrayValue,
}

const MAX_NESTING_DEPTH = 10000;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}
function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** quoteChar from scanner.go: formats a byte as a quoted character literal. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  const s = goQuote(String.fromCharCode(c)); // Go's string(byte) is the rune U+00XX
  return `'${s.slice(1, -1)}'`;
}

/** The scanner state machine, run over every byte: returns the first syntax error's message, or null. */
function checkValid(data: Uint8Array): string | null {
  let step = S.BeginValue;
  const parse: P[] = [];
  let err: string | null = null;
  let endTop = false;

  const error = (c: number, context: string): void => {
    step = S.Error;
    err = `invalid character ${quoteChar(c)} ${context}`;
  };
  const push = (c: number, p: P): void => {
    parse.push(p);
    if (parse.length > MAX_NESTING_DEPTH) error(c, 'exceeded max depth');
  };
  const pop = (): void => {
    parse.pop();
    if (parse.length === 0) {
      step = S.EndTop;
      endTop = true;
    } else step = S.EndValue;
  };

  const run = (c: number): void => {
    for (;;) {
      switch (step) {
        case S.BeginValueOrEmpty:
          if (isSpace(c)) return;
          if (c === 0x5d) {
            step = S.EndValue;
            continue;
          }
          step = S.BeginValue;
          continue;
        case S.BeginValue:
          if (isSpace(c)) return;
          switch (c) {
            case 0x7b:
              step = S.BeginStringOrEmpty;
              push(c, P.ObjectKey);
              return;
            case 0x5b:
              step = S.BeginValueOrEmpty;
              push(c, P.ArrayValue);
              return;
            case 0x22:
              step = S.InString;
              return;
            case 0x2d:
              step = S.Neg;
              return;
            case 0x30:
              step = S.Zero;
              return;
            case 0x74:
              step = S.T;
              return;
            case 0x66:
              step = S.F;
              return;
            case 0x6e:
              step = S.N;
              return;
          }
          if (c >= 0x31 && c <= 0x39) {
            step = S.One;
            return;
          }
          return error(c, 'looking for beginning of value');
        case S.BeginStringOrEmpty:
          if (isSpace(c)) return;
          if (c === 0x7d) {
            parse[parse.length - 1] = P.ObjectValue;
            step = S.EndValue;
            continue;
          }
          step = S.BeginString;
          continue;
        case S.BeginString:
          if (isSpace(c)) return;
          if (c === 0x22) {
            step = S.InString;
            return;
          }
          return error(c, 'looking for beginning of object key string');
        case S.EndValue: {
          const n = parse.length;
          if (n === 0) {
            step = S.EndTop;
            endTop = true;
            continue;
          }
          if (isSpace(c)) return;
          const ps = parse[n - 1];
          if (ps === P.ObjectKey) {
            if (c === 0x3a) {
              parse[n - 1] = P.ObjectValue;
              step = S.BeginValue;
              return;
            }
            return error(c, 'after object key');
          }
          if (ps === P.ObjectValue) {
            if (c === 0x2c) {
              parse[n - 1] = P.ObjectKey;
              step = S.BeginString;
              return;
            }
            if (c === 0x7d) return pop();
            return error(c, 'after object key:value pair');
          }
          if (c === 0x2c) {
            step = S.BeginValue;
            return;
          }
          if (c === 0x5d) return pop();
          return error(c, 'after array element');
        }
        case S.EndTop:
          if (!isSpace(c)) error(c, 'after top-level value');
          return;
        case S.InString:
          if (c === 0x22) step = S.EndValue;
          else if (c === 0x5c) step = S.InStringEsc;
          else if (c < 0x20) error(c, 'in string literal');
          return;
        case S.InStringEsc:
          switch (c) {
            case 0x62:
            case 0x66:
            case 0x6e:
            case 0x72:
            case 0x74:
            case 0x5c:
            case 0x2f:
            case 0x22:
              step = S.InString;
              return;
            case 0x75:
              step = S.InStringEscU;
              return;
          }
          return error(c, 'in string escape code');
        case S.InStringEscU:
        case S.InStringEscU1:
        case S.InStringEscU12:
        case S.InStringEscU123:
          if (isHex(c)) {
            step = step === S.InStringEscU123 ? S.InString : step + 1;
            return;
          }
          return error(c, 'in \\u hexadecimal character escape');
        case S.Neg:
          if (c === 0x30) {
            step = S.Zero;
            return;
          }
          if (c >= 0x31 && c <= 0x39) {
            step = S.One;
            return;
          }
          return error(c, 'in numeric literal');
        case S.One:
          if (c >= 0x30 && c <= 0x39) return;
          step = S.Zero;
          continue;
        case S.Zero:
          if (c === 0x2e) {
            step = S.Dot;
            return;
          }
          if (c === 0x65 || c === 0x45) {
            step = S.E;
            return;
          }
          step = S.EndValue;
          continue;
        case S.Dot:
          if (c >= 0x30 && c <= 0x39) {
            step = S.Dot0;
            return;
          }
          return error(c, 'after decimal point in numeric literal');
        case S.Dot0:
          if (c >= 0x30 && c <= 0x39) return;
          if (c === 0x65 || c === 0x45) {
            step = S.E;
            return;
          }
          step = S.EndValue;
          continue;
        case S.E:
          if (c === 0x2b || c === 0x2d) {
            step = S.ESign;
            return;
          }
          step = S.ESign;
          continue;
        case S.ESign:
          if (c >= 0x30 && c <= 0x39) {
            step = S.E0;
            return;
          }
          return error(c, 'in exponent of numeric literal');
        case S.E0:
          if (c >= 0x30 && c <= 0x39) return;
          step = S.EndValue;
          continue;
        case S.T:
          if (c === 0x72) step = S.Tr;
          else error(c, "in literal true (expecting 'r')");
          return;
        case S.Tr:
          if (c === 0x75) step = S.Tru;
          else error(c, "in literal true (expecting 'u')");
          return;
        case S.Tru:
          if (c === 0x65) step = S.EndValue;
          else error(c, "in literal true (expecting 'e')");
          return;
        case S.F:
          if (c === 0x61) step = S.Fa;
          else error(c, "in literal false (expecting 'a')");
          return;
        case S.Fa:
          if (c === 0x6c) step = S.Fal;
          else error(c, "in literal false (expecting 'l')");
          return;
        case S.Fal:
          if (c === 0x73) step = S.Fals;
          else error(c, "in literal false (expecting 's')");
          return;
        case S.Fals:
          if (c === 0x65) step = S.EndValue;
          else error(c, "in literal false (expecting 'e')");
          return;
        case S.N:
          if (c === 0x75) step = S.Nu;
          else error(c, "in literal null (expecting 'u')");
          return;
        case S.Nu:
          if (c === 0x6c) step = S.Nul;
          else error(c, "in literal null (expecting 'l')");
          return;
        case S.Nul:
          if (c === 0x6c) step = S.EndValue;
          else error(c, "in literal null (expecting 'l')");
          return;
        case S.Error:
          return;
      }
    }
  };

  for (let i = 0; i < data.length; i++) {
    run(data[i] as number);
    if (err !== null) return err;
  }
  // eof()
  if (endTop) return null;
  run(0x20);
  if (endTop && err === null) return null;
  return err ?? 'unexpected end of JSON input';
}

// ---- decoding validated input -------------------------------------------------------------------------------

class Decoder {
  i = 0;
  /** The first UnmarshalTypeError (Go saves it and keeps decoding). */
  saved: string | null = null;
  constructor(private readonly d: Uint8Array) {}

  private skipSpace(): void {
    while (this.i < this.d.length && isSpace(this.d[this.i] as number)) this.i++;
  }

  /** Kind of the next value without consuming it. */
  peekKind(): 'object' | 'array' | 'string' | 'number' | 'bool' | 'null' {
    this.skipSpace();
    const c = this.d[this.i] as number;
    if (c === 0x7b) return 'object';
    if (c === 0x5b) return 'array';
    if (c === 0x22) return 'string';
    if (c === 0x74 || c === 0x66) return 'bool';
    if (c === 0x6e) return 'null';
    return 'number';
  }

  value(): unknown {
    this.skipSpace();
    const c = this.d[this.i] as number;
    switch (c) {
      case 0x7b: {
        this.i++;
        const m = new Map<unknown, unknown>();
        this.skipSpace();
        if (this.d[this.i] === 0x7d) {
          this.i++;
          return m;
        }
        for (;;) {
          this.skipSpace();
          const k = this.string();
          this.skipSpace();
          this.i++; // ':'
          m.set(k, this.value());
          this.skipSpace();
          if (this.d[this.i++] === 0x7d) return m; // else ','
        }
      }
      case 0x5b: {
        this.i++;
        const a: unknown[] = [];
        this.skipSpace();
        if (this.d[this.i] === 0x5d) {
          this.i++;
          return a;
        }
        for (;;) {
          a.push(this.value());
          this.skipSpace();
          if (this.d[this.i++] === 0x5d) return a; // else ','
        }
      }
      case 0x22:
        return this.string();
      case 0x74:
        this.i += 4;
        return true;
      case 0x66:
        this.i += 5;
        return false;
      case 0x6e:
        this.i += 4;
        return null;
      default:
        return this.number();
    }
  }

  private number(): GoFloat | null {
    const start = this.i;
    while (this.i < this.d.length) {
      const c = this.d[this.i] as number;
      if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45) this.i++;
      else break;
    }
    const s = Buffer.from(this.d.subarray(start, this.i)).toString('latin1');
    const f = Number(s); // correctly rounded, as strconv.ParseFloat
    if (!Number.isFinite(f)) {
      this.saved ??= `json: cannot unmarshal number ${s} into Go value of type float64`;
      return null;
    }
    return new GoFloat(f);
  }

  private string(): string {
    const d = this.d;
    this.i++; // opening quote
    const start = this.i;
    // Fast path: no escapes.
    while (d[this.i] !== 0x22 && d[this.i] !== 0x5c) this.i++;
    if (d[this.i] === 0x22) {
      const s = Buffer.from(d.subarray(start, this.i)).toString('utf8');
      this.i++;
      return s;
    }
    const bytes: number[] = [];
    for (let j = start; j < this.i; j++) bytes.push(d[j] as number);
    const units: string[] = [];
    const flush = (): void => {
      if (bytes.length > 0) {
        units.push(Buffer.from(bytes).toString('utf8'));
        bytes.length = 0;
      }
    };
    for (;;) {
      const c = d[this.i] as number;
      if (c === 0x22) {
        this.i++;
        break;
      }
      if (c !== 0x5c) {
        bytes.push(c);
        this.i++;
        continue;
      }
      const e = d[this.i + 1] as number;
      this.i += 2;
      switch (e) {
        case 0x62:
          bytes.push(0x08);
          break;
        case 0x66:
          bytes.push(0x0c);
          break;
        case 0x6e:
          bytes.push(0x0a);
          break;
        case 0x72:
          bytes.push(0x0d);
          break;
        case 0x74:
          bytes.push(0x09);
          break;
        case 0x75: {
          let r = this.hex4(this.i);
          this.i += 4;
          if (r >= 0xd800 && r < 0xe000) {
            // A surrogate: valid only as a high surrogate followed by a \u low surrogate.
            let pair = -1;
            if (r < 0xdc00 && d[this.i] === 0x5c && d[this.i + 1] === 0x75) {
              const r2 = this.hex4(this.i + 2);
              if (r2 >= 0xdc00 && r2 < 0xe000) pair = (r - 0xd800) * 0x400 + (r2 - 0xdc00) + 0x10000;
            }
            if (pair >= 0) {
              this.i += 6;
              r = pair;
            } else r = 0xfffd;
          }
          flush();
          units.push(String.fromCodePoint(r));
          break;
        }
        default:
          bytes.push(e); // \\ \/ \"
      }
    }
    flush();
    return units.join('');
  }

  private hex4(at: number): number {
    return parseInt(Buffer.from(this.d.subarray(at, at + 4)).toString('latin1'), 16);
  }
}

/** json.Unmarshal(data, &map[string]interface{}). A JSON null gives an empty (nil) map. */
export function unmarshalObject(data: string): Map<unknown, unknown> {
  const bytes = encodeBytes(data);
  const syntax = checkValid(bytes);
  if (syntax !== null) throw new JSONError(syntax);
  const dec = new Decoder(bytes);
  const kind = dec.peekKind();
  if (kind === 'null') return new Map();
  if (kind !== 'object') throw new JSONError(`json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
  const v = dec.value() as Map<unknown, unknown>;
  if (dec.saved !== null) throw new JSONError(dec.saved);
  return v;
}

/** json.Unmarshal(data, &[]interface{}). A JSON null gives an empty (nil) slice. */
export function unmarshalArray(data: string): unknown[] {
  const bytes = encodeBytes(data);
  const syntax = checkValid(bytes);
  if (syntax !== null) throw new JSONError(syntax);
  const dec = new Decoder(bytes);
  const kind = dec.peekKind();
  if (kind === 'null') return [];
  if (kind !== 'array') throw new JSONError(`json: cannot unmarshal ${kind} into Go value of type []interface {}`);
  const v = dec.value() as unknown[];
  if (dec.saved !== null) throw new JSONError(dec.saved);
  return v;
}
