import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WorkflowDefinition, WorkflowEdge } from '../definition.ts';
import { buildGraph as engineGraph } from '../graph.ts';
import { compile } from './compile.ts';
import { REGISTRY, T, e, lookup, n } from './testing.ts';

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

  it('handles an inner loop whose done path leads through more nodes back to the outer loop', () => {
    const p = plan({
      nodes: [T, n('outer', 'logic.loop'), n('inner', 'logic.loop'), n('work'), n('sum'), n('after')],
      edges: [
        e('t', 'outer'),
        e('outer', 'inner', 'loop'),
        e('inner', 'work', 'loop'),
        e('work', 'inner'),
        e('inner', 'sum', 'done'),
        e('sum', 'outer'),
        e('outer', 'after', 'done'),
      ],
    });
    expect([...p.backEdges].sort()).toEqual(['sum-outer', 'work-inner']);
    expect([...p.order].sort()).toEqual(['after', 'inner', 'outer', 'sum', 't', 'work']);
  });

  it('handles two loops one after the other inside an outer loop, and a body branch that leaves the loop', () => {
    const p = plan({
      nodes: [T, n('o', 'logic.loop'), n('i1', 'logic.loop'), n('w1'), n('i2', 'logic.loop'), n('w2'), n('side'), n('end')],
      edges: [
        e('t', 'o'),
        e('o', 'i1', 'loop'),
        e('i1', 'w1', 'loop'),
        e('w1', 'i1'),
        e('w1', 'side'),
        e('i1', 'i2', 'done'),
        e('i2', 'w2', 'loop'),
        e('w2', 'i2'),
        e('i2', 'o', 'done'),
        e('o', 'end', 'done'),
      ],
    });
    expect([...p.backEdges].sort()).toEqual(['i2-o-done', 'w1-i1', 'w2-i2']);
    expect(p.order).toHaveLength(8);
  });

  it('compiles a 2,000-node chain without recursion limits', () => {
    const nodes = [T, ...Array.from({ length: 1999 }, (_, i) => n(`n${i}`, 'data.set', { v: `{{ $node.${i === 0 ? 't' : `n${i - 1}`}.v + 1 }}` }))];
    const edges = nodes.slice(1).map((x, i) => e(nodes[i]!.id, x.id));
    const p = plan({ nodes, edges });
    expect(p.levels).toHaveLength(2000);
    expect(p.order.at(-1)).toBe('n1998');
  });
});

/** Node ids reachable from the triggers over every edge, as the engine could reach them. */
function reachable(def: WorkflowDefinition): Set<string> {
  const seen = new Set(def.nodes.filter((x) => REGISTRY.get(x.type)?.trigger === true).map((x) => x.id));
  const queue = [...seen];
  for (let i = 0; i < queue.length; i++) {
    for (const edge of def.edges) {
      if (edge.source === queue[i] && !seen.has(edge.target)) {
        seen.add(edge.target);
        queue.push(edge.target);
      }
    }
  }
  return seen;
}

const TYPES = ['data.set', 'logic.loop', 'logic.if', 'logic.loop'] as const;
const PORTS: Record<(typeof TYPES)[number], (string | undefined)[]> = {
  'data.set': [undefined, 'main'],
  'logic.loop': [undefined, 'loop', 'done', 'done'],
  'logic.if': ['true', 'false'],
};

/** Small random workflows, loop-heavy: one trigger, up to 7 more nodes, edges between any two of them. */
const workflows = fc
  .array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 7 })
  .chain((types) =>
    fc.record({
      types: fc.constant(types),
      edges: fc.array(fc.tuple(fc.nat(types.length), fc.integer({ min: 1, max: types.length }), fc.nat(3)), { maxLength: types.length * 3 }),
    }),
  )
  .map(({ types, edges }): WorkflowDefinition => {
    const nodes = [T, ...types.map((type, i) => n(`n${i}`, type))];
    const out: WorkflowEdge[] = [];
    edges.forEach(([from, to, port], i) => {
      const source = nodes[from]!;
      const ports = source.type === T.type ? [undefined] : PORTS[source.type as (typeof TYPES)[number]];
      const sourceHandle = ports[port % ports.length];
      out.push({ id: `e${i}`, source: source.id, target: nodes[to]!.id, ...(sourceHandle ? { sourceHandle } : {}) });
    });
    return { nodes, edges: out };
  });

describe('the plan of every valid workflow', () => {
  it('places every reachable node exactly once, after all its forward predecessors, and agrees with the engine on back edges', () => {
    let valid = 0;
    let withLoops = 0;
    fc.assert(
      fc.property(workflows, (def) => {
        const r = compile(def, lookup);
        if (!r.valid) return;
        valid++;
        const p = r.plan!;
        if (p.backEdges.length > 0) withLoops++;
        const expected = reachable(def);
        expect([...p.order].sort()).toEqual([...expected].sort());
        expect(p.levels.flat()).toEqual(p.order);
        const level = new Map(p.levels.flatMap((l, i) => l.map((id) => [id, i] as const)));
        const back = new Set(p.backEdges);
        for (const edge of def.edges) {
          if (!expected.has(edge.source)) continue;
          if (back.has(edge.id)) expect(def.nodes.find((x) => x.id === edge.target)!.type).toBe('logic.loop');
          else expect(level.get(edge.source)!).toBeLessThan(level.get(edge.target)!);
        }
        // The scheduler finds back edges on its own (packages/engine/src/graph.ts); it must find the same ones.
        const engine = engineGraph(def, (type) => REGISTRY.get(type)?.trigger === true);
        expect([...engine.backEdges].sort()).toEqual([...back].sort());
      }),
      { numRuns: 3000, seed: 5 },
    );
    // The generator must actually exercise loops, or the property proves little.
    expect(valid).toBeGreaterThan(300);
    expect(withLoops).toBeGreaterThan(30);
  });
});
