import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { registerUser, setUser, type TestUser } from '../../testing/users.ts';
import { client, edge, node } from '../workflows/testing.ts';
import { MAX_CUSTOM_NODES } from './nodes.service.ts';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let a: ReturnType<typeof client>;
let b: ReturnType<typeof client>;

beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
  await setUser(t.container, alice.id, { tier: 'enterprise' });
  await setUser(t.container, bob.id, { tier: 'enterprise' });
  a = client(t.app, alice);
  b = client(t.app, bob);
});
afterAll(async () => t?.close());

const CUSTOM = '/api/nodes/custom/';
const notifySchema = { type: 'object', required: ['channel'], properties: { channel: { type: 'string', maxLength: 80 }, urgent: { type: 'boolean' } }, additionalProperties: false };
const customNode = (slug: string, extra: Record<string, unknown> = {}) => ({
  slug,
  displayName: `Notify ${slug}`,
  description: 'Posts to our chat',
  configSchema: notifySchema,
  outputs: [{ id: 'sent' }, { id: 'skipped' }],
  implementation: { kind: 'http', method: 'POST', url: 'https://hooks.example.com/notify' },
  ...extra,
});

describe('the node registry', () => {
  it('lists the built-in catalog with ports, categories and flags', async () => {
    const res = await a.get('/api/nodes/');
    expect(res.statusCode).toBe(200);
    const types = res.json().data.map((n: { type: string }) => n.type);
    expect(types).toEqual(expect.arrayContaining(['trigger.manual', 'trigger.webhook', 'trigger.schedule', 'logic.loop', 'flow.approval', 'code.js', 'http.request', 'ai.agent', 'rag.query']));
    const loop = res.json().data.find((n: { type: string }) => n.type === 'logic.loop');
    expect(loop).toMatchObject({ category: 'logic', source: 'builtin', allowsCycles: true, trigger: false, inputs: [{ id: 'main' }] });
    expect(loop.outputs.map((p: { id: string }) => p.id)).toEqual(['loop', 'done', 'error']);
    expect(res.json().data.find((n: { type: string }) => n.type === 'logic.switch').dynamicOutputs).toEqual({ configKey: 'cases', portPrefix: 'case' });
    const ai = (await a.get('/api/nodes/?category=ai')).json().data.map((n: { type: string }) => n.type);
    expect(ai.sort()).toEqual(['ai.agent', 'ai.classify', 'ai.extract', 'ai.llm', 'rag.query']);
  });

  it('groups nodes by category, in display order', async () => {
    const res = await a.get('/api/nodes/categories/');
    expect(res.statusCode).toBe(200);
    const cats = res.json().data;
    expect(cats.map((c: { id: string }) => c.id)).toEqual(['trigger', 'logic', 'flow', 'data', 'code', 'http', 'ai']);
    for (const c of cats) for (const n of c.nodes) expect(n.category).toBe(c.id);
  });

  it('serves a node type’s schema, and 404 for a type that does not exist', async () => {
    const res = await a.get('/api/nodes/http.request/schema/');
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ type: 'http.request', version: 1, configSchema: { type: 'object', required: ['url'] }, credentialTypes: expect.arrayContaining(['oauth2']) });
    const missing = await a.get('/api/nodes/nope.nope/schema/');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NODE_TYPE_NOT_FOUND');
  });

  it.each(['UPPER.case', 'no-dot', '..%2F..%2Fetc', `a.${'x'.repeat(80)}`])('refuses the malformed type %s with 400', async (type) => {
    expect((await a.get(`/api/nodes/${type}/schema/`)).statusCode).toBe(400);
  });

  it('answers 401 without credentials', async () => {
    for (const url of ['/api/nodes/', '/api/nodes/categories/', '/api/nodes/http.request/schema/', CUSTOM]) {
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
  });
});

