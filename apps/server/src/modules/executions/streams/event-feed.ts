/**
 * One execution's events for one stream, in `seq` order with no gap and no duplicate: replay from the table after
 * the client's last id, then live events from the bus.
 *
 * Why it is gap-free: it subscribes before it reads the table, and events are published only once durable. An event
 * made durable before the read is in the read; one made durable after it arrives live; one in between arrives both
 * ways and the second copy is dropped by its seq. Live events that arrive while the table is being read wait in a
 * bounded queue. A live event that skips a seq (another instance's publish overtaking ours) sends the feed back to
 * the table for the missing ones: seqs are handed out under the execution row's lock, so a published event implies
 * every earlier one is committed.
 *
 * The bus may still lose a message (Redis pub/sub delivers at most once: a reconnect drops what was sent meanwhile),
 * and a lost *last* event leaves no later one to reveal the gap. So a feed that has heard nothing for `recheckMs`
 * looks at the table again: a stream never waits forever for a terminal event that is already committed.
 *
 * Pure of transports: SSE and WebSocket give it `deliver` and `end`.
 */
import { whenQuiet } from './when-quiet.ts';

export const FINISHED = 'execution.finished';

export interface FeedEvent {
  readonly executionId: string;
  readonly seq: number;
  readonly type: string;
  readonly at: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** Why a feed ended: the run finished (terminal event delivered), the consumer fell behind, or reading failed. */
export type FeedEnd = 'finished' | 'overflow' | 'error';

export interface EventFeedDeps {
  /** The last seq the client has (0 for everything). */
  readonly after: number;
  subscribe(listener: (e: FeedEvent) => void): () => void;
  fetchAfter(seq: number, limit: number): Promise<FeedEvent[]>;
  /** Sends one event; false when the consumer is too far behind (the feed then ends with `overflow`). */
  deliver(e: FeedEvent): boolean;
  end(reason: FeedEnd, error?: unknown): void;
  /** Live events held while the table is read; more than this ends the feed with `overflow`. */
  readonly maxQueued: number;
  readonly pageSize?: number;
  /** After this long without a live event, read the table for anything the bus lost (default 5 s; 0 turns it off). */
  readonly recheckMs?: number;
}

export interface EventFeed {
  /** Stops without calling `end` (the transport closed). */
  stop(): void;
}

export function startEventFeed(d: EventFeedDeps): EventFeed {
  const page = d.pageSize ?? 500;
  let last = d.after;
  let live = false;
  let stopped = false;
  const queued = new Map<number, FeedEvent>();

  const quiet = whenQuiet(d.recheckMs ?? 5_000, () => {
    if (!live || stopped) return false;
    void catchUp();
  });

  const halt = () => {
    stopped = true;
    quiet.stop();
    unsubscribe();
    queued.clear();
  };
  const finish = (reason: FeedEnd, error?: unknown) => {
    if (stopped) return;
    halt();
    d.end(reason, error);
  };

  function emit(e: FeedEvent): void {
    last = e.seq;
    if (!d.deliver(e)) return finish('overflow');
    if (e.type === FINISHED) finish('finished');
  }

  function onLive(e: FeedEvent): void {
    quiet.heard();
    if (stopped || e.seq <= last) return;
    if (live && e.seq === last + 1) return emit(e);
    queued.set(e.seq, e);
    if (queued.size > d.maxQueued) return finish('overflow');
    if (live) void catchUp();
  }

  /** Emits the queued events that continue the sequence; true when none is left waiting behind a gap. */
  function drainQueue(): boolean {
    for (const s of queued.keys()) if (s <= last) queued.delete(s);
    for (let next = queued.get(last + 1); next && !stopped; next = queued.get(last + 1)) {
      queued.delete(next.seq);
      emit(next);
    }
    return queued.size === 0;
  }

  async function catchUp(): Promise<void> {
    live = false;
    try {
      for (let round = 0; !stopped; round++) {
        for (;;) {
          const rows = await d.fetchAfter(last, page);
          for (const r of rows) if (!stopped && r.seq > last) emit(r);
          if (stopped || rows.length < page) break;
        }
        if (stopped || drainQueue()) break;
        if (round >= 1) {
          // The table lacks what the bus announced (it should never): deliver what there is, in order, not stall.
          for (const e of [...queued.values()].sort((a, b) => a.seq - b.seq)) if (!stopped) emit(e);
          queued.clear();
          break;
        }
      }
      live = !stopped;
    } catch (e) {
      finish('error', e);
    }
  }

  const unsubscribe = d.subscribe(onLive);
  void catchUp();
  return { stop: () => void (stopped || halt()) };
}
