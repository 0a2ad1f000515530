import { Type } from 'typebox';
import type { WorkflowSnapshot } from '@gatehouse/engine';
import { authenticated, owner } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../http/route.ts';
import { requirePrincipal, type RequestContext } from '../../http/context.ts';
import { PageQuery, pageOf } from '../../http/pagination.ts';
import type { LoaderInput } from '../../http/pipeline.ts';
import type { ExecutionsService } from './executions.service.ts';
import type { HitlService } from './hitl.service.ts';
import type { createPartialService } from './partial.service.ts';

const section = '🤖 Orchestrator APIs (`/api/orchestrator/`)';
const strict = { additionalProperties: false } as const;
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const Input = Type.Object({ input: Type.Optional(Type.Unknown()) }, strict);

export interface ExecutionRouteDeps {
  readonly executions: ExecutionsService;
  readonly hitl: HitlService;
  readonly partial: ReturnType<typeof createPartialService>;
  readonly workflowOwner: (id: string) => Promise<{ ownerId: string; snapshot?: WorkflowSnapshot } | null>;
  readonly executionOwner: (id: string) => Promise<{ ownerId: string } | null>;
}

/** The latest version the `owner` rule loaded along with the owner, if it did. */
const loadedSnapshot = (ctx: RequestContext) => (ctx.resource as { snapshot?: WorkflowSnapshot } | null | undefined)?.snapshot;

export function executionRoutes(d: ExecutionRouteDeps): RouteSpec[] {
  const ownWorkflow = owner(({ params }: LoaderInput) => d.workflowOwner(params.id!));
  const ownExecution = owner(({ params }: LoaderInput) => d.executionOwner(params.id!));
  const ownHitl = owner(({ params }: LoaderInput) => d.hitl.ownerOf(params.id!));
  const control = (action: 'pause' | 'resume' | 'stop', notes: string) =>
    defineRoute({
      method: 'POST',
      url: `/api/orchestrator/executions/:id/${action}/`,
      access: ownExecution,
      rateCategory: 'default',
      mode: 'async',
      docs: { section, group: 'Execution Control', notes },
      schema: { params: Id },
      handler: async (req, reply) => reply.code(202).send({ data: await d.executions.control(requirePrincipal(req.ctx), req.params.id, action) }),
    });
  return [
    defineRoute({
      method: 'POST',
      url: '/api/orchestrator/workflows/:id/execute/',
      access: ownWorkflow,
      rateCategory: 'execute',
      mode: 'async',
      docs: { section, group: 'Execution Control', notes: 'Start execution (202 with the execution id; 422 if the workflow does not compile)' },
      schema: { params: Id, body: Input },
      handler: async (req, reply) => reply.code(202).send({ data: await d.executions.execute(requirePrincipal(req.ctx), req.params.id, req.body.input ?? {}, 'normal', loadedSnapshot(req.ctx)) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/orchestrator/executions/:id/status/',
      access: ownExecution,
      rateCategory: 'default',
      mode: 'sync',
      docs: { section, group: 'Execution Control', notes: 'Get status, per-node steps, output or error, timings' },
      schema: { params: Id },
      handler: async (req) => ({ data: await d.executions.status(requirePrincipal(req.ctx), req.params.id) }),
    }),
    control('pause', 'Pause execution (at the next node boundary)'),
    control('resume', 'Resume execution'),
    control('stop', 'Stop execution (any non-final state; aborts the running node)'),
    defineRoute({
      method: 'POST',
      url: '/api/orchestrator/workflows/:id/test/',
      access: ownWorkflow,
      rateCategory: 'execute',
      mode: 'sync',
      docs: { section, group: 'Execution Control', notes: 'Run background test of the current draft' },
      schema: { params: Id, body: Input },
      handler: async (req, reply) => reply.code(202).send({ data: await d.executions.execute(requirePrincipal(req.ctx), req.params.id, req.body.input ?? {}, 'test', loadedSnapshot(req.ctx)) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/orchestrator/hitl/pending/',
      access: authenticated,
      rateCategory: 'default',
      mode: 'sync',
      docs: { section, group: 'HITL (Human-in-the-Loop)', notes: 'Pending requests (own)' },
      schema: { querystring: Type.Object({ ...PageQuery }, strict) },
      handler: async (req) => d.hitl.pending(requirePrincipal(req.ctx), pageOf(req.query)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/orchestrator/hitl/:id/respond/',
      access: ownHitl,
      rateCategory: 'default',
      mode: 'async',
      docs: { section, group: 'HITL (Human-in-the-Loop)', notes: 'Submit response (validated against the form; answered once)' },
      schema: {
        params: Id,
        body: Type.Object({ decision: Type.Union([Type.Literal('approved'), Type.Literal('rejected')]), data: Type.Optional(Type.Unknown()) }, strict),
      },
      handler: async (req, reply) => reply.code(202).send({ data: await d.hitl.respond(requirePrincipal(req.ctx), req.params.id, req.body) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/orchestrator/workflows/:id/partial-execute/',
      access: ownWorkflow,
      rateCategory: 'execute',
      mode: 'async',
      docs: { section, group: 'Partial Execution ✨', notes: 'Test single node (given input, or upstream data of an earlier execution)' },
      schema: {
        params: Id,
        body: Type.Object(
          { nodeId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }), input: Type.Optional(Type.Unknown()), fromExecutionId: Type.Optional(Type.String({ format: 'uuid' })) },
          strict,
        ),
      },
      handler: async (req) => ({ data: await d.partial.run(requirePrincipal(req.ctx), req.params.id, req.body) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/orchestrator/executions/:id/thoughts/',
      access: ownExecution,
      rateCategory: 'default',
      mode: 'sync',
      docs: { section, group: 'Thought History ✨', notes: 'Get execution thoughts (thought, action, observation)' },
      schema: { params: Id },
      handler: async (req) => ({ data: await d.executions.thoughts(requirePrincipal(req.ctx), req.params.id) }),
    }),
  ];
}
