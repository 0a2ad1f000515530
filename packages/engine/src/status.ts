/**
 * Execution statuses and the allowed transitions: one pure table, tested cell by cell. Everything that changes a
 * status goes through `canTransition`, so an invalid request (resume a running execution, pause a finished one) is
 * refused the same way everywhere.
 */
import type { ExecutionStatus } from './ports.ts';

export const FINAL_STATUSES: ReadonlySet<ExecutionStatus> = new Set(['succeeded', 'failed', 'stopped', 'crashed']);

const TRANSITIONS: Readonly<Record<ExecutionStatus, readonly ExecutionStatus[]>> = {
  // A queued run may be picked up, paused before it starts, or stopped.
  queued: ['running', 'paused', 'stopped'],
  // `queued` again when a crashed process's run is handed back to the queue by recovery.
  running: ['paused', 'waiting', 'succeeded', 'failed', 'stopped', 'crashed', 'queued'],
  // A paused run keeps its waits: a response or timer that ends one while paused is recorded, and the node runs
  // after resume.
  paused: ['queued', 'stopped'],
  // A wait ends with a response, timer or finished sub-workflow (back to the queue), a stop, a pause (it then stays
  // paused when the wait ends, until resumed), or a failure.
  waiting: ['queued', 'stopped', 'failed', 'paused'],
  succeeded: [],
  failed: [],
  stopped: [],
  crashed: [],
};

export function canTransition(from: ExecutionStatus, to: ExecutionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isFinal(status: ExecutionStatus): boolean {
  return FINAL_STATUSES.has(status);
}

/** The user-facing controls and the status each needs. */
export type Control = 'pause' | 'resume' | 'stop';

export function controlAllowed(control: Control, status: ExecutionStatus): boolean {
  switch (control) {
    case 'pause':
      return status === 'queued' || status === 'running' || status === 'waiting';
    case 'resume':
      return status === 'paused';
    case 'stop':
      return !isFinal(status);
  }
}

export const ALL_STATUSES = Object.keys(TRANSITIONS) as ExecutionStatus[];
