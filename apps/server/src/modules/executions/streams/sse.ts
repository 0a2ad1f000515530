/**
 * `GET /api/streaming/executions/{id}/stream/`: Server-Sent Events of one execution. Every event carries `id: <seq>`,
 * so a reconnecting EventSource sends `Last-Event-ID` and gets exactly what it missed; the stream ends after the
 * terminal event, and a client that already has it gets 204 (which tells EventSource to stop reconnecting).
 *
 * The response is hijacked (Fastify's onSend hooks do not run), so the security headers are written here.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isFinal, type ExecutionStatus } from '@gatehouse/engine';
import { requirePrincipal } from '../../../http/context.ts';
import { SECURITY_HEADERS } from '../../../http/security-headers.ts';
import { optionsOf, type StreamDeps } from './deps.ts';
import { startEventFeed, type FeedEvent } from './event-feed.ts';
import { takeStreamSlot } from './slots.ts';
import { streamErrors } from './streams.errors.ts';
import { executionStatus, replayAfter } from './streams.repo.ts';

const LAST_ID = /^\d{1,15}$/;

/** `Last-Event-ID` (what EventSource sends when it reconnects) or `?lastEventId=` (a first connection's resume). */
export function lastEventIdOf(headers: FastifyRequest['headers'], query: { lastEventId?: string }): number {
  const h = headers['last-event-id'];
  if (h !== undefined) {
    if (typeof h !== 'string' || !LAST_ID.test(h.trim())) throw streamErrors.invalidLastEventId('headers.last-event-id');
    return Number(h.trim());
  }
  if (query.lastEventId !== undefined) return Number(query.lastEventId);
  return 0;
}

/** Live events reach every stream of a run as the same object: each is serialized once, not once per stream. */
const frames = new WeakMap<FeedEvent, string>();

export function sseFrame(e: FeedEvent): string {
  let f = frames.get(e);
  if (f === undefined) {
    f = `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify({ seq: e.seq, type: e.type, executionId: e.executionId, at: e.at, data: e.data })}\n\n`;
    frames.set(e, f);
  }
  return f;
}

/** Whether a client that has everything up to `after` has nothing left to wait for. */
export async function nothingLeft(d: StreamDeps, id: string, after: number): Promise<boolean> {
  // Status first: a final status is committed together with the terminal event, so the read after it sees it.
  const status = await executionStatus(d.db, id);
  if (status === null || !isFinal(status as ExecutionStatus)) return false;
  return (await replayAfter(d.db, id, after, 1)).length === 0;
}

export function sseHandler(d: StreamDeps) {
  // Streams open in this app, ended when it closes (server.close() would otherwise wait on them forever).
  const open = new Set<() => void>();
  const hooked = new WeakSet<AbortSignal>();

  return async function streamExecution(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const opts = optionsOf(d);
    const ctx = requirePrincipal(req.ctx);
    // Validated by the route's schema.
    const { id } = req.params as { id: string };
    const after = lastEventIdOf(req.headers, req.query as { lastEventId?: string });
    // Fastify answers HEAD with the GET handler: say what a GET would open, but open nothing (and hold no slot).
    if (req.method === 'HEAD') return void (await reply.code(200).type('text/event-stream; charset=utf-8').send());
    if (after > 0 && (await nothingLeft(d, id, after))) return void (await reply.code(204).send());
    const slot = await takeStreamSlot(d.limiter, ctx.principal, ctx.ip);

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      ...SECURITY_HEADERS,
      'x-request-id': String(req.id),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // A stream owns its connection: when it ends the socket closes, so shutdown never waits on a kept-alive one.
      connection: 'close',
      'x-accel-buffering': 'no',
      // A concurrent limit has no window: a slot frees when a stream closes, so the reset is now.
      ...(slot.limit !== null
        ? { 'x-ratelimit-limit': String(slot.limit), 'x-ratelimit-remaining': String(slot.remaining ?? 0), 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000)) }
        : {}),
    });
    res.write('retry: 3000\n\n');

    let finished = false;
    const write = (chunk: string): boolean => {
      if (finished) return false;
      // A consumer this far behind would make us hold its events in memory without bound: drop it instead; its
      // EventSource reconnects with Last-Event-ID and catches up from the table.
      if (res.writableLength > opts.maxBufferedBytes) return false;
      res.write(chunk);
      return true;
    };
    const heartbeat = setInterval(() => {
      if (!write(': ping\n\n')) end(true);
    }, opts.heartbeatMs);
    heartbeat.unref();

    const feed = startEventFeed({
      after,
      subscribe: (l) => d.module.subscribe(id, l),
      fetchAfter: (seq, limit) => replayAfter(d.db, id, seq, limit),
      deliver: (e) => write(sseFrame(e)),
      end: (reason, error) => {
        if (reason === 'error') req.log.warn({ err: error, executionId: id }, 'execution stream failed');
        if (reason === 'overflow') req.log.info({ executionId: id }, 'slow stream consumer dropped');
        end(reason !== 'finished');
      },
      maxQueued: opts.maxQueuedEvents,
    });

    function end(abruptly: boolean): void {
      if (finished) return;
      finished = true;
      if (abruptly) res.destroy();
      else res.end();
      cleanup();
    }
    function cleanup(): void {
      clearInterval(heartbeat);
      feed.stop();
      open.delete(endGracefully);
      void slot.release();
    }
    const endGracefully = () => end(false);
    res.on('close', () => {
      finished = true;
      // The client went away (it may only have half-closed): tear our side down too, or the socket lingers and the
      // server's close waits on it.
      res.destroy();
      cleanup();
    });

    // Gone while the slot was being taken: 'close' fired before anyone listened.
    if (res.destroyed || res.socket === null || res.socket.destroyed) return end(true);
    const closing = req.server.closing;
    if (closing.aborted) return end(false);
    open.add(endGracefully);
    if (!hooked.has(closing)) {
      hooked.add(closing);
      closing.addEventListener('abort', () => [...open].forEach((f) => f()), { once: true });
    }
  };
}
