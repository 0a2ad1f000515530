/** Commands that modules add to the CLI. */
import type { Command } from 'commander';
import { registerUsersCreate } from './modules/identity/identity.cli.ts';
import { registerSeedDemo } from './modules/commerce/seed/index.ts';

export const cliCommands: Array<(program: Command) => void> = [registerUsersCreate, registerSeedDemo];
