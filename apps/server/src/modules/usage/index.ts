export { createUsageService } from './usage.service.ts';
export { usageRoutes } from './usage.routes.ts';
