import type { NodeHandler, NodeResult } from '@gatehouse/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, registerUser, type TestUser } from '../../../testing/users.ts';
import { EVENTS_CHANNEL } from '../event-hub.ts';
import { createStreamsApp, flows, type StreamsApp } from './harness.ts';
import { replayAfter } from './streams.repo.ts';
import { isOpen, openSse, openWs, waitFor, type WsClient } from './test-clients.ts';

/** A node that runs until the test opens its gate (or the run is stopped). */
const gates: Array<() => void> = [];
const gate: NodeHandler = {
  run: (ctx) =>
    new Promise<NodeResult>((resolve, reject) => {
      gates.push(() => resolve({ kind: 'output', data: { passed: true } }));
      ctx.signal.addEventListener('abort', () => reject(new Error('aborted')));
    }),
};
const gated = {
  nodes: [
    { id: 't', type: 'trigger.manual', config: {} },
    { id: 'g', type: 'test.gate', config: {} },
    { id: 'after', type: 'data.set', config: { values: { ok: true } } },
  ],
  edges: [
    { id: 'e1', source: 't', target: 'g' },
    { id: 'e2', source: 'g', target: 'after' },
  ],
};

let s: StreamsApp;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  s = await createStreamsApp({ options: { maxBufferedBytes: 64 * 1024 }, handlers: { 'test.gate': gate } });
  alice = await registerUser(s.app);
  bob = await registerUser(s.app);
});
afterAll(async () => s?.close());

const wsUrl = (path: string) => `${s.base.replace('http', 'ws')}${path}`;
const status = (id: string) => s.module.engine.get(id).then((r) => r?.status);
const slotsOf = (userId: string) => s.container.limiter.store.slotsInUse(`c:stream:u:${userId}`);
const events = (c: WsClient) => c.messages.filter((m) => m.type === 'event').map((m) => m.event as { seq: number; type: string; data: Record<string, unknown> });

async function socket(u: TestUser | null, path: string): Promise<WsClient> {
  const c = await openWs(wsUrl(path), u ? auth(u) : {});
  if (!isOpen(c)) throw new Error(`refused: ${c.refused} ${c.body}`);
  return c;
}
async function waitingApproval(u: TestUser) {
  const id = await s.run(u.id, flows.approval());
  await waitFor(async () => (await status(id)) === 'waiting', 10_000, 'the approval to wait');
  return id;
}

