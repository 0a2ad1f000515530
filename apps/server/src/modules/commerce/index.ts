/**
 * Multi-tenant commerce (issue #4): organizations, members, stores, staff, products, categories, brands, customers,
 * orders, invitations (roles are offered by email and granted only when the invitee accepts) and the SUPER_ADMIN trash, on the access layer of packages/policy (roles and permissions as data,
 * `scopedPermission` rules resolved in each request's organization or store, row conditions compiled to SQL).
 */
import type { RouteSpec } from '../../http/route.ts';
import type { AppModule, ModuleDeps } from '../module.ts';
import { createCommerceAccess } from './access.ts';
import { createMembershipCache } from './membership-cache.ts';
import { brandsRoutes, categoriesRoutes, createBrandsService, createCategoriesService, createProductChangesService, createProductsService, productsRoutes } from './catalog/index.ts';
import { createCustomersService, customersRoutes } from './customers/index.ts';
import type { CommerceDeps } from './deps.ts';
import { createOrdersService, createPlaceOrderService, ordersRoutes } from './orders/index.ts';
import { createMembersService, createOrganizationsService, membersRoutes, organizationsRoutes } from './organizations/index.ts';
import { createStaffService, createStoresService, staffRoutes, storesRoutes } from './stores/index.ts';
import { createTrashService, trashRoutes } from './trash/index.ts';
import { createInvitesService, createRespondService, invitationsRoutes } from './invitations/index.ts';

export { COMMERCE_SECTION } from './routing.ts';
export { MEMBERSHIPS_CHANGED } from './membership-cache.ts';

export async function createCommerceModule(deps: ModuleDeps): Promise<AppModule> {
  const cache = createMembershipCache(deps.bus);
  const access = createCommerceAccess({ db: deps.db, config: deps.config, cache, audit: deps.audit });
  const d: CommerceDeps = { db: deps.db, audit: deps.audit, access };
  const invitations = invitationsRoutes(access, createInvitesService(d), createRespondService(d));
  const routes: RouteSpec[] = [
    ...organizationsRoutes(access, createOrganizationsService(d)),
    ...membersRoutes(access, createMembersService(d)),
    ...invitations.organization,
    ...storesRoutes(access, createStoresService(d)),
    ...staffRoutes(access, createStaffService(d)),
    ...invitations.store,
    ...productsRoutes(access, createProductsService(d), createProductChangesService(d)),
    ...categoriesRoutes(access, createCategoriesService(d)),
    ...brandsRoutes(access, createBrandsService(d)),
    ...customersRoutes(access, createCustomersService(d)),
    ...invitations.customer,
    ...ordersRoutes(access, createOrdersService(d), createPlaceOrderService(d)),
    ...trashRoutes(createTrashService(d)),
    ...invitations.invitee,
  ];
  return { routes: () => routes, close: () => cache.close() };
}
