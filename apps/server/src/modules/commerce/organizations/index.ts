export { createOrganizationsService, type OrganizationsService } from './organizations.service.ts';
export { createMembersService, type MembersService } from './members.service.ts';
export { organizationsRoutes } from './organizations.routes.ts';
export { membersRoutes } from './members.routes.ts';
export { OrganizationRoleSchema } from './organizations.view.ts';
