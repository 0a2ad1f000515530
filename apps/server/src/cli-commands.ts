/** Commands that modules add to the CLI (users:create, seed:demo …). */
import type { Command } from 'commander';

export const cliCommands: Array<(program: Command) => void> = [];
