/**
 * One node of a run. `begin` takes the node at the head of the ready queue and marks it running; the engine saves
 * that before the node runs (together with the previous node's end: still one save per node), so a process that dies
 * inside a node is known to have, and streams and the status show the node while it runs. `runStep` then runs it and
 * applies its outcome to the run state; the engine saves that with the next node's start.
 */
import { LOOP_TYPE, type Graph } from './graph.ts';
import type { EngineDeps, EngineEvent, EngineLimits } from './engine-ports.ts';
import type { NodeResult, WorkflowSnapshot } from './ports.ts';
import { jsonSize, resolveTemplates, runNode } from './run-node.ts';
import { deliver, inputFor, iterationResult, newStep, resetLoopBody } from './scheduler.ts';
import type { ExecutionError, ExecutionRecord, StepState } from './state.ts';

type Outcome = { result: NodeResult } | { error: { code: string; message: string } };
type MakeEvent = (executionId: string, type: EngineEvent['type'], data?: Record<string, unknown>) => EngineEvent;

export interface StepRunnerDeps {
  readonly deps: EngineDeps;
  readonly limits: EngineLimits;
  readonly now: () => string;
  readonly ev: MakeEvent;
  /** Saves an event the moment it happens (an AI node's thoughts), without holding the node up. */
  readonly emitLive: (rec: ExecutionRecord, e: EngineEvent) => void;
  /** Arms the timer of a wait that ends by itself (flow.wait, an approval's timeout). */
  readonly armWait: (rec: ExecutionRecord, st: StepState) => void;
  readonly fail: (rec: ExecutionRecord, error: ExecutionError, events: EngineEvent[]) => void;
}

export interface StepControl {
  readonly signal: AbortSignal;
  /** True once the run is being stopped or timed out: a node error then is the abort, not the node's failure. */
  cancelled(): boolean;
}

