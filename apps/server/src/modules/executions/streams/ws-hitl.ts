/**
 * `/ws/hitl/`: the caller's human-in-the-loop requests as they open and close, across all their executions.
 *
 * Frames: `{ type: 'snapshot', requests }` first (the requests open now, oldest first), then
 * `{ type: 'hitl.opened', request }` and `{ type: 'hitl.closed', id, executionId, nodeId, status, decision? }`.
 * It subscribes before it reads the snapshot and holds what arrives meanwhile, then replays that against the set of
 * requests it has shown: an opening already in the snapshot is not repeated, a closing of a request the client never
 * saw is not sent. A run that ends closes its open requests (`cancelled`), as the table does.
 *
 * The bus may lose a message (Redis pub/sub is at-most-once), so after `hitlRecheckMs` without a live event the
 * socket compares what it has shown with the table, holding live events meanwhile as it does at the start: a request
 * it never announced is announced, one it shows open that has closed is closed with the table's status.
 */
import type { FastifyRequest } from 'fastify';
import { requirePrincipal } from '../../../http/context.ts';
import { hitlView } from '../hitl.service.ts';
import { optionsOf, type StreamDeps } from './deps.ts';
import { FINISHED, type FeedEvent } from './event-feed.ts';
import type { HitlRow } from '../executions.repo.ts';
import { hitlOfOwner, openHitlSnapshot } from './streams.repo.ts';
import { slotOrClose } from './ws-execution.ts';
import { whenQuiet } from './when-quiet.ts';
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
  const show = (stepKey: { executionId: string; stepId: string }, s: Shown): void => {
    open.set(key(stepKey.executionId, stepKey.stepId), s);
    ids.add(s.id);
  };
  return {
    show,
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
    /** Open requests of the table the client has never been shown (a lost `hitl.requested`). */
    missed(rows: readonly HitlRow[]): Frame[] {
      const frames: Frame[] = [];
      for (const r of rows) {
        if (ids.has(r.id) || r.status !== 'open') continue;
        show(r, { id: r.id, executionId: r.executionId, nodeId: r.nodeId });
        frames.push({ type: 'hitl.opened', request: hitlView(r) });
      }
      return frames;
    },
    /** The ids the client sees as open now. */
    openIds: (): string[] => [...open.values()].map((s) => s.id),
    /** Requests the client sees as open that the table says are closed (a lost `hitl.resolved` or end of run). */
    closedSince(rows: readonly HitlRow[]): Frame[] {
      const frames: Frame[] = [];
      for (const r of rows) {
        const k = key(r.executionId, r.stepId);
        const s = open.get(k);
        if (!s || r.status === 'open') continue;
        open.delete(k);
        frames.push({ type: 'hitl.closed', ...s, status: r.status, ...(r.status === 'answered' && r.decision !== null ? { decision: r.decision } : {}) });
      }
      return frames;
    },
  };
}

export function wsHitlHandler(d: StreamDeps) {
  return function hitlSocket(socket: WsSocket, req: FastifyRequest): void {
    const opts = optionsOf(d);
    const ctx = requirePrincipal(req.ctx);
    const owner = ctx.principal.userId;
    const conn = wsConnection(socket, opts);
    // Nothing to answer on this socket: whatever a client sends is ignored.
    socket.on('message', () => undefined);
    const tracker = hitlTracker();
    /** Live events that arrive while the table is read (the snapshot, or a recheck); null when live. */
    let held: FeedEvent[] | null = [];
    // No recheck while the table is being read already.
    const quiet = whenQuiet(opts.hitlRecheckMs, () => {
      if (held !== null || conn.closed) return false;
      void fromTable(async () => {
        const [openNow, shown] = await Promise.all([openHitlSnapshot(d.db, owner, opts.hitlSnapshotLimit), hitlOfOwner(d.db, owner, tracker.openIds())]);
        return [...tracker.closedSince(shown), ...tracker.missed(openNow)];
      });
    });

    const sendAll = (frames: readonly Frame[]) => {
      for (const f of frames) if (!conn.send(f)) return;
    };
    const unsubscribe = d.module.subscribeOwner(owner, (e) => {
      if (!RELEVANT.has(e.type)) return;
      quiet.heard();
      if (held === null) return sendAll(tracker.frames(e));
      held.push(e);
      if (held.length > opts.maxQueuedEvents) conn.close(CLOSE.policy, 'too far behind');
    });

    /** Reads the table with live events held, then sends what it found and what was held, in that order. */
    const fromTable = async (read: () => Promise<readonly Frame[]>) => {
      held = [];
      try {
        const frames = await read();
        if (conn.closed) return;
        sendAll(frames);
        const pending: FeedEvent[] = held ?? [];
        held = null;
        for (const e of pending) sendAll(tracker.frames(e));
      } catch (e) {
        req.log.warn({ err: e }, 'hitl socket failed');
        conn.close(CLOSE.internal, 'INTERNAL');
      }
    };

    conn.onClose(() => {
      quiet.stop();
      unsubscribe();
      held = null;
    });

    void (async () => {
      if (!(await slotOrClose(d, conn, req)) || conn.closed) return;
      await fromTable(async () => {
        const rows = await openHitlSnapshot(d.db, owner, opts.hitlSnapshotLimit);
        for (const r of rows) tracker.show(r, { id: r.id, executionId: r.executionId, nodeId: r.nodeId });
        return [{ type: 'snapshot', requests: rows.map(hitlView) }];
      });
    })();
  };
}
