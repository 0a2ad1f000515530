/**
 * `gatehouse serve`: loadConfig → createContainer → migrate → buildApp → listen, and a graceful shutdown that
 * stops accepting, lets in-flight requests finish, then closes the database.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { createContainer } from './container.ts';
import { openDatabase } from './db/database.ts';

const SHUTDOWN_GRACE_MS = 10_000;

export async function serve(config: Config): Promise<FastifyInstance> {
  // Migrate before the container: modules read their tables while starting (e.g. recent revocations).
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  await database.migrate();
  const container = await createContainer(config, { database });
  const app = await buildApp(container);
  if (config.jwtSecretEphemeral) {
    app.log.warn(
      config.databaseUrl
        ? 'JWT_SECRET is not set: using a random secret for this process; sessions end when it stops and other instances reject its tokens.'
        : 'JWT_SECRET is not set: using a generated secret kept in DATA_DIR/jwt-secret.',
    );
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      app.log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    timer.unref();
    try {
      await app.close();
      await container.close();
    } finally {
      clearTimeout(timer);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    await app.close();
    await container.close();
    const code = (e as { code?: string }).code;
    // An operator's mistake, not a bug: say what to change instead of printing a stack.
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw Object.assign(new Error(`cannot listen on ${config.host}:${config.port} (${code}); set PORT or HOST to a free address`), { operatorError: true });
    }
    throw e;
  }
  app.log.info(
    { driver: container.database.driver, docs: `http://localhost:${config.port}/api/docs` },
    'gatehouse is listening',
  );
  return app;
}
