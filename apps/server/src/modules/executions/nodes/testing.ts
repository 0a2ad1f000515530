/**
 * Test helpers for the egress guard and the nodes that use it. Everything here stays on loopback: a local HTTP
 * server on 127.0.0.1, a resolver stub that answers from a fixed table (and never asks real DNS), and connectors
 * that record what they were asked to dial.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildConnector } from 'undici';
import type { NodeRunContext } from '@gatehouse/engine';
import type { Connector, Resolver, ResolvedAddress } from './egress.ts';

/** Answers from `table`; any other name fails like NXDOMAIN. */
export function stubResolver(table: Readonly<Record<string, readonly string[]>>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string): Promise<readonly ResolvedAddress[]> => {
    calls.push(hostname);
    const found = table[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

/** Records every dial and refuses all of them: for tests where nothing may be dialled at all. */
export function refusingConnector(): Connector & { calls: string[] } {
  const calls: string[] = [];
  const connect: Connector = (opts, callback) => {
    calls.push(opts.hostname);
    callback(new Error(`test connector: dialling ${opts.hostname} was not expected`), null);
  };
  return Object.assign(connect, { calls });
}

/** Records every dial; dials only loopback (anything else is refused here too, as a second line of defence). */
export function loopbackConnector(): Connector & { calls: string[] } {
  const calls: string[] = [];
  const real = buildConnector({ timeout: 2_000 });
  const connect: Connector = (opts, callback) => {
    calls.push(opts.hostname);
    if (opts.hostname !== '127.0.0.1' && opts.hostname !== '::1') {
      callback(new Error(`test connector: refusing to dial non-loopback ${opts.hostname}`), null);
      return;
    }
    real(opts, callback);
  };
  return Object.assign(connect, { calls });
}

export interface LocalServer {
  readonly port: number;
  readonly url: string;
  readonly requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records each request (headers and body) before handing it to `handler`. */
export async function localServer(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<LocalServer> {
  const requests: LocalServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Streams `total` bytes of 'x' in 64 KiB chunks, honouring back-pressure; with `declare`, sends Content-Length. */
export function streamBytes(res: ServerResponse, total: number, declare: boolean): void {
  res.writeHead(200, { 'content-type': 'text/plain', ...(declare ? { 'content-length': String(total) } : {}) });
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  res.on('error', () => undefined); // the client hangs up once it has read its cap
  pump();
}

/** A NodeRunContext for calling a handler directly, as the engine would after resolving templates. */
export function nodeContext(config: Record<string, unknown>, over: Partial<NodeRunContext> = {}): NodeRunContext {
  return {
    executionId: '00000000-0000-4000-8000-000000000001',
    ownerId: '00000000-0000-4000-8000-000000000002',
    nodeId: 'n1',
    nodeType: 'test',
    stepId: 's1',
    attempt: 1,
    signal: new AbortController().signal,
    config,
    input: {},
    upstream: {},
    executionInput: {},
    emitThought: () => undefined,
    ...over,
  };
}
