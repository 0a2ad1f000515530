import { describe, expect, it, vi } from 'vitest';
import { startEventFeed, type FeedEnd, type FeedEvent } from './event-feed.ts';

const ev = (seq: number, type = 'node.finished'): FeedEvent => ({ executionId: 'x', seq, type, at: '2020-01-01T00:00:00.000Z', data: {} });
const tick = () => new Promise((r) => setTimeout(r, 0));

/** A table of durable events, a bus, and a feed reading both; the test decides when each happens. */
function world(opts: { held?: boolean; table?: number[]; after?: number; maxQueued?: number; pageSize?: number; recheckMs?: number; accept?: (e: FeedEvent) => boolean } = {}) {
  const table: FeedEvent[] = (opts.table ?? []).map((n) => ev(n));
  let listener: ((e: FeedEvent) => void) | undefined;
  let release: (() => void) | undefined;
  let holdReads = opts.held ?? false;
  const delivered: number[] = [];
  const ends: FeedEnd[] = [];
  let reads = 0;
  const feed = startEventFeed({
    after: opts.after ?? 0,
    subscribe: (l) => {
      listener = l;
      return () => (listener = undefined);
    },
    fetchAfter: async (seq, limit) => {
      reads++;
      if (holdReads) await new Promise<void>((r) => (release = r));
      return table.filter((e) => e.seq > seq).slice(0, limit);
    },
    deliver: (e) => {
      delivered.push(e.seq);
      return opts.accept?.(e) ?? true;
    },
    end: (reason) => ends.push(reason),
    maxQueued: opts.maxQueued ?? 100,
    pageSize: opts.pageSize ?? 3,
    recheckMs: opts.recheckMs ?? 0,
  });
  return {
    feed,
    delivered,
    ends,
    reads: () => reads,
    subscribed: () => listener !== undefined,
    /** Commits then publishes, as the engine does. */
    commit(...seqs: number[]) {
      for (const s of seqs) table.push(ev(s));
    },
    commitEvent: (e: FeedEvent) => table.push(e),
    publish: (...es: FeedEvent[]) => es.forEach((e) => listener?.(e)),
    letGo: () => {
      holdReads = false;
      release?.();
    },
  };
}

describe('the event feed', () => {
  it('replays the table in pages after the given seq, then delivers live events in order', async () => {
    const w = world({ after: 2, table: [1, 2, 3, 4, 5, 6, 7] });
    for (let i = 0; i < 5; i++) await tick();
    expect(w.reads()).toBeGreaterThanOrEqual(2);
    expect(w.delivered).toEqual([3, 4, 5, 6, 7]);
    w.commit(8);
    w.publish(ev(8));
    expect(w.delivered).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('drops live copies of what the table already gave, and holds live events that arrive during the read', async () => {
    const w = world({ table: [1, 2], held: true });
    await tick();
    // Published while the table read is in flight: 2 duplicates the read, 3 and 4 come after it.
    w.commit(3, 4);
    w.publish(ev(2), ev(3), ev(4));
    expect(w.delivered).toEqual([]);
    w.letGo();
    await tick();
    await tick();
    expect(w.delivered).toEqual([1, 2, 3, 4]);
  });

  it('goes back to the table for a gap the bus skipped over, then carries on live', async () => {
    const w = world({ table: [1] });
    await tick();
    w.commit(2, 3);
    w.publish(ev(3)); // 2 was committed but its publish is late
    await tick();
    await tick();
    expect(w.delivered).toEqual([1, 2, 3]);
    w.publish(ev(2)); // the late copy
    w.commit(4);
    w.publish(ev(4));
    expect(w.delivered).toEqual([1, 2, 3, 4]);
  });

  it('finds a terminal event the bus lost by reading the table again once it has heard nothing for a while', async () => {
    vi.useFakeTimers();
    try {
      const w = world({ table: [1], recheckMs: 1000 });
      await vi.advanceTimersByTimeAsync(0);
      expect(w.delivered).toEqual([1]);
      // Committed, but its publish never arrives (a Redis reconnect dropped it): no later event reveals the gap.
      w.commitEvent(ev(2, 'execution.finished'));
      await vi.advanceTimersByTimeAsync(999);
      expect(w.delivered).toEqual([1]);
      await vi.advanceTimersByTimeAsync(1001);
      expect(w.delivered).toEqual([1, 2]);
      expect(w.ends).toEqual(['finished']);
      expect(w.subscribed()).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends after the terminal event and delivers nothing after it', async () => {
    const w = world({ table: [1] });
    await tick();
    w.publish(ev(2, 'execution.finished'));
    w.publish(ev(3));
    expect(w.delivered).toEqual([1, 2]);
    expect(w.ends).toEqual(['finished']);
    expect(w.subscribed()).toBe(false);
  });

  it('ends with overflow when the consumer is too far behind or too much waits during the read', async () => {
    const slow = world({ table: [1, 2, 3], accept: (e) => e.seq < 2 });
    await tick();
    expect(slow.delivered).toEqual([1, 2]);
    expect(slow.ends).toEqual(['overflow']);

    const flooded = world({ maxQueued: 2, held: true });
    await tick();
    flooded.publish(ev(1), ev(2), ev(3));
    expect(flooded.ends).toEqual(['overflow']);
    expect(flooded.subscribed()).toBe(false);
  });

  it('stops quietly when the transport closes', async () => {
    const w = world();
    await tick();
    w.feed.stop();
    w.publish(ev(1));
    expect(w.delivered).toEqual([]);
    expect(w.ends).toEqual([]);
    expect(w.subscribed()).toBe(false);
  });
});
