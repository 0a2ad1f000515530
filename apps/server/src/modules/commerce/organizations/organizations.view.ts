import { Type, type Static } from 'typebox';
import { ORGANIZATION_ROLES } from '@gatehouse/policy';
import { Nullable, Timestamp } from '../routing.ts';
import type { OrganizationRow } from './organizations.repo.ts';

export const OrganizationView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  slug: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Nullable(Timestamp),
});
export type OrganizationView = Static<typeof OrganizationView>;

export const toOrganizationView = (o: OrganizationRow): OrganizationView => ({
  id: o.id,
  name: o.name,
  slug: o.slug,
  createdAt: o.createdAt.toISOString(),
  updatedAt: o.updatedAt.toISOString(),
  deletedAt: o.deletedAt?.toISOString() ?? null,
});

export const OrganizationRoleSchema = Type.Enum(ORGANIZATION_ROLES);

export const MemberView = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: OrganizationRoleSchema,
  createdAt: Timestamp,
});
export type MemberView = Static<typeof MemberView>;
