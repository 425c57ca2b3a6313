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

/**
 * A format split at its verbs: lits[0] arg0 lits[1] arg1 ... lits[n], where every verb is a plain %s, %v or %d (no
 * flags, width, precision or argument index) and "%%" is already a literal "%".
 */
export interface FormatPlan {
  readonly lits: readonly string[];
  /** Verb letter code per operand. */
  readonly verbs: readonly number[];
}

/** Plans by format (null: not verb-only). Bounded: formats are nearly always constants, a few per template. */
const formatPlans = new Map<string, FormatPlan | null>();
const MAX_FORMAT_PLANS = 256;

/** The plan of a verb-only format, or null when the format needs the general printer (cached). */
export function formatPlan(format: string): FormatPlan | null {
  let plan = formatPlans.get(format);
  if (plan === undefined) {
    plan = planFormat(format);
    if (formatPlans.size < MAX_FORMAT_PLANS) formatPlans.set(format, plan);
  }
  return plan;
}

function planFormat(format: string): FormatPlan | null {
  const lits: string[] = [];
  const verbs: number[] = [];
  let lit = '';
  let last = 0;
  const n = format.length;
  for (let i = format.indexOf('%'); i >= 0; i = format.indexOf('%', i)) {
    if (i + 1 >= n) return null; // a trailing %: %!(NOVERB)
    const verb = format.charCodeAt(i + 1);
    lit += format.slice(last, i);
    if (verb === 0x25) lit += '%';
    else if (verb === 0x73 || verb === 0x76 || verb === 0x64) {
      lits.push(lit);
      verbs.push(verb);
      lit = '';
    } else return null;
    i += 2;
    last = i;
  }
  lits.push(lit + format.slice(last));
  return { lits, verbs };
}

/**
 * fmt.Sprintf. Fast path: a verb-only format (formatPlan) with one operand per verb, each a string for %s/%v or an
 * int (a JS number) for %d/%v. There the general printer writes the literal text and, per operand, fmtString or
 * fmtInteger with no flags, width or precision: the string itself, or the int's decimal digits (String(n)).
 * Anything else (other operand types, EXTRA/MISSING operands, other verbs) goes to the general printer.
 */
export function sprintf(format: string, args: readonly unknown[]): string {
  const plan = formatPlan(format);
  if (plan !== null && plan.verbs.length === args.length) {
    const { lits, verbs } = plan;
    let out = lits[0] as string;
    let i = 0;
    for (; i < args.length; i++) {
      const a = args[i];
      const verb = verbs[i] as number;
      if (typeof a === 'string' && verb !== 0x64) out += a; // %s %v
      else if (typeof a === 'number' && verb !== 0x73) out += String(a); // %d %v of an int
      else break;
      out += lits[i + 1] as string;
    }
    if (i === args.length) return out;
  }
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
