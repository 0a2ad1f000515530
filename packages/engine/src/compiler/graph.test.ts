import { describe, expect, it } from 'vitest';
import { buildGraph, reachableFrom, stronglyConnected } from './graph.ts';
import { checkLimits, nestedDeeperThan } from './limits.ts';
import { formatPath, pointerSegments } from './paths.ts';

const graph = (n: number, pairs: [number, number][]) => buildGraph(n, pairs.map(([from, to], index) => ({ from, to, index })));
/** Components as sorted lists of members, sorted: comparable whatever Tarjan's numbering. */
const groups = (n: number, pairs: [number, number][]) => {
  const c = stronglyConnected(graph(n, pairs));
  const by = new Map<number, number[]>();
  for (let v = 0; v < n; v++) by.set(c.comp[v]!, [...(by.get(c.comp[v]!) ?? []), v]);
  return [...by.values()].sort((a, b) => a[0]! - b[0]!);
};

describe('stronglyConnected', () => {
  it.each<[string, number, [number, number][], number[][]]>([
    ['no edges', 3, [], [[0], [1], [2]]],
    ['a chain', 3, [[0, 1], [1, 2]], [[0], [1], [2]]],
    ['one cycle', 3, [[0, 1], [1, 2], [2, 0]], [[0, 1, 2]]],
    ['two cycles joined one way', 5, [[0, 1], [1, 0], [1, 2], [2, 3], [3, 4], [4, 2]], [[0, 1], [2, 3, 4]]],
    ['a cycle with a tail in and out', 5, [[0, 1], [1, 2], [2, 1], [2, 3], [4, 0]], [[0], [1, 2], [3], [4]]],
  ])('finds the components of %s', (_n, n, pairs, expected) => {
    expect(groups(n, pairs)).toEqual(expected);
  });

  it('numbers components sinks first, so no edge goes from a lower number to a higher one', () => {
    const pairs: [number, number][] = [[0, 1], [1, 2], [2, 1], [2, 3], [4, 0], [4, 3]];
    const c = stronglyConnected(graph(5, pairs));
    for (const [a, b] of pairs) expect(c.comp[a]!).toBeGreaterThanOrEqual(c.comp[b]!);
  });

  it('handles a 100,000-node chain without recursion', () => {
    const n = 100_000;
    const c = stronglyConnected(graph(n, Array.from({ length: n - 1 }, (_, i) => [i, i + 1] as [number, number])));
    expect(c.count).toBe(n);
  });
});

describe('reachableFrom', () => {
  it('marks what the roots reach and nothing else', () => {
    expect([...reachableFrom(graph(5, [[0, 1], [1, 2], [3, 4]]), [0])]).toEqual([1, 1, 1, 0, 0]);
  });
});

describe('limits', () => {
  it.each([
    [{}, 1],
    [{ a: 1 }, 1],
    [{ a: {} }, 2],
    [{ a: [[{}]] }, 4],
  ])('%j is %i deep', (v, depth) => {
    expect(nestedDeeperThan(v, depth)).toBe(false);
    expect(nestedDeeperThan(v, depth - 1)).toBe(true);
  });

  it('reports node and edge caps, and configs nested too deeply, and nothing else', () => {
    const def = { nodes: [{ id: 'a', type: 'x', config: { a: { b: {} } } }, { id: 'b', type: '??', config: {} }], edges: [] };
    expect(checkLimits(def, { maxConfigDepth: 2 }).map((p) => [p.code, p.nodeId])).toEqual([['CONFIG_TOO_DEEP', 'a']]);
    expect(checkLimits(def, { maxNodes: 1 }).map((p) => p.code)).toEqual(['TOO_MANY_NODES']);
    expect(checkLimits(def)).toEqual([]);
  });
});

describe('paths', () => {
  it.each([
    ['', {}, '$.config'],
    ['/a/0/b', { a: [{ b: 1 }] }, '$.config.a[0].b'],
    ['/0', { '0': 1 }, '$.config["0"]'],
    ['/a~1b/c~0d', { 'a/b': { 'c~d': 1 } }, '$.config["a/b"]["c~d"]'],
  ])('turns the pointer %j into %s', (pointer, value, path) => {
    expect(formatPath('$.config', pointerSegments(pointer, value))).toBe(path);
  });
});
