import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeHandler } from '@gatehouse/engine';
import { auth, registerUser, setUser, type TestUser } from '../../testing/users.ts';
import { createExecutionsTestApp, type ExecutionsTestApp } from './testing.ts';

/** `test.gate` runs until the test opens it; `entered` resolves once a run is inside it. */
function gate() {
  let open!: () => void;
  let enter!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const entered = new Promise<void>((r) => (enter = r));
  return { open, opened, entered, enter };
}
let current = gate();
const handlers: Record<string, NodeHandler> = {
  'test.gate': {
    run: async () => {
      const g = current;
      g.enter();
      await g.opened;
      return { kind: 'output', data: 'opened' };
    },
  },
};

// Few worker slots, so "more parents than slots" needs only a handful of runs.
const SLOTS = 3;
let t: ExecutionsTestApp;
let alice: TestUser;
beforeAll(async () => {
  t = await createExecutionsTestApp({ handlers, concurrency: SLOTS });
  alice = await registerUser(t.app);
  await setUser(t.container, alice.id, { tier: 'enterprise' });
});
afterAll(async () => t?.close());

const n = (id: string, type: string, config: Record<string, unknown> = {}) => ({ id, type, config });
const e = (source: string, target: string, sourceHandle?: string) => ({ id: `${source}-${target}-${sourceHandle ?? ''}`, source, target, ...(sourceHandle ? { sourceHandle } : {}) });
let wfCounter = 0;
const wfId = () => `00000000-0000-4000-b000-${String(++wfCounter).padStart(12, '0')}`;
function workflow(nodes: ReturnType<typeof n>[], edges: ReturnType<typeof e>[]) {
  const id = wfId();
  t.workflows.put(alice.id, id, { nodes, edges });
  return id;
}
const post = (url: string, payload: unknown = {}) => t.app.inject({ method: 'POST', url, headers: auth(alice), payload: payload as object });
const get = (url: string) => t.app.inject({ method: 'GET', url, headers: auth(alice) });
const execute = async (id: string, input: unknown = {}) => (await post(`/api/orchestrator/workflows/${id}/execute/`, { input })).json().data.executionId as string;
interface Status {
  status: string;
  output: unknown;
  steps: Array<{ nodeId: string; status: string; durationMs: number | null; finishedAt: string | null }>;
}
const status = async (id: string): Promise<Status> => (await get(`/api/orchestrator/executions/${id}/status/`)).json().data;
async function until(id: string, test: (s: Status) => boolean, what: string, ms = 20_000): Promise<Status> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) {
    const s = await status(id);
    if (test(s)) return s;
  }
  throw new Error(`never reached: ${what}`);
}
const reached = (id: string, statuses: string[]) => until(id, (s) => statuses.includes(s.status), statuses.join('|'));
const pendingFor = async (exec: string) => ((await get('/api/orchestrator/hitl/pending/')).json().data as Array<{ id: string; executionId: string }>).find((h) => h.executionId === exec);

describe('an approval on a parallel branch', () => {
  it('takes the answer while the run is still busy on the other branch, and finishes', async () => {
    current = gate();
    const id = workflow(
      [n('t', 'trigger.manual'), n('ok', 'flow.approval', { prompt: 'Ship?' }), n('busy', 'test.gate'), n('after', 'data.transform', { output: '{{ $input.decision }}' })],
      [e('t', 'ok'), e('t', 'busy'), e('ok', 'after', 'approved')],
    );
    const exec = await execute(id);
    await current.entered;
    const req = await pendingFor(exec);
    expect(req).toBeDefined();
    expect((await status(exec)).status).toBe('running');
    const answer = await post(`/api/orchestrator/hitl/${req!.id}/respond/`, { decision: 'approved' });
    expect(answer.statusCode).toBe(202);
    expect(answer.json().data).toMatchObject({ status: 'answered' });
    expect(await pendingFor(exec)).toBeUndefined();
    current.open();
    const done = await reached(exec, ['succeeded', 'failed', 'waiting']);
    expect(done.status).toBe('succeeded');
    expect(done.output).toEqual({ busy: 'opened', after: 'approved' });
  });
});

