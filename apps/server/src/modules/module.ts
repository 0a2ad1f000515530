/**
 * What every domain module receives from the composition root and gives back to it.
 */
import type { Config } from '../config.ts';
import type { Database, Db } from '../db/database.ts';
import type { EventBus } from '../events/bus.ts';
import type { RouteSpec } from '../http/route.ts';
import type { RateLimiter } from '../rate-limit/limiter.ts';
import type { AuditService } from './audit/index.ts';
import type { IdentityModule } from './identity/index.ts';

export interface ModuleDeps {
  readonly config: Config;
  readonly database: Database;
  readonly db: Db;
  readonly bus: EventBus;
  readonly audit: AuditService;
  readonly limiter: RateLimiter;
  readonly identity: IdentityModule;
}

export interface AppModule {
  routes(): RouteSpec[];
  close?(): Promise<void> | void;
}
