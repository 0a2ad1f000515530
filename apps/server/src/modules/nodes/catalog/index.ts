/** The built-in node catalog: what `GET /api/nodes/` lists and the compiler knows without a database. */
import type { NodeTypeSpec } from '@gatehouse/engine';
import { AI } from './ai.ts';
import { DATA } from './data.ts';
import { LOGIC } from './logic.ts';
import { TRIGGERS } from './triggers.ts';

export interface Category {
  readonly id: string;
  readonly label: string;
  readonly description: string;
}

/** In display order. Custom nodes may name their own categories; those are listed after these. */
export const CATEGORIES: readonly Category[] = [
  { id: 'trigger', label: 'Triggers', description: 'Start a run: by hand, from a webhook or on a schedule.' },
  { id: 'logic', label: 'Logic', description: 'Branch, merge and loop.' },
  { id: 'flow', label: 'Flow', description: 'Wait for time or a person, run another workflow.' },
  { id: 'data', label: 'Data', description: 'Set, reshape and filter data.' },
  { id: 'code', label: 'Code', description: 'Run your own JavaScript in a sandbox.' },
  { id: 'http', label: 'HTTP', description: 'Call APIs.' },
  { id: 'ai', label: 'AI', description: 'Language models, agents, classification, extraction and retrieval.' },
  { id: 'custom', label: 'Custom', description: 'Node types you defined.' },
];

export const BUILT_IN_NODES: readonly NodeTypeSpec[] = [...TRIGGERS, ...LOGIC, ...DATA, ...AI];

export const BUILT_IN_BY_TYPE: ReadonlyMap<string, NodeTypeSpec> = new Map(BUILT_IN_NODES.map((s) => [s.type, s]));
