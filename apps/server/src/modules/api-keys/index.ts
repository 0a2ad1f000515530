export { createApiKeysService, type ApiKeysService } from './api-keys.service.ts';
export { apiKeysRoutes } from './api-keys.routes.ts';
