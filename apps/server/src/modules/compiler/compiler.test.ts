import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { registerUser, setUser, type TestUser } from '../../testing/users.ts';
import { WF, client, edge, node, sampleDefinition } from '../workflows/testing.ts';
import { MAX_DEFINITION_BYTES } from './format.schemas.ts';
import { worstCaseDefinition, type WorstCaseOptions } from './testing.ts';

let t: TestApp;
let alice: TestUser;
let a: ReturnType<typeof client>;

beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app);
  await setUser(t.container, alice.id, { tier: 'enterprise' });
  a = client(t.app, alice);
});
afterAll(async () => t?.close());

const fanOut = {
  nodes: [
    node('start', 'trigger.manual'),
    node('a', 'data.set', { values: { v: '{{ $input.x }}' } }),
    node('b', 'http.request', { url: 'https://example.com/{{ $node.start.id }}' }),
    node('join', 'logic.merge'),
    node('if', 'logic.if', { condition: '{{ $node.a.v > 1 and $node.b.status = 200 }}' }),
    node('yes', 'data.transform', { output: '{{ $node.join }}' }),
    node('idle', 'data.set'),
  ],
  edges: [edge('start', 'a'), edge('start', 'b'), edge('a', 'join'), edge('b', 'join'), edge('join', 'if'), edge('if', 'yes', 'true')],
};

/** One of everything the compiler checks, in one workflow. */
const broken = {
  nodes: [
    node('start', 'trigger.manual'),
    node('fetch', 'http.request', { method: 'FETCH' }),
    node('fetch', 'data.set'),
    node('x', 'custom.not-mine'),
    node('p', 'data.set', { values: { a: '{{ $node.q.v }}', b: '{{ $input.( }}', c: '{{ $node.nobody }}' } }),
    node('q', 'data.set'),
    node('loop', 'logic.loop', { items: '{{ $input.items }}' }),
  ],
  edges: [edge('start', 'fetch'), edge('fetch', 'p'), edge('p', 'q'), edge('q', 'p'), edge('start', 'ghost'), edge('start', 'loop', 'nope'), edge('x', 'x')],
};

