/**
 * What every stream socket shares: JSON frames with a bound on what may sit unsent (a slow consumer is dropped, never
 * queued for without limit), pings that find dead peers, and one place that runs the clean-up when it closes.
 */
import type { StreamOptions } from './deps.ts';

/** The slice of `ws`'s WebSocket the streams use (what @fastify/websocket hands a route's wsHandler). */
export interface WsSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  on(event: 'message', listener: (data: unknown, isBinary: boolean) => void): unknown;
  on(event: 'close' | 'pong', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

const OPEN = 1;

export const CLOSE = {
  normal: 1000,
  /** The client sent something that cannot be a stream request. */
  policy: 1008,
  internal: 1011,
  /** Over the concurrent-stream limit: "try again later". */
  tryLater: 1013,
} as const;

export interface WsConnection {
  readonly closed: boolean;
  /** Sends one JSON frame; false when the socket is gone or was dropped for falling behind. */
  send(message: unknown): boolean;
  close(code: number, reason: string): void;
  onClose(fn: () => void): void;
}

export function wsConnection(socket: WsSocket, opts: Pick<StreamOptions, 'heartbeatMs' | 'maxBufferedBytes'>): WsConnection {
  const cleanups: Array<() => void> = [];
  let closed = false;
  let alive = true;
  const shut = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    for (const fn of cleanups.splice(0)) {
      try {
        fn();
      } catch {
        // One failing clean-up must not skip the others (a slot left taken would lock the user out).
      }
    }
  };
  const heartbeat = setInterval(() => {
    // No pong since the last ping: the peer is gone without a close frame.
    if (!alive) return socket.terminate();
    alive = false;
    if (socket.readyState === OPEN) socket.ping();
  }, opts.heartbeatMs);
  heartbeat.unref();
  socket.on('pong', () => (alive = true));
  socket.on('close', shut);
  socket.on('error', () => socket.terminate());

  return {
    get closed() {
      return closed;
    },
    send(message) {
      if (closed || socket.readyState !== OPEN) return false;
      if (socket.bufferedAmount > opts.maxBufferedBytes) {
        // A close frame would wait behind the backlog: cut the connection instead.
        socket.terminate();
        shut();
        return false;
      }
      socket.send(JSON.stringify(message));
      return true;
    },
    close(code, reason) {
      if (socket.readyState === OPEN) socket.close(code, reason);
      else socket.terminate();
      shut();
    },
    onClose(fn) {
      if (closed) fn();
      else cleanups.push(fn);
    },
  };
}
