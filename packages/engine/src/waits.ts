/**
 * Waits: how a node that waits (for a person, a timer or another execution) is woken, and what becomes of waits and
 * unfinished steps when a run ends. Pure functions over the record; the engine supplies the time and the events.
 */
import type { EngineEvent } from './engine-ports.ts';
import type { WaitSpec } from './ports.ts';
import type { ExecutionRecord, StepState } from './state.ts';

export type Emit = (type: EngineEvent['type'], data: Record<string, unknown>) => void;

/** When a wait ends by itself: a timer's time, an approval's timeout. */
export function deadlineOf(wait: WaitSpec | undefined): string | undefined {
  if (wait?.kind === 'timer') return wait.until;
  if (wait?.kind === 'approval') return wait.timeoutAt;
  return undefined;
}

/**
 * Ends the wait of `nodeId` (of step `stepId`, when given): the node goes back to the ready queue and runs again with
 * `resume`. Undefined when that node does not wait (any more), so a late or duplicate wake changes nothing.
 */
export function applyWake(rec: ExecutionRecord, nodeId: string, data: unknown, stepId: string | undefined, emit: Emit): StepState | undefined {
  const step = rec.state.steps[nodeId];
  if (!step || step.status !== 'waiting' || (stepId !== undefined && step.stepId !== stepId)) return undefined;
  step.status = 'pending';
  step.resume = { data };
  if (!rec.state.ready.includes(nodeId)) rec.state.ready.push(nodeId);
  if (step.wait?.kind === 'approval') emit('hitl.resolved', { nodeId, stepId: step.stepId, data });
  return step;
}

/** Whether a wake may be handed to a run for `nodeId` right now: the node waits there. */
export function waitsAt(rec: ExecutionRecord, nodeId: string, stepId: string | undefined): boolean {
  const step = rec.state.steps[nodeId];
  return step !== undefined && step.status === 'waiting' && (stepId === undefined || step.stepId === stepId);
}

/** What a node waiting on another execution is resumed with when that execution ends. */
export function childResult(child: ExecutionRecord): { executionId: string; status: string; output: unknown; error: unknown } {
  return { executionId: child.id, status: child.status, output: child.output ?? null, error: child.error ?? null };
}

/**
 * The run ended: its unfinished steps end with it. A step that was waiting or running (or resumed but not run again)
 * is `cancelled` — `failed` with the run's error when the run crashed on it. Steps never started keep no row and are
 * left out. Returns the steps to save and the executions their waits were on (sub-workflows to stop).
 */
export function closeSteps(rec: ExecutionRecord, at: string, emit: Emit): { steps: StepState[]; children: string[] } {
  const steps: StepState[] = [];
  const children: string[] = [];
  for (const st of Object.values(rec.state.steps)) {
    const open = st.status === 'waiting' || st.status === 'running' || (st.status === 'pending' && st.startedAt !== undefined);
    if (!open) continue;
    if (st.status === 'waiting' && st.wait?.kind === 'execution') children.push(st.wait.executionId);
    if (rec.status === 'crashed' && st.status === 'running') {
      st.status = 'failed';
      if (rec.error) st.error = { code: rec.error.code, message: rec.error.message };
    } else st.status = 'cancelled';
    delete st.resume;
    st.finishedAt = at;
    steps.push(st);
    emit('node.finished', { nodeId: st.nodeId, stepId: st.stepId, status: st.status });
  }
  return { steps, children };
}
