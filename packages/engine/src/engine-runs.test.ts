import { describe, expect, it } from 'vitest';
import { createMemoryRunStore, createMemoryWorkflows } from './testing.ts';
import type { NodeHandler } from './ports.ts';
import type { StoredEvent } from './engine-ports.ts';
import { e, gate, harness, n, nodeSpec } from './engine-harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function published(list: StoredEvent[], test: (e: StoredEvent) => boolean, what: string): Promise<StoredEvent> {
  for (const end = Date.now() + 5_000; Date.now() < end; await sleep(5)) {
    const hit = list.find(test);
    if (hit) return hit;
  }
  throw new Error(`never published: ${what}`);
}

describe('the workflow timeout', () => {
  // A node that takes real time after the wait, so a deadline counted from the start would fire while it runs.
  const busy = (ms: number): NodeHandler => ({ run: async (ctx) => (await sleep(ms), { kind: 'output', data: ctx.input }) });

  it('does not count time spent waiting for a timer', async () => {
    const h = harness({ 'test.busy': busy(50) });
    const id = await h.run(
      { nodes: [n('t', 'trigger.manual'), n('w', 'flow.wait', { seconds: 0.4 }), n('x', 'test.busy')], edges: [e('t', 'w'), e('w', 'x')] },
      {},
      { timeoutSeconds: 0.2 },
    );
    const rec = await h.until(id, ['succeeded', 'failed']);
    expect(rec.error).toBeUndefined();
    expect(rec.status).toBe('succeeded');
  });

  it('does not count time spent waiting for a person', async () => {
    const h = harness({ 'test.busy': busy(50) });
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('ok', 'flow.approval'), n('x', 'test.busy')], edges: [e('t', 'ok'), e('ok', 'x', 'approved')] }, {}, { timeoutSeconds: 0.2 });
    await h.until(id, ['waiting']);
    await sleep(400);
    await h.engine.respond(id, 'ok', { decision: 'approved' });
    const rec = await h.until(id, ['succeeded', 'failed']);
    expect(rec.error).toBeUndefined();
    expect(rec.status).toBe('succeeded');
  });

  it('adds up the running time of every stretch, and fails the run once the sum passes the timeout', async () => {
    const h = harness({ 'test.busy': busy(150) });
    const id = await h.run(
      { nodes: [n('t', 'trigger.manual'), n('a', 'test.busy'), n('w', 'flow.wait', { seconds: 0.01 }), n('b', 'test.busy'), n('c', 'test.busy')], edges: [e('t', 'a'), e('a', 'w'), e('w', 'b'), e('b', 'c')] },
      {},
      { timeoutSeconds: 0.25 },
    );
    const rec = await h.until(id, ['succeeded', 'failed']);
    expect(rec.error?.code).toBe('TIMEOUT');
    expect(rec.state.activeMs).toBeGreaterThanOrEqual(250);
  });
});

describe('a node that is running', () => {
  it('is recorded as running when it starts, and its start and thoughts are published as they happen', async () => {
    const held = gate();
    const thinker: NodeHandler = {
      async run(ctx) {
        ctx.emitThought('thought', 'pondering');
        return held.handler.run(ctx);
      },
    };
    const h = harness({ 'test.think': thinker });
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('a', 'test.think')], edges: [e('t', 'a')] });
    await held.entered;
    const rec = await h.when(id, (r) => r.state.steps.a?.status === 'running', 'the step to be saved as running', 5_000);
    expect(rec.state.steps.a!.startedAt).toBeTruthy();
    await published(h.published, (x) => x.executionId === id && x.type === 'node.started' && x.data.nodeId === 'a', 'node.started');
    await published(h.published, (x) => x.executionId === id && x.type === 'thought' && x.data.content === 'pondering', 'the thought');
    expect(h.published.some((x) => x.executionId === id && x.type === 'node.finished' && x.data.nodeId === 'a')).toBe(false);
    held.open();
    await h.until(id, ['succeeded']);
  });

  it('ends the run crashed when its node took the process down three times in a row', async () => {
    const store = createMemoryRunStore();
    const workflows = createMemoryWorkflows();
    // A node that "kills the process": it never returns, and the test abandons the engine that ran it.
    const fatal = { 'test.fatal': { run: () => new Promise<never>(() => undefined) } };
    const first = harness(fatal, 'p0', store, workflows);
    const id = await first.run({ nodes: [n('t', 'trigger.manual'), n('f', 'test.fatal'), n('z', 'data.set')], edges: [e('t', 'f'), e('f', 'z')] });
    for (let died = 0; died < 3; died++) {
      await first.when(id, (r) => r.state.steps.f?.status === 'running' && (r.state.crashes ?? 0) === died, `the node to run after ${died} crashes`, 5_000);
      store.expireLeases();
      await harness(fatal, `p${died + 1}`, store, workflows).engine.recover();
    }
    const rec = await first.until(id, ['crashed'], 5_000);
    expect(rec.error).toMatchObject({ code: 'CRASHED' });
    expect(rec.state.steps.f).toMatchObject({ status: 'failed', error: { code: 'CRASHED' } });
    expect(rec.state.steps.z).toBeUndefined();
  });
});

