/**
 * The rate-limit store port. Two adapters: memory (one process) and Redis (shared by every instance, built on
 * rate-limiter-flexible), with the same counting semantics (store.test.ts runs one contract against both).
 */
export interface WindowState {
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
  /** Unix milliseconds when the window resets. */
  readonly resetAt: number;
  readonly allowed: boolean;
}

export interface RateLimitStore {
  /** Counts one hit of `key` in a fixed window of `durationSeconds` allowing `limit` hits. */
  consume(key: string, limit: number, durationSeconds: number): Promise<WindowState>;
  /**
   * `consume` answered synchronously, for stores that hold their counters in this process (memory): the request path
   * then needs no promise for its rate check. Absent on stores that must ask another process (Redis).
   */
  consumeNow?(key: string, limit: number, durationSeconds: number): WindowState;
  /** Reads a window without counting (for usage reports). */
  peek(key: string, limit: number, durationSeconds: number): Promise<WindowState>;
  /**
   * Takes one of `max` concurrent slots for `key` (stream connections). Returns a release function, or null when all
   * slots are taken. Releasing twice is harmless.
   */
  acquireSlot(key: string, max: number): Promise<(() => Promise<void>) | null>;
  /** Slots in use for `key`. */
  slotsInUse(key: string): Promise<number>;
  close(): Promise<void>;
}
