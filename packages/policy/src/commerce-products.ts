/**
 * When a product may be sold. Prices are guarded field by field (FIELD_WRITES in commerce.ts: INVENTORY_MANAGER and
 * CONTENT_MANAGER may not write one), and a product created without a price has none (no default of 0). So "has a
 * price" means "a role allowed to write prices set one", and a product is for sale only when it is PUBLISHED and
 * priced. Every way to PUBLISHED (create, the publish endpoint) checks `statusProblem`, placing an order checks
 * `sellable`, and the database holds the same invariant as a CHECK constraint, so no role's allow-list can turn a
 * product it may not price into one that sells for nothing.
 */
export const PRODUCT_STATUSES = ['DRAFT', 'PUBLISHED', 'ARCHIVED'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

export interface PricedState {
  readonly status: ProductStatus;
  /** Integer minor units; null until a role allowed to write prices sets one. */
  readonly price: number | null;
}

/** Which statuses a product may come from to reach each one (by the publish and archive endpoints). */
export const PRODUCT_TRANSITIONS: Readonly<Record<ProductStatus, readonly ProductStatus[]>> = {
  DRAFT: [],
  PUBLISHED: ['DRAFT', 'ARCHIVED'],
  ARCHIVED: ['DRAFT', 'PUBLISHED'],
};

/** For sale: published, with a price someone allowed to write prices has set. */
export const sellable = (p: PricedState): boolean => p.status === 'PUBLISHED' && p.price !== null;

/** What is wrong with a product's state after a change, or null: a PUBLISHED product must have a price. */
export function statusProblem(next: PricedState): 'PRICE_REQUIRED' | null {
  return next.status === 'PUBLISHED' && next.price === null ? 'PRICE_REQUIRED' : null;
}

/** Whether a status change is legal (same status is a no-op, always legal). */
export const productTransitionLegal = (from: ProductStatus, to: ProductStatus): boolean => from === to || PRODUCT_TRANSITIONS[to].includes(from);
