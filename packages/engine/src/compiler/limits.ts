/**
 * The caps on a workflow's size, for callers that store workflows without compiling them (saving a draft must not
 * admit what compile would refuse to even look at).
 */
import type { Problem, WorkflowDefinition } from '../definition.ts';
import { checkSize } from './compile.ts';
import { Problems, q } from './problems.ts';
import { DEFAULT_LIMITS, type CompileLimits } from './types.ts';

/** Whether a JSON value nests deeper than `max` (`{}` and `[]` are depth 1). Iterative, stops at the first excess. */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** TOO_MANY_NODES, TOO_MANY_EDGES and CONFIG_TOO_DEEP problems, nothing else. */
export function checkLimits(definition: WorkflowDefinition, limits: Partial<CompileLimits> = {}): Problem[] {
  const l: CompileLimits = { ...DEFAULT_LIMITS, ...limits };
  const problems = new Problems(l.maxProblems);
  if (checkSize(definition, l, problems)) {
    for (const n of definition.nodes) {
      if (nestedDeeperThan(n.config, l.maxConfigDepth)) {
        problems.add('CONFIG_TOO_DEEP', `Node ${q(n.id)}: config is nested deeper than ${l.maxConfigDepth} levels`, { nodeId: n.id, path: '$.config' });
      }
    }
  }
  return problems.finish();
}
