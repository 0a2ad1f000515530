/**
 * Per-node checks: ids, types, config depth and schema, and the `{{ }}` templates in the config.
 */
import type { NodeTypeSpec, WorkflowNode } from '../definition.ts';
import { findTemplates } from './expressions.ts';
import { ID_PATTERN, type Model, type NodeInfo, type NodeRef } from './model.ts';
import { formatPath, linkToPath, pointerSegments, type PathLink } from './paths.ts';
import { q, type Problems } from './problems.ts';
import { ExpressionSyntaxError, type CompileLimits, type LookupNodeType, type ParseExpression, type ParsedExpression, type ValidateConfig } from './types.ts';

interface FoundString {
  readonly value: string;
  readonly at: PathLink | null;
}

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

const short = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}...` : s);

/** Counts templates across a compile; past the cap nothing more is parsed and one error says why. */
interface Budget {
  left: number;
  readonly max: number;
}

function checkTemplates(node: NodeInfo, strings: readonly FoundString[], parse: ParseExpression, budget: Budget, problems: Problems): void {
  for (const { value, at } of strings) {
    for (const t of findTemplates(value)) {
      if (--budget.left < 0) {
        if (budget.left === -1) {
          problems.add('TOO_MANY_EXPRESSIONS', `The workflow has more than ${budget.max} {{ }} templates; the rest were not checked`, {
            nodeId: node.id,
            path: linkToPath('$.config', at),
          });
        }
        return;
      }
      if (t.source === null) {
        problems.add('EXPRESSION_UNCLOSED', `Node ${q(node.id)}: "{{" at offset ${t.start} has no "}}" after it, so it is kept as plain text`, {
          nodeId: node.id,
          path: linkToPath('$.config', at),
        });
        continue;
      }
      try {
        const parsed = parse(t.source);
        for (const id of parsed.nodeRefs) node.refs.push({ id, at });
        if (parsed.dynamicNodeAccess) {
          problems.add(
            'EXPRESSION_DYNAMIC_NODE_ACCESS',
            `Node ${q(node.id)}: {{${short(t.source)}}} reads $node without naming a node, so it cannot be checked; only upstream nodes are visible at run time`,
            { nodeId: node.id, path: linkToPath('$.config', at) },
          );
        }
      } catch (e) {
        const why = e instanceof ExpressionSyntaxError ? e.message : 'does not parse';
        const pos = e instanceof ExpressionSyntaxError && e.position !== undefined ? ` (at ${e.position})` : '';
        problems.add('EXPRESSION_SYNTAX', `Node ${q(node.id)}: {{${short(t.source)}}} is not a valid expression: ${why}${pos}`, {
          nodeId: node.id,
          path: linkToPath('$.config', at),
        });
      }
    }
  }
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

/** Parses each distinct expression once per compile: workflows repeat templates (`{{ $input.user }}`) a lot. */
function memoised(parse: ParseExpression): ParseExpression {
  const seen = new Map<string, ParsedExpression | ExpressionSyntaxError>();
  return (source) => {
    let r = seen.get(source);
    if (r === undefined) {
      try {
        r = parse(source);
      } catch (e) {
        r = e instanceof ExpressionSyntaxError ? e : new ExpressionSyntaxError('does not parse');
      }
      seen.set(source, r);
    }
    if (r instanceof ExpressionSyntaxError) throw r;
    return r;
  };
}

export function checkNodes(nodes: readonly WorkflowNode[], deps: NodeCheckDeps, problems: Problems): Model {
  const model: Model = { nodes: [], byId: new Map(), edges: [] };
  const parse = memoised(deps.parse);
  const budget: Budget = { left: deps.limits.maxTemplates, max: deps.limits.maxTemplates };
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
    checkTemplates(info, walk.strings, parse, budget, problems);
  });
  return model;
}
