import type { ExpressionEvaluator } from '@gatehouse/engine';
import { describe, expect, it } from 'vitest';
import { createExpressionEvaluator, findTemplate, resolveTemplates } from './expressions.ts';

const evaluate = createExpressionEvaluator();
const scope = {
  $input: { n: 3, name: 'Ada', list: [1, 2], obj: { k: 'v' }, nothing: null, yes: true },
  $node: { fetch: { body: { id: 7 } } },
  $execution: { id: 'e1', input: {} },
};
const resolve = (config: unknown, lazy?: string[]) => resolveTemplates(config, evaluate, scope, lazy ? { lazy } : {});

describe('resolveTemplates', () => {
  it('turns a string that is exactly one template into the raw value, of any type', async () => {
    expect(
      await resolve({
        n: '{{ $input.n }}',
        spaced: '  {{ $input.name }}  ',
        list: '{{ $input.list }}',
        obj: '{{$input.obj}}',
        nil: '{{ $input.nothing }}',
        bool: '{{ $input.yes }}',
        computed: '{{ $input.n * 2 }}',
        missing: '{{ $input.absent }}',
      }),
    ).toEqual({ n: 3, spaced: 'Ada', list: [1, 2], obj: { k: 'v' }, nil: null, bool: true, computed: 6, missing: undefined });
  });

  it('interpolates templates embedded in text', async () => {
    expect(
      await resolve({
        url: 'https://api.example.com/users/{{ $node.fetch.body.id }}?name={{ $input.name }}',
        json: 'list={{ $input.list }} obj={{ $input.obj }} nil={{ $input.nothing }} gone={{ $input.absent }}.',
        two: '{{ $input.n }}{{ $input.n }}',
      }),
    ).toEqual({
      url: 'https://api.example.com/users/7?name=Ada',
      json: 'list=[1,2] obj={"k":"v"} nil=null gone=.',
      two: '33',
    });
  });

  it('ends a template at the first }} and leaves what is not a template alone', async () => {
    expect(findTemplate('a {{ x }} b {{ y }}')).toEqual({ start: 2, end: 9, source: ' x ' });
    expect(findTemplate('{{}}')).toBeUndefined();
    expect(findTemplate('{{ open')).toBeUndefined();
    expect(
      await resolve({
        nested: '{{ {"a": {"b": $input.n} } }}',
        open: 'a {{ not closed',
        empty: '{{}}',
        plain: 'no templates',
        twoWhole: '{{ $input.n }} and {{ $input.name }}',
      }),
    ).toEqual({ nested: { a: { b: 3 } }, open: 'a {{ not closed', empty: '{{}}', plain: 'no templates', twoWhole: '3 and Ada' });
  });

  it('walks nested objects and arrays, leaves other values and lazy keys as they are, and copies', async () => {
    const config = {
      headers: { 'x-id': '{{ $execution.id }}' },
      items: ['{{ $input.n }}', { deep: ['{{ $input.name }}'] }, 4, null, false],
      condition: '{{ $item.price > 10 }}',
      count: 5,
    };
    const before = JSON.stringify(config);
    expect(await resolve(config, ['condition'])).toEqual({
      headers: { 'x-id': 'e1' },
      items: [3, { deep: ['Ada'] }, 4, null, false],
      condition: '{{ $item.price > 10 }}',
      count: 5,
    });
    expect(JSON.stringify(config)).toBe(before);
  });

  it('keeps a __proto__ key in the config as a plain key', async () => {
    const config = JSON.parse('{"__proto__": {"polluted": "{{ $input.name }}"}, "a": "{{ $input.n }}"}') as unknown;
    const out = (await resolve(config)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 'Ada' });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('names the config path of a failing template', async () => {
    const e = await resolve({ headers: { auth: 'Bearer {{ $input.( }}' } }).catch((x: { code: string; message: string }) => x);
    expect(e).toMatchObject({ code: 'EXPRESSION_INVALID', message: expect.stringContaining('(config.headers.auth)') });
    const list = await resolve({ items: ['ok', '{{ $nope() }}'] }).catch((x: { code: string; message: string }) => x);
    expect(list).toMatchObject({ code: 'EXPRESSION_FAILED', message: expect.stringContaining('(config.items[1])') });
  });

  it('refuses a config nested past the depth limit', async () => {
    let deep: unknown = '{{ $input.n }}';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    await expect(resolve(deep)).rejects.toMatchObject({ code: 'CONFIG_TOO_DEEP' });
  });

  it('passes each expression and the scope to the evaluator it is given', async () => {
    const seen: Array<[string, unknown]> = [];
    const spy: ExpressionEvaluator = async (e, s) => (seen.push([e, s]), `<${e.trim()}>`);
    expect(await resolveTemplates({ a: 'x{{ one }}y{{two}}' }, spy, scope)).toEqual({ a: 'x<one>y<two>' });
    expect(seen).toEqual([
      [' one ', scope],
      ['two', scope],
    ]);
  });
});
