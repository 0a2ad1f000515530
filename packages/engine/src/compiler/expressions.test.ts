import fc from 'fast-check';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { findTemplates, parseJsonata, parseSimplePath, referencesOf } from './expressions.ts';
import { ExpressionSyntaxError } from './types.ts';

describe('findTemplates', () => {
  // The engine's own pattern: what the compiler finds must be exactly what the engine will evaluate.
  const ENGINE = /\{\{([\s\S]+?)\}\}/g;
  const engine = (s: string) => [...s.matchAll(ENGINE)].map((m) => ({ start: m.index, source: m[1] }));

  it.each([
    ['plain text', 'no templates here', []],
    ['one template', 'a {{ $input.x }} b', [{ start: 2, source: ' $input.x ' }]],
    ['two templates', '{{a}}-{{b}}', [{ start: 0, source: 'a' }, { start: 6, source: 'b' }]],
    ['a template ends at the first }}', '{{ {"a":{"b":1}} }}', [{ start: 0, source: ' {"a":{"b":1' }]],
    ['an unclosed one', 'x {{ y', [{ start: 2, source: null }]],
    ['empty braces are text', '{{}}', [{ start: 0, source: null }]],
    ['three opening braces', '{{{a}}', [{ start: 0, source: '{a' }]],
  ])('%s', (_n, s, expected) => {
    expect(findTemplates(s)).toEqual(expected);
  });

  it('agrees with the engine on every closed template', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('{', '}', 'a', ' ', '$'), { maxLength: 30 }), (chars) => {
        const s = chars.join('');
        expect(findTemplates(s).filter((t) => t.source !== null)).toEqual(engine(s));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the fast lane', () => {
  const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
  const quoted = fc.stringMatching(/^[^`]{1,6}$/).map((s) => `\`${s}\``);
  const path = fc
    .tuple(fc.constantFrom('node', 'input', 'execution', 'x', 'nodex'), fc.array(fc.oneof(name, quoted, fc.constantFrom('true', '1a', 'and')), { maxLength: 3 }))
    .map(([v, steps]) => `$${v}${steps.map((s) => `.${s}`).join('')}`);
  const literal = fc.constantFrom('0', '12', '1.5', '2e3', '007', '"a b"', "'x'", '"q\\"', 'true', 'null', 'falsey', '-1');
  const op = fc.constantFrom('+', '-', '*', '/', '=', '!=', '<', '<=', '>', '>=', '&', 'and', 'or', '%', 'in', '..', '~>', '(', ')', '$', '.', ',');
  const space = fc.constantFrom('', '', ' ', '  ', '\n');
  // Mostly well-formed operand-operator sequences, with junk tokens mixed in so that rejection is exercised too.
  const expression = fc.array(fc.tuple(fc.oneof({ arbitrary: path, weight: 3 }, { arbitrary: literal, weight: 1 }), space, op, space), { minLength: 1, maxLength: 4 })
    .chain((parts) => fc.tuple(fc.constant(parts), fc.oneof(path, literal), space))
    .map(([parts, last, pad]) => `${pad}${parts.map(([a, s1, o, s2]) => `${a}${s1}${o}${s2}`).join('')}${last}${pad}`);

  // Calls and parentheses around generated expressions, nested a few levels, some with junk inside.
  const nested = fc.letrec((tie) => ({
    e: fc.oneof({ depthSize: 'small', withCrossShrink: true }, expression, tie('call'), tie('group')),
    call: fc
      .tuple(
        fc.constantFrom('$string', '$count', '$node', '$lookup', '$f', '$sum '),
        fc.array(tie('e'), { maxLength: 3 }),
        fc.constantFrom(',', ', ', ' , ', ',,'),
        fc.constantFrom('', '', ',', ' ,'),
      )
      .map(([f, args, sep, tail]) => `${f}(${(args as string[]).join(sep)}${tail})`),
    group: fc.tuple(tie('e'), op, tie('e')).map(([a, o, b]) => `(${a as string} ${o} ${b as string})`),
  })).e as fc.Arbitrary<string>;

  const jsonataRefs = (src: string) => {
    try {
      const r = referencesOf(jsonata(src).ast());
      return { nodeRefs: [...r.nodeRefs].sort(), dynamicNodeAccess: r.dynamicNodeAccess };
    } catch {
      return undefined;
    }
  };

  it('accepts only what jsonata parses, with the same references', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(path, expression, nested), (src) => {
        const fast = parseSimplePath(src);
        if (fast === undefined) return;
        accepted++;
        expect({ nodeRefs: [...fast.nodeRefs].sort(), dynamicNodeAccess: fast.dynamicNodeAccess }, src).toEqual(jsonataRefs(src));
      }),
      { numRuns: 8000 },
    );
    // The lane must actually take a good share of these, or the property above proves nothing.
    expect(accepted).toBeGreaterThan(500);
  });

  it.each([
    ['$node.a.v', ['a']],
    ['$node.`fetch-user`.id & " " & $input.name', ['fetch-user']],
    ['$node.a.count * 2 > 10 and $node.b.ok = true', ['a', 'b']],
    ['$input.n >= 5', []],
    ['$string($node.a.v) & ($node.b.n + 1)', ['a', 'b']],
    ['$count($node.list.items) > 0', ['list']],
  ])('reads %s without jsonata', (src, refs) => {
    expect(parseSimplePath(src)?.nodeRefs).toEqual(refs);
  });

  it.each(['$input.true', '$input.1a', '$node.a b', '$node.a[0]', '$string ($node.a)', '$lookup($node, "a")', '$ node', '$a and$b', '$a % 2', '-1', '"a\\"b"'])(
    'leaves %s to jsonata',
    (src) => {
      expect(parseSimplePath(src)).toBeUndefined();
    },
  );
});

describe('parseJsonata', () => {
  it.each([
    ['$node.fetch.body', ['fetch'], false],
    ['$node.`fetch-user`.id', ['fetch-user'], false],
    ['$node.a.x + $node.b.y', ['a', 'b'], false],
    ['$lookup($node, "a")', ['a'], false],
    ['$node.a.items[price > $node.b.min].name', ['a', 'b'], false],
    ['$map($node.a.list, function($v) { $v * 2 })', ['a'], false],
    ['$node', [], true],
    ['$node[$input.k]', [], true],
    ['$lookup($node, $input.k)', [], true],
    ['$input.x * 2', [], false],
    ['"$node.a is only a string"', [], false],
  ])('%s reads %j', (src, refs, dynamic) => {
    const r = parseJsonata(src);
    expect([...r.nodeRefs].sort()).toEqual(refs);
    expect(r.dynamicNodeAccess).toBe(dynamic);
  });

  it.each([
    ['blank', ' '],
    ['an open group', '$input.('],
    ['a dangling operator', '1 +'],
    ['unbalanced parentheses', '((((('],
    ['50,000 nested parentheses (overflows the parser, which must not crash)', '('.repeat(50_000)],
  ])('refuses %s with a syntax error', (_n, src) => {
    expect(() => parseJsonata(src)).toThrow(ExpressionSyntaxError);
  });
});
