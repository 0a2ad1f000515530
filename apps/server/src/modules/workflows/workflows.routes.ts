import { authenticated, owner } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../http/route.ts';
import { requirePrincipal } from '../../http/context.ts';
import { dataOf, listOf, pageOf } from '../../http/pagination.ts';
import type { LoaderInput } from '../../http/pipeline.ts';
import { MAX_DEFINITION_BYTES } from '../compiler/index.ts';
import type { TrashService } from './trash.service.ts';
import type { WorkflowsService } from './workflows.service.ts';
import { CloneBody, CreateBody, Id, IfMatch, ListQuery, UpdateBody, VersionQuery, WorkflowSummary, WorkflowView } from './workflows.schemas.ts';

const docs = (notes: string) => ({ section: '🤖 Orchestrator APIs (`/api/orchestrator/`)', group: 'Workflows CRUD', notes });
const BASE_URL = '/api/orchestrator/workflows/';
const etag = (v: { latestVersion: number }) => `"${v.latestVersion}"`;

export function workflowsRoutes(workflows: WorkflowsService, trash: TrashService): RouteSpec[] {
  const own = owner(({ params }: LoaderInput) => workflows.ownerOf(params.id!));
  // The trash's own route must find deleted workflows too (everything else answers 404 for them).
  const ownAnyState = owner(({ params }: LoaderInput) => workflows.ownerOf(params.id!, 'any'));
  const base = { rateCategory: 'workflowCrud', mode: 'sync' } as const;
  return [
    defineRoute({
      ...base,
      method: 'GET',
      url: BASE_URL,
      access: authenticated,
      docs: docs('List own workflows (paginated; ?tag=, ?q= searches name and description, ?deleted=true lists the trash)'),
      schema: { querystring: ListQuery, response: { 200: listOf(WorkflowSummary) } },
      handler: async (req) => {
        const { tag, q, deleted } = req.query;
        return workflows.list(requirePrincipal(req.ctx), { tag, q, trash: deleted === true }, pageOf(req.query));
      },
    }),
    defineRoute({
      ...base,
      method: 'POST',
      url: BASE_URL,
      access: authenticated,
      bodyLimit: MAX_DEFINITION_BYTES,
      docs: docs('Create workflow (version 1)'),
      schema: { body: CreateBody, response: { 201: dataOf(WorkflowView) } },
      handler: async (req, reply) => {
        const view = await workflows.create(requirePrincipal(req.ctx), req.body);
        return reply.code(201).header('etag', etag(view)).send({ data: view });
      },
    }),
    defineRoute({
      ...base,
      method: 'GET',
      url: `${BASE_URL}:id/`,
      access: own,
      docs: docs('View workflow (?version= shows an older version; the ETag is the latest version)'),
      schema: { params: Id, querystring: VersionQuery, response: { 200: dataOf(WorkflowView) } },
      handler: async (req, reply) => {
        const view = await workflows.get(requirePrincipal(req.ctx), req.params.id, req.query.version);
        return reply.header('etag', etag(view)).send({ data: view });
      },
    }),
    defineRoute({
      ...base,
      method: 'PUT',
      url: `${BASE_URL}:id/`,
      access: own,
      bodyLimit: MAX_DEFINITION_BYTES,
      docs: docs('Update workflow (Auto-versioning; If-Match: "<version>" or baseVersion required, a stale one gets 409)'),
      schema: { params: Id, headers: IfMatch, body: UpdateBody, response: { 200: dataOf(WorkflowView) } },
      handler: async (req, reply) => {
        const { view, versionCreated } = await workflows.update(requirePrincipal(req.ctx), req.params.id, req.body, req.headers['if-match']);
        return reply.header('etag', etag(view)).header('x-version-created', String(versionCreated)).send({ data: view });
      },
    }),
    defineRoute({
      ...base,
      method: 'DELETE',
      url: `${BASE_URL}:id/`,
      access: own,
      docs: docs('Delete workflow (to the trash: restorable for 30 days, then purged)'),
      schema: { params: Id },
      handler: async (req, reply) => {
        await trash.remove(requirePrincipal(req.ctx), req.params.id);
        return reply.code(204).send();
      },
    }),
    defineRoute({
      ...base,
      method: 'POST',
      url: `${BASE_URL}:id/clone/`,
      access: own,
      docs: docs('Clone workflow (a new workflow of yours with the current definition)'),
      schema: { params: Id, body: CloneBody, response: { 201: dataOf(WorkflowView) } },
      handler: async (req, reply) => {
        const view = await workflows.clone(requirePrincipal(req.ctx), req.params.id, req.body);
        return reply.code(201).header('etag', etag(view)).send({ data: view });
      },
    }),
    defineRoute({
      ...base,
      method: 'POST',
      url: `${BASE_URL}:id/restore/`,
      access: ownAnyState,
      docs: docs('Restore a deleted workflow from the trash (within 30 days)'),
      schema: { params: Id, response: { 200: dataOf(WorkflowView) } },
      handler: async (req) => ({ data: await trash.restore(requirePrincipal(req.ctx), req.params.id) }),
    }),
  ];
}
