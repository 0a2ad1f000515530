/**
 * The generated access matrix: every commerce endpoint × the 13 roles × the contexts of matrix.expectations.ts, on one
 * app and one seeded world, plus a coverage report that fails naming any commerce route, role permission or context
 * the matrix never exercised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import {
  COMMERCE_PERMISSIONS,
  COMMERCE_ROLES,
  ORGANIZATION_ACCESS_DENIED,
  STORE_ACCESS_DENIED,
  writableFields,
  type CommerceRole,
} from '@gatehouse/policy';
import { createTestApp, type TestApp } from '../../testing/app.ts';
import { auth } from '../../testing/users.ts';
import { COMMERCE_SECTION } from './index.ts';
import { CONTEXTS, EXPECTED, MATRIX_ROLES, type Cell, type MatrixContext } from './matrix.expectations.ts';
import { UNLIMITED_ENV, buildWorld, type StoreKey, type World } from './testing/world.ts';

let t: TestApp;
let w: World;
beforeAll(async () => {
  t = await createTestApp({ env: UNLIMITED_ENV });
  w = await buildWorld(t);
});
afterAll(async () => t?.close());

const STORE_OF: Record<MatrixContext, StoreKey> = { own: 'A1', sameOrg: 'A2', otherOrg: 'B1', ownRecord: 'A1', othersRecord: 'A1' };
const store = (c: MatrixContext) => w.stores[STORE_OF[c]];
const org = (c: MatrixContext) => (c === 'otherOrg' ? w.org.B : w.org.A);
let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

/** A store-scoped role's own fresh store (or organization) for deleting: the caller holds its role there. */
async function freshStore(role: CommerceRole, c: MatrixContext): Promise<string> {
  const id = await w.fresh.store(c === 'otherOrg' ? w.org.B : w.org.A);
  if (c === 'own' && role !== 'SUPER_ADMIN' && !['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'].includes(role)) {
    await w.fresh.holdRole(role, w.users[role].id, w.org.A, id);
  }
  return id;
}

/** A patch each role may send (its field allow-list), so the matrix tests the permission, not the field rules. */
function productPatch(role: CommerceRole): Record<string, unknown> {
  const f = writableFields([role], 'products');
  if (f === '*' || f.has('name')) return { name: `Renamed ${uniq()}` };
  if (f.has('price')) return { price: 4242 };
  return { name: 'Not allowed anyway' };
}

/**
 * The caller's own membership to change: a fresh organization (beside another OWNER, so no last-owner refusal) and a
 * store of it, in which the caller holds its role (SUPER_ADMIN holds none).
 */
async function ownMembership(role: CommerceRole): Promise<{ org: string; store: string }> {
  const o = await w.fresh.org();
  const s = await w.fresh.store(o);
  await w.fresh.member(o, (await w.fresh.user()).id, 'OWNER');
  if (role !== 'SUPER_ADMIN') await w.fresh.holdRole(role, w.users[role].id, o, s);
  return { org: o, store: s };
}

/** A pending invitation to a fresh store, addressed to the caller (ownRecord) or to some other email. */
async function invitationFor(role: CommerceRole, c: MatrixContext): Promise<string> {
  const o = await w.fresh.org();
  const s = await w.fresh.store(o);
  const email = c === 'ownRecord' ? w.users[role].email : `someone-${uniq()}@example.com`;
  return w.fresh.invitation({ kind: 'store', organizationId: o, storeId: s, email, role: 'DELIVERY_BOY', invitedBy: w.users.SUPER_ADMIN.id });
}

type Prepare = (role: CommerceRole, c: MatrixContext) => Promise<InjectOptions>;

const get = (url: string): InjectOptions => ({ method: 'GET', url });
const del = (url: string): InjectOptions => ({ method: 'DELETE', url });
const send = (method: 'POST' | 'PATCH' | 'PUT', url: string, payload: object = {}): InjectOptions => ({ method, url, payload });

