/**
 * Wires the design-time half of the orchestrator (issue #5): workflows with versions and a trash, the node
 * registry with custom nodes, and the compiler, and hands the execution engine what it needs from them.
 */
import type { CompileResult, NodeTypeSpec, WorkflowDefinition } from '@gatehouse/engine';
import type { FastifyBaseLogger } from 'fastify';
import { systemContext } from '../../http/context.ts';
import type { RouteSpec } from '../../http/route.ts';
import type { AppModule, ModuleDeps } from '../module.ts';
import { compilerRoutes, createCompilerService, type CompilerService } from '../compiler/index.ts';
import { createConfigValidator, createNodesService, nodesRoutes, type NodesService } from '../nodes/index.ts';
import { createTrashService, type TrashService } from './trash.service.ts';
import { createVersionsService, type VersionsService } from './versions.service.ts';
import { versionsRoutes } from './versions.routes.ts';
import { createWorkflowsService, type WorkflowSnapshot, type WorkflowsService } from './workflows.service.ts';
import { workflowsRoutes } from './workflows.routes.ts';

// The sweep runs outside any request and logs nothing (a failed sweep is simply retried); what it removes goes to
// the audit log, under a system context.
const noop = () => undefined;
const SILENT: FastifyBaseLogger = { level: 'silent', fatal: noop, error: noop, warn: noop, info: noop, debug: noop, trace: noop, silent: noop, child: () => SILENT };

/** How often the trash is swept for workflows deleted more than TRASH_RETENTION_DAYS ago. */
export const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export interface WorkflowsModule extends AppModule {
  readonly workflows: WorkflowsService;
  readonly versions: VersionsService;
  readonly trash: TrashService;
  readonly nodes: NodesService;
  readonly compiler: CompilerService;
  /** A version's definition and settings for its owner: the latest when `version` is absent; null if not theirs. */
  getVersionForRun(ownerId: string, workflowId: string, version?: number): Promise<WorkflowSnapshot | null>;
  /** The compiler bound to the node types `ownerId` may use (built-ins and their own custom nodes). */
  compileFor(ownerId: string): (definition: WorkflowDefinition) => Promise<CompileResult>;
  /** A node type as `ownerId` sees it, custom implementation included; null for unknown or someone else's. */
  nodeType(type: string, ownerId: string): Promise<NodeTypeSpec | null>;
}

export interface WorkflowsModuleOptions {
  /** The purge's clock (tests move it forward). */
  readonly now?: () => Date;
  readonly purgeIntervalMs?: number;
}

export async function createWorkflowsModule(deps: ModuleDeps, opts: WorkflowsModuleOptions = {}): Promise<WorkflowsModule> {
  const { db, audit } = deps;
  const now = opts.now ?? (() => new Date());
  const workflows = createWorkflowsService({ db, audit, now });
  const versions = createVersionsService({ db, audit });
  const trash = createTrashService({ db, audit, now });
  const nodes = createNodesService({ db, audit, validator: createConfigValidator(), workflowExists: (ownerId, id) => workflows.exists(ownerId, id) });
  const compiler = createCompilerService({ nodes, loadVersion: (ownerId, id, v) => workflows.loadVersion(ownerId, id, v) });

  // A failed sweep (database briefly away, shutting down) is simply retried at the next tick: the purge is
  // idempotent and nothing waits on it. Timers are unref'd so they never keep the process alive.
  const every = opts.purgeIntervalMs ?? PURGE_INTERVAL_MS;
  const sweep = () => void trash.purge(systemContext(SILENT), now()).catch(() => undefined);
  const interval = setInterval(sweep, every);
  interval.unref();
  // The first sweep comes soon after start rather than an interval later (a restart must not postpone purges).
  const first = setTimeout(sweep, Math.min(every, 30_000));
  first.unref();

  return {
    workflows,
    versions,
    trash,
    nodes,
    compiler,
    getVersionForRun: (ownerId, workflowId, version) => workflows.getVersionForRun(ownerId, workflowId, version),
    compileFor: (ownerId) => (definition) => compiler.compileAs(ownerId, definition),
    nodeType: (type, ownerId) => nodes.nodeType(type, ownerId),
    routes: (): RouteSpec[] => [
      ...workflowsRoutes(workflows, trash),
      ...versionsRoutes(workflows, versions),
      ...nodesRoutes(nodes),
      ...compilerRoutes(compiler, (id) => workflows.ownerOf(id)),
    ],
    close() {
      clearInterval(interval);
      clearTimeout(first);
    },
  };
}
