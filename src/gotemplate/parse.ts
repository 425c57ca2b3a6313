// Parser for Go 1.19 text/template (port of text/template/parse/parse.go): builds one tree per template name
// (the main template plus every {{define}} and {{block}}), with Go's exact error messages.

/* eslint-disable @typescript-eslint/no-non-null-assertion -- ported line by line from Go, whose indexing is
   bounds-checked at run time: each `!` marks an index the code around it (a loop bound, a length check) keeps in
   range, as Go's code relies on. Narrowing each one would make the port diverge from Go's and add branches to hot
   paths of the engine. */

import { decodeBytes, encodeBytes } from '../govalue/bytes.js';
import { quote } from '../gofmt/strconv.js';
import { itemString, ItemType, Lexer, type Item } from './lex.js';
import {
  ActionNode,
  BoolNode,
  BreakNode,
  ChainNode,
  CommandNode,
  CommentNode,
  ContinueNode,
  DotNode,
  ElseNode,
  EndNode,
  FieldNode,
  IdentifierNode,
  IfNode,
  ListNode,
  NilNode,
  NodeType,
  NumberNode,
  PipeNode,
  RangeNode,
  StringNode,
  TemplateNode,
  TextNode,
  VariableNode,
  WithNode,
  type Node,
  type TreeInfo,
} from './node.js';

export class TemplateParseError extends Error {
  override readonly name = 'TemplateParseError';
  readonly code = 'ETEMPLATEPARSE';
  constructor(message: string) {
    super(message);
  }
}

/** A parsed template: its name and root list. */
export interface Tree {
  readonly name: string;
  readonly root: ListNode;
  readonly info: TreeInfo;
}

/**
 * Nesting limit of parenthesised pipelines. Go's maxStackDepth is 10000, more than a JS stack holds for this
 * recursive parser; 1000 keeps Go's error message for any template a human would write.
 */
export const MAX_STACK_DEPTH = 1000;

export interface ParseOptions {
  /** Names of the functions the template may call (the function map plus builtins). */
  hasFunction: (name: string) => boolean;
  /** Keep comments as CommentNodes (Go's parse.ParseComments mode). */
  parseComments?: boolean;
  /** Do not check that functions are defined (Go's parse.SkipFuncCheck mode). */
  skipFuncCheck?: boolean;
  leftDelim?: string;
  rightDelim?: string;
}

/** Parse `text` as template `name`; returns every tree defined in it, keyed by name (Go's parse.Parse). */
export function parse(name: string, text: string, options: ParseOptions): Map<string, Tree> {
  const treeSet = new Map<string, Tree>();
  const info: TreeInfo = { parseName: name, text };
  const lexer = new Lexer(text, options.leftDelim, options.rightDelim, {
    emitComment: options.parseComments ?? false,
    breakOK: !options.hasFunction('break'),
    continueOK: !options.hasFunction('continue'),
  });
  const p = new TreeParser(name, info, lexer, treeSet, options);
  p.parse();
  p.add();
  for (const tree of treeSet.values()) deepFreeze(tree.root);
  return treeSet;
}

/** Parsed trees are shared by every execution: make accidental mutation impossible. */
function deepFreeze(o: object): void {
  if (Object.isFrozen(o)) return;
  Object.freeze(o);
  for (const [k, v] of Object.entries(o)) {
    if (k !== 'tree' && typeof v === 'object' && v !== null) deepFreeze(v);
  }
}

/** Go's parse.IsEmptyTree: whether the tree is only whitespace text and comments. */
export function isEmptyTree(n: Node | null): boolean {
  if (n === null) return true;
  switch (n.type) {
    case NodeType.Comment:
      return true;
    case NodeType.List:
      return n.nodes.every(isEmptyTree);
    case NodeType.Text:
      return /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/.test(n.text);
    default:
      return false;
  }
}

class TreeParser {
  private root: ListNode | null = null;
  private readonly token: Item[] = [];
  private peekCount = 0;
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;
  private stackDepth = 0;

