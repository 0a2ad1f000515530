/**
 * A real app with the executions module and the stream routes, listening on 127.0.0.1, for the stream tests and
 * bench/stream-fanout.ts: the container's executions module, fed from an in-memory workflow source.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import jsonata from 'jsonata';
import type { Principal, Tier } from '@gatehouse/policy';
import type { ExpressionEvaluator, NodeHandler, WorkflowDefinition, WorkflowSnapshot } from '@gatehouse/engine';
import type { ContainerOverrides } from '../../../container.ts';
import type { AuthedContext } from '../../../http/context.ts';
import { createTestApp, type TestApp } from '../../../testing/app.ts';
import type { ExecutionsModule, ExecutionsWorkflowSource } from '../executions.module.ts';
import type { StreamOptions } from './deps.ts';

export const evaluate: ExpressionEvaluator = async (e, scope) =>
  jsonata(e).evaluate({}, Object.fromEntries(Object.entries(scope).map(([k, v]) => [k.replace(/^\$/, ''), v])));

export function memoryWorkflows() {
  const byId = new Map<string, { ownerId: string; snapshot: WorkflowSnapshot }>();
  const source: ExecutionsWorkflowSource & { add(ownerId: string, definition: WorkflowDefinition): string } = {
    add(ownerId, definition) {
      const workflowId = randomUUID();
      byId.set(workflowId, { ownerId, snapshot: { workflowId, version: 1, definition, settings: {} } });
      return workflowId;
    },
    snapshot: async (ownerId, id) => (byId.get(id)?.ownerId === ownerId ? byId.get(id)!.snapshot : null),
    problems: async () => [],
    versionForRun: async (ownerId, id, version) => {
      const w = byId.get(id);
      return w && w.ownerId === ownerId && w.snapshot.version === version ? w.snapshot : null;
    },
    ownerOf: async (id) => (byId.has(id) ? { ownerId: byId.get(id)!.ownerId } : null),
  };
  return source;
}

export interface StreamsApp extends TestApp {
  readonly module: ExecutionsModule;
  readonly workflows: ReturnType<typeof memoryWorkflows>;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** A service context acting as this user (what a route would pass). */
  ctxOf(userId: string, tier?: Tier): AuthedContext;
  /** Starts an execution of a new workflow owned by the user; resolves with its id. */
  run(userId: string, definition: WorkflowDefinition, input?: unknown): Promise<string>;
}

export async function createStreamsApp(
  opts: {
    options?: Partial<StreamOptions>;
    overrides?: ContainerOverrides;
    env?: Record<string, string>;
    /** Node types the test adds (e.g. one that runs until the test lets it finish). */
    handlers?: Record<string, NodeHandler>;
  } = {},
): Promise<StreamsApp> {
  const workflows = memoryWorkflows();
  const t = await createTestApp({
    ...(opts.env ? { env: opts.env } : {}),
    overrides: { ...opts.overrides, executions: { workflows, evaluate, handlers: (type) => opts.handlers?.[type] }, ...(opts.options ? { streams: opts.options } : {}) },
  });
  const module = t.container.executions;
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  const ctxOf = (userId: string, tier: Tier = 'free'): AuthedContext => {
    const principal: Principal = { userId, tier, isStaff: false, credits: 0, via: 'jwt' };
    return { requestId: `test-${randomUUID()}`, principal, ip: '127.0.0.1', log: t.app.log };
  };
  return {
    ...t,
    module,
    workflows,
    base: `http://127.0.0.1:${port}`,
    ctxOf,
    async run(userId, definition, input = {}) {
      const workflowId = workflows.add(userId, definition);
      return (await module.service.execute(ctxOf(userId), workflowId, input)).executionId;
    },
    async close() {
      // Streams first (they end on app close), then the engine and the database with the container.
      await t.app.close();
      await t.container.close();
    },
  };
}

/** Workflow shapes the stream tests run. */
export const flows = {
  /** trigger → approval → set: waits for a human, then finishes. */
  approval: (): WorkflowDefinition => ({
    nodes: [
      { id: 't', type: 'trigger.manual', config: {} },
      { id: 'ok', type: 'flow.approval', config: { prompt: 'Ship it?' } },
      { id: 'done', type: 'data.set', config: { values: { shipped: true } } },
    ],
    edges: [
      { id: 'e1', source: 't', target: 'ok' },
      { id: 'e2', source: 'ok', target: 'done', sourceHandle: 'approved' },
    ],
  }),
  /** trigger → n × set: finishes on its own. */
  chain: (n: number): WorkflowDefinition => ({
    nodes: [{ id: 't', type: 'trigger.manual', config: {} }, ...Array.from({ length: n }, (_, i) => ({ id: `s${i}`, type: 'data.set', config: { values: { i } } }))],
    edges: Array.from({ length: n }, (_, i) => ({ id: `e${i}`, source: i === 0 ? 't' : `s${i - 1}`, target: `s${i}` })),
  }),
};
