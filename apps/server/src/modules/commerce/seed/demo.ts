/**
 * Demo data for local use (CONTRACT.md, `gatehouse seed:demo`): a demo organization and store, one user per commerce
 * role (`<role-in-kebab-case>@example.com`; OWNER also `test@example.com`, MEMBER `member@example.com`, as in the
 * spec's testing guide), all with the password `password123`, and a small catalogue with customers and orders.
 *
 * Idempotent: a second run finds the demo organization and changes nothing. It never touches an existing account:
 * if a demo email already has one, it refuses before writing anything (handing an existing account demo roles, staff
 * rights for super-admin@example.com, or printing `password123` for an account that has another password would all be
 * wrong). It inserts memberships directly: it is a local seed, not an invitation flow.
 */
import { randomUUID } from 'node:crypto';
import { COMMERCE_ROLES, isOrganizationRole, isStoreRole, type CommerceRole } from '@gatehouse/policy';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db, Tx } from '../../../db/database.ts';
import type { RequestContext } from '../../../http/context.ts';
import type { AuditService } from '../../audit/index.ts';
import { findUserByEmail, insertUser, passwordProblem } from '../../identity/index.ts';
import { brands, categories, customers, orderItems, orders, organizationMembers, organizations, products, storeStaff, stores } from '../commerce.tables.ts';

export const DEMO_PASSWORD = 'password123';
export const DEMO_ORG_SLUG = 'demo';
export const DEMO_WARNING =
  'WARNING: these accounts share a well-known password and are for local use only. Never seed a database that is reachable from the internet.';

export interface DemoAccount {
  readonly role: CommerceRole;
  readonly email: string;
}

/** `STORE_ADMIN` → `store-admin@example.com`; OWNER is also `test@example.com`. */
export const DEMO_ACCOUNTS: readonly DemoAccount[] = [
  ...COMMERCE_ROLES.map((role) => ({ role, email: `${role.toLowerCase().replace(/_/g, '-')}@example.com` })),
  { role: 'OWNER', email: 'test@example.com' },
];

export interface DemoSeed {
  readonly created: boolean;
  readonly organizationId: string;
  readonly storeId: string;
  readonly accounts: readonly DemoAccount[];
}

/** A demo email already has an account: seed:demo refuses and writes nothing. */
export class DemoAccountsExist extends Error {
  /** The CLI prints the message alone, without a stack (an operator's mistake, not a crash). */
  readonly operatorError = true;
  constructor(readonly emails: readonly string[]) {
    super(
      `seed:demo refused: these demo emails already have accounts: ${emails.join(', ')}. The seed never touches existing ` +
        'accounts (it would give them demo roles, staff rights for super-admin@example.com, and print a password that is ' +
        'not theirs). Remove those accounts, or seed a fresh database.',
    );
  }
}

export interface SeedDeps {
  readonly db: Db;
  readonly audit: AuditService;
  readonly hashPassword: (password: string) => Promise<string>;
}

async function existingDemoEmails(tx: Tx): Promise<string[]> {
  const out: string[] = [];
  for (const a of DEMO_ACCOUNTS) if (await findUserByEmail(tx, a.email)) out.push(a.email);
  return out;
}

async function demoUser(tx: Tx, email: string, role: CommerceRole, hash: string): Promise<string> {
  const name = `Demo ${role.toLowerCase().replace(/_/g, ' ')}`;
  const u = await insertUser(tx, { id: randomUUID(), email, name, passwordHash: hash, isStaff: role === 'SUPER_ADMIN' });
  return u.id;
}

