/**
 * Two small in-process gates of the engine.
 *
 * - `createLocks`: serializes the read-modify-write changes of one execution made outside its run loop (a wake,
 *   pause, resume or stop of a run that is not running here) with each other and with a worker claiming it, so none
 *   overwrites another's save with an older copy.
 * - `createThrottle`: a workflow's `settings.concurrency`: how many of its executions may be running here at once.
 *   Runs over the limit are parked (they stay `queued` and hold no worker slot) and go back to the queue when one of
 *   the workflow's runs stops running.
 */

export function createLocks() {
  const tails = new Map<string, Promise<void>>();
  return {
    async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
      const before = tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      const tail = before.then(() => mine);
      tails.set(key, tail);
      await before;
      try {
        return await fn();
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
  };
}

export function createThrottle() {
  const running = new Map<string, Set<string>>();
  const parked = new Map<string, string[]>();
  const limits = new Map<string, number>();
  return {
    /** True when the run may start (it then counts until `done`); false when it was parked instead. */
    admit(workflowId: string, id: string, limit: number | undefined, force = false): boolean {
      const set = running.get(workflowId) ?? new Set<string>();
      if (limit !== undefined && limit > 0) limits.set(workflowId, limit);
      else limits.delete(workflowId);
      const max = limits.get(workflowId);
      if (!force && max !== undefined && set.size >= max && !set.has(id)) {
        const q = parked.get(workflowId) ?? [];
        if (!q.includes(id)) q.push(id);
        parked.set(workflowId, q);
        return false;
      }
      set.add(id);
      running.set(workflowId, set);
      return true;
    },
    /**
     * A run of the workflow stopped running here (or never started). Returns the parked runs that now fit, to queue
     * again; each is admitted or parked anew when it runs, so handing out one too many costs only a round trip.
     */
    done(workflowId: string, id: string): string[] {
      const set = running.get(workflowId);
      set?.delete(id);
      if (set?.size === 0) running.delete(workflowId);
      const q = parked.get(workflowId);
      if (!q) return [];
      const free = Math.max(0, (limits.get(workflowId) ?? Infinity) - (set?.size ?? 0));
      const next = q.splice(0, free);
      if (q.length === 0) parked.delete(workflowId);
      return next;
    },
  };
}
