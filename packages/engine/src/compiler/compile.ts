/**
 * The compiler: checks a workflow statically and, when it is valid, plans it. Pure: no I/O, nothing is executed or
 * evaluated, the node registry and the schema validator are passed in. It reports every problem it can find in one
 * pass rather than stopping at the first, and runs in time linear in the workflow's size.
 */
import type { WorkflowDefinition } from '../definition.ts';
import { checkEdges } from './check-edges.ts';
import { checkGraph } from './check-graph.ts';
import { checkNodes } from './check-nodes.ts';
import { parseJsonata } from './expressions.ts';
import { Problems } from './problems.ts';
import { DEFAULT_LIMITS, type CompileLimits, type CompileOptions, type CompileResult, type LookupNodeType } from './types.ts';

/**
 * The size caps. Checked first and alone: past them nothing else is analysed, so an oversized workflow costs no more
 * than counting it.
 */
export function checkSize(definition: WorkflowDefinition, limits: CompileLimits, problems: Problems): boolean {
  const nodes = definition.nodes.length;
  const edges = definition.edges.length;
  if (nodes > limits.maxNodes) problems.add('TOO_MANY_NODES', `The workflow has ${nodes} nodes; at most ${limits.maxNodes} are allowed`);
  if (edges > limits.maxEdges) problems.add('TOO_MANY_EDGES', `The workflow has ${edges} edges; at most ${limits.maxEdges} are allowed`);
  return nodes <= limits.maxNodes && edges <= limits.maxEdges;
}

export function compile(definition: WorkflowDefinition, lookupNodeType: LookupNodeType, options: CompileOptions = {}): CompileResult {
  const limits: CompileLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const problems = new Problems(limits.maxProblems);
  if (!checkSize(definition, limits, problems)) return { valid: false, problems: problems.finish() };

  const model = checkNodes(
    definition.nodes,
    { lookup: lookupNodeType, validateConfig: options.validateConfig, parse: options.parseExpression ?? parseJsonata, limits },
    problems,
  );
  checkEdges(
    definition.edges,
    definition.nodes.map((n) => n.config),
    model,
    problems,
  );
  const makePlan = checkGraph(model, limits, problems);
  if (problems.errors > 0) return { valid: false, problems: problems.finish() };
  return { valid: true, problems: problems.finish(), plan: makePlan() };
}