describe('compiling a definition', () => {
  it('answers the plan: entry nodes, topological order and parallel levels, with warnings', async () => {
    const res = await a.post('/api/compile/', { definition: fanOut });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({
      valid: true,
      problems: [expect.objectContaining({ code: 'UNREACHABLE', severity: 'warning', nodeId: 'idle' })],
      plan: { entryNodes: ['start'], order: ['start', 'a', 'b', 'join', 'if', 'yes'], levels: [['start'], ['a', 'b'], ['join'], ['if'], ['yes']], backEdges: [] },
    });
  });

  it('validates without a plan', async () => {
    const res = await a.post('/api/compile/validate/', { definition: fanOut });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual({ valid: true, problems: [expect.objectContaining({ code: 'UNREACHABLE' })] });
  });

  it('reports every problem of an invalid workflow at once, with where it is (422)', async () => {
    for (const url of ['/api/compile/', '/api/compile/validate/']) {
      const res = await a.post(url, { definition: broken });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'WORKFLOW_INVALID', error: expect.stringMatching(/^The workflow has \d+ errors; see details$/) });
      const got = res.json().details.map((p: { code: string; nodeId?: string; edgeId?: string; path?: string }) => [p.code, p.nodeId ?? p.edgeId ?? null, p.path ?? null]);
      expect(got).toEqual(
        expect.arrayContaining([
          ['INVALID_CONFIG', 'fetch', '$.config.method'],
          ['INVALID_CONFIG', 'fetch', '$.config.url'],
          ['DUPLICATE_NODE_ID', 'fetch', '$.id'],
          ['UNKNOWN_NODE_TYPE', 'x', '$.type'],
          ['EXPRESSION_SYNTAX', 'p', '$.config.values.b'],
          ['DANGLING_EDGE', 'start-ghost', '$.target'],
          ['UNKNOWN_PORT', 'start-loop', '$.sourceHandle'],
          ['SELF_LOOP', 'x-x', null],
          ['CYCLE', 'p', null],
          ['EXPRESSION_UNKNOWN_NODE', 'p', '$.config.values.c'],
          ['UNREACHABLE', 'x', null],
        ]),
      );
      expect(res.json().details.find((p: { code: string }) => p.code === 'EXPRESSION_SYNTAX').message).toContain('$input.(');
    }
  });

  it('refuses a loop whose body leads back to a node before the loop, instead of planning without its nodes', async () => {
    const nodes = [node('t', 'trigger.manual'), node('x'), node('l', 'logic.loop', { items: '{{ $input.items }}' }), node('a'), node('z')];
    const edges = [edge('t', 'x'), edge('x', 'l'), edge('l', 'a', 'loop'), edge('a', 'x'), edge('l', 'z', 'done')];
    const res = await a.post('/api/compile/', { definition: { nodes, edges } });
    expect(res.statusCode).toBe(422);
    expect(res.json().details).toEqual([expect.objectContaining({ code: 'CYCLE', nodeId: 'l', edgeId: 't-x' })]);
    // The same loop with its body returning to the loop node itself compiles, and the plan holds every node.
    const fixed = [edge('t', 'x'), edge('x', 'l'), edge('l', 'a', 'loop'), edge('a', 'l'), edge('l', 'z', 'done')];
    const ok = await a.post('/api/compile/', { definition: { nodes, edges: fixed } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().data.plan).toEqual({ entryNodes: ['t'], order: ['t', 'x', 'l', 'a', 'z'], levels: [['t'], ['x'], ['l'], ['a', 'z']], backEdges: ['a-l'] });
  });

  it('checks expressions statically and never evaluates them', async () => {
    // Evaluated, this would recurse until the stack gives out; the compiler only parses it.
    const forever = '{{ ($f := function($x) { $f($x + 1) }; $f(0)) }}';
    const res = await a.post('/api/compile/', { definition: { nodes: [node('start', 'trigger.manual'), node('spin', 'data.transform', { output: forever })], edges: [edge('start', 'spin')] } });
    expect(res.statusCode).toBe(200);
  });

  it('refuses more than 2,000 nodes with 422 TOO_MANY_NODES, and a body over 1 MiB with 413', async () => {
    const many = { nodes: Array.from({ length: 2001 }, (_, i) => node(`n${i}`)), edges: [] };
    const res = await a.post('/api/compile/validate/', { definition: many });
    expect(res.statusCode).toBe(422);
    expect(res.json().details).toEqual([expect.objectContaining({ code: 'TOO_MANY_NODES', message: 'The workflow has 2001 nodes; at most 2000 are allowed' })]);
    const fat = await a.post('/api/compile/', { definition: { nodes: [node('a', 'data.set', { blob: 'x'.repeat(1024 * 1024) })], edges: [] } });
    expect(fat.statusCode).toBe(413);
  });

  it.each([
    ['no definition', {}],
    ['a definition that is not an object', { definition: 'nodes' }],
    ['edges that are not an array', { definition: { nodes: [], edges: {} } }],
    ['an unknown field', { definition: { nodes: [], edges: [] }, run: true }],
    ['an edge without a target', { definition: { nodes: [], edges: [{ id: 'e', source: 'a' }] } }],
  ])('refuses %s with 400', async (_n, body) => {
    expect((await a.post('/api/compile/', body)).statusCode).toBe(400);
  });

  it('counts in the Compile tier category (10 a minute on the free tier) and needs credentials', async () => {
    const free = client(t.app, await registerUser(t.app));
    const res = await free.post('/api/compile/validate/', { definition: fanOut });
    expect(res.headers['x-ratelimit-limit']).toBe('10');
    expect((await t.app.inject({ method: 'POST', url: '/api/compile/', payload: { definition: fanOut } })).statusCode).toBe(401);
  });
});

