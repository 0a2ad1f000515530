import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus, type EventBus } from '../../../events/bus.ts';
import { auth, registerUser } from '../../../testing/users.ts';
import { EVENTS_CHANNEL } from '../event-hub.ts';
import { createStreamsApp, flows } from './harness.ts';
import { isOpen, openWs, waitFor, type WsClient } from './test-clients.ts';

/** An in-process bus that loses the executions channel's messages while `losing` is set, as Redis pub/sub may. */
function lossyBus(): EventBus & { losing: boolean } {
  const inner = createMemoryBus();
  const bus = {
    losing: false,
    publish: (channel: string, message: unknown) => (bus.losing && channel === EVENTS_CHANNEL ? Promise.resolve() : inner.publish(channel, message)),
    subscribe: inner.subscribe,
    ready: inner.ready,
    close: inner.close,
  };
  return bus;
}

async function appWith(hitlRecheckMs: number) {
  const bus = lossyBus();
  // Stream options are read when a socket connects, so a test may change them for the sockets it opens.
  const options = { hitlRecheckMs };
  const s = await createStreamsApp({ options, overrides: { bus } });
  const status = (id: string) => s.module.engine.get(id).then((r) => r?.status);
  const socket = async (u: Awaited<ReturnType<typeof registerUser>>): Promise<WsClient> => {
    const c = await openWs(`${s.base.replace('http', 'ws')}/ws/hitl/`, auth(u));
    if (!isOpen(c)) throw new Error(`refused: ${c.refused} ${c.body}`);
    await c.next((m) => m.type === 'snapshot');
    return c;
  };
  return { s, bus, options, status, socket };
}

describe('WebSocket HITL feed when the bus loses events', () => {
  let w: Awaited<ReturnType<typeof appWith>>;
  beforeAll(async () => {
    w = await appWith(150);
  });
  afterAll(async () => w?.s.close());

  it('announces, after a quiet spell, a request whose opening was lost, and closes requests whose closing was lost', async () => {
    const { s, bus, status, socket } = w;
    const ida = await registerUser(s.app);
    const c = await socket(ida);

    bus.losing = true;
    const first = await s.run(ida.id, flows.approval());
    const second = await s.run(ida.id, flows.approval());
    await waitFor(async () => (await status(first)) === 'waiting' && (await status(second)) === 'waiting', 10_000, 'both approvals to wait');
    const opened = await waitFor(() => {
      const o = c.messages.filter((m) => m.type === 'hitl.opened');
      return o.length === 2 ? o : undefined;
    }, 10_000, 'both lost openings');
    const requests = opened.map((m) => m.request as { id: string; executionId: string; status: string; prompt: string });
    expect(requests.map((r) => r.executionId).sort()).toEqual([first, second].sort());
    expect(requests.every((r) => r.status === 'open' && r.prompt === 'Ship it?')).toBe(true);

    const answered = requests.find((r) => r.executionId === first)!;
    const stopped = requests.find((r) => r.executionId === second)!;
    await s.module.hitl.respond(s.ctxOf(ida.id), answered.id, { decision: 'approved' });
    await s.module.service.control(s.ctxOf(ida.id), second, 'stop');
    expect(await c.next((m) => m.type === 'hitl.closed' && m.id === answered.id)).toMatchObject({ executionId: first, status: 'answered', decision: 'approved' });
    expect(await c.next((m) => m.type === 'hitl.closed' && m.id === stopped.id)).toMatchObject({ executionId: second, status: 'cancelled' });
    bus.losing = false;

    // Each request was announced once and closed once, whatever the rechecks saw in between.
    const frames = c.messages.filter((m) => m.type !== 'snapshot');
    expect(frames).toHaveLength(4);
    c.close();
  });

  it('shows another user none of it', async () => {
    const { s, bus, socket } = w;
    const jo = await registerUser(s.app);
    const kim = await registerUser(s.app);
    const watcher = await socket(kim);
    bus.losing = true;
    await s.run(jo.id, flows.approval());
    await new Promise((r) => setTimeout(r, 600));
    bus.losing = false;
    expect(watcher.messages.filter((m) => m.type !== 'snapshot')).toEqual([]);
    watcher.close();
  });

  it('never learns of a lost opening with the recheck turned off (what the recheck is for)', async () => {
    const { s, bus, options, status, socket } = w;
    const lou = await registerUser(s.app);
    options.hitlRecheckMs = 0;
    const c = await socket(lou);
    options.hitlRecheckMs = 150;
    bus.losing = true;
    const id = await s.run(lou.id, flows.approval());
    await waitFor(async () => (await status(id)) === 'waiting', 10_000, 'the approval to wait');
    await new Promise((r) => setTimeout(r, 600));
    bus.losing = false;
    expect(c.messages.filter((m) => m.type !== 'snapshot')).toEqual([]);
    c.close();
  });
});
