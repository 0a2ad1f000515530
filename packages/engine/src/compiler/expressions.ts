/**
 * `{{ … }}` templates: finding them in strings and parsing them as JSONata, statically. Nothing is evaluated here.
 *
 * Parsing with jsonata costs ~50 µs an expression however short (its parser rebuilds its symbol table on every
 * call), which alone would take a 1,000-node workflow past its compile budget. Most templates are references and
 * simple comparisons (`$node.fetch.body.id`, `$input.n > 5`, `$input.a & " " & $input.b`), so those go through a
 * strict recogniser that accepts only text JSONata parses with the same references (a property test holds it to
 * that); everything else goes to jsonata.
 */
import jsonata from 'jsonata';
import { ExpressionSyntaxError, type ParseExpression, type ParsedExpression } from './types.ts';

export interface TemplateFound {
  /** Offset of `{{` in the string. */
  readonly start: number;
  /** The text between `{{` and the first `}}` after it, or null when no `}}` follows. */
  readonly source: string | null;
}

/**
 * Finds every `{{ … }}` in a string exactly as the engine does when it runs the node: a template ends at the first
 * `}}` (so the compiler never approves what the engine would cut differently). An unclosed `{{` is reported with
 * `source: null`; the engine leaves such text as it is.
 */
export function findTemplates(s: string): TemplateFound[] {
  const out: TemplateFound[] = [];
  let i = s.indexOf('{{');
  while (i >= 0) {
    // At least one character between the braces, as the engine's pattern requires: `{{}}` is plain text.
    const end = s.indexOf('}}', i + 3);
    if (end < 0) {
      out.push({ start: i, source: null });
      break;
    }
    out.push({ start: i, source: s.slice(i + 2, end) });
    i = s.indexOf('{{', end + 2);
  }
  return out;
}

/** The binding that holds upstream outputs by node id (see definition.ts). */
export const NODE_VAR = 'node';

