// Parse tree nodes (port of text/template/parse/node.go). A closed set of node classes; each prints itself back
// as template source (Go's String()), which exec errors quote as their context: `at <getv "/x">`.
// Trees are built once by the parser and never modified afterwards.

import { byteLength } from '../govalue/bytes.js';
import { quote } from '../gofmt/strconv.js';

export enum NodeType {
  Text,
  Action,
  Bool,
  Chain,
  Command,
  Dot,
  Else,
  End,
  Field,
  Identifier,
  If,
  List,
  Nil,
  Number,
  Pipe,
  Range,
  String,
  Template,
  Variable,
  With,
  Comment,
  Break,
  Continue,
}

/** Source of a parse: its name for messages and the full text (positions index into it). */
export interface TreeInfo {
  /** Name of the top-level template during parsing, for error messages. */
  readonly parseName: string;
  readonly text: string;
}

abstract class BaseNode {
  abstract readonly type: NodeType;
  constructor(
    readonly tree: TreeInfo,
    /** UTF-16 index into tree.text. */
    readonly pos: number,
  ) {}
  /** Template source for this node; `quoteText` prints text as Go's %q (Go's tests switch textFormat so). */
  abstract toString(quoteText?: boolean): string;
}

export class ListNode extends BaseNode {
  readonly type = NodeType.List;
  readonly nodes: Node[] = [];
  toString(q = false): string {
    let s = '';
    for (const n of this.nodes) s += n.toString(q);
    return s;
  }
}

export class TextNode extends BaseNode {
  readonly type = NodeType.Text;
  constructor(tree: TreeInfo, pos: number, readonly text: string) {
    super(tree, pos);
  }
  toString(q = false): string {
    return q ? quote(this.text) : this.text;
  }
}

export class CommentNode extends BaseNode {
  readonly type = NodeType.Comment;
  constructor(tree: TreeInfo, pos: number, readonly text: string) {
    super(tree, pos);
  }
  toString(q = false): string {
    return `{{${this.text}}}`;
  }
}

export class VariableNode extends BaseNode {
  readonly type = NodeType.Variable;
  /** Variable name and fields in lexical order: `$x.A.B` is ["$x", "A", "B"]. */
  readonly ident: readonly string[];
  constructor(tree: TreeInfo, pos: number, ident: string) {
    super(tree, pos);
    this.ident = ident.split('.');
  }
  toString(q = false): string {
    return this.ident.join('.');
  }
}

export class PipeNode extends BaseNode {
  readonly type = NodeType.Pipe;
  isAssign = false;
  readonly decl: VariableNode[] = [];
  readonly cmds: CommandNode[] = [];
  constructor(tree: TreeInfo, pos: number, readonly line: number) {
    super(tree, pos);
  }
  toString(q = false): string {
    let s = '';
    if (this.decl.length > 0) {
      s += this.decl.map((d) => d.toString(q)).join(', ');
      s += this.isAssign ? ' = ' : ' := ';
    }
    s += this.cmds.map((c) => c.toString(q)).join(' | ');
    return s;
  }
}

export class ActionNode extends BaseNode {
  readonly type = NodeType.Action;
  constructor(tree: TreeInfo, pos: number, readonly line: number, readonly pipe: PipeNode) {
    super(tree, pos);
  }
  toString(q = false): string {
    return `{{${this.pipe.toString(q)}}}`;
  }
}

export class CommandNode extends BaseNode {
  readonly type = NodeType.Command;
  readonly args: Node[] = [];
  toString(q = false): string {
    let s = '';
    this.args.forEach((arg, i) => {
      if (i > 0) s += ' ';
      s += arg.type === NodeType.Pipe ? `(${arg.toString(q)})` : arg.toString(q);
    });
    return s;
  }
}

export class IdentifierNode extends BaseNode {
  readonly type = NodeType.Identifier;
  constructor(tree: TreeInfo, pos: number, readonly ident: string) {
    super(tree, pos);
  }
  toString(q = false): string {
    return this.ident;
  }
}

export class DotNode extends BaseNode {
  readonly type = NodeType.Dot;
  toString(q = false): string {
    return '.';
  }
}

export class NilNode extends BaseNode {
  readonly type = NodeType.Nil;
  toString(q = false): string {
    return 'nil';
  }
}

export class FieldNode extends BaseNode {
  readonly type = NodeType.Field;
  /** Field names: `.A.B` is ["A", "B"]. */
  readonly ident: readonly string[];
  constructor(tree: TreeInfo, pos: number, ident: string) {
    super(tree, pos);
    this.ident = ident.slice(1).split('.'); // ignore the leading dot
  }
  toString(q = false): string {
    return this.ident.map((id) => '.' + id).join('');
  }
}

