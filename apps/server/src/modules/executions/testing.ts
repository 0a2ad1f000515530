/**
 * Test wiring for the executions module: an app whose executions run workflows from an in-memory source, so the
 * engine, the database adapter and the routes are exercised without the workflows module.
 */
import type { NodeHandler, Problem, WorkflowDefinition, WorkflowSettings, WorkflowSnapshot } from '@gatehouse/engine';
import { buildApp } from '../../app.ts';
import { createContainer } from '../../container.ts';
import { openTestDatabase } from '../../testing/database.ts';
import { testConfig, type TestApp } from '../../testing/app.ts';
import type { RouteSpec } from '../../http/route.ts';
import type { ExecutionsModule, ExecutionsWorkflowSource } from './executions.module.ts';

export function createMemoryWorkflowSource() {
  const versions = new Map<string, { ownerId: string; snapshots: WorkflowSnapshot[] }>();
  const source: ExecutionsWorkflowSource & { put(ownerId: string, id: string, definition: WorkflowDefinition, settings?: WorkflowSettings): WorkflowSnapshot } = {
    put(ownerId, id, definition, settings = {}) {
      const entry = versions.get(id) ?? { ownerId, snapshots: [] };
      versions.set(id, entry);
      const snap = { workflowId: id, version: entry.snapshots.length + 1, definition, settings };
      entry.snapshots.push(snap);
      return snap;
    },
    async snapshot(ownerId, id, version) {
      const e = versions.get(id);
      if (!e || e.ownerId !== ownerId) return null;
      return version ? (e.snapshots[version - 1] ?? null) : (e.snapshots.at(-1) ?? null);
    },
    async versionForRun(ownerId, id, version) {
      return this.snapshot(ownerId, id, version);
    },
    async ownerOf(id) {
      const e = versions.get(id);
      const latest = e?.snapshots.at(-1);
      return e ? { ownerId: e.ownerId, ...(latest ? { snapshot: latest } : {}) } : null;
    },
    // The real source runs the compiler; here only what the executions tests need: unknown types are errors.
    async problems(_ownerId, snap): Promise<Problem[]> {
      return snap.definition.nodes
        .filter((n) => n.type.startsWith('unknown.'))
        .map((n) => ({ code: 'UNKNOWN_NODE_TYPE', severity: 'error' as const, message: `unknown node type ${n.type}`, nodeId: n.id }));
    },
  };
  return source;
}

export interface ExecutionsTestApp extends TestApp {
  readonly module: ExecutionsModule;
  readonly workflows: ReturnType<typeof createMemoryWorkflowSource>;
}

export async function createExecutionsTestApp(opts: {
  handlers?: Record<string, NodeHandler>;
  extraRoutes?: (m: ExecutionsModule) => RouteSpec[];
  database?: Awaited<ReturnType<typeof openTestDatabase>>;
  workflows?: ReturnType<typeof createMemoryWorkflowSource>;
  /** Worker slots of the engine's queue (default 64). */
  concurrency?: number;
} = {}): Promise<ExecutionsTestApp> {
  const config = testConfig();
  const database = opts.database ?? (await openTestDatabase());
  const workflows = opts.workflows ?? createMemoryWorkflowSource();
  const container = await createContainer(config, { database, executions: { workflows, handlers: (t) => opts.handlers?.[t], ...(opts.concurrency ? { concurrency: opts.concurrency } : {}) } });
  const module = container.executions;
  const app = await buildApp({ ...container, routes: [...container.routes, ...(opts.extraRoutes?.(module) ?? [])] });
  return {
    app,
    container,
    module,
    workflows,
    async close() {
      await app.close();
      await container.close();
    },
  };
}