// The fast lane's grammar: operands joined by binary operators, calls and parentheses, nothing else.
//   expr     := operand ( operator operand )*
//   operand  := $name ( .name | .`any name` )*  |  $name( [expr ( , expr )*] )  |  ( expr )
//             |  number  |  "text" | 'text' (no escapes)  |  true | false | null
//   operator := + - * / = != < <= > >= &  |  and | or (with whitespace on both sides)
// Digit-led names and the literals true/false/null are not path steps in JSONata, `%` doubles as its parent
// operator, and $lookup($node, …) names a node in an argument, so those are left to the real parser, as is
// anything else (filters, conditions, lambdas, unary minus …).
const PATH = /\$([A-Za-z_][A-Za-z0-9_]*)((?:\.(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]+`))*)/y;
const CALL = /\$([A-Za-z_][A-Za-z0-9_]*)\(/y;
const STEP = /\.(?:([A-Za-z_][A-Za-z0-9_]*)|`([^`]+)`)/y;
const LITERAL = /(?:(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[Ee][-+]?[0-9]+)?|"[^"\\]*"|'[^'\\]*'|(?:true|false|null)(?![A-Za-z0-9_$]))/y;
const SYMBOL_OP = /(?:<=|>=|!=|[-+*/=<>&])/y;
const WORD_OP = /(?:and|or)(?=\s)/y;
const SPACE = /\s*/y;
const NOT_STEPS = new Set(['true', 'false', 'null']);
const MAX_NESTING = 16;

function at(re: RegExp, s: string, i: number): RegExpExecArray | null {
  re.lastIndex = i;
  return re.exec(s);
}

function skipSpace(s: string, i: number): number {
  at(SPACE, s, i);
  return SPACE.lastIndex;
}

/** The recogniser's state: the text, and what it has found so far. */
interface Lane {
  readonly s: string;
  readonly refs: string[];
  dynamic: boolean;
}

// A recursive-descent recogniser for the grammar above. Plain functions over a state object rather than closures:
// this runs for every template of every compile, and a closure per call costs more than the parse itself.
// Every function returns the next offset, or -1 to give up (jsonata then decides).

function pathOperand(l: Lane, v: string, rest: string): boolean {
  let first: string | undefined;
  for (let i = 0; i < rest.length; ) {
    const m = at(STEP, rest, i);
    if (!m || (m[1] !== undefined && NOT_STEPS.has(m[1]))) return false;
    first ??= m[1] ?? m[2]!;
    i = STEP.lastIndex;
  }
  if (v === NODE_VAR) {
    if (first === undefined) l.dynamic = true;
    else l.refs.push(first);
  }
  return true;
}

function operand(l: Lane, i: number, depth: number): number {
  const s = l.s;
  const call = at(CALL, s, i);
  if (call) {
    if (call[1] === 'lookup' || depth >= MAX_NESTING) return -1;
    if (call[1] === NODE_VAR) l.dynamic = true;
    let j = skipSpace(s, CALL.lastIndex);
    if (s[j] === ')') return j + 1;
    for (;;) {
      j = expr(l, j, depth + 1);
      if (j < 0) return -1;
      if (s[j] === ')') return j + 1;
      if (s[j] !== ',') return -1;
      j = skipSpace(s, j + 1);
    }
  }
  const p = at(PATH, s, i);
  if (p) return pathOperand(l, p[1]!, p[2]!) ? PATH.lastIndex : -1;
  if (at(LITERAL, s, i)) return LITERAL.lastIndex;
  if (s[i] === '(' && depth < MAX_NESTING) {
    const j = expr(l, skipSpace(s, i + 1), depth + 1);
    return j >= 0 && s[j] === ')' ? j + 1 : -1;
  }
  return -1;
}

/** An expression from offset i; returns the offset after it and any whitespace that follows. */
function expr(l: Lane, i: number, depth: number): number {
  const s = l.s;
  for (;;) {
    const end = operand(l, i, depth);
    if (end < 0) return -1;
    const j = skipSpace(s, end);
    if (at(SYMBOL_OP, s, j)) i = skipSpace(s, SYMBOL_OP.lastIndex);
    else if (j > end && at(WORD_OP, s, j)) i = skipSpace(s, WORD_OP.lastIndex);
    else return j;
  }
}

/** Parses the fast lane's expressions without jsonata; undefined when the text is anything else. */
export function parseSimplePath(source: string): ParsedExpression | undefined {
  const lane: Lane = { s: source, refs: [], dynamic: false };
  const end = expr(lane, skipSpace(source, 0), 0);
  return end === source.length ? { nodeRefs: lane.refs, dynamicNodeAccess: lane.dynamic } : undefined;
}

interface AstNode {
  readonly type?: string;
  readonly value?: unknown;
  readonly steps?: readonly AstNode[];
  readonly procedure?: AstNode;
  readonly arguments?: readonly AstNode[];
}

const isNodeVar = (n: AstNode | undefined) => n !== undefined && n.type === 'variable' && n.value === NODE_VAR;

/** Collects `$node` references from a jsonata AST. The walk is iterative and visits each object once. */
export function referencesOf(ast: unknown): ParsedExpression {
  const refs: string[] = [];
  let dynamic = false;
  // Variable nodes already accounted for as the head of `$node.<id>` or the argument of `$lookup($node, "id")`.
  const handled = new Set<object>();
  const seen = new Set<object>();
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const cur = stack.pop();
    if (cur === null || typeof cur !== 'object' || seen.has(cur)) continue;
    seen.add(cur);
    if (Array.isArray(cur)) {
      for (const v of cur) stack.push(v);
      continue;
    }
    const n = cur as AstNode;
    if (n.type === 'path' && n.steps && isNodeVar(n.steps[0])) {
      handled.add(n.steps[0]!);
      const second = n.steps[1];
      if (second?.type === 'name' && typeof second.value === 'string') refs.push(second.value);
      else dynamic = true;
    } else if (n.type === 'function' && n.procedure?.type === 'variable' && n.procedure.value === 'lookup' && isNodeVar(n.arguments?.[0])) {
      handled.add(n.arguments![0]!);
      const key = n.arguments![1];
      if (key?.type === 'string' && typeof key.value === 'string') refs.push(key.value);
      else dynamic = true;
    } else if (isNodeVar(n) && !handled.has(n)) {
      dynamic = true;
    }
    for (const v of Object.values(n)) if (v !== null && typeof v === 'object') stack.push(v);
  }
  return { nodeRefs: refs, dynamicNodeAccess: dynamic };
}

interface JsonataError {
  readonly message?: string;
  readonly position?: number;
}

/** The default parser: the simple-path fast lane, then jsonata's own parser. Never evaluates. */
export const parseJsonata: ParseExpression = (source) => {
  if (source.trim() === '') throw new ExpressionSyntaxError('empty expression');
  const simple = parseSimplePath(source);
  if (simple) return simple;
  let ast: unknown;
  try {
    ast = jsonata(source).ast();
  } catch (e) {
    // Deeply nested input overflows jsonata's recursive-descent parser: that is a syntax problem too, not a crash.
    if (e instanceof RangeError) throw new ExpressionSyntaxError('expression is nested too deeply');
    const err = e as JsonataError;
    throw new ExpressionSyntaxError(err.message ?? 'does not parse', typeof err.position === 'number' ? err.position : undefined);
  }
  return referencesOf(ast);
};
