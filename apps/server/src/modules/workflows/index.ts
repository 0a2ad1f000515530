// Workflows at design time (issue #5): workflows, versions, trash, node registry, custom nodes, compiler.
// Other modules import only this file (and compiler/index.ts, nodes/index.ts for their own surfaces).
export { createWorkflowsModule, PURGE_INTERVAL_MS, type WorkflowsModule } from './workflows.module.ts';
export type { WorkflowSnapshot, WorkflowsService } from './workflows.service.ts';
export { TRASH_RETENTION_DAYS, type WorkflowView } from './views.ts';
