/**
 * A commerce test world: organizations A (stores A1, A2) and B (store B1), one signed-in user per commerce role
 * (organization roles in A, store roles in A1, CUSTOMER linked to a customer of A1, SUPER_ADMIN a staff user), and in
 * every store a category, a brand, a published product, another customer and an order of that customer. Fresh rows
 * for tests that change or delete something are inserted straight into the database (fast, and independent of the
 * endpoints under test).
 */
import { randomUUID } from 'node:crypto';
import { COMMERCE_ROLES, isOrganizationRole, isStoreRole, type CommerceRole, type OrganizationRole, type StoreRole } from '@gatehouse/policy';
import type { Db } from '../../../db/database.ts';
import type { EventBus } from '../../../events/bus.ts';
import type { TestApp } from '../../../testing/app.ts';
import { registerUser, setUser, type TestUser } from '../../../testing/users.ts';
import { users } from '../../identity/index.ts';
import { MEMBERSHIPS_CHANGED } from '../membership-cache.ts';
import { brands, categories, customers, invitations, orderItems, orders, organizationMembers, organizations, products, storeStaff, stores } from '../commerce.tables.ts';

export type StoreKey = 'A1' | 'A2' | 'B1';

export interface StoreFixture {
  readonly id: string;
  readonly organizationId: string;
  readonly productId: string;
  readonly draftProductId: string;
  readonly categoryId: string;
  readonly brandId: string;
  /** A customer of the store that is not the CUSTOMER role's own record. */
  readonly customerId: string;
  /** An order of that customer. */
  readonly orderId: string;
}

export interface World {
  readonly users: Record<CommerceRole, TestUser>;
  readonly org: { readonly A: string; readonly B: string };
  readonly stores: Record<StoreKey, StoreFixture>;
  /** The CUSTOMER role's own customer record (in A1) and an order of it. */
  readonly own: { readonly customerId: string; readonly orderId: string };
  readonly fresh: Fresh;
}

let seq = 0;
const next = () => `${Date.now().toString(36)}-${(seq++).toString(36)}`;

/** Fixtures write memberships straight into the database, so they tell the membership cache, as the services do. */
export function createFresh(db: Db, bus: EventBus) {
  // With the Redis bus even this instance hears the message only after a round trip: wait for it, so the next request
  // cannot read a cached role from before the insert.
  async function changed(userId: string | null): Promise<void> {
    if (!userId) return;
    const nonce = randomUUID();
    const heard = new Promise<void>((resolve) => {
      const off = bus.subscribe(MEMBERSHIPS_CHANGED, (m) => {
        if ((m as { nonce?: string }).nonce === nonce) {
          off();
          resolve();
        }
      });
    });
    await bus.publish(MEMBERSHIPS_CHANGED, { userIds: [userId], nonce });
    await heard;
  }
  const fresh = {
    async user(): Promise<{ id: string; email: string }> {
      const u = { id: randomUUID(), email: `fresh-${next()}@example.com` };
      await db.insert(users).values(u);
      return u;
    },
    async org(): Promise<string> {
      const id = randomUUID();
      await db.insert(organizations).values({ id, name: `Org ${id.slice(0, 8)}`, slug: `org-${next()}` });
      return id;
    },
    async store(organizationId: string): Promise<string> {
      const id = randomUUID();
      await db.insert(stores).values({ id, organizationId, name: `Store ${id.slice(0, 8)}`, slug: `store-${next()}` });
      return id;
    },
    async member(organizationId: string, userId: string, role: OrganizationRole): Promise<void> {
      await db.insert(organizationMembers).values({ organizationId, userId, role });
      await changed(userId);
    },
    async staff(storeId: string, userId: string, role: StoreRole): Promise<void> {
      await db.insert(storeStaff).values({ storeId, userId, role });
      await changed(userId);
    },
    /** Gives `userId` its `role` in a fresh store of `organizationId` (org roles: membership of the organization). */
    async holdRole(role: CommerceRole, userId: string, organizationId: string, storeId: string): Promise<void> {
      if (isOrganizationRole(role)) await fresh.member(organizationId, userId, role);
      else if (isStoreRole(role)) await fresh.staff(storeId, userId, role);
      else if (role === 'CUSTOMER') await fresh.customer({ id: storeId, organizationId }, userId);
    },
    async product(s: { id: string; organizationId: string }, over: Partial<typeof products.$inferInsert> = {}): Promise<string> {
      const id = randomUUID();
      const n = next();
      await db.insert(products).values({
        id,
        organizationId: s.organizationId,
        storeId: s.id,
        name: `Product ${n}`,
        slug: `product-${n}`,
        sku: `SKU-${n}`,
        price: 1000,
        currency: 'USD',
        inventoryQuantity: 100_000,
        status: 'PUBLISHED',
        ...over,
      });
      return id;
    },
    async category(s: { id: string; organizationId: string }): Promise<string> {
      const id = randomUUID();
      await db.insert(categories).values({ id, organizationId: s.organizationId, storeId: s.id, name: `Category ${id.slice(0, 8)}`, slug: `category-${next()}` });
      return id;
    },
    async brand(s: { id: string; organizationId: string }): Promise<string> {
      const id = randomUUID();
      await db.insert(brands).values({ id, organizationId: s.organizationId, storeId: s.id, name: `Brand ${id.slice(0, 8)}`, slug: `brand-${next()}` });
      return id;
    },
    async customer(s: { id: string; organizationId: string }, userId: string | null = null): Promise<string> {
      const id = randomUUID();
      await db.insert(customers).values({ id, organizationId: s.organizationId, storeId: s.id, userId, name: `Customer ${id.slice(0, 8)}`, email: `c-${next()}@example.com` });
      await changed(userId);
      return id;
    },
    /** An order; with `item`, one line of that product (its stock is not touched: the order is written as it stands). */
    async order(
      s: { id: string; organizationId: string },
      customerId: string,
      status: (typeof orders.$inferInsert)['status'] = 'PENDING',
      item?: { productId: string; quantity: number },
    ): Promise<string> {
      const id = randomUUID();
      await db.insert(orders).values({ id, organizationId: s.organizationId, storeId: s.id, customerId, number: 1_000_000 + seq++, status, currency: 'USD', subtotal: 0, total: 0 });
      if (item) await db.insert(orderItems).values({ id: randomUUID(), orderId: id, productId: item.productId, name: 'Item', sku: 'ITEM', unitPrice: 0, quantity: item.quantity, lineTotal: 0 });
      return id;
    },
    /** A pending invitation, as an inviter would leave it. */
    async invitation(o: {
      kind: 'organization' | 'store' | 'customer';
      organizationId: string;
      storeId?: string;
      customerId?: string;
      email: string;
      role: string;
      invitedBy: string;
    }): Promise<string> {
      const id = randomUUID();
      await db.insert(invitations).values({
        id,
        kind: o.kind,
        organizationId: o.organizationId,
        storeId: o.storeId ?? null,
        customerId: o.customerId ?? null,
        email: o.email.toLowerCase(),
        role: o.role,
        invitedBy: o.invitedBy,
        expiresAt: new Date(Date.now() + 86_400_000),
      });
      return id;
    },
  };
  return fresh;
}
export type Fresh = ReturnType<typeof createFresh>;

