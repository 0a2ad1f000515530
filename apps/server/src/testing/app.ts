/**
 * Builds a real app (real database, real pipeline) for tests, driven with `app.inject`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../config.ts';
import { buildApp } from '../app.ts';
import { createContainer, type Container, type ContainerOverrides } from '../container.ts';
import { openTestDatabase } from './database.ts';

export interface TestApp {
  readonly app: FastifyInstance;
  readonly container: Container;
  close(): Promise<void>;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      NODE_ENV: 'test',
      JWT_SECRET: 'test-secret-that-is-at-least-32-bytes-long!!',
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      // With TEST_REDIS_URL (CI), apps share real Redis for limits and events, each under its own prefix.
      ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: `ghtest-${randomBytes(4).toString('hex')}` } : {}),
      ...env,
    },
    { dotenv: false },
  );
}

export async function createTestApp(
  opts: { env?: Record<string, string>; overrides?: ContainerOverrides } = {},
): Promise<TestApp> {
  const config = testConfig(opts.env);
  const database = opts.overrides?.database ?? (await openTestDatabase());
  const container = await createContainer(config, { ...opts.overrides, database });
  const app = await buildApp(container);
  return {
    app,
    container,
    async close() {
      await app.close();
      await container.close();
    },
  };
}
