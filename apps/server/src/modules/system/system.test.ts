import { afterEach, describe, expect, it, vi } from 'vitest';
import { READY_TIMEOUT_MS, systemRoutes } from './system.routes.ts';

function readyz(ping: () => Promise<void>) {
  const route = systemRoutes({ ping }).find((r) => r.url === '/readyz')!;
  const sent: { status?: number; body?: unknown } = {};
  const reply = {
    code(status: number) {
      sent.status = status;
      return this;
    },
    send(body: unknown) {
      sent.body = body;
      return body;
    },
  };
  const result = (route.handler as unknown as (req: unknown, reply: unknown) => Promise<unknown>)({}, reply);
  return { result, sent };
}

describe('the readiness probe', () => {
  afterEach(() => vi.useRealTimers());

  it('answers ready when the database answers', async () => {
    const { result } = readyz(async () => undefined);
    expect(await result).toEqual({ status: 'ready', checks: { database: 'ok' } });
  });

  it('answers 503 naming the database, never the driver message, when the database fails', async () => {
    const { result, sent } = readyz(async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.5:5432 user=admin');
    });
    await result;
    expect(sent).toEqual({ status: 503, body: { status: 'unavailable', checks: { database: 'down' } } });
  });

  it('answers 503 instead of hanging when the database never answers', async () => {
    vi.useFakeTimers();
    const { result, sent } = readyz(() => new Promise(() => undefined));
    await vi.advanceTimersByTimeAsync(READY_TIMEOUT_MS);
    await result;
    expect(sent.status).toBe(503);
  });
});
