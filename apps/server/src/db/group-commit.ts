/**
 * Group commit: writes that arrive while a commit is in flight are committed together in the next one. Every caller
 * still waits until its own item is committed — the durability promise is unchanged — but under load N writers cost
 * one statement and one round trip instead of N. Without load nothing waits: the first item goes out on the next
 * turn of the event loop (setImmediate, so that what arrives in the same tick joins it).
 *
 * If a batch fails, its items are retried one by one, so a single bad item fails alone.
 */
export interface GroupCommit<T, R> {
  /** Resolves with the item's result once it is committed. */
  add(item: T): Promise<R>;
  /** Resolves once nothing is queued or being written (shutdown, tests). */
  settled(): Promise<void>;
}

/** `write` commits a batch atomically and returns one result per item, in order. */
export function groupCommit<T, R>(write: (batch: readonly T[]) => Promise<readonly R[]>, maxBatch = 200): GroupCommit<T, R> {
  type Pending = { item: T; resolve(r: R): void; reject(e: unknown): void };
  let queue: Pending[] = [];
  let flushing = false;
  let running: Promise<void> = Promise.resolve();

  async function commit(batch: Pending[]): Promise<void> {
    try {
      const results = await write(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (e) {
      if (batch.length === 1) return batch[0]!.reject(e);
      for (const p of batch) await commit([p]);
    }
  }

  async function flush(): Promise<void> {
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(maxBatch);
        await commit(batch);
      }
    } finally {
      flushing = false;
    }
  }

  return {
    add(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (!flushing) {
          flushing = true;
          running = new Promise<void>((r) => setImmediate(r)).then(flush);
        }
      });
    },
    async settled() {
      while (flushing) await running;
    },
  };
}
