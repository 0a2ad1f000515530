/** Test helpers for the workflow modules: sample definitions and a small client that acts as one user. */
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { WorkflowDefinition, WorkflowEdge, WorkflowNode } from '@gatehouse/engine';
import { auth, type TestUser } from '../../testing/users.ts';

export const node = (id: string, type = 'data.set', config: Record<string, unknown> = {}): WorkflowNode => ({ id, type, config });
export const edge = (source: string, target: string, sourceHandle?: string): WorkflowEdge => ({
  id: `${source}-${target}`,
  source,
  target,
  ...(sourceHandle ? { sourceHandle } : {}),
});

/** trigger → fetch → shape: valid, with one template reading an upstream node. */
export function sampleDefinition(extraNodes: WorkflowNode[] = [], extraEdges: WorkflowEdge[] = []): WorkflowDefinition {
  return {
    nodes: [
      node('start', 'trigger.manual'),
      node('fetch', 'http.request', { url: 'https://api.example.com/items/{{ $input.id }}' }),
      node('shape', 'data.set', { values: { name: '{{ $node.fetch.body.name }}' } }),
      ...extraNodes,
    ],
    edges: [edge('start', 'fetch'), edge('fetch', 'shape'), ...extraEdges],
  };
}

export const WF = '/api/orchestrator/workflows/';

export function client(app: FastifyInstance, user: TestUser) {
  const call = (method: InjectOptions['method'], url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { ...auth(user), ...headers }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, payload: unknown = {}, headers?: Record<string, string>) => call('POST', url, payload, headers),
    put: (url: string, payload: unknown, headers?: Record<string, string>) => call('PUT', url, payload, headers),
    del: (url: string) => call('DELETE', url),
    /** Creates a workflow and returns its id. */
    async create(payload: Record<string, unknown> = {}): Promise<string> {
      const res = await call('POST', WF, { name: 'wf', definition: sampleDefinition(), ...payload });
      if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
      return res.json().data.id as string;
    },
  };
}
