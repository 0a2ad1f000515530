import { describe, expect, it } from 'vitest';
import type { NodeHandler } from './ports.ts';
import { createMemoryWorkflows } from './testing.ts';
import { e, gate, harness, n } from './engine-harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('waits that end while the run is busy elsewhere', () => {
  it('accepts an answer while the run is busy on a parallel branch, and takes it at the next boundary', async () => {
    const busy = gate('busy done');
    const h = harness({ 'test.gate': busy.handler });
    const id = await h.run({
      nodes: [n('t', 'trigger.manual'), n('ok', 'flow.approval', { prompt: 'Ship?' }), n('busy', 'test.gate'), n('after', 'data.transform', { output: '{{ $input.decision }}' })],
      edges: [e('t', 'ok'), e('t', 'busy'), e('ok', 'after', 'approved')],
    });
    await busy.entered;
    const running = await h.when(id, (r) => r.state.steps.ok?.status === 'waiting', 'the approval to wait');
    expect(running.status).toBe('running');
    await h.engine.respond(id, 'ok', { decision: 'approved' }, running.state.steps.ok!.stepId);
    busy.open();
    const done = await h.until(id, ['succeeded', 'failed', 'waiting']);
    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual({ busy: 'busy done', after: 'approved' });
  });

  it('refuses an answer for a node that does not wait, even while the run is running', async () => {
    const busy = gate();
    const h = harness({ 'test.gate': busy.handler });
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('busy', 'test.gate')], edges: [e('t', 'busy')] });
    await busy.entered;
    await expect(h.engine.respond(id, 'busy', { decision: 'approved' })).rejects.toThrow(/nothing is waiting/);
    busy.open();
    await h.until(id, ['succeeded']);
  });

  it('ends a timer wait that fires while the run is busy on a parallel branch', async () => {
    const busy = gate();
    const h = harness({ 'test.gate': busy.handler });
    const id = await h.run({
      nodes: [n('t', 'trigger.manual'), n('w', 'flow.wait', { seconds: 0.05 }), n('busy', 'test.gate'), n('after', 'data.set', { values: { woke: true } })],
      edges: [e('t', 'w'), e('t', 'busy'), e('w', 'after')],
    });
    await busy.entered;
    const r = await h.when(id, (x) => x.state.steps.w?.status === 'waiting', 'the timer to be set');
    const until = r.state.steps.w!.wait!.kind === 'timer' ? Date.parse(r.state.steps.w!.wait!.until) : 0;
    // Let the timer fire while the branch is still busy.
    await sleep(Math.max(0, until - Date.now()) + 30);
    busy.open();
    const done = await h.until(id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.state.steps.after!.status).toBe('succeeded');
  });
});

describe('pausing a waiting run', () => {
  it('pauses a waiting run, keeps it paused when its answer comes, and runs on after resume', async () => {
    const h = harness();
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('ok', 'flow.approval'), n('x', 'data.set', { values: { done: true } })], edges: [e('t', 'ok'), e('ok', 'x', 'approved')] });
    await h.until(id, ['waiting']);
    expect(await h.engine.pause(id)).toBe('paused');
    await h.engine.respond(id, 'ok', { decision: 'approved' });
    const paused = await h.until(id, ['paused']);
    expect(paused.state.steps.ok!.status).toBe('pending');
    expect(paused.state.steps.x).toBeUndefined();
    expect(await h.engine.resume(id)).toBe('queued');
    expect((await h.until(id, ['succeeded'])).output).toEqual({ done: true });
  });

  it('keeps a paused run paused when its timer ends, and runs on after resume', async () => {
    const h = harness();
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('w', 'flow.wait', { seconds: 0.05 }), n('x', 'data.set', { values: { done: true } })], edges: [e('t', 'w'), e('w', 'x')] });
    await h.until(id, ['waiting']);
    await h.engine.pause(id);
    const woke = await h.when(id, (r) => r.state.steps.w?.status === 'pending', 'the timer to end');
    expect(woke.status).toBe('paused');
    await h.engine.resume(id);
    expect((await h.until(id, ['succeeded'])).output).toEqual({ done: true });
  });

  it('refuses to resume a waiting run that was not paused', async () => {
    const h = harness();
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('ok', 'flow.approval')], edges: [e('t', 'ok')] });
    await h.until(id, ['waiting']);
    await expect(h.engine.resume(id)).rejects.toThrow(/cannot resume a waiting/);
    await h.engine.stop(id);
  });
});

describe('steps of waits', () => {
  it('marks the steps a stopped run leaves behind as cancelled, before its terminal event', async () => {
    const h = harness();
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('ok', 'flow.approval')], edges: [e('t', 'ok')] });
    await h.until(id, ['waiting']);
    await h.engine.stop(id);
    const rec = await h.until(id, ['stopped']);
    expect(rec.state.steps.ok).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) });
    const types = h.store.events.filter((x) => x.executionId === id).map((x) => `${x.type}:${String(x.data.status ?? '')}`);
    expect(types.slice(-2)).toEqual(['node.finished:cancelled', 'execution.finished:stopped']);
  });

  it('gives a resumed approval step the time from its request to its answer as its duration', async () => {
    const h = harness();
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('ok', 'flow.approval')], edges: [e('t', 'ok')] });
    const waiting = await h.until(id, ['waiting']);
    expect(waiting.state.steps.ok!.finishedAt).toBeUndefined();
    await sleep(60);
    await h.engine.respond(id, 'ok', { decision: 'approved' });
    const ok = (await h.until(id, ['succeeded'])).state.steps.ok!;
    expect(Date.parse(ok.finishedAt!) - Date.parse(ok.startedAt!)).toBeGreaterThanOrEqual(50);
  });
});

describe('waiting on another execution', () => {
  it('frees the worker slot while a node waits for a child execution, so more parents than slots all finish', async () => {
    // A parent node that starts a child run and waits for it, as flow.subworkflow does.
    const childWorkflow = { workflowId: 'child', version: 1, settings: {}, definition: { nodes: [n('t', 'trigger.manual'), n('w', 'flow.wait', { seconds: 0.05 }), n('d', 'data.transform', { output: '{{ $input.v * 2 }}' })], edges: [e('t', 'w'), e('w', 'd')] } };
    const parentNode: NodeHandler = {
      async run(ctx) {
        if (ctx.resume) return { kind: 'output', data: (ctx.resume.data as { status: string; output: unknown }).output };
        const child = await h.engine.start({ ownerId: ctx.ownerId, workflow: childWorkflow, input: ctx.input, parent: { executionId: ctx.executionId, nodeId: ctx.nodeId, stepId: ctx.stepId } });
        return { kind: 'wait', wait: { kind: 'execution', executionId: child.id } };
      },
    };
    const workflows = createMemoryWorkflows();
    const h = harness({ 'test.parent': parentNode }, 'slots', undefined, workflows, { concurrency: 2 });
    workflows.add(childWorkflow);
    const parents = await Promise.all([1, 2, 3, 4, 5].map((v) => h.run({ nodes: [n('t', 'trigger.manual'), n('p', 'test.parent')], edges: [e('t', 'p')] }, { v })));
    const done = await Promise.all(parents.map((id) => h.until(id, ['succeeded', 'failed'], 10_000)));
    expect(done.map((r) => r.output)).toEqual([2, 4, 6, 8, 10]);
  });
});
