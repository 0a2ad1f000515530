import { Type } from 'typebox';
import type { RouteSpec } from '../../../http/route.ts';
import type { CommerceAccess } from '../access.ts';
import { storeCrudRoutes } from '../crud-routes.ts';
import { Email, Name, Nullable, Uuid, strict } from '../routing.ts';
import type { CustomersService } from './customers.service.ts';
import { AddressSchema, CustomerView } from './customers.view.ts';

const Phone = Type.String({ minLength: 3, maxLength: 32, pattern: '^[+0-9 ()-]+$' });
const fields = {
  phone: Type.Optional(Nullable(Phone)),
  addresses: Type.Optional(Type.Array(AddressSchema, { maxItems: 20 })),
};

export function customersRoutes(access: CommerceAccess, service: CustomersService): RouteSpec[] {
  return storeCrudRoutes(
    access,
    {
      url: '/api/customers',
      resource: 'customers',
      group: 'Customers',
      view: CustomerView,
      filters: { q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) },
      create: Type.Object({ storeId: Uuid, name: Name, email: Email, ...fields }, strict),
      // A link to a user account is made only by that user accepting an invitation; it can be cut here (`userId: null`).
      update: Type.Object({ name: Type.Optional(Name), email: Type.Optional(Email), userId: Type.Optional(Type.Null()), ...fields }, strict),
      notes: {
        list: 'List customers (`storeId`, `q` on name or email); `userId` (the linked account) only to roles that manage links',
        create: 'Create customer (a user account is linked by invitation: `POST /api/customers/:id/invitations`)',
        get: 'Get customer details; `userId` only to roles that manage links',
        update: 'Update customer; `userId: null` unlinks the user account, a role change (escalation guard, audited)',
        delete: 'Delete customer (soft delete; a linked user loses CUSTOMER)',
      },
    },
    service,
  );
}
