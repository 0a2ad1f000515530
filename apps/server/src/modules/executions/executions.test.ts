import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeHandler } from '@gatehouse/engine';
import { auth, registerUser, setUser, type TestUser } from '../../testing/users.ts';
import { openTestDatabase } from '../../testing/database.ts';
import { createExecutionsTestApp, createMemoryWorkflowSource, type ExecutionsTestApp } from './testing.ts';

/** `test.gate` runs until the test releases it; `entered` resolves once a run is inside it. */
let gate: { release: () => void; promise: Promise<void>; entered: Promise<void>; enter: () => void };
const newGate = () => {
  let release!: () => void;
  let enter!: () => void;
  const promise = new Promise<void>((r) => (release = r));
  const entered = new Promise<void>((r) => (enter = r));
  gate = { release, promise, entered, enter };
};
newGate();
const handlers: Record<string, NodeHandler> = {
  'test.gate': {
    run: async () => {
      gate.enter();
      await gate.promise;
      return { kind: 'output', data: 'opened' };
    },
  },
};

let t: ExecutionsTestApp;
let alice: TestUser;
let bob: TestUser;
beforeAll(async () => {
  t = await createExecutionsTestApp({ handlers });
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
  // Enterprise: 200 executions a minute, so the spec's free limit (5) does not cut the suite short.
  await setUser(t.container, alice.id, { tier: 'enterprise' });
});
afterAll(async () => t?.close());

const n = (id: string, type: string, config: Record<string, unknown> = {}) => ({ id, type, config });
const e = (source: string, target: string, sourceHandle?: string) => ({ id: `${source}-${target}-${sourceHandle ?? ''}`, source, target, ...(sourceHandle ? { sourceHandle } : {}) });
let wfCounter = 0;
const wfId = () => `00000000-0000-4000-a000-${String(++wfCounter).padStart(12, '0')}`;

