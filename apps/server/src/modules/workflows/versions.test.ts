import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { registerUser, setUser, type TestUser } from '../../testing/users.ts';
import { WF, client, sampleDefinition } from './testing.ts';
import { workflowVersions } from './workflows.tables.ts';

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

const named = (name: string) => {
  const d = sampleDefinition();
  return { ...d, nodes: d.nodes.map((n) => (n.id === 'shape' ? { ...n, name } : n)) };
};
const shapeName = (w: { definition: { nodes: { id: string; name?: string }[] } }) => w.definition.nodes.find((n) => n.id === 'shape')?.name;

/** A workflow at version 4: create, then three changes named v2, v3, v4. */
async function withHistory(): Promise<string> {
  const id = await a.create();
  for (const v of [2, 3, 4]) await a.put(`${WF}${id}/`, { definition: named(`v${v}`) }, { 'if-match': `"${v - 1}"` });
  return id;
}

describe('version history', () => {
  it('lists versions newest first with number, kind, label, author and time, paginated', async () => {
    const id = await withHistory();
    const res = await a.get(`${WF}${id}/versions/?perPage=2`);
    expect(res.statusCode).toBe(200);
    expect(res.json().meta).toEqual({ page: 1, perPage: 2, total: 4 });
    expect(res.json().data).toEqual([
      { version: 4, kind: 'update', label: null, restoredFrom: null, authorId: alice.id, createdAt: expect.any(String) },
      { version: 3, kind: 'update', label: null, restoredFrom: null, authorId: alice.id, createdAt: expect.any(String) },
    ]);
    const rest = (await a.get(`${WF}${id}/versions/?perPage=2&page=2`)).json().data.map((v: { version: number }) => v.version);
    expect(rest).toEqual([2, 1]);
  });

  it('creates a named snapshot as a new version with the current content', async () => {
    const id = await withHistory();
    const res = await a.post(`${WF}${id}/versions/`, { label: ' release 1 ' });
    expect(res.statusCode).toBe(201);
    expect(res.json().data).toMatchObject({ version: 5, kind: 'snapshot', label: 'release 1', authorId: alice.id });
    const snap = (await a.get(`${WF}${id}/?version=5`)).json().data;
    expect(shapeName(snap)).toBe('v4');
  });

  it.each([
    ['no label', {}],
    ['an empty label', { label: '' }],
    ['a label of only spaces', { label: '   ' }],
    ['a label of 101 characters', { label: 'x'.repeat(101) }],
    ['an unknown field', { label: 'ok', version: 1 }],
  ])('refuses a snapshot with %s', async (_n, body) => {
    const id = await a.create();
    expect((await a.post(`${WF}${id}/versions/`, body)).statusCode).toBe(400);
    expect((await a.get(`${WF}${id}/`)).json().data.version).toBe(1);
  });

  it('restores a version as a new version equal to it, leaving history as it was', async () => {
    const id = await withHistory();
    const res = await a.post(`${WF}${id}/versions/2/restore/`);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ version: 5, latestVersion: 5 });
    expect(shapeName(res.json().data)).toBe('v2');
    expect(res.headers.etag).toBe('"5"');
    const history = (await a.get(`${WF}${id}/versions/`)).json().data;
    expect(history.map((v: { version: number; kind: string; restoredFrom: number | null }) => [v.version, v.kind, v.restoredFrom])).toEqual([
      [5, 'restore', 2],
      [4, 'update', null],
      [3, 'update', null],
      [2, 'update', null],
      [1, 'create', null],
    ]);
    expect(shapeName((await a.get(`${WF}${id}/?version=4`)).json().data)).toBe('v4');
    // The restore changed the content, so a save based on version 4 is now stale.
    expect((await a.put(`${WF}${id}/`, { definition: named('late') }, { 'if-match': '"4"' })).statusCode).toBe(409);
  });

  it('answers 404 for a version that does not exist, and changes nothing', async () => {
    const id = await withHistory();
    const res = await a.post(`${WF}${id}/versions/99/restore/`);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('VERSION_NOT_FOUND');
    expect((await a.get(`${WF}${id}/`)).json().data.version).toBe(4);
  });

  it('checks an If-Match sent with a restore', async () => {
    const id = await withHistory();
    const stale = await a.post(`${WF}${id}/versions/1/restore/`, undefined, { 'if-match': '"2"' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().details).toEqual({ baseVersion: 2, currentVersion: 4 });
    expect((await a.post(`${WF}${id}/versions/1/restore/`, undefined, { 'if-match': '"4"' })).statusCode).toBe(200);
  });

  it('refuses a restore whose If-Match predates a rename, or names a version that does not exist', async () => {
    const id = await withHistory();
    await a.put(`${WF}${id}/`, { name: 'renamed' }, { 'if-match': '"4"' });
    const stale = await a.post(`${WF}${id}/versions/1/restore/`, undefined, { 'if-match': '"4"' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json()).toMatchObject({ code: 'VERSION_CONFLICT', details: { baseVersion: 4, currentVersion: 5 } });
    const ahead = await a.post(`${WF}${id}/versions/1/restore/`, undefined, { 'if-match': '"6"' });
    expect(ahead.json()).toMatchObject({ code: 'BASE_VERSION_NOT_FOUND' });
    expect((await a.get(`${WF}${id}/`)).json().data.version).toBe(5);
  });

  it.each([
    ['a version of zero', '0'],
    ['a negative version', '-1'],
    ['a version that is not a number', 'latest'],
  ])('refuses %s with 400', async (_n, v) => {
    const id = await a.create();
    expect((await a.post(`${WF}${id}/versions/${v}/restore/`)).statusCode).toBe(400);
  });

  it('keeps versions immutable in the database itself: a version row cannot be updated', async () => {
    const id = await a.create();
    const rewrite = t.container.database.db.update(workflowVersions).set({ label: 'rewritten' }).where(eq(workflowVersions.workflowId, id));
    await expect(rewrite).rejects.toThrow();
    expect((await a.get(`${WF}${id}/versions/`)).json().data[0].label).toBeNull();
  });

  it('keeps saving as fast with a long history: a save never reads the versions', async () => {
    // Not a timing test (see bench/workflow-save.ts): it checks the numbers stay right after many versions.
    const id = await a.create();
    for (let v = 1; v <= 30; v++) {
      const res = await a.put(`${WF}${id}/`, { definition: named(`n${v}`) }, { 'if-match': `"${v}"` });
      expect(res.json().data.version).toBe(v + 1);
    }
    expect((await a.get(`${WF}${id}/versions/?perPage=1`)).json().meta.total).toBe(31);
  });
});
