import { describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '../definition.ts';
import { compile } from './compile.ts';
import { T, e, lookup, n } from './testing.ts';

describe('compile plans a valid workflow', () => {
  const plan = (def: WorkflowDefinition) => {
    const r = compile(def, lookup);
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    return r.plan!;
  };

  it('orders a chain and puts each node on its own level', () => {
    expect(plan({ nodes: [T, n('a'), n('b')], edges: [e('t', 'a'), e('a', 'b')] })).toEqual({
      entryNodes: ['t'],
      order: ['t', 'a', 'b'],
      levels: [['t'], ['a'], ['b']],
      backEdges: [],
    });
  });

  it('puts independent branches on one level and a join after the longest branch', () => {
    const p = plan({ nodes: [T, n('c'), n('b'), n('a'), n('d')], edges: [e('t', 'a'), e('t', 'b'), e('a', 'c'), e('b', 'c'), e('c', 'd'), e('t', 'd')] });
    expect(p.levels).toEqual([['t'], ['b', 'a'], ['c'], ['d']]);
    expect(p.order).toEqual(['t', 'b', 'a', 'c', 'd']);
  });

  it('starts from every trigger and leaves unreachable nodes out', () => {
    const p = plan({ nodes: [T, n('t2', 'trigger.manual'), n('a'), n('island')], edges: [e('t', 'a'), e('t2', 'a')] });
    expect(p.entryNodes).toEqual(['t', 't2']);
    expect(p.order).toEqual(['t', 't2', 'a']);
  });

  it('runs a loop body after its loop node and names the edge that closes the loop', () => {
    const p = plan({
      nodes: [T, n('l', 'logic.loop'), n('a'), n('b'), n('c')],
      edges: [e('t', 'l'), e('l', 'a', 'loop'), e('a', 'b'), e('b', 'l'), e('l', 'c', 'done')],
    });
    expect(p.levels).toEqual([['t'], ['l'], ['a', 'c'], ['b']]);
    expect(p.backEdges).toEqual(['b-l']);
  });

  it('handles nested loops', () => {
    const p = plan({
      nodes: [T, n('outer', 'logic.loop'), n('inner', 'logic.loop'), n('work'), n('after')],
      edges: [e('t', 'outer'), e('outer', 'inner', 'loop'), e('inner', 'work', 'loop'), e('work', 'inner'), e('inner', 'outer', 'done'), e('outer', 'after', 'done')],
    });
    expect([...p.backEdges].sort()).toEqual(['inner-outer-done', 'work-inner']);
    expect(p.order).toEqual(['t', 'outer', 'inner', 'after', 'work']);
  });

  it('compiles a 2,000-node chain without recursion limits', () => {
    const nodes = [T, ...Array.from({ length: 1999 }, (_, i) => n(`n${i}`, 'data.set', { v: `{{ $node.${i === 0 ? 't' : `n${i - 1}`}.v + 1 }}` }))];
    const edges = nodes.slice(1).map((x, i) => e(nodes[i]!.id, x.id));
    const p = plan({ nodes, edges });
    expect(p.levels).toHaveLength(2000);
    expect(p.order.at(-1)).toBe('n1998');
  });
});
