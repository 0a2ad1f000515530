/**
 * `/ws/hitl/`: the caller's human-in-the-loop requests as they open and close, across all their executions.
 *
 * Frames: `{ type: 'snapshot', requests }` first (the requests open now, oldest first), then
 * `{ type: 'hitl.opened', request }` and `{ type: 'hitl.closed', id, executionId, nodeId, status, decision? }`.
 * It subscribes before it reads the snapshot and holds what arrives meanwhile, then replays that against the set of
 * requests it has shown: an opening already in the snapshot is not repeated, a closing of a request the client never
 * saw is not sent. A run that ends closes its open requests (`cancelled`), as the table does.
 */
import type { FastifyRequest } from 'fastify';
import { requirePrincipal } from '../../../http/context.ts';
import { hitlView } from '../hitl.service.ts';
import { optionsOf, type StreamDeps } from './deps.ts';
import { FINISHED, type FeedEvent } from './event-feed.ts';
import { openHitlSnapshot } from './streams.repo.ts';
import { slotOrClose } from './ws-execution.ts';
import { CLOSE, wsConnection, type WsSocket } from './ws-connection.ts';

interface Shown {
  readonly id: string;
  readonly executionId: string;
  readonly nodeId: string;
}

const RELEVANT = new Set(['hitl.requested', 'hitl.resolved', FINISHED]);

type Frame = Record<string, unknown> & { type: string };

/** Tracks what the client has been shown and turns execution events into its frames. */
export function hitlTracker() {
  const open = new Map<string, Shown>(); // by `${executionId}:${stepId}`
  const ids = new Set<string>();
  const key = (executionId: string, stepId: unknown) => `${executionId}:${String(stepId)}`;
  return {
    show(stepKey: { executionId: string; stepId: string }, s: Shown): void {
      open.set(key(stepKey.executionId, stepKey.stepId), s);
      ids.add(s.id);
    },
    frames(e: FeedEvent): Frame[] {
      const data = e.data as Record<string, unknown>;
      if (e.type === 'hitl.requested') {
        const id = String(data.hitlId ?? '');
        if (!id || ids.has(id)) return [];
        const s: Shown = { id, executionId: e.executionId, nodeId: String(data.nodeId) };
        open.set(key(e.executionId, data.stepId), s);
        ids.add(id);
        const request = {
          ...s,
          prompt: String(data.prompt ?? ''),
          formSchema: data.formSchema ?? null,
          status: 'open',
          timeoutAt: data.timeoutAt ?? null,
          createdAt: e.at,
        };
        return [{ type: 'hitl.opened', request }];
      }
      if (e.type === 'hitl.resolved') {
        const k = key(e.executionId, data.stepId);
        const s = open.get(k);
        if (!s) return [];
        open.delete(k);
        const answer = (data.data ?? {}) as { decision?: unknown; timedOut?: unknown };
        const timedOut = answer.timedOut === true;
        return [{ type: 'hitl.closed', ...s, status: timedOut ? 'expired' : 'answered', ...(!timedOut && answer.decision !== undefined ? { decision: answer.decision } : {}) }];
      }
      if (e.type === FINISHED) {
        const closed: Frame[] = [];
        for (const [k, s] of open) {
          if (s.executionId !== e.executionId) continue;
          open.delete(k);
          closed.push({ type: 'hitl.closed', ...s, status: 'cancelled' });
        }
        return closed;
      }
      return [];
    },
  };
}

export function wsHitlHandler(d: StreamDeps) {

  return function hitlSocket(socket: WsSocket, req: FastifyRequest): void {
    const opts = optionsOf(d);
    const ctx = requirePrincipal(req.ctx);
    const conn = wsConnection(socket, opts);
    // Nothing to answer on this socket: whatever a client sends is ignored.
    socket.on('message', () => undefined);
    const tracker = hitlTracker();
    let held: FeedEvent[] | null = [];
    const emit = (e: FeedEvent) => {
      for (const f of tracker.frames(e)) if (!conn.send(f)) return;
    };
    const unsubscribe = d.module.subscribeOwner(ctx.principal.userId, (e) => {
      if (!RELEVANT.has(e.type)) return;
      if (held === null) return emit(e);
      held.push(e);
      if (held.length > opts.maxQueuedEvents) conn.close(CLOSE.policy, 'too far behind');
    });
    conn.onClose(() => {
      unsubscribe();
      held = null;
    });

    void (async () => {
      if (!(await slotOrClose(d, conn, req)) || conn.closed) return;
      try {
        const rows = await openHitlSnapshot(d.db, ctx.principal.userId, opts.hitlSnapshotLimit);
        for (const r of rows) tracker.show(r, { id: r.id, executionId: r.executionId, nodeId: r.nodeId });
        if (!conn.send({ type: 'snapshot', requests: rows.map(hitlView) })) return;
        const pending = held ?? [];
        held = null;
        for (const e of pending) emit(e);
      } catch (e) {
        req.log.warn({ err: e }, 'hitl socket failed');
        conn.close(CLOSE.internal, 'INTERNAL');
      }
    })();
  };
}
