// The compiler's HTTP surface and the workflow format's wire schemas (issue #5). Other modules import only this.
export { createCompilerService, type CompilerService, type LoadWorkflowVersion } from './compiler.service.ts';
export { compilerRoutes } from './compiler.routes.ts';
export * from './format.schemas.ts';
export { findNul } from './text.ts';
