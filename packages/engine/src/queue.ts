/**
 * The in-process job queue: FIFO with bounded concurrency. The embedded default; a BullMQ adapter fills the same
 * port when executions are spread over worker processes. Duplicate ids queued while pending run once.
 */
import type { JobQueue } from './engine-ports.ts';

export function createInProcessQueue(concurrency = 64): JobQueue {
  const pending: string[] = [];
  const queued = new Set<string>();
  let handler: ((id: string) => Promise<void>) | undefined;
  let running = 0;
  const inFlight = new Set<Promise<void>>();

  function pump(): void {
    while (handler && running < concurrency && pending.length > 0) {
      const id = pending.shift()!;
      queued.delete(id);
      running++;
      const p: Promise<void> = handler(id)
        .catch(() => undefined)
        .finally(() => {
          running--;
          inFlight.delete(p);
          pump();
        });
      inFlight.add(p);
    }
  }

  return {
    enqueue(id) {
      if (queued.has(id)) return;
      queued.add(id);
      pending.push(id);
      // Run on the next tick so the caller's response (202 with the id) goes out first.
      setImmediate(pump);
    },
    start(h) {
      handler = h;
      setImmediate(pump);
      return async () => {
        handler = undefined;
        await Promise.all([...inFlight]);
      };
    },
  };
}
