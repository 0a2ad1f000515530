import { describe, expect, it } from 'vitest';
import { groupCommit } from './group-commit.ts';

/** A writer whose commits the test finishes by hand, recording every batch it was given. */
function heldWriter(fail: (item: number) => boolean = () => false) {
  const batches: number[][] = [];
  const open: Array<() => void> = [];
  const write = async (batch: readonly number[]) => {
    batches.push([...batch]);
    await new Promise<void>((resolve) => open.push(resolve));
    if (batch.some(fail)) throw new Error(`bad item in ${batch.join(',')}`);
    return batch.map((n) => n * 10);
  };
  const finishAll = async () => {
    while (open.length > 0) {
      open.shift()!();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { batches, open, write, finishAll };
}

describe('group commit', () => {
  it('commits what arrives in the same tick together, and each caller gets its own result once committed', async () => {
    const w = heldWriter();
    const g = groupCommit(w.write);
    const results = Promise.all([1, 2, 3].map((n) => g.add(n)));
    await new Promise((r) => setImmediate(r));
    expect(w.batches).toEqual([[1, 2, 3]]);
    let done = false;
    void results.then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    await w.finishAll();
    expect(await results).toEqual([10, 20, 30]);
  });

  it('collects what arrives while a commit is in flight into the next one', async () => {
    const w = heldWriter();
    const g = groupCommit(w.write);
    const first = g.add(1);
    await new Promise((r) => setImmediate(r));
    const later = [g.add(2), g.add(3), g.add(4)];
    await new Promise((r) => setImmediate(r));
    expect(w.batches).toEqual([[1]]);
    await w.finishAll();
    expect(await first).toBe(10);
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
    expect(w.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('caps a batch at its maximum size and writes the rest in the next', async () => {
    const w = heldWriter();
    const g = groupCommit(w.write, 2);
    const all = Promise.all([1, 2, 3, 4, 5].map((n) => g.add(n)));
    await new Promise((r) => setImmediate(r));
    await w.finishAll();
    expect(await all).toEqual([10, 20, 30, 40, 50]);
    expect(w.batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('retries a failed batch one item at a time, so only the bad item fails', async () => {
    const w = heldWriter((n) => n === 2);
    const g = groupCommit(w.write);
    const settled = Promise.allSettled([1, 2, 3].map((n) => g.add(n)));
    await new Promise((r) => setImmediate(r));
    await w.finishAll();
    const out = await settled;
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((out[1] as PromiseRejectedResult).reason.message).toBe('bad item in 2');
    expect(w.batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('goes on committing after a failure', async () => {
    const w = heldWriter((n) => n === 1);
    const g = groupCommit(w.write);
    const bad = g.add(1).catch((e: Error) => e.message);
    await new Promise((r) => setImmediate(r));
    await w.finishAll();
    expect(await bad).toBe('bad item in 1');
    const good = g.add(7);
    await new Promise((r) => setImmediate(r));
    await w.finishAll();
    expect(await good).toBe(70);
  });

  it('says when nothing is queued or being written', async () => {
    const w = heldWriter();
    const g = groupCommit(w.write);
    await g.settled();
    void g.add(1);
    let settled = false;
    const done = g.settled().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    void g.add(2);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    await w.finishAll();
    await w.finishAll();
    await done;
    expect(w.batches).toEqual([[1], [2]]);
  });
});
