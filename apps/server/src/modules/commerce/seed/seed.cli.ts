/**
 * `gatehouse seed:demo`: demo organization, store and one user per commerce role, for local use only (CONTRACT.md).
 * Never run automatically: only this command calls seedDemo.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../../config.ts';
import { createContainer } from '../../../container.ts';
import { openDatabase } from '../../../db/database.ts';
import { systemContext } from '../../../http/context.ts';
import { DEMO_PASSWORD, DEMO_WARNING, seedDemo } from './demo.ts';

export function registerSeedDemo(program: Command): void {
  program
    .command('seed:demo')
    .description('create demo commerce data: an organization, a store and one user per role (password123; local use only)')
    .action(async () => {
      const config = loadConfig();
      const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
      await database.migrate().catch(async (e: unknown) => {
        await database.close();
        throw e;
      });
      // The container gives the identity module's own password hasher, so demo users sign in like any other.
      const container = await createContainer(config, { database }).catch(async (e: unknown) => {
        await database.close();
        throw e;
      });
      try {
        const seed = await seedDemo(
          { db: container.database.db, audit: container.audit, hashPassword: (p) => container.identity.hasher.hash(p) },
          systemContext(console as never),
        );
        console.log(seed.created ? 'demo data created' : 'demo data already present; nothing changed');
        console.log(`organization ${seed.organizationId}, store ${seed.storeId}`);
        console.log('');
        // Only a fresh seed knows every password; later, an account's password may have been changed since.
        const password = seed.created ? DEMO_PASSWORD : `${DEMO_PASSWORD} (as seeded; changed since?)`;
        console.log('role                email                             password');
        for (const a of seed.accounts) console.log(`${a.role.padEnd(19)} ${a.email.padEnd(33)} ${password}`);
        console.log(`\n${DEMO_WARNING}`);
      } finally {
        await container.close();
      }
    });
}
