import { and, eq, isNull, like, or } from 'drizzle-orm';
import type { Tx } from '../../../db/database.ts';
import { brands, categories, products, stores } from '../commerce.tables.ts';

/** The currency new products of a store default to. */
export async function storeCurrency(tx: Tx, storeId: string): Promise<string> {
  const [s] = await tx.select({ currency: stores.currency }).from(stores).where(eq(stores.id, storeId)).limit(1);
  return s?.currency ?? 'USD';
}

/**
 * A slug derived from a name, made unique among the live rows of the store: `shirt`, then `shirt-2`, `shirt-3` …
 * Only for derived slugs; a slug the caller chose and that is taken is a 409.
 */
const SLUGGED = { product: products, category: categories, brand: brands } as const;

export async function freeSlug(tx: Tx, kind: keyof typeof SLUGGED, storeId: string, base: string): Promise<string> {
  const table = SLUGGED[kind];
  const taken = new Set(
    (
      await tx
        .select({ slug: table.slug })
        .from(table)
        .where(and(eq(table.storeId, storeId), isNull(table.deletedAt), or(eq(table.slug, base), like(table.slug, `${base}-%`))))
    ).map((r) => r.slug),
  );
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}
