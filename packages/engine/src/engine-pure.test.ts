import { describe, expect, it } from 'vitest';
import { createMemoryRunStore, createMemoryWorkflows } from './testing.ts';
import type { NodeHandler } from './ports.ts';
import type { ExecutionRecord } from './state.ts';
import { e, harness, n } from './engine-harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A memory store that counts the saves of each run. */
function countingStore() {
  const store = createMemoryRunStore();
  const saves = new Map<string, number>();
  const save = store.save.bind(store);
  store.save = (rec, steps, events) => {
    saves.set(rec.id, (saves.get(rec.id) ?? 0) + 1);
    return save(rec, steps, events);
  };
  return Object.assign(store, { saves });
}

/** What the store holds (what is committed) for the run, as a node sees it while it runs. */
const committed = (store: ReturnType<typeof createMemoryRunStore>, id: string) => structuredClone(store.records.get(id)) as ExecutionRecord;

describe('pure nodes (NodeHandler.pure)', () => {
  it('commit a chain of them once, at its end, with every step and event in order', async () => {
    const store = countingStore();
    const h = harness({}, 'pure', store);
    const id = await h.run(
      {
        nodes: [n('t', 'trigger.manual'), n('set', 'data.set', { values: { got: '{{ $input.n }}' } }), n('end', 'data.transform', { output: '{{ $input }}' })],
        edges: [e('t', 'set'), e('set', 'end')],
      },
      { n: 7 },
    );
    const rec = await h.until(id, ['succeeded']);
    expect(rec.output).toEqual({ got: 7 });
    expect(store.saves.get(id)).toBe(1);
    expect(Object.values(rec.state.steps).map((s) => [s.nodeId, s.status])).toEqual([['t', 'succeeded'], ['set', 'succeeded'], ['end', 'succeeded']]);
    const mine = h.published.filter((x) => x.executionId === id);
    expect(mine.map((x) => x.seq)).toEqual(mine.map((_, i) => i + 1));
    expect(mine.filter((x) => x.type.startsWith('node.')).map((x) => `${x.type} ${String(x.data.nodeId)}`)).toEqual([
      'node.started t', 'node.finished t', 'node.started set', 'node.finished set', 'node.started end', 'node.finished end',
    ]);
  });

  it('let a node with effects start only once everything before it is committed, and commit its end before the next node starts', async () => {
    const store = countingStore();
    const seen: Record<string, ExecutionRecord> = {};
    const effect: NodeHandler = {
      run: async (ctx) => {
        seen.effect = committed(store, ctx.executionId);
        return { kind: 'output', data: { sent: true } };
      },
    };
    const after: NodeHandler = {
      pure: true,
      run: async (ctx) => {
        seen.after = committed(store, ctx.executionId);
        return { kind: 'output', data: ctx.input };
      },
    };
    const h = harness({ 'test.effect': effect, 'test.after': after }, 'effects', store);
    const id = await h.run({
      nodes: [n('t', 'trigger.manual'), n('set', 'data.set', { values: { a: 1 } }), n('fx', 'test.effect'), n('after', 'test.after'), n('end', 'data.transform', { output: '{{ $input }}' })],
      edges: [e('t', 'set'), e('set', 'fx'), e('fx', 'after'), e('after', 'end')],
    });
    const rec = await h.until(id, ['succeeded']);
    expect(rec.output).toEqual({ sent: true });
    expect(seen.effect!.status).toBe('running');
    expect(seen.effect!.state.steps.set).toMatchObject({ status: 'succeeded', output: { a: 1 } });
    expect(seen.effect!.state.steps.fx).toMatchObject({ status: 'running' });
    expect(seen.after!.state.steps.fx).toMatchObject({ status: 'succeeded', output: { sent: true } });
    // t→set folded into the save before fx, fx's end with after's start, then the rest at the end.
    expect(store.saves.get(id)).toBe(3);
  });

  it('save a boundary anyway once a chain has run for a while on uncommitted work', async () => {
    const store = countingStore();
    const slow: NodeHandler = { pure: true, run: async (ctx) => (await sleep(40), { kind: 'output', data: ctx.input }) };
    const h = harness({ 'test.slow': slow }, 'slow', store);
    const id = await h.run({
      nodes: [n('t', 'trigger.manual'), n('a', 'test.slow'), n('b', 'test.slow'), n('c', 'data.set', { values: { done: true } })],
      edges: [e('t', 'a'), e('a', 'b'), e('b', 'c')],
    });
    await h.until(id, ['succeeded']);
    // a and b each ran longer than the fold limit: the boundaries after them are saved, then the end.
    expect(store.saves.get(id)).toBe(3);
  });

  it('lose only pure work to a crash: the run starts again from its last commit and ends the same', async () => {
    const store = createMemoryRunStore();
    const workflows = createMemoryWorkflows();
    const ran: string[] = [];
    const counted: NodeHandler = { pure: true, run: async (ctx) => (ran.push(ctx.nodeId), { kind: 'output', data: { n: ctx.input } }) };
    const realSave = store.save;
    // The first process "dies" before its save commits: the save never returns, and the test abandons that engine.
    store.save = () => new Promise<never>(() => undefined);
    const first = harness({ 'test.count': counted }, 'dies', store, workflows);
    const id = await first.run({ nodes: [n('t', 'trigger.manual'), n('a', 'test.count'), n('b', 'test.count')], edges: [e('t', 'a'), e('a', 'b')] }, 5);
    for (let i = 0; i < 200 && ran.length < 2; i++) await sleep(5);
    expect(ran).toEqual(['a', 'b']);
    // Nothing of the chain was published or stored: only the start was committed.
    expect(first.published.filter((x) => x.executionId === id).map((x) => x.type)).toEqual(['execution.status']);
    expect(store.records.get(id)!.status).toBe('queued');

    store.save = realSave;
    store.expireLeases();
    const second = harness({ 'test.count': counted }, 'restarted', store, workflows);
    await second.engine.recover();
    const rec = await second.until(id, ['succeeded']);
    expect(rec.output).toEqual({ n: { n: 5 } });
    expect(ran).toEqual(['a', 'b', 'a', 'b']);
  });
});
