/**
 * Requests Node's HTTP parser rejects before Fastify sees them (oversized or flooded headers, garbage on the wire)
 * still get the contract's error shape and the security headers, and never crash the process.
 */
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
