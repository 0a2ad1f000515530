// Node registry and custom nodes (issue #5). Other modules import only this file.
export { createNodesService, MAX_CUSTOM_NODES, type NodesService, type CustomNodeInput } from './nodes.service.ts';
export { nodesRoutes } from './nodes.routes.ts';
export { createConfigValidator, type ConfigValidator } from './config-validator.ts';
export { BUILT_IN_NODES, BUILT_IN_BY_TYPE, CATEGORIES } from './catalog/index.ts';
export type { NodeTypeView, CustomNodeView } from './views.ts';
