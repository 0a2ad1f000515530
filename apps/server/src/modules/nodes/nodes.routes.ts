import { Type } from 'typebox';
import { authenticated, owner } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../http/route.ts';
import { requirePrincipal } from '../../http/context.ts';
import { PageQuery, dataOf, listOf, pageOf } from '../../http/pagination.ts';
import type { LoaderInput } from '../../http/pipeline.ts';
import type { NodesService } from './nodes.service.ts';

const SECTION = '🧩 Node APIs (`/api/nodes/`)';
const registry = (notes: string) => ({ section: SECTION, group: 'Node Registry', notes });
const custom = (notes: string) => ({ section: SECTION, group: 'Custom Nodes', notes });
const strict = { additionalProperties: false } as const;

const Port = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }), label: Type.Optional(Type.String({ maxLength: 64 })) }, strict);
const Ports = Type.Array(Port, { minItems: 1, maxItems: 16 });
const JsonObject = Type.Record(Type.String(), Type.Unknown());
const DynamicOutputs = Type.Object({ configKey: Type.String(), portPrefix: Type.String() });
const NodeType = Type.Object({
  type: Type.String(),
  displayName: Type.String(),
  category: Type.String(),
  description: Type.String(),
  version: Type.Integer(),
  source: Type.Union([Type.Literal('builtin'), Type.Literal('custom')]),
  inputs: Type.Array(Port),
  outputs: Type.Array(Port),
  dynamicOutputs: Type.Optional(DynamicOutputs),
  credentialTypes: Type.Array(Type.String()),
  canPause: Type.Boolean(),
  trigger: Type.Boolean(),
  allowsCycles: Type.Boolean(),
});
const Category = Type.Object({ id: Type.String(), label: Type.String(), description: Type.String(), nodes: Type.Array(NodeType) });
const NodeSchema = Type.Object({
  type: Type.String(),
  version: Type.Integer(),
  configSchema: JsonObject,
  inputs: Type.Array(Port),
  outputs: Type.Array(Port),
  dynamicOutputs: Type.Optional(DynamicOutputs),
  credentialTypes: Type.Array(Type.String()),
});
const Implementation = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('http'),
      url: Type.String({ minLength: 1, maxLength: 2048 }),
      method: Type.Union([Type.Literal('GET'), Type.Literal('POST'), Type.Literal('PUT'), Type.Literal('PATCH'), Type.Literal('DELETE')]),
      headers: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 4096 }), { maxProperties: 32 })),
    },
    strict,
  ),
  Type.Object({ kind: Type.Literal('code'), source: Type.String({ minLength: 1, maxLength: 100_000 }) }, strict),
  Type.Object({ kind: Type.Literal('workflow'), workflowId: Type.String({ format: 'uuid' }) }, strict),
]);
const CustomNode = Type.Object({
  id: Type.String(),
  type: Type.String(),
  slug: Type.String(),
  displayName: Type.String(),
  category: Type.String(),
  description: Type.String(),
  configSchema: JsonObject,
  inputs: Type.Array(Port),
  outputs: Type.Array(Port),
  credentialTypes: Type.Array(Type.String()),
  implementation: Implementation,
  createdAt: Type.String(),
});
const CreateCustomNode = Type.Object(
  {
    slug: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,47}$', description: 'the type becomes custom.<slug>' }),
    displayName: Type.String({ minLength: 1, maxLength: 100 }),
    category: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    configSchema: JsonObject,
    inputs: Type.Optional(Ports),
    outputs: Type.Optional(Ports),
    credentialTypes: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9.-]{0,63}$' }), { maxItems: 10 })),
    implementation: Implementation,
  },
  strict,
);
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const TypeParam = Type.Object({ type: Type.String({ pattern: '^[a-z][a-z0-9]*\\.[a-z0-9][a-z0-9_-]{0,63}$' }) });

export function nodesRoutes(nodes: NodesService): RouteSpec[] {
  const ownNode = owner(({ params }: LoaderInput) => nodes.ownerOfCustom(params.id!));
  const base = { rateCategory: 'default', mode: 'sync' } as const;
  return [
    defineRoute({
      ...base,
      method: 'GET',
      url: '/api/nodes/',
      access: authenticated,
      docs: registry('List all nodes (built-ins and your custom nodes; ?category=)'),
      schema: { querystring: Type.Object({ category: Type.Optional(Type.String({ maxLength: 32 })) }, strict), response: { 200: dataOf(Type.Array(NodeType)) } },
      handler: async (req) => ({ data: await nodes.list(requirePrincipal(req.ctx), req.query) }),
    }),
    defineRoute({
      ...base,
      method: 'GET',
      url: '/api/nodes/categories/',
      access: authenticated,
      docs: registry('Nodes by category'),
      schema: { response: { 200: dataOf(Type.Array(Category)) } },
      handler: async (req) => ({ data: await nodes.categories(requirePrincipal(req.ctx)) }),
    }),
    defineRoute({
      ...base,
      method: 'GET',
      url: '/api/nodes/:type/schema/',
      access: authenticated,
      docs: registry('Get node schema (config JSON Schema, ports); another user’s custom type is 404'),
      schema: { params: TypeParam, response: { 200: dataOf(NodeSchema) } },
      handler: async (req) => ({ data: await nodes.schema(requirePrincipal(req.ctx), req.params.type) }),
    }),
    defineRoute({
      ...base,
      method: 'GET',
      url: '/api/nodes/custom/',
      access: authenticated,
      docs: custom('List custom nodes (own only, paginated)'),
      schema: { querystring: Type.Object({ ...PageQuery }, strict), response: { 200: listOf(CustomNode) } },
      handler: async (req) => nodes.listCustom(requirePrincipal(req.ctx), pageOf(req.query)),
    }),
    defineRoute({
      ...base,
      method: 'POST',
      url: '/api/nodes/custom/',
      access: authenticated,
      docs: custom('Create custom node (custom.<slug>; the config schema is checked as JSON Schema)'),
      schema: { body: CreateCustomNode, response: { 201: dataOf(CustomNode) } },
      handler: async (req, reply) => reply.code(201).send({ data: await nodes.createCustom(requirePrincipal(req.ctx), req.body) }),
    }),
    defineRoute({
      ...base,
      method: 'GET',
      url: '/api/nodes/custom/:id/',
      access: ownNode,
      docs: custom('View custom node'),
      schema: { params: Id, response: { 200: dataOf(CustomNode) } },
      handler: async (req) => ({ data: await nodes.getCustom(requirePrincipal(req.ctx), req.params.id) }),
    }),
    defineRoute({
      ...base,
      method: 'DELETE',
      url: '/api/nodes/custom/:id/',
      access: ownNode,
      docs: custom('Delete custom node (workflows using it stop compiling)'),
      schema: { params: Id },
      handler: async (req, reply) => {
        await nodes.removeCustom(requirePrincipal(req.ctx), req.params.id);
        return reply.code(204).send();
      },
    }),
  ];
}
