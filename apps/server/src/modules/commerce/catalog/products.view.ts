import { Type, type Static } from 'typebox';
import { Nullable, Timestamp } from '../routing.ts';
import type { ProductRow } from './products.repo.ts';

export const ProductStatus = Type.Enum(['DRAFT', 'PUBLISHED', 'ARCHIVED']);

export const ProductView = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  storeId: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  sku: Type.String(),
  description: Type.String(),
  /** Null until a role allowed to write prices sets one (an unpriced product cannot be published). */
  price: Nullable(Type.Integer()),
  compareAtPrice: Nullable(Type.Integer()),
  currency: Type.String(),
  inventoryQuantity: Type.Integer(),
  status: ProductStatus,
  categoryId: Nullable(Type.String()),
  brandId: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Nullable(Timestamp),
});
export type ProductView = Static<typeof ProductView>;

export const toProductView = (p: ProductRow): ProductView => ({
  id: p.id,
  organizationId: p.organizationId,
  storeId: p.storeId,
  name: p.name,
  slug: p.slug,
  sku: p.sku,
  description: p.description,
  price: p.price,
  compareAtPrice: p.compareAtPrice,
  currency: p.currency,
  inventoryQuantity: p.inventoryQuantity,
  status: p.status,
  categoryId: p.categoryId,
  brandId: p.brandId,
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
  deletedAt: p.deletedAt?.toISOString() ?? null,
});

/** URL-safe slug from a name: `Blue T-Shirt (XL)` → `blue-t-shirt-xl`. */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100)
    .replace(/-+$/g, '');
  return s || 'item';
}
