import { describe, expect, it } from 'vitest';
import { createMemoryRunStore, createMemoryWorkflows } from './testing.ts';
import type { NodeHandler } from './ports.ts';
import { e, forever, gate, harness, n } from './engine-harness.ts';

describe('the engine', () => {
  it('runs a linear flow and records every step, event and the output', async () => {
    const h = harness();
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('s', 'data.set', { values: { doubled: '{{ $input.x * 2 }}' } })], edges: [e('t', 's')] }, { x: 21 });
    const rec = await h.until(id, ['succeeded']);
    expect(rec.output).toEqual({ doubled: 42 });
    expect(Object.values(rec.state.steps).map((s) => [s.nodeId, s.status])).toEqual([['t', 'succeeded'], ['s', 'succeeded']]);
    const types = h.store.events.filter((x) => x.executionId === id).map((x) => x.type);
    expect(types[0]).toBe('execution.status');
    expect(types.at(-1)).toBe('execution.finished');
    const seqs = h.store.events.filter((x) => x.executionId === id).map((x) => x.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('takes one branch of an if, skips the other, and merges what ran', async () => {
    const h = harness();
    const def = {
      nodes: [n('t', 'trigger.manual'), n('if', 'logic.if', { condition: '{{ $input.n > 5 }}' }), n('big', 'data.set', { values: { size: 'big' } }), n('small', 'data.set', { values: { size: 'small' } }), n('m', 'logic.merge')],
      edges: [e('t', 'if'), e('if', 'big', 'true'), e('if', 'small', 'false'), e('big', 'm'), e('small', 'm')],
    };
    const rec = await h.until(await h.run(def, { n: 9 }), ['succeeded']);
    expect(rec.state.steps.small!.status).toBe('skipped');
    expect(rec.state.steps.big!.status).toBe('succeeded');
    expect(rec.output).toEqual({ size: 'big' });
  });

  it('loops over items, running the body once per item, then fires done with the results', async () => {
    const h = harness();
    const def = {
      nodes: [n('t', 'trigger.manual'), n('loop', 'logic.loop', { items: '{{ $input.items }}' }), n('sq', 'data.set', { values: { v: '{{ $input.item * $input.item }}' } }), n('end', 'data.transform', { output: '{{ $input.v }}' })],
      edges: [e('t', 'loop'), e('loop', 'sq', 'loop'), e('sq', 'loop'), e('loop', 'end', 'done')],
    };
    const rec = await h.until(await h.run(def, { items: [1, 2, 3] }), ['succeeded']);
    expect(rec.state.outputs.loop).toEqual([{ v: 1 }, { v: 4 }, { v: 9 }]);
    const loopSteps = h.store.events.filter((x) => x.executionId === rec.id && x.type === 'node.started' && x.data.nodeId === 'sq');
    expect(loopSteps).toHaveLength(3);
  });

  it('waits for a human inside a loop and continues after each response', async () => {
    const h = harness();
    const def = {
      nodes: [n('t', 'trigger.manual'), n('loop', 'logic.loop', { items: '{{ $input.items }}' }), n('ok', 'flow.approval', { prompt: 'Approve {{ $input.item }}?' })],
      edges: [e('t', 'loop'), e('loop', 'ok', 'loop'), e('ok', 'loop', 'approved'), e('ok', 'loop', 'rejected')],
    };
    const id = await h.run(def, { items: ['a', 'b'] });
    for (const decision of ['approved', 'rejected']) {
      const w = await h.until(id, ['waiting']);
      expect(w.state.steps.ok!.wait).toMatchObject({ kind: 'approval' });
      await h.engine.respond(id, 'ok', { decision, data: { note: decision } });
    }
    const rec = await h.until(id, ['succeeded']);
    expect((rec.output as Array<{ decision: string }>).map((r) => r.decision)).toEqual(['approved', 'rejected']);
    const prompts = h.store.events.filter((x) => x.executionId === id && x.type === 'hitl.requested').map((x) => x.data.prompt);
    expect(prompts).toEqual(['Approve a?', 'Approve b?']);
  });

  it('answers a second response to the same wait with a conflict', async () => {
    const h = harness();
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('ok', 'flow.approval')], edges: [e('t', 'ok')] });
    await h.until(id, ['waiting']);
    await h.engine.respond(id, 'ok', { decision: 'approved' });
    await expect(h.engine.respond(id, 'ok', { decision: 'approved' })).rejects.toThrow(/nothing is waiting/);
    await h.until(id, ['succeeded']);
  });

  it('pauses at the next node boundary and resumes from there', async () => {
    const slow = gate('slow done');
    const h = harness({ 'test.slow': slow.handler });
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('slow', 'test.slow'), n('after', 'data.set', { values: { ok: true } })], edges: [e('t', 'slow'), e('slow', 'after')] });
    // Inside the node, not merely running: a pause before it would take effect at the trigger's boundary.
    await slow.entered;
    expect(await h.engine.pause(id)).toBe('running');
    slow.open();
    const paused = await h.until(id, ['paused']);
    // The running node was not cut in half; the next one did not start.
    expect(paused.state.steps.slow!.status).toBe('succeeded');
    expect(paused.state.steps.after).toBeUndefined();
    await expect(h.engine.pause(id)).rejects.toThrow(/cannot pause a paused/);
    expect(await h.engine.resume(id)).toBe('queued');
    const done = await h.until(id, ['succeeded']);
    expect(done.output).toEqual({ ok: true });
    await expect(h.engine.resume(id)).rejects.toThrow(/cannot resume a succeeded/);
  });

  it('stops a running node through its AbortSignal', async () => {
    const f = forever();
    const h = harness({ 'test.forever': f.handler });
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('f', 'test.forever')], edges: [e('t', 'f')] });
    await f.entered;
    await h.engine.stop(id);
    const rec = await h.until(id, ['stopped']);
    expect(f.aborted()).toBe(true);
    expect(rec.finishedAt).toBeTruthy();
    await expect(h.engine.stop(id)).rejects.toThrow(/cannot stop a stopped/);
  });

  it('stops waiting, paused and queued executions', async () => {
    const h = harness();
    const waiting = await h.run({ nodes: [n('t', 'trigger.manual'), n('ok', 'flow.approval')], edges: [e('t', 'ok')] });
    await h.until(waiting, ['waiting']);
    expect(await h.engine.stop(waiting)).toBe('stopped');
    await expect(h.engine.respond(waiting, 'ok', { decision: 'approved' })).rejects.toThrow();
  });

  it('retries a failing node with backoff, then succeeds', async () => {
    let calls = 0;
    const h = harness({ 'test.flaky': { run: async () => { if (++calls < 3) throw new Error('flaky'); return { kind: 'output', data: calls }; } } });
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('f', 'test.flaky', {}, { retry: { maxAttempts: 3, backoffMs: 5 } })], edges: [e('t', 'f')] });
    const rec = await h.until(id, ['succeeded']);
    expect(rec.output).toBe(3);
    expect(rec.state.steps.f!.attempt).toBe(3);
  });

  it('fails the run on a node error, or follows the error branch when there is one, or continues by policy', async () => {
    const boom: NodeHandler = { run: async () => { throw Object.assign(new Error('kaput'), { code: 'KAPUT' }); } };
    const h = harness({ 'test.boom': boom });
    const failed = await h.until(await h.run({ nodes: [n('t', 'trigger.manual'), n('b', 'test.boom'), n('x', 'data.set')], edges: [e('t', 'b'), e('b', 'x')] }), ['failed']);
    expect(failed.error).toEqual({ code: 'KAPUT', message: 'kaput', nodeId: 'b' });
    const branched = await h.until(await h.run({ nodes: [n('t', 'trigger.manual'), n('b', 'test.boom'), n('x', 'data.set'), n('handle', 'data.transform', { output: '{{ $input.error.code }}' })], edges: [e('t', 'b'), e('b', 'x'), e('b', 'handle', 'error')] }), ['succeeded']);
    expect(branched.output).toBe('KAPUT');
    expect(branched.state.steps.x!.status).toBe('skipped');
    const continued = await h.until(await h.run({ nodes: [n('t', 'trigger.manual'), n('b', 'test.boom'), n('x', 'data.set')], edges: [e('t', 'b'), e('b', 'x')] }, {}, { errorPolicy: 'continue' }), ['succeeded']);
    expect(continued.state.steps.b!.status).toBe('failed');
  });

  it('fails a node whose output is over the cap, with a clear code, and stays up', async () => {
    const h = harness({ 'test.big': { run: async () => ({ kind: 'output', data: 'x'.repeat(20_000) }) } });
    const rec = await h.until(await h.run({ nodes: [n('t', 'trigger.manual'), n('big', 'test.big')], edges: [e('t', 'big')] }), ['failed']);
    expect(rec.error?.code).toBe('OUTPUT_TOO_LARGE');
  });

  it('fails a run that exceeds the workflow timeout', async () => {
    const h = harness({ 'test.forever': forever().handler });
    const rec = await h.until(await h.run({ nodes: [n('t', 'trigger.manual'), n('f', 'test.forever')], edges: [e('t', 'f')] }, {}, { timeoutSeconds: 0.05 }), ['failed']);
    expect(rec.error?.code).toBe('TIMEOUT');
  });

  it('resumes a timer wait when it fires', async () => {
    const h = harness();
    const rec = await h.until(await h.run({ nodes: [n('t', 'trigger.manual'), n('w', 'flow.wait', { seconds: 0.05 }), n('x', 'data.set', { values: { after: true } })], edges: [e('t', 'w'), e('w', 'x')] }), ['succeeded']);
    expect(rec.output).toEqual({ after: true });
  });

  it('takes the declared outcome when a human request times out', async () => {
    const h = harness();
    const rec = await h.until(await h.run({ nodes: [n('t', 'trigger.manual'), n('ok', 'flow.approval', { timeoutSeconds: 0.05, timeoutDecision: 'approved' })], edges: [e('t', 'ok')] }), ['succeeded']);
    expect(rec.output).toMatchObject({ decision: 'approved', timedOut: true });
  });

  it('records an AI node’s thoughts as events', async () => {
    const h = harness();
    const id = await h.run({ nodes: [n('t', 'trigger.manual'), n('a', 'ai.agent', { prompt: 'hi' })], edges: [e('t', 'a')] });
    await h.until(id, ['succeeded']);
    const kinds = h.store.events.filter((x) => x.executionId === id && x.type === 'thought').map((x) => x.data.kind);
    expect(kinds).toEqual(['thought', 'action', 'observation']);
  });

  it('runs the version it started with, never a later edit', async () => {
    const workflows = createMemoryWorkflows();
    const h = harness({}, 'v', createMemoryRunStore(), workflows);
    const v1 = { workflowId: 'same', version: 1, definition: { nodes: [n('t', 'trigger.manual'), n('s', 'data.set', { values: { v: 1 } })], edges: [e('t', 's')] }, settings: {} };
    workflows.add(v1);
    workflows.add({ ...v1, version: 2, definition: { nodes: [n('t', 'trigger.manual'), n('s', 'data.set', { values: { v: 2 } })], edges: [e('t', 's')] } });
    const rec = await h.engine.start({ ownerId: 'o', workflow: v1, input: {} });
    expect((await h.until(rec.id, ['succeeded'])).output).toEqual({ v: 1 });
  });

  it('continues after a crash from the last finished node, running the interrupted node again', async () => {
    const store = createMemoryRunStore();
    const workflows = createMemoryWorkflows();
    let firstCalls = 0;
    const hang = { 'test.once': { run: () => (firstCalls++, new Promise<never>(() => undefined)) } };
    const a = harness(hang, 'process-a', store, workflows);
    const id = await a.run({ nodes: [n('t', 'trigger.manual'), n('s', 'data.set', { values: { a: 1 } }), n('o', 'test.once'), n('z', 'data.set', { values: { z: 1 } })], edges: [e('t', 's'), e('s', 'o'), e('o', 'z')] });
    await new Promise((r) => setTimeout(r, 50));
    expect(firstCalls).toBe(1);
    // process-a "dies": its lease expires; process-b starts and recovers.
    store.expireLeases();
    let secondCalls = 0;
    const b = harness({ 'test.once': { run: async () => (secondCalls++, { kind: 'output', data: 'again' }) } }, 'process-b', store, workflows);
    await b.engine.recover();
    const rec = await b.until(id, ['succeeded']);
    expect(secondCalls).toBe(1);
    expect(rec.state.steps.s!.status).toBe('succeeded');
    expect(rec.output).toEqual({ z: 1 });
    // Finished nodes were not run again.
    expect(b.store.events.filter((x) => x.executionId === id && x.type === 'node.started' && x.data.nodeId === 's')).toHaveLength(1);
  });
});
