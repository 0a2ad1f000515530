/**
 * Micro-benchmark of the policy core's per-request checks: run with `npx tsx bench/policy-check.ts`.
 *
 * Each sample times a batch of BATCH calls with process.hrtime.bigint() and divides by BATCH; p50/p99/mean are
 * taken across samples (so p99 shows the slow batches: GC, deopts, timer noise, not one call's outliers). Cases run in
 * interleaved rounds after a warm-up so that drift (CPU frequency, other load) hits them alike. Every case gets its
 * own copy of the batch loop (new Function) so each call site stays monomorphic, and results are stored in a ring
 * the loop returns, so the JIT cannot drop the calls or the decisions they allocate.
 *
 * Exit code 1 if a p99 target is missed.
 */
import { and, authenticated, owner, permission, type Facts, type Owned, type Principal } from '../packages/policy/src/rules.ts';
import { compileRoles, type PermissionTable } from '../packages/policy/src/rbac.ts';

const BATCH = 1_000;
const WARMUP_BATCHES = 3_000;
const ROUNDS = 20;
const SAMPLES_PER_ROUND = 500; // 10,000 samples (10M calls) per case
const TARGET_PERMISSION_P99_NS = 1_000;
const TARGET_OWNER_P99_NS = 5_000;

// A realistic store-scoped role table: 13 roles, wildcards where a role owns a whole resource.
type Role =
  | 'OWNER'
  | 'ADMIN'
  | 'MANAGER'
  | 'CATALOG_EDITOR'
  | 'INVENTORY_CLERK'
  | 'ORDER_AGENT'
  | 'FULFILLMENT'
  | 'SUPPORT'
  | 'MARKETING'
  | 'FINANCE'
  | 'ANALYST'
  | 'DEVELOPER'
  | 'MEMBER';

const ROLE_TABLE: PermissionTable<Role> = {
  OWNER: ['*'],
  ADMIN: ['products:*', 'orders:*', 'customers:*', 'members:*', 'settings:*', 'reports:read', 'webhooks:*'],
  MANAGER: ['products:*', 'orders:*', 'customers:read', 'customers:update', 'members:read', 'reports:read'],
  CATALOG_EDITOR: ['products:*', 'categories:*', 'inventory:read', 'media:*'],
  INVENTORY_CLERK: ['inventory:*', 'products:read', 'warehouses:read'],
  ORDER_AGENT: ['orders:read', 'orders:update', 'orders:refund', 'customers:read', 'products:read'],
  FULFILLMENT: ['orders:read', 'shipments:*', 'inventory:read', 'inventory:update'],
  SUPPORT: ['customers:read', 'orders:read', 'tickets:*', 'products:read'],
  MARKETING: ['campaigns:*', 'discounts:*', 'products:read', 'customers:read', 'reports:read'],
  FINANCE: ['invoices:*', 'payouts:*', 'orders:read', 'reports:*'],
  ANALYST: ['reports:*', 'orders:read', 'products:read', 'customers:read'],
  DEVELOPER: ['webhooks:*', 'api-keys:*', 'products:read', 'orders:read', 'logs:read'],
  MEMBER: ['products:read', 'orders:read', 'customers:read', 'categories:read'],
};

const roles = compileRoles(ROLE_TABLE);

const principal = (userId: string, over: Partial<Principal> = {}): Principal => ({
  userId,
  tier: 'pro',
  isStaff: false,
  credits: 10,
  via: 'jwt',
  ...over,
});

/** 16 requests (a power of two: the loop picks one with `i & 15`), allowed and refused, single and multiple roles. */
const userRoles: Role[][] = [
  ['OWNER'],
  ['ADMIN'],
  ['MANAGER'],
  ['CATALOG_EDITOR'],
  ['MEMBER', 'CATALOG_EDITOR'],
  ['ADMIN', 'FINANCE'],
  ['MANAGER', 'SUPPORT', 'ANALYST'],
  ['CATALOG_EDITOR', 'MARKETING'],
  ['OWNER', 'DEVELOPER'],
  ['MANAGER', 'FULFILLMENT'],
  ['ADMIN', 'DEVELOPER'],
  ['CATALOG_EDITOR'],
  ['MEMBER'], // refused
  ['SUPPORT', 'ORDER_AGENT'], // refused
  ['FINANCE', 'ANALYST', 'MEMBER'], // refused
  ['INVENTORY_CLERK'], // refused
];
const permissionFacts: Facts[] = userRoles.map((list, i) => ({
  principal: principal(`user-${i}`),
  grants: roles.grantsOf(list),
}));

interface Product extends Owned {
  readonly id: string;
  readonly name: string;
}
const products = new Map<string, Product>();
const loadProduct = async (id: string): Promise<Product | null> => products.get(id) ?? null;

/** 16 requests on a loaded product: 12 by its owner, 4 by someone else (404). */
const ownerFacts: Facts[] = Array.from({ length: 16 }, (_, i) => {
  const product: Product = { id: `prod-${i}`, name: `Product ${i}`, ownerId: `user-${i}` };
  products.set(product.id, product);
  return { principal: principal(i % 4 === 3 ? `user-${i + 100}` : `user-${i}`), resource: product };
});

