// Go strings are bytes; ours are JavaScript strings. This file is the one mapping between the two.
//
// Valid UTF-8 is kept as the ordinary string it decodes to (zero cost in the common case: Buffer.toString).
// Each byte that is not part of a valid UTF-8 sequence is mapped, losslessly, to one lone low surrogate
// U+DC80..U+DCFF (byte 0x80..0xFF; bytes below 0x80 are always valid), as Python's "surrogateescape" does. UTF-8
// cannot encode surrogates (ED A0 80 and the like are invalid and escape byte by byte), so decoding never produces
// such a code unit from valid input and encodeBytes(decodeBytes(b)) is b for every byte sequence.
//
// Everything that needs Go's byte view of a string (len, index, slice, %x, %q, base64, comparison, writing a file)
// goes through the functions here. Other lone surrogates (which only JavaScript code can make) encode as U+FFFD,
// as Buffer does.

import { isUtf8 } from 'node:buffer';

const ESC_LO = 0xdc80;
const ESC_HI = 0xdcff;
const REPLACEMENT = '\ufffd';
/** Any surrogate code unit: the only strings that need the slow paths below. */
const SURROGATE = /[\ud800-\udfff]/;

/**
 * String.prototype.isWellFormed (ES2024, in Node 20): false iff s has a lone surrogate, which every escaped byte is.
 * V8 answers it without a scan for one-byte strings (all ASCII/Latin-1 output), where a regexp test reads the whole
 * rendered file.
 */
const wellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** Whether code unit c at s[i] is an escaped byte (a lone U+DC80..U+DCFF). */
function isEscapeAt(s: string, i: number, c: number): boolean {
  if (c < ESC_LO || c > ESC_HI) return false;
  if (i === 0) return true;
  const p = s.charCodeAt(i - 1);
  return p < 0xd800 || p > 0xdbff;
}

/** Whether s holds escaped bytes (that is, its Go bytes are not valid UTF-8). */
export function hasEscapedBytes(s: string): boolean {
  if (wellFormed(s)) return false;
  for (let i = 0; i < s.length; i++) if (isEscapeAt(s, i, s.charCodeAt(i))) return true;
  return false;
}

/** The string of Go bytes `b` (see the top of the file). */
export function decodeBytes(b: Uint8Array): string {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (isUtf8(buf)) return buf.toString('utf8');
  return decodeEscaping(buf);
}

/** The slow path of decodeBytes: valid runs as text, each invalid byte as its escape. */
function decodeEscaping(b: Buffer): string {
  let out = '';
  let start = 0; // start of the pending valid run
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    const w = validSequenceLength(b, i);
    if (w > 0) {
      i += w;
      continue;
    }
    if (i > start) out += b.toString('utf8', start, i);
    out += String.fromCharCode(ESC_LO + (c - 0x80));
    i++;
    start = i;
  }
  if (start < n) out += b.toString('utf8', start, n);
  return out;
}

/** Length of the valid UTF-8 sequence at b[i] (b[i] >= 0x80), or 0 if it is not one (Go's utf8.DecodeRune rules). */
function validSequenceLength(b: Uint8Array, i: number): number {
  const c = b[i] ?? 0;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const x = b[i + k];
    return x !== undefined && x >= lo && x <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0; // no surrogates
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** The Go bytes of s: its UTF-8 encoding with escaped bytes turned back into the bytes they stand for. */
export function encodeBytes(s: string): Buffer {
  if (wellFormed(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isEscapeAt(s, i, c)) continue;
    if (i > start) parts.push(Buffer.from(s.slice(start, i), 'utf8'));
    parts.push(Buffer.of(c - ESC_LO + 0x80));
    start = i + 1;
  }
  if (start === 0) return Buffer.from(s, 'utf8');
  if (start < s.length) parts.push(Buffer.from(s.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** Byte length of a Go string: UTF-8 length, an escaped byte counting 1. */
export function byteLength(s: string): number {
  // Fast path: pure ASCII strings are the common case in configs.
  let i = 0;
  for (; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) break;
  if (i === s.length) return s.length;
  if (!SURROGATE.test(s) || wellFormed(s)) return Buffer.byteLength(s, 'utf8');
  return encodeBytes(s).length;
}

/** Whether s is plain ASCII, where code units and bytes are the same thing. */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The byte at offset i of a Go string (0 <= i < byteLength(s)). */
export function byteAt(s: string, i: number): number {
  if (i < s.length && isAscii(s)) return s.charCodeAt(i);
  return encodeBytes(s)[i] ?? 0; // callers check i against byteLength(s)
}

/** Go's s[i:j]: bytes i..j-1; a cut inside a multi-byte sequence leaves escaped bytes. */
export function byteSlice(s: string, i: number, j: number): string {
  if (isAscii(s)) return s.slice(i, j);
  return decodeBytes(encodeBytes(s).subarray(i, j));
}

/**
 * The text of a Go string for places that need valid Unicode (JSON decoding, strings.Map-based functions):
 * each escaped byte becomes U+FFFD, as Go's UTF-8 decoding reads it.
 */
export function toValidUnicode(s: string): string {
  if (wellFormed(s)) return s;
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    out += s.slice(start, i) + REPLACEMENT;
    start = i + 1;
  }
  return out + s.slice(start);
}

/** The byte an escaped code unit stands for, or -1 if c at s[i] is not an escaped byte. */
export function escapedByteAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return isEscapeAt(s, i, c) ? c - ESC_LO + 0x80 : -1;
}

/** s for a terminal or a log: each escaped byte shown as `\xff` (the rest as is), never silently as U+FFFD. */
export function showEscapedBytes(s: string): string {
  if (!hasEscapedBytes(s)) return s;
  let out = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const b = escapedByteAt(s, i);
    if (b < 0) continue;
    out += s.slice(start, i) + '\\x' + b.toString(16).padStart(2, '0');
    start = i + 1;
  }
  return out + s.slice(start);
}
