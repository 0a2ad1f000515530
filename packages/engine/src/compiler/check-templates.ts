/**
 * The `{{ }}` templates of a node's config: each is parsed (never evaluated), its `$node` reads collected, and its
 * syntax errors reported.
 *
 * Parsing is the costly part of a compile, so it runs on a budget a hostile definition cannot stretch. Measured on
 * a loaded 2-core machine: the fast lane reads ~70 ns a character; an expression only jsonata's full parser takes
 * costs ~100-300 µs however short, up to ~1.3 µs a character, and ~25 ns times the square of its path steps (its
 * parser rescans a path at every "."). So there are caps on templates and their characters, and smaller ones on the
 * distinct complex expressions, their characters and their squared "." counts. Past a cap nothing more is parsed
 * and one error names the cap; with the caps of WORKFLOW_LIMITS the costliest definition the server accepts
 * compiles in well under 200 ms (10,000 complex expressions used to take 2-4 s).
 */
import { findTemplates, parseJsonata, parseSimplePath } from './expressions.ts';
import type { NodeInfo } from './model.ts';
import { linkToPath, type PathLink } from './paths.ts';
import { q, type Problems } from './problems.ts';
import { ExpressionSyntaxError, type CompileLimits, type ParseExpression, type ParsedExpression } from './types.ts';

export interface FoundString {
  readonly value: string;
  readonly at: PathLink | null;
}

/** What is left of a compile's parse budget. */
interface Budget {
  templates: number;
  chars: number;
  complex: number;
  complexChars: number;
  complexSteps: number;
  /** Set once a cap is passed: the error is reported and nothing more is parsed. */
  spent: boolean;
}

/** The `.` in an expression: an upper bound on the steps of its longest path. */
function dotsIn(source: string): number {
  let dots = 0;
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 46) dots++;
  return dots;
}

const short = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}...` : s);

type Outcome = ParsedExpression | ExpressionSyntaxError | 'over-budget';

/**
 * One compile's template parser: parses each distinct expression once (workflows repeat `{{ $input.user }}` a lot)
 * and charges the budget as it goes.
 */
export class TemplateChecker {
  private readonly seen = new Map<string, Outcome>();
  private readonly budget: Budget;

  constructor(
    private readonly parse: ParseExpression,
    private readonly limits: CompileLimits,
    private readonly problems: Problems,
  ) {
    this.budget = {
      templates: limits.maxTemplates,
      chars: limits.maxExpressionChars,
      complex: limits.maxComplexExpressions,
      complexChars: limits.maxComplexExpressionChars,
      complexSteps: limits.maxComplexPathWork,
      spent: false,
    };
  }

  private over(node: NodeInfo, at: PathLink | null, code: 'TOO_MANY_EXPRESSIONS' | 'TOO_MANY_COMPLEX_EXPRESSIONS', message: string): 'over-budget' {
    this.budget.spent = true;
    this.problems.add(code, `${message}; the rest were not checked`, { nodeId: node.id, path: linkToPath('$.config', at) });
    return 'over-budget';
  }

  private parseOnce(node: NodeInfo, at: PathLink | null, source: string): Outcome {
    const known = this.seen.get(source);
    if (known !== undefined) return known;
    const l = this.limits;
    let r: Outcome;
    // The fast lane recognises what most templates are (references, comparisons, calls); only the rest cost a
    // full jsonata parse, and only those are charged to the smaller budget.
    const blank = source.trim() === '';
    const simple = blank ? undefined : parseSimplePath(source);
    if (simple === undefined && !blank) {
      const b = this.budget;
      const dots = dotsIn(source);
      b.complex--;
      b.complexChars -= source.length;
      // jsonata's parser takes time quadratic in a path's steps (it rescans the path at each "."): charged as such.
      b.complexSteps -= dots * dots;
      const what = 'expressions beyond plain references, operators and function calls (filters, projections, conditionals, lambdas …)';
      const fix = 'move such logic into fewer nodes or a code.js node';
      if (b.complex < 0) return this.over(node, at, 'TOO_MANY_COMPLEX_EXPRESSIONS', `The workflow has more than ${l.maxComplexExpressions} distinct ${what}; ${fix}`);
      if (b.complexChars < 0) {
        return this.over(node, at, 'TOO_MANY_COMPLEX_EXPRESSIONS', `The workflow's ${what} hold more than ${l.maxComplexExpressionChars} characters in total; ${fix}`);
      }
      if (b.complexSteps < 0) {
        const most = Math.floor(Math.sqrt(l.maxComplexPathWork));
        return this.over(
          node,
          at,
          'TOO_MANY_COMPLEX_EXPRESSIONS',
          `The workflow's ${what} have too many "." path steps: each costs the square of its number of "." (${dots} here), at most ${l.maxComplexPathWork} in total ` +
            `(one expression of ${most} steps, or ${Math.floor(l.maxComplexPathWork / 100)} of 10); shorten long paths or ${fix}`,
        );
      }
    }
    if (simple !== undefined && this.parse === parseJsonata) r = simple;
    else {
      try {
        r = this.parse(source);
      } catch (e) {
        r = e instanceof ExpressionSyntaxError ? e : new ExpressionSyntaxError('does not parse');
      }
    }
    this.seen.set(source, r);
    return r;
  }

  /** Checks the templates of one node's config strings, adding its `$node` reads to `node.refs`. */
  check(node: NodeInfo, strings: readonly FoundString[]): void {
    const { budget, limits: l, problems } = this;
    for (const { value, at } of strings) {
      for (const t of findTemplates(value)) {
        if (budget.spent) return;
        const path = () => linkToPath('$.config', at);
        if (--budget.templates < 0) {
          this.over(node, at, 'TOO_MANY_EXPRESSIONS', `The workflow has more than ${l.maxTemplates} {{ }} templates`);
          return;
        }
        if (t.source === null) {
          problems.add('EXPRESSION_UNCLOSED', `Node ${q(node.id)}: "{{" at offset ${t.start} has no "}}" after it, so it is kept as plain text`, { nodeId: node.id, path: path() });
          continue;
        }
        budget.chars -= t.source.length;
        if (budget.chars < 0) {
          this.over(node, at, 'TOO_MANY_EXPRESSIONS', `The workflow's {{ }} templates hold more than ${l.maxExpressionChars} characters in total`);
          return;
        }
        const r = this.parseOnce(node, at, t.source);
        if (r === 'over-budget') return;
        if (r instanceof ExpressionSyntaxError) {
          const pos = r.position !== undefined ? ` (at ${r.position})` : '';
          problems.add('EXPRESSION_SYNTAX', `Node ${q(node.id)}: {{${short(t.source)}}} is not a valid expression: ${r.message}${pos}`, { nodeId: node.id, path: path() });
          continue;
        }
        for (const id of r.nodeRefs) node.refs.push({ id, at });
        if (r.dynamicNodeAccess) {
          problems.add(
            'EXPRESSION_DYNAMIC_NODE_ACCESS',
            `Node ${q(node.id)}: {{${short(t.source)}}} reads $node without naming a node, so it cannot be checked; only upstream nodes are visible at run time`,
            { nodeId: node.id, path: path() },
          );
        }
      }
    }
  }
}