export async function seedDemo(d: SeedDeps, ctx: RequestContext): Promise<DemoSeed> {
  for (const a of DEMO_ACCOUNTS) {
    const problem = passwordProblem(DEMO_PASSWORD, a.email);
    if (problem) throw new Error(`the demo password is refused for ${a.email}: ${problem}`);
  }
  const [seeded] = await d.db
    .select({ id: organizations.id })
    .from(organizations)
    .where(and(eq(organizations.slug, DEMO_ORG_SLUG), isNull(organizations.deletedAt)))
    .limit(1);
  if (seeded) {
    const [s] = await d.db.select({ id: stores.id }).from(stores).where(eq(stores.organizationId, seeded.id)).limit(1);
    return { created: false, organizationId: seeded.id, storeId: s?.id ?? '', accounts: DEMO_ACCOUNTS };
  }
  const taken = await existingDemoEmails(d.db);
  if (taken.length > 0) throw new DemoAccountsExist(taken);
  const hash = await d.hashPassword(DEMO_PASSWORD);
  return d.db.transaction(async (tx) => {
    // Again inside the transaction: an account registered meanwhile must not be taken over either.
    const raced = await existingDemoEmails(tx);
    if (raced.length > 0) throw new DemoAccountsExist(raced);
    const organizationId = randomUUID();
    const storeId = randomUUID();
    await tx.insert(organizations).values({ id: organizationId, name: 'Demo Organization', slug: DEMO_ORG_SLUG });
    await tx.insert(stores).values({ id: storeId, organizationId, name: 'Demo Store', slug: 'demo-store', email: 'store@example.com', description: 'A store to try the roles on' });
    const s = { organizationId, storeId };
    let customerUser: string | undefined;
    for (const a of DEMO_ACCOUNTS) {
      const userId = await demoUser(tx, a.email, a.role, hash);
      if (isOrganizationRole(a.role)) await tx.insert(organizationMembers).values({ organizationId, userId, role: a.role }).onConflictDoNothing();
      else if (isStoreRole(a.role)) await tx.insert(storeStaff).values({ storeId, userId, role: a.role }).onConflictDoNothing();
      else if (a.role === 'CUSTOMER') customerUser = userId;
    }

    const cat = (name: string, slug: string) => ({ id: randomUUID(), ...s, name, slug });
    const apparel = cat('Apparel', 'apparel');
    const accessories = cat('Accessories', 'accessories');
    await tx.insert(categories).values([apparel, accessories]);
    const acme = { id: randomUUID(), ...s, name: 'Acme', slug: 'acme', website: 'https://acme.example.com' };
    const northwind = { id: randomUUID(), ...s, name: 'Northwind', slug: 'northwind', website: null };
    await tx.insert(brands).values([acme, northwind]);
    const item = (name: string, sku: string, price: number, status: 'DRAFT' | 'PUBLISHED' | 'ARCHIVED', categoryId: string, brandId: string) => ({
      id: randomUUID(),
      ...s,
      name,
      slug: sku.toLowerCase(),
      sku,
      price,
      compareAtPrice: status === 'PUBLISHED' && price > 3000 ? price + 1000 : null,
      currency: 'USD',
      inventoryQuantity: 50,
      status,
      categoryId,
      brandId,
      description: `${name}, a demo product.`,
    });
    const catalogue = [
      item('Classic T-Shirt', 'TSHIRT-CLASSIC', 1999, 'PUBLISHED', apparel.id, acme.id),
      item('Hoodie', 'HOODIE-GREY', 4999, 'PUBLISHED', apparel.id, northwind.id),
      item('Rain Jacket', 'JACKET-RAIN', 8999, 'PUBLISHED', apparel.id, acme.id),
      item('Leather Belt', 'BELT-LEATHER', 2999, 'PUBLISHED', accessories.id, northwind.id),
      item('Winter Scarf', 'SCARF-WINTER', 2499, 'DRAFT', accessories.id, acme.id),
      item('Old Cap', 'CAP-OLD', 999, 'ARCHIVED', accessories.id, northwind.id),
    ];
    await tx.insert(products).values(catalogue);

    const demoCustomer = { id: randomUUID(), ...s, userId: customerUser ?? null, name: 'Demo Customer', email: 'customer@example.com' };
    const walkIn = { id: randomUUID(), ...s, userId: null, name: 'Walk-in Customer', email: 'walk-in@example.com', phone: '+1 555 0100' };
    await tx.insert(customers).values([demoCustomer, walkIn]);
    const order = async (number: number, customerId: string, status: 'PENDING' | 'PAID', lines: Array<[(typeof catalogue)[number], number]>) => {
      const id = randomUUID();
      const total = lines.reduce((n, [p, q]) => n + p.price * q, 0);
      await tx.insert(orders).values({ id, ...s, number, customerId, status, currency: 'USD', subtotal: total, total });
      await tx.insert(orderItems).values(lines.map(([p, q]) => ({ id: randomUUID(), orderId: id, productId: p.id, name: p.name, sku: p.sku, unitPrice: p.price, quantity: q, lineTotal: p.price * q })));
    };
    await order(1001, demoCustomer.id, 'PENDING', [[catalogue[0]!, 2]]);
    await order(1002, walkIn.id, 'PAID', [[catalogue[1]!, 1], [catalogue[3]!, 1]]);
    await tx.update(stores).set({ orderSeq: 1002 }).where(eq(stores.id, storeId));

    await d.audit.record(tx, ctx, { action: 'cli.seed_demo', outcome: 'success', actorId: null, organizationId, storeId, details: { accounts: DEMO_ACCOUNTS.length } });
    return { created: true, organizationId, storeId, accounts: DEMO_ACCOUNTS };
  });
}
