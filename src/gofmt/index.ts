// Go's fmt.Sprint, Sprintf and Sprintln (Go 1.19 semantics) over govalue values.
//
// The template engine prints every {{pipeline}} value through sprint([v]), so the common operands (a string,
// an int, a bool, nil, a float64 with no flags) skip the general printer.

import { GoFloat } from '../govalue/index.js';
import { Printer } from './print.js';
import { formatFloat } from './strconv.js';

export { canBackquote, formatFloat, isPrint, quote, quoteRune, quoteToASCII } from './strconv.js';

/** The %v text of a single operand when no printer state is needed, else undefined. */
function simple(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return String(v); // an int: Number.prototype.toString prints integers below 1e21 in plain digits
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return '<nil>';
      if (v instanceof GoFloat) return formatFloat(v.v, 'g', -1, 64);
      return undefined;
  }
  return undefined;
}

/** fmt.Sprint: operands in their default format, with spaces between operands when neither is a string. */
export function sprint(args: readonly unknown[]): string {
  if (args.length === 1) {
    const s = simple(args[0]);
    if (s !== undefined) return s;
  }
  const p = new Printer();
  p.doPrint(args);
  return p.buf;
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly unknown[]): string {
  const p = new Printer();
  p.doPrintf(format, args);
  return p.buf;
}

/** fmt.Sprintln: operands in their default format, always space-separated, with a trailing newline. */
export function sprintln(args: readonly unknown[]): string {
  if (args.length === 1) {
    const s = simple(args[0]);
    if (s !== undefined) return s + '\n';
  }
  const p = new Printer();
  p.doPrintln(args);
  return p.buf;
}
