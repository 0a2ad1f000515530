/**
 * The durable execution engine. A run advances one node at a time; after each node its state, the step and the
 * events are saved together before the next node starts, so a crash loses at most the node that was running (it is
 * run again on recovery: nodes are at-least-once). Pause takes effect between nodes; stop aborts the running node.
 */
import { buildGraph, LOOP_TYPE, type Graph } from './graph.ts';
import type { EngineDeps, EngineEvent, EngineLimits } from './engine-ports.ts';
import { DEFAULT_ENGINE_LIMITS, EngineConflict } from './engine-ports.ts';
import type { ExecutionStatus, NodeResult, WorkflowSnapshot } from './ports.ts';
import type { WorkflowNode } from './definition.ts';
import { runNode, jsonSize, resolveTemplates } from './run-node.ts';
import { deliver, initialState, inputFor, iterationResult, newStep, resetLoopBody, sinks } from './scheduler.ts';
import type { ExecutionError, ExecutionMode, ExecutionRecord, StepState } from './state.ts';
import { canTransition, controlAllowed, isFinal } from './status.ts';

interface Active {
  readonly abort: AbortController;
  stop: boolean;
  pause: boolean;
  timedOut: boolean;
}

/** A run that took its process down this many times is not retried again: it is marked crashed. */
const MAX_CRASHES = 3;

export interface StartParams {
  readonly ownerId: string;
  readonly workflow: WorkflowSnapshot;
  readonly input: unknown;
  readonly mode?: ExecutionMode;
  /** Trigger node to start from (default: the first trigger). */
  readonly entry?: string;
}

