// Go's string ordering, shared by every module that sorts or compares like Go (memkv's sorted keys and path
// functions, fmt's map key order, text/template's `lt`): written once here.

/**
 * Compares two strings as Go compares them: by their UTF-8 bytes (strings.Compare, `<` on strings). UTF-8 byte
 * order is code point order, which differs from UTF-16 unit order only when a surrogate (U+10000 and up) meets a
 * unit in U+E000..U+FFFF. Negative, zero or positive, like a sort comparator.
 */
export function compareGo(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return fixup(x) - fixup(y);
      return x - y;
    }
  }
  return a.length - b.length;
}

function fixup(u: number): number {
  // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF: move them above 0xE000-0xFFFF.
  if (u >= 0xe000) return u - 0x800;
  return u + 0x2000;
}
