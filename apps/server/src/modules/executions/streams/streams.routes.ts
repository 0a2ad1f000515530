import { Type } from 'typebox';
import { authenticated, owner } from '@gatehouse/policy';
import { requirePrincipal } from '../../../http/context.ts';
import type { LoaderInput } from '../../../http/pipeline.ts';
import { defineRoute, type RouteSpec } from '../../../http/route.ts';
import type { StreamDeps } from './deps.ts';
import { sseHandler } from './sse.ts';
import { streamErrors } from './streams.errors.ts';
import { wsExecutionHandler } from './ws-execution.ts';
import { wsHitlHandler } from './ws-hitl.ts';

const section = '📡 Streaming APIs (`/api/streaming/`)';
const strict = { additionalProperties: false } as const;
const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
/** Read by the access pipeline on stream routes (see withStreamTickets); declared so strict query validation allows it. */
const ticket = Type.Optional(Type.String({ maxLength: 128 }));
const StreamQuery = Type.Object({ lastEventId: Type.Optional(Type.String({ pattern: '^\\d{1,15}$' })), ticket }, strict);
const Ticket = Type.Object({ data: Type.Object({ ticket: Type.String(), expiresAt: Type.String() }, strict) }, strict);
const upgradeRequired = async () => {
  throw streamErrors.upgradeRequired();
};

export function streamRoutes(d: StreamDeps): RouteSpec[] {
  const ownExecution = owner(({ params }: LoaderInput) => d.module.ownerOfExecution(params.id!));
  return [
    defineRoute({
      method: 'POST',
      url: '/api/streaming/tickets/',
      access: authenticated,
      rateCategory: 'default',
      mode: 'sync',
      docs: { section, group: 'Stream Tickets', notes: 'Single-use ticket for a browser stream, valid 60 s: pass it as `?ticket=`' },
      schema: { body: Type.Object({}, strict), response: { 201: Ticket } },
      handler: async (req, reply) =>
        reply.code(201).header('cache-control', 'no-store').send({ data: await d.tickets.issue(requirePrincipal(req.ctx).principal) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/streaming/executions/:id/stream/',
      access: ownExecution,
      rateCategory: 'stream',
      mode: 'sse',
      docs: { section, group: 'SSE Endpoints', notes: 'SSE execution events' },
      schema: { params: Id, querystring: StreamQuery },
      handler: sseHandler(d),
    }),
    defineRoute({
      method: 'GET',
      url: '/ws/execution/:id/',
      access: ownExecution,
      rateCategory: 'stream',
      mode: 'ws',
      docs: { section, group: 'WebSocket Endpoints', notes: 'Real-time updates & HITL' },
      schema: { params: Id, querystring: StreamQuery },
      handler: upgradeRequired,
      wsHandler: wsExecutionHandler(d),
    }),
    defineRoute({
      method: 'GET',
      url: '/ws/hitl/',
      access: authenticated,
      rateCategory: 'stream',
      mode: 'ws',
      docs: { section, group: 'WebSocket Endpoints', notes: 'Global HITL notifications' },
      schema: { querystring: Type.Object({ ticket }, strict) },
      handler: upgradeRequired,
      wsHandler: wsHitlHandler(d),
    }),
  ];
}
