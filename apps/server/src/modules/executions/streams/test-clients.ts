/**
 * Minimal SSE and WebSocket clients over real sockets, for the stream tests and bench/stream-fanout.ts.
 * SSE uses undici's fetch with a connection pool of its own per client, destroyed with it: a shared pool keeps
 * (and even opens) idle connections that never send a request, and Node's server.close() waits on those.
 * WebSocket uses `ws` (installed with @fastify/websocket; loaded with require because it ships no types of its own).
 */
import { createRequire } from 'node:module';
import { Agent, fetch } from 'undici';
import { waitFor } from '../../../testing/wait-for.ts';

export { waitFor };

export interface SseMessage {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

export interface SseClient {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly messages: SseMessage[];
  readonly comments: string[];
  /** Resolves when the server ends the stream (or it breaks). */
  readonly ended: Promise<void>;
  /** Resolves once a message matching `pred` has arrived (searching what already came too). */
  next(pred: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>;
  body(): Promise<string>;
  close(): void;
}

function parseBlock(block: string, onComment: (c: string) => void): SseMessage | null {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) onComment(line.slice(1).trim());
    else if (line.startsWith('id: ')) id = line.slice(4);
    else if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data.push(line.slice(6));
  }
  return data.length > 0 ? { ...(id !== undefined ? { id } : {}), event, data: data.join('\n') } : null;
}

export async function openSse(url: string, headers: Record<string, string> = {}, onMessage?: (m: SseMessage) => void): Promise<SseClient> {
  const abort = new AbortController();
  const agent = new Agent({ connections: 1 });
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal, dispatcher: agent });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  // A refusal's body is read at once, so the client's pool can go with it.
  const text = res.status === 200 ? '' : await res.text();
  const ended = (async () => {
    if (res.status !== 200 || !res.body) return;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const m = parseBlock(block, (c) => comments.push(c));
          if (m) {
            messages.push(m);
            onMessage?.(m);
          }
        }
      }
    } catch {
      // Aborted by close(), or the server cut the connection: either way the stream has ended.
    }
  })().finally(() => agent.destroy().catch(() => undefined));
  return {
    status: res.status,
    headers: res.headers,
    messages,
    comments,
    ended,
    next: (pred, timeoutMs = 10_000) => waitFor(() => messages.find(pred), timeoutMs, 'an SSE message'),
    body: async () => text,
    close: () => {
      abort.abort();
      void agent.destroy().catch(() => undefined);
    },
  };
}

/** The slice of `ws`'s client the tests use. */
interface WsClientSocket {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  terminate(): void;
  pause(): void;
  on(event: 'open', l: () => void): void;
  on(event: 'message', l: (data: { toString(): string }) => void): void;
  on(event: 'close', l: (code: number, reason: { toString(): string }) => void): void;
  on(event: 'error', l: (err: Error) => void): void;
  on(event: 'unexpected-response', l: (req: unknown, res: { statusCode: number; on(e: 'data', l: (c: Buffer) => void): void; on(e: 'end', l: () => void): void }) => void): void;
}

const WebSocketClient = (createRequire(import.meta.url)('ws') as { WebSocket: new (url: string, opts?: { headers?: Record<string, string> }) => WsClientSocket }).WebSocket;

export interface WsClient {
  readonly socket: WsClientSocket;
  readonly messages: Array<Record<string, unknown>>;
  readonly closed: Promise<{ code: number; reason: string }>;
  send(message: unknown): void;
  next(pred: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): void;
}

/** Opens a socket; resolves with the client, or with the refused handshake's status and body. */
export function openWs(url: string, headers: Record<string, string> = {}): Promise<WsClient | { refused: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocketClient(url, { headers });
    const messages: Array<Record<string, unknown>> = [];
    let onClose: (v: { code: number; reason: string }) => void = () => undefined;
    const closed = new Promise<{ code: number; reason: string }>((r) => (onClose = r));
    socket.on('message', (d) => messages.push(JSON.parse(d.toString()) as Record<string, unknown>));
    socket.on('close', (code, reason) => onClose({ code, reason: reason.toString() }));
    socket.on('error', (err) => reject(err));
    socket.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c) => (body += c.toString()));
      res.on('end', () => resolve({ refused: res.statusCode, body }));
    });
    socket.on('open', () =>
      resolve({
        socket,
        messages,
        closed,
        send: (m) => socket.send(JSON.stringify(m)),
        next: (pred, timeoutMs = 10_000) => waitFor(() => messages.find(pred), timeoutMs, 'a WebSocket message'),
        close: () => socket.close(),
      }),
    );
  });
}

export function isOpen(c: WsClient | { refused: number; body: string }): c is WsClient {
  return 'socket' in c;
}
