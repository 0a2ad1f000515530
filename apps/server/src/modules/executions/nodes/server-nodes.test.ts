import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTemplates } from './templates.ts';
import { createServerNodes, type ServerNodes } from './server-nodes.ts';
import { localServer, nodeContext, type LocalServer } from './testing.ts';

let server: LocalServer;
let nodes: ServerNodes;
beforeAll(async () => {
  server = await localServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, items: [{ price: 2, qty: 3 }, { price: 4, qty: 1 }] }));
  });
  // Only IP literals are used below, so the system resolver is never asked.
  nodes = createServerNodes({ egressAllow: ['127.0.0.1'], sandbox: { size: 1 } });
});
afterAll(async () => {
  await nodes?.close();
  await server?.close();
});

describe('server nodes, wired as the engine uses them', () => {
  it('resolves templates, calls out through the guard, and transforms the answer in the sandbox', async () => {
    const scope = { $input: { orderId: 42 }, $node: {}, $execution: { id: 'e1', input: {} } };
    const httpConfig = await resolveTemplates({ url: `${server.url}/orders/{{ $input.orderId }}`, headers: { 'x-run': '{{ $execution.id }}' } }, nodes.evaluate, scope);
    const fetched = await nodes.handlers['http.request'].run(nodeContext(httpConfig as Record<string, unknown>, { nodeId: 'fetch' }));
    expect(fetched.kind).toBe('output');
    const fetchOut = (fetched as { data: { status: number; body: { path: string } } }).data;
    expect(fetchOut).toMatchObject({ status: 200, body: { path: '/orders/42' } });
    expect(server.requests.at(-1)!.headers['x-run']).toBe('e1');

    const code = nodes.handlers['code.js'];
    const codeConfig = await resolveTemplates({ source: 'return "{{ not a template here }}".length + $input.body.items.reduce((s, i) => s + i.price * i.qty, 0)' }, nodes.evaluate, scope, {
      lazy: code.lazyConfig ?? [],
    });
    const total = await code.run(nodeContext(codeConfig as Record<string, unknown>, { input: fetchOut, upstream: { fetch: fetchOut } }));
    expect(total).toEqual({ kind: 'output', data: '{{ not a template here }}'.length + 10 });
  });

  it('refuses what the operator did not allow', async () => {
    const e = await nodes.handlers['http.request'].run(nodeContext({ url: 'http://169.254.169.254/latest/meta-data/' })).catch((x: { code: string }) => x);
    expect(e).toMatchObject({ code: 'EGRESS_BLOCKED' });
  });
});
