import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth, nextIp, registerUser } from '../../testing/users.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('the audit log', () => {
  it('records the security events of an account’s life with ip, request id and no secrets', async () => {
    const u = await registerUser(t.app, { email: 'audited@example.com' });
    await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: nextIp(), payload: { email: u.email, password: 'wrong password!' } });
    await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: nextIp(), payload: { email: u.email, password: u.password } });
    await t.app.inject({ method: 'POST', url: '/api/users/password', headers: auth(u), payload: { currentPassword: u.password, newPassword: 'the next passphrase' } });
    await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: auth(u) });
    await t.container.audit.flush();
    const entries = await t.container.audit.list({ userId: u.id });
    const seen = entries.map((e) => `${e.action}:${e.outcome}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        'auth.register:success',
        'auth.login:failure',
        'auth.login:success',
        'user.password_change:success',
        'auth.logout:success',
      ]),
    );
    for (const e of entries) {
      expect(e.ip).toBeTruthy();
      expect(e.requestId).toBeTruthy();
    }
    const text = JSON.stringify(entries);
    expect(text).not.toContain(u.password);
    expect(text).not.toContain('the next passphrase');
    expect(text).not.toContain(u.refreshToken);
  });

  it('records a login attempt for an unknown email without linking it to anyone', async () => {
    await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: nextIp(), payload: { email: 'ghost@example.com', password: 'whatever you like' } });
    await t.container.audit.flush();
    const [e] = await t.container.audit.list({ action: 'auth.login' }).then((es) => es.filter((x) => x.details?.email === 'ghost@example.com'));
    expect(e).toMatchObject({ outcome: 'failure', actorId: null });
  });

  it('writes deferred events in batches, and one bad event does not lose the others', async () => {
    const errors: unknown[] = [];
    const ctx = { requestId: 'batch-test', principal: null, ip: '127.0.0.1', log: { error: (o: unknown) => errors.push(o) } } as never;
    for (let i = 0; i < 40; i++) t.container.audit.recordLater(ctx, { action: 'test.batch', outcome: 'success', actorId: null, details: { i } });
    // Not a UUID: the database refuses this row.
    t.container.audit.recordLater(ctx, { action: 'test.batch', outcome: 'success', actorId: 'not-a-uuid', details: { i: -1 } });
    await t.container.audit.flush();
    const rows = await t.container.audit.list({ action: 'test.batch', limit: 100 });
    expect(rows.map((r) => (r.details as { i: number }).i).sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
    expect(errors).toHaveLength(1);
  });

  it('records a denial whose path parameter carries a NUL byte, without the NUL', async () => {
    const u = await registerUser(t.app, { email: 'nul-prober@example.com' });
    const res = await t.app.inject({ method: 'GET', url: '/api/users/abc%00def', headers: auth(u) });
    expect(res.statusCode).toBe(403);
    await t.container.audit.flush();
    const denied = (await t.container.audit.list({ userId: u.id })).filter((e) => e.outcome === 'denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]!.details).toMatchObject({ status: 403, resourceId: 'abcdef' });
  });

  it('is append-only: the database refuses UPDATE, DELETE and TRUNCATE', async () => {
    await registerUser(t.app);
    const db = t.container.database.db;
    await expect(db.execute(sql`UPDATE audit_log SET action = 'rewritten'`)).rejects.toThrow();
    await expect(db.execute(sql`DELETE FROM audit_log`)).rejects.toThrow();
    await expect(db.execute(sql`TRUNCATE audit_log`)).rejects.toThrow();
    const rows = await db.execute(sql`SELECT count(*)::int AS n FROM audit_log WHERE action = 'rewritten'`);
    expect((rows as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(0);
  });
});
