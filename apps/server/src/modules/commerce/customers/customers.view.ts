import { Type, type Static } from 'typebox';
import { Nullable, Timestamp } from '../routing.ts';
import type { CustomerRow } from './customers.repo.ts';

export const AddressSchema = Type.Object(
  {
    line1: Type.String({ minLength: 1, maxLength: 200 }),
    line2: Type.Optional(Type.String({ maxLength: 200 })),
    city: Type.String({ minLength: 1, maxLength: 100 }),
    region: Type.Optional(Type.String({ maxLength: 100 })),
    postalCode: Type.Optional(Type.String({ maxLength: 20 })),
    country: Type.String({ pattern: '^[A-Z]{2}$' }),
  },
  { additionalProperties: false },
);

export const CustomerView = Type.Object({
  id: Type.String(),
  organizationId: Type.String(),
  storeId: Type.String(),
  /** The linked user account: shown only to roles that manage customer links (policy `managesCustomerLinks`). */
  userId: Type.Optional(Nullable(Type.String())),
  name: Type.String(),
  email: Type.String(),
  phone: Nullable(Type.String()),
  addresses: Type.Array(AddressSchema),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Nullable(Timestamp),
});
export type CustomerView = Static<typeof CustomerView>;

export const toCustomerView = (c: CustomerRow, showLink: boolean): CustomerView => ({
  id: c.id,
  organizationId: c.organizationId,
  storeId: c.storeId,
  ...(showLink ? { userId: c.userId } : {}),
  name: c.name,
  email: c.email,
  phone: c.phone,
  addresses: c.addresses,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
  deletedAt: c.deletedAt?.toISOString() ?? null,
});