export function createStepRunner(r: StepRunnerDeps) {
  const { deps, limits, now, ev } = r;

  /** Marks the next ready node running. The caller saves the returned step and events before calling `runStep`. */
  function begin(rec: ExecutionRecord, g: Graph, events: EngineEvent[]): StepState {
    const nodeId = rec.state.ready.shift()!;
    const prev = rec.state.steps[nodeId];
    const st = prev && prev.status === 'pending' ? prev : newStep(rec.state, nodeId);
    st.status = 'running';
    // A node resumed after a wait keeps its first start: its duration spans the wait (the approval, the timer).
    if (!st.resume || !st.startedAt) st.startedAt = now();
    delete st.finishedAt;
    st.input = g.triggers.includes(nodeId) ? rec.input : inputFor(rec.state, g, nodeId);
    events.push(ev(rec.id, 'node.started', { nodeId, stepId: st.stepId, type: g.nodes.get(nodeId)!.type }));
    return st;
  }

  /** Runs a begun node and applies its outcome; returns what to save (with the next node's start). */
  async function runStep(rec: ExecutionRecord, w: WorkflowSnapshot, g: Graph, ctl: StepControl, st: StepState): Promise<{ steps: StepState[]; events: EngineEvent[] }> {
    const nodeId = st.nodeId;
    const node = g.nodes.get(nodeId)!;
    const events: EngineEvent[] = [];
    let outcome: Outcome;
    if (node.type === LOOP_TYPE) outcome = await runLoop(rec, g, nodeId, st.input);
    else {
      const handler = deps.handlers(node.type, rec.ownerId);
      outcome = handler
        ? await runNode({
            node,
            handler,
            evaluate: deps.evaluate,
            maxOutputBytes: limits.maxNodeOutputBytes,
            base: {
              executionId: rec.id,
              ownerId: rec.ownerId,
              nodeId,
              nodeType: node.type,
              stepId: st.stepId,
              signal: ctl.signal,
              input: st.input,
              upstream: rec.state.outputs,
              executionInput: rec.input,
              ...(st.resume ? { resume: st.resume } : {}),
            },
            onAttempt: (n) => (st.attempt = n),
            onThought: (kind, content) =>
              r.emitLive(rec, ev(rec.id, 'thought', { stepId: st.stepId, nodeId, kind, content: String(content).slice(0, 10_000), at: now() })),
          })
        : { error: { code: 'UNKNOWN_NODE_TYPE', message: `no handler for node type ${node.type}` } };
    }
    delete st.resume;

    if ('error' in outcome) {
      st.finishedAt = now();
      st.error = outcome.error;
      if (ctl.cancelled()) {
        // The run loop ends the run as stopped or timed out; the node did not fail on its own.
        st.status = 'cancelled';
        events.push(ev(rec.id, 'node.finished', { nodeId, stepId: st.stepId, status: 'cancelled', error: outcome.error }));
        return { steps: [st], events };
      }
      st.status = 'failed';
      delete rec.state.crashes;
      events.push(ev(rec.id, 'node.finished', { nodeId, stepId: st.stepId, status: 'failed', error: outcome.error }));
      const hasErrorBranch = (g.outgoing.get(nodeId) ?? []).some((e) => g.portOf.get(e.id) === 'error');
      if (hasErrorBranch) {
        rec.state.outputs[nodeId] = { error: outcome.error };
        deliver(rec.state, g, nodeId, ['error']);
      } else if ((w.settings.errorPolicy ?? 'fail') === 'continue') {
        deliver(rec.state, g, nodeId, []);
      } else {
        r.fail(rec, { ...outcome.error, nodeId }, events);
      }
    } else if (outcome.result.kind === 'wait') {
      // Waiting is not finished: no finishedAt until the node runs again and ends.
      st.status = 'waiting';
      st.wait = outcome.result.wait;
      const wait = outcome.result.wait;
      delete rec.state.crashes;
      events.push(ev(rec.id, 'node.finished', { nodeId, stepId: st.stepId, status: 'waiting' }));
      if (wait.kind === 'approval') events.push(ev(rec.id, 'hitl.requested', { nodeId, stepId: st.stepId, ...wait }));
      r.armWait(rec, st);
    } else {
      st.finishedAt = now();
      st.status = 'succeeded';
      st.output = outcome.result.data;
      st.ports = outcome.result.ports ?? [];
      delete rec.state.crashes;
      rec.state.outputs[nodeId] = outcome.result.data;
      events.push(ev(rec.id, 'node.finished', { nodeId, stepId: st.stepId, status: 'succeeded', output: outcome.result.data }));
      deliver(rec.state, g, nodeId, outcome.result.ports);
      if (jsonSize(rec.state.outputs) > limits.maxStateBytes) {
        r.fail(rec, { code: 'EXECUTION_DATA_TOO_LARGE', message: `execution data exceeds ${limits.maxStateBytes} bytes`, nodeId }, events);
      }
    }
    return { steps: [st], events };
  }

  async function runLoop(rec: ExecutionRecord, g: Graph, nodeId: string, input: unknown): Promise<Outcome> {
    let loop = rec.state.loops[nodeId];
    if (!loop) {
      const node = g.nodes.get(nodeId)!;
      const scope = { $input: input, $node: rec.state.outputs, $execution: { id: rec.id, input: rec.input } };
      let items: unknown;
      try {
        items = ((await resolveTemplates(node.config, deps.evaluate, scope)) as { items?: unknown }).items;
      } catch (e) {
        return { error: { code: 'EXPRESSION_FAILED', message: (e as Error).message } };
      }
      if (!Array.isArray(items)) return { error: { code: 'LOOP_ITEMS_NOT_ARRAY', message: 'logic.loop items must be an array' } };
      if (items.length > limits.maxLoopIterations) return { error: { code: 'LOOP_TOO_LONG', message: `more than ${limits.maxLoopIterations} items` } };
      loop = { items, index: 0, results: [] };
      rec.state.loops[nodeId] = loop;
    } else {
      loop.results.push(iterationResult(rec.state, g, nodeId));
      loop.index += 1;
    }
    if (loop.index < loop.items.length) {
      resetLoopBody(rec.state, g, nodeId);
      return { result: { kind: 'output', data: { item: loop.items[loop.index], index: loop.index }, ports: ['loop'] } };
    }
    return { result: { kind: 'output', data: loop.results, ports: ['done'] } };
  }

  return { begin, runStep };
}
