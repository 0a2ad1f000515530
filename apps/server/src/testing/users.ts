/** Helpers that act as a client would: register, sign in, call with a token. */
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Container } from '../container.ts';
import { updateUser } from '../modules/identity/index.ts';

export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  accessToken: string;
  refreshToken: string;
}

let counter = 0;
/** Distinct remote addresses, so per-IP registration limits never couple unrelated tests. */
export const nextIp = () => `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter++ & 255}`;

export async function registerUser(app: FastifyInstance, overrides: { email?: string; password?: string; name?: string } = {}): Promise<TestUser> {
  const email = overrides.email ?? `user${Date.now().toString(36)}${counter}@example.com`;
  const password = overrides.password ?? 'a sturdy passphrase';
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/register',
    remoteAddress: nextIp(),
    payload: { email, password, ...(overrides.name ? { name: overrides.name } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  const { user, tokens } = res.json().data;
  return { id: user.id, email, password, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
}

/** Changes a user's standing directly in the database (what an operator or billing would do). */
export async function setUser(container: Container, id: string, patch: { isStaff?: boolean; tier?: 'free' | 'pro' | 'enterprise'; credits?: number }) {
  await updateUser(container.database.db, id, patch);
  await container.identity.userCache.invalidate(id);
}

export const auth = (u: { accessToken: string }) => ({ authorization: `Bearer ${u.accessToken}` });

export function call(app: FastifyInstance, u: { accessToken: string } | null, opts: InjectOptions) {
  return app.inject({ ...opts, headers: { ...(u ? auth(u) : {}), ...(opts.headers ?? {}) } });
}
