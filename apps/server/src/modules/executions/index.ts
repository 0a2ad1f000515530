export { createExecutionsModule, type ExecutionsModule, type ExecutionsModuleOptions, type ExecutionsWorkflowSource } from './executions.module.ts';
