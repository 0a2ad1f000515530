export { createStoresService, type StoresService } from './stores.service.ts';
export { createStaffService, type StaffService } from './staff.service.ts';
export { storesRoutes } from './stores.routes.ts';
export { staffRoutes } from './staff.routes.ts';
export { StoreRoleSchema } from './stores.view.ts';
