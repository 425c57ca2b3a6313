// Go's internal/fmtsort (1.19): the key order fmt uses to print maps.

/* eslint-disable @typescript-eslint/no-non-null-assertion -- ported line by line from Go, whose indexing is
   bounds-checked at run time: each `!` marks an index the code around it (a loop bound, a length check) keeps in
   range, as Go's code relies on. Narrowing each one would make the port diverge from Go's and add branches to hot
   paths of the engine. */

import { compareGo } from '../golib/strings.js';
import { type GoType, isStruct, numericValue, typeOf, typeString } from '../govalue/index.js';

/** Compare strings as Go does: by UTF-8 bytes (golib/strings.ts). */
export const compareStrings: (a: string, b: string) => number = compareGo;

function floatCompare(a: number, b: number): number {
  if (Number.isNaN(a)) return -1; // no good answer if b is NaN too, so don't bother checking
  if (Number.isNaN(b)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compare two map keys of static type t. Interface keys compare first by dynamic type and then by value; Go
 * orders the types by the address of their runtime type descriptors, which no program can rely on, so we order
 * them by type name instead.
 */
export function compareKeys(a: unknown, b: unknown, t: GoType): number {
  switch (t.kind) {
    case 'int': {
      const x = numericValue(a) ?? 0;
      const y = numericValue(b) ?? 0;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'float':
      return floatCompare(Number(numericValue(a) ?? 0), Number(numericValue(b) ?? 0));
    case 'string':
      return compareStrings(a as string, b as string);
    case 'bool':
      return a === b ? 0 : a === false ? -1 : 1;
    case 'interface': {
      if (a === null || b === null) return a === null ? (b === null ? 0 : -1) : 1;
      const ta = typeOf(a);
      const tb = typeOf(b);
      const c = compareStrings(typeString(ta!), typeString(tb!));
      if (c !== 0) return c;
      return compareKeys(a, b, ta!);
    }
    case 'struct':
      if (isStruct(a) && isStruct(b)) {
        for (const f of t.fields) {
          const c = compareKeys(a[f.name], b[f.name], f.type);
          if (c !== 0) return c;
        }
      }
      return 0;
    default:
      // Pointers, channels and arrays of them: Go compares addresses; insertion order is the closest stable answer.
      return 0;
  }
}

/** Map entries in Go's print order. */
export function sortedEntries(m: Map<unknown, unknown>, keyType: GoType): Array<[unknown, unknown]> {
  const entries = Array.from(m.entries());
  if (entries.length > 1) {
    if (keyType.kind === 'string') entries.sort((x, y) => compareStrings(x[0] as string, y[0] as string));
    else entries.sort((x, y) => compareKeys(x[0], y[0], keyType));
  }
  return entries;
}
