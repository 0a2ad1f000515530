/**
 * The engine's ports. The engine is a pure library: it schedules nodes, persists state after each one through the
 * RunStore, and talks to the outside only through these interfaces. The server implements them on the database,
 * the event bus and an in-process (or BullMQ) queue; tests implement them in memory.
 */
import type { WorkflowDefinition, WorkflowSettings } from './definition.ts';

export type ExecutionStatus =
  | 'queued'
  | 'running'
  | 'paused'
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'stopped'
  | 'crashed';

/** `cancelled`: the run ended (stopped, failed elsewhere, crashed) while this step was waiting or running. */
export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'waiting' | 'cancelled';

export type ThoughtKind = 'thought' | 'action' | 'observation';

export interface Thought {
  readonly stepId: string;
  readonly nodeId: string;
  readonly kind: ThoughtKind;
  readonly content: string;
  readonly at: string;
}

/** What a node gets when it runs. */
export interface NodeRunContext {
  readonly executionId: string;
  readonly ownerId: string;
  readonly nodeId: string;
  readonly nodeType: string;
  readonly stepId: string;
  readonly attempt: number;
  /** Aborted when the execution is stopped or times out: long work must listen to it. */
  readonly signal: AbortSignal;
  /** The node's config with every `{{ expression }}` already evaluated. */
  readonly config: Readonly<Record<string, unknown>>;
  /**
   * The node's input: the output of its single upstream node, or, with several, an object keyed by upstream node
   * id. Trigger nodes get the execution input.
   */
  readonly input: unknown;
  /** Outputs of every finished upstream node so far, by node id (what expressions read as `$node.<id>`). */
  readonly upstream: Readonly<Record<string, unknown>>;
  /** The execution's input (what the trigger received). */
  readonly executionInput: unknown;
  /** Set when the node is resumed after a wait (the HITL response, or the timer firing). */
  readonly resume?: { readonly data: unknown };
  /** Records an AI node's reasoning. */
  emitThought(kind: ThoughtKind, content: string): void;
}

export type WaitSpec =
  | {
      readonly kind: 'approval';
      readonly prompt: string;
      /** JSON Schema the response `data` must satisfy. */
      readonly formSchema?: Readonly<Record<string, unknown>>;
      /** When the request times out, and the decision it then takes. */
      readonly timeoutAt?: string;
      readonly timeoutDecision?: string;
    }
  | { readonly kind: 'timer'; readonly until: string }
  /**
   * Another execution (a sub-workflow) runs; the node is run again, with `resume.data` = `{ executionId, status,
   * output, error }`, when that execution ends. The waiting run holds no worker slot meanwhile.
   */
  | { readonly kind: 'execution'; readonly executionId: string };

export type NodeResult =
  /** Finished. `ports` names the outputs that fire (default: all of the node's outputs except `error`). */
  | { readonly kind: 'output'; readonly data: unknown; readonly ports?: readonly string[] }
  /** The node waits for a human or a timer; it is run again with `resume` set when the wait ends. */
  | { readonly kind: 'wait'; readonly wait: WaitSpec };

export interface NodeHandler {
  run(ctx: NodeRunContext): Promise<NodeResult>;
  /**
   * The node has no effect outside its run: nothing another system sees (no network, no files, no messages), its
   * result depends only on its config and input, and it never waits. Its step is still saved, but a boundary between
   * two pure nodes is folded into the next save rather than committed before the node starts, so a chain of pure
   * nodes commits once. A crash can only lose pure work, which runs again from the last committed boundary with the
   * same result. Default false: the boundaries before and after the node are committed before anything goes on.
   */
  readonly pure?: boolean;
}

/** Resolves a node type to its handler (built-ins and the owner's custom nodes). */
export type NodeHandlers = (type: string, ownerId: string) => NodeHandler | undefined;

/** Evaluates one `{{ … }}` expression against a scope. Expressions are code: the adapter bounds time and depth. */
export type ExpressionEvaluator = (expression: string, scope: Readonly<Record<string, unknown>>) => Promise<unknown>;

export interface WorkflowSnapshot {
  readonly workflowId: string;
  readonly version: number;
  readonly definition: WorkflowDefinition;
  readonly settings: WorkflowSettings;
}
