import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, registerUser, type TestUser } from '../../../testing/users.ts';
import { EVENTS_CHANNEL } from '../event-hub.ts';
import { createStreamsApp, flows, type StreamsApp } from './harness.ts';
import { replayAfter } from './streams.repo.ts';
import { openSse, waitFor, type SseMessage } from './test-clients.ts';

let s: StreamsApp;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  s = await createStreamsApp({ options: { heartbeatMs: 50, maxBufferedBytes: 64 * 1024 } });
  alice = await registerUser(s.app);
  bob = await registerUser(s.app);
});
afterAll(async () => s?.close());

const url = (id: string, query = '') => `${s.base}/api/streaming/executions/${id}/stream/${query}`;
const ids = (ms: SseMessage[]) => ms.filter((m) => m.id !== undefined).map((m) => Number(m.id));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const status = (id: string) => s.module.engine.get(id).then((r) => r?.status);
const slotsOf = (userId: string) => s.container.limiter.store.slotsInUse(`c:stream:u:${userId}`);

async function waitingApproval(u: TestUser) {
  const id = await s.run(u.id, flows.approval());
  await waitFor(async () => (await status(id)) === 'waiting', 10_000, 'the approval to wait');
  return id;
}

describe('SSE execution stream', () => {
  it('sends every event with an increasing id, event type and JSON data, and ends after the terminal event', async () => {
    const id = await waitingApproval(alice);
    const c = await openSse(url(id), auth(alice));
    expect(c.status).toBe(200);
    expect(c.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(c.headers.get('x-frame-options')).toBe('DENY');
    expect(c.headers.get('x-content-type-options')).toBe('nosniff');
    expect(c.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(c.headers.get('x-request-id')).toBeTruthy();
    const requested = await c.next((m) => m.event === 'hitl.requested');
    const hitlId = JSON.parse(requested.data).data.hitlId as string;
    await s.module.hitl.respond(s.ctxOf(alice.id), hitlId, { decision: 'approved' });
    await c.ended;
    const seqs = ids(c.messages);
    expect(seqs).toEqual(range(1, seqs.length));
    const last = c.messages.at(-1)!;
    expect(last.event).toBe('execution.finished');
    expect(JSON.parse(last.data)).toMatchObject({ seq: seqs.at(-1), type: 'execution.finished', executionId: id, data: { status: 'succeeded' } });
    for (const m of c.messages) expect(JSON.parse(m.data).type).toBe(m.event);
  });

  it('replays what was missed after Last-Event-ID, then goes on live without a gap or a duplicate', async () => {
    const id = await waitingApproval(alice);
    const first = await openSse(url(id), auth(alice));
    const requested = await first.next((m) => m.event === 'hitl.requested');
    first.close();
    const lastSeen = Number(requested.id) - 2;
    const again = await openSse(url(id), { ...auth(alice), 'last-event-id': String(lastSeen) });
    await again.next((m) => m.event === 'hitl.requested');
    await s.module.hitl.respond(s.ctxOf(alice.id), JSON.parse(requested.data).data.hitlId, { decision: 'approved' });
    await again.ended;
    const seqs = ids(again.messages);
    expect(seqs[0]).toBe(lastSeen + 1);
    expect(seqs).toEqual(range(lastSeen + 1, seqs.at(-1)!));
    expect(again.messages.at(-1)!.event).toBe('execution.finished');
  });

  it('joins a run in full flight at any point with exactly the events after the given id', async () => {
    for (const delayMs of [0, 5, 20]) {
      const id = await s.run(alice.id, flows.chain(25));
      await new Promise((r) => setTimeout(r, delayMs));
      const c = await openSse(url(id, '?lastEventId=1'), auth(alice));
      await c.ended;
      const seqs = ids(c.messages);
      expect(seqs).toEqual(range(2, seqs.at(-1)!));
      expect(c.messages.at(-1)!.event).toBe('execution.finished');
    }
  });

  it('delivers the terminal event to a client that connects after the run ended, and 204 to one that has it', async () => {
    const id = await s.run(alice.id, flows.chain(2));
    await waitFor(async () => (await status(id)) === 'succeeded', 10_000, 'the run to finish');
    const late = await openSse(url(id), auth(alice));
    await late.ended;
    expect(late.messages.at(-1)!.event).toBe('execution.finished');
    const seqs = ids(late.messages);
    expect(seqs).toEqual(range(1, seqs.length));
    const done = await openSse(url(id), { ...auth(alice), 'last-event-id': String(seqs.at(-1)) });
    expect(done.status).toBe(204);
    expect(done.headers.get('x-frame-options')).toBe('DENY');
  });

  it('answers 404 for another user’s execution and for an unknown one, and opens no stream', async () => {
    const id = await waitingApproval(alice);
    for (const target of [id, '00000000-0000-4000-8000-000000000000']) {
      const c = await openSse(url(target), auth(bob));
      expect(c.status).toBe(404);
      expect(JSON.parse(await c.body())).toMatchObject({ code: 'NOT_FOUND', error: 'Not found' });
    }
    expect(await slotsOf(bob.id)).toBe(0);
  });

  it('refuses no credentials (401), a malformed id and a malformed Last-Event-ID (400)', async () => {
    const id = await waitingApproval(alice);
    expect((await openSse(url(id))).status).toBe(401);
    expect((await openSse(`${s.base}/api/streaming/executions/nope/stream/`, auth(alice))).status).toBe(400);
    const bad = await openSse(url(id), { ...auth(alice), 'last-event-id': 'abc' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(await bad.body()).code).toBe('VALIDATION_FAILED');
    expect((await openSse(url(id, '?lastEventId=-1'), auth(alice))).status).toBe(400);
    expect((await openSse(url(id, '?other=1'), auth(alice))).status).toBe(400);
  });

  it('answers HEAD as a GET would be answered, without opening a stream or taking a slot', async () => {
    const hank = await registerUser(s.app);
    const id = await waitingApproval(hank);
    const head = await fetch(url(id), { method: 'HEAD', headers: auth(hank) });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect((await fetch(url(id), { method: 'HEAD', headers: auth(bob) })).status).toBe(404);
    expect(await slotsOf(hank.id)).toBe(0);
  });

  it('sends heartbeat comments while nothing happens', async () => {
    const id = await waitingApproval(alice);
    const c = await openSse(url(id), auth(alice));
    await waitFor(() => c.comments.includes('ping'), 10_000, 'a heartbeat');
    c.close();
  });

  it('drops a consumer that stops reading once its backlog passes the bound, and frees its slot', async () => {
    const carol = await registerUser(s.app);
    const id = await waitingApproval(carol);
    const last = (await replayAfter(s.container.database.db, id, 0, 1000)).at(-1)!.seq;
    // A raw client that sends the request and then never reads.
    const sock = connect(Number(new URL(s.base).port), '127.0.0.1');
    const closed = new Promise<void>((r) => sock.on('close', () => r()));
    sock.on('error', () => undefined);
    sock.write(`GET /api/streaming/executions/${id}/stream/ HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${carol.accessToken}\r\n\r\n`);
    await waitFor(async () => (await slotsOf(carol.id)) === 1, 10_000, 'the stream to open');
    sock.pause();
    const big = 'x'.repeat(64 * 1024);
    for (let i = 1; i <= 400 && (await slotsOf(carol.id)) === 1; i++) {
      const e = { executionId: id, seq: last + i, type: 'thought', at: new Date().toISOString(), data: { content: big }, ownerId: carol.id };
      await s.container.bus.publish(EVENTS_CHANNEL, e);
    }
    await waitFor(async () => (await slotsOf(carol.id)) === 0, 10_000, 'the slow consumer to be dropped');
    sock.resume();
    await closed;
  });

  it('lets a free user hold 5 streams, refuses the 6th with 429, and frees a slot when one closes', async () => {
    const dave = await registerUser(s.app);
    const id = await waitingApproval(dave);
    const open = await Promise.all(Array.from({ length: 5 }, () => openSse(url(id), auth(dave))));
    expect(open.map((c) => c.status)).toEqual([200, 200, 200, 200, 200]);
    for (const c of open) {
      expect(c.headers.get('x-ratelimit-limit')).toBe('5');
      expect(Number(c.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    }
    // Opened together, each saw some of the 5 slots left after taking its own; never more than 4.
    const remaining = open.map((c) => Number(c.headers.get('x-ratelimit-remaining')));
    expect(remaining.every((r) => r >= 0 && r <= 4)).toBe(true);
    const sixth = await openSse(url(id), auth(dave));
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get('retry-after')).toBeTruthy();
    expect(sixth.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(sixth.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect(sixth.headers.get('x-frame-options')).toBe('DENY');
    const body = JSON.parse(await sixth.body());
    expect(body).toMatchObject({ code: 'RATE_LIMITED', requestId: expect.any(String), error: expect.any(String) });
    open[0]!.close();
    await waitFor(async () => (await slotsOf(dave.id)) === 4, 10_000, 'the slot to be freed');
    const retry = await openSse(url(id), auth(dave));
    expect(retry.status).toBe(200);
    for (const c of [...open, retry]) c.close();
    await waitFor(async () => (await slotsOf(dave.id)) === 0, 10_000, 'every slot to be freed');
  });
});

