/**
 * The `gatehouse` command line. Each command loads the config, does one thing, and exits with a clear message on
 * failure (never a stack trace for an operator's mistake).
 */
import { Command } from 'commander';
import { ConfigError, loadConfig } from './config.ts';
import { DataDirLockedError } from './db/lock.ts';
import { openDatabase } from './db/database.ts';
import { cliCommands } from './cli-commands.ts';
import { redactedError } from './http/safe-error.ts';

const program = new Command('gatehouse').description('Gatehouse: AI workflows and commerce on one access layer');

program
  .command('serve')
  .description('apply migrations, then serve the API (PORT, default 8080)')
  .action(async () => {
    const { serve } = await import('./main.ts');
    await serve(loadConfig());
  });

program
  .command('migrate')
  .description('apply database migrations and exit')
  .action(async () => {
    const config = loadConfig();
    const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    try {
      await db.migrate();
      console.log(`migrations applied (${db.driver})`);
    } finally {
      await db.close();
    }
  });

for (const register of cliCommands) register(program);

program.parseAsync().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof DataDirLockedError || (e as { operatorError?: boolean }).operatorError) {
    console.error(`gatehouse: ${(e as Error).message}`);
  } else {
    // Never the raw error: a failed query carries its bound parameters (password hashes, key hashes).
    console.error(redactedError(e));
  }
  process.exit(1);
});