function workflow(u: TestUser, nodes: ReturnType<typeof n>[], edges: ReturnType<typeof e>[]) {
  const id = wfId();
  t.workflows.put(u.id, id, { nodes, edges });
  return id;
}
const post = (u: TestUser, url: string, payload: unknown = {}) => t.app.inject({ method: 'POST', url, headers: auth(u), payload: payload as object });
const get = (u: TestUser, url: string) => t.app.inject({ method: 'GET', url, headers: auth(u) });
async function until(u: TestUser, id: string, statuses: string[]) {
  // Generous: CI machines are small and busy. Only a run that never gets there fails.
  for (const end = Date.now() + 20_000; Date.now() < end; ) {
    const s = (await get(u, `/api/orchestrator/executions/${id}/status/`)).json().data;
    if (statuses.includes(s.status)) return s;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never reached ${statuses}`);
}

describe('executing a workflow', () => {
  it('answers 202 with the execution id, then reports status, steps, output and timings', async () => {
    const id = workflow(alice, [n('t', 'trigger.manual'), n('s', 'data.set', { values: { greeting: 'hi {{ $input.name }}' } })], [e('t', 's')]);
    const res = await post(alice, `/api/orchestrator/workflows/${id}/execute/`, { input: { name: 'Ada' } });
    expect(res.statusCode).toBe(202);
    const { executionId, status } = res.json().data;
    expect(status).toBe('queued');
    const s = await until(alice, executionId, ['succeeded']);
    expect(s.output).toEqual({ greeting: 'hi Ada' });
    expect(s.steps.map((x: { nodeId: string; status: string }) => [x.nodeId, x.status])).toEqual([['t', 'succeeded'], ['s', 'succeeded']]);
    expect(s.steps[1].durationMs).toBeGreaterThanOrEqual(0);
    expect(s.startedAt).toBeTruthy();
    expect(s.finishedAt).toBeTruthy();
  });

  it("answers another user's workflow with 404 and starts nothing", async () => {
    const id = workflow(alice, [n('t', 'trigger.manual')], []);
    const res = await post(bob, `/api/orchestrator/workflows/${id}/execute/`);
    expect(res.statusCode).toBe(404);
  });

  it('refuses a workflow that does not compile with 422 and the problem list, creating no execution', async () => {
    const id = workflow(alice, [n('t', 'trigger.manual'), n('x', 'unknown.thing')], [e('t', 'x')]);
    const res = await post(alice, `/api/orchestrator/workflows/${id}/execute/`);
    expect(res.statusCode).toBe(422);
    expect(res.json().details.problems[0]).toMatchObject({ code: 'UNKNOWN_NODE_TYPE', nodeId: 'x' });
    const { executions } = await import('./executions.tables.ts');
    const { eq } = await import('drizzle-orm');
    expect(await t.container.database.db.select().from(executions).where(eq(executions.workflowId, id))).toHaveLength(0);
  });

  it("refuses input that fails the trigger's schema with 400", async () => {
    const id = workflow(alice, [n('t', 'trigger.manual', { inputSchema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } })], []);
    const bad = await post(alice, `/api/orchestrator/workflows/${id}/execute/`, { input: { n: 'x' } });
    expect(bad.statusCode).toBe(400);
    // The problem points into the request's `input` field.
    expect(bad.json().details[0].path).toBe('input.n');
    expect((await post(alice, `/api/orchestrator/workflows/${id}/execute/`, { input: { n: 1 } })).statusCode).toBe(202);
  });

  it('runs a background test of the current draft, marked as a test', async () => {
    const id = workflow(alice, [n('t', 'trigger.manual')], []);
    const res = await post(alice, `/api/orchestrator/workflows/${id}/test/`);
    expect(res.statusCode).toBe(202);
    const s = await until(alice, res.json().data.executionId, ['succeeded']);
    expect(s.mode).toBe('test');
  });
});

describe('controlling an execution', () => {
  it('pauses at the next node boundary, refuses a second pause with 409, and resumes', async () => {
    newGate();
    const id = workflow(alice, [n('t', 'trigger.manual'), n('g', 'test.gate'), n('after', 'data.set', { values: { done: true } })], [e('t', 'g'), e('g', 'after')]);
    const exec = (await post(alice, `/api/orchestrator/workflows/${id}/execute/`)).json().data.executionId;
    // Inside the gate node, not merely running: a pause that lands while the trigger runs takes effect before `g`.
    await gate.entered;
    const running = await until(alice, exec, ['running']);
    expect(running.steps.find((s: { nodeId: string }) => s.nodeId === 'g')).toMatchObject({ status: 'running', finishedAt: null });
    const pause = await post(alice, `/api/orchestrator/executions/${exec}/pause/`);
    expect(pause.statusCode).toBe(202);
    gate.release();
    const paused = await until(alice, exec, ['paused']);
    expect(paused.steps.map((s: { nodeId: string }) => s.nodeId)).toEqual(['t', 'g']);
    const again = await post(alice, `/api/orchestrator/executions/${exec}/pause/`);
    expect(again.statusCode).toBe(409);
    expect(again.json().details.status).toBe('paused');
    expect((await post(alice, `/api/orchestrator/executions/${exec}/resume/`)).statusCode).toBe(202);
    expect((await until(alice, exec, ['succeeded'])).output).toEqual({ done: true });
    const late = await post(alice, `/api/orchestrator/executions/${exec}/resume/`);
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'INVALID_EXECUTION_STATE', details: { status: 'succeeded' } });
  });

  it('stops a waiting execution and cancels its open request', async () => {
    const id = workflow(alice, [n('t', 'trigger.manual'), n('ok', 'flow.approval', { prompt: 'Ship it?' })], [e('t', 'ok')]);
    const exec = (await post(alice, `/api/orchestrator/workflows/${id}/execute/`)).json().data.executionId;
    await until(alice, exec, ['waiting']);
    expect((await post(alice, `/api/orchestrator/executions/${exec}/stop/`)).statusCode).toBe(202);
    await until(alice, exec, ['stopped']);
    const pending = (await get(alice, '/api/orchestrator/hitl/pending/')).json().data;
    expect(pending.find((h: { executionId: string }) => h.executionId === exec)).toBeUndefined();
  });

  it("answers another user's execution with 404 on every route and changes nothing", async () => {
    const id = workflow(alice, [n('t', 'trigger.manual'), n('ok', 'flow.approval')], [e('t', 'ok')]);
    const exec = (await post(alice, `/api/orchestrator/workflows/${id}/execute/`)).json().data.executionId;
    await until(alice, exec, ['waiting']);
    for (const action of ['pause', 'resume', 'stop']) {
      expect((await post(bob, `/api/orchestrator/executions/${exec}/${action}/`)).statusCode, action).toBe(404);
    }
    expect((await get(bob, `/api/orchestrator/executions/${exec}/status/`)).statusCode).toBe(404);
    expect((await get(bob, `/api/orchestrator/executions/${exec}/thoughts/`)).statusCode).toBe(404);
    expect((await until(alice, exec, ['waiting'])).status).toBe('waiting');
    await post(alice, `/api/orchestrator/executions/${exec}/stop/`);
  });

  it('refuses malformed execution ids with 400', async () => {
    expect((await get(alice, '/api/orchestrator/executions/not-an-id/status/')).statusCode).toBe(400);
  });
});

describe('human in the loop', () => {
  const form = { type: 'object', required: ['reason'], properties: { reason: { type: 'string', minLength: 3 } } };

  it('lists the open request, validates the response against its form, answers once, and finishes the run', async () => {
    const id = workflow(alice, [n('t', 'trigger.manual'), n('ok', 'flow.approval', { prompt: 'Refund {{ $input.amount }}?', formSchema: form }), n('yes', 'data.set', { values: { refunded: true } })], [e('t', 'ok'), e('ok', 'yes', 'approved')]);
    const exec = (await post(alice, `/api/orchestrator/workflows/${id}/execute/`, { input: { amount: 20 } })).json().data.executionId;
    await until(alice, exec, ['waiting']);
    const pending = (await get(alice, '/api/orchestrator/hitl/pending/')).json();
    const req = pending.data.find((h: { executionId: string }) => h.executionId === exec);
    expect(req).toMatchObject({ prompt: 'Refund 20?', status: 'open', formSchema: form });
    expect((await get(bob, '/api/orchestrator/hitl/pending/')).json().data.find((h: { id: string }) => h.id === req.id)).toBeUndefined();

    const bad = await post(alice, `/api/orchestrator/hitl/${req.id}/respond/`, { decision: 'approved', data: { reason: 'no' } });
    expect(bad.statusCode).toBe(400);
    expect((await post(bob, `/api/orchestrator/hitl/${req.id}/respond/`, { decision: 'approved', data: { reason: 'mine now' } })).statusCode).toBe(404);
    const [first, second] = await Promise.all([
      post(alice, `/api/orchestrator/hitl/${req.id}/respond/`, { decision: 'approved', data: { reason: 'customer is right' } }),
      post(alice, `/api/orchestrator/hitl/${req.id}/respond/`, { decision: 'approved', data: { reason: 'customer is right' } }),
    ]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([202, 409]);
    const s = await until(alice, exec, ['succeeded']);
    expect(s.output).toEqual({ refunded: true });
  });

  it('refuses an unknown decision and unknown fields with 400', async () => {
    const res = await post(alice, '/api/orchestrator/hitl/00000000-0000-4000-8000-000000000000/respond/', { decision: 'maybe' });
    expect(res.statusCode).toBe(400);
  });
});

describe('partial execution and thoughts', () => {
  it('runs one node with a given input and nothing else', async () => {
    const id = workflow(alice, [n('t', 'trigger.manual'), n('s', 'data.set', { values: { twice: '{{ $input.v * 2 }}' } }), n('z', 'test.gate')], [e('t', 's'), e('s', 'z')]);
    const res = await post(alice, `/api/orchestrator/workflows/${id}/partial-execute/`, { nodeId: 's', input: { v: 4 } });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ nodeId: 's', status: 'succeeded', output: { twice: 8 } });
  });

  it("runs one node with the upstream data an earlier execution recorded, but not with another user's", async () => {
    const id = workflow(alice, [n('t', 'trigger.manual'), n('a', 'data.set', { values: { v: 5 } }), n('b', 'data.transform', { output: '{{ $input.v + 1 }}' })], [e('t', 'a'), e('a', 'b')]);
    const exec = (await post(alice, `/api/orchestrator/workflows/${id}/execute/`)).json().data.executionId;
    await until(alice, exec, ['succeeded']);
    const res = await post(alice, `/api/orchestrator/workflows/${id}/partial-execute/`, { nodeId: 'b', fromExecutionId: exec });
    expect(res.json().data.output).toBe(6);
    t.workflows.put(bob.id, wfId(), { nodes: [n('t', 'trigger.manual')], edges: [] });
    const foreign = await post(bob, `/api/orchestrator/workflows/${id}/partial-execute/`, { nodeId: 'b', fromExecutionId: exec });
    expect(foreign.statusCode).toBe(404);
    expect((await post(alice, `/api/orchestrator/workflows/${id}/partial-execute/`, { nodeId: 'nope' })).statusCode).toBe(422);
  });

  it("returns an AI node's thoughts in order", async () => {
    const id = workflow(alice, [n('t', 'trigger.manual'), n('ai', 'ai.agent', { prompt: 'plan the trip' })], [e('t', 'ai')]);
    const exec = (await post(alice, `/api/orchestrator/workflows/${id}/execute/`)).json().data.executionId;
    await until(alice, exec, ['succeeded']);
    const thoughts = (await get(alice, `/api/orchestrator/executions/${exec}/thoughts/`)).json().data;
    expect(thoughts.map((x: { kind: string }) => x.kind)).toEqual(['thought', 'action', 'observation']);
    expect(thoughts[0]).toMatchObject({ nodeId: 'ai', stepId: expect.any(String), at: expect.any(String) });
  });
});

describe('sub-workflows', () => {
  it("runs the owner's child workflow and returns its output", async () => {
    const child = workflow(alice, [n('t', 'trigger.manual'), n('d', 'data.transform', { output: '{{ $input.v * 10 }}' })], [e('t', 'd')]);
    const parent = workflow(alice, [n('t', 'trigger.manual'), n('sub', 'flow.subworkflow', { workflowId: child, input: { v: '{{ $input.v }}' } })], [e('t', 'sub')]);
    const exec = (await post(alice, `/api/orchestrator/workflows/${parent}/execute/`, { input: { v: 4 } })).json().data.executionId;
    const s = await until(alice, exec, ['succeeded', 'failed']);
    expect(s.output).toMatchObject({ output: 40 });
  });

  it("refuses another user's workflow as a child", async () => {
    const foreign = workflow(bob, [n('t', 'trigger.manual')], []);
    const parent = workflow(alice, [n('t', 'trigger.manual'), n('sub', 'flow.subworkflow', { workflowId: foreign })], [e('t', 'sub')]);
    const exec = (await post(alice, `/api/orchestrator/workflows/${parent}/execute/`)).json().data.executionId;
    const s = await until(alice, exec, ['succeeded', 'failed']);
    expect(s.error).toMatchObject({ code: 'SUBWORKFLOW_NOT_FOUND' });
  });

  it('stops a workflow that calls itself at the depth limit', async () => {
    const id = wfId();
    t.workflows.put(alice.id, id, { nodes: [n('t', 'trigger.manual'), n('sub', 'flow.subworkflow', { workflowId: id })], edges: [e('t', 'sub')] });
    const exec = (await post(alice, `/api/orchestrator/workflows/${id}/execute/`)).json().data.executionId;
    const s = await until(alice, exec, ['succeeded', 'failed']);
    expect(s.status).toBe('failed');
    expect(JSON.stringify(s.error)).toMatch(/SUBWORKFLOW_TOO_DEEP|deeper than/);
  });
});

describe('restarts', () => {
  it('finishes an execution after the server is killed mid-run', async () => {
    const database = await openTestDatabase();
    const workflows = createMemoryWorkflowSource();
    const hang: NodeHandler = { run: () => new Promise<never>(() => undefined) };
    const first = await createExecutionsTestApp({ database: { ...database, close: async () => undefined }, workflows, handlers: { 'test.step': hang } });
    const u = await registerUser(first.app);
    const id = wfId();
    workflows.put(u.id, id, { nodes: [n('t', 'trigger.manual'), n('a', 'data.set', { values: { a: 1 } }), n('s', 'test.step'), n('z', 'data.set', { values: { z: 1 } })], edges: [e('t', 'a'), e('a', 's'), e('s', 'z')] });
    const exec = (await first.app.inject({ method: 'POST', url: `/api/orchestrator/workflows/${id}/execute/`, headers: auth(u) })).json().data.executionId;
    // Node `a` is saved as finished before `s` (which never returns) starts.
    for (const end = Date.now() + 20_000; Date.now() < end && (await first.module.engine.get(exec))?.state.steps.a?.status !== 'succeeded'; ) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    // "Kill": the first process stops without a graceful drain; its run stays `running` in the database, and its
    // lease runs out (a dead process renews nothing — here the lease is handed to a process that no longer exists).
    expect((await first.module.engine.get(exec))?.status).toBe('running');
    const { executions } = await import('./executions.tables.ts');
    const { eq } = await import('drizzle-orm');
    await database.db.update(executions).set({ leaseOwner: 'dead-process', leaseUntil: 0 }).where(eq(executions.id, exec));
    const second = await createExecutionsTestApp({ database, workflows, handlers: { 'test.step': { run: async () => ({ kind: 'output', data: 'ok' }) } } });
    try {
      let s;
      for (const end = Date.now() + 20_000; Date.now() < end; ) {
        s = await second.module.engine.get(exec);
        if (s?.status === 'succeeded') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(s?.status).toBe('succeeded');
      expect(s?.output).toEqual({ z: 1 });
    } finally {
      await second.close();
    }
  });
});
