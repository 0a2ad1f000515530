import { Type, type Static } from 'typebox';
import { STORE_ROLES } from '@gatehouse/policy';
import { Nullable, Timestamp } from '../routing.ts';
import type { StoreRow } from './stores.repo.ts';

export const StoreView = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  email: Nullable(Type.String()),
  description: Type.String(),
  currency: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Nullable(Timestamp),
});
export type StoreView = Static<typeof StoreView>;

export const toStoreView = (s: StoreRow): StoreView => ({
  id: s.id,
  organizationId: s.organizationId,
  name: s.name,
  slug: s.slug,
  email: s.email,
  description: s.description,
  currency: s.currency,
  createdAt: s.createdAt.toISOString(),
  updatedAt: s.updatedAt.toISOString(),
  deletedAt: s.deletedAt?.toISOString() ?? null,
});

export const StoreRoleSchema = Type.Enum(STORE_ROLES);
export const StaffView = Type.Object({ userId: Type.String(), email: Type.String(), name: Type.String(), role: StoreRoleSchema, createdAt: Timestamp });
export type StaffView = Static<typeof StaffView>;
export const toStaffView = (r: { userId: string; email: string; name: string; role: StaffView['role']; createdAt: Date }): StaffView => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
});
