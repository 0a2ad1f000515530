// Workflows at design time (issue #5): workflows, versions, node registry, custom nodes, compiler.
import type { AppModule, ModuleDeps } from '../module.ts';

export async function createWorkflowsModule(_deps: ModuleDeps): Promise<AppModule> {
  return { routes: () => [] };
}
