import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KIB, MIB } from './node-config.ts';
import { createSandbox, type Sandbox, type SandboxRunRequest } from './sandbox.ts';

let sandbox: Sandbox;
let coldMs = 0;
beforeAll(async () => {
  sandbox = createSandbox({ size: 2, limits: { cpuTimeMs: 300, memoryBytes: 32 * MIB } });
  const t0 = performance.now();
  await sandbox.run({ code: 'return 1', globals: {} });
  coldMs = performance.now() - t0;
});
afterAll(async () => sandbox?.close());

const run = (code: string, over: Partial<SandboxRunRequest> = {}) => sandbox.run({ code, globals: { $input: { n: 2 } }, ...over });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: 'resolved', message: '' }),
    (e: { code: string; message: string }) => e,
  );

describe('JavaScript sandbox', () => {
  it('runs a transform on its input and returns a JSON value (cold and warm timings are reported)', async () => {
    const t0 = performance.now();
    const r = await sandbox.run({
      code: `
        const items = $input.items;
        return { total: items.reduce((s, i) => s + i.price * i.qty, 0), names: items.map((i) => i.name.toUpperCase()) };`,
      globals: { $input: { items: [{ name: 'a', price: 2, qty: 3 }, { name: 'b', price: 1.5, qty: 2 }] } },
    });
    const warmMs = performance.now() - t0;
    expect(r.value).toEqual({ total: 9, names: ['A', 'B'] });
    console.info(`sandbox timings (reported, not asserted): first run incl. thread start ${coldMs.toFixed(1)} ms, warm run ${warmMs.toFixed(1)} ms, guest ${r.durationMs.toFixed(2)} ms`);
  });

  it('supports await and aliases of globals', async () => {
    const r = await run('const x = await Promise.resolve($input.n); return [x * 2, $json === $input]', { aliases: { $json: '$input' } });
    expect(r.value).toEqual([4, true]);
  });

  it('stops an infinite loop at the CPU time limit, even inside try/catch or across awaits', async () => {
    for (const code of ['while (true) {}', 'try { while (true) {} } catch (e) { return "escaped" }', 'for (;;) await null']) {
      const e = await failure(run(code));
      expect([code, e.code]).toEqual([code, 'SANDBOX_TIMEOUT']);
      expect(e.message).toMatch(/CPU time limit of 300 ms/);
    }
  });

  it('kills a thread stuck in a native operation that cannot be interrupted, and keeps serving', async () => {
    // A deeply nested JSON.stringify never reaches QuickJS's interrupt check; only the watchdog can end it. Building the
    // object takes ~150 ms (more on a busy machine), and the limit is wall time: it must not be what stops the run.
    // The stringify alone takes ~18 s, so the watchdog (limit + grace) always comes first.
    const s = createSandbox({ size: 1, graceMs: 200, limits: { cpuTimeMs: 2_000, maxStackBytes: MIB } });
    try {
      const e = await failure(s.run({ code: 'let o = {}; for (let i = 0; i < 100000; i++) o = { o }; return JSON.stringify(o).length', globals: {} }));
      expect(e.code).toBe('SANDBOX_TIMEOUT');
      expect(e.message).toMatch(/stopped by force/);
      expect((await s.run({ code: 'return "alive"', globals: {} })).value).toBe('alive');
    } finally {
      await s.close();
    }
  });

  it.each([
    ['many medium strings', 'const a = []; while (true) a.push("x".repeat(100000) + a.length)'],
    ['many small objects', 'const a = []; while (true) a.push({ i: a.length, s: [1, 2, 3] })'],
    ['one huge string', 'return "x".repeat(1e9).length'],
    ['doubling a string', 'let s = "x"; while (true) s += s'],
    ['typed arrays', 'const a = []; while (true) a.push(new Uint8Array(1 << 20))'],
  ])('stops a memory bomb (%s) at the memory limit, then runs the next guest normally', async (_name, code) => {
    const e = await failure(run(code, { limits: { cpuTimeMs: 5_000 } }));
    expect(e.code).toBe('SANDBOX_MEMORY');
    expect(e.message).toMatch(/memory limit of 32 MiB/);
    expect((await run('return $input.n + 1')).value).toBe(3);
  });

  it('stops runaway recursion with a stack error', async () => {
    const e = await failure(run('function f(n) { return f(n + 1) + 1 }\nreturn f(0)'));
    expect(e.code).toBe('SANDBOX_STACK');
    expect(e.message).toMatch(/line 1/);
  });

  it('refuses a result over the output cap and an input over the input cap', async () => {
    const big = await failure(run('return "x".repeat(200000)', { limits: { maxOutputBytes: 100 * KIB } }));
    expect(big.code).toBe('SANDBOX_OUTPUT_TOO_LARGE');
    const wide = await failure(run('return new Array(50000).fill("ab")', { limits: { maxOutputBytes: 100 * KIB } }));
    expect(wide.code).toBe('SANDBOX_OUTPUT_TOO_LARGE');
    const input = await failure(run('return 1', { globals: { $input: 'x'.repeat(2000) }, limits: { maxInputBytes: 1000 } }));
    expect(input.code).toBe('SANDBOX_INPUT_TOO_LARGE');
  });

  it('offers no way to the host: process, require, fetch, timers, WebAssembly and globals are absent', async () => {
    const r = await run(`return {
      process: typeof process, require: typeof require, fetch: typeof globalThis.fetch, module: typeof module,
      setTimeout: typeof setTimeout, WebAssembly: typeof WebAssembly, XMLHttpRequest: typeof XMLHttpRequest,
      Deno: typeof Deno, Bun: typeof Bun, std: typeof std, os: typeof os, Buffer: typeof Buffer,
      viaFunction: typeof new Function('return typeof process')() === 'string' ? new Function('return typeof process')() : 'x',
      viaConstructor: (() => { try { return typeof this.constructor.constructor('return process')(); } catch (e) { return 'threw' } })(),
      globals: Object.getOwnPropertyNames(globalThis).filter((k) => k.startsWith('$')),
    }`);
    expect(r.value).toEqual({
      process: 'undefined', require: 'undefined', fetch: 'undefined', module: 'undefined', setTimeout: 'undefined',
      WebAssembly: 'undefined', XMLHttpRequest: 'undefined', Deno: 'undefined', Bun: 'undefined', std: 'undefined',
      os: 'undefined', Buffer: 'undefined', viaFunction: 'undefined', viaConstructor: 'threw', globals: ['$input'],
    });
  });

  it.each(['fs', 'os', 'std', 'node:child_process', 'https://example.com/x.js'])('cannot import("%s")', async (name) => {
    const e = await failure(run(`return await import(${JSON.stringify(name)})`));
    expect(e.code).toBe('SANDBOX_CODE_ERROR');
    expect(e.message).toMatch(/could not load module/);
  });

  it('rejects static imports as a syntax error', async () => {
    expect((await failure(run('import fs from "fs"\nreturn 1'))).code).toBe('SANDBOX_SYNTAX');
  });

  it('starts every run from a clean context and never touches the host objects it was given', async () => {
    await run('globalThis.leak = 1; Object.prototype.polluted = true; Array.prototype.push = null; return 0');
    const r = await run('return [typeof leak, ({}).polluted === undefined, typeof [].push]');
    expect(r.value).toEqual(['undefined', true, 'function']);
    const input = { list: [1, 2] };
    const changed = await sandbox.run({ code: '$input.list.push(3); $input.extra = 1; return $input', globals: { $input: input } });
    expect(changed.value).toEqual({ list: [1, 2, 3], extra: 1 });
    expect(input).toEqual({ list: [1, 2] });
  });

  it('captures console output into a bounded log', async () => {
    const r = await run('console.log("a", { b: 1 }, [2]); console.error(new Error("x").message); for (let i = 0; i < 500; i++) console.log(i); return null', {
      limits: { maxLogEntries: 10 },
    });
    expect(r.logs[0]).toEqual({ level: 'log', message: 'a {"b":1} [2]' });
    expect(r.logs[1]).toEqual({ level: 'error', message: 'x' });
    expect(r.logs).toHaveLength(10);
    expect(r.logsTruncated).toBe(true);
    const long = await run('console.log("y".repeat(100000)); return null', { limits: { maxLogBytes: 1000 } });
    expect(long.logs[0]!.message).toHaveLength(1000);
    expect(long.logsTruncated).toBe(true);
  });

  it.each([
    ['a missing return', 'const x = 1', /forget "return"/],
    ['a BigInt', 'return 1n', /BigInt/i],
    ['a cycle', 'const o = {}; o.o = o; return o', /circular/i],
    ['a function', 'return () => 1', /cannot represent/],
  ])('refuses %s as a result', async (_name, code, message) => {
    const e = await failure(run(code));
    expect(e.code).toBe('SANDBOX_NOT_SERIALISABLE');
    expect(e.message).toMatch(message);
  });

  it('reports syntax errors, thrown errors and promises that never settle clearly', async () => {
    expect(await failure(run('return {'))).toMatchObject({ code: 'SANDBOX_SYNTAX', message: expect.stringMatching(/SyntaxError/) });
    expect(await failure(run('\n\nthrow new TypeError("bad input")'))).toEqual(
      expect.objectContaining({ code: 'SANDBOX_CODE_ERROR', message: 'TypeError: bad input (line 3)' }),
    );
    expect((await failure(run('await new Promise(() => {})'))).code).toBe('SANDBOX_NEVER_SETTLES');
  });

  it('is stopped by the abort signal at once, whether running or waiting, and keeps serving', async () => {
    const ac = new AbortController();
    const pending = failure(run('while (true) {}', { signal: ac.signal, limits: { cpuTimeMs: 60_000 } }));
    setTimeout(() => ac.abort(), 100);
    expect((await pending).code).toBe('SANDBOX_ABORTED');
    expect((await failure(run('return 1', { signal: AbortSignal.abort() }))).code).toBe('SANDBOX_ABORTED');
    expect((await run('return "after"')).value).toBe('after');
  });

  it('refuses new runs when too many are waiting', async () => {
    const s = createSandbox({ size: 1, maxQueue: 1, limits: { cpuTimeMs: 200 } });
    try {
      await s.warm();
      const first = failure(s.run({ code: 'while (true) {}', globals: {} }));
      const second = s.run({ code: 'return 2', globals: {} });
      expect((await failure(s.run({ code: 'return 3', globals: {} }))).code).toBe('SANDBOX_BUSY');
      expect((await first).code).toBe('SANDBOX_TIMEOUT');
      expect((await second).value).toBe(2);
    } finally {
      await s.close();
    }
  });

  it('rejects invalid limits', async () => {
    expect((await failure(run('return 1', { limits: { cpuTimeMs: 0 } }))).code).toBe('INVALID_CONFIG');
  });
});
