/** Commands that modules add to the CLI. */
import type { Command } from 'commander';
import { registerUsersCreate } from './modules/identity/identity.cli.ts';

export const cliCommands: Array<(program: Command) => void> = [registerUsersCreate];
