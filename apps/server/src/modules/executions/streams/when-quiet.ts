/**
 * Calls `onQuiet` once a stream has heard nothing for `ms`, and again after each further `ms` of silence: how streams
 * notice what the bus lost (Redis pub/sub delivers at most once) without polling while events flow. `onQuiet` may
 * answer false ("not now"): it is then asked again at the next check. Checked twice a period, so it runs between `ms`
 * and 1.5 `ms` into a silence. 0 turns it off.
 */
export function whenQuiet(ms: number, onQuiet: () => boolean | void): { heard(): void; stop(): void } {
  let heardAt = Date.now();
  const timer =
    ms > 0
      ? setInterval(() => {
          if (Date.now() - heardAt < ms || onQuiet() === false) return;
          heardAt = Date.now();
        }, Math.max(50, Math.floor(ms / 2)))
      : undefined;
  timer?.unref?.();
  return {
    heard: () => void (heardAt = Date.now()),
    stop: () => clearInterval(timer),
  };
}
