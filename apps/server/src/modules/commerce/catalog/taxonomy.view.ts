import { Type, type Static } from 'typebox';
import { Nullable, Timestamp } from '../routing.ts';
import type { BrandRow } from './brands.repo.ts';
import type { CategoryRow } from './categories.repo.ts';

const base = {
  id: Type.String(),
  organizationId: Type.String(),
  storeId: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  description: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Nullable(Timestamp),
};
const times = (r: { createdAt: Date; updatedAt: Date; deletedAt: Date | null }) => ({
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
  deletedAt: r.deletedAt?.toISOString() ?? null,
});

export const CategoryView = Type.Object({ ...base, parentId: Nullable(Type.String()) });
export type CategoryView = Static<typeof CategoryView>;
export const toCategoryView = (c: CategoryRow): CategoryView => ({
  id: c.id,
  organizationId: c.organizationId,
  storeId: c.storeId,
  parentId: c.parentId,
  name: c.name,
  slug: c.slug,
  description: c.description,
  ...times(c),
});

export const BrandView = Type.Object({ ...base, website: Nullable(Type.String()) });
export type BrandView = Static<typeof BrandView>;
export const toBrandView = (b: BrandRow): BrandView => ({
  id: b.id,
  organizationId: b.organizationId,
  storeId: b.storeId,
  name: b.name,
  slug: b.slug,
  description: b.description,
  website: b.website,
  ...times(b),
});
