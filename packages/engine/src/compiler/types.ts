import type { ExecutionPlan, NodeTypeSpec, Problem } from '../definition.ts';

/** Finds a node type by name, as the caller may see it (built-ins plus the caller's own custom nodes). */
export type LookupNodeType = (type: string) => NodeTypeSpec | undefined;

/** One way a node's config fails its type's schema. */
export interface ConfigIssue {
  /** JSON pointer (RFC 6901) into the config: `/cases/0/port`, or `` for the config itself. */
  readonly pointer: string;
  readonly message: string;
}

/** Checks a config against its type's `configSchema` (the server injects ajv; the compiler stays dependency-free). */
export type ValidateConfig = (spec: NodeTypeSpec, config: unknown) => readonly ConfigIssue[];

/** What the compiler needs to know about one parsed `{{ }}` expression. */
export interface ParsedExpression {
  /** Node ids read as `$node.<id>` (or `$lookup($node, "<id>")`). */
  readonly nodeRefs: readonly string[];
  /** `$node` used in a way that names no node statically (`$node`, `$node[$x]` …). */
  readonly dynamicNodeAccess: boolean;
}

/** Thrown by a parser for an expression that does not parse; `position` is an offset into the expression. */
export class ExpressionSyntaxError extends Error {
  override readonly name = 'ExpressionSyntaxError';
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

/** Parses an expression without evaluating it. Throws ExpressionSyntaxError (anything else thrown counts as one). */
export type ParseExpression = (source: string) => ParsedExpression;

export interface CompileLimits {
  readonly maxNodes: number;
  readonly maxEdges: number;
  /** Nesting depth of a node's config: `{}` is 1, `{"a":{}}` is 2. */
  readonly maxConfigDepth: number;
  /** `{{ }}` templates parsed per compile. This and the next three bound the parse work (see check-templates.ts). */
  readonly maxTemplates: number;
  /** Characters between `{{` and `}}`, all templates together. */
  readonly maxExpressionChars: number;
  /** Distinct expressions beyond the fast lane's grammar: only jsonata's full parser takes them (~100 µs each). */
  readonly maxComplexExpressions: number;
  /** Characters of those expressions, all together. */
  readonly maxComplexExpressionChars: number;
  /** The sum, over those expressions, of the square of the number of "." in each (jsonata parses paths in quadratic time). */
  readonly maxComplexPathWork: number;
  /** Loops nested inside one another (it also bounds the loop check's cost: see check-loops.ts). */
  readonly maxLoopDepth: number;
  /** Problems beyond this are dropped and one PROBLEMS_TRUNCATED warning says so (keeps answers bounded). */
  readonly maxProblems: number;
}

export const DEFAULT_LIMITS: CompileLimits = {
  maxNodes: 2000,
  maxEdges: 10_000,
  maxConfigDepth: 32,
  maxTemplates: 10_000,
  maxExpressionChars: 200_000,
  maxComplexExpressions: 200,
  maxComplexExpressionChars: 20_000,
  maxComplexPathWork: 1_000_000,
  maxLoopDepth: 32,
  maxProblems: 1000,
};

export interface CompileOptions {
  /** Without one, configs are not checked against their schemas (the server always passes one). */
  readonly validateConfig?: ValidateConfig;
  /** Defaults to JSONata (see expressions.ts). */
  readonly parseExpression?: ParseExpression;
  readonly limits?: Partial<CompileLimits>;
}

export interface CompileResult {
  /** True when no problem is an error (warnings do not make a workflow invalid). */
  readonly valid: boolean;
  /** Every problem found, errors and warnings alike: node checks first, then edges, then the whole graph. */
  readonly problems: readonly Problem[];
  /** Present exactly when `valid`. */
  readonly plan?: ExecutionPlan;
}
