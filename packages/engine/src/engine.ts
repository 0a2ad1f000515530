/**
 * The durable execution engine. A run advances one node at a time. Each save records the node that just ended and
 * marks the next one running, together with the events, before that next node starts: one save per node, and a crash
 * loses at most the node that was running (it runs again on recovery: nodes are at-least-once; a node that keeps
 * killing its process ends the run `crashed`). A boundary between two pure nodes (NodeHandler.pure: no effect outside
 * the run) is folded into the next save, so a chain of them commits once; a crash then loses only pure work, which
 * runs again with the same result. Pause takes effect between nodes; stop aborts the running node.
 *
 * Time: the workflow timeout bounds the run's active time — the time it spends `running`, summed over every stretch
 * it ran (saved as `state.activeMs`). Time `queued`, `paused` or `waiting` for a person, a timer or a sub-workflow does
 * not count.
 *
 * Waits end through `wake` (a HITL answer, a timer, a sub-workflow's end). A run that is running here takes wakes in
 * its inbox and applies them at its next boundary; otherwise the wake is applied to the stored run under a per-run
 * lock. A run that is running in another process picks its wakes up itself when it reaches a boundary with nothing
 * ready: answers are recorded (RunStore.answers), timers have deadlines, children have a status.
 */
import { buildGraph, type Graph } from './graph.ts';
import type { EngineDeps, EngineEvent, EngineLimits } from './engine-ports.ts';
import { DEFAULT_ENGINE_LIMITS, EngineConflict } from './engine-ports.ts';
import type { ExecutionStatus, WorkflowSnapshot } from './ports.ts';
import type { WorkflowNode } from './definition.ts';
import { firstOutputPort } from './node-ports.ts';
import { runNode } from './run-node.ts';
import { createLocks, createThrottle } from './run-gates.ts';
import { initialState, sinks } from './scheduler.ts';
import { createStepRunner } from './step-runner.ts';
import type { ExecutionError, ExecutionMode, ExecutionRecord, ParentLink, StepState } from './state.ts';
import { canTransition, controlAllowed, isFinal } from './status.ts';
import { applyWake, childResult, closeSteps, deadlineOf, waitsAt, type Emit } from './waits.ts';

interface Wake {
  readonly nodeId: string;
  readonly data: unknown;
  readonly stepId?: string | undefined;
}

interface Active {
  readonly abort: AbortController;
  stop: boolean;
  pause: boolean;
  timedOut: boolean;
  /** Another run() of the same id arrived while this one ran: queue it again afterwards. */
  again: boolean;
  /** Wakes for this run that arrived while it ran here: applied at the next boundary. */
  readonly inbox: Wake[];
  /** The run's record, once loaded: the one copy that is saved while it runs. */
  rec?: ExecutionRecord;
}

/**
 * How long a chain of pure nodes may run on work that is not yet committed before a boundary is saved anyway. Pure
 * work lost to a crash only runs again, so this bounds the rerun and how stale the stored run (and its streams) may
 * be, not correctness.
 */
const FOLD_MS = 20;

/** A run that took its process down this many times in a row is not retried again: it is marked crashed. */
const MAX_CRASHES = 3;

export interface StartParams {
  readonly ownerId: string;
  readonly workflow: WorkflowSnapshot;
  readonly input: unknown;
  readonly mode?: ExecutionMode;
  /** Trigger node to start from (default: the first trigger). */
  readonly entry?: string;
  /**
   * Started by a node of another run (a sub-workflow). The child's depth is the parent's + 1; with `notify` (the
   * default) the parent's node is woken with the child's result when the child ends.
   */
  readonly parent?: ParentLink & { readonly notify?: boolean };
}