export function createEngine(deps: EngineDeps) {
  const limits: EngineLimits = { ...DEFAULT_ENGINE_LIMITS, ...deps.limits };
  const active = new Map<string, Active>();
  const timers = new Map<string, { cancel(): void }>();
  const graphs = new Map<string, Graph>();
  /** Runs inserted by this process and not yet picked up by a worker (bounded by the queue's backlog). */
  const fresh = new Map<string, ExecutionRecord>();
  const now = () => new Date(deps.clock.now()).toISOString();
  const ev = (executionId: string, type: EngineEvent['type'], data: Record<string, unknown> = {}): EngineEvent => ({ type, executionId, at: now(), data });

  function graphOf(w: WorkflowSnapshot): Graph {
    const key = `${w.workflowId}@${w.version}`;
    let g = graphs.get(key);
    if (!g) {
      g = buildGraph(w.definition, deps.isTrigger);
      if (graphs.size > 1000) graphs.delete(graphs.keys().next().value as string);
      graphs.set(key, g);
    }
    return g;
  }

  function setStatus(rec: ExecutionRecord, to: ExecutionStatus, events: EngineEvent[]): void {
    if (rec.status === to) return;
    if (!canTransition(rec.status, to)) throw new EngineConflict(`cannot go from ${rec.status} to ${to}`, rec.status);
    rec.status = to;
    if (to === 'running' && !rec.startedAt) rec.startedAt = now();
    if (isFinal(to)) {
      rec.finishedAt = now();
      events.push(ev(rec.id, 'execution.finished', { status: to, ...(rec.error ? { error: rec.error } : {}), ...(rec.output !== undefined ? { output: rec.output } : {}) }));
    } else events.push(ev(rec.id, 'execution.status', { status: to }));
  }

  async function save(rec: ExecutionRecord, steps: StepState[], events: EngineEvent[]): Promise<void> {
    const stored = await deps.store.save(rec, steps, events);
    if (stored.length) deps.publish(stored, rec.ownerId);
  }

  async function load(id: string): Promise<ExecutionRecord> {
    const rec = await deps.store.get(id);
    if (!rec) throw new EngineConflict('execution not found', 'missing');
    return rec;
  }

  function scheduleWait(id: string, nodeId: string, at: string): void {
    timers.get(`${id}:${nodeId}`)?.cancel();
    const ms = Math.max(0, Date.parse(at) - deps.clock.now());
    timers.set(`${id}:${nodeId}`, deps.clock.after(ms, () => {
      timers.delete(`${id}:${nodeId}`);
      void wake(id, nodeId, { timedOut: true }).catch((e) => deps.onError?.(e, id));
    }));
  }

  /** Ends a wait: the node runs again with `resume` set. */
  async function wake(id: string, nodeId: string, data: unknown): Promise<ExecutionRecord> {
    const rec = await load(id);
    const step = rec.state.steps[nodeId];
    if (rec.status !== 'waiting' || !step || step.status !== 'waiting') {
      throw new EngineConflict(`execution is ${rec.status}; nothing is waiting there`, rec.status);
    }
    timers.get(`${id}:${nodeId}`)?.cancel();
    step.status = 'pending';
    step.resume = { data };
    rec.state.ready.push(nodeId);
    const events: EngineEvent[] = [ev(id, 'hitl.resolved', { nodeId, stepId: step.stepId, data })];
    if (!Object.values(rec.state.steps).some((s) => s.status === 'waiting')) setStatus(rec, 'queued', events);
    await save(rec, [step], events);
    if ((rec.status as ExecutionStatus) === 'queued') deps.queue.enqueue(id);
    return rec;
  }

  function fail(rec: ExecutionRecord, error: ExecutionError, events: EngineEvent[]): void {
    rec.error = error;
    setStatus(rec, 'failed', events);
  }

  /** When nothing is ready any more, the run is either waiting (for a human or a timer) or done. */
  function settle(rec: ExecutionRecord, g: Graph, events: EngineEvent[]): void {
    if (isFinal(rec.status) || rec.state.ready.length > 0) return;
    if (Object.values(rec.state.steps).some((s) => s.status === 'waiting')) return setStatus(rec, 'waiting', events);
    const out = sinks(rec.state, g);
    rec.output = out.length === 1 ? rec.state.outputs[out[0]!] : Object.fromEntries(out.map((n) => [n, rec.state.outputs[n]]));
    setStatus(rec, 'succeeded', events);
  }

  /** Runs the node at the head of the ready queue; returns what to save (the caller saves once per node). */
  async function step(rec: ExecutionRecord, w: WorkflowSnapshot, g: Graph, a: Active): Promise<{ steps: StepState[]; events: EngineEvent[] }> {
    const nodeId = rec.state.ready.shift()!;
    const node = g.nodes.get(nodeId)!;
    const prev = rec.state.steps[nodeId];
    const st = prev && prev.status === 'pending' ? prev : newStep(rec.state, nodeId);
    const input = g.triggers.includes(nodeId) ? rec.input : inputFor(rec.state, g, nodeId);
    st.status = 'running';
    st.startedAt = now();
    st.input = input;
    const events: EngineEvent[] = [ev(rec.id, 'node.started', { nodeId, stepId: st.stepId, type: node.type })];
    const thoughts: EngineEvent[] = [];

    let outcome: { result: NodeResult } | { error: { code: string; message: string } };
    if (node.type === LOOP_TYPE) outcome = await runLoop(rec, g, nodeId, input);
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
              signal: a.abort.signal,
              input,
              upstream: rec.state.outputs,
              executionInput: rec.input,
              ...(st.resume ? { resume: st.resume } : {}),
            },
            onAttempt: (n) => (st.attempt = n),
            onThought: (kind, content) =>
              thoughts.push(ev(rec.id, 'thought', { stepId: st.stepId, nodeId, kind, content: String(content).slice(0, 10_000), at: now() })),
          })
        : { error: { code: 'UNKNOWN_NODE_TYPE', message: `no handler for node type ${node.type}` } };
    }
    delete st.resume;
    st.finishedAt = now();
    events.push(...thoughts);

    if ('error' in outcome) {
      st.status = 'failed';
      st.error = outcome.error;
      events.push(ev(rec.id, 'node.finished', { nodeId, stepId: st.stepId, status: 'failed', error: outcome.error }));
      const hasErrorBranch = (g.outgoing.get(nodeId) ?? []).some((e) => e.sourceHandle === 'error');
      if (a.stop || a.timedOut) {
        // The run loop finishes the run as stopped or timed out.
      } else if (hasErrorBranch) {
        rec.state.outputs[nodeId] = { error: outcome.error };
        deliver(rec.state, g, nodeId, ['error']);
      } else if ((w.settings.errorPolicy ?? 'fail') === 'continue') {
        deliver(rec.state, g, nodeId, []);
      } else {
        fail(rec, { ...outcome.error, nodeId }, events);
      }
    } else if (outcome.result.kind === 'wait') {
      st.status = 'waiting';
      st.wait = outcome.result.wait;
      const wait = outcome.result.wait;
      events.push(ev(rec.id, 'node.finished', { nodeId, stepId: st.stepId, status: 'waiting' }));
      if (wait.kind === 'approval') events.push(ev(rec.id, 'hitl.requested', { nodeId, stepId: st.stepId, ...wait }));
      const at = wait.kind === 'timer' ? wait.until : wait.timeoutAt;
      if (at) scheduleWait(rec.id, nodeId, at);
    } else {
      st.status = 'succeeded';
      st.output = outcome.result.data;
      st.ports = outcome.result.ports ?? [];
      rec.state.outputs[nodeId] = outcome.result.data;
      events.push(ev(rec.id, 'node.finished', { nodeId, stepId: st.stepId, status: 'succeeded', output: outcome.result.data }));
      deliver(rec.state, g, nodeId, outcome.result.ports);
      if (jsonSize(rec.state.outputs) > limits.maxStateBytes) {
        fail(rec, { code: 'EXECUTION_DATA_TOO_LARGE', message: `execution data exceeds ${limits.maxStateBytes} bytes`, nodeId }, events);
      }
    }
    return { steps: [st], events };
  }

  async function runLoop(rec: ExecutionRecord, g: Graph, nodeId: string, input: unknown): Promise<{ result: NodeResult } | { error: { code: string; message: string } }> {
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

  /** The worker: runs an execution until it finishes, waits, pauses or stops. */
  async function claim(id: string): Promise<ExecutionRecord | null> {
    // A run this process just inserted is already leased to it and in memory: no round trip needed.
    const mine = fresh.get(id);
    if (mine) {
      fresh.delete(id);
      return mine;
    }
    if (deps.store.claimAndLoad) return deps.store.claimAndLoad(id, deps.instanceId, limits.leaseMs);
    return (await deps.store.claim(id, deps.instanceId, limits.leaseMs)) ? deps.store.get(id) : null;
  }

  async function run(id: string): Promise<void> {
    const claimed = await claim(id);
    if (!claimed) return;
    const a: Active = { abort: new AbortController(), stop: false, pause: false, timedOut: false };
    active.set(id, a);
    const lease = setInterval(() => void deps.store.renew([id], deps.instanceId, limits.leaseMs).catch(() => undefined), limits.leaseMs / 3);
    lease.unref?.();
    let deadline: { cancel(): void } | undefined;
    try {
      const rec = claimed;
      if (rec.status !== 'queued' && rec.status !== 'running') return;
      const w = await deps.workflows.load(rec.ownerId, rec.workflowId, rec.version);
      if (!w) {
        const events: EngineEvent[] = [];
        if (rec.status === 'queued') setStatus(rec, 'running', events);
        fail(rec, { code: 'WORKFLOW_VERSION_MISSING', message: 'the workflow version of this execution no longer exists' }, events);
        return await save(rec, [], events);
      }
      const g = graphOf(w);
      const events: EngineEvent[] = [];
      if (rec.status === 'queued') setStatus(rec, 'running', events);
      if (rec.pauseRequested) a.pause = true;
      // Nodes that were running when a process died run again (at-least-once) — unless this run keeps killing
      // its process, in which case it stops here as crashed instead of taking every restart down with it.
      const interrupted = Object.values(rec.state.steps).filter((s) => s.status === 'running');
      if (interrupted.length > 0) {
        rec.state.crashes = (rec.state.crashes ?? 0) + 1;
        if (rec.state.crashes >= MAX_CRASHES) {
          rec.error = { code: 'CRASHED', message: `the process died ${rec.state.crashes} times while this execution ran` };
          setStatus(rec, 'crashed', events);
          return await save(rec, [], events);
        }
        for (const s of interrupted) {
          s.status = 'pending';
          if (!rec.state.ready.includes(s.nodeId)) rec.state.ready.unshift(s.nodeId);
        }
      }
      if (events.length || interrupted.length) await save(rec, interrupted, events);
      const timeoutMs = (w.settings.timeoutSeconds ?? limits.defaultTimeoutSeconds) * 1000;
      const remaining = Date.parse(rec.startedAt ?? now()) + timeoutMs - deps.clock.now();
      deadline = deps.clock.after(Math.max(0, remaining), () => {
        a.timedOut = true;
        a.abort.abort();
      });
      while (!isFinal(rec.status)) {
        const evs: EngineEvent[] = [];
        if (a.stop) {
          setStatus(rec, 'stopped', evs);
          return await save(rec, [], evs);
        }
        if (a.timedOut) {
          fail(rec, { code: 'TIMEOUT', message: `the workflow did not finish within ${timeoutMs / 1000} s` }, evs);
          return await save(rec, [], evs);
        }
        if (draining) {
          // Shutting down: hand the run back to the queue at this boundary; the next start picks it up.
          setStatus(rec, 'queued', evs);
          return await save(rec, [], evs);
        }
        if (a.pause) {
          rec.pauseRequested = false;
          setStatus(rec, 'paused', evs);
          return await save(rec, [], evs);
        }
        if (rec.state.ready.length === 0) {
          settle(rec, g, evs);
          return await save(rec, [], evs);
        }
        const done = await step(rec, w, g, a);
        // The last node's save also carries the run's final (or waiting) status: one write, not two.
        if (!a.stop && !a.timedOut) settle(rec, g, done.events);
        await save(rec, done.steps, done.events);
      }
    } catch (e) {
      deps.onError?.(e, id);
    } finally {
      deadline?.cancel();
      clearInterval(lease);
      active.delete(id);
      await deps.store.release(id, deps.instanceId).catch(() => undefined);
    }
  }

  /** At start and periodically: re-queue runs a dead process left behind, and re-arm timers of waiting ones. */
  async function recover(): Promise<{ requeued: number; timers: number }> {
    const { runnable, waits } = await deps.store.recoverable();
    for (const id of runnable) if (!active.has(id)) deps.queue.enqueue(id);
    for (const w of waits) if (!timers.has(`${w.id}:${w.nodeId}`)) scheduleWait(w.id, w.nodeId, w.at);
    return { requeued: runnable.length, timers: waits.length };
  }

  let stopQueue: (() => Promise<void>) | undefined;
  let sweep: ReturnType<typeof setInterval> | undefined;
  let draining = false;

  return {
    limits,
    /** Persists a queued execution and queues it. Nothing runs before the caller gets the id. */
    async start(p: StartParams): Promise<ExecutionRecord> {
      const g = graphOf(p.workflow);
      const entry = p.entry ?? g.triggers[0];
      if (!entry) throw new EngineConflict('the workflow has no trigger', 'invalid');
      const rec: ExecutionRecord = {
        id: globalThis.crypto.randomUUID(),
        ownerId: p.ownerId,
        workflowId: p.workflow.workflowId,
        version: p.workflow.version,
        mode: p.mode ?? 'normal',
        status: 'queued',
        input: p.input,
        state: initialState(g, entry),
        pauseRequested: false,
        createdAt: now(),
      };
      const stored = await deps.store.insert(rec, [ev(rec.id, 'execution.status', { status: 'queued' })], { owner: deps.instanceId, ms: limits.leaseMs });
      if (fresh.size < 10_000) fresh.set(rec.id, structuredClone(rec));
      deps.publish(stored, rec.ownerId);
      deps.queue.enqueue(rec.id);
      return rec;
    },

    run,

    get: (id: string) => deps.store.get(id),

    /**
     * Partial execution: runs one node with the given input and upstream outputs, outside any run. Nothing else
     * runs and nothing is persisted; a node that would wait says so instead.
     */
    async runSingle(p: { ownerId: string; node: WorkflowNode; input: unknown; upstream: Record<string, unknown>; executionInput: unknown; timeoutMs: number }) {
      const handler = deps.handlers(p.node.type, p.ownerId);
      if (!handler || p.node.type === LOOP_TYPE) return { error: { code: 'NOT_RUNNABLE_ALONE', message: `${p.node.type} cannot run on its own` } };
      const abort = new AbortController();
      const t = deps.clock.after(p.timeoutMs, () => abort.abort());
      const thoughts: Array<{ kind: string; content: string; at: string }> = [];
      try {
        const r = await runNode({
          node: p.node,
          handler,
          evaluate: deps.evaluate,
          maxOutputBytes: limits.maxNodeOutputBytes,
          base: { executionId: 'partial', ownerId: p.ownerId, nodeId: p.node.id, nodeType: p.node.type, stepId: `${p.node.id}#partial`, signal: abort.signal, input: p.input, upstream: p.upstream, executionInput: p.executionInput },
          onAttempt: () => undefined,
          onThought: (kind, content) => thoughts.push({ kind, content, at: now() }),
        });
        return { ...r, thoughts };
      } finally {
        t.cancel();
      }
    },

    async pause(id: string): Promise<ExecutionStatus> {
      // The database, not a not-yet-run copy in memory, is the truth once anyone changes the run.
      fresh.delete(id);
      const rec = await load(id);
      if (!controlAllowed('pause', rec.status)) throw new EngineConflict(`cannot pause a ${rec.status} execution`, rec.status);
      const a = active.get(id);
      if (a) {
        a.pause = true;
        return rec.status;
      }
      const events: EngineEvent[] = [];
      if (rec.status === 'queued') setStatus(rec, 'paused', events);
      else rec.pauseRequested = true; // running in another process: it pauses at its next boundary or on recovery
      await save(rec, [], events);
      return rec.status;
    },

    async resume(id: string): Promise<ExecutionStatus> {
      const rec = await load(id);
      if (!controlAllowed('resume', rec.status)) throw new EngineConflict(`cannot resume a ${rec.status} execution`, rec.status);
      const events: EngineEvent[] = [];
      setStatus(rec, 'queued', events);
      await save(rec, [], events);
      deps.queue.enqueue(id);
      return rec.status;
    },

    async stop(id: string): Promise<ExecutionStatus> {
      fresh.delete(id);
      const rec = await load(id);
      if (!controlAllowed('stop', rec.status)) throw new EngineConflict(`cannot stop a ${rec.status} execution`, rec.status);
      const a = active.get(id);
      if (a && rec.status === 'running') {
        a.stop = true;
        a.abort.abort();
        return rec.status;
      }
      for (const s of Object.values(rec.state.steps)) if (s.status === 'waiting') timers.get(`${id}:${s.nodeId}`)?.cancel();
      const events: EngineEvent[] = [];
      setStatus(rec, 'stopped', events);
      await save(rec, [], events);
      return rec.status;
    },

    /** Answers a waiting node (HITL response). The caller has validated ownership and the response's data. */
    respond: (id: string, nodeId: string, data: unknown) => wake(id, nodeId, data),

    recover,

    /** Starts the workers and a periodic sweep that picks up runs whose process died (expired leases). */
    startWorkers(): void {
      draining = false;
      stopQueue ??= deps.queue.start(run);
      sweep ??= setInterval(() => void recover().catch((e: unknown) => deps.onError?.(e, '')), limits.leaseMs);
      sweep.unref?.();
    },

    /** Graceful stop: running executions go back to the queue at their next node boundary. */
    async close(): Promise<void> {
      draining = true;
      if (sweep) clearInterval(sweep);
      sweep = undefined;
      for (const t of timers.values()) t.cancel();
      timers.clear();
      await stopQueue?.();
      stopQueue = undefined;
    },
  };
}

export type Engine = ReturnType<typeof createEngine>;
