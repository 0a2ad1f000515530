/**
 * `gatehouse users:create --email E --password P [--staff] [--tier free|pro|enterprise] [--credits N]`
 */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { loadConfig } from '../../config.ts';
import { openDatabase } from '../../db/database.ts';
import { createAuditService } from '../audit/index.ts';
import { createPasswordHasher, passwordProblem } from './passwords.ts';
import { isEmail } from './email.ts';
import { normaliseEmail } from './sessions.service.ts';
import { insertUser } from './users.repo.ts';
import { systemContext } from '../../http/context.ts';
import { redactedError } from '../../http/safe-error.ts';
import { cleanDisplayName } from './display-name.ts';

class OperatorError extends Error {
  readonly operatorError = true;
}

const TIERS = ['free', 'pro', 'enterprise'] as const;

export function registerUsersCreate(program: Command): void {
  program
    .command('users:create')
    .description('create a user (with --staff, a platform admin)')
    .requiredOption('--email <email>')
    .requiredOption('--password <password>')
    .option('--name <name>', 'display name', '')
    .option('--staff', 'platform staff (Admin, SUPER_ADMIN)', false)
    .option('--tier <tier>', 'free | pro | enterprise', 'free')
    .option('--credits <n>', 'credit balance', '0')
    .action(async (o: { email: string; password: string; name: string; staff: boolean; tier: string; credits: string }) => {
      const email = normaliseEmail(o.email);
      if (!isEmail(email)) throw new OperatorError(`not an email address: ${o.email}`);
      const problem = passwordProblem(o.password, email);
      if (problem) throw new OperatorError(problem);
      if (!TIERS.includes(o.tier as (typeof TIERS)[number])) throw new OperatorError('--tier must be free, pro or enterprise');
      const credits = Number(o.credits);
      if (!Number.isInteger(credits) || credits < 0) throw new OperatorError('--credits must be a whole number >= 0');
      const config = loadConfig();
      const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
      try {
        await database.migrate();
        const hasher = createPasswordHasher(config.argon2);
        const passwordHash = await hasher.hash(o.password);
        const audit = createAuditService(database.db);
        const ctx = systemContext(console as never);
        const user = await database.db.transaction(async (tx) => {
          const u = await insertUser(tx, {
            id: randomUUID(),
            email,
            name: cleanDisplayName(o.name),
            passwordHash,
            isStaff: o.staff,
            tier: o.tier as (typeof TIERS)[number],
            credits,
          });
          await audit.record(tx, ctx, { action: 'cli.users_create', outcome: 'success', actorId: null, subjectId: u.id, details: { staff: o.staff, tier: o.tier } });
          return u;
        }).catch((e: { code?: string; cause?: { code?: string } }) => {
          if (e.code === '23505' || e.cause?.code === '23505') throw new OperatorError(`a user with email ${email} already exists`);
          // The CLI prints unexpected errors whole; a failed insert's params hold the password hash.
          throw redactedError(e);
        });
        console.log(`created user ${user.id} <${user.email}> tier=${user.tier}${user.isStaff ? ' staff' : ''} credits=${user.credits}`);
      } finally {
        await database.close();
      }
    });
}