export function createEngine(deps: EngineDeps) {
  const limits: EngineLimits = { ...DEFAULT_ENGINE_LIMITS, ...deps.limits };
  const active = new Map<string, Active>();
  const timers = new Map<string, { cancel(): void }>();
  const graphs = new Map<string, Graph>();
  /** Runs inserted by this process and not yet picked up by a worker (bounded by the queue's backlog). */
  const fresh = new Map<string, ExecutionRecord>();
  /**
   * The workflow version each of those runs was started with, as start validated it: the first run of an execution
   * uses it instead of loading the same immutable version again. Taken (and forgotten) by that first run.
   */
  const startedWith = new Map<string, WorkflowSnapshot>();
  const locks = createLocks();
  const throttle = createThrottle();
  const now = () => new Date(deps.clock.now()).toISOString();
  const ev = (executionId: string, type: EngineEvent['type'], data: Record<string, unknown> = {}): EngineEvent => ({ type, executionId, at: now(), data });
  const emitInto = (rec: ExecutionRecord, events: EngineEvent[]): Emit => (type, data) => events.push(ev(rec.id, type, data));
  const conflict = (status: string, what: string) => new EngineConflict(`execution is ${status}; ${what}`, status);

  async function graphOf(w: WorkflowSnapshot, ownerId: string): Promise<Graph> {
    const key = `${w.workflowId}@${w.version}`;
    let g = graphs.get(key);
    if (!g) {
      const first = new Map<string, string | undefined>();
      if (deps.nodeSpec) {
        // Edges without a sourceHandle leave from their source type's first output (the compiler's reading).
        const unnamed = new Set(w.definition.edges.filter((e) => e.sourceHandle === undefined).map((e) => e.source));
        const specs = new Map<string, Awaited<ReturnType<NonNullable<EngineDeps['nodeSpec']>>>>();
        for (const n of w.definition.nodes) {
          if (!unnamed.has(n.id)) continue;
          if (!specs.has(n.type)) specs.set(n.type, await deps.nodeSpec(n.type, ownerId));
          first.set(n.id, firstOutputPort(n, specs.get(n.type)));
        }
      }
      g = buildGraph(w.definition, deps.isTrigger, (n) => first.get(n.id));
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

  function fail(rec: ExecutionRecord, error: ExecutionError, events: EngineEvent[]): void {
    rec.error = error;
    setStatus(rec, 'failed', events);
  }

  /**
   * Persists the record, the changed steps and the events, then publishes the events. The save that ends a run also
   * closes its unfinished steps, cancels its timers, stops the sub-workflows it waited on and wakes its parent.
   */
  async function save(rec: ExecutionRecord, steps: readonly StepState[], events: EngineEvent[]): Promise<void> {
    let children: string[] = [];
    let all = steps;
    if (isFinal(rec.status)) {
      const closing: EngineEvent[] = [];
      const closed = closeSteps(rec, now(), emitInto(rec, closing));
      for (const st of closed.steps) cancelTimer(rec.id, st.nodeId);
      children = closed.children;
      all = [...steps, ...closed.steps];
      // Before the terminal event: streams end at it.
      const end = events.findIndex((e) => e.type === 'execution.finished');
      events.splice(end < 0 ? events.length : end, 0, ...closing);
    }
    const stored = await deps.store.save(rec, unique(all), events);
    if (stored.length) deps.publish(stored, rec.ownerId);
    if (isFinal(rec.status)) {
      for (const child of children) void stop(child).catch(() => undefined);
      const p = rec.state.parent;
      if (p) void wake(p.executionId, p.nodeId, childResult(rec), p.stepId).catch((e: unknown) => ignoreConflict(e, p.executionId));
    }
  }

  /** A wake that finds nothing waiting is expected (a late timer, an answer after a stop); anything else is reported. */
  function ignoreConflict(e: unknown, id: string): void {
    if (!(e instanceof EngineConflict)) deps.onError?.(e, id);
  }

  /** Saves an event on its own, as it happens (thoughts). Ordered before the run's next save. */
  function emitLive(rec: ExecutionRecord, e: EngineEvent): void {
    void save(rec, [], [e]).catch((err: unknown) => deps.onError?.(err, rec.id));
  }

  async function load(id: string): Promise<ExecutionRecord> {
    const rec = await deps.store.get(id);
    if (!rec) throw new EngineConflict('execution not found', 'missing');
    return rec;
  }

  function cancelTimer(id: string, nodeId: string): void {
    timers.get(`${id}:${nodeId}`)?.cancel();
    timers.delete(`${id}:${nodeId}`);
  }

  function scheduleWait(id: string, nodeId: string, stepId: string | undefined, at: string): void {
    cancelTimer(id, nodeId);
    const ms = Math.max(0, Date.parse(at) - deps.clock.now());
    timers.set(`${id}:${nodeId}`, deps.clock.after(ms, () => {
      timers.delete(`${id}:${nodeId}`);
      void wake(id, nodeId, { timedOut: true }, stepId).catch((e: unknown) => ignoreConflict(e, id));
    }));
  }

  /**
   * Ends a wait: the node runs again with `resume` set. Accepted whatever the run's status while the node waits
   * there (running, waiting, paused or queued); refused (EngineConflict) when it does not wait there or the run is over.
   */
  async function wake(id: string, nodeId: string, data: unknown, stepId?: string): Promise<void> {
    const here = active.get(id);
    if (here) return post(here, { nodeId, data, stepId });
    await locks.run(id, async () => {
      const a = active.get(id);
      if (a) return post(a, { nodeId, data, stepId });
      const rec = await load(id);
      if (isFinal(rec.status)) throw conflict(rec.status, 'nothing is waiting there');
      const events: EngineEvent[] = [];
      const st = applyWake(rec, nodeId, data, stepId, emitInto(rec, events));
      if (!st) throw conflict(rec.status, 'nothing is waiting there');
      cancelTimer(id, nodeId);
      // Running in another process: its owner saves this run, so writing here would race it. That process applies
      // the wake at its next boundary (answers are recorded, timers have deadlines, children have a status).
      if (rec.status === 'running') return;
      fresh.delete(id);
      // A paused run stays paused: the node runs after resume.
      if (rec.status === 'waiting') setStatus(rec, 'queued', events);
      await save(rec, [st], events);
      if (rec.status === 'queued') deps.queue.enqueue(id);
    });
  }

  /** Hands a wake to a run that runs here. Refused at once when the loaded run does not wait there. */
  function post(a: Active, w: Wake): void {
    if (a.rec && !waitsAt(a.rec, w.nodeId, w.stepId)) throw conflict(a.rec.status, 'nothing is waiting there');
    a.inbox.push(w);
  }

  /** Applies the wakes that arrived while the node ran. */
  function drain(rec: ExecutionRecord, a: Active, events: EngineEvent[]): StepState[] {
    const changed: StepState[] = [];
    for (const w of a.inbox.splice(0)) {
      const st = applyWake(rec, w.nodeId, w.data, w.stepId, emitInto(rec, events));
      if (st) {
        cancelTimer(rec.id, w.nodeId);
        changed.push(st);
      }
    }
    return changed;
  }

  /**
   * Before a run with nothing ready settles into `waiting`, and when it is picked up: the waits that ended without a
   * wake reaching it — deadlines passed, answers recorded, sub-workflows ended.
   */
  async function absorb(rec: ExecutionRecord, events: EngineEvent[]): Promise<StepState[]> {
    const waiting = Object.values(rec.state.steps).filter((s) => s.status === 'waiting' && s.wait);
    if (waiting.length === 0) return [];
    const emit = emitInto(rec, events);
    const changed: StepState[] = [];
    const take = (st: StepState | undefined) => {
      if (!st) return;
      cancelTimer(rec.id, st.nodeId);
      changed.push(st);
    };
    const t = deps.clock.now();
    for (const s of waiting) {
      const at = deadlineOf(s.wait);
      if (at && Date.parse(at) <= t) take(applyWake(rec, s.nodeId, { timedOut: true }, s.stepId, emit));
    }
    if (deps.store.answers && waiting.some((s) => s.status === 'waiting' && s.wait?.kind === 'approval')) {
      for (const x of await deps.store.answers(rec.id)) take(applyWake(rec, x.nodeId, x.data, x.stepId, emit));
    }
    for (const s of waiting) {
      if (s.status !== 'waiting' || s.wait?.kind !== 'execution') continue;
      const child = await deps.store.get(s.wait.executionId);
      if (child && isFinal(child.status)) take(applyWake(rec, s.nodeId, childResult(child), s.stepId, emit));
    }
    return changed;
  }

  /** When nothing is ready any more, the run is either waiting (for a human, a timer or a child) or done. */
  function settle(rec: ExecutionRecord, g: Graph, events: EngineEvent[]): void {
    if (isFinal(rec.status) || rec.state.ready.length > 0) return;
    if (Object.values(rec.state.steps).some((s) => s.status === 'waiting')) return setStatus(rec, 'waiting', events);
    const out = sinks(rec.state, g);
    rec.output = out.length === 1 ? rec.state.outputs[out[0]!] : Object.fromEntries(out.map((n) => [n, rec.state.outputs[n]]));
    setStatus(rec, 'succeeded', events);
  }

  const steps = createStepRunner({
    deps,
    limits,
    now,
    ev,
    emitLive,
    fail,
    armWait: (rec, st) => {
      const at = deadlineOf(st.wait);
      if (at) scheduleWait(rec.id, st.nodeId, st.stepId, at);
    },
  });

  /** The version a run was started with here, if this is its first run and it is that version. */
  function takeStartedWith(id: string, rec: ExecutionRecord): WorkflowSnapshot | undefined {
    const w = startedWith.get(id);
    startedWith.delete(id);
    return w && w.workflowId === rec.workflowId && w.version === rec.version ? w : undefined;
  }

  /** The worker's claim: a run this process just inserted is already leased to it and in memory. */
  async function claim(id: string): Promise<ExecutionRecord | null> {
    const mine = fresh.get(id);
    if (mine) {
      fresh.delete(id);
      return mine;
    }
    if (deps.store.claimAndLoad) return deps.store.claimAndLoad(id, deps.instanceId, limits.leaseMs);
    return (await deps.store.claim(id, deps.instanceId, limits.leaseMs)) ? deps.store.get(id) : null;
  }

  /** Controls that reached the run before it was loaded, whatever its status. False when the run ends here. */
  async function earlyControls(rec: ExecutionRecord, a: Active): Promise<boolean> {
    const events: EngineEvent[] = [];
    if (a.stop && !isFinal(rec.status)) {
      a.stop = false;
      setStatus(rec, 'stopped', events);
    } else if (a.pause && (rec.status === 'queued' || rec.status === 'waiting')) {
      a.pause = false;
      rec.pauseRequested = false;
      setStatus(rec, 'paused', events);
    } else {
      // A stop or pause of a run that is over, or already paused, has nothing left to do.
      if (isFinal(rec.status) || rec.status === 'paused') a.stop = a.pause = false;
      return rec.status === 'queued' || rec.status === 'running';
    }
    await save(rec, [], events);
    return false;
  }

  /** The worker: runs an execution until it finishes, waits, pauses or stops. */
  async function run(id: string): Promise<void> {
    const busy = active.get(id);
    if (busy) {
      busy.again = true;
      return;
    }
    const a: Active = { abort: new AbortController(), stop: false, pause: false, timedOut: false, again: false, inbox: [] };
    active.set(id, a);
    let claimed: ExecutionRecord | null = null;
    let lease: ReturnType<typeof setInterval> | undefined;
    try {
      // After any change of this run that is being saved outside it (a wake, a control): the claim reads it.
      claimed = await locks.run(id, () => claim(id));
      if (!claimed) return;
      lease = setInterval(() => void deps.store.renew([id], deps.instanceId, limits.leaseMs).catch(() => undefined), limits.leaseMs / 3);
      lease.unref?.();
      const rec = claimed;
      a.rec = rec;
      if (!(await earlyControls(rec, a))) return;
      const w = takeStartedWith(id, rec) ?? (await deps.workflows.load(rec.ownerId, rec.workflowId, rec.version));
      if (!w) {
        const events: EngineEvent[] = [];
        if (rec.status === 'queued') setStatus(rec, 'running', events);
        fail(rec, { code: 'WORKFLOW_VERSION_MISSING', message: 'the workflow version of this execution no longer exists' }, events);
        return await save(rec, [], events);
      }
      // settings.concurrency: over the limit, a queued run stays queued, off the worker, until one of its workflow's
      // runs stops running here. A run found running (a dead process's) already counted: it goes on.
      if (!throttle.admit(w.workflowId, id, w.settings.concurrency, rec.status === 'running')) return;
      await drive(rec, w, await graphOf(w, rec.ownerId), a);
    } catch (e) {
      deps.onError?.(e, id);
    } finally {
      startedWith.delete(id);
      clearInterval(lease);
      active.delete(id);
      if (claimed) {
        for (const next of throttle.done(claimed.workflowId, id)) deps.queue.enqueue(next);
        await deps.store.release(id, deps.instanceId).catch(() => undefined);
      }
      // What came after the last boundary — wakes, a stop, a pause — is applied the ordinary way, now that the run is
      // not here (each finds the run as it was saved: a stop of a finished run is a no-op conflict).
      for (const w of a.inbox) void wake(id, w.nodeId, w.data, w.stepId).catch((e: unknown) => ignoreConflict(e, id));
      if (a.stop) void stop(id).catch((e: unknown) => ignoreConflict(e, id));
      else if (a.pause) void pause(id).catch((e: unknown) => ignoreConflict(e, id));
      if (a.again) deps.queue.enqueue(id);
    }
  }

  /**
   * The run loop: one save per boundary, carrying the node that ended and the start of the next, committed before the
   * next node starts; between pure nodes (NodeHandler.pure), boundaries are folded into the next save.
   */
  async function drive(rec: ExecutionRecord, w: WorkflowSnapshot, g: Graph, a: Active): Promise<void> {
    const ranBefore = rec.state.activeMs ?? 0;
    const since = deps.clock.now();
    const persist = (steps: readonly StepState[], events: EngineEvent[]) => {
      rec.state.activeMs = ranBefore + (deps.clock.now() - since);
      return save(rec, steps, events);
    };
    const timeoutMs = (w.settings.timeoutSeconds ?? limits.defaultTimeoutSeconds) * 1000;
    const deadline = deps.clock.after(Math.max(0, timeoutMs - ranBefore), () => {
      a.timedOut = true;
      a.abort.abort();
    });
    const ctl = { signal: a.abort.signal, cancelled: () => a.stop || a.timedOut };
    // The node that ran last had effects: its end is committed before anything else starts.
    let afterImpure = false;
    let committedAt = deps.clock.now();
    try {
      let events: EngineEvent[] = [];
      let changed: StepState[] = [];
      if (rec.status === 'queued') setStatus(rec, 'running', events);
      if (rec.pauseRequested) a.pause = true;
      // Nodes that were running when a process died run again (at-least-once) — unless this run keeps killing its
      // process, in which case it stops here as crashed instead of taking every restart down with it.
      const interrupted = Object.values(rec.state.steps).filter((s) => s.status === 'running');
      if (interrupted.length > 0) {
        rec.state.crashes = (rec.state.crashes ?? 0) + 1;
        if (rec.state.crashes >= MAX_CRASHES) {
          rec.error = { code: 'CRASHED', message: `the process died ${rec.state.crashes} times while this execution ran` };
          setStatus(rec, 'crashed', events);
          return await persist([], events);
        }
        for (const s of interrupted) {
          s.status = 'pending';
          if (!rec.state.ready.includes(s.nodeId)) rec.state.ready.unshift(s.nodeId);
        }
        changed.push(...interrupted);
      }
      changed.push(...(await absorb(rec, events)));
      while (rec.status === 'running') {
        changed.push(...drain(rec, a, events));
        if (a.stop) {
          a.stop = false;
          setStatus(rec, 'stopped', events);
        } else if (a.timedOut) fail(rec, { code: 'TIMEOUT', message: `the workflow ran longer than ${timeoutMs / 1000} s` }, events);
        // Shutting down: hand the run back to the queue at this boundary; the next start picks it up.
        else if (draining) setStatus(rec, 'queued', events);
        else if (a.pause) {
          a.pause = false;
          rec.pauseRequested = false;
          setStatus(rec, 'paused', events);
        } else if (rec.state.ready.length === 0) {
          changed.push(...(await absorb(rec, events)));
          if (rec.state.ready.length === 0) settle(rec, g, events);
        }
        if (rec.status !== 'running') break;
        const st = steps.begin(rec, g, events);
        changed.push(st);
        // Between two pure nodes (NodeHandler.pure) the boundary goes into the next save instead of one of its own,
        // unless the pure work since the last commit has run for FOLD_MS (a long chain still shows progress and
        // loses little to a crash). Every other boundary is committed before the next node starts.
        const pure = deps.handlers(g.nodes.get(st.nodeId)!.type, rec.ownerId)?.pure === true;
        if (!pure || afterImpure || deps.clock.now() - committedAt >= FOLD_MS) {
          await persist(changed, events);
          changed = [];
          events = [];
          committedAt = deps.clock.now();
        }
        afterImpure = !pure;
        const done = await steps.runStep(rec, w, g, ctl, st);
        changed.push(...done.steps);
        events.push(...done.events);
      }
      await persist(changed, events);
    } finally {
      deadline.cancel();
    }
  }

  /** At start and periodically: re-queue runs a dead process left behind, re-arm timers, deliver missed child ends. */
  async function recover(): Promise<{ requeued: number; timers: number }> {
    const { runnable, waits, children = [] } = await deps.store.recoverable();
    for (const id of runnable) if (!active.has(id)) deps.queue.enqueue(id);
    for (const w of waits) if (!timers.has(`${w.id}:${w.nodeId}`)) scheduleWait(w.id, w.nodeId, w.stepId, w.at);
    for (const c of children) {
      const child = await deps.store.get(c.childId);
      if (child && isFinal(child.status)) void wake(c.id, c.nodeId, childResult(child), c.stepId).catch((e: unknown) => ignoreConflict(e, c.id));
    }
    return { requeued: runnable.length, timers: waits.length };
  }

  let stopQueue: (() => Promise<void>) | undefined;
  let sweep: ReturnType<typeof setInterval> | undefined;
  let draining = false;

  /** Stop works in every non-final state: a run running here is aborted, any other is stopped where it is stored. */
  async function stop(id: string): Promise<ExecutionStatus> {
    const rec = await load(id);
    if (!controlAllowed('stop', rec.status)) throw new EngineConflict(`cannot stop a ${rec.status} execution`, rec.status);
    const signal = (a: Active) => {
      a.stop = true;
      a.abort.abort();
    };
    const here = active.get(id);
    if (here) return (signal(here), rec.status);
    return locks.run(id, async () => {
      const a = active.get(id);
      if (a) return (signal(a), rec.status);
      fresh.delete(id);
      const cur = await load(id);
      if (!controlAllowed('stop', cur.status)) throw new EngineConflict(`cannot stop a ${cur.status} execution`, cur.status);
      const events: EngineEvent[] = [];
      setStatus(cur, 'stopped', events);
      await save(cur, [], events);
      return cur.status;
    });
  }

  /** Pause takes effect at the next node boundary. A waiting run pauses at once and stays paused when its wait ends. */
  async function pause(id: string): Promise<ExecutionStatus> {
    const here = active.get(id);
    if (here?.rec && here.rec.status === 'running') {
      here.pause = true;
      return here.rec.status;
    }
    return locks.run(id, async () => {
      const rec = await load(id);
      if (!controlAllowed('pause', rec.status)) throw new EngineConflict(`cannot pause a ${rec.status} execution`, rec.status);
      const a = active.get(id);
      if (a) {
        a.pause = true;
        return rec.status;
      }
      // The database, not a not-yet-run copy in memory, is the truth once anyone changes the run.
      fresh.delete(id);
      const events: EngineEvent[] = [];
      if (rec.status === 'queued' || rec.status === 'waiting') setStatus(rec, 'paused', events);
      else rec.pauseRequested = true; // running in another process: it pauses at its next boundary or on recovery
      await save(rec, [], events);
      return rec.status;
    });
  }

  return {
    limits,
    /** Persists a queued execution and queues it. Nothing runs before the caller gets the id. */
    async start(p: StartParams): Promise<ExecutionRecord> {
      const g = await graphOf(p.workflow, p.ownerId);
      const entry = p.entry ?? g.triggers[0];
      if (!entry) throw new EngineConflict('the workflow has no trigger', 'invalid');
      const state = initialState(g, entry);
      if (p.parent) {
        state.depth = depthOf(p.parent.executionId) + 1;
        // Only a run that runs here (the node starting the child is part of it) is woken: a partial run is not a run.
        if (p.parent.notify !== false && active.get(p.parent.executionId)?.rec) {
          state.parent = { executionId: p.parent.executionId, nodeId: p.parent.nodeId, stepId: p.parent.stepId };
        }
      }
      const rec: ExecutionRecord = {
        id: globalThis.crypto.randomUUID(),
        ownerId: p.ownerId,
        workflowId: p.workflow.workflowId,
        version: p.workflow.version,
        mode: p.mode ?? 'normal',
        status: 'queued',
        input: p.input,
        state,
        pauseRequested: false,
        createdAt: now(),
      };
      const stored = await deps.store.insert(rec, [ev(rec.id, 'execution.status', { status: 'queued' })], { owner: deps.instanceId, ms: limits.leaseMs });
      if (fresh.size < 10_000) {
        fresh.set(rec.id, structuredClone(rec));
        startedWith.set(rec.id, p.workflow);
      }
      deps.publish(stored, rec.ownerId);
      deps.queue.enqueue(rec.id);
      return rec;
    },

    run,

    get: (id: string) => deps.store.get(id),

    /** Sub-workflow nesting of a run running here (0 for a run a user started, or one not running here). */
    depthOf,

    /**
     * Partial execution: runs one node with the given input and upstream outputs, outside any run. Nothing else
     * runs and nothing is persisted; a node that would wait says so instead.
     */
    async runSingle(p: { ownerId: string; node: WorkflowNode; input: unknown; upstream: Record<string, unknown>; executionInput: unknown; timeoutMs: number }) {
      const handler = deps.handlers(p.node.type, p.ownerId);
      if (!handler || p.node.type === 'logic.loop') return { error: { code: 'NOT_RUNNABLE_ALONE', message: `${p.node.type} cannot run on its own` } };
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

    pause,

    async resume(id: string): Promise<ExecutionStatus> {
      return locks.run(id, async () => {
        const rec = await load(id);
        if (!controlAllowed('resume', rec.status)) throw new EngineConflict(`cannot resume a ${rec.status} execution`, rec.status);
        const events: EngineEvent[] = [];
        setStatus(rec, 'queued', events);
        await save(rec, [], events);
        deps.queue.enqueue(id);
        return rec.status;
      });
    },

    stop,

    /**
     * Answers a waiting node (a HITL response), whatever the run's status while the node waits: a run that is running
     * takes it at its next boundary. The caller has validated ownership and the response's data, and recorded it.
     */
    respond: (id: string, nodeId: string, data: unknown, stepId?: string) => wake(id, nodeId, data, stepId),

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

  function depthOf(id: string): number {
    return active.get(id)?.rec?.state.depth ?? 0;
  }
}

/** One entry per step (the last wins): a step can change twice before a save. */
function unique(steps: readonly StepState[]): StepState[] {
  if (steps.length < 2) return [...steps];
  return [...new Map(steps.map((s) => [s.stepId, s])).values()];
}

export type Engine = ReturnType<typeof createEngine>;