describe('WebSocket execution stream', () => {
  it('sends the same events as the SSE stream, replays after ?lastEventId=, and closes normally at the end', async () => {
    const id = await s.run(alice.id, flows.chain(3));
    await waitFor(async () => (await status(id)) === 'succeeded', 10_000, 'the run to finish');
    const c = await socket(alice, `/ws/execution/${id}/`);
    expect((await c.closed).code).toBe(1000);
    const sse = await openSse(`${s.base}/api/streaming/executions/${id}/stream/`, auth(alice));
    await sse.ended;
    expect(events(c)).toEqual(sse.messages.map((m) => JSON.parse(m.data)));
    expect(events(c).at(-1)!.type).toBe('execution.finished');
    const later = await socket(alice, `/ws/execution/${id}/?lastEventId=2`);
    await later.closed;
    expect(events(later).map((e) => e.seq)).toEqual(events(c).map((e) => e.seq).filter((n) => n > 2));
  });

  it('sends live events exactly as it replays them', async () => {
    const id = await s.run(alice.id, gated);
    const live = await socket(alice, `/ws/execution/${id}/`);
    await waitFor(() => gates.length === 1, 10_000, 'the gate node to run');
    gates.shift()!();
    expect((await live.closed).code).toBe(1000);
    const replayed = await socket(alice, `/ws/execution/${id}/`);
    await replayed.closed;
    expect(events(live).length).toBeGreaterThan(3);
    expect(events(live)).toEqual(events(replayed));
  });

  it('approves a waiting approval node with a respond message, and the run finishes; a second answer is a 409', async () => {
    const id = await s.run(alice.id, flows.approval());
    const c = await socket(alice, `/ws/execution/${id}/`);
    const requested = await c.next((m) => m.type === 'event' && (m.event as { type: string }).type === 'hitl.requested');
    const hitlId = (requested.event as { data: { hitlId: string } }).data.hitlId;
    c.send({ type: 'respond', id: 'r1', hitlId, decision: 'approved', data: { note: 'lgtm' } });
    c.send({ type: 'respond', id: 'r2', hitlId, decision: 'rejected' });
    expect(await c.next((m) => m.id === 'r1')).toMatchObject({ type: 'ack', action: 'respond', data: { id: hitlId, executionId: id, decision: 'approved', status: 'answered' } });
    expect(await c.next((m) => m.id === 'r2')).toMatchObject({ type: 'error', status: 409, code: 'HITL_ALREADY_ANSWERED', requestId: expect.any(String) });
    expect((await c.closed).code).toBe(1000);
    expect(events(c).at(-1)).toMatchObject({ type: 'execution.finished', data: { status: 'succeeded', output: { shipped: true } } });
    expect(await status(id)).toBe('succeeded');
  });

  it('pauses at the next node boundary, resumes, and answers a control the status forbids with the REST 409', async () => {
    const id = await s.run(alice.id, gated);
    const c = await socket(alice, `/ws/execution/${id}/`);
    // Wait for the gate node itself to be running: a pause before it would take effect at the trigger's boundary.
    await waitFor(() => gates.length === 1, 10_000, 'the gate node to run');
    c.send({ type: 'resume', id: 'early' });
    expect(await c.next((m) => m.id === 'early')).toMatchObject({ type: 'error', status: 409, code: 'INVALID_EXECUTION_STATE', details: { status: 'running' } });
    c.send({ type: 'pause', id: 'p' });
    expect(await c.next((m) => m.id === 'p')).toMatchObject({ type: 'ack', action: 'pause', data: { id, requested: 'pause' } });
    gates.shift()!();
    await c.next((m) => m.type === 'event' && (m.event as { type: string; data: { status?: string } }).data.status === 'paused');
    expect(await status(id)).toBe('paused');
    c.send({ type: 'resume', id: 'r' });
    expect(await c.next((m) => m.id === 'r')).toMatchObject({ type: 'ack', action: 'resume', data: { status: 'queued' } });
    expect((await c.closed).code).toBe(1000);
    expect(events(c).at(-1)).toMatchObject({ type: 'execution.finished', data: { status: 'succeeded' } });
  });

  it('stops a waiting run over the socket, acknowledges it, then closes after the terminal event', async () => {
    const id = await waitingApproval(alice);
    const c = await socket(alice, `/ws/execution/${id}/`);
    c.send({ type: 'resume', id: 'r' });
    expect(await c.next((m) => m.id === 'r')).toMatchObject({ type: 'error', status: 409, code: 'INVALID_EXECUTION_STATE', details: { status: 'waiting' } });
    c.send({ type: 'stop', id: 's' });
    expect(await c.next((m) => m.id === 's')).toMatchObject({ type: 'ack', action: 'stop', data: { status: 'stopped' } });
    expect((await c.closed).code).toBe(1000);
    expect(events(c).at(-1)).toMatchObject({ type: 'execution.finished', data: { status: 'stopped' } });
  });

  it('refuses another user’s or an unknown execution with 404 and no upgrade, and no credentials with 401', async () => {
    const id = await waitingApproval(alice);
    for (const target of [id, '00000000-0000-4000-8000-000000000000']) {
      const r = await openWs(wsUrl(`/ws/execution/${target}/`), auth(bob));
      expect(isOpen(r)).toBe(false);
      expect(r).toMatchObject({ refused: 404 });
      expect(JSON.parse((r as { body: string }).body)).toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(await openWs(wsUrl(`/ws/execution/${id}/`))).toMatchObject({ refused: 401 });
    expect(await openWs(wsUrl(`/ws/execution/not-a-uuid/`), auth(alice))).toMatchObject({ refused: 400 });
    expect(await slotsOf(bob.id)).toBe(0);
  });

  it('answers a respond to another user’s request with 404, as the REST endpoint does, and leaves it open', async () => {
    const aliceRun = await waitingApproval(alice);
    const [requested] = (await replayAfter(s.container.database.db, aliceRun, 0, 100)).filter((e) => e.type === 'hitl.requested');
    const bobRun = await waitingApproval(bob);
    const c = await socket(bob, `/ws/execution/${bobRun}/`);
    c.send({ type: 'respond', id: 'x', hitlId: requested!.data.hitlId, decision: 'approved' });
    expect(await c.next((m) => m.id === 'x')).toMatchObject({ type: 'error', status: 404, code: 'NOT_FOUND' });
    const open = await s.module.hitl.pending(s.ctxOf(alice.id), { page: 1, perPage: 100 });
    expect(open.data.map((h) => h.id)).toContain(requested!.data.hitlId);
    expect(await status(aliceRun)).toBe('waiting');
    c.close();
  });

  it('answers malformed messages with 400s and the REST codes, and keeps the socket open', async () => {
    const id = await waitingApproval(alice);
    const c = await socket(alice, `/ws/execution/${id}/`);
    c.socket.send('not json');
    expect(await c.next((m) => m.type === 'error')).toMatchObject({ status: 400, code: 'MALFORMED_JSON' });
    c.send({ type: 'dance', id: 'a' });
    expect(await c.next((m) => m.id === 'a')).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', details: [{ path: 'message.type' }] });
    c.send({ type: 'respond', id: 'b', hitlId: 'nope', decision: 'approved', extra: 1 });
    const b = await c.next((m) => m.id === 'b');
    expect(b).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect((b.details as Array<{ path: string }>).map((d) => d.path).sort()).toEqual(['message.extra', 'message.hitlId']);
    c.send({ type: 'stop', id: 'c', force: true });
    expect(await c.next((m) => m.id === 'c')).toMatchObject({ status: 400, details: [{ path: 'message.force', message: 'unknown field' }] });
    expect(await status(id)).toBe('waiting');
    c.close();
  });

  it('answers a plain GET on a socket route with 400 WEBSOCKET_UPGRADE_REQUIRED', async () => {
    const id = await waitingApproval(alice);
    const res = await s.app.inject({ method: 'GET', url: `/ws/execution/${id}/`, headers: auth(alice) });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('WEBSOCKET_UPGRADE_REQUIRED');
    expect((await s.app.inject({ method: 'GET', url: `/ws/execution/${id}/`, headers: auth(bob) })).statusCode).toBe(404);
  });

  it('counts against the stream limit: a 6th stream gets the 429 body in an error frame and close 1013', async () => {
    const erin = await registerUser(s.app);
    const id = await waitingApproval(erin);
    const sse = await Promise.all(Array.from({ length: 5 }, () => openSse(`${s.base}/api/streaming/executions/${id}/stream/`, auth(erin))));
    const c = await socket(erin, `/ws/execution/${id}/`);
    expect(await c.closed).toEqual({ code: 1013, reason: 'RATE_LIMITED' });
    expect(c.messages[0]).toMatchObject({ type: 'error', status: 429, code: 'RATE_LIMITED' });
    sse[0]!.close();
    await waitFor(async () => (await slotsOf(erin.id)) === 4, 10_000, 'a slot to be freed');
    const ok = await socket(erin, `/ws/hitl/`);
    await ok.next((m) => m.type === 'snapshot');
    expect(await slotsOf(erin.id)).toBe(5);
    ok.close();
    for (const x of sse) x.close();
    await waitFor(async () => (await slotsOf(erin.id)) === 0, 10_000, 'every slot to be freed');
  });

  it('cuts a socket whose client stops reading once its backlog passes the bound, and frees its slot', async () => {
    const fay = await registerUser(s.app);
    const id = await waitingApproval(fay);
    const c = await socket(fay, `/ws/execution/${id}/`);
    const last = await waitFor(() => events(c).find((e) => e.type === 'hitl.requested')?.seq, 10_000, 'the replay');
    c.socket.pause();
    const big = 'x'.repeat(64 * 1024);
    for (let i = 1; i <= 400 && (await slotsOf(fay.id)) === 1; i++) {
      await s.container.bus.publish(EVENTS_CHANNEL, { executionId: id, seq: last + i, type: 'thought', at: new Date().toISOString(), data: { content: big }, ownerId: fay.id });
    }
    await waitFor(async () => (await slotsOf(fay.id)) === 0, 10_000, 'the slow socket to be dropped');
    c.socket.terminate();
  });
});

describe('WebSocket HITL feed', () => {
  it('starts with the open requests, then shows requests as they open and close, and nobody else’s', async () => {
    const gus = await registerUser(s.app);
    const first = await waitingApproval(gus);
    const c = await socket(gus, '/ws/hitl/');
    const hal = await registerUser(s.app);
    const other = await socket(hal, '/ws/hitl/');
    const snapshot = await c.next((m) => m.type === 'snapshot');
    const [open] = snapshot.requests as Array<{ id: string; executionId: string; prompt: string; status: string }>;
    expect(snapshot.requests).toHaveLength(1);
    expect(open).toMatchObject({ executionId: first, prompt: 'Ship it?', status: 'open' });

    const second = await s.run(gus.id, flows.approval());
    const opened = await c.next((m) => m.type === 'hitl.opened');
    expect(opened.request).toMatchObject({ executionId: second, prompt: 'Ship it?', status: 'open' });

    await s.module.hitl.respond(s.ctxOf(gus.id), open!.id, { decision: 'approved' });
    expect(await c.next((m) => m.type === 'hitl.closed' && m.id === open!.id)).toMatchObject({ executionId: first, status: 'answered', decision: 'approved' });
    await s.module.service.control(s.ctxOf(gus.id), second, 'stop');
    const secondId = (opened.request as { id: string }).id;
    expect(await c.next((m) => m.type === 'hitl.closed' && m.id === secondId)).toMatchObject({ executionId: second, status: 'cancelled' });

    expect((await other.next((m) => m.type === 'snapshot')).requests).toEqual([]);
    expect(other.messages.filter((m) => m.type !== 'snapshot')).toEqual([]);
    c.close();
    other.close();
  });

  it('refuses a caller without credentials with 401 and no upgrade', async () => {
    expect(await openWs(wsUrl('/ws/hitl/'))).toMatchObject({ refused: 401 });
  });
});
