// Multi-tenant commerce (issue #4). Filled in by the commerce work; wired in container.ts already.
import type { AppModule, ModuleDeps } from '../module.ts';

export async function createCommerceModule(_deps: ModuleDeps): Promise<AppModule> {
  return { routes: () => [] };
}
