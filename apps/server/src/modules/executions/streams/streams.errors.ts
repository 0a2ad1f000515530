import { AppError } from '../../../http/errors.ts';

/** Seconds a client over the concurrent-stream limit is told to wait: a slot frees when one of its streams closes. */
const STREAM_RETRY_AFTER_S = 5;

export const streamErrors = {
  tooManyStreams: (limit: number) =>
    new AppError('rate_limited', 'RATE_LIMITED', `Too many open streams (your tier allows ${limit}); close one first.`, { limit }, {
      'retry-after': STREAM_RETRY_AFTER_S,
      'x-ratelimit-limit': limit,
      'x-ratelimit-remaining': 0,
      // The earliest a retry makes sense: the same moment Retry-After names.
      'x-ratelimit-reset': Math.ceil(Date.now() / 1000) + STREAM_RETRY_AFTER_S,
    }),
  invalidLastEventId: (source: string) =>
    new AppError('invalid', 'VALIDATION_FAILED', 'Last-Event-ID must be a non-negative integer', [{ path: source, message: 'must be a non-negative integer' }]),
  upgradeRequired: () =>
    new AppError('invalid', 'WEBSOCKET_UPGRADE_REQUIRED', 'This endpoint speaks WebSocket: send an Upgrade request'),
  malformedMessage: () => new AppError('invalid', 'MALFORMED_JSON', 'Message is not valid JSON'),
  invalidMessage: (details: ReadonlyArray<{ path: string; message: string }>) =>
    new AppError('invalid', 'VALIDATION_FAILED', 'Message validation failed', details),
};
