/**
 * Without JWT_SECRET (development, embedded database), a random secret is generated once and kept in DATA_DIR with
 * owner-only permissions, so sessions survive restarts without anyone choosing a weak secret by hand.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config.ts';

export async function resolveJwtSecret(config: Config): Promise<string> {
  if (!config.jwtSecretEphemeral || config.databaseUrl) return config.jwtSecret;
  const path = join(config.dataDir, 'jwt-secret');
  const existing = await readFile(path, 'utf8').catch(() => '');
  if (existing.trim().length >= 43) return existing.trim();
  await mkdir(config.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  await writeFile(path, secret, { mode: 0o600 });
  return secret;
}
