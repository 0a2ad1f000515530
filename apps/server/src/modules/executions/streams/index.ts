// Live streams of executions (issue #6): SSE, WebSockets and the stream tickets browsers open them with.
import type { Redis } from 'ioredis';
import { createMemoryTicketStore, createRedisTicketStore, createStreamTickets, type StreamTickets } from './tickets.ts';

export { streamRoutes } from './streams.routes.ts';
export { withStreamTickets } from './ticket-resolver.ts';
export { DEFAULT_STREAM_OPTIONS, type StreamDeps, type StreamOptions } from './deps.ts';
export type { StreamTickets } from './tickets.ts';

/** Stream tickets in Redis when the deployment has one (any instance redeems), else in this process's memory. */
export function createTicketService(redis?: { client: Redis; prefix: string }): StreamTickets {
  return createStreamTickets(redis ? createRedisTicketStore(redis.client, redis.prefix) : createMemoryTicketStore());
}