const CASES: Record<string, Prepare> = {
  'GET /api/organizations': async () => get('/api/organizations'),
  'POST /api/organizations': async () => send('POST', '/api/organizations', { name: 'New org', slug: `org-${uniq()}` }),
  'GET /api/organizations/:id': async (_r, c) => get(`/api/organizations/${org(c)}`),
  'PATCH /api/organizations/:id': async (_r, c) => send('PATCH', `/api/organizations/${org(c)}`, { name: `Renamed ${uniq()}` }),
  'DELETE /api/organizations/:id': async (role, c) => {
    const id = await w.fresh.org();
    if (c === 'own' && role !== 'SUPER_ADMIN') await w.fresh.holdRole(role, w.users[role].id, id, await w.fresh.store(id));
    return del(`/api/organizations/${id}`);
  },
  'GET /api/organizations/:id/members': async (_r, c) => get(`/api/organizations/${org(c)}/members`),
  'PATCH /api/organizations/:id/members/:userId': async (role, c) => {
    if (c === 'ownRecord') {
      const own = await ownMembership(role);
      return send('PATCH', `/api/organizations/${own.org}/members/${w.users[role].id}`, { role: 'VIEWER' });
    }
    const u = await w.fresh.user();
    await w.fresh.member(org(c), u.id, 'MEMBER');
    return send('PATCH', `/api/organizations/${org(c)}/members/${u.id}`, { role: 'VIEWER' });
  },
  'DELETE /api/organizations/:id/members/:userId': async (role, c) => {
    if (c === 'ownRecord') return del(`/api/organizations/${(await ownMembership(role)).org}/members/${w.users[role].id}`);
    const u = await w.fresh.user();
    await w.fresh.member(org(c), u.id, 'MEMBER');
    return del(`/api/organizations/${org(c)}/members/${u.id}`);
  },
  'GET /api/organizations/:id/invitations': async (_r, c) => get(`/api/organizations/${org(c)}/invitations`),
  // An email nobody has an account with: inviting answers the same either way.
  'POST /api/organizations/:id/invitations': async (_r, c) => send('POST', `/api/organizations/${org(c)}/invitations`, { email: `invitee-${uniq()}@example.com`, role: 'MEMBER' }),
  'DELETE /api/organizations/:id/invitations/:invitationId': async (_r, c) => {
    const id = await w.fresh.invitation({ kind: 'organization', organizationId: org(c), email: `invitee-${uniq()}@example.com`, role: 'MEMBER', invitedBy: w.users.SUPER_ADMIN.id });
    return del(`/api/organizations/${org(c)}/invitations/${id}`);
  },

  'GET /api/stores': async (_r, c) => get(`/api/stores?organizationId=${org(c)}`),
  'POST /api/stores': async (_r, c) => send('POST', '/api/stores', { organizationId: org(c), name: 'New store', slug: `store-${uniq()}` }),
  'GET /api/stores/:id': async (_r, c) => get(`/api/stores/${store(c).id}`),
  'PUT /api/stores/:id': async (_r, c) => send('PUT', `/api/stores/${store(c).id}`, { description: `Updated ${uniq()}` }),
  'DELETE /api/stores/:id': async (role, c) => del(`/api/stores/${await freshStore(role, c)}`),
  'GET /api/stores/:id/staff': async (_r, c) => get(`/api/stores/${store(c).id}/staff`),
  'PATCH /api/stores/:id/staff/:userId': async (role, c) => {
    if (c === 'ownRecord') {
      const own = await ownMembership(role);
      return send('PATCH', `/api/stores/${own.store}/staff/${w.users[role].id}`, { role: 'MARKETING_MANAGER' });
    }
    const u = await w.fresh.user();
    await w.fresh.staff(store(c).id, u.id, 'DELIVERY_BOY');
    return send('PATCH', `/api/stores/${store(c).id}/staff/${u.id}`, { role: 'MARKETING_MANAGER' });
  },
  'DELETE /api/stores/:id/staff/:userId': async (role, c) => {
    if (c === 'ownRecord') return del(`/api/stores/${(await ownMembership(role)).store}/staff/${w.users[role].id}`);
    const u = await w.fresh.user();
    await w.fresh.staff(store(c).id, u.id, 'DELIVERY_BOY');
    return del(`/api/stores/${store(c).id}/staff/${u.id}`);
  },
  'GET /api/stores/:id/invitations': async (_r, c) => get(`/api/stores/${store(c).id}/invitations`),
  'POST /api/stores/:id/invitations': async (_r, c) => send('POST', `/api/stores/${store(c).id}/invitations`, { email: `invitee-${uniq()}@example.com`, role: 'DELIVERY_BOY' }),
  'DELETE /api/stores/:id/invitations/:invitationId': async (_r, c) => {
    const s = store(c);
    const id = await w.fresh.invitation({ kind: 'store', organizationId: s.organizationId, storeId: s.id, email: `invitee-${uniq()}@example.com`, role: 'DELIVERY_BOY', invitedBy: w.users.SUPER_ADMIN.id });
    return del(`/api/stores/${s.id}/invitations/${id}`);
  },

  'GET /api/products': async (_r, c) => get(`/api/products?storeId=${store(c).id}`),
  'POST /api/products': async (_r, c) => send('POST', '/api/products', { storeId: store(c).id, name: 'New product', sku: `NEW-${uniq()}` }),
  'GET /api/products/:id': async (_r, c) => get(`/api/products/${store(c).productId}`),
  'PATCH /api/products/:id': async (role, c) => send('PATCH', `/api/products/${await w.fresh.product(store(c))}`, productPatch(role)),
  'DELETE /api/products/:id': async (_r, c) => del(`/api/products/${await w.fresh.product(store(c))}`),
  'POST /api/products/:id/publish': async (_r, c) => send('POST', `/api/products/${await w.fresh.product(store(c), { status: 'DRAFT' })}/publish`),
  'POST /api/products/:id/archive': async (_r, c) => send('POST', `/api/products/${await w.fresh.product(store(c))}/archive`),

  'GET /api/categories': async (_r, c) => get(`/api/categories?storeId=${store(c).id}`),
  'POST /api/categories': async (_r, c) => send('POST', '/api/categories', { storeId: store(c).id, name: `Category ${uniq()}` }),
  'GET /api/categories/:id': async (_r, c) => get(`/api/categories/${store(c).categoryId}`),
  'PATCH /api/categories/:id': async (_r, c) => send('PATCH', `/api/categories/${await w.fresh.category(store(c))}`, { name: `Renamed ${uniq()}` }),
  'DELETE /api/categories/:id': async (_r, c) => del(`/api/categories/${await w.fresh.category(store(c))}`),

  'GET /api/brands': async (_r, c) => get(`/api/brands?storeId=${store(c).id}`),
  'POST /api/brands': async (_r, c) => send('POST', '/api/brands', { storeId: store(c).id, name: `Brand ${uniq()}` }),
  'GET /api/brands/:id': async (_r, c) => get(`/api/brands/${store(c).brandId}`),
  'PATCH /api/brands/:id': async (_r, c) => send('PATCH', `/api/brands/${await w.fresh.brand(store(c))}`, { name: `Renamed ${uniq()}` }),
  'DELETE /api/brands/:id': async (_r, c) => del(`/api/brands/${await w.fresh.brand(store(c))}`),

  'GET /api/customers': async (_r, c) => get(`/api/customers?storeId=${store(c).id}`),
  'POST /api/customers': async (_r, c) => send('POST', '/api/customers', { storeId: store(c).id, name: 'New customer', email: `new-${uniq()}@example.com` }),
  'GET /api/customers/:id': async (_r, c) => get(`/api/customers/${c === 'ownRecord' ? w.own.customerId : store(c).customerId}`),
  'PATCH /api/customers/:id': async (_r, c) => {
    const id = c === 'ownRecord' ? w.own.customerId : c === 'othersRecord' ? store(c).customerId : await w.fresh.customer(store(c));
    return send('PATCH', `/api/customers/${id}`, { name: `Renamed ${uniq()}` });
  },
  'DELETE /api/customers/:id': async (_r, c) => del(`/api/customers/${await w.fresh.customer(store(c))}`),
  'GET /api/customers/:id/invitations': async (_r, c) => get(`/api/customers/${store(c).customerId}/invitations`),
  'POST /api/customers/:id/invitations': async (_r, c) => send('POST', `/api/customers/${store(c).customerId}/invitations`, { email: `invitee-${uniq()}@example.com` }),
  'DELETE /api/customers/:id/invitations/:invitationId': async (_r, c) => {
    const s = store(c);
    const id = await w.fresh.invitation({ kind: 'customer', organizationId: s.organizationId, storeId: s.id, customerId: s.customerId, email: `invitee-${uniq()}@example.com`, role: 'CUSTOMER', invitedBy: w.users.SUPER_ADMIN.id });
    return del(`/api/customers/${s.customerId}/invitations/${id}`);
  },

  'GET /api/orders': async (_r, c) => {
    const of = c === 'ownRecord' ? w.own.customerId : c === 'othersRecord' ? store(c).customerId : undefined;
    return get(`/api/orders?storeId=${store(c).id}${of ? `&customerId=${of}` : ''}`);
  },
  'POST /api/orders': async (role, c) => {
    const s = store(c);
    const items = [{ productId: s.productId, quantity: 1 }];
    // CUSTOMER names no customer for its own order: the server takes its own record.
    if (c === 'ownRecord') return send('POST', '/api/orders', { storeId: s.id, items, ...(role === 'CUSTOMER' ? {} : { customerId: w.own.customerId }) });
    return send('POST', '/api/orders', { storeId: s.id, customerId: s.customerId, items });
  },
  'GET /api/orders/:id': async (_r, c) => get(`/api/orders/${c === 'ownRecord' ? w.own.orderId : store(c).orderId}`),
  'PATCH /api/orders/:id': async (role, c) => {
    const id = await w.fresh.order(store(c), c === 'ownRecord' ? w.own.customerId : store(c).customerId);
    const f = writableFields([role], 'orders');
    return send('PATCH', `/api/orders/${id}`, f !== '*' && f.has('status') ? { status: 'CANCELLED' } : { notes: `Note ${uniq()}` });
  },
  // Only an order that no longer holds stock may be deleted (a PENDING or PAID one is cancelled first).
  'DELETE /api/orders/:id': async (_r, c) => del(`/api/orders/${await w.fresh.order(store(c), c === 'ownRecord' ? w.own.customerId : store(c).customerId, 'CANCELLED')}`),

  'GET /api/invitations': async (role, c) => {
    await invitationFor(role, c); // something addressed to the caller, so the list has the record to show
    return get('/api/invitations');
  },
  'POST /api/invitations/:id/accept': async (role, c) => send('POST', `/api/invitations/${await invitationFor(role, c)}/accept`),
  'POST /api/invitations/:id/decline': async (role, c) => send('POST', `/api/invitations/${await invitationFor(role, c)}/decline`),

  'GET /api/trash': async () => get('/api/trash?type=products'),
  'POST /api/trash/:type/:id/restore': async (_r, c) => send('POST', `/api/trash/products/${await w.fresh.product(store(c), { deletedAt: new Date() })}/restore`),
};

