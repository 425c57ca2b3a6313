// Go's `path` package (Clean, Base, Dir, Join, Match) and byte-order string comparison, ported exactly:
// confd's store functions and its `base`/`dir` template functions are defined by them.
//
// JavaScript strings are UTF-16; Go strings are UTF-8 bytes. Everything here gives the same answers as the Go
// code on the UTF-8 encoding of the same text (see compareGo and the notes in pathMatch).

import { compareGo } from '../golib/strings.js';

/** Go's path.Clean. */
export function pathClean(p: string): string {
  if (p === '') return '.';
  if (isCleanAbs(p)) return p;
  const rooted = p.charCodeAt(0) === 0x2f;
  const n = p.length;
  // out is built as a string; `dotdot` is the index where a `..` may no longer backtrack.
  let out = rooted ? '/' : '';
  let r = rooted ? 1 : 0;
  let dotdot = rooted ? 1 : 0;
  while (r < n) {
    const c = p.charCodeAt(r);
    if (c === 0x2f) {
      r++; // empty path element
    } else if (c === 0x2e && (r + 1 === n || p.charCodeAt(r + 1) === 0x2f)) {
      r++; // . element
    } else if (c === 0x2e && p.charCodeAt(r + 1) === 0x2e && (r + 2 === n || p.charCodeAt(r + 2) === 0x2f)) {
      r += 2; // .. element: remove to last /
      if (out.length > dotdot) {
        let w = out.length - 1;
        while (w > dotdot && out.charCodeAt(w) !== 0x2f) w--;
        out = out.slice(0, w);
      } else if (!rooted) {
        // cannot backtrack, but not rooted, so append .. element.
        if (out.length > 0) out += '/';
        out += '..';
        dotdot = out.length;
      }
    } else {
      // real path element; add slash if needed
      if ((rooted && out.length !== 1) || (!rooted && out.length !== 0)) out += '/';
      const start = r;
      while (r < n && p.charCodeAt(r) !== 0x2f) r++;
      out += p.slice(start, r);
    }
  }
  if (out === '') return '.';
  return out;
}

/** Fast check for the common case: an absolute path that path.Clean returns unchanged. */
function isCleanAbs(p: string): boolean {
  if (p.charCodeAt(0) !== 0x2f) return false;
  if (p.length === 1) return true;
  if (p.charCodeAt(p.length - 1) === 0x2f) return false;
  let segStart = 1;
  for (let i = 1; i <= p.length; i++) {
    if (i === p.length || p.charCodeAt(i) === 0x2f) {
      const len = i - segStart;
      if (len === 0) return false;
      if (p.charCodeAt(segStart) === 0x2e && (len === 1 || (len === 2 && p.charCodeAt(segStart + 1) === 0x2e))) return false;
      segStart = i + 1;
    }
  }
  return true;
}

/** Go's path.Base. */
export function pathBase(p: string): string {
  if (p === '') return '.';
  while (p.length > 0 && p.charCodeAt(p.length - 1) === 0x2f) p = p.slice(0, -1);
  const i = p.lastIndexOf('/');
  if (i >= 0) p = p.slice(i + 1);
  if (p === '') return '/';
  return p;
}

/** Go's path.Dir. */
export function pathDir(p: string): string {
  const i = p.lastIndexOf('/');
  return pathClean(p.slice(0, i + 1));
}

/** Go's path.Join. */
export function pathJoin(...elems: string[]): string {
  let size = 0;
  for (const e of elems) size += e.length;
  if (size === 0) return '';
  const nonEmpty = elems.filter((e) => e !== '');
  if (nonEmpty.length === 0) return '';
  return pathClean(nonEmpty.join('/'));
}

/** Go's path.ErrBadPattern message. */
export const ERR_BAD_PATTERN = 'syntax error in pattern';

export class BadPatternError extends Error {
  override readonly name = 'BadPatternError';
  constructor() {
    super(ERR_BAD_PATTERN);
  }
}

// ---- path.Match ---------------------------------------------------------------------------------------------
//
// Ported from Go 1.19 src/path/match.go. Go walks bytes and decodes runes only for `?` and `[`; here we walk
// UTF-16 code units and decode code points for `?` and `[`. For literal characters, comparing a multi-byte
// character byte by byte (Go) or unit by unit (here) fails exactly when the characters differ, so results agree.

