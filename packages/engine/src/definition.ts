/**
 * The workflow format: what the editor saves, the compiler checks and the engine runs. Shaped like React Flow's
 * nodes and edges so the web console can load it as is.
 *
 * Expressions: a string value in a node's `config` may hold `{{ … }}` templates written in JSONata (side-effect
 * free; never `eval`). The engine evaluates them with these bindings, and the compiler checks them statically:
 *
 *   $input            the data arriving at the node (its one upstream output, or several keyed by node id)
 *   $node.<id>        the output of node <id>, which must be upstream of the node that reads it
 *                     (ids with `-` are written in backticks: $node.`fetch-user`.body)
 *   $execution        { id, input }: the run and what its trigger received
 *
 * A string that is exactly one template yields the expression's value (any JSON type); templates inside other text
 * are interpolated as text. A template ends at the first `}}`, so write `} }` inside an expression.
 */

export interface Position {
  readonly x: number;
  readonly y: number;
}

export interface WorkflowNode {
  /** Unique within the workflow; `[A-Za-z0-9_-]{1,64}`. */
  readonly id: string;
  /** A node type of the registry: `http.request`, `logic.if`, `custom.<slug>` … */
  readonly type: string;
  readonly name?: string;
  /** Validated against the type's config schema. String values may hold `{{ expression }}` templates. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly position?: Position;
  /** Retry a failing node: attempts in all (default 1) and the first backoff (doubles each attempt). */
  readonly retry?: { readonly maxAttempts: number; readonly backoffMs: number };
}

export interface WorkflowEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** Output port of the source (default: its first output). */
  readonly sourceHandle?: string;
  /** Input port of the target (default: its first input). */
  readonly targetHandle?: string;
}

export interface WorkflowDefinition {
  readonly nodes: readonly WorkflowNode[];
  readonly edges: readonly WorkflowEdge[];
}

export type ErrorPolicy = 'fail' | 'continue';

export interface WorkflowSettings {
  /**
   * Bounds the run's active time: the time it spends `running`. Time `queued`, `paused` or `waiting` (for a person,
   * a timer or a sub-workflow) does not count. Past it the running node is aborted and the run fails with `TIMEOUT`.
   */
  readonly timeoutSeconds?: number;
  /** What a node error does when the node has no `error` output connected: fail the run, or record and go on. */
  readonly errorPolicy?: ErrorPolicy;
  /**
   * How many executions of this workflow may be `running` at once; more stay `queued` until one stops running
   * (finishes, waits or pauses). Enforced per worker process: the embedded deployment has one.
   */
  readonly concurrency?: number;
}

export interface PortSpec {
  readonly id: string;
  readonly label?: string;
}

/** A JSON Schema document (draft 2020-12 subset, as TypeBox emits). */
export type JsonSchema = Readonly<Record<string, unknown>>;

export interface NodeTypeSpec {
  readonly type: string;
  readonly displayName: string;
  readonly category: string;
  readonly description: string;
  readonly version: number;
  readonly configSchema: JsonSchema;
  readonly inputs: readonly PortSpec[];
  readonly outputs: readonly PortSpec[];
  /** Credential types (see the credentials vault) this node can use. */
  readonly credentialTypes: readonly string[];
  /** Whether the node can put the execution into `waiting` (approval, wait). */
  readonly canPause: boolean;
  /** Trigger nodes start a run; a workflow needs at least one. */
  readonly trigger: boolean;
  /** Nodes whose outgoing `loop` port may lead back to them (logic.loop). */
  readonly allowsCycles?: boolean;
  /**
   * Output ports named by the config, added to `outputs`: one per item of the array `config[configKey]`, named
   * `<portPrefix><index>` (logic.switch: `case0`, `case1` …).
   */
  readonly dynamicOutputs?: { readonly configKey: string; readonly portPrefix: string };
  /** Top-level config keys whose strings are taken literally, not as `{{ }}` templates (code.js's source). */
  readonly rawConfigKeys?: readonly string[];
  /** Custom nodes only: what running the node does. Absent for built-in types (the engine implements those). */
  readonly implementation?: CustomNodeImplementation;
}

/** How a user-defined node (`custom.<slug>`) runs: an HTTP call, sandboxed JavaScript, or another workflow. */
export type CustomNodeImplementation =
  | {
      readonly kind: 'http';
      readonly url: string;
      readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'code'; readonly source: string }
  | { readonly kind: 'workflow'; readonly workflowId: string };

export type ProblemSeverity = 'error' | 'warning';

export interface Problem {
  readonly code: string;
  readonly severity: ProblemSeverity;
  readonly message: string;
  readonly nodeId?: string;
  readonly edgeId?: string;
  /** JSON path into the node (or edge) named above, e.g. `$.config.url`, `$.config.cases[0].port`, `$.sourceHandle`. */
  readonly path?: string;
}

/** What compile returns for a valid workflow: the engine schedules from this. */
export interface ExecutionPlan {
  /** Trigger nodes. */
  readonly entryNodes: readonly string[];
  /** A topological order of every reachable node (loop back-edges excluded). */
  readonly order: readonly string[];
  /** Nodes grouped by depth: each level depends only on earlier levels, so a level may run in parallel. */
  readonly levels: readonly (readonly string[])[];
  /**
   * Edges that close a loop: from a node inside a logic.loop's body back into that loop node. They carry the next
   * iteration, so they are left out of `order` and `levels`.
   */
  readonly backEdges: readonly string[];
}
