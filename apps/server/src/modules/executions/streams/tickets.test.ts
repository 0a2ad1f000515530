import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../../redis.ts';
import { auth, registerUser, type TestUser } from '../../../testing/users.ts';
import { createStreamsApp, flows, type StreamsApp } from './harness.ts';
import { isOpen, openSse, openWs, waitFor } from './test-clients.ts';
import { createMemoryTicketStore, createRedisTicketStore, createStreamTickets, TICKET_TTL_MS, type TicketStore } from './tickets.ts';

const principal = (userId: string) => ({ userId, tier: 'free' as const, isStaff: false, credits: 0, via: 'jwt' as const });

function ticketContract(name: string, makeStore: () => Promise<TicketStore>) {
  describe(`stream tickets (${name})`, () => {
    it('redeem once for the user they were issued to, then never again', async () => {
      const store = await makeStore();
      const tickets = createStreamTickets(store);
      const { ticket, expiresAt } = await tickets.issue(principal('u1'));
      expect(ticket).toMatch(/^st_[A-Za-z0-9_-]{43}$/);
      expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
      expect(await tickets.redeem(ticket)).toMatchObject({ userId: 'u1' });
      expect(await tickets.redeem(ticket)).toBeNull();
      await store.close();
    });

    it('are refused once expired, unknown or malformed', async () => {
      const store = await makeStore();
      let now = Date.now();
      const tickets = createStreamTickets(store, { now: () => now });
      const { ticket } = await tickets.issue(principal('u1'));
      now += TICKET_TTL_MS + 1;
      expect(await tickets.redeem(ticket)).toBeNull();
      expect(await tickets.redeem(`st_${'A'.repeat(43)}`)).toBeNull();
      expect(await tickets.redeem('')).toBeNull();
      expect(await tickets.redeem(`${ticket}x`)).toBeNull();
      await store.close();
    });

    it('are redeemed by exactly one of two concurrent attempts', async () => {
      const store = await makeStore();
      const tickets = createStreamTickets(store);
      const { ticket } = await tickets.issue(principal('u1'));
      const results = await Promise.all([tickets.redeem(ticket), tickets.redeem(ticket)]);
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      await store.close();
    });
  });
}

ticketContract('memory', async () => createMemoryTicketStore());
const redisUrl = process.env.TEST_REDIS_URL;
if (redisUrl) {
  ticketContract('redis', async () => {
    const redis = await connectRedis(redisUrl);
    const store = createRedisTicketStore(redis, `ghtest-${Math.random().toString(36).slice(2)}`);
    return { ...store, close: async () => void redis.disconnect() };
  });
}

describe('stream tickets over HTTP', () => {
  let s: StreamsApp;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    s = await createStreamsApp();
    alice = await registerUser(s.app);
    bob = await registerUser(s.app);
  });
  afterAll(async () => s?.close());

  const issue = async (u: TestUser) => {
    const res = await s.app.inject({ method: 'POST', url: '/api/streaming/tickets/', headers: auth(u) });
    expect(res.statusCode).toBe(201);
    return res.json().data.ticket as string;
  };
  const streamUrl = (id: string, ticket: string) => `${s.base}/api/streaming/executions/${id}/stream/?ticket=${encodeURIComponent(ticket)}`;
  async function waitingApproval(u: TestUser) {
    const id = await s.run(u.id, flows.approval());
    await waitFor(async () => (await s.module.engine.get(id))?.status === 'waiting', 10_000, 'the approval to wait');
    return id;
  }

  it('issues a ticket to an authenticated caller only, never cached, and refuses unknown fields', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/api/streaming/tickets/', headers: auth(alice) });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Object.keys(res.json().data).sort()).toEqual(['expiresAt', 'ticket']);
    expect((await s.app.inject({ method: 'POST', url: '/api/streaming/tickets/' })).statusCode).toBe(401);
    expect((await s.app.inject({ method: 'POST', url: '/api/streaming/tickets/', headers: auth(alice), payload: { userId: bob.id } })).statusCode).toBe(400);
  });

  it('opens one stream as its user, and is refused (401) the second time', async () => {
    const id = await waitingApproval(alice);
    const ticket = await issue(alice);
    const first = await openSse(streamUrl(id, ticket));
    expect(first.status).toBe(200);
    await first.next((m) => m.event === 'hitl.requested');
    first.close();
    const again = await openSse(streamUrl(id, ticket));
    expect(again.status).toBe(401);
    expect(JSON.parse(await again.body())).toMatchObject({ error: 'Unauthorized', code: 'UNAUTHORIZED' });
  });

  it('does not open another user’s stream (404), and is spent by the attempt', async () => {
    const bobs = await waitingApproval(bob);
    const mine = await waitingApproval(alice);
    const ticket = await issue(alice);
    expect((await openSse(streamUrl(bobs, ticket))).status).toBe(404);
    expect((await openSse(streamUrl(mine, ticket))).status).toBe(401);
  });

  it('opens WebSockets too, including the HITL feed', async () => {
    const id = await waitingApproval(alice);
    const ws = await openWs(`${s.base.replace('http', 'ws')}/ws/execution/${id}/?ticket=${await issue(alice)}`);
    expect(isOpen(ws)).toBe(true);
    if (isOpen(ws)) await ws.next((m) => m.type === 'event');
    const feed = await openWs(`${s.base.replace('http', 'ws')}/ws/hitl/?ticket=${await issue(alice)}`);
    expect(isOpen(feed)).toBe(true);
    if (isOpen(feed)) expect((await feed.next((m) => m.type === 'snapshot')).requests).not.toEqual([]);
    for (const c of [ws, feed]) if (isOpen(c)) c.close();
  });

  it('counts for nothing outside stream routes, and stays valid there', async () => {
    const ticket = await issue(alice);
    expect((await s.app.inject({ method: 'GET', url: `/api/users/me?ticket=${ticket}` })).statusCode).toBe(401);
    expect((await s.app.inject({ method: 'POST', url: `/api/streaming/tickets/?ticket=${ticket}` })).statusCode).toBe(401);
    const id = await waitingApproval(alice);
    const c = await openSse(streamUrl(id, ticket));
    expect(c.status).toBe(200);
    c.close();
  });

  it('is refused next to another user’s credentials, and when garbled', async () => {
    const id = await waitingApproval(alice);
    expect((await openSse(streamUrl(id, await issue(alice)), auth(bob))).status).toBe(401);
    expect((await openSse(streamUrl(id, 'st_nope'))).status).toBe(401);
    expect((await openSse(`${s.base}/api/streaming/executions/${id}/stream/?ticket=a&ticket=b`)).status).toBe(401);
    const withOwn = await openSse(streamUrl(id, await issue(alice)), auth(alice));
    expect(withOwn.status).toBe(200);
    withOwn.close();
  });
});
