/**
 * The ports the engine itself drives (node-facing ports are in ports.ts).
 */
import type { ExecutionRecord, StepState } from './state.ts';
import type { NodeTypeSpec } from './definition.ts';
import type { ExpressionEvaluator, NodeHandlers, WorkflowSnapshot } from './ports.ts';

export type EngineEventType =
  | 'execution.status'
  | 'node.started'
  | 'node.finished'
  | 'hitl.requested'
  | 'hitl.resolved'
  | 'thought'
  | 'execution.finished';

export interface EngineEvent {
  readonly type: EngineEventType;
  readonly executionId: string;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface StoredEvent extends EngineEvent {
  /** Increasing per execution: SSE ids and Last-Event-ID replay. */
  readonly seq: number;
}

export interface RunStore {
  /** Writes a new run; with `lease`, already claimed by the inserting process (it runs it next). */
  insert(rec: ExecutionRecord, events: readonly EngineEvent[], lease?: { owner: string; ms: number }): Promise<StoredEvent[]>;
  get(id: string): Promise<ExecutionRecord | null>;
  /** Persists the record, the changed steps and the events in one transaction; resolves once durable. */
  save(rec: ExecutionRecord, steps: readonly StepState[], events: readonly EngineEvent[]): Promise<StoredEvent[]>;
  /** Takes the run lease when free or expired (a crashed owner). False when another live process holds it. */
  claim(id: string, instance: string, leaseMs: number): Promise<boolean>;
  /** Optional: claim and load in one round trip; null when the lease is held elsewhere or the run is gone. */
  claimAndLoad?(id: string, instance: string, leaseMs: number): Promise<ExecutionRecord | null>;
  release(id: string, instance: string): Promise<void>;
  renew(ids: readonly string[], instance: string, leaseMs: number): Promise<void>;
  /**
   * Runs to pick up at start and in the periodic sweep: queued ones, running ones whose lease expired, the deadlines
   * of waiting (or paused) ones, and their waits on other executions (sub-workflows) — in case the child's end was
   * never delivered because a process died in between.
   */
  recoverable(): Promise<Recoverable>;
  /**
   * Optional: human answers recorded for the run's waits, by step (answered HITL requests). The engine applies those
   * whose step still waits when the run reaches a boundary, so an answer recorded while the run ran elsewhere, or
   * just before a process died, is never lost.
   */
  answers?(executionId: string): Promise<Array<{ stepId: string; nodeId: string; data: unknown }>>;
}

export interface Recoverable {
  readonly runnable: string[];
  readonly waits: Array<{ id: string; nodeId: string; stepId?: string; at: string }>;
  readonly children?: Array<{ id: string; nodeId: string; stepId: string; childId: string }>;
}

export interface JobQueue {
  enqueue(executionId: string): void;
  /** Starts consuming with the handler; returns a stop function that waits for running jobs. */
  start(handler: (executionId: string) => Promise<void>): () => Promise<void>;
}

export interface WorkflowLoader {
  load(ownerId: string, workflowId: string, version: number): Promise<WorkflowSnapshot | null>;
}

export interface Clock {
  now(): number;
  /** A cancellable timer (flow.wait, HITL timeouts). */
  after(ms: number, fn: () => void): { cancel(): void };
}

export interface EngineLimits {
  /** Largest JSON output of one node, in bytes. */
  readonly maxNodeOutputBytes: number;
  /** Largest run state (all outputs together), in bytes. */
  readonly maxStateBytes: number;
  readonly maxLoopIterations: number;
  /** Default bound of a run's active (running) time when the workflow sets no timeout. */
  readonly defaultTimeoutSeconds: number;
  readonly leaseMs: number;
}

export const DEFAULT_ENGINE_LIMITS: EngineLimits = {
  maxNodeOutputBytes: 1024 * 1024,
  maxStateBytes: 16 * 1024 * 1024,
  maxLoopIterations: 10_000,
  defaultTimeoutSeconds: 3600,
  leaseMs: 30_000,
};

export interface EngineDeps {
  readonly store: RunStore;
  readonly queue: JobQueue;
  readonly workflows: WorkflowLoader;
  readonly handlers: NodeHandlers;
  readonly evaluate: ExpressionEvaluator;
  readonly clock: Clock;
  /** Called after events are durable, for live streams. Must not throw. */
  readonly publish: (events: readonly StoredEvent[], ownerId: string) => void;
  /** Which node types start a run. */
  readonly isTrigger: (type: string) => boolean;
  /**
   * A node type's spec, as the owner sees it: gives the output port an edge without `sourceHandle` leaves from (its
   * type's first output, as the compiler reads it). Without it, `main` (`loop` for logic.loop).
   */
  readonly nodeSpec?: (type: string, ownerId: string) => Promise<NodeTypeSpec | null | undefined>;
  /** Identifies this process in run leases. */
  readonly instanceId: string;
  readonly limits?: Partial<EngineLimits>;
  readonly onError?: (err: unknown, executionId: string) => void;
}

export class EngineConflict extends Error {
  override readonly name = 'EngineConflict';
  constructor(
    message: string,
    readonly status: string,
  ) {
    super(message);
  }
}