const STATUS: Record<Cell, number> = { '200': 200, '201': 201, '204': 204, P: 403, S: 403, O: 403, A: 403, G: 403, E: 200, '404': 404 };
const RECORD_CONTEXTS: readonly MatrixContext[] = ['ownRecord', 'othersRecord'];

function expectedMessage(cell: Cell, rule: string): string | undefined {
  if (cell === 'P') {
    const [resource, action] = rule.split(':');
    return `Permission denied. You do not have permission to ${action} ${resource}.`;
  }
  if (cell === 'S') return STORE_ACCESS_DENIED;
  if (cell === 'O') return ORGANIZATION_ACCESS_DENIED;
  if (cell === 'A') return 'Admin access required.';
  return undefined;
}

/** Every cell the matrix ran: `route|role|context` → allowed. */
const ran = new Map<string, boolean>();

describe('the commerce access matrix', () => {
  for (const [key, exp] of Object.entries(EXPECTED)) {
    it(`${key} answers every role in every context as the reviewed table says`, async () => {
      const prepare = CASES[key];
      expect(prepare, `no request builder for ${key}`).toBeDefined();
      const mismatches: string[] = [];
      for (const c of CONTEXTS) {
        const cells = exp.cells[c];
        if (!cells) continue;
        for (const [i, role] of MATRIX_ROLES.entries()) {
          const cell = cells[i]!;
          const req = await prepare!(role, c);
          const res = await t.app.inject({ ...req, headers: auth(w.users[role]) });
          const message = expectedMessage(cell, exp.rule);
          const body = (res.statusCode === 204 ? {} : res.json()) as { error?: string; code?: string; data?: unknown };
          // A list in a record context shows the record (200: rows) or filters it out (E: no rows).
          const rows = Array.isArray(body.data) && RECORD_CONTEXTS.includes(c) ? body.data.length : undefined;
          const wrong =
            res.statusCode !== STATUS[cell] ||
            (message !== undefined && body.error !== message) ||
            (cell === 'G' && body.code !== 'ROLE_ESCALATION') ||
            (cell === 'E' && rows !== 0) ||
            (cell === '200' && rows === 0);
          if (wrong) mismatches.push(`${c} ${role}: expected ${cell}${message ? ` "${message}"` : ''}, got ${res.statusCode} ${res.body.slice(0, 160)}`);
          ran.set(`${key}|${role}|${c}`, STATUS[cell] < 300);
        }
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('answers 401 with the exact body to an anonymous caller on every commerce route', async () => {
    const wrong: string[] = [];
    for (const key of Object.keys(EXPECTED)) {
      const req = await CASES[key]!('SUPER_ADMIN', Object.keys(EXPECTED[key]!.cells)[0] as MatrixContext);
      const res = await t.app.inject(req);
      if (res.statusCode !== 401 || res.json().error !== 'Unauthorized') wrong.push(`${key}: ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });
});

/**
 * What the matrix covered, derived from the declared routes, the reviewed table and the cells that actually ran. The
 * tests below fail on any gap; the last one prints the whole report (no file: it goes to the test output).
 */
function coverage() {
  const declared = t.container.routes.filter((r) => r.docs.section === COMMERCE_SECTION);
  const routes = declared.map((r) => `${r.method} ${r.url}`);
  const cells = Object.entries(EXPECTED).flatMap(([k, e]) => Object.keys(e.cells).flatMap((c) => MATRIX_ROLES.map((r) => `${k}|${r}|${c}`)));
  const usedContexts = new Set([...ran.keys()].map((k) => k.split('|')[2]));
  const outcomes = (k: string) => new Set([...ran].filter(([cell]) => cell.startsWith(`${k}|`)).map(([, ok]) => ok));
  // A role's permission is exercised when some route guarded by it ran for that role in the role's own store or
  // records (where the role holds); granted or refused, both are cells of the spec's tables.
  const exercised = new Set<string>();
  for (const [cell] of ran) {
    const [key, role, c] = cell.split('|') as [string, CommerceRole, MatrixContext];
    if (c === 'own' || c === 'ownRecord' || c === 'othersRecord') exercised.add(`${role} ${EXPECTED[key]!.rule}`);
  }
  const rules = new Set(declared.map((r) => r.access.label.replace(/`/g, '')));
  const ranRules = new Set([...ran.keys()].map((k) => EXPECTED[k.split('|')[0]!]?.rule));
  return {
    routesWithoutExpectations: routes.filter((r) => !(r in EXPECTED)),
    expectationsWithoutRoute: Object.keys(EXPECTED).filter((k) => !routes.includes(k)),
    rulesDiffering: declared
      .filter((r) => r.access.label.replace(/`/g, '') !== EXPECTED[`${r.method} ${r.url}`]?.rule)
      .map((r) => `${r.method} ${r.url}: declares ${r.access.label}`),
    rulesNeverExercised: [...rules].filter((r) => !ranRules.has(r)),
    cellsNeverRun: cells.filter((c) => !ran.has(c)),
    contextsNeverUsed: CONTEXTS.filter((c) => !usedContexts.has(c)),
    oneSided: Object.keys(EXPECTED).filter((k) => outcomes(k).size !== 2),
    permissionsNeverExercised: COMMERCE_ROLES.flatMap((r) => COMMERCE_PERMISSIONS.filter((p) => !exercised.has(`${r} ${p}`)).map((p) => `${r} ${p}`)),
    perRoute: Object.entries(EXPECTED).map(([k, e]) => {
      const run = [...ran].filter(([cell]) => cell.startsWith(`${k}|`));
      return { route: k, rule: e.rule, contexts: Object.keys(e.cells), allowed: run.filter(([, ok]) => ok).length, refused: run.filter(([, ok]) => !ok).length };
    }),
  };
}

describe('the matrix coverage report', () => {
  it('lists no commerce route without expectations, and no expectation without a route', () => {
    const r = coverage();
    expect(r.routesWithoutExpectations, 'routes the matrix never exercised').toEqual([]);
    expect(r.expectationsWithoutRoute, 'expectations for routes that do not exist').toEqual([]);
  });

  it('lists no route whose declared rule differs from the reviewed table, and no rule never exercised', () => {
    const r = coverage();
    expect(r.rulesDiffering).toEqual([]);
    expect(r.rulesNeverExercised).toEqual([]);
  });

  it('ran every cell of the table, used every context, and saw every route both allow and refuse', () => {
    const r = coverage();
    expect(r.cellsNeverRun, 'cells never run').toEqual([]);
    expect(r.contextsNeverUsed, 'contexts never used').toEqual([]);
    // Listing one's organizations or invitations, and creating an organization, are open to every signed-in user.
    expect(r.oneSided, 'routes never seen both allowing and refusing (besides anonymous 401s)').toEqual(
      ['GET /api/organizations', 'POST /api/organizations', 'GET /api/invitations'],
    );
  });

  it('exercised every permission of the role table, for every role, in a scope where the role holds', () => {
    expect(coverage().permissionsNeverExercised).toEqual([]);
  });

  it('prints the coverage report: every route with its rule, contexts and outcomes, then anything never exercised', () => {
    const r = coverage();
    const width = Math.max(...r.perRoute.map((x) => x.route.length));
    const gaps: Array<[string, readonly string[]]> = [
      ['routes without expectations', r.routesWithoutExpectations],
      ['expectations without a route', r.expectationsWithoutRoute],
      ['rules differing from the table', r.rulesDiffering],
      ['rules never exercised', r.rulesNeverExercised],
      ['cells never run', r.cellsNeverRun],
      ['contexts never used', r.contextsNeverUsed],
      ['role permissions never exercised', r.permissionsNeverExercised],
      ['routes only ever allowing or only refusing', r.oneSided],
    ];
    const lines = [
      `commerce access matrix: ${r.perRoute.length} routes × ${MATRIX_ROLES.length} roles, ${ran.size} cells run`,
      ...r.perRoute.map((x) => `  ${x.route.padEnd(width)}  ${x.rule.padEnd(17)}  ${x.contexts.join(',').padEnd(44)}  ${x.allowed} allowed, ${x.refused} refused`),
      ...gaps.map(([what, list]) => `${what}: ${list.length === 0 ? 'none' : list.join('; ')}`),
    ];
    console.log(lines.join('\n'));
    expect(lines.length).toBe(r.perRoute.length + 1 + gaps.length);
  });
});
