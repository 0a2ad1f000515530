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
  userEmail: Type.Optional(Nullable(Email)),
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
      update: Type.Object({ name: Type.Optional(Name), email: Type.Optional(Email), ...fields }, strict),
      notes: {
        list: 'List customers (`storeId`, `q` on name or email)',
        create: 'Create customer; `userEmail` links a user account, who then holds CUSTOMER in this store (escalation guard)',
        get: 'Get customer details',
        update: 'Update customer; linking or unlinking `userEmail` is a role change (escalation guard, audited)',
        delete: 'Delete customer (soft delete; a linked user loses CUSTOMER)',
      },
    },
    service,
  );
}
