import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { createExpressionEvaluator } from './expressions.ts';

const evaluate = createExpressionEvaluator({ timeoutMs: 300 });
const scope = {
  $input: { a: 2, name: 'Ada', items: [{ price: 2, qty: 3 }, { price: 1.5, qty: 2 }], flag: true },
  $node: { fetch: { status: 200, body: { id: 7, tags: ['x', 'y'] } }, 'fetch-user': { body: { name: 'Grace' } } },
  $execution: { id: 'exec-1', input: { source: 'webhook' } },
};
const failure = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: 'resolved', message: '' }),
    (e: { code: string; message: string }) => e,
  );

describe('expression evaluator', () => {
  it.each([
    ['$input.a * 3 + 1', 7],
    ['$sum($input.items.(price * qty))', 9],
    ['$input.name & " Lovelace"', 'Ada Lovelace'],
    ['$input.flag ? "yes" : "no"', 'yes'],
    ['$count($input.items[price > 1.6])', 1],
    ['a + 1', 3], // the context `$` is $input
    ['{ "total": $input.a, "list": [1, 2] }', { total: 2, list: [1, 2] }],
    ['$input.missing', undefined],
  ])('evaluates %s', async (expr, expected) => {
    expect(await evaluate(expr, scope)).toEqual(expected);
  });

  it('reads upstream outputs and the execution', async () => {
    expect(await evaluate('$node.fetch.body.id', scope)).toBe(7);
    expect(await evaluate('$node.`fetch-user`.body.name', scope)).toBe('Grace');
    expect(await evaluate('$node.fetch.body.tags[1]', scope)).toBe('y');
    expect(await evaluate('$execution.id & "/" & $execution.input.source', scope)).toBe('exec-1/webhook');
    expect(await evaluate('$item.n * $index', { ...scope, $item: { n: 5 }, $index: 2 })).toBe(10);
  });

  it('answers plain paths exactly as JSONata does', async () => {
    const key = fc.constantFrom('a', 'b', 'c', 'x_1', 'true', '__proto__', 'constructor');
    const json = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(null, 0, 1.5, 'str', true),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, json, { maxKeys: 4 }), fc.array(key, { minLength: 0, maxLength: 4 }), async (input, steps) => {
        const path = `$input${steps.map((s) => `.\`${s}\``).join('')}`;
        const fast = await evaluate(path, { $input: input });
        const slow = await jsonata(path).evaluate({}, { input });
        expect(JSON.stringify(fast)).toEqual(JSON.stringify(slow));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps separate state for concurrent evaluations of one cached expression', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => evaluate('$input.n * 2 + $count($input.list)', { $input: { n: i, list: [i] } })));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2 + 1));
  });

  it('stops a runaway expression at the time limit', async () => {
    const e = await failure(evaluate('( $loop := function($n) { $loop($n + 1) }; $loop(0) )', scope));
    expect(e.code).toBe('EXPRESSION_TIMEOUT');
    expect(e.message).toMatch(/longer than 300 ms/);
  });

  it('stops deep recursion at the depth limit', async () => {
    const e = await failure(evaluate('( $f := function($n) { 1 + $f($n + 1) }; $f(0) )', scope));
    expect(e.code).toBe('EXPRESSION_TOO_DEEP');
  });

  it.each([
    ['a doubling string', '( $f := function($s, $n) { $n = 0 ? $length($s) : $f($s & $s, $n - 1) }; $f("x", 40) )'],
    ['a huge $pad', '$pad("x", 100000000)'],
    ['a huge range', '[1..20000000]'],
    ['a doubling array', '( $f := function($a, $n) { $n = 0 ? $count($a) : $f($append($a, $a), $n - 1) }; $f([1], 40) )'],
  ])('stops %s before it can exhaust memory', async (_name, expr) => {
    expect((await failure(evaluate(expr, scope))).code).toBe('EXPRESSION_TOO_LARGE');
  });

  it('runs regular expressions, and stops catastrophic backtracking at the time limit', async () => {
    expect(await evaluate('$match("abc abd", /ab(.)/).groups', scope)).toEqual(['c', 'd']);
    expect(await evaluate('$replace("a-b-c", /-/, "+")', scope)).toBe('a+b+c');
    expect(await evaluate('$split("a1b22c", /[0-9]+/)', scope)).toEqual(['a', 'b', 'c']);
    expect(await evaluate('$contains($input.name, /ADA/i)', scope)).toBe(true);
    for (const redos of ['$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)', '$contains("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /^(a|a)*$/)']) {
      expect((await failure(evaluate(redos, scope))).code).toBe('EXPRESSION_TIMEOUT');
    }
  });

  it.each([
    ['$input.(', /invalid expression: .*position/],
    ['', /empty expression/],
    ['1 +', /invalid expression/],
  ])('reports the invalid expression %j clearly', async (expr, message) => {
    const e = await failure(evaluate(expr, scope));
    expect(e.code).toBe('EXPRESSION_INVALID');
    expect(e.message).toMatch(message);
  });

  it('reports evaluation errors with the expression', async () => {
    const e = await failure(evaluate('$nope(1)', scope));
    expect(e.code).toBe('EXPRESSION_FAILED');
    expect(e.message).toContain('{{ $nope(1) }}');
  });

  it('reaches nothing but the scope', async () => {
    for (const expr of ['$process', '$require', '$globalThis', '$input.constructor', '$input.constructor.constructor', '$lookup($input, "constructor")', '$input.__proto__', '$input.hasOwnProperty', 'constructor']) {
      expect([expr, await evaluate(expr, scope)]).toEqual([expr, undefined]);
    }
    expect((await failure(evaluate('$string', scope))).message).toMatch(/returned a function/);
    expect((await failure(evaluate('$input.constructor("return process")()', scope))).code).toBe('EXPRESSION_FAILED');
  });

  it('never lets a __proto__ key pollute prototypes, from the scope or from the output', async () => {
    const withProto = { $input: JSON.parse('{"a": 1, "__proto__": {"polluted": true}}') as Record<string, unknown> };
    expect(await evaluate('$input.__proto__.polluted', withProto)).toBe(true); // an own key is plain data
    const outputs = await Promise.all([
      evaluate('$input ~> | $ | {"__proto__": {"polluted": true}} |', withProto),
      evaluate('$merge([$input, {"__proto__": {"polluted": true}}])', withProto),
      evaluate('{"__proto__": {"polluted": true}, "b": 2}', withProto),
      evaluate('$input', withProto),
    ]);
    for (const out of outputs) {
      expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
      expect((out as { polluted?: unknown }).polluted).toBeUndefined();
    }
    expect(Object.keys(outputs[2] as object)).toEqual(['__proto__', 'b']);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect((Object.prototype as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('returns plain JSON data: plain arrays, no functions, bounded size', async () => {
    const seq = await evaluate('$input.items.price', scope);
    expect(seq).toEqual([2, 1.5]);
    expect(Object.keys(seq as object)).toEqual(['0', '1']);
    const small = createExpressionEvaluator({ maxResultBytes: 1000 });
    expect((await failure(small('$node.fetch', { $node: { fetch: { body: 'x'.repeat(5000) } } }))).code).toBe('EXPRESSION_TOO_LARGE');
    expect((await failure(small('[1..10].{ "pad": $pad("", 200, "x") }', {}))).code).toBe('EXPRESSION_TOO_LARGE');
  });
});
