/**
 * The composition root: picks adapters from the config and builds every module with plain factories.
 * Nothing here runs at import time; `createContainer` connects, `close` disconnects.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.ts';
import { openDatabase, type Database } from './db/database.ts';
import { createMemoryBus, type EventBus } from './events/bus.ts';
import { createRedisBus } from './events/redis-bus.ts';
import type { DenyEvent, PrincipalResolver } from './http/pipeline.ts';
import type { RouteSpec } from './http/route.ts';
import { createRateLimiter, type RateLimiter } from './rate-limit/limiter.ts';
import { createMemoryRateLimitStore } from './rate-limit/memory-store.ts';
import { createRedisRateLimitStore } from './rate-limit/redis-store.ts';
import type { RateLimitStore } from './rate-limit/store.ts';
import { connectRedis } from './redis.ts';
import { systemRoutes } from './modules/system/system.routes.ts';
import { createAuditService, type AuditService } from './modules/audit/index.ts';
import { createIdentityModule, resolveJwtSecret, type IdentityModule } from './modules/identity/index.ts';
import { apiKeysRoutes, createApiKeysService, type ApiKeysService } from './modules/api-keys/index.ts';
import { createUsageService, usageRoutes } from './modules/usage/index.ts';
import type { AppModule, ModuleDeps } from './modules/module.ts';
import { createCommerceModule } from './modules/commerce/index.ts';
import { createWorkflowsModule } from './modules/workflows/index.ts';
import { createExecutionsModule, type ExecutionsModule, type ExecutionsModuleOptions } from './modules/executions/index.ts';
import { createTicketService, streamRoutes, withStreamTickets, type StreamOptions, type StreamTickets } from './modules/executions/streams/index.ts';

export interface Container {
  readonly config: Config;
  readonly database: Database;
  readonly bus: EventBus;
  readonly limiter: RateLimiter;
  readonly resolver: PrincipalResolver;
  /** Single-use stream tickets; the resolver redeems them on stream routes. */
  readonly tickets: StreamTickets;
  readonly audit: AuditService;
  readonly identity: IdentityModule;
  readonly apiKeys: ApiKeysService;
  readonly executions: ExecutionsModule;
  readonly routes: readonly RouteSpec[];
  readonly logger?: FastifyBaseLogger;
  readonly onDeny: (event: DenyEvent) => void;
  close(): Promise<void>;
}

export interface ContainerOverrides {
  readonly database?: Database;
  /** Replaces the identity module's resolver (tests of the pipeline alone). */
  readonly resolver?: PrincipalResolver;
  readonly rateStore?: RateLimitStore;
  readonly bus?: EventBus;
  /** Routes added by tests and benchmarks (declared like any other). */
  readonly extraRoutes?: readonly RouteSpec[];
  readonly logger?: FastifyBaseLogger;
  /** Replaces parts of the executions module's wiring (tests: an in-memory workflow source, extra handlers). */
  readonly executions?: Partial<ExecutionsModuleOptions>;
  /** Stream limits (buffer sizes, heartbeat) for tests and benchmarks. */
  readonly streams?: Partial<StreamOptions>;
}

export async function createContainer(config: Config, overrides: ContainerOverrides = {}): Promise<Container> {
  const database = overrides.database ?? (await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir }));
  const db = database.db;
  // Redis, when configured, is shared by every instance: rate-limit counters, revocations and cache invalidations.
  const redis = config.redisUrl ? await connectRedis(config.redisUrl) : undefined;
  const rateStore = overrides.rateStore ?? (redis ? createRedisRateLimitStore(redis, config.redisPrefix) : createMemoryRateLimitStore());
  const bus = overrides.bus ?? (redis ? createRedisBus(redis, `${config.redisPrefix}:bus:`) : createMemoryBus());
  const limiter = createRateLimiter(rateStore, config);

  const audit = createAuditService(db);
  const apiKeys = createApiKeysService({ db, bus, audit });
  const identity = await createIdentityModule({
    config,
    jwtSecret: await resolveJwtSecret(config),
    db,
    bus,
    audit,
    apiKeys: (key) => apiKeys.authenticate(key),
  });
  const usage = createUsageService(limiter);
  const tickets = createTicketService(redis ? { client: redis, prefix: config.redisPrefix } : undefined);
  const deps: ModuleDeps = { config, database, db, bus, audit, limiter, identity };
  const workflows = await createWorkflowsModule(deps);
  const executions = await createExecutionsModule(deps, {
    workflows: {
      snapshot: (ownerId, id, version) => workflows.getVersionForRun(ownerId, id, version),
      versionForRun: (ownerId, id, version) => workflows.getVersionForRun(ownerId, id, version),
      problems: async (ownerId, snap) => (await workflows.compileFor(ownerId)(snap.definition)).problems,
      ownerOf: (id) => workflows.workflows.liveForRun(id),
    },
    nodeType: (type, ownerId) => workflows.nodeType(type, ownerId),
    ...overrides.executions,
  });
  // Domain modules, in the order their routes appear in the docs.
  const modules: AppModule[] = [workflows, executions, await createCommerceModule(deps)];

  const routes: RouteSpec[] = [
    ...identity.routes(),
    ...apiKeysRoutes(apiKeys),
    ...usageRoutes(usage),
    ...modules.flatMap((m) => m.routes()),
    ...streamRoutes({ module: executions, db, limiter, tickets, ...(overrides.streams ? { options: overrides.streams } : {}) }),
    ...systemRoutes({ ping: () => database.ping() }),
    ...(overrides.extraRoutes ?? []),
  ];

  const onDeny = ({ ctx, route, decision, resourceId }: DenyEvent) => {
    // 401s are noise (every anonymous probe); what matters is a known principal refused something.
    if (decision.status === 401) return;
    audit.recordLater(ctx, {
      action: 'access.denied',
      outcome: 'denied',
      ...(ctx.tenant?.organizationId ? { organizationId: ctx.tenant.organizationId } : {}),
      ...(ctx.tenant?.storeId ? { storeId: ctx.tenant.storeId } : {}),
      targetType: 'route',
      targetId: `${route.method} ${route.url}`,
      details: {
        status: decision.status,
        rule: decision.reason.rule,
        required: decision.reason.required,
        message: decision.reason.message,
        ...(resourceId ? { resourceId } : {}),
      },
    });
  };

  // Every module has subscribed by now. Serving before Redis confirms those subscriptions would drop whatever is
  // published in between (a revocation, a stream's events); past the bound the retries go on in the background.
  if (!(await bus.ready(5_000))) {
    const message = 'event bus subscriptions not confirmed after 5 s; retrying in the background';
    if (overrides.logger) overrides.logger.warn(message);
    else console.warn(message);
  }

  return {
    config,
    database,
    bus,
    limiter,
    resolver: withStreamTickets(overrides.resolver ?? identity.resolver, tickets, identity.userCache),
    tickets,
    audit,
    identity,
    apiKeys,
    executions,
    routes,
    onDeny,
    ...(overrides.logger ? { logger: overrides.logger } : {}),
    async close() {
      for (const m of modules) await m.close?.();
      identity.close();
      apiKeys.close();
      await tickets.close();
      await audit.flush();
      await bus.close();
      await rateStore.close();
      await database.close();
      redis?.disconnect();
    },
  };
}