describe('custom nodes', () => {
  it('creates custom.<slug>, visible in its owner’s registry only', async () => {
    const res = await a.post(CUSTOM, customNode('notify'));
    expect(res.statusCode).toBe(201);
    const n = res.json().data;
    expect(n).toMatchObject({ type: 'custom.notify', slug: 'notify', category: 'custom', configSchema: notifySchema, inputs: [{ id: 'main' }] });
    expect((await a.get(`${CUSTOM}${n.id}/`)).json().data).toEqual(n);

    const mine = (await a.get('/api/nodes/')).json().data.find((x: { type: string }) => x.type === 'custom.notify');
    expect(mine).toMatchObject({ source: 'custom', canPause: false });
    expect(mine.outputs.map((p: { id: string }) => p.id)).toEqual(['sent', 'skipped', 'error']);
    expect((await b.get('/api/nodes/')).json().data.map((x: { type: string }) => x.type)).not.toContain('custom.notify');
    expect((await a.get('/api/nodes/custom.notify/schema/')).json().data.configSchema).toEqual(notifySchema);
    expect((await b.get('/api/nodes/custom.notify/schema/')).statusCode).toBe(404);
    expect((await a.get('/api/nodes/categories/')).json().data.find((c: { id: string }) => c.id === 'custom').nodes).toHaveLength(1);
  });

  it('lists only the caller’s custom nodes, paginated, and lets two users use the same slug', async () => {
    const mine = (await a.post(CUSTOM, customNode('shared-slug'))).json().data;
    const theirs = await b.post(CUSTOM, customNode('shared-slug', { category: 'team-tools' }));
    expect(theirs.statusCode).toBe(201);
    const list = await a.get(`${CUSTOM}?perPage=100`);
    expect(list.json().data.map((x: { id: string }) => x.id)).toContain(mine.id);
    expect(list.json().data.map((x: { id: string }) => x.id)).not.toContain(theirs.json().data.id);
    expect(list.json().meta).toMatchObject({ page: 1, perPage: 100 });
    expect((await b.get('/api/nodes/categories/')).json().data.map((c: { id: string }) => c.id)).toContain('team-tools');
  });

  it('refuses a second custom node with the same slug for the same owner with 409', async () => {
    await a.post(CUSTOM, customNode('twice'));
    const res = await a.post(CUSTOM, customNode('twice'));
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('CUSTOM_NODE_EXISTS');
  });

  it('answers 404 for another user’s custom node on view and delete, and deletes nothing', async () => {
    const n = (await a.post(CUSTOM, customNode('private-node'))).json().data;
    expect((await b.get(`${CUSTOM}${n.id}/`)).statusCode).toBe(404);
    expect((await b.del(`${CUSTOM}${n.id}/`)).statusCode).toBe(404);
    expect((await a.get(`${CUSTOM}${n.id}/`)).statusCode).toBe(200);
  });

  it('deletes its owner’s node: gone from the registry, and workflows using it stop compiling', async () => {
    const n = (await a.post(CUSTOM, customNode('short-lived'))).json().data;
    const def = { nodes: [node('start', 'trigger.manual'), node('x', 'custom.short-lived', { channel: 'ops' })], edges: [edge('start', 'x')] };
    expect((await a.post('/api/compile/validate/', { definition: def })).statusCode).toBe(200);
    const del = await a.del(`${CUSTOM}${n.id}/`);
    expect(del.statusCode).toBe(204);
    expect((await a.get(`${CUSTOM}${n.id}/`)).statusCode).toBe(404);
    const after = await a.post('/api/compile/validate/', { definition: def });
    expect(after.statusCode).toBe(422);
    expect(after.json().details[0]).toMatchObject({ code: 'UNKNOWN_NODE_TYPE', nodeId: 'x' });
  });

  it('checks a workflow against its custom nodes: config schema, ports, and someone else’s type is unknown', async () => {
    await a.post(CUSTOM, customNode('pinger'));
    const def = (config: Record<string, unknown>, port = 'sent') => ({
      nodes: [node('start', 'trigger.manual'), node('ping', 'custom.pinger', config), node('after')],
      edges: [edge('start', 'ping'), edge('ping', 'after', port)],
    });
    expect((await a.post('/api/compile/', { definition: def({ channel: 'ops' }) })).json().data.plan.order).toEqual(['start', 'ping', 'after']);
    const bad = await a.post('/api/compile/', { definition: def({ urgent: 'yes' }, 'bogus') });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().details.map((p: { code: string; path?: string }) => [p.code, p.path])).toEqual(
      expect.arrayContaining([
        ['INVALID_CONFIG', '$.config.channel'],
        ['INVALID_CONFIG', '$.config.urgent'],
        ['UNKNOWN_PORT', '$.sourceHandle'],
      ]),
    );
    const asBob = await b.post('/api/compile/', { definition: def({ channel: 'ops' }) });
    expect(asBob.statusCode).toBe(422);
    expect(asBob.json().details[0]).toMatchObject({ code: 'UNKNOWN_NODE_TYPE', nodeId: 'ping' });
  });

  it('accepts code and workflow implementations, the latter only with the owner’s own live workflow', async () => {
    expect((await a.post(CUSTOM, customNode('js-node', { implementation: { kind: 'code', source: 'return { ok: true }' } }))).statusCode).toBe(201);
    const own = await a.create();
    const wf = await a.post(CUSTOM, customNode('wf-node', { implementation: { kind: 'workflow', workflowId: own } }));
    expect(wf.statusCode).toBe(201);
    expect((await a.get('/api/nodes/custom.wf-node/schema/')).statusCode).toBe(200);
    expect((await a.get('/api/nodes/')).json().data.find((x: { type: string }) => x.type === 'custom.wf-node').canPause).toBe(true);
    const bobs = await b.create();
    for (const workflowId of [bobs, '00000000-0000-4000-8000-000000000000']) {
      const res = await a.post(CUSTOM, customNode(`wf-${workflowId.slice(0, 4)}`, { implementation: { kind: 'workflow', workflowId } }));
      expect(res.statusCode).toBe(422);
      expect(res.json().code).toBe('INVALID_IMPLEMENTATION');
    }
    await a.del(`/api/orchestrator/workflows/${own}/`);
    expect((await a.post(CUSTOM, customNode('wf-trashed', { implementation: { kind: 'workflow', workflowId: own } }))).statusCode).toBe(422);
  });

  it.each([
    ['an ftp URL', 'ftp://files.example.com/x'],
    ['a URL with a password in it', 'https://user:secret@example.com/hook'],
    ['text that is not a URL', 'not a url'],
  ])('refuses an HTTP implementation with %s (422)', async (_n, url) => {
    const res = await a.post(CUSTOM, customNode(`u-${Math.random().toString(36).slice(2, 8)}`, { implementation: { kind: 'http', method: 'POST', url } }));
    expect(res.statusCode).toBe(422);
    expect(res.json().details[0].path).toBe('body.implementation.url');
  });

  it.each([
    ['a schema for a string', { type: 'string' }],
    ['a misspelt type', { type: 'object', properties: { a: { type: 'strng' } } }],
    ['a regular expression', { type: 'object', properties: { a: { type: 'string', pattern: '(a|aa)+$', maxLength: 50 } } }],
    ['a remote $ref', { type: 'object', properties: { a: { $ref: 'http://127.0.0.1:1/evil.json' } } }],
    ['an $id', { type: 'object', $id: 'urn:mine' }],
  ])('refuses a config schema with %s (422, with the reason)', async (_n, configSchema) => {
    const res = await a.post(CUSTOM, customNode(`s-${Math.random().toString(36).slice(2, 8)}`, { configSchema }));
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'INVALID_CONFIG_SCHEMA', details: expect.arrayContaining([expect.objectContaining({ path: 'body.configSchema' })]) });
  });

  it('refuses duplicate port ids with 422', async () => {
    const res = await a.post(CUSTOM, customNode('dup-ports', { outputs: [{ id: 'a' }, { id: 'a' }] }));
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('INVALID_PORTS');
  });

  it.each([
    ['an upper-case slug', { slug: 'Notify' }],
    ['a slug with a dot', { slug: 'a.b' }],
    ['an unknown field', { ownerId: '00000000-0000-4000-8000-000000000000' }],
    ['an unknown implementation kind', { implementation: { kind: 'shell', command: 'rm -rf /' } }],
    ['a port id with odd characters', { inputs: [{ id: 'a b' }] }],
    ['no ports', { outputs: [] }],
    ['seventeen ports', { outputs: Array.from({ length: 17 }, (_, i) => ({ id: `p${i}` })) }],
    ['a schema that is not an object', { configSchema: 'object' }],
    ['a display name of only spaces', { displayName: '   ' }],
    ['a NUL character in the description', { description: 'a\u0000b' }],
    ['a NUL character deep in the schema', { configSchema: { type: 'object', title: 'x\u0000' } }],
    ['a NUL character in the code', { implementation: { kind: 'code', source: 'return 1\u0000' } }],
  ])('refuses %s with 400', async (_n, extra) => {
    expect((await a.post(CUSTOM, customNode('bad-body', extra))).statusCode).toBe(400);
  });

  it.each(['not-a-uuid', '12345'])('refuses the malformed id %s with 400', async (id) => {
    expect((await a.get(`${CUSTOM}${id}/`)).statusCode).toBe(400);
    expect((await a.del(`${CUSTOM}${id}/`)).statusCode).toBe(400);
  });

  it(`caps a user at ${MAX_CUSTOM_NODES} custom nodes`, async () => {
    const carol = await registerUser(t.app);
    await setUser(t.container, carol.id, { tier: 'enterprise' });
    const c = client(t.app, carol);
    for (let i = 0; i < MAX_CUSTOM_NODES; i++) expect((await c.post(CUSTOM, customNode(`n${i}`))).statusCode).toBe(201);
    const res = await c.post(CUSTOM, customNode('one-too-many'));
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('CUSTOM_NODE_LIMIT');
  });
});
