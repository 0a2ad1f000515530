import { Type } from 'typebox';
import { authenticated, owner } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from '../../http/route.ts';
import { requirePrincipal } from '../../http/context.ts';
import { dataOf } from '../../http/pagination.ts';
import type { LoaderInput } from '../../http/pipeline.ts';
import type { ApiKeysService } from './api-keys.service.ts';

const docs = (notes: string) => ({ section: '👤 Core APIs (`/api/`)', group: 'API Keys', notes });
const strict = { additionalProperties: false } as const;
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const KeyView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
});
const KeyWithSecret = Type.Object({ ...KeyView.properties, key: Type.String() });

export function apiKeysRoutes(keys: ApiKeysService): RouteSpec[] {
  const ownKey = owner(({ params }: LoaderInput) => keys.ownerOf(params.id!));
  return [
    defineRoute({
      method: 'GET',
      url: '/api/keys/',
      access: authenticated,
      rateCategory: 'default',
      mode: 'sync',
      docs: docs('List own keys (never the secret)'),
      schema: { response: { 200: Type.Object({ data: Type.Array(KeyView) }) } },
      handler: async (req) => ({ data: await keys.list(requirePrincipal(req.ctx)) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/keys/',
      access: authenticated,
      rateCategory: 'default',
      mode: 'sync',
      docs: docs('Create new key; the secret is shown once'),
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100, pattern: '^[^\\u0000-\\u001f\\u007f]+$' }), expiresAt: Type.Optional(Type.String({ format: 'date-time' })) },
          strict,
        ),
        response: { 201: dataOf(KeyWithSecret) },
      },
      handler: async (req, reply) => reply.code(201).send({ data: await keys.create(requirePrincipal(req.ctx), req.body) }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/keys/:id',
      access: ownKey,
      rateCategory: 'default',
      mode: 'sync',
      docs: docs('Delete own key; it stops working at once'),
      schema: { params: Id },
      handler: async (req, reply) => {
        await keys.remove(requirePrincipal(req.ctx), req.params.id);
        return reply.code(204).send();
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/keys/:id/rotate',
      access: ownKey,
      rateCategory: 'default',
      mode: 'sync',
      docs: docs('Rotate key: new secret shown once, the old one stops working'),
      schema: { params: Id, response: { 200: dataOf(KeyWithSecret) } },
      handler: async (req) => ({ data: await keys.rotate(requirePrincipal(req.ctx), req.params.id) }),
    }),
  ];
}
