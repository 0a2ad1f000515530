/**
 * Requests Node's HTTP parser rejects before Fastify sees them (oversized or flooded headers, garbage on the wire)
 * still get the contract's error shape and the security headers, and never crash the process.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SECURITY_HEADERS } from './security-headers.ts';

const REASONS: Record<number, [string, string]> = {
  400: ['Bad Request', 'BAD_REQUEST'],
  408: ['Request Timeout', 'REQUEST_TIMEOUT'],
  413: ['Payload Too Large', 'PAYLOAD_TOO_LARGE'],
  431: ['Request Header Fields Too Large', 'HEADERS_TOO_LARGE'],
};

export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status =
    err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const [text, code] = REASONS[status] ?? REASONS[400]!;
  const requestId = randomUUID();
  const body = JSON.stringify({ error: text, code, requestId });
  const head = [
    `HTTP/1.1 ${status} ${text}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    `x-request-id: ${requestId}`,
    ...Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${body}`);
}

/**
 * Requests Fastify's router refuses before any route or hook runs — a path that is not valid percent-encoding
 * (`/api/users/%ZZ`), a path parameter past the length limit — would get Fastify's own body without our headers.
 * This is Fastify's `frameworkErrors` hook: the same shape and headers as every other error.
 */
export function frameworkErrorHandler(
  err: Error & { code?: string },
  request: { id: string | number },
  reply: { raw: ServerResponse },
): void {
  const [status, error, code] =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? [414, 'A path parameter is too long', 'PATH_PARAM_TOO_LONG']
      : err.code === 'FST_ERR_BAD_URL'
        ? [400, 'The path is not valid percent-encoding', 'BAD_URL']
        : [500, 'Internal server error', 'INTERNAL'];
  const body = JSON.stringify({ error, code, requestId: String(request.id) });
  const res = reply.raw;
  if (res.headersSent) return void res.end();
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': String(request.id),
  });
  res.end(body);
}
