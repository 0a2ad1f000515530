import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../http/context.ts';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { registerUser, setUser, type TestUser } from '../../testing/users.ts';
import type { ModuleDeps } from '../module.ts';
import { createTrashService } from './trash.service.ts';
import { createWorkflowsModule } from './workflows.module.ts';
import { TRASH_RETENTION_DAYS } from './views.ts';
import { workflowVersions, workflows } from './workflows.tables.ts';
import { WF, client, sampleDefinition } from './testing.ts';

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
  a = client(t.app, alice);
  b = client(t.app, bob);
});
afterAll(async () => t?.close());

const DAY = 86_400_000;
const deps = () => ({ db: t.container.database.db, audit: t.container.audit });

describe('the trash', () => {
  it('hides a deleted workflow from every endpoint but the trash, and restores it', async () => {
    const id = await a.create({ name: 'to trash' });
    const del = await a.del(`${WF}${id}/`);
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    expect((await a.get(`${WF}${id}/`)).statusCode).toBe(404);
    expect((await a.put(`${WF}${id}/`, { name: 'x' }, { 'if-match': '"1"' })).statusCode).toBe(404);
    expect((await a.post(`${WF}${id}/versions/`, { label: 'x' })).statusCode).toBe(404);
    expect((await a.post(`${WF}${id}/versions/1/restore/`)).statusCode).toBe(404);
    expect((await a.post(`${WF}${id}/clone/`)).statusCode).toBe(404);
    expect((await a.post(`/api/workflows/${id}/compile/`)).statusCode).toBe(404);
    expect((await a.del(`${WF}${id}/`)).statusCode).toBe(404);
    expect((await a.get(WF)).json().data.map((w: { id: string }) => w.id)).not.toContain(id);

    const trash = (await a.get(`${WF}?deleted=true`)).json().data.find((w: { id: string }) => w.id === id);
    expect(trash).toMatchObject({ name: 'to trash', deletedAt: expect.any(String) });
    expect(Date.parse(trash.purgeAt) - Date.parse(trash.deletedAt)).toBe(TRASH_RETENTION_DAYS * DAY);

    const restored = await a.post(`${WF}${id}/restore/`);
    expect(restored.statusCode).toBe(200);
    expect(restored.json().data).toMatchObject({ id, name: 'to trash', version: 1 });
    expect((await a.get(`${WF}${id}/`)).statusCode).toBe(200);
    expect((await a.get(`${WF}?deleted=true`)).json().data.map((w: { id: string }) => w.id)).not.toContain(id);
  });

  it('answers 409 to restoring a workflow that is not in the trash', async () => {
    const id = await a.create();
    const res = await a.post(`${WF}${id}/restore/`);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('WORKFLOW_NOT_DELETED');
  });

  it('does not let another user restore, see or delete a trashed workflow', async () => {
    const id = await a.create({ name: 'alice-only' });
    await a.del(`${WF}${id}/`);
    expect((await b.post(`${WF}${id}/restore/`)).statusCode).toBe(404);
    expect((await b.get(`${WF}?deleted=true`)).json().data).toEqual([]);
    expect((await a.get(`${WF}?deleted=true`)).json().data.map((w: { id: string }) => w.id)).toContain(id);
  });

  it('purges workflows deleted more than 30 days ago, with their versions, and keeps younger ones', async () => {
    const old = await a.create({ name: 'old-one' });
    const young = await a.create({ name: 'young-one' });
    const live = await a.create({ name: 'live-one' });
    await a.put(`${WF}${old}/`, { definition: { ...sampleDefinition(), edges: [] } }, { 'if-match': '"1"' });
    await a.del(`${WF}${old}/`);
    const deletedAt = (q: string) => a.get(`${WF}?deleted=true&q=${q}`).then((r) => Date.parse(r.json().data[0].deletedAt));
    const oldAt = await deletedAt('old-one');
    // Delete the young one in a later millisecond, so one cutoff can fall between the two.
    while (Date.now() <= oldAt + 2) await new Promise((r) => setTimeout(r, 2));
    await a.del(`${WF}${young}/`);
    const trash = createTrashService(deps());
    const inTrash = async () => (await a.get(`${WF}?deleted=true&perPage=100`)).json().data.map((w: { id: string }) => w.id);

    // The clock 29 days on: nothing is old enough.
    const sys = systemContext(t.app.log);
    expect(await trash.purge(sys, new Date(oldAt + 29 * DAY))).toBe(0);
    expect(await inTrash()).toEqual(expect.arrayContaining([old, young]));

    // Just past 30 days after the old one's deletion: it goes, the young one stays.
    expect(await trash.purge(sys, new Date(oldAt + TRASH_RETENTION_DAYS * DAY + 1))).toBeGreaterThanOrEqual(1);
    expect(await inTrash()).not.toContain(old);
    expect(await inTrash()).toContain(young);
    expect((await a.post(`${WF}${old}/restore/`)).statusCode).toBe(404);
    expect((await a.get(`${WF}${live}/`)).statusCode).toBe(200);
    expect(await t.container.database.db.select().from(workflowVersions).where(eq(workflowVersions.workflowId, old))).toEqual([]);
    expect((await t.container.database.db.select().from(workflowVersions).where(eq(workflowVersions.workflowId, young))).length).toBe(1);
    // Each purged workflow leaves an audit entry: no actor (the system), the owner as subject.
    const entries = await t.container.audit.list({ action: 'workflow.purge', userId: alice.id });
    expect(entries.filter((e) => e.targetId === old)).toEqual([
      expect.objectContaining({ actorId: null, subjectId: alice.id, outcome: 'success', targetType: 'workflow', details: expect.objectContaining({ retentionDays: 30 }) }),
    ]);
    expect(entries.map((e) => e.targetId)).not.toContain(young);
  });

  it('neither lists nor restores a workflow past its 30 days, even before the purge has removed it', async () => {
    const expired = await a.create({ name: 'expired-one' });
    const recent = await a.create({ name: 'recent-one' });
    for (const id of [expired, recent]) await a.del(`${WF}${id}/`);
    const db = t.container.database.db;
    // Move the deletions back in time: one just past the retention, one a day short of it.
    await db.update(workflows).set({ deletedAt: new Date(Date.now() - TRASH_RETENTION_DAYS * DAY - 60_000) }).where(eq(workflows.id, expired));
    await db.update(workflows).set({ deletedAt: new Date(Date.now() - (TRASH_RETENTION_DAYS - 1) * DAY) }).where(eq(workflows.id, recent));

    const listed = (await a.get(`${WF}?deleted=true&perPage=100`)).json();
    expect(listed.data.map((w: { id: string }) => w.id)).not.toContain(expired);
    expect(listed.data.map((w: { id: string }) => w.id)).toContain(recent);
    expect(listed.data.every((w: { purgeAt: string }) => Date.parse(w.purgeAt) > Date.now())).toBe(true);
    const count = (await a.get(`${WF}?deleted=true&q=expired-one`)).json().meta.total;
    expect(count).toBe(0);

    const res = await a.post(`${WF}${expired}/restore/`);
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('WORKFLOW_TRASH_EXPIRED');
    // Refused, not removed: it stays in the database until the purge, still in the trash.
    const [row] = await db.select().from(workflows).where(eq(workflows.id, expired));
    expect(row?.deletedAt).not.toBeNull();
    expect((await a.post(`${WF}${recent}/restore/`)).statusCode).toBe(200);
  });

  it('is swept by the module on its own timer, which never keeps the process alive', async () => {
    const id = await a.create({ name: 'swept' });
    await a.del(`${WF}${id}/`);
    // A second module on the same database, with a clock 31 days ahead and a short interval.
    const mod = await createWorkflowsModule({ ...(deps() as object), config: t.container.config } as ModuleDeps, {
      now: () => new Date(Date.now() + 31 * DAY),
      purgeIntervalMs: 20,
    });
    try {
      for (let i = 0; i < 100; i++) {
        const trashIds = (await a.get(`${WF}?deleted=true&perPage=100`)).json().data.map((w: { id: string }) => w.id);
        if (!trashIds.includes(id)) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await a.get(`${WF}?deleted=true&perPage=100`)).json().data.map((w: { id: string }) => w.id)).not.toContain(id);
    } finally {
      await mod.close?.();
    }
  });
});