  constructor(
    private name: string,
    private readonly info: TreeInfo,
    private readonly lex: Lexer,
    private readonly treeSet: Map<string, Tree>,
    private readonly options: ParseOptions,
  ) {}

  // ---- token handling ----

  private next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.token[0] = this.lex.nextItem();
    return this.token[this.peekCount]!;
  }
  private backup(): void {
    this.peekCount++;
  }
  private backup2(t1: Item): void {
    this.token[1] = t1;
    this.peekCount = 2;
  }
  private backup3(t2: Item, t1: Item): void {
    // Reverse order: we're pushing back.
    this.token[1] = t1;
    this.token[2] = t2;
    this.peekCount = 3;
  }
  private peek(): Item {
    if (this.peekCount > 0) return this.token[this.peekCount - 1]!;
    this.peekCount = 1;
    this.token[0] = this.lex.nextItem();
    return this.token[0];
  }
  private nextNonSpace(): Item {
    for (;;) {
      const token = this.next();
      if (token.typ !== ItemType.Space) return token;
    }
  }
  private peekNonSpace(): Item {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  // ---- errors ----

  private errorf(msg: string): never {
    this.root = null;
    throw new TemplateParseError(`template: ${this.info.parseName}:${this.token[0]?.line ?? 0}: ${msg}`);
  }
  private expect(expected: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== expected) this.unexpected(token, context);
    return token;
  }
  private expectOneOf(expected1: ItemType, expected2: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.typ !== expected1 && token.typ !== expected2) this.unexpected(token, context);
    return token;
  }
  private unexpected(token: Item, context: string): never {
    if (token.typ === ItemType.Error) {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.info.parseName}:${this.actionLine}`;
        if (token.val.endsWith(' action')) extra = extra.slice(' in action'.length); // avoid "action in action"
      }
      this.errorf(`${itemString(token)}${extra}`);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`);
  }

  // ---- tree set ----

  /** Adds this tree to the set; an existing non-empty definition is an error. */
  add(): void {
    const root = this.root!;
    const tree = this.treeSet.get(this.name);
    if (tree === undefined || isEmptyTree(tree.root)) {
      this.treeSet.set(this.name, { name: this.name, root, info: this.info });
      return;
    }
    if (!isEmptyTree(root)) this.errorf(`template: multiple definition of template ${goQuote(this.name)}`);
  }

  private child(name: string): TreeParser {
    const p = new TreeParser(name, this.info, this.lex, this.treeSet, this.options);
    return p;
  }

  // ---- grammar ----

  parse(): void {
    this.root = new ListNode(this.info, this.peek().pos);
    while (this.peek().typ !== ItemType.EOF) {
      if (this.peek().typ === ItemType.LeftDelim) {
        const delim = this.next();
        if (this.nextNonSpace().typ === ItemType.Define) {
          const newT = this.child('definition'); // name will be updated once we know it.
          newT.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === NodeType.End || n.type === NodeType.Else) this.errorf(`unexpected ${n.toString()}`);
      this.root!.nodes.push(n);
    }
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const name = this.expectOneOf(ItemType.String, ItemType.RawString, context);
    this.name = this.unquoteOrError(name.val);
    this.expect(ItemType.RightDelim, context);
    const [list, end] = this.itemList();
    this.root = list;
    if (end.type !== NodeType.End) this.errorf(`unexpected ${end.toString()} in ${context}`);
    this.add();
  }

  private itemList(): [ListNode, Node] {
    const list = new ListNode(this.info, this.peekNonSpace().pos);
    while (this.peekNonSpace().typ !== ItemType.EOF) {
      const n = this.textOrAction();
      if (n.type === NodeType.End || n.type === NodeType.Else) return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Text:
        return new TextNode(this.info, token.pos, token.val);
      case ItemType.LeftDelim: {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      case ItemType.Comment:
        return new CommentNode(this.info, token.pos, token.val);
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Block:
        return this.blockControl();
      case ItemType.Break:
        return this.breakControl(token.pos, token.line);
      case ItemType.Continue:
        return this.continueControl(token.pos, token.line);
      case ItemType.Else:
        return this.elseControl();
      case ItemType.End:
        return this.endControl();
      case ItemType.If:
        return this.ifControl();
      case ItemType.Range:
        return this.rangeControl();
      case ItemType.Template:
        return this.templateControl();
      case ItemType.With:
        return this.withControl();
    }
    this.backup();
    const t = this.peek();
    // Do not pop variables; they persist until "end".
    return new ActionNode(this.info, t.pos, t.line, this.pipeline('command', ItemType.RightDelim));
  }

  private breakControl(pos: number, line: number): Node {
    const token = this.nextNonSpace();
    if (token.typ !== ItemType.RightDelim) this.unexpected(token, '{{break}}');
    if (this.rangeDepth === 0) this.errorf('{{break}} outside {{range}}');
    return new BreakNode(this.info, pos, line);
  }

  private continueControl(pos: number, line: number): Node {
    const token = this.nextNonSpace();
    if (token.typ !== ItemType.RightDelim) this.unexpected(token, '{{continue}}');
    if (this.rangeDepth === 0) this.errorf('{{continue}} outside {{range}}');
    return new ContinueNode(this.info, pos, line);
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const token = this.peekNonSpace();
    const pipe = new PipeNode(this.info, token.pos, token.line);
    // Are there declarations or assignments?
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ === ItemType.Variable) {
        this.next();
        // Since space is a token, we need 3-token look-ahead here in the worst case: in "$x foo" we need to
        // read "foo" (as opposed to ":=") to know that $x is an argument variable rather than a declaration.
        const tokenAfterVariable = this.peek();
        const next = this.peekNonSpace();
        if (next.typ === ItemType.Assign || next.typ === ItemType.Declare) {
          pipe.isAssign = next.typ === ItemType.Assign;
          this.nextNonSpace();
          pipe.decl.push(new VariableNode(this.info, v.pos, v.val));
          this.vars.push(v.val);
        } else if (next.typ === ItemType.Char && next.val === ',') {
          this.nextNonSpace();
          pipe.decl.push(new VariableNode(this.info, v.pos, v.val));
          this.vars.push(v.val);
          if (context === 'range' && pipe.decl.length < 2) {
            const t = this.peekNonSpace().typ;
            if (t === ItemType.Variable || t === ItemType.RightDelim || t === ItemType.RightParen) {
              // second initialized variable in a range pipeline
              continue decls;
            }
            this.errorf('range can only initialize variables');
          }
          this.errorf(`too many declarations in ${context}`);
        } else if (tokenAfterVariable.typ === ItemType.Space) {
          this.backup3(v, tokenAfterVariable);
        } else {
          this.backup2(v);
        }
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.typ) {
        case end:
          // At this point, the pipeline is complete
          this.checkPipeline(pipe, context);
          return pipe;
        case ItemType.Bool:
        case ItemType.CharConstant:
        case ItemType.Complex:
        case ItemType.Dot:
        case ItemType.Field:
        case ItemType.Identifier:
        case ItemType.Number:
        case ItemType.Nil:
        case ItemType.RawString:
        case ItemType.String:
        case ItemType.Variable:
        case ItemType.LeftParen:
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    // Reject empty pipelines
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    // Only the first command of a pipeline can start with a non executable operand
    pipe.cmds.slice(1).forEach((c, i) => {
      switch (c.args[0]!.type) {
        case NodeType.Bool:
        case NodeType.Dot:
        case NodeType.Nil:
        case NodeType.Number:
        case NodeType.String:
          // With A|B|C, pipeline stage 2 is B
          this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private parseControl(allowElseIf: boolean, context: string): [number, number, PipeNode, ListNode, ListNode | null] {
    const varsMark = this.vars.length;
    try {
      const pipe = this.pipeline(context, ItemType.RightDelim);
      if (context === 'range') this.rangeDepth++;
      let [list, next] = this.itemList();
      if (context === 'range') this.rangeDepth--;
      let elseList: ListNode | null = null;
      if (next.type === NodeType.Else) {
        // Special case for "else if". If the "else" is followed immediately by an "if", the elseControl will
        // have left the "if" token pending. Treat {{if a}}_{{else if b}}_{{end}} as
        // {{if a}}_{{else}}{{if b}}_{{end}}{{end}}.
        if (allowElseIf && this.peek().typ === ItemType.If) {
          this.next(); // Consume the "if" token.
          elseList = new ListNode(this.info, next.pos);
          elseList.nodes.push(this.ifControl());
          // Do not consume the next item - only one {{end}} required.
        } else {
          [elseList, next] = this.itemList();
          if (next.type !== NodeType.End) this.errorf(`expected end; found ${next.toString()}`);
        }
      }
      return [pipe.pos, pipe.line, pipe, list, elseList];
    } finally {
      this.vars.length = varsMark;
    }
  }

  private ifControl(): Node {
    const [pos, line, pipe, list, elseList] = this.parseControl(true, 'if');
    return new IfNode(this.info, pos, line, pipe, list, elseList);
  }

  private rangeControl(): Node {
    const [pos, line, pipe, list, elseList] = this.parseControl(false, 'range');
    return new RangeNode(this.info, pos, line, pipe, list, elseList);
  }

  private withControl(): Node {
    const [pos, line, pipe, list, elseList] = this.parseControl(false, 'with');
    return new WithNode(this.info, pos, line, pipe, list, elseList);
  }

  private endControl(): Node {
    return new EndNode(this.info, this.expect(ItemType.RightDelim, 'end').pos);
  }

  private elseControl(): Node {
    // Special case for "else if".
    const peek = this.peekNonSpace();
    if (peek.typ === ItemType.If) {
      // We see "{{else if ... " but in effect rewrite it to {{else}}{{if ... ".
      return new ElseNode(this.info, peek.pos, peek.line);
    }
    const token = this.expect(ItemType.RightDelim, 'else');
    return new ElseNode(this.info, token.pos, token.line);
  }

  private blockControl(): Node {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, ItemType.RightDelim);

    const block = this.child(name);
    const [list, end] = block.itemList();
    block.root = list;
    if (end.type !== NodeType.End) this.errorf(`unexpected ${end.toString()} in ${context}`);
    block.add();
    return new TemplateNode(this.info, token.pos, token.line, name, pipe);
  }

  private templateControl(): Node {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== ItemType.RightDelim) {
      this.backup();
      // Do not pop variables; they persist until "end".
      pipe = this.pipeline(context, ItemType.RightDelim);
    }
    return new TemplateNode(this.info, token.pos, token.line, name, pipe);
  }

  private parseTemplateName(token: Item, context: string): string {
    if (token.typ === ItemType.String || token.typ === ItemType.RawString) return this.unquoteOrError(token.val);
    this.unexpected(token, context);
  }

  private command(): CommandNode {
    const cmd = new CommandNode(this.info, this.peekNonSpace().pos);
    for (;;) {
      this.peekNonSpace(); // skip leading spaces.
      const operand = this.operand();
      if (operand !== null) cmd.args.push(operand);
      const token = this.next();
      switch (token.typ) {
        case ItemType.Space:
          continue;
        case ItemType.RightDelim:
        case ItemType.RightParen:
          this.backup();
          break;
        case ItemType.Pipe:
          // nothing here; break loop below
          break;
        default:
          this.unexpected(token, 'operand');
      }
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): Node | null {
    let node = this.term();
    if (node === null) return null;
    if (this.peek().typ === ItemType.Field) {
      const chain = new ChainNode(this.info, this.peek().pos, node);
      while (this.peek().typ === ItemType.Field) chain.add(this.next().val);
      // Compatibility with original API: If the term is of type NodeField or NodeVariable, just put more fields
      // on the original. Otherwise, keep the Chain node. Obvious parsing errors involving literal values are
      // detected here. More complex error cases will have to be handled at execution time.
      switch (node.type) {
        case NodeType.Field:
          node = new FieldNode(this.info, chain.pos, chain.toString());
          break;
        case NodeType.Variable:
          node = new VariableNode(this.info, chain.pos, chain.toString());
          break;
        case NodeType.Bool:
        case NodeType.String:
        case NodeType.Number:
        case NodeType.Nil:
        case NodeType.Dot:
          this.errorf(`unexpected . after term ${goQuote(node.toString())}`);
        // falls through (errorf throws)
        default:
          node = chain;
      }
    }
    return node;
  }

  private term(): Node | null {
    const token = this.nextNonSpace();
    switch (token.typ) {
      case ItemType.Identifier:
        if (!this.options.skipFuncCheck && !this.options.hasFunction(token.val)) {
          this.errorf(`function ${goQuote(token.val)} not defined`);
        }
        return new IdentifierNode(this.info, token.pos, token.val);
      case ItemType.Dot:
        return new DotNode(this.info, token.pos);
      case ItemType.Nil:
        return new NilNode(this.info, token.pos);
      case ItemType.Variable:
        return this.useVar(token.pos, token.val);
      case ItemType.Field:
        return new FieldNode(this.info, token.pos, token.val);
      case ItemType.Bool:
        return new BoolNode(this.info, token.pos, token.val === 'true');
      case ItemType.CharConstant:
      case ItemType.Complex:
      case ItemType.Number: {
        const r = newNumber(this.info, token.pos, token.val, token.typ);
        if (typeof r === 'string') this.errorf(r);
        return r;
      }
      case ItemType.LeftParen: {
        if (this.stackDepth >= MAX_STACK_DEPTH) this.errorf('max expression depth exceeded');
        this.stackDepth++;
        try {
          return this.pipeline('parenthesized pipeline', ItemType.RightParen);
        } finally {
          this.stackDepth--;
        }
      }
      case ItemType.String:
      case ItemType.RawString:
        return new StringNode(this.info, token.pos, token.val, this.unquoteOrError(token.val));
    }
    this.backup();
    return null;
  }

  private useVar(pos: number, name: string): Node {
    const v = new VariableNode(this.info, pos, name);
    if (this.vars.includes(v.ident[0]!)) return v;
    this.errorf(`undefined variable ${goQuote(v.ident[0]!)}`);
  }

  private unquoteOrError(s: string): string {
    const r = unquote(s);
    if (r === null) this.errorf('invalid syntax');
    return r;
  }
}

/** Go's %q (strconv.Quote). */
function goQuote(s: string): string {
  return quote(s);
}

// ---- strconv.Unquote / UnquoteChar ----

/** strconv.UnquoteChar on s at index i; returns the rune (or byte for \x and octal) and the next index. */
function unquoteChar(s: string, i: number, quote: number): { value: number; isByte: boolean; next: number } | null {
  const c = s.codePointAt(i);
  if (c === undefined) return null;
  if (c === quote && (quote === 0x27 || quote === 0x22)) return null;
  if (c !== 0x5c) return { value: c, isByte: false, next: i + (c > 0xffff ? 2 : 1) };
  const e = s.charCodeAt(i + 1);
  if (Number.isNaN(e)) return null;
  let j = i + 2;
  switch (e) {
    case 0x61: return { value: 7, isByte: false, next: j };
    case 0x62: return { value: 8, isByte: false, next: j };
    case 0x66: return { value: 12, isByte: false, next: j };
    case 0x6e: return { value: 10, isByte: false, next: j };
    case 0x72: return { value: 13, isByte: false, next: j };
    case 0x74: return { value: 9, isByte: false, next: j };
    case 0x76: return { value: 11, isByte: false, next: j };
    case 0x78: // x
    case 0x75: // u
    case 0x55: { // U
      const n = e === 0x78 ? 2 : e === 0x75 ? 4 : 8;
      const hex = s.slice(j, j + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return null;
      const v = parseInt(hex, 16);
      j += n;
      if (e === 0x78) return { value: v, isByte: true, next: j };
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return null;
      return { value: v, isByte: false, next: j };
    }
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37: {
      const oct = s.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return null;
      const v = parseInt(oct, 8);
      if (v > 255) return null;
      return { value: v, isByte: true, next: i + 4 };
    }
    case 0x5c:
      return { value: 0x5c, isByte: false, next: j };
    case 0x27:
    case 0x22:
      if (e !== quote) return null;
      return { value: e, isByte: false, next: j };
    default:
      return null;
  }
}

/** strconv.Unquote for "..." and `...` literals; null on a syntax error. */
export function unquote(s: string): string | null {
  const n = s.length;
  if (n < 2) return null;
  const q = s.charCodeAt(0);
  if (q !== s.charCodeAt(n - 1)) return null;
  const body = s.slice(1, n - 1);
  if (q === 0x60) {
    if (body.includes('`')) return null;
    return body.includes('\r') ? body.replaceAll('\r', '') : body;
  }
  if (q !== 0x22 && q !== 0x27) return null;
  if (body.includes('\n')) return null;
  if (!body.includes('\\') && !body.includes(String.fromCharCode(q))) {
    if (q === 0x22) return body;
    if (q === 0x27 && [...body].length === 1) return body;
  }
  const bytes: number[] = [];
  let i = 0;
  let count = 0;
  while (i < body.length) {
    const r = unquoteChar(body, i, q);
    if (r === null) return null;
    i = r.next;
    count++;
    if (r.isByte) bytes.push(r.value);
    else for (const b of encodeBytes(String.fromCodePoint(r.value))) bytes.push(b);
    if (q === 0x27 && count > 1) return null;
  }
  if (q === 0x27 && count !== 1) return null;
  return decodeBytes(Uint8Array.from(bytes)); // "\xff" is the byte 0xff, as in Go
}

// ---- numbers (parse.NumberNode) ----

const U64_MAX = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

/** Go's underscoreOK: underscores only between digits or between a base prefix and a digit. */
function underscoreOK(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'bBoOxX'.includes(s[1]!)) {
    i = 2;
    saw = '0';
    hex = s[1] === 'x' || s[1] === 'X';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= '0' && c <= '9') || (hex && /[a-fA-F]/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseInt/ParseUint(s, 0, 64); null on any error. */
function parseInteger(s: string, signed: boolean): bigint | null {
  if (s === '') return null;
  const s0 = s;
  let neg = false;
  if (s[0] === '+' || s[0] === '-') {
    if (!signed) return null;
    neg = s[0] === '-';
    s = s.slice(1);
  }
  let base = 10;
  let digits = s;
  if (s[0] === '0') {
    if (s.length >= 3 && 'xX'.includes(s[1]!)) {
      base = 16;
      digits = s.slice(2);
    } else if (s.length >= 3 && 'bB'.includes(s[1]!)) {
      base = 2;
      digits = s.slice(2);
    } else if (s.length >= 3 && 'oO'.includes(s[1]!)) {
      base = 8;
      digits = s.slice(2);
    } else {
      base = 8;
      digits = s.slice(1);
      if (digits === '') return 0n;
    }
  }
  let underscores = false;
  let v = 0n;
  const b = BigInt(base);
  for (const c of digits) {
    if (c === '_') {
      underscores = true;
      continue;
    }
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= base) return null;
    v = v * b + BigInt(d);
  }
  if (digits.replaceAll('_', '') === '') return null;
  if (underscores && !underscoreOK(s0)) return null;
  if (neg) v = -v;
  if (signed ? v < I64_MIN || v > I64_MAX : v > U64_MAX) return null;
  return v;
}

/** strconv.ParseFloat(s, 64) for the syntax the lexer admits; null on error (including overflow). */
function parseFloat64(s: string): number | null {
  if (s.includes('_')) {
    if (!underscoreOK(s)) return null;
    s = s.replaceAll('_', '');
  }
  let f: number;
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(s);
  if (hex) {
    const intPart = hex[2] ?? '';
    const frac = hex[3] ?? '';
    if (intPart === '' && frac === '') return null;
    const mant = BigInt('0x' + (intPart + frac || '0'));
    const exp = parseInt(hex[4]!, 10) - 4 * frac.length;
    f = Number(mant) * 2 ** exp;
    if (hex[1] === '-') f = -f;
  } else if (/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(s)) {
    f = Number(s);
  } else {
    return null;
  }
  if (!Number.isFinite(f)) return null;
  return f;
}

function intOfFloat(n: NumberNode): void {
  const f = n.float64;
  if (!n.isInt && Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) {
    n.isInt = true;
    n.int64 = BigInt(f);
  }
  if (!n.isUint && Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
    n.isUint = true;
    n.uint64 = BigInt(f);
  }
}

/** Go's Tree.newNumber; returns the error message on failure. */
export function newNumber(tree: TreeInfo, pos: number, text: string, typ: ItemType): NumberNode | string {
  const n = new NumberNode(tree, pos, text);
  if (typ === ItemType.CharConstant) {
    const r = unquoteChar(text, 1, 0x27);
    if (r === null) return 'invalid syntax';
    if (text.slice(r.next) !== "'") return `malformed character constant: ${text}`;
    n.int64 = BigInt(r.value);
    n.isInt = true;
    n.uint64 = BigInt(r.value);
    n.isUint = true;
    n.float64 = r.value; // odd but those are the rules.
    n.isFloat = true;
    return n;
  }
  if (typ === ItemType.Complex) {
    // "re+imi" or "re-imi": split at the last sign that is not an exponent sign.
    const m = /^(.*[^eEpP+-])([+-].*)i$/.exec(text);
    const re = m ? parseFloat64(m[1]!) : null;
    const im = m ? parseFloat64(m[2]!) : null;
    if (re === null || im === null) return `expected integer`; // fmt.Sscan's complaint, approximately
    n.isComplex = true;
    n.complexRe = re;
    n.complexIm = im;
    simplifyComplex(n);
    return n;
  }
  // Imaginary constants can only be complex unless they are zero.
  if (text.length > 0 && text[text.length - 1] === 'i') {
    const f = parseFloat64(text.slice(0, -1));
    if (f !== null) {
      n.isComplex = true;
      n.complexRe = 0;
      n.complexIm = f;
      simplifyComplex(n);
      return n;
    }
  }
  // Do integer test first so we get 0x123 etc.
  const u = parseInteger(text, false); // will fail for -0; fixed below.
  if (u !== null) {
    n.isUint = true;
    n.uint64 = u;
  }
  const i = parseInteger(text, true);
  if (i !== null) {
    n.isInt = true;
    n.int64 = i;
    if (i === 0n) {
      n.isUint = true; // in case of -0.
      n.uint64 = u ?? 0n;
    }
  }
  // If an integer extraction succeeded, promote the float.
  if (n.isInt) {
    n.isFloat = true;
    n.float64 = Number(n.int64);
  } else if (n.isUint) {
    n.isFloat = true;
    n.float64 = Number(n.uint64);
  } else {
    const f = parseFloat64(text);
    if (f !== null) {
      // If we parsed it as a float but it looks like an integer, it's a huge number too large to fit in an
      // int. Reject it.
      if (!/[.eEpP]/.test(text)) return `integer overflow: ${quote(text)}`;
      n.isFloat = true;
      n.float64 = f;
      intOfFloat(n);
    }
  }
  if (!n.isInt && !n.isUint && !n.isFloat) return `illegal number syntax: ${quote(text)}`;
  return n;
}

function simplifyComplex(n: NumberNode): void {
  n.isFloat = n.complexIm === 0;
  if (n.isFloat) {
    n.float64 = n.complexRe;
    intOfFloat(n);
  }
}