const canUpdateProducts = permission('products:update');
const ownsProduct = and(authenticated, owner(loadProduct));

type Loop = (fn: (facts: Facts) => unknown, pool: readonly Facts[], n: number) => unknown[];

/** A fresh copy of the batch loop per case: its own feedback, so its call site stays monomorphic. */
function makeLoop(): Loop {
  // eslint-disable-next-line no-restricted-syntax -- bench only, constant source: a fresh loop per case stays monomorphic
  return new Function(
    'fn',
    'pool',
    'n',
    `'use strict';
     const out = new Array(64).fill(null);
     const mask = pool.length - 1;
     for (let i = 0; i < n; i++) out[i & 63] = fn(pool[i & mask]);
     return out;`,
  ) as Loop;
}

interface Case {
  readonly name: string;
  readonly fn: (facts: Facts) => unknown;
  readonly pool: readonly Facts[];
  readonly loop: Loop;
  readonly samples: Float64Array;
  filled: number;
  sink: number;
}

function makeCase(name: string, fn: (facts: Facts) => unknown, pool: readonly Facts[]): Case {
  if ((pool.length & (pool.length - 1)) !== 0) throw new Error(`${name}: pool size must be a power of two`);
  return { name, fn, pool, loop: makeLoop(), samples: new Float64Array(ROUNDS * SAMPLES_PER_ROUND), filled: 0, sink: 0 };
}

const cases: Case[] = [
  makeCase('baseline: facts.principal !== null', (facts) => facts.principal !== null, permissionFacts),
  makeCase("permission('products:update')", (facts) => canUpdateProducts.check(facts), permissionFacts),
  makeCase('and(authenticated, owner(loader))', (facts) => ownsProduct.check(facts), ownerFacts),
];
const [baseline, perm, own] = cases as [Case, Case, Case];

// The benchmark must measure the decisions it claims to: check them once before timing.
const allowedShare = (c: Case): number =>
  c.pool.filter((f) => {
    const d = c.fn(f);
    return d === true || (typeof d === 'object' && d !== null && (d as { allowed: boolean }).allowed);
  }).length / c.pool.length;
if (allowedShare(perm) !== 12 / 16) throw new Error(`permission case: expected 12/16 allowed, got ${allowedShare(perm)}`);
if (allowedShare(own) !== 12 / 16) throw new Error(`owner case: expected 12/16 allowed, got ${allowedShare(own)}`);
const refusedOwner = ownsProduct.check(ownerFacts[3]!);
if (refusedOwner.allowed || refusedOwner.status !== 404) throw new Error('owner case: a foreign product must answer 404');

function timeBatch(c: Case): number {
  const t0 = process.hrtime.bigint();
  const out = c.loop(c.fn, c.pool, BATCH);
  const t1 = process.hrtime.bigint();
  c.sink += out.length;
  return Number(t1 - t0) / BATCH;
}

for (const c of cases) for (let b = 0; b < WARMUP_BATCHES; b++) timeBatch(c);
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) {
    for (let s = 0; s < SAMPLES_PER_ROUND; s++) c.samples[c.filled++] = timeBatch(c);
  }
}

interface Stats {
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}
function stats(samples: Float64Array): Stats {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p50: at(0.5), p99: at(0.99), mean: sum / sorted.length };
}

const results = new Map(cases.map((c) => [c, stats(c.samples)]));
const base = results.get(baseline)!;
const ns = (v: number): string => v.toFixed(1);
const ratio = (v: number, b: number): string => `${(v / b).toFixed(1)}x`;

console.log(
  `policy-check: node ${process.version}, ${ROUNDS * SAMPLES_PER_ROUND} samples x ${BATCH} calls per case, ` +
    `${WARMUP_BATCHES} warm-up batches; ns per call`,
);
const header = ['case', 'p50 ns', 'p99 ns', 'mean ns', 'p50/base', 'p99/base'];
const rows = cases.map((c) => {
  const r = results.get(c)!;
  return [c.name, ns(r.p50), ns(r.p99), ns(r.mean), ratio(r.p50, base.p50), ratio(r.p99, base.p99)];
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]): string =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
console.log(line(header));
for (const row of rows) console.log(line(row));

const permP99 = results.get(perm)!.p99;
const ownP99 = results.get(own)!.p99;
const missed = [
  ...(permP99 < TARGET_PERMISSION_P99_NS ? [] : ['permission']),
  ...(ownP99 < TARGET_OWNER_P99_NS ? [] : ['owner']),
];
if (cases.some((c) => c.sink === 0)) throw new Error('no batch ran');
const us = (v: number): string => (v / 1_000).toFixed(3);
console.log(
  `policy p99: permission ${us(permP99)} µs (target < ${TARGET_PERMISSION_P99_NS / 1_000} µs), ` +
    `owner ${us(ownP99)} µs (target < ${TARGET_OWNER_P99_NS / 1_000} µs)` +
    (missed.length > 0 ? ` — MISSED: ${missed.join(', ')}` : ''),
);
if (missed.length > 0) process.exitCode = 1;