export class ChainNode extends BaseNode {
  readonly type = NodeType.Chain;
  readonly field: string[] = [];
  constructor(tree: TreeInfo, pos: number, readonly node: Node) {
    super(tree, pos);
  }
  /** Adds the named field (which should start with a period) to the end of the chain. */
  add(field: string): void {
    if (field.length === 0 || field[0] !== '.') throw new Error('no dot in field');
    field = field.slice(1);
    if (field === '') throw new Error('empty field');
    this.field.push(field);
  }
  toString(q = false): string {
    let s = this.node.type === NodeType.Pipe ? `(${this.node.toString(q)})` : this.node.toString(q);
    for (const f of this.field) s += '.' + f;
    return s;
  }
}

export class BoolNode extends BaseNode {
  readonly type = NodeType.Bool;
  constructor(tree: TreeInfo, pos: number, readonly value: boolean) {
    super(tree, pos);
  }
  toString(q = false): string {
    return this.value ? 'true' : 'false';
  }
}

/**
 * A number literal, with every interpretation of it that is exact (as Go's parse.NumberNode): `1` is an int, a
 * uint and a float; `1.5` only a float; `9223372036854775808` a uint and a float.
 */
export class NumberNode extends BaseNode {
  readonly type = NodeType.Number;
  isInt = false;
  isUint = false;
  isFloat = false;
  isComplex = false;
  int64 = 0n;
  uint64 = 0n;
  float64 = 0;
  complexRe = 0;
  complexIm = 0;
  constructor(tree: TreeInfo, pos: number, readonly text: string) {
    super(tree, pos);
  }
  toString(q = false): string {
    return this.text;
  }
}

export class StringNode extends BaseNode {
  readonly type = NodeType.String;
  constructor(
    tree: TreeInfo,
    pos: number,
    /** The original text of the string, with quotes. */
    readonly quoted: string,
    /** The string, after quote processing. */
    readonly text: string,
  ) {
    super(tree, pos);
  }
  toString(q = false): string {
    return this.quoted;
  }
}

export class EndNode extends BaseNode {
  readonly type = NodeType.End;
  toString(q = false): string {
    return '{{end}}';
  }
}

export class ElseNode extends BaseNode {
  readonly type = NodeType.Else;
  constructor(tree: TreeInfo, pos: number, readonly line: number) {
    super(tree, pos);
  }
  toString(q = false): string {
    return '{{else}}';
  }
}

abstract class BranchNode extends BaseNode {
  constructor(
    tree: TreeInfo,
    pos: number,
    readonly line: number,
    readonly pipe: PipeNode,
    readonly list: ListNode,
    readonly elseList: ListNode | null,
  ) {
    super(tree, pos);
  }
  protected abstract readonly keyword: string;
  toString(q = false): string {
    let s = `{{${this.keyword} ${this.pipe.toString(q)}}}${this.list.toString(q)}`;
    if (this.elseList !== null) s += `{{else}}${this.elseList.toString(q)}`;
    return s + '{{end}}';
  }
}

export class IfNode extends BranchNode {
  readonly type = NodeType.If;
  protected readonly keyword = 'if';
}

export class RangeNode extends BranchNode {
  readonly type = NodeType.Range;
  protected readonly keyword = 'range';
}

export class WithNode extends BranchNode {
  readonly type = NodeType.With;
  protected readonly keyword = 'with';
}

export class BreakNode extends BaseNode {
  readonly type = NodeType.Break;
  constructor(tree: TreeInfo, pos: number, readonly line: number) {
    super(tree, pos);
  }
  toString(q = false): string {
    return '{{break}}';
  }
}

export class ContinueNode extends BaseNode {
  readonly type = NodeType.Continue;
  constructor(tree: TreeInfo, pos: number, readonly line: number) {
    super(tree, pos);
  }
  toString(q = false): string {
    return '{{continue}}';
  }
}

export class TemplateNode extends BaseNode {
  readonly type = NodeType.Template;
  constructor(
    tree: TreeInfo,
    pos: number,
    readonly line: number,
    /** The name of the template (unquoted). */
    readonly name: string,
    readonly pipe: PipeNode | null,
  ) {
    super(tree, pos);
  }
  toString(q = false): string {
    return this.pipe === null ? `{{template ${quote(this.name)}}}` : `{{template ${quote(this.name)} ${this.pipe.toString(q)}}}`;
  }
}

export type Node =
  | ListNode
  | TextNode
  | CommentNode
  | PipeNode
  | ActionNode
  | CommandNode
  | IdentifierNode
  | VariableNode
  | DotNode
  | NilNode
  | FieldNode
  | ChainNode
  | BoolNode
  | NumberNode
  | StringNode
  | EndNode
  | ElseNode
  | IfNode
  | RangeNode
  | WithNode
  | BreakNode
  | ContinueNode
  | TemplateNode;

/** Go's Tree.ErrorContext: "NAME:LINE:COL" (column in UTF-8 bytes from the line start) and the node's source. */
export function errorContext(n: Node): { location: string; context: string } {
  const text = n.tree.text.slice(0, n.pos);
  const nl = text.lastIndexOf('\n');
  const lineStart = nl + 1;
  let lineNum = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineNum++;
  const byteNum = byteLength(text.slice(lineStart));
  return { location: `${n.tree.parseName}:${lineNum}:${byteNum}`, context: n.toString() };
}