export const roleEmail = (role: CommerceRole, domain = 'world.test') => `${role.toLowerCase().replace(/_/g, '-')}@${domain}`;

/** Limits high enough that a matrix of thousands of requests is never rate limited (limits have their own tests). */
export const UNLIMITED_ENV = {
  RATE_DEFAULT_FREE_PER_MINUTE: '100000000',
  COMMERCE_RATE_CUSTOMER_PER_HOUR: '100000000',
  COMMERCE_RATE_STAFF_PER_MINUTE: '100000000',
};

export async function buildWorld(t: TestApp, domain = 'world.test'): Promise<World> {
  const db = t.container.database.db;
  const fresh = createFresh(db, t.container.bus);
  const A = await fresh.org();
  const B = await fresh.org();
  const storeFixture = async (organizationId: string): Promise<StoreFixture> => {
    const ref = { id: await fresh.store(organizationId), organizationId };
    const customerId = await fresh.customer(ref);
    return {
      ...ref,
      productId: await fresh.product(ref),
      draftProductId: await fresh.product(ref, { status: 'DRAFT' }),
      categoryId: await fresh.category(ref),
      brandId: await fresh.brand(ref),
      customerId,
      orderId: await fresh.order(ref, customerId),
    };
  };
  const A1 = await storeFixture(A);
  const A2 = await storeFixture(A);
  const B1 = await storeFixture(B);

  const list: Array<[CommerceRole, TestUser]> = [];
  for (const role of COMMERCE_ROLES) list.push([role, await registerUser(t.app, { email: roleEmail(role, domain) })]);
  const byRole = Object.fromEntries(list) as Record<CommerceRole, TestUser>;
  await setUser(t.container, byRole.SUPER_ADMIN.id, { isStaff: true });
  let ownCustomerId = '';
  for (const [role, u] of list) {
    if (role === 'SUPER_ADMIN') continue;
    if (role === 'CUSTOMER') ownCustomerId = await fresh.customer(A1, u.id);
    else await fresh.holdRole(role, u.id, A, A1.id);
  }
  const ownOrderId = await fresh.order(A1, ownCustomerId);
  return { users: byRole, org: { A, B }, stores: { A1, A2, B1 }, own: { customerId: ownCustomerId, orderId: ownOrderId }, fresh };
}