describe('settings.concurrency', () => {
  it('runs at most that many executions of a workflow at once; the others stay queued until one ends', async () => {
    const gates = [gate('first'), gate('second')];
    const entered: number[] = [];
    const picker: NodeHandler = {
      run: (ctx) => {
        const i = (ctx.executionInput as { i: number }).i;
        entered.push(i);
        return gates[i]!.handler.run(ctx);
      },
    };
    const workflows = createMemoryWorkflows();
    const h = harness({ 'test.pick': picker }, 'limit', undefined, workflows);
    const w = { workflowId: 'limited', version: 1, settings: { concurrency: 1 }, definition: { nodes: [n('t', 'trigger.manual'), n('p', 'test.pick')], edges: [e('t', 'p')] } };
    workflows.add(w);
    const a = await h.engine.start({ ownerId: 'o', workflow: w, input: { i: 0 } });
    await gates[0]!.entered;
    const b = await h.engine.start({ ownerId: 'o', workflow: w, input: { i: 1 } });
    // Another workflow's run, queued after b, finishes: the queue went past b, which stayed parked.
    await h.until(await h.run({ nodes: [n('t', 'trigger.manual'), n('s', 'data.set')], edges: [e('t', 's')] }), ['succeeded']);
    expect((await h.engine.get(b.id))?.status).toBe('queued');
    expect(entered).toEqual([0]);
    gates[0]!.open();
    await gates[1]!.entered;
    expect((await h.until(a.id, ['succeeded'])).output).toBe('first');
    gates[1]!.open();
    expect((await h.until(b.id, ['succeeded'])).output).toBe('second');
  });
});

describe('edges without a sourceHandle', () => {
  const h = harness({}, 'ports', undefined, undefined, { nodeSpec });

  it("leave from logic.if's first output (true), as the compiler reads them", async () => {
    const def = (condition: boolean) => ({ nodes: [n('t', 'trigger.manual'), n('if', 'logic.if', { condition }), n('s', 'data.set', { values: { ran: true } })], edges: [e('t', 'if'), e('if', 's')] });
    const yes = await h.until(await h.run(def(true)), ['succeeded']);
    expect(yes.state.steps.s!.status).toBe('succeeded');
    expect(yes.output).toEqual({ ran: true });
    const no = await h.until(await h.run(def(false)), ['succeeded']);
    expect(no.state.steps.s!.status).toBe('skipped');
  });

  it("leave from flow.approval's first output (approved)", async () => {
    const def = { nodes: [n('t', 'trigger.manual'), n('ok', 'flow.approval'), n('x', 'data.set', { values: { shipped: true } })], edges: [e('t', 'ok'), e('ok', 'x')] };
    for (const [decision, status] of [['approved', 'succeeded'], ['rejected', 'skipped']] as const) {
      const id = await h.run(def);
      await h.until(id, ['waiting']);
      await h.engine.respond(id, 'ok', { decision });
      expect((await h.until(id, ['succeeded'])).state.steps.x!.status).toBe(status);
    }
  });

  it('follow the same rule inside a loop', async () => {
    const def = {
      nodes: [n('t', 'trigger.manual'), n('loop', 'logic.loop', { items: '{{ $input.items }}' }), n('if', 'logic.if', { condition: '{{ $input.item > 1 }}' }), n('sq', 'data.set', { values: { v: '{{ $input.item * $input.item }}' } })],
      edges: [e('t', 'loop'), e('loop', 'if'), e('if', 'sq'), e('sq', 'loop')],
    };
    const rec = await h.until(await h.run(def, { items: [1, 2, 3] }), ['succeeded']);
    expect(rec.state.outputs.loop).toEqual([null, { v: 4 }, { v: 9 }]);
  });

  it('follow the same rule for an approval inside a loop', async () => {
    const def = {
      nodes: [n('t', 'trigger.manual'), n('loop', 'logic.loop', { items: '{{ $input.items }}' }), n('ok', 'flow.approval', { prompt: '{{ $input.item }}?' })],
      edges: [e('t', 'loop'), e('loop', 'ok'), e('ok', 'loop')],
    };
    const id = await h.run(def, { items: ['a', 'b'] });
    for (const decision of ['approved', 'rejected']) {
      await h.until(id, ['waiting']);
      await h.engine.respond(id, 'ok', { decision });
    }
    const results = (await h.until(id, ['succeeded'])).state.outputs.loop as Array<{ decision: string } | null>;
    expect(results[0]?.decision).toBe('approved');
    expect(results[1]).toBeNull();
  });
});
