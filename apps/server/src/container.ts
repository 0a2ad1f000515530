/**
 * The composition root: picks adapters from the config and builds every module with plain factories.
 * Nothing here runs at import time; `createContainer` connects, `close` disconnects.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import type { DenyEvent, PrincipalResolver } from './http/pipeline.ts';
import type { RouteSpec } from './http/route.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit/limiter.ts';
import { createMemoryRateLimitStore } from './rate-limit/memory-store.ts';
import type { RateLimitStore } from './rate-limit/store.ts';
import { systemRoutes } from './modules/system/system.routes.ts';

export interface Container {
  readonly config: Config;
  readonly database: Database;
  readonly limiter: RateLimiter;
  readonly resolver: PrincipalResolver;
  readonly routes: readonly RouteSpec[];
  readonly logger?: FastifyBaseLogger;
  readonly onDeny?: (event: DenyEvent) => void;
  close(): Promise<void>;
}

export interface ContainerOverrides {
  readonly database?: Database;
  readonly resolver?: PrincipalResolver;
  readonly rateStore?: RateLimitStore;
  /** Routes added by tests and benchmarks (declared like any other). */
  readonly extraRoutes?: readonly RouteSpec[];
  readonly logger?: FastifyBaseLogger;
}

const anonymousOnly: PrincipalResolver = { resolve: async () => 'invalid' };

export async function createContainer(config: Config, overrides: ContainerOverrides = {}): Promise<Container> {
  const database =
    overrides.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }));
  const rateStore = overrides.rateStore ?? createMemoryRateLimitStore();
  const limiter = createRateLimiter(rateStore, config);
  const resolver = overrides.resolver ?? anonymousOnly;
  const routes: RouteSpec[] = [...systemRoutes({ ping: () => database.ping() }), ...(overrides.extraRoutes ?? [])];
  return {
    config,
    database,
    limiter,
    resolver,
    routes,
    ...(overrides.logger ? { logger: overrides.logger } : {}),
    async close() {
      await rateStore.close();
      await database.close();
    },
  };
}
