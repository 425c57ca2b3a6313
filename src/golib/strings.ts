// Go's string ordering, shared by every module that sorts or compares like Go (memkv's sorted keys and path
// functions, fmt's map key order, text/template's `lt`): written once here.

import { encodeBytes, escapedByteAt } from '../govalue/bytes.js';

/**
 * Compares two strings as Go compares them: by their bytes (strings.Compare, `<` on strings). Plain code unit order
 * agrees with it except for surrogates: pairs (code points from U+10000, UTF-8 lead byte F0..F4) sort after
 * U+E000..U+FFFF (EE..EF), and escaped bytes (govalue/bytes.ts: a byte that is not UTF-8) sort by the byte they
 * stand for; those rare cases compare the encoded bytes. Negative, zero or positive, like a sort comparator.
 */
export function compareGo(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    if (x < 0x80 || y < 0x80) return x - y; // one side is an ASCII byte, lower than any lead or escaped byte
    if (escapedByteAt(a, i) >= 0 || escapedByteAt(b, i) >= 0) {
      // Back up to the start of the code point both share (a pair's high half) and compare bytes from there.
      const p = i > 0 ? a.charCodeAt(i - 1) : 0;
      const from = p >= 0xd800 && p <= 0xdbff ? i - 1 : i;
      return Buffer.compare(encodeBytes(a.slice(from)), encodeBytes(b.slice(from)));
    }
    if (x >= 0xd800 && y >= 0xd800) return fixup(x) - fixup(y);
    return x - y;
  }
  return a.length - b.length;
}

function fixup(u: number): number {
  // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF: move them above 0xE000-0xFFFF.
  if (u >= 0xe000) return u - 0x800;
  return u + 0x2000;
}
