/**
 * A workflow's content (definition + settings) as stored: checked against the caps, free of characters PostgreSQL
 * cannot store, and fingerprinted so that saving the same content twice makes no new version.
 */
import { createHash } from 'node:crypto';
import { checkLimits, type WorkflowDefinition, type WorkflowSettings } from '@gatehouse/engine';
import { WORKFLOW_LIMITS, findNul } from '../compiler/index.ts';
import { workflowsErrors } from './workflows.errors.ts';

/** JSON with object keys sorted at every level: equal content gives equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

export function contentHash(definition: WorkflowDefinition, settings: WorkflowSettings): string {
  return createHash('sha256').update(canonicalJson({ definition, settings })).digest('hex');
}

/** Refuses what must not be stored: too many nodes or edges, configs nested too deeply (422), NUL characters (400). */
export function checkContent(definition: WorkflowDefinition | undefined, settings: WorkflowSettings | undefined): void {
  if (definition) {
    const problems = checkLimits(definition, WORKFLOW_LIMITS);
    if (problems.length > 0) throw workflowsErrors.tooLarge(problems);
    const nul = findNul(definition, 'body.definition');
    if (nul) throw workflowsErrors.badText(nul);
  }
  if (settings) {
    const nul = findNul(settings, 'body.settings');
    if (nul) throw workflowsErrors.badText(nul);
  }
}
