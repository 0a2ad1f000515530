import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { registerUser, setUser, type TestUser } from '../../testing/users.ts';
import { WF, client, edge, node, sampleDefinition } from './testing.ts';

let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let a: ReturnType<typeof client>;
let b: ReturnType<typeof client>;

beforeAll(async () => {
  t = await createTestApp();
  alice = await registerUser(t.app);
  bob = await registerUser(t.app);
  // Enterprise: 500 workflow calls a minute, so these tests never meet the tier limit (tested on its own below).
  await setUser(t.container, alice.id, { tier: 'enterprise' });
  await setUser(t.container, bob.id, { tier: 'enterprise' });
  a = client(t.app, alice);
  b = client(t.app, bob);
});
afterAll(async () => t?.close());

const renamed = (name: string) => {
  const d = sampleDefinition();
  return { ...d, nodes: d.nodes.map((n) => (n.id === 'shape' ? { ...n, name } : n)) };
};

describe('creating and reading workflows', () => {
  it('creates a workflow at version 1 and shows it to its owner with an ETag', async () => {
    const res = await a.post(WF, { name: '  Nightly sync ', description: 'pulls items', tags: ['sync', 'sync', 'ops'], definition: sampleDefinition(), settings: { timeoutSeconds: 60, errorPolicy: 'continue' } });
    expect(res.statusCode).toBe(201);
    const w = res.json().data;
    expect(w).toMatchObject({ name: 'Nightly sync', description: 'pulls items', tags: ['sync', 'ops'], version: 1, latestVersion: 1, clonedFrom: null, settings: { timeoutSeconds: 60, errorPolicy: 'continue' } });
    expect(w.definition).toEqual(sampleDefinition());
    expect(res.headers.etag).toBe('"1"');
    const got = await a.get(`${WF}${w.id}/`);
    expect(got.statusCode).toBe(200);
    expect(got.json().data).toEqual(w);
    expect(got.headers.etag).toBe('"1"');
  });

  it('lists only the caller’s workflows, newest change first, with node counts and pagination', async () => {
    const mine = [await a.create({ name: 'list-one' }), await a.create({ name: 'list-two' })];
    const theirs = await b.create({ name: 'list-bob' });
    const res = await a.get(`${WF}?perPage=100`);
    expect(res.statusCode).toBe(200);
    const ids = res.json().data.map((w: { id: string }) => w.id);
    expect(ids).toEqual(expect.arrayContaining(mine));
    expect(ids).not.toContain(theirs);
    expect(ids.indexOf(mine[1])).toBeLessThan(ids.indexOf(mine[0]));
    expect(res.json().data[0]).not.toHaveProperty('definition');
    expect(res.json().data[0].nodeCount).toBe(3);
    const page = await a.get(`${WF}?perPage=1&page=2`);
    expect(page.json().meta).toEqual({ page: 2, perPage: 1, total: res.json().meta.total });
    expect(page.json().data).toHaveLength(1);
  });

  it('filters by tag and by text in name or description, taking % and _ literally', async () => {
    const tagged = await a.create({ name: 'Invoice mailer', tags: ['billing'] });
    const described = await a.create({ name: 'other', description: 'sends 100%_ of invoices' });
    await a.create({ name: 'unrelated', tags: ['billing-old'] });
    const byTag = (await a.get(`${WF}?tag=billing`)).json().data.map((w: { id: string }) => w.id);
    expect(byTag).toEqual([tagged]);
    const byText = (await a.get(`${WF}?q=INVOICE`)).json().data.map((w: { id: string }) => w.id);
    expect(byText.sort()).toEqual([tagged, described].sort());
    expect((await a.get(`${WF}?q=${encodeURIComponent('0%_')}`)).json().data.map((w: { id: string }) => w.id)).toEqual([described]);
    expect((await a.get(`${WF}?q=${encodeURIComponent('%')}`)).json().data.map((w: { id: string }) => w.id)).toEqual([described]);
  });
});

