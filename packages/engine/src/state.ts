/**
 * The persisted state of one execution's run: which edges delivered, which nodes ran, loop progress, what is
 * ready. Plain JSON, so it is saved after every node and a restarted process continues from it.
 */
import type { ExecutionStatus, StepStatus, WaitSpec } from './ports.ts';

export type EdgeState = 'pending' | 'delivered' | 'dead';

export interface StepError {
  readonly code: string;
  readonly message: string;
}

export interface StepState {
  readonly stepId: string;
  readonly nodeId: string;
  status: StepStatus;
  attempt: number;
  iteration?: number;
  input?: unknown;
  output?: unknown;
  error?: StepError;
  ports?: readonly string[];
  wait?: WaitSpec;
  /** Set when a wait ended: the node is run again with it. */
  resume?: { data: unknown };
  startedAt?: string;
  finishedAt?: string;
}

export interface LoopState {
  items: unknown[];
  index: number;
  results: unknown[];
}

export interface RunState {
  edges: Record<string, EdgeState>;
  steps: Record<string, StepState>;
  loops: Record<string, LoopState>;
  ready: string[];
  /** Latest output of every node that finished, for expressions and partial runs. */
  outputs: Record<string, unknown>;
  /** Monotonic counter for step ids. */
  seq: number;
  /**
   * How often in a row a process died while this run had a node running; past a limit the run is marked crashed.
   * Reset when a node finishes.
   */
  crashes?: number;
  /** Time spent in `running`, in ms, as of the last save: what the workflow timeout bounds. */
  activeMs?: number;
  /** Sub-workflow nesting: 0 (or absent) for a run started by a user, parent's depth + 1 for a child. */
  depth?: number;
  /** The node of another run that waits for this one to end (a sub-workflow's caller). */
  parent?: ParentLink;
}

export interface ParentLink {
  readonly executionId: string;
  readonly nodeId: string;
  readonly stepId: string;
}

export interface ExecutionError {
  readonly code: string;
  readonly message: string;
  readonly nodeId?: string;
}

export type ExecutionMode = 'normal' | 'test' | 'partial';

export interface ExecutionRecord {
  readonly id: string;
  readonly ownerId: string;
  readonly workflowId: string;
  readonly version: number;
  readonly mode: ExecutionMode;
  status: ExecutionStatus;
  input: unknown;
  state: RunState;
  output?: unknown;
  error?: ExecutionError;
  pauseRequested: boolean;
  startedAt?: string;
  finishedAt?: string;
  readonly createdAt: string;
}
