/**
 * `/ws/execution/{id}/`: the SSE stream's events as `{ type: 'event', event }` frames (replay after `?lastEventId=`
 * included), plus the client's commands (see ws-commands.ts), answered in the order they were sent. The socket closes
 * normally (1000) after the terminal event.
 *
 * The access pipeline has already run (onRequest/preHandler) when this is called: another user's execution never
 * got here, it got a 404 and no upgrade. The stream slot is taken after the upgrade, so a browser — which cannot read
 * a refused handshake's status — learns why: an `error` frame with the 429 body, then close 1013 (try again later).
 */
import type { FastifyRequest } from 'fastify';
import { requirePrincipal } from '../../../http/context.ts';
import { AppError, toErrorBody } from '../../../http/errors.ts';
import { optionsOf, type StreamDeps } from './deps.ts';
import { startEventFeed } from './event-feed.ts';
import { nothingLeft } from './sse.ts';
import { takeStreamSlot, type StreamSlot } from './slots.ts';
import { replayAfter } from './streams.repo.ts';
import { createWsCommands } from './ws-commands.ts';
import { CLOSE, wsConnection, type WsConnection, type WsSocket } from './ws-connection.ts';

type WsRequest = FastifyRequest<{ Params: { id: string }; Querystring: { lastEventId?: string } }>;

/** Takes the caller's stream slot, or tells the client why not and closes. */
export async function slotOrClose(d: StreamDeps, conn: WsConnection, req: FastifyRequest): Promise<StreamSlot | null> {
  const ctx = requirePrincipal(req.ctx);
  try {
    const slot = await takeStreamSlot(d.limiter, ctx.principal, ctx.ip);
    conn.onClose(() => void slot.release());
    return slot;
  } catch (e) {
    const err = e instanceof AppError ? e : new AppError('internal', 'INTERNAL', 'Internal server error');
    if (!(e instanceof AppError)) req.log.error({ err: e }, 'stream slot failed');
    conn.send({ type: 'error', status: err.status, ...toErrorBody(err, ctx.requestId) });
    conn.close(err.status === 429 ? CLOSE.tryLater : CLOSE.internal, err.code);
    return null;
  }
}

export function wsExecutionHandler(d: StreamDeps) {
  const commands = createWsCommands(d);

  return function executionSocket(socket: WsSocket, req: WsRequest): void {
    const opts = optionsOf(d);
    const ctx = requirePrincipal(req.ctx);
    const id = req.params.id;
    const after = Number(req.query.lastEventId ?? 0);
    const conn = wsConnection(socket, opts);
    const ready = slotOrClose(d, conn, req);

    // Attached before any await, so no message is lost; each waits for the previous one's answer.
    let chain: Promise<unknown> = ready;
    let n = 0;
    socket.on('message', (raw, isBinary) => {
      const seq = ++n;
      chain = chain.then(async () => {
        if (conn.closed || !(await ready)) return;
        conn.send(await commands.handle(ctx, id, seq, raw, isBinary));
      });
    });

    // After the terminal event: answer what was already asked (a `stop` that ended the run gets its ack), then close.
    const closeWhenIdle = () => {
      const pending = chain;
      void pending.then(() => (pending === chain ? conn.close(CLOSE.normal, 'execution finished') : closeWhenIdle()));
    };

    void (async () => {
      if (!(await ready) || conn.closed) return;
      try {
        if (after > 0 && (await nothingLeft(d, id, after))) return conn.close(CLOSE.normal, 'execution finished');
      } catch (e) {
        req.log.warn({ err: e, executionId: id }, 'execution socket failed');
        return conn.close(CLOSE.internal, 'INTERNAL');
      }
      const feed = startEventFeed({
        after,
        subscribe: (l) => d.module.subscribe(id, l),
        fetchAfter: (seq, limit) => replayAfter(d.db, id, seq, limit),
        deliver: (event) => conn.send({ type: 'event', event }),
        end: (reason, error) => {
          if (reason === 'error') req.log.warn({ err: error, executionId: id }, 'execution socket failed');
          if (reason === 'finished') closeWhenIdle();
          else if (reason === 'error') conn.close(CLOSE.internal, 'INTERNAL');
          // overflow: the connection already cut itself.
        },
        maxQueued: opts.maxQueuedEvents,
      });
      conn.onClose(() => feed.stop());
    })();
  };
}
