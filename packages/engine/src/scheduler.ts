/**
 * Pure scheduling over the run state: which nodes are ready, which are skipped, what a finished node delivers.
 *
 * A node is ready when every incoming edge (loop back edges aside) is resolved — delivered or dead — and at least
 * one delivered. All dead means its branch was not taken: it is skipped and its own edges die, recursively. A
 * `logic.loop` node runs once per item: it fires `loop`, its body runs, and when every back edge has resolved it is
 * ready again; after the last item it fires `done`.
 */
import { DONE_PORT, LOOP_PORT, LOOP_TYPE, type Graph } from './graph.ts';
import type { RunState, StepState } from './state.ts';

export function initialState(graph: Graph, entry: string): RunState {
  const edges: RunState['edges'] = {};
  for (const list of graph.outgoing.values()) for (const e of list) edges[e.id] = 'pending';
  const state: RunState = { edges, steps: {}, loops: {}, ready: [], outputs: {}, seq: 0 };
  // Only the chosen trigger runs; every other trigger's branch is dead from the start.
  for (const t of graph.triggers) if (t !== entry) skip(state, graph, t);
  state.ready.push(entry);
  return state;
}

export function newStep(state: RunState, nodeId: string): StepState {
  state.seq += 1;
  const step: StepState = { stepId: `${nodeId}#${state.seq}`, nodeId, status: 'pending', attempt: 0 };
  state.steps[nodeId] = step;
  return step;
}

function skip(state: RunState, graph: Graph, nodeId: string): void {
  const step = state.steps[nodeId] ?? newStep(state, nodeId);
  step.status = 'skipped';
  for (const e of graph.outgoing.get(nodeId) ?? []) state.edges[e.id] = 'dead';
  for (const e of graph.outgoing.get(nodeId) ?? []) evaluate(state, graph, e.target);
}

/** Decides a node's fate once its inputs may have changed. */
export function evaluate(state: RunState, graph: Graph, nodeId: string): void {
  const node = graph.nodes.get(nodeId);
  if (!node) return;
  const current = state.steps[nodeId];
  const incoming = graph.incoming.get(nodeId) ?? [];
  if (node.type === LOOP_TYPE && current && state.loops[nodeId]) {
    // A loop mid-iteration: it goes again when every back edge has resolved.
    const back = incoming.filter((e) => graph.backEdges.has(e.id));
    if (back.length > 0 && back.every((e) => state.edges[e.id] !== 'pending') && !state.ready.includes(nodeId)) {
      state.ready.push(nodeId);
    }
    return;
  }
  if (current && current.status !== 'pending') return;
  const forward = incoming.filter((e) => !graph.backEdges.has(e.id));
  if (forward.length === 0 || forward.some((e) => state.edges[e.id] === 'pending')) return;
  if (forward.every((e) => state.edges[e.id] === 'dead')) return skip(state, graph, nodeId);
  if (!state.ready.includes(nodeId)) state.ready.push(nodeId);
}

/** Records which ports of a finished node fired, and wakes its targets. */
export function deliver(state: RunState, graph: Graph, nodeId: string, ports: readonly string[] | undefined): void {
  const node = graph.nodes.get(nodeId)!;
  const out = graph.outgoing.get(nodeId) ?? [];
  for (const e of out) {
    const port = graph.portOf.get(e.id)!;
    const fired = ports === undefined ? port !== 'error' : ports.includes(port);
    if (node.type === LOOP_TYPE && !fired) {
      // Firing `loop` keeps the `done` edges pending: they fire after the last item. Firing `done` kills only the
      // loop edges that never delivered (no items at all), so nothing waits on a body that will not run.
      if (port === DONE_PORT) continue;
      if (port === LOOP_PORT) {
        if (state.edges[e.id] === 'pending') state.edges[e.id] = 'dead';
        continue;
      }
    }
    state.edges[e.id] = fired ? 'delivered' : 'dead';
  }
  for (const e of out) evaluate(state, graph, e.target);
}

/** Before an iteration: the body's steps and edges go back to pending so the body runs afresh. */
export function resetLoopBody(state: RunState, graph: Graph, loopId: string): void {
  const body = graph.loopBodies.get(loopId) ?? new Set<string>();
  for (const id of body) {
    delete state.steps[id];
    delete state.loops[id];
    state.ready = state.ready.filter((r) => r !== id);
    for (const e of graph.outgoing.get(id) ?? []) state.edges[e.id] = 'pending';
  }
  for (const e of graph.outgoing.get(loopId) ?? []) {
    if (graph.portOf.get(e.id) === LOOP_PORT) state.edges[e.id] = 'pending';
  }
}

/** The outputs that reached a loop's back edges in the iteration that just ended. */
export function iterationResult(state: RunState, graph: Graph, loopId: string): unknown {
  const back = (graph.incoming.get(loopId) ?? []).filter((e) => graph.backEdges.has(e.id) && state.edges[e.id] === 'delivered');
  if (back.length === 0) return null;
  if (back.length === 1) return state.outputs[back[0]!.source] ?? null;
  return Object.fromEntries(back.map((e) => [e.source, state.outputs[e.source] ?? null]));
}

/** The input a node receives: its one upstream output, or several keyed by node id. */
export function inputFor(state: RunState, graph: Graph, nodeId: string): unknown {
  const delivered = (graph.incoming.get(nodeId) ?? []).filter((e) => state.edges[e.id] === 'delivered' && !graph.backEdges.has(e.id));
  if (delivered.length === 0) return null;
  if (delivered.length === 1) return state.outputs[delivered[0]!.source] ?? null;
  return Object.fromEntries(delivered.map((e) => [e.source, state.outputs[e.source] ?? null]));
}

/**
 * Nodes whose outputs form the execution's result: those that ran and delivered nothing onward. A loop's own
 * iteration edges (its `loop` port and its body's back edges) do not count as onward, and body nodes are never sinks.
 */
export function sinks(state: RunState, graph: Graph): string[] {
  const onward = (nodeId: string) =>
    (graph.outgoing.get(nodeId) ?? []).some(
      (e) =>
        state.edges[e.id] === 'delivered' &&
        !graph.backEdges.has(e.id) &&
        !(graph.nodes.get(nodeId)?.type === LOOP_TYPE && graph.portOf.get(e.id) === LOOP_PORT),
    );
  // A loop body's outputs are already collected into the loop's results.
  const inBody = (nodeId: string) => [...graph.loopBodies.values()].some((b) => b.has(nodeId));
  return Object.values(state.steps)
    .filter((s) => s.status === 'succeeded' && !onward(s.nodeId) && !inBody(s.nodeId))
    .map((s) => s.nodeId);
}
