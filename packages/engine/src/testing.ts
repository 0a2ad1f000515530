/**
 * In-memory adapters of the engine's ports, for the engine's own tests and anyone who wants a run without a
 * database. They keep the same contracts the real adapters do (events get increasing seqs, leases expire).
 */
import type { Clock, EngineEvent, RunStore, StoredEvent, WorkflowLoader } from './engine-ports.ts';
import type { WorkflowSnapshot } from './ports.ts';
import type { ExecutionRecord } from './state.ts';
import { deadlineOf } from './waits.ts';

const clone = <T>(v: T): T => structuredClone(v);

export function createMemoryRunStore(): RunStore & { events: StoredEvent[]; records: Map<string, ExecutionRecord>; expireLeases(): void } {
  const records = new Map<string, ExecutionRecord>();
  const leases = new Map<string, { owner: string; until: number }>();
  const events: StoredEvent[] = [];
  const seqs = new Map<string, number>();
  const stamp = (evs: readonly EngineEvent[]) =>
    evs.map((e) => {
      const seq = (seqs.get(e.executionId) ?? 0) + 1;
      seqs.set(e.executionId, seq);
      const s = { ...clone(e), seq };
      events.push(s);
      return s;
    });
  return {
    events,
    records,
    expireLeases: () => leases.clear(),
    async insert(rec, evs, lease) {
      records.set(rec.id, clone(rec));
      if (lease) leases.set(rec.id, { owner: lease.owner, until: Date.now() + lease.ms });
      return stamp(evs);
    },
    async get(id) {
      const r = records.get(id);
      return r ? clone(r) : null;
    },
    async save(rec, _steps, evs) {
      records.set(rec.id, clone(rec));
      return stamp(evs);
    },
    async claim(id, instance, leaseMs) {
      const l = leases.get(id);
      if (l && l.owner !== instance && l.until > Date.now()) return false;
      leases.set(id, { owner: instance, until: Date.now() + leaseMs });
      return true;
    },
    async release(id, instance) {
      if (leases.get(id)?.owner === instance) leases.delete(id);
    },
    async renew(ids, instance, leaseMs) {
      for (const id of ids) if (leases.get(id)?.owner === instance) leases.set(id, { owner: instance, until: Date.now() + leaseMs });
    },
    async recoverable() {
      const runnable: string[] = [];
      const waits: Array<{ id: string; nodeId: string; stepId: string; at: string }> = [];
      const children: Array<{ id: string; nodeId: string; stepId: string; childId: string }> = [];
      for (const r of records.values()) {
        const l = leases.get(r.id);
        if ((r.status === 'queued' || r.status === 'running') && (!l || l.until <= Date.now())) runnable.push(r.id);
        if (r.status !== 'waiting' && r.status !== 'paused') continue;
        for (const s of Object.values(r.state.steps)) {
          if (s.status !== 'waiting') continue;
          const at = deadlineOf(s.wait);
          if (at) waits.push({ id: r.id, nodeId: s.nodeId, stepId: s.stepId, at });
          if (s.wait?.kind === 'execution') children.push({ id: r.id, nodeId: s.nodeId, stepId: s.stepId, childId: s.wait.executionId });
        }
      }
      return { runnable, waits, children };
    },
  };
}

export function createMemoryWorkflows(list: WorkflowSnapshot[] = []): WorkflowLoader & { add(w: WorkflowSnapshot): void } {
  const map = new Map(list.map((w) => [`${w.workflowId}@${w.version}`, w] as const));
  return {
    add: (w) => void map.set(`${w.workflowId}@${w.version}`, w),
    load: async (_owner, id, version) => map.get(`${id}@${version}`) ?? null,
  };
}

/** Real time, cancellable timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, Math.min(ms, 2_147_483_647));
    (t as { unref?: () => void }).unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};
