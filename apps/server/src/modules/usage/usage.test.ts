import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth, registerUser, setUser } from '../../testing/users.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

type Cat = { category: string; limit: number | null; used: number; remaining: number | null; resetAt: string | null; window: string };
const usage = async (u: { accessToken: string }) => {
  const res = await t.app.inject({ method: 'GET', url: '/api/usage/', headers: auth(u) });
  expect(res.statusCode).toBe(200);
  const d = res.json().data as { tier: string; credits: number; categories: Cat[] };
  return { ...d, cat: (c: string) => d.categories.find((x) => x.category === c)! };
};

describe('usage', () => {
  it("reports the free tier's limits for every category of the spec's table and the credit balance", async () => {
    const u = await registerUser(t.app);
    const d = await usage(u);
    expect(d.tier).toBe('free');
    expect(d.credits).toBe(0);
    expect(d.cat('auth')).toMatchObject({ limit: 10, window: 'minute' });
    expect(d.cat('workflowCrud')).toMatchObject({ limit: 20, window: 'minute' });
    expect(d.cat('compile')).toMatchObject({ limit: 10 });
    expect(d.cat('execute')).toMatchObject({ limit: 5 });
    expect(d.cat('aiGeneration')).toMatchObject({ limit: 10, window: 'day' });
    expect(d.cat('documentUpload')).toMatchObject({ limit: 10, window: 'day' });
    expect(d.cat('aiChat')).toMatchObject({ limit: 50, window: 'day' });
    expect(d.cat('stream')).toMatchObject({ limit: 5, window: 'concurrent', used: 0 });
  });

  it('counts what was used in the current window and says when it resets', async () => {
    const u = await registerUser(t.app);
    await t.app.inject({ method: 'PATCH', url: '/api/users/me', headers: auth(u), payload: { name: 'x' } });
    await t.app.inject({ method: 'POST', url: '/api/users/password', headers: auth(u), payload: { currentPassword: 'wrong password here', newPassword: 'another passphrase' } });
    const d = await usage(u);
    expect(d.cat('auth').used).toBe(1);
    // The PATCH and this GET itself fall in the default category.
    expect(d.cat('default').used).toBe(2);
    expect(new Date(d.cat('auth').resetAt!).getTime()).toBeGreaterThan(Date.now());
  });

  it('shows an enterprise user Unlimited (null) where the spec says so, and the credit balance', async () => {
    const u = await registerUser(t.app);
    await setUser(t.container, u.id, { tier: 'enterprise', credits: 42 });
    const d = await usage(u);
    expect(d.tier).toBe('enterprise');
    expect(d.credits).toBe(42);
    expect(d.cat('compile')).toMatchObject({ limit: null, remaining: null });
    expect(d.cat('execute')).toMatchObject({ limit: 200 });
    expect(d.cat('stream')).toMatchObject({ limit: 100 });
  });

  it('needs a principal', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/usage/' })).statusCode).toBe(401);
  });
});