describe('updating a workflow (PUT with auto-versioning)', () => {
  it('appends a version for each change of definition, settings, name, description or tags, and none for equal content', async () => {
    const id = await a.create();
    const put = (body: Record<string, unknown>, v: number) => a.put(`${WF}${id}/`, body, { 'if-match': `"${v}"` });
    let res = await put({ definition: renamed('first') }, 1);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ version: 2, latestVersion: 2 });
    expect(res.headers).toMatchObject({ etag: '"2"', 'x-version-created': 'true' });
    res = await put({ settings: { concurrency: 2 } }, 2);
    expect(res.json().data.version).toBe(3);
    res = await put({ name: 'renamed only', tags: ['x'] }, 3);
    expect(res.json().data).toMatchObject({ version: 4, latestVersion: 4, name: 'renamed only', tags: ['x'] });
    expect(res.headers).toMatchObject({ etag: '"4"', 'x-version-created': 'true' });
    res = await put({ description: 'now described' }, 4);
    expect(res.json().data).toMatchObject({ version: 5, description: 'now described' });
    // The same content with keys in another order is the same content, and the same metadata is no change either.
    const same = renamed('first');
    const reverseKeys = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).reverse()) as T;
    const reordered = reverseKeys({ nodes: same.nodes.map(reverseKeys), edges: same.edges.map(reverseKeys) });
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(same));
    res = await put({ definition: reordered, settings: { concurrency: 2 }, name: ' renamed only ', tags: ['x', 'x'], description: 'now described' }, 5);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.version).toBe(5);
    expect(res.headers).toMatchObject({ etag: '"5"', 'x-version-created': 'false' });
    const versions = (await a.get(`${WF}${id}/versions/`)).json();
    expect(versions.meta.total).toBe(5);
    expect(versions.data.map((v: { kind: string }) => v.kind)).toEqual(['update', 'update', 'update', 'update', 'create']);
    // A rename keeps the content of the version before it, and leaves that version as it was.
    expect((await a.get(`${WF}${id}/?version=4`)).json().data.definition).toEqual(renamed('first'));
  });

  it('refuses the second of two renames based on the same version with 409, instead of overwriting the first', async () => {
    const id = await a.create({ name: 'shared' });
    const first = await a.put(`${WF}${id}/`, { name: 'mine' }, { 'if-match': '"1"' });
    expect(first.statusCode).toBe(200);
    expect(first.headers.etag).toBe('"2"');
    const second = await a.put(`${WF}${id}/`, { description: 'theirs', tags: ['b'] }, { 'if-match': '"1"' });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'VERSION_CONFLICT', details: { baseVersion: 1, currentVersion: 2 } });
    expect((await a.get(`${WF}${id}/`)).json().data).toMatchObject({ name: 'mine', description: '', tags: [], version: 2 });
    // Content changes based on a version from before the rename are stale too.
    expect((await a.put(`${WF}${id}/`, { definition: renamed('late') }, { 'if-match': '"1"' })).statusCode).toBe(409);
  });

  it('requires the version a change is based on, from If-Match or baseVersion', async () => {
    const id = await a.create();
    const res = await a.put(`${WF}${id}/`, { definition: renamed('x') });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('BASE_VERSION_REQUIRED');
    expect((await a.put(`${WF}${id}/`, { definition: renamed('x'), baseVersion: 1 })).json().data.version).toBe(2);
    expect((await a.put(`${WF}${id}/`, { definition: renamed('y') }, { 'if-match': 'W/"2"' })).json().data.version).toBe(3);
    expect((await a.put(`${WF}${id}/`, { definition: renamed('z') }, { 'if-match': '3' })).json().data.version).toBe(4);
  });

  it.each([
    ['If-Match: *', { 'if-match': '*' }, {}],
    ['a malformed If-Match', { 'if-match': '"three"' }, {}],
    ['two versions in If-Match', { 'if-match': '"1", "2"' }, {}],
    ['If-Match disagreeing with baseVersion', { 'if-match': '"1"' }, { baseVersion: 2 }],
  ])('refuses %s with 400', async (_n, headers, body) => {
    const id = await a.create();
    const res = await a.put(`${WF}${id}/`, { definition: renamed('x'), ...body }, headers);
    expect(res.statusCode).toBe(400);
    expect((await a.get(`${WF}${id}/`)).json().data.version).toBe(1);
  });

  it('answers a stale base version with 409 and the current version, and overwrites nothing', async () => {
    const id = await a.create();
    await a.put(`${WF}${id}/`, { definition: renamed('theirs') }, { 'if-match': '"1"' });
    const res = await a.put(`${WF}${id}/`, { definition: renamed('mine') }, { 'if-match': '"1"' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'VERSION_CONFLICT', details: { baseVersion: 1, currentVersion: 2 } });
    const now = (await a.get(`${WF}${id}/`)).json().data;
    expect(now.version).toBe(2);
    expect(now.definition.nodes.find((n: { id: string }) => n.id === 'shape').name).toBe('theirs');
  });

  it('answers a base version that does not exist yet with a 409 that says so, not a stale-version one', async () => {
    const id = await a.create();
    for (const req of [
      a.put(`${WF}${id}/`, { definition: renamed('x') }, { 'if-match': '"99"' }),
      a.put(`${WF}${id}/`, { name: 'x', baseVersion: 99 }),
    ]) {
      const res = await req;
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'BASE_VERSION_NOT_FOUND', details: { baseVersion: 99, currentVersion: 1 } });
      expect(res.json().error).toContain('version 99, which does not exist');
    }
    expect((await a.get(`${WF}${id}/`)).json().data.version).toBe(1);
  });

  it('keeps a base valid across snapshots, which name the same content', async () => {
    const id = await a.create();
    expect((await a.post(`${WF}${id}/versions/`, { label: 'before the change' })).statusCode).toBe(201);
    const res = await a.put(`${WF}${id}/`, { definition: renamed('after') }, { 'if-match': '"1"' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.version).toBe(3);
  });

  it('lets exactly one of two concurrent saves from the same base win', async () => {
    const id = await a.create();
    const results = await Promise.all(['left', 'right', 'middle'].map((n) => a.put(`${WF}${id}/`, { definition: renamed(n) }, { 'if-match': '"1"' })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
    const versions = (await a.get(`${WF}${id}/versions/`)).json().data.map((v: { version: number }) => v.version);
    expect(versions).toEqual([2, 1]);
  });

  it('shows an older version with ?version= and answers 404 for one that does not exist', async () => {
    const id = await a.create();
    await a.put(`${WF}${id}/`, { definition: renamed('v2') }, { 'if-match': '"1"' });
    const old = (await a.get(`${WF}${id}/?version=1`)).json().data;
    expect(old).toMatchObject({ version: 1, latestVersion: 2 });
    expect(old.definition).toEqual(sampleDefinition());
    const missing = await a.get(`${WF}${id}/?version=9`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('VERSION_NOT_FOUND');
  });

  it('saves a draft with mistakes in it (the compiler reports them) but not one past the caps', async () => {
    const odd = { nodes: [node('a b', 'no.such.type'), node('<script>')], edges: [edge('a b', 'ghost')] };
    const res = await a.post(WF, { name: 'draft', definition: odd });
    expect(res.statusCode).toBe(201);
    const v = await a.post(`/api/workflows/${res.json().data.id}/validate/`);
    expect(v.statusCode).toBe(422);
    expect(v.json().details.map((p: { code: string }) => p.code)).toEqual(expect.arrayContaining(['INVALID_ID', 'UNKNOWN_NODE_TYPE', 'DANGLING_EDGE', 'NO_TRIGGER']));
  });
});

describe('cloning', () => {
  it('makes a new workflow of the caller’s with the current definition and its own history', async () => {
    const id = await a.create({ name: 'original', tags: ['t1'] });
    await a.put(`${WF}${id}/`, { definition: renamed('latest') }, { 'if-match': '"1"' });
    const res = await a.post(`${WF}${id}/clone/`);
    expect(res.statusCode).toBe(201);
    // Like create and GET, the answer carries the ETag a first change of the copy is based on.
    expect(res.headers.etag).toBe('"1"');
    const c = res.json().data;
    expect(c).toMatchObject({ name: 'original (copy)', tags: ['t1'], version: 1, clonedFrom: id });
    expect(c.id).not.toBe(id);
    expect(c.definition).toEqual(renamed('latest'));
    expect((await a.get(`${WF}${c.id}/versions/`)).json().data.map((v: { kind: string }) => v.kind)).toEqual(['clone']);
    expect((await a.post(`${WF}${id}/clone/`, { name: 'named copy' })).json().data.name).toBe('named copy');
  });
});

describe('another user’s workflow', () => {
  it('is 404 on every owner endpoint, and nothing changes', async () => {
    const id = await a.create({ name: 'private' });
    const attempts = [
      b.get(`${WF}${id}/`),
      b.put(`${WF}${id}/`, { name: 'hijacked', definition: renamed('bob') }, { 'if-match': '"1"' }),
      b.del(`${WF}${id}/`),
      b.post(`${WF}${id}/clone/`),
      b.post(`${WF}${id}/restore/`),
      b.get(`${WF}${id}/versions/`),
      b.post(`${WF}${id}/versions/`, { label: 'bob was here' }),
      b.post(`${WF}${id}/versions/1/restore/`),
      b.post(`/api/workflows/${id}/compile/`),
      b.post(`/api/workflows/${id}/validate/`),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('private');
    }
    const w = (await a.get(`${WF}${id}/`)).json().data;
    expect(w).toMatchObject({ name: 'private', version: 1 });
    expect((await b.get(`${WF}?q=private`)).json().data).toEqual([]);
  });
});

describe('bad input', () => {
  const big = (n: number) => ({ nodes: Array.from({ length: n }, (_, i) => node(`n${i}`)), edges: [] });
  const deep = (levels: number) => {
    let v: Record<string, unknown> = {};
    for (let i = 0; i < levels; i++) v = { v };
    return { nodes: [node('start', 'trigger.manual'), node('d', 'data.set', v)], edges: [edge('start', 'd')] };
  };

  it.each([
    ['a malformed id', 'GET', `${WF}not-a-uuid/`, undefined],
    ['an unknown field', 'POST', WF, { name: 'x', definition: sampleDefinition(), ownerId: '00000000-0000-4000-8000-000000000000' }],
    ['a missing definition', 'POST', WF, { name: 'x' }],
    ['a definition that is not an object', 'POST', WF, { name: 'x', definition: [1, 2] }],
    ['nodes that are not an array', 'POST', WF, { name: 'x', definition: { nodes: {}, edges: [] } }],
    ['a node without a config', 'POST', WF, { name: 'x', definition: { nodes: [{ id: 'a', type: 'data.set' }], edges: [] } }],
    ['a config that is not an object', 'POST', WF, { name: 'x', definition: { nodes: [{ id: 'a', type: 'data.set', config: 'x' }], edges: [] } }],
    ['an unknown node field', 'POST', WF, { name: 'x', definition: { nodes: [{ ...node('a'), selected: true }], edges: [] } }],
    ['an empty name', 'POST', WF, { name: '', definition: sampleDefinition() }],
    ['a name of only spaces', 'POST', WF, { name: '   ', definition: sampleDefinition() }],
    ['a NUL character in the description', 'POST', WF, { name: 'x', description: 'a\u0000b', definition: sampleDefinition() }],
    ['a NUL character in a config key', 'POST', WF, { name: 'x', definition: { nodes: [node('a', 'data.set', { 'k\u0000': 1 })], edges: [] } }],
    ['a name with control characters', 'POST', WF, { name: 'a\u0007b', definition: sampleDefinition() }],
    ['a NUL character deep in a config', 'POST', WF, { name: 'x', definition: { nodes: [node('a', 'data.set', { values: { k: 'a\u0000b' } })], edges: [] } }],
    ['too many tags', 'POST', WF, { name: 'x', definition: sampleDefinition(), tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
    ['an unknown setting', 'POST', WF, { name: 'x', definition: sampleDefinition(), settings: { retries: 3 } }],
    ['a negative page', 'GET', `${WF}?page=-1`, undefined],
    ['a version of zero', 'GET', `${WF}00000000-0000-4000-8000-000000000000/?version=0`, undefined],
  ])('refuses %s with 400', async (_n, method, url, payload) => {
    const res = await t.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${alice.accessToken}` }, ...(payload !== undefined ? { payload } : {}) });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toMatch(/VALIDATION_FAILED|BAD_REQUEST/);
  });

  it('refuses a body that is not JSON, or JSON that is not an object', async () => {
    for (const payload of ['{"name":', '[]', '"a string"', '42']) {
      const res = await t.app.inject({ method: 'POST', url: WF, headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' }, payload });
      expect(res.statusCode, payload).toBe(400);
    }
  });

  it('refuses more than 2,000 nodes with 422 and a clear message', async () => {
    const res = await a.post(WF, { name: 'huge', definition: big(2001) });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'DEFINITION_TOO_LARGE', error: 'The workflow has 2001 nodes; at most 2000 are allowed' });
    expect((await a.post(WF, { name: 'fits', definition: big(2000) })).statusCode).toBe(201);
  });

  it('refuses a config nested deeper than 32 levels with 422', async () => {
    const res = await a.post(WF, { name: 'deep', definition: deep(40) });
    expect(res.statusCode).toBe(422);
    expect(res.json().details[0]).toMatchObject({ code: 'CONFIG_TOO_DEEP', nodeId: 'd', path: '$.config' });
    expect((await a.post(WF, { name: 'ok', definition: deep(30) })).statusCode).toBe(201);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const payload = JSON.stringify({ name: 'fat', definition: { nodes: [node('a', 'data.set', { blob: 'x'.repeat(1024 * 1024) })], edges: [] } });
    const res = await t.app.inject({ method: 'POST', url: WF, headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers 401 without credentials', async () => {
    expect((await t.app.inject({ method: 'GET', url: WF })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: WF, payload: { name: 'x', definition: sampleDefinition() } })).statusCode).toBe(401);
  });
});

describe('limits and audit', () => {
  it('counts workflow calls in the Workflow CRUD tier category (20 a minute on the free tier)', async () => {
    const carol = await registerUser(t.app);
    const c = client(t.app, carol);
    const first = await c.get(WF);
    expect(first.headers['x-ratelimit-limit']).toBe('20');
    for (let i = 0; i < 19; i++) await c.get(WF);
    const limited = await c.get(WF);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('audits create, update, clone, snapshot, restore and delete', async () => {
    const id = await a.create();
    await a.put(`${WF}${id}/`, { definition: renamed('audited') }, { 'if-match': '"1"' });
    await a.post(`${WF}${id}/versions/`, { label: 'snap' });
    await a.post(`${WF}${id}/versions/1/restore/`);
    const copy = (await a.post(`${WF}${id}/clone/`)).json().data.id;
    await a.del(`${WF}${id}/`);
    await a.post(`${WF}${id}/restore/`);
    const actions = (await t.container.audit.list({ userId: alice.id, limit: 1000 })).filter((e) => e.targetId === id || e.targetId === copy).map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['workflow.create', 'workflow.update', 'workflow.snapshot', 'workflow.restore_version', 'workflow.clone', 'workflow.delete', 'workflow.undelete']),
    );
  });
});
