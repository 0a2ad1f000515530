import type { Db } from '../../../db/database.ts';
import type { RateLimiter } from '../../../rate-limit/limiter.ts';
import type { ExecutionsModule } from '../executions.module.ts';
import type { StreamTickets } from './tickets.ts';

/** What the stream routes need from the executions module and the container. Read at request time only. */
export interface StreamDeps {
  readonly module: Pick<ExecutionsModule, 'subscribe' | 'subscribeOwner' | 'ownerOfExecution' | 'hitl' | 'service'>;
  readonly db: Db;
  readonly limiter: RateLimiter;
  readonly tickets: StreamTickets;
  readonly options?: Partial<StreamOptions>;
}

export interface StreamOptions {
  /** Comment lines (SSE) and pings (WebSocket) keep idle connections alive through proxies. */
  readonly heartbeatMs: number;
  /**
   * Bytes a connection may have queued unsent before it is dropped as a slow consumer. One node's output alone may
   * be 1 MiB (the engine's cap), so the bound leaves room for a few of those in flight.
   */
  readonly maxBufferedBytes: number;
  /** Live events held while a stream replays from the table. */
  readonly maxQueuedEvents: number;
  /** Open HITL requests sent when `/ws/hitl/` connects. */
  readonly hitlSnapshotLimit: number;
  /**
   * After this long without a live HITL event, `/ws/hitl/` compares what it has shown with the table (the bus may
   * lose a message; a request must not stay invisible, or shown open after it closed). 0 turns it off.
   */
  readonly hitlRecheckMs: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  heartbeatMs: 15_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxQueuedEvents: 1000,
  hitlSnapshotLimit: 1000,
  hitlRecheckMs: 10_000,
};

export const optionsOf = (d: StreamDeps): StreamOptions => ({ ...DEFAULT_STREAM_OPTIONS, ...d.options });
