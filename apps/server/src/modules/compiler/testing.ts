/** Test helpers: the costliest workflow definition the compile caps admit (and ones just past them). */
import type { CompileLimits, WorkflowDefinition, WorkflowEdge, WorkflowNode } from '@gatehouse/engine';
import { WORKFLOW_LIMITS } from './format.schemas.ts';

/**
 * A complex expression (only jsonata's full parser takes it) of exactly `length` characters, distinct per `k`, with
 * no "." in it: nested conditionals, the costliest form per character measured (~1 µs a character under load).
 */
export function complexExpression(k: number, length: number): string {
  const step = '$b ? 2 : ';
  let s = `$c${k} ? 1 : `;
  while (s.length + step.length + 1 <= length) s += step;
  return `${s}3`.padEnd(length, ' ');
}

/** A path of `dots` steps with a filter at its end (so the fast lane leaves it to jsonata): quadratic to parse. */
export const longPath = (dots: number): string => `$input${'.b'.repeat(dots)}[0]`;

/**
 * A fast-lane expression of exactly `length` characters, distinct per `k`: a read of the upstream node when it fits
 * (so the upstream check has work too), else of the input.
 */
export function simpleExpression(k: number, length: number, upstream: string): string {
  const ref = `$node.${upstream}.v`;
  const head = ref.length + String(k).length <= length ? ref : '$input.v';
  return `${head}${'x'.repeat(Math.max(0, length - head.length - String(k).length))}${k}`;
}

export interface WorstCaseOptions {
  /** Extra templates past the template cap, characters past the character caps (0: exactly at the caps). */
  readonly extraTemplates?: number;
  readonly extraComplex?: number;
  readonly extraComplexChars?: number;
  readonly extraChars?: number;
  readonly extraPathWork?: number;
  readonly limits?: CompileLimits;
}

/**
 * The most expensive definition to compile within the caps: as many nodes and edges as allowed, every template the
 * template cap allows, the complex ones at their count and character caps (each one costs a full jsonata parse),
 * and the rest fast-lane references to upstream nodes filling the total character cap. Valid as it stands.
 */
export function worstCaseDefinition(o: WorstCaseOptions = {}): WorkflowDefinition {
  const l = o.limits ?? WORKFLOW_LIMITS;
  const nodeCount = l.maxNodes;
  const templates = l.maxTemplates + (o.extraTemplates ?? 0);
  const complex = l.maxComplexExpressions + (o.extraComplex ?? 0);
  // The first complex expression spends the path-step budget in one long path; the others share what is left of
  // the complex characters.
  const path = longPath(Math.floor(Math.sqrt(l.maxComplexPathWork + (o.extraPathWork ?? 0))));
  const complexLength = Math.floor((l.maxComplexExpressionChars + (o.extraComplexChars ?? 0) - path.length) / (complex - 1));
  const complexChars = path.length + complexLength * (complex - 1);
  const simpleCount = templates - complex;
  // The rest of the character cap, spread over the simple ones (the first few take one more character each).
  const simpleChars = l.maxExpressionChars + (o.extraChars ?? 0) - complexChars;
  const simpleLength = (m: number) => Math.floor(simpleChars / simpleCount) + (m < simpleChars % simpleCount ? 1 : 0);
  const perNode = Math.ceil(templates / (nodeCount - 1));

  const nodes: WorkflowNode[] = [{ id: 't', type: 'trigger.manual', config: {} }];
  let made = 0;
  for (let i = 1; i < nodeCount; i++) {
    const values: Record<string, string> = {};
    const upstream = i === 1 ? 't' : `n${i - 1}`;
    for (let j = 0; j < perNode && made < templates; j++, made++) {
      values[`v${j}`] = made === 0 ? `{{${path}}}` : made < complex ? `{{${complexExpression(made, complexLength)}}}` : `{{${simpleExpression(made, simpleLength(made - complex), upstream)}}}`;
    }
    nodes.push({ id: `n${i}`, type: 'data.set', config: { values } });
  }
  // A chain, then forward edges (never a cycle) up to the edge cap.
  const edges: WorkflowEdge[] = [];
  for (let i = 1; i < nodeCount; i++) edges.push({ id: `c${i}`, source: nodes[i - 1]!.id, target: nodes[i]!.id });
  for (let hop = 2; edges.length < l.maxEdges; hop++) {
    for (let i = 1; i + hop < nodeCount && edges.length < l.maxEdges; i++) edges.push({ id: `h${hop}-${i}`, source: nodes[i]!.id, target: nodes[i + hop]!.id });
  }
  return { nodes, edges };
}
