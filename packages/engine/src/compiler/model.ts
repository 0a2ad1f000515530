import type { NodeTypeSpec } from '../definition.ts';
import type { GraphEdge } from './graph.ts';
import type { PathLink } from './paths.ts';

/** Ids of nodes and edges: what React Flow and expressions (`$node.<id>`) can both carry without escaping trouble. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** One `$node.<id>` read found in a node's config. */
export interface NodeRef {
  readonly id: string;
  readonly at: PathLink | null;
}

/** What the checks learn about each node, indexed like `definition.nodes`. */
export interface NodeInfo {
  readonly id: string;
  /** Undefined for an unknown type. */
  readonly spec: NodeTypeSpec | undefined;
  /** A later node reusing an earlier node's id: reported, and left out of the graph. */
  readonly duplicate: boolean;
  readonly refs: NodeRef[];
  /** Output ports, including those named by the config (logic.switch); computed on first use. */
  outputs?: ReadonlySet<string>;
}

export interface ModelEdge extends GraphEdge {
  readonly id: string;
  /** The resolved output port of the source (its first output when the edge names none). */
  readonly sourcePort: string | undefined;
}

export interface Model {
  readonly nodes: NodeInfo[];
  /** First node index of each id. */
  readonly byId: Map<string, number>;
  /** Edges between existing, distinct nodes (dangling edges and self-loops are reported and left out). */
  readonly edges: ModelEdge[];
}

export const isString = (v: unknown): v is string => typeof v === 'string';