describe('sub-workflows', () => {
  it('finish when more parents wait on children than there are worker slots', async () => {
    const child = workflow([n('t', 'trigger.manual'), n('w', 'flow.wait', { seconds: 0.3 }), n('d', 'data.transform', { output: '{{ $input.v * 10 }}' })], [e('t', 'w'), e('w', 'd')]);
    const parent = workflow([n('t', 'trigger.manual'), n('sub', 'flow.subworkflow', { workflowId: child, input: { v: '{{ $input.v }}' } })], [e('t', 'sub')]);
    const runs = await Promise.all(Array.from({ length: SLOTS * 3 }, (_, v) => execute(parent, { v })));
    // Someone else's work is not held up either.
    const other = await execute(workflow([n('t', 'trigger.manual'), n('s', 'data.set', { values: { ok: true } })], [e('t', 's')]));
    expect((await reached(other, ['succeeded'])).output).toEqual({ ok: true });
    // One poller at a time: many at once would mostly measure the embedded database serving them.
    const done = [];
    for (const r of runs) done.push(await reached(r, ['succeeded', 'failed']));
    expect(done.map((s) => (s.output as { output: number }).output)).toEqual(Array.from({ length: SLOTS * 3 }, (_, v) => v * 10));
  });

  it('stops the child when the waiting parent is stopped', async () => {
    const child = workflow([n('t', 'trigger.manual'), n('ok', 'flow.approval', { prompt: 'Child?' })], [e('t', 'ok')]);
    const parent = workflow([n('t', 'trigger.manual'), n('sub', 'flow.subworkflow', { workflowId: child })], [e('t', 'sub')]);
    const exec = await execute(parent);
    await reached(exec, ['waiting']);
    const childId = (await t.module.engine.get(exec))!.state.steps.sub!.wait as { executionId: string };
    await reached(childId.executionId, ['waiting']);
    expect((await post(`/api/orchestrator/executions/${exec}/stop/`)).statusCode).toBe(202);
    await reached(childId.executionId, ['stopped']);
    expect((await status(exec)).steps.find((s) => s.nodeId === 'sub')).toMatchObject({ status: 'cancelled' });
  });
});

describe('waiting runs', () => {
  it('pauses a waiting run, keeps it paused after the answer, and finishes after resume', async () => {
    const id = workflow([n('t', 'trigger.manual'), n('ok', 'flow.approval', { prompt: 'Go?' }), n('x', 'data.set', { values: { went: true } })], [e('t', 'ok'), e('ok', 'x', 'approved')]);
    const exec = await execute(id);
    await reached(exec, ['waiting']);
    const pause = await post(`/api/orchestrator/executions/${exec}/pause/`);
    expect(pause.statusCode).toBe(202);
    expect(pause.json().data.status).toBe('paused');
    const req = await pendingFor(exec);
    expect((await post(`/api/orchestrator/hitl/${req!.id}/respond/`, { decision: 'approved' })).statusCode).toBe(202);
    expect((await status(exec)).status).toBe('paused');
    expect((await post(`/api/orchestrator/executions/${exec}/resume/`)).statusCode).toBe(202);
    expect((await reached(exec, ['succeeded'])).output).toEqual({ went: true });
  });

  it('shows a resumed approval step with the time it waited, and the steps of a stopped run as cancelled', async () => {
    const id = workflow([n('t', 'trigger.manual'), n('a', 'flow.approval', { prompt: 'A?' }), n('b', 'flow.approval', { prompt: 'B?' })], [e('t', 'a'), e('a', 'b', 'approved')]);
    const exec = await execute(id);
    await reached(exec, ['waiting']);
    await new Promise((r) => setTimeout(r, 60));
    await post(`/api/orchestrator/hitl/${(await pendingFor(exec))!.id}/respond/`, { decision: 'approved' });
    const second = await until(exec, (s) => s.status === 'waiting' && s.steps.some((x) => x.nodeId === 'b'), 'the second approval to wait');
    expect(second.steps.find((x) => x.nodeId === 'a')!.durationMs).toBeGreaterThanOrEqual(50);
    expect(second.steps.find((x) => x.nodeId === 'b')).toMatchObject({ status: 'waiting', durationMs: null });
    await post(`/api/orchestrator/executions/${exec}/stop/`);
    const stopped = await reached(exec, ['stopped']);
    expect(stopped.steps.find((x) => x.nodeId === 'b')).toMatchObject({ status: 'cancelled', finishedAt: expect.any(String) });
  });
});

describe('edges without a sourceHandle', () => {
  it("leave from the source type's first output, as the compiler reads them", async () => {
    const id = workflow([n('t', 'trigger.manual'), n('if', 'logic.if', { condition: true }), n('s', 'data.set', { values: { ran: true } })], [e('t', 'if'), e('if', 's')]);
    const s = await reached(await execute(id), ['succeeded']);
    expect(s.output).toEqual({ ran: true });
    expect(s.steps.map((x) => x.nodeId)).toEqual(['t', 'if', 's']);
  });
});
