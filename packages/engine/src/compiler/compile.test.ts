import { describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '../definition.ts';
import { compile } from './compile.ts';
import { T, e, lookup, n } from './testing.ts';
import type { CompileOptions, ValidateConfig } from './types.ts';

interface Expected {
  code: string;
  nodeId?: string;
  edgeId?: string;
  path?: string;
}

interface Case {
  name: string;
  def: WorkflowDefinition;
  problems: Expected[];
  options?: CompileOptions;
}

// Each case lists every problem it must produce, no more: the comparison is exact, so a check that reports too
// much fails as surely as one that reports too little.
const CASES: Case[] = [
  { name: 'a valid chain', def: { nodes: [T, n('a'), n('b')], edges: [e('t', 'a'), e('a', 'b')] }, problems: [] },
  {
    name: 'an unknown node type, and someone else’s custom type (the lookup cannot see it)',
    def: { nodes: [T, n('a', 'nope.nope'), n('b', 'custom.theirs')], edges: [e('t', 'a'), e('a', 'b')] },
    problems: [
      { code: 'UNKNOWN_NODE_TYPE', nodeId: 'a', path: '$.type' },
      { code: 'UNKNOWN_NODE_TYPE', nodeId: 'b', path: '$.type' },
    ],
  },
  {
    name: 'duplicate node and edge ids',
    def: { nodes: [T, n('a'), n('a')], edges: [e('t', 'a'), { ...e('t', 'a'), sourceHandle: 'main' }] },
    problems: [
      { code: 'DUPLICATE_NODE_ID', nodeId: 'a', path: '$.id' },
      { code: 'DUPLICATE_EDGE_ID', edgeId: 't-a', path: '$.id' },
      { code: 'DUPLICATE_EDGE', edgeId: 't-a' },
    ],
  },
  {
    name: 'ids with odd characters',
    def: { nodes: [T, n('a b'), n(''), n('x'.repeat(65))], edges: [{ id: 'e/1', source: 't', target: 'a b' }] },
    problems: [
      { code: 'INVALID_ID', nodeId: 'a b', path: '$.id' },
      { code: 'INVALID_ID', nodeId: '', path: '$.id' },
      { code: 'INVALID_ID', nodeId: 'x'.repeat(65), path: '$.id' },
      { code: 'UNREACHABLE', nodeId: '' },
      { code: 'UNREACHABLE', nodeId: 'x'.repeat(65) },
      { code: 'INVALID_ID', edgeId: 'e/1', path: '$.id' },
    ],
  },
  {
    name: 'dangling edges at either end',
    def: { nodes: [T, n('a')], edges: [e('t', 'a'), e('ghost', 'a'), e('a', 'void')] },
    problems: [
      { code: 'DANGLING_EDGE', edgeId: 'ghost-a', path: '$.source' },
      { code: 'DANGLING_EDGE', edgeId: 'a-void', path: '$.target' },
    ],
  },
  {
    name: 'a self-loop (an edge to itself), even on a loop node',
    def: { nodes: [T, n('a'), n('l', 'logic.loop')], edges: [e('t', 'a'), e('a', 'a'), e('a', 'l'), e('l', 'l', 'loop')] },
    problems: [
      { code: 'SELF_LOOP', edgeId: 'a-a' },
      { code: 'SELF_LOOP', edgeId: 'l-l-loop' },
    ],
  },
  {
    name: 'unknown ports, and an edge into a trigger (such edges never fire, so what they lead to is unreachable)',
    def: {
      nodes: [T, n('a'), n('b'), n('c'), n('if', 'logic.if')],
      edges: [e('t', 'a'), e('t', 'b', 'nope'), e('a', 'c', undefined, 'side'), e('a', 'if'), e('if', 't', 'true')],
    },
    problems: [
      { code: 'UNKNOWN_PORT', edgeId: 't-b-nope', path: '$.sourceHandle' },
      { code: 'UNKNOWN_PORT', edgeId: 'a-c', path: '$.targetHandle' },
      { code: 'UNKNOWN_PORT', edgeId: 'if-t-true', path: '$.target' },
      { code: 'UNREACHABLE', nodeId: 'b' },
      { code: 'UNREACHABLE', nodeId: 'c' },
    ],
  },
  {
    name: 'a cycle outside logic.loop',
    def: { nodes: [T, n('a'), n('b'), n('c')], edges: [e('t', 'a'), e('a', 'b'), e('b', 'c'), e('c', 'a')] },
    problems: [{ code: 'CYCLE', nodeId: 'a' }],
  },
  {
    name: 'a loop closed through its done port (a cycle the loop does not govern)',
    def: { nodes: [T, n('l', 'logic.loop'), n('x')], edges: [e('t', 'l'), e('l', 'x', 'done'), e('x', 'l')] },
    problems: [{ code: 'CYCLE', nodeId: 'l' }],
  },
  {
    name: 'a loop whose body leads back to a node before the loop (the body is entered from outside it)',
    def: {
      nodes: [T, n('x'), n('l', 'logic.loop'), n('a'), n('z')],
      edges: [e('t', 'x'), e('x', 'l'), e('l', 'a', 'loop'), e('a', 'x'), e('l', 'z', 'done')],
    },
    problems: [{ code: 'CYCLE', nodeId: 'l', edgeId: 't-x' }],
  },
  {
    name: 'an inner loop whose body returns to the outer loop instead of its own',
    def: {
      nodes: [T, n('l1', 'logic.loop'), n('l2', 'logic.loop'), n('a')],
      edges: [e('t', 'l1'), e('l1', 'l2', 'loop'), e('l2', 'a', 'loop'), e('a', 'l1')],
    },
    problems: [{ code: 'CYCLE', nodeId: 'l2', edgeId: 't-l1' }],
  },
  {
    name: 'a loop whose done output leads into its own body',
    def: {
      nodes: [T, n('l', 'logic.loop'), n('a'), n('b')],
      edges: [e('t', 'l'), e('l', 'a', 'loop'), e('a', 'b'), e('b', 'l'), e('l', 'b', 'done')],
    },
    problems: [{ code: 'CYCLE', nodeId: 'l', edgeId: 'l-b-done' }],
  },
  {
    name: 'a loop whose body is entered again from after the loop',
    def: {
      nodes: [T, n('l', 'logic.loop'), n('a'), n('z')],
      edges: [e('t', 'l'), e('l', 'a', 'loop'), e('a', 'l'), e('l', 'z', 'done'), e('z', 'a')],
    },
    problems: [{ code: 'CYCLE', nodeId: 'l', edgeId: 'z-a' }],
  },
  {
    name: 'a cycle inside a loop body that does not pass through the loop node',
    def: {
      nodes: [T, n('l', 'logic.loop'), n('a'), n('b')],
      edges: [e('t', 'l'), e('l', 'a', 'loop'), e('a', 'b'), e('b', 'a'), e('b', 'l')],
    },
    problems: [{ code: 'CYCLE', nodeId: 'a' }],
  },
  {
    name: 'loops nested deeper than the cap',
    def: {
      nodes: [T, n('outer', 'logic.loop'), n('inner', 'logic.loop'), n('work')],
      edges: [e('t', 'outer'), e('outer', 'inner', 'loop'), e('inner', 'work', 'loop'), e('work', 'inner'), e('inner', 'outer', 'done')],
    },
    options: { limits: { maxLoopDepth: 1 } },
    problems: [{ code: 'LOOPS_TOO_DEEP', nodeId: 'inner' }],
  },
  { name: 'no trigger', def: { nodes: [n('a'), n('b')], edges: [e('a', 'b')] }, problems: [{ code: 'NO_TRIGGER' }] },
  {
    name: 'unreachable nodes (a warning: still valid)',
    def: { nodes: [T, n('a'), n('island'), n('island2')], edges: [e('t', 'a'), e('island', 'island2')] },
    problems: [
      { code: 'UNREACHABLE', nodeId: 'island' },
      { code: 'UNREACHABLE', nodeId: 'island2' },
    ],
  },
  {
    name: 'config failing its schema, with JSON paths',
    def: { nodes: [T, n('a', 'data.set', { cases: [{ port: 5 }], 'odd key': 1 })], edges: [e('t', 'a')] },
    options: {
      validateConfig: ((_spec, config) => (config as { cases?: unknown }).cases === undefined ? [] : [
        { pointer: '/cases/0/port', message: 'must be string' },
        { pointer: '/odd key', message: 'is not allowed' },
        { pointer: '', message: 'must have required property url' },
      ]) satisfies ValidateConfig,
    },
    problems: [
      { code: 'INVALID_CONFIG', nodeId: 'a', path: '$.config.cases[0].port' },
      { code: 'INVALID_CONFIG', nodeId: 'a', path: '$.config["odd key"]' },
      { code: 'INVALID_CONFIG', nodeId: 'a', path: '$.config' },
    ],
  },
  {
    name: 'config that is not an object, or nested too deeply',
    def: {
      nodes: [T, { id: 'a', type: 'data.set', config: [] as never }, n('b', 'data.set', { x: { y: { z: { w: {} } } } })],
      edges: [e('t', 'a'), e('a', 'b')],
    },
    options: { limits: { maxConfigDepth: 4 } },
    problems: [
      { code: 'INVALID_CONFIG', nodeId: 'a', path: '$.config' },
      { code: 'CONFIG_TOO_DEEP', nodeId: 'b', path: '$.config' },
    ],
  },
  {
    name: 'expressions that do not parse, unclosed and dynamic ones',
    def: {
      nodes: [
        T,
        n('a', 'data.set', { values: { x: '{{ $input.( }}', y: 'hi {{ }}', z: ['ok {{ $input.a }}', 'oops {{ $input.b'] } }),
        n('b', 'data.set', { all: '{{ $node }}', key: '{{ $node[$input.k] }}' }),
      ],
      edges: [e('t', 'a'), e('a', 'b')],
    },
    problems: [
      { code: 'EXPRESSION_SYNTAX', nodeId: 'a', path: '$.config.values.x' },
      { code: 'EXPRESSION_SYNTAX', nodeId: 'a', path: '$.config.values.y' },
      { code: 'EXPRESSION_UNCLOSED', nodeId: 'a', path: '$.config.values.z[1]' },
      { code: 'EXPRESSION_DYNAMIC_NODE_ACCESS', nodeId: 'b', path: '$.config.all' },
      { code: 'EXPRESSION_DYNAMIC_NODE_ACCESS', nodeId: 'b', path: '$.config.key' },
    ],
  },
  {
    name: 'expressions reading nodes that are not upstream: a sibling, a later node, itself, a missing node',
    def: {
      nodes: [
        T,
        n('a', 'data.set', { v: '{{ $node.b.x }}' }),
        n('b', 'data.set', { v: '{{ $node.c.x + $node.b.x }}' }),
        n('c', 'data.set', { v: '{{ $lookup($node, "ghost") }}', ok: '{{ $node.a.v & $node.t.v & $node.`b`.v }}' }),
      ],
      edges: [e('t', 'a'), e('t', 'b'), e('a', 'c'), e('b', 'c')],
    },
    problems: [
      { code: 'EXPRESSION_NOT_UPSTREAM', nodeId: 'a', path: '$.config.v' },
      { code: 'EXPRESSION_NOT_UPSTREAM', nodeId: 'b', path: '$.config.v' },
      { code: 'EXPRESSION_NOT_UPSTREAM', nodeId: 'b', path: '$.config.v' },
      { code: 'EXPRESSION_UNKNOWN_NODE', nodeId: 'c', path: '$.config.v' },
    ],
  },
  {
    name: 'a loop: the body reads the loop, the loop reads its body, the node after it reads the body',
    def: {
      nodes: [T, n('l', 'logic.loop', { items: '{{ $input.items }}', last: '{{ $node.b }}' }), n('a', 'data.set', { v: '{{ $node.l.item }}' }), n('b'), n('c', 'data.set', { v: '{{ $node.b }}' })],
      edges: [e('t', 'l'), e('l', 'a', 'loop'), e('a', 'b'), e('b', 'l'), e('l', 'c', 'done')],
    },
    problems: [],
  },
  {
    name: 'template-free raw keys (code.js source) are not parsed',
    def: { nodes: [T, n('js', 'code.js', { source: 'return {{a:1}}.a', note: '{{ $input.( }}' })], edges: [e('t', 'js')] },
    problems: [{ code: 'EXPRESSION_SYNTAX', nodeId: 'js', path: '$.config.note' }],
  },
  {
    name: 'switch ports named by its cases',
    def: {
      nodes: [T, n('s', 'logic.switch', { cases: ['a', 'b'] }), n('x'), n('y'), n('z'), n('w')],
      edges: [e('t', 's'), e('s', 'x', 'case0'), e('s', 'y', 'case1'), e('s', 'z', 'default'), e('s', 'w', 'case2')],
    },
    problems: [
      { code: 'UNKNOWN_PORT', edgeId: 's-w-case2', path: '$.sourceHandle' },
      { code: 'UNREACHABLE', nodeId: 'w' },
    ],
  },
  {
    name: 'every problem of a badly broken workflow at once',
    def: {
      nodes: [n('a', 'mystery'), n('b', 'data.set', { v: '{{ $node.zzz }}', w: '{{ 1 + }}' }), n('b'), n('c')],
      edges: [e('a', 'b'), e('b', 'c'), e('c', 'b'), e('c', 'nowhere'), e('c', 'c')],
    },
    problems: [
      { code: 'UNKNOWN_NODE_TYPE', nodeId: 'a', path: '$.type' },
      { code: 'EXPRESSION_SYNTAX', nodeId: 'b', path: '$.config.w' },
      { code: 'DUPLICATE_NODE_ID', nodeId: 'b', path: '$.id' },
      { code: 'DANGLING_EDGE', edgeId: 'c-nowhere', path: '$.target' },
      { code: 'SELF_LOOP', edgeId: 'c-c' },
      { code: 'NO_TRIGGER' },
      { code: 'CYCLE', nodeId: 'b' },
      { code: 'EXPRESSION_UNKNOWN_NODE', nodeId: 'b', path: '$.config.v' },
    ],
  },
  {
    name: 'more templates than the cap: one error, and the rest are not parsed',
    def: { nodes: [T, n('a', 'data.set', { a: '{{ $input.a }}', b: '{{ 1 + }}', c: '{{ $input.( }}' }), n('b', 'data.set', { d: '{{ ((( }}' })], edges: [e('t', 'a'), e('a', 'b')] },
    options: { limits: { maxTemplates: 2 } },
    problems: [
      { code: 'EXPRESSION_SYNTAX', nodeId: 'a', path: '$.config.b' },
      { code: 'TOO_MANY_EXPRESSIONS', nodeId: 'a', path: '$.config.c' },
    ],
  },
  {
    name: 'more template characters than the cap',
    def: { nodes: [T, n('a', 'data.set', { a: '{{ $input.abc }}', b: '{{ $input.defgh }}', c: '{{ 1 + }}' })], edges: [e('t', 'a')] },
    options: { limits: { maxExpressionChars: 20 } },
    problems: [{ code: 'TOO_MANY_EXPRESSIONS', nodeId: 'a', path: '$.config.b' }],
  },
  {
    name: 'more distinct complex expressions than the cap (repeats and simple ones are free)',
    def: {
      nodes: [
        T,
        n('a', 'data.set', { a: '{{ $input.items[x > 1] }}', b: '{{ $input.items[x > 1] }}', c: '{{ $input.a & $input.b }}', d: '{{ $input.items[x > 2] }}', e: '{{ 1 + }}' }),
      ],
      edges: [e('t', 'a')],
    },
    options: { limits: { maxComplexExpressions: 1 } },
    problems: [{ code: 'TOO_MANY_COMPLEX_EXPRESSIONS', nodeId: 'a', path: '$.config.d' }],
  },
  {
    name: 'more characters of complex expressions than the cap',
    def: { nodes: [T, n('a', 'data.set', { a: '{{ $input.items[x > 1] }}', b: '{{ $input.items[y > 100] }}' })], edges: [e('t', 'a')] },
    options: { limits: { maxComplexExpressionChars: 40 } },
    problems: [{ code: 'TOO_MANY_COMPLEX_EXPRESSIONS', nodeId: 'a', path: '$.config.b' }],
  },
  {
    name: 'complex expressions whose paths are too long to parse cheaply (each costs its "." count squared)',
    def: { nodes: [T, n('a', 'data.set', { a: '{{ $input.a.b.c[0] }}', b: '{{ $input.a.b[0] }}' })], edges: [e('t', 'a')] },
    options: { limits: { maxComplexPathWork: 10 } },
    problems: [{ code: 'TOO_MANY_COMPLEX_EXPRESSIONS', nodeId: 'a', path: '$.config.b' }],
  },
  {
    name: 'too many nodes: nothing else is analysed',
    def: { nodes: [T, n('a', 'mystery'), n('b')], edges: [e('t', 'a'), e('a', 'b'), e('b', 'a')] },
    options: { limits: { maxNodes: 2, maxEdges: 2 } },
    problems: [{ code: 'TOO_MANY_NODES' }, { code: 'TOO_MANY_EDGES' }],
  },
];

const shape = (p: Expected & { severity?: string; message?: string }): Expected => {
  const out: Expected = { code: p.code };
  if (p.nodeId !== undefined) out.nodeId = p.nodeId;
  if (p.edgeId !== undefined) out.edgeId = p.edgeId;
  if (p.path !== undefined) out.path = p.path;
  return out;
};
const key = (p: Expected) => JSON.stringify([p.code, p.nodeId, p.edgeId, p.path]);

describe('compile reports', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = compile(c.def, lookup, c.options);
    const got = r.problems.map(shape).map(key).sort();
    expect(got).toEqual(c.problems.map(key).sort());
    const errors = r.problems.filter((p) => p.severity === 'error').length;
    expect(r.valid).toBe(errors === 0);
    expect(r.plan !== undefined).toBe(r.valid);
    for (const p of r.problems) expect(p.message.length).toBeGreaterThan(10);
  });
});
