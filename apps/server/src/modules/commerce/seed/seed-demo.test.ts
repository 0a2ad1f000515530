import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../../http/context.ts';
import { createTestApp, type TestApp } from '../../../testing/app.ts';
import { nextIp } from '../../../testing/users.ts';
import { passwordProblem } from '../../identity/index.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD, DemoAccountsExist, seedDemo, type DemoSeed } from './index.ts';
import { registerUser } from '../../../testing/users.ts';
import { organizations } from '../commerce.tables.ts';

let t: TestApp;
let seed: DemoSeed;
const tokens = new Map<string, string>();

async function login(email: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: nextIp(), payload: { email, password: DEMO_PASSWORD } });
  expect(res.statusCode, `${email}: ${res.body}`).toBe(200);
  return res.json().data.tokens.accessToken as string;
}
const as = (email: string) => ({ authorization: `Bearer ${tokens.get(email)}` });

beforeAll(async () => {
  t = await createTestApp();
  seed = await seedDemo({ db: t.container.database.db, audit: t.container.audit, hashPassword: (p) => t.container.identity.hasher.hash(p) }, systemContext(t.app.log));
  for (const a of DEMO_ACCOUNTS) tokens.set(a.email, await login(a.email));
});
afterAll(async () => t?.close());

describe('gatehouse seed:demo', () => {
  it('names one account per commerce role in kebab case, plus test@example.com as OWNER', () => {
    expect(DEMO_ACCOUNTS.map((a) => a.email)).toEqual([
      'super-admin@example.com', 'owner@example.com', 'admin@example.com', 'member@example.com', 'viewer@example.com',
      'store-admin@example.com', 'sales-manager@example.com', 'inventory-manager@example.com', 'customer-service@example.com',
      'content-manager@example.com', 'marketing-manager@example.com', 'delivery-boy@example.com', 'customer@example.com',
      'test@example.com',
    ]);
    expect(DEMO_ACCOUNTS.find((a) => a.email === 'test@example.com')?.role).toBe('OWNER');
  });

  it('uses a password the identity rules accept for every demo email, so every demo user can sign in', () => {
    for (const a of DEMO_ACCOUNTS) expect(passwordProblem(DEMO_PASSWORD, a.email), a.email).toBeNull();
    expect(tokens.size).toBe(DEMO_ACCOUNTS.length);
  });

  it('changes nothing when run again', async () => {
    const again = await seedDemo({ db: t.container.database.db, audit: t.container.audit, hashPassword: async () => 'never used' }, systemContext(t.app.log));
    expect(again).toMatchObject({ created: false, organizationId: seed.organizationId, storeId: seed.storeId });
  });
});

