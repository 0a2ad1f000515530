import type { NodeRunContext } from '@gatehouse/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodeJsHandler } from './code-js.ts';
import { createSandbox, type Sandbox, type SandboxLogEntry } from './sandbox.ts';
import { nodeContext } from './testing.ts';

let sandbox: Sandbox;
beforeAll(() => {
  sandbox = createSandbox({ size: 1, limits: { cpuTimeMs: 500 } });
});
afterAll(async () => sandbox?.close());

const logged: Array<{ nodeId: string; logs: readonly SandboxLogEntry[]; truncated: boolean }> = [];
const handler = () =>
  createCodeJsHandler({ sandbox, maxTimeoutMs: 2_000, onLogs: (ctx, logs, truncated) => logged.push({ nodeId: ctx.nodeId, logs, truncated }) });
const run = (config: Record<string, unknown>, over: Partial<NodeRunContext> = {}) =>
  handler().run(nodeContext(config, { nodeType: 'code.js', ...over }));
const failure = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: 'resolved', message: '' }),
    (e: { code: string; message: string }) => e,
  );

describe('code.js node', () => {
  it('returns what the code returns, computed from $input, $json, $node and $execution', async () => {
    const t0 = performance.now();
    const r = await run(
      {
        source: `
          const total = $input.items.reduce((s, i) => s + i.price, 0);
          return { total, same: $json === $input, user: $node['fetch-user'].body.name, run: $execution.id, trigger: $execution.input.source };`,
      },
      {
        input: { items: [{ price: 2 }, { price: 3 }] },
        upstream: { 'fetch-user': { body: { name: 'Ada' } } },
        executionInput: { source: 'webhook' },
      },
    );
    console.info(`code.js first run incl. sandbox thread start: ${(performance.now() - t0).toFixed(1)} ms (reported, not asserted)`);
    expect(r).toEqual({
      kind: 'output',
      data: { total: 5, same: true, user: 'Ada', run: '00000000-0000-4000-8000-000000000001', trigger: 'webhook' },
    });
  });

  it('gives null, not an error, for a missing input', async () => {
    const r = await run({ source: 'return [$input, $execution.input]' }, { input: undefined, executionInput: undefined });
    expect(r).toEqual({ kind: 'output', data: [null, null] });
  });

  it('hands what the code logged to onLogs', async () => {
    logged.length = 0;
    await run({ source: 'console.log("hello", $input.n); return 1' }, { input: { n: 7 }, nodeId: 'js1' });
    expect(logged).toEqual([{ nodeId: 'js1', logs: [{ level: 'log', message: 'hello 7' }], truncated: false }]);
  });

  it('leaves its source to the handler: the engine must not resolve templates in it', () => {
    expect(handler().lazyConfig).toEqual(['source']);
  });

  it('applies the node timeout, within the handler ceiling', async () => {
    const e = await failure(run({ source: 'while (true) {}', timeoutMs: 100 }));
    expect(e.code).toBe('SANDBOX_TIMEOUT');
    expect(e.message).toMatch(/100 ms/);
    const tooLong = await failure(run({ source: 'return 1', timeoutMs: 60_000 }));
    expect(tooLong).toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringMatching(/at most 2000/) });
  });

  it('is stopped by the execution stop signal', async () => {
    const ac = new AbortController();
    const pending = failure(run({ source: 'while (true) {}', timeoutMs: 2_000 }, { signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    expect((await pending).code).toBe('SANDBOX_ABORTED');
  });

  it('cannot see server secrets or the environment', async () => {
    const r = await run({ source: 'return [typeof process, typeof require, Object.keys(globalThis).filter((k) => !k.startsWith("$"))]' });
    expect(r).toEqual({ kind: 'output', data: ['undefined', 'undefined', []] });
  });

  it.each([
    [{}, /source/],
    [{ source: '' }, /source/],
    [{ source: 42 }, /source/],
    [{ source: 'return 1', timeoutMs: 0 }, /timeoutMs/],
    [{ source: 'return 1', other: true }, /additional/],
  ])('refuses an invalid config %j', async (config, message) => {
    const e = await failure(run(config));
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.message).toMatch(message);
  });
});
