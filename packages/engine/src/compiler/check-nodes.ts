/**
 * Per-node checks: ids, types, config depth and schema, and the `{{ }}` templates in the config.
 */
import type { NodeTypeSpec, WorkflowNode } from '../definition.ts';
import { TemplateChecker, type FoundString } from './check-templates.ts';
import { ID_PATTERN, type Model, type NodeInfo, type NodeRef } from './model.ts';
import { formatPath, pointerSegments, type PathLink } from './paths.ts';
import { q, type Problems } from './problems.ts';
import type { CompileLimits, LookupNodeType, ParseExpression, ValidateConfig } from './types.ts';

type Walk = { tooDeep: true } | { tooDeep: false; strings: FoundString[] };

/**
 * Walks a config once, iteratively: measures its depth (stopping as soon as it is too deep, so a hostile config
 * costs no more than an allowed one) and collects the strings that hold templates.
 */
function walkConfig(config: Readonly<Record<string, unknown>>, raw: ReadonlySet<string>, maxDepth: number): Walk {
  const strings: FoundString[] = [];
  const stack: { value: unknown; at: PathLink | null; depth: number }[] = [{ value: config, at: null, depth: 1 }];
  while (stack.length > 0) {
    const { value, at, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('{{')) strings.push({ value, at });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth > maxDepth) return { tooDeep: true };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], at: { parent: at, segment: i }, depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      if (at === null && raw.has(k)) continue;
      stack.push({ value: (value as Record<string, unknown>)[k], at: { parent: at, segment: k }, depth: depth + 1 });
    }
  }
  return { tooDeep: false, strings };
}

function checkSchema(node: NodeInfo, spec: NodeTypeSpec, config: unknown, validate: ValidateConfig, problems: Problems): void {
  for (const issue of validate(spec, config)) {
    const path = formatPath('$.config', pointerSegments(issue.pointer, config));
    problems.add('INVALID_CONFIG', `Node ${q(node.id)}: ${path.slice(2)} ${issue.message}`, { nodeId: node.id, path });
  }
}

export interface NodeCheckDeps {
  readonly lookup: LookupNodeType;
  readonly validateConfig: ValidateConfig | undefined;
  readonly parse: ParseExpression;
  readonly limits: CompileLimits;
}

export function checkNodes(nodes: readonly WorkflowNode[], deps: NodeCheckDeps, problems: Problems): Model {
  const model: Model = { nodes: [], byId: new Map(), edges: [] };
  const templates = new TemplateChecker(deps.parse, deps.limits, problems);
  const specs = new Map<string, NodeTypeSpec | undefined>();
  nodes.forEach((n, i) => {
    const id = typeof n.id === 'string' ? n.id : String(n.id);
    const at = { nodeId: id };
    if (!ID_PATTERN.test(id)) {
      problems.add('INVALID_ID', `Node id ${q(id)} must be 1-64 letters, digits, "_" or "-"`, { ...at, path: '$.id' });
    }
    const first = model.byId.get(id);
    if (first === undefined) model.byId.set(id, i);
    else problems.add('DUPLICATE_NODE_ID', `Nodes ${first} and ${i} share the id ${q(id)}`, { ...at, path: '$.id' });

    let spec = specs.get(n.type);
    if (!specs.has(n.type)) {
      spec = deps.lookup(n.type);
      specs.set(n.type, spec);
    }
    if (!spec) {
      problems.add('UNKNOWN_NODE_TYPE', `Node ${q(id)}: unknown node type ${q(n.type)} (custom node types are visible only to their owner)`, {
        ...at,
        path: '$.type',
      });
    }
    const info: NodeInfo = { id, spec, duplicate: first !== undefined, refs: [] as NodeRef[] };
    model.nodes.push(info);

    const config = n.config as unknown;
    if (config === null || typeof config !== 'object' || Array.isArray(config)) {
      problems.add('INVALID_CONFIG', `Node ${q(id)}: config must be an object`, { ...at, path: '$.config' });
      return;
    }
    const walk = walkConfig(n.config, new Set(spec?.rawConfigKeys ?? []), deps.limits.maxConfigDepth);
    if (walk.tooDeep) {
      problems.add('CONFIG_TOO_DEEP', `Node ${q(id)}: config is nested deeper than ${deps.limits.maxConfigDepth} levels`, { ...at, path: '$.config' });
      return;
    }
    if (spec && deps.validateConfig) checkSchema(info, spec, n.config, deps.validateConfig, problems);
    templates.check(info, walk.strings);
  });
  return model;
}
