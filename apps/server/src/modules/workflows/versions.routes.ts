import { owner } from '@gatehouse/policy';
import { Type } from 'typebox';
import { defineRoute, type RouteSpec } from '../../http/route.ts';
import { requirePrincipal } from '../../http/context.ts';
import { PageQuery, dataOf, listOf, pageOf } from '../../http/pagination.ts';
import type { LoaderInput } from '../../http/pipeline.ts';
import type { VersionsService } from './versions.service.ts';
import type { WorkflowsService } from './workflows.service.ts';
import { Id, IfMatch, SnapshotBody, VersionParams, VersionView, WorkflowView, strict } from './workflows.schemas.ts';

const docs = (notes: string) => ({ section: '🤖 Orchestrator APIs (`/api/orchestrator/`)', group: 'Version History', notes });
const BASE_URL = '/api/orchestrator/workflows/:id/versions/';

export function versionsRoutes(workflows: WorkflowsService, versions: VersionsService): RouteSpec[] {
  const own = owner(({ params }: LoaderInput) => workflows.ownerOf(params.id!));
  const base = { rateCategory: 'workflowCrud', mode: 'sync', access: own } as const;
  return [
    defineRoute({
      ...base,
      method: 'GET',
      url: BASE_URL,
      docs: docs('List versions (newest first, paginated; number, kind, label, author, time)'),
      schema: { params: Id, querystring: Type.Object({ ...PageQuery }, strict), response: { 200: listOf(VersionView) } },
      handler: async (req) => versions.list(requirePrincipal(req.ctx), req.params.id, pageOf(req.query)),
    }),
    defineRoute({
      ...base,
      method: 'POST',
      url: BASE_URL,
      docs: docs('Create snapshot (a new version naming the current content with a label)'),
      schema: { params: Id, body: SnapshotBody, response: { 201: dataOf(VersionView) } },
      handler: async (req, reply) => reply.code(201).send({ data: await versions.snapshot(requirePrincipal(req.ctx), req.params.id, req.body.label) }),
    }),
    defineRoute({
      ...base,
      method: 'POST',
      url: `${BASE_URL}:v/restore/`,
      docs: docs('Restore version (as a new version equal to it; history is never rewritten)'),
      schema: { params: VersionParams, headers: IfMatch, response: { 200: dataOf(WorkflowView) } },
      handler: async (req, reply) => {
        const view = await versions.restore(requirePrincipal(req.ctx), req.params.id, req.params.v, req.headers['if-match']);
        return reply.header('etag', `"${view.latestVersion}"`).send({ data: view });
      },
    }),
  ];
}