// The caps that bound a compile's parse work (no timing here: bench/compile.ts and the numbers in
// check-templates.ts are about time; these tests pin what is accepted and what is refused, and how).
describe('the cost of a compile', () => {
  it('accepts the costliest definition the caps allow: every template, complex expression and path step they admit', async () => {
    const definition = worstCaseDefinition();
    expect(JSON.stringify({ definition }).length).toBeLessThan(MAX_DEFINITION_BYTES);
    const validated = await a.post('/api/compile/validate/', { definition });
    expect(validated.statusCode).toBe(200);
    expect(validated.json().data).toEqual({ valid: true, problems: [] });
    const compiled = await a.post('/api/compile/', { definition });
    expect(compiled.statusCode).toBe(200);
    expect(compiled.json().data.plan.order).toHaveLength(2000);
  });

  it.each<[string, WorstCaseOptions, string, RegExp]>([
    ['one template more', { extraTemplates: 1 }, 'TOO_MANY_EXPRESSIONS', /more than 10000 \{\{ \}\} templates; the rest were not checked$/],
    ['more template characters', { extraChars: 10_000 }, 'TOO_MANY_EXPRESSIONS', /templates hold more than 200000 characters in total/],
    ['one complex expression more', { extraComplex: 1 }, 'TOO_MANY_COMPLEX_EXPRESSIONS', /more than 200 distinct expressions beyond plain references/],
    ['more complex characters', { extraComplexChars: 400 }, 'TOO_MANY_COMPLEX_EXPRESSIONS', /hold more than 20000 characters in total/],
    ['a path step more', { extraPathWork: 3000 }, 'TOO_MANY_COMPLEX_EXPRESSIONS', /too many "\." path steps/],
  ])('refuses %s than the caps with 422 and one problem that names the cap', async (_n, extra, code, message) => {
    const res = await a.post('/api/compile/validate/', { definition: worstCaseDefinition(extra) });
    expect(res.statusCode).toBe(422);
    expect(res.json().details).toEqual([expect.objectContaining({ code, severity: 'error', message: expect.stringMatching(message) })]);
  });
});

describe('compiling a stored workflow', () => {
  it('compiles the latest version, or the one named by ?version=', async () => {
    const id = await a.create({ definition: sampleDefinition() });
    const broke = { ...sampleDefinition(), edges: [...sampleDefinition().edges, edge('shape', 'nowhere')] };
    await a.put(`${WF}${id}/`, { definition: broke }, { 'if-match': '"1"' });
    const latest = await a.post(`/api/workflows/${id}/compile/`);
    expect(latest.statusCode).toBe(422);
    expect(latest.json().details).toEqual([expect.objectContaining({ code: 'DANGLING_EDGE', edgeId: 'shape-nowhere' })]);
    const first = await a.post(`/api/workflows/${id}/compile/?version=1`);
    expect(first.statusCode).toBe(200);
    expect(first.json().data).toMatchObject({ version: 1, valid: true, plan: { order: ['start', 'fetch', 'shape'] } });
    const validated = await a.post(`/api/workflows/${id}/validate/?version=1`);
    expect(validated.json().data).toEqual({ version: 1, valid: true, problems: [] });
  });

  it('answers 404 for a version that does not exist and 400 for a malformed one', async () => {
    const id = await a.create();
    const res = await a.post(`/api/workflows/${id}/validate/?version=5`);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('VERSION_NOT_FOUND');
    expect((await a.post(`/api/workflows/${id}/validate/?version=first`)).statusCode).toBe(400);
    for (const url of ['compile', 'validate']) {
      // Past the 32-bit version column: refused at the door, not a 500 from the database.
      const huge = await a.post(`/api/workflows/${id}/${url}/?version=99999999999`);
      expect(huge.statusCode).toBe(400);
      expect((await a.post(`/api/workflows/${id}/${url}/?version=1000000001`)).statusCode).toBe(400);
      expect((await a.post(`/api/workflows/${id}/${url}/?version=1000000000`)).statusCode).toBe(404);
    }
    expect((await a.post(`/api/workflows/not-a-uuid/validate/`)).statusCode).toBe(400);
    expect((await a.post(`/api/workflows/00000000-0000-4000-8000-000000000000/compile/`)).statusCode).toBe(404);
  });
});
