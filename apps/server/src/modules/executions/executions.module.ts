/**
 * Wires the execution engine to the database (RunStore), the in-process queue, the event bus (live streams) and the
 * node handlers, and recovers runs a previous process left behind when it starts.
 */
import { randomUUID } from 'node:crypto';
import {
  builtinHandlers,
  createEngine,
  createInProcessQueue,
  systemClock,
  testAgentHandler,
  TEST_AGENT_TYPES,
  type Engine,
  type ExpressionEvaluator,
  type NodeHandler,
  type NodeTypeSpec,
  type StoredEvent,
  type WorkflowSnapshot,
} from '@gatehouse/engine';
import type { AppModule, ModuleDeps } from '../module.ts';
import { executionOwner } from './executions.repo.ts';
import { executionRoutes } from './executions.routes.ts';
import { createExecutionsService, type WorkflowSource } from './executions.service.ts';
import { createHitlService } from './hitl.service.ts';
import { createPartialService } from './partial.service.ts';
import { createRunStore } from './run-store.ts';
import { createSchemaValidator } from './schema-validator.ts';
import { createEventHub } from './event-hub.ts';
import { subworkflowHandler } from './subworkflow.ts';
import { customNodeHandler } from './custom-nodes.ts';
import { createServerNodes } from './nodes/index.ts';


export interface ExecutionsWorkflowSource extends WorkflowSource {
  /** A version for a run that already started: found even if the workflow was deleted since. */
  versionForRun(ownerId: string, workflowId: string, version: number): Promise<WorkflowSnapshot | null>;
  /** The owner of a live workflow, for the `owner` rule, and its latest version when the source has it at hand. */
  ownerOf(workflowId: string): Promise<{ ownerId: string; snapshot?: WorkflowSnapshot } | null>;
}

export interface ExecutionsModuleOptions {
  readonly workflows: ExecutionsWorkflowSource;
  /** Node types as the owner sees them (custom implementations included). */
  readonly nodeType?: (type: string, ownerId: string) => Promise<NodeTypeSpec | null>;
  /** Replaces the bounded JSONata evaluator (tests). */
  readonly evaluate?: ExpressionEvaluator;
  /** Extra handlers by type, checked before the server's own (tests). */
  readonly handlers?: (type: string, ownerId: string) => NodeHandler | undefined;
  readonly concurrency?: number;
}

export interface ExecutionsModule extends AppModule {
  readonly engine: Engine;
  /** Subscribes to one execution's live events (after they are durable). Returns an unsubscribe. */
  subscribe(executionId: string, listener: (e: StoredEvent) => void): () => void;
  /** Subscribes to every event of one owner's executions (the HITL feed). */
  subscribeOwner(ownerId: string, listener: (e: StoredEvent & { ownerId: string }) => void): () => void;
  readonly ownerOfExecution: (id: string) => Promise<{ ownerId: string } | null>;
  readonly hitl: ReturnType<typeof createHitlService>;
  readonly service: ReturnType<typeof createExecutionsService>;
}

export async function createExecutionsModule(deps: ModuleDeps, opts: ExecutionsModuleOptions): Promise<ExecutionsModule> {
  const store = createRunStore(deps.db);
  // With the embedded database this process is the only one: leases left in it are from a process that is gone.
  if (deps.database.driver === 'pglite') await store.clearLeases();
  const hub = createEventHub(deps.bus);
  const server = createServerNodes({ egressAllow: deps.config.egressAllow });
  const evaluate = opts.evaluate ?? server.evaluate;
  const subworkflow = subworkflowHandler({ engine: () => engine, workflows: opts.workflows });
  const builtins: Record<string, NodeHandler> = {
    ...builtinHandlers(evaluate),
    ...server.handlers,
    'flow.subworkflow': subworkflow,
  };
  const custom = customNodeHandler({
    nodeType: opts.nodeType ?? (async () => null),
    http: server.handlers['http.request'],
    code: server.handlers['code.js'],
    subworkflow,
  });
  const agents = Object.fromEntries(TEST_AGENT_TYPES.map((t) => [t, testAgentHandler(t)]));
  // Handlers (sub-workflows) reach the engine lazily, through a getter, since they are created before it.
  const engine: Engine = createEngine({
    store,
    queue: createInProcessQueue(opts.concurrency ?? 64),
    workflows: { load: (ownerId, workflowId, version) => opts.workflows.versionForRun(ownerId, workflowId, version) },
    handlers: (type, ownerId) =>
      opts.handlers?.(type, ownerId) ?? builtins[type] ?? (agents as Record<string, NodeHandler>)[type] ?? (type.startsWith('custom.') ? custom : undefined),
    evaluate,
    clock: systemClock,
    isTrigger: (type) => type.startsWith('trigger.'),
    // Edges without a sourceHandle leave from the type's first output, as the compiler reads them.
    nodeSpec: opts.nodeType ?? (async () => null),
    instanceId: `${process.pid}-${randomUUID().slice(0, 8)}`,
    publish: (events, ownerId) => hub.publish(events, ownerId),
    onError: (err, executionId) => deps.bus.publish('executions.errors', { executionId, message: String((err as Error)?.message ?? err) }),
  });
  const validator = createSchemaValidator();
  const service = createExecutionsService({ db: deps.db, engine, workflows: opts.workflows, audit: deps.audit, validator });
  const hitl = createHitlService({ db: deps.db, engine, audit: deps.audit, validator });
  const partial = createPartialService({ engine, workflows: opts.workflows, audit: deps.audit });
  const ownerOfExecution = (id: string) => executionOwner(deps.db, id);

  engine.startWorkers();
  await engine.recover();

  return {
    engine,
    service,
    hitl,
    ownerOfExecution,
    subscribe: hub.subscribe,
    subscribeOwner: hub.subscribeOwner,
    routes: () =>
      executionRoutes({ executions: service, hitl, partial, workflowOwner: (id) => opts.workflows.ownerOf(id), executionOwner: ownerOfExecution }),
    async close() {
      await engine.close();
      hub.close();
      await server.close();
    },
  };
}