/** Go's path.Match. Throws BadPatternError where Go returns ErrBadPattern. */
export function pathMatch(pattern: string, name: string): boolean {
  let star: boolean;
  let chunk: string;
  outer: while (pattern.length > 0) {
    [star, chunk, pattern] = scanChunk(pattern);
    if (star && chunk === '') {
      // Trailing * matches rest of string unless it has a /.
      return name.indexOf('/') < 0;
    }
    // Look for match at current position.
    const t = matchChunk(chunk, name);
    // if we're the last chunk, make sure we've exhausted the name otherwise we'll give a false result even if
    // we could still match using the star
    if (t !== null && (t.length === 0 || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (star) {
      // Look for match skipping i+1 bytes. Cannot skip /.
      for (let i = 0; i < name.length && name.charCodeAt(i) !== 0x2f; i++) {
        const t2 = matchChunk(chunk, name.slice(i + 1));
        if (t2 !== null) {
          // if we're the last chunk, make sure we exhausted the name
          if (pattern.length === 0 && t2.length > 0) continue;
          name = t2;
          continue outer;
        }
      }
    }
    // Before returning false with no error, check that the remainder of the pattern is syntactically valid.
    while (pattern.length > 0) {
      [, chunk, pattern] = scanChunk(pattern);
      matchChunk(chunk, '');
    }
    return false;
  }
  return name.length === 0;
}

/** Throws BadPatternError if `pattern` is malformed (Go reports it for any name, see validPattern use). */
export function checkPattern(pattern: string): void {
  pathMatch(pattern, '');
}

function scanChunk(pattern: string): [boolean, string, string] {
  let star = false;
  while (pattern.length > 0 && pattern.charCodeAt(0) === 0x2a) {
    pattern = pattern.slice(1);
    star = true;
  }
  let inrange = false;
  for (let i = 0; i < pattern.length; i++) {
    switch (pattern.charCodeAt(i)) {
      case 0x5c: // '\\': error check handled in matchChunk: bad pattern.
        if (i + 1 < pattern.length) i++;
        break;
      case 0x5b: // '['
        inrange = true;
        break;
      case 0x5d: // ']'
        inrange = false;
        break;
      case 0x2a: // '*'
        if (!inrange) return [star, pattern.slice(0, i), pattern.slice(i)];
        break;
    }
  }
  return [star, pattern, ''];
}

/** Code point at i and its length in UTF-16 units (Go's utf8.DecodeRuneInString). */
function decodeRune(s: string, i: number): [number, number] {
  const cp = s.codePointAt(i) ?? 0xfffd;
  return [cp, cp > 0xffff ? 2 : 1];
}

/** matchChunk checks whether chunk matches the beginning of s; returns the rest of s, or null if no match. */
function matchChunk(chunk: string, s: string): string | null {
  // failed records whether the match has failed. After the match fails, the loop continues on processing
  // chunk, checking that the pattern is well-formed but no longer reading s.
  let failed = false;
  let ci = 0;
  let si = 0;
  while (ci < chunk.length) {
    if (!failed && si >= s.length) failed = true;
    const c = chunk.charCodeAt(ci);
    if (c === 0x5b) {
      // character class
      let r = 0;
      if (!failed) {
        const [cp, n] = decodeRune(s, si);
        r = cp;
        si += n;
      }
      ci++;
      // possibly negated
      let negated = false;
      if (ci < chunk.length && chunk.charCodeAt(ci) === 0x5e) {
        negated = true;
        ci++;
      }
      // parse all ranges
      let match = false;
      let nrange = 0;
      for (;;) {
        if (ci < chunk.length && chunk.charCodeAt(ci) === 0x5d && nrange > 0) {
          ci++;
          break;
        }
        const lo = getEsc(chunk, ci);
        ci = lo[1];
        let hi = lo[0];
        if (chunk.charCodeAt(ci) === 0x2d) {
          const h = getEsc(chunk, ci + 1);
          hi = h[0];
          ci = h[1];
        }
        if (lo[0] <= r && r <= hi) match = true;
        nrange++;
      }
      if (match === negated) failed = true;
    } else if (c === 0x3f) {
      // '?'
      if (!failed) {
        if (s.charCodeAt(si) === 0x2f) failed = true;
        si += decodeRune(s, si)[1];
      }
      ci++;
    } else {
      if (c === 0x5c) {
        ci++;
        if (ci >= chunk.length) throw new BadPatternError();
      }
      if (!failed) {
        if (chunk.charCodeAt(ci) !== s.charCodeAt(si)) failed = true;
        si++;
      }
      ci++;
    }
  }
  if (failed) return null;
  return s.slice(si);
}

/** getEsc gets a possibly-escaped character from chunk at i, for a character class: [rune, next index]. */
function getEsc(chunk: string, i: number): [number, number] {
  if (i >= chunk.length) throw new BadPatternError();
  let c = chunk.charCodeAt(i);
  if (c === 0x2d || c === 0x5d) throw new BadPatternError();
  if (c === 0x5c) {
    i++;
    if (i >= chunk.length) throw new BadPatternError();
    c = chunk.charCodeAt(i);
  }
  const [r, n] = decodeRune(chunk, i);
  const next = i + n;
  if (next >= chunk.length) throw new BadPatternError();
  return [r, next];
}

/** True if `pattern` contains none of path.Match's special characters. */
export function isLiteralPattern(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 0x2a || c === 0x3f || c === 0x5b || c === 0x5c) return false;
  }
  return true;
}

// ---- byte order ---------------------------------------------------------------------------------------------

// compareGo lives in golib/strings.ts (fmt and text/template order strings the same way).
export { compareGo };

/** Go's sort.Strings: byte order (ties are equal strings, so stability does not matter). */
export function sortGoStrings(a: string[]): string[] {
  return a.sort(compareGo);
}
