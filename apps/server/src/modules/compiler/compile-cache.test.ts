import { describe, expect, it } from 'vitest';
import type { NodeTypeSpec, WorkflowDefinition } from '@gatehouse/engine';
import { BUILT_IN_BY_TYPE, createConfigValidator } from '../nodes/index.ts';
import { createCompilerService } from './compiler.service.ts';

/** A compiler whose registry counts its lookups; `custom` is what the owner's custom types are right now. */
function compilerWith(custom: Map<string, NodeTypeSpec>) {
  const lookups: string[][] = [];
  const compiler = createCompilerService({
    nodes: {
      lookupFor: async (_owner, types) => {
        lookups.push([...types]);
        return (type) => BUILT_IN_BY_TYPE.get(type) ?? custom.get(type);
      },
      validateConfig: createConfigValidator().validate,
    },
    loadVersion: async () => null,
  });
  return { compiler, lookups };
}

const builtIns = (): WorkflowDefinition => ({
  nodes: [
    { id: 't', type: 'trigger.manual', config: {} },
    { id: 's', type: 'data.set', config: { values: { a: '{{ $input.a }}' } } },
  ],
  edges: [{ id: 'e', source: 't', target: 's' }],
});

describe('the compiler’s result cache', () => {
  it('compiles a definition of built-in types once, for any owner, and gives the same answer', async () => {
    const { compiler, lookups } = compilerWith(new Map());
    const first = await compiler.compileAs('alice', builtIns());
    const again = await compiler.compileAs('bob', builtIns());
    expect(lookups).toHaveLength(1);
    expect(again).toEqual(first);
    expect(first.valid).toBe(true);
  });

  it('tells apart definitions that differ in anything', async () => {
    const { compiler, lookups } = compilerWith(new Map());
    const ok = await compiler.compileAs('alice', builtIns());
    const broken = { ...builtIns(), edges: [...builtIns().edges, { id: 'loose', source: 't', target: 'nobody' }] };
    const bad = await compiler.compileAs('alice', broken);
    expect(lookups).toHaveLength(2);
    expect(ok.valid).toBe(true);
    expect(bad.valid).toBe(false);
  });

  it('never keeps a definition with a custom type: it compiles against the owner’s types as they are now', async () => {
    const custom = new Map<string, NodeTypeSpec>();
    const { compiler, lookups } = compilerWith(custom);
    const def: WorkflowDefinition = {
      nodes: [
        { id: 't', type: 'trigger.manual', config: {} },
        { id: 'c', type: 'custom.mine', config: { output: 1 } },
      ],
      edges: [{ id: 'e', source: 't', target: 'c' }],
    };
    expect((await compiler.compileAs('alice', def)).valid).toBe(false);
    custom.set('custom.mine', { ...BUILT_IN_BY_TYPE.get('data.transform')!, type: 'custom.mine' });
    const now = await compiler.compileAs('alice', def);
    expect(now.problems).toEqual([]);
    expect(lookups).toHaveLength(2);
  });

  it('answers the API with copies, so a caller changing its answer changes no later one', async () => {
    const { compiler } = compilerWith(new Map());
    const def = { ...builtIns(), nodes: [...builtIns().nodes, { id: 'idle', type: 'data.set', config: {} }] };
    const first = await compiler.compileDefinition({ principal: { userId: 'alice' } } as never, def, 'compile');
    expect(first.problems.length).toBeGreaterThan(0);
    first.problems.length = 0;
    first.plan.order.length = 0;
    const second = await compiler.compileDefinition({ principal: { userId: 'alice' } } as never, def, 'compile');
    expect(second.problems.length).toBeGreaterThan(0);
    expect(second.plan.order.length).toBeGreaterThan(0);
  });
});