describe('gatehouse seed:demo on a database that already has a demo email', () => {
  it('refuses, naming the email, and touches nothing: no staff rights, no roles, the password stays the owner’s', async () => {
    const other = await createTestApp();
    try {
      const mine = await registerUser(other.app, { email: 'super-admin@example.com', password: 'my own passphrase' });
      const deps = { db: other.container.database.db, audit: other.container.audit, hashPassword: (p: string) => other.container.identity.hasher.hash(p) };
      const refused = seedDemo(deps, systemContext(other.app.log));
      await expect(refused).rejects.toBeInstanceOf(DemoAccountsExist);
      await expect(refused).rejects.toThrow(/already have accounts: super-admin@example\.com\./);
      expect(await other.container.database.db.select().from(organizations)).toEqual([]);
      const me = await other.app.inject({ method: 'GET', url: '/api/users/me', headers: { authorization: `Bearer ${mine.accessToken}` } });
      expect(me.json().data.isStaff).toBe(false);
      const login = await other.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: nextIp(), payload: { email: 'super-admin@example.com', password: DEMO_PASSWORD } });
      expect(login.statusCode).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe("the spec's testing guide against the demo data", () => {
  it('Test 1: MEMBER cannot create a store: 403 with the spec’s message', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/stores', headers: as('member@example.com'), payload: { name: 'Test Store', slug: 'test-store' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('Permission denied. You do not have permission to create stores.');
  });

  it('Test 2: OWNER (test@example.com) can create a store: 201 with the store', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/stores',
      headers: as('test@example.com'),
      payload: { name: 'Test Store', slug: 'test-store', email: 'test@store.com' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().data).toMatchObject({ id: expect.any(String), name: 'Test Store', organizationId: seed.organizationId, email: 'test@store.com' });
  });

  it('Test 3: MEMBER cannot delete a product: 403, and the product stays', async () => {
    const list = await t.app.inject({ method: 'GET', url: `/api/products?storeId=${seed.storeId}`, headers: as('member@example.com') });
    const productId = list.json().data[0].id as string;
    const res = await t.app.inject({ method: 'DELETE', url: `/api/products/${productId}`, headers: as('member@example.com') });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('Permission denied. You do not have permission to delete products.');
    expect((await t.app.inject({ method: 'GET', url: `/api/products/${productId}`, headers: as('member@example.com') })).statusCode).toBe(200);
  });

  it('MEMBER: only read endpoints work', async () => {
    for (const path of ['/api/stores', `/api/products?storeId=${seed.storeId}`, `/api/orders?storeId=${seed.storeId}`, `/api/customers?storeId=${seed.storeId}`]) {
      expect((await t.app.inject({ method: 'GET', url: path, headers: as('member@example.com') })).statusCode, path).toBe(200);
    }
    const put = await t.app.inject({ method: 'PUT', url: `/api/stores/${seed.storeId}`, headers: as('member@example.com'), payload: { name: 'Mine now' } });
    expect(put.statusCode).toBe(403);
  });

  it('VIEWER reads stores and products, not orders or customers (the matrix)', async () => {
    const v = as('viewer@example.com');
    expect((await t.app.inject({ method: 'GET', url: '/api/stores', headers: v })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/api/products?storeId=${seed.storeId}`, headers: v })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/api/orders?storeId=${seed.storeId}`, headers: v })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: `/api/customers?storeId=${seed.storeId}`, headers: v })).statusCode).toBe(403);
  });

  it('SUPER_ADMIN: every endpoint works; store roles work in their store; CUSTOMER sees its own order only', async () => {
    const sa = await t.app.inject({ method: 'POST', url: '/api/stores', headers: as('super-admin@example.com'), payload: { organizationId: seed.organizationId, name: 'Staff Store', slug: 'staff-store' } });
    expect(sa.statusCode).toBe(201);
    const sales = await t.app.inject({ method: 'GET', url: `/api/orders?storeId=${seed.storeId}`, headers: as('sales-manager@example.com') });
    expect(sales.json().meta.total).toBe(2);
    const mine = await t.app.inject({ method: 'GET', url: `/api/orders?storeId=${seed.storeId}`, headers: as('customer@example.com') });
    expect(mine.json().data.map((o: { number: number }) => o.number)).toEqual([1001]);
    const shop = await t.app.inject({ method: 'GET', url: `/api/products?storeId=${seed.storeId}`, headers: as('customer@example.com') });
    expect(shop.json().data.every((p: { status: string }) => p.status === 'PUBLISHED')).toBe(true);
    expect(shop.json().meta.total).toBe(4);
  });
});

describe('the seed:demo command', () => {
  it('seeds an embedded database and prints every account with the local-use warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-seed-'));
    try {
      const bin = fileURLToPath(new URL('../../../../bin/gatehouse.mjs', import.meta.url));
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'test', DATA_DIR: dir, LOG_LEVEL: 'silent', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };
      const { stdout } = await promisify(execFile)(process.execPath, [bin, 'seed:demo'], { env, timeout: 120_000 });
      expect(stdout).toContain('demo data created');
      for (const a of DEMO_ACCOUNTS) expect(stdout).toMatch(new RegExp(`${a.role}\\s+${a.email.replace('.', '\\.')}\\s+password123`));
      expect(stdout).toContain('for local use only');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
