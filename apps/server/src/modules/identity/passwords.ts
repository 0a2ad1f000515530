/**
 * argon2id password hashing (OWASP parameters by default, see config). Verification of an unknown account runs
 * against a dummy hash of the same cost, so "no such email" and "wrong password" take about the same time.
 */
import { hash, verify, type Algorithm } from '@node-rs/argon2';

export interface Argon2Params {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

const ARGON2ID = 2 as Algorithm;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string | null, password: string): Promise<boolean>;
}

export function createPasswordHasher(params: Argon2Params): PasswordHasher {
  const options = { algorithm: ARGON2ID, ...params };
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => hash(password, options),
    async verify(stored, password) {
      if (stored === null) {
        dummy ??= hash('gatehouse-timing-equaliser', options);
        await verify(await dummy, password).catch(() => false);
        return false;
      }
      try {
        return await verify(stored, password);
      } catch {
        return false;
      }
    },
  };
}

export const PASSWORD_MIN = 8;
/** argon2 hashes any length, but a megabyte password is a denial-of-service attempt, not a password. */
export const PASSWORD_MAX = 256;

/** Rules beyond length: a password must not be (or contain) the account's email or its local part. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN) return `Password must be at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `Password must be at most ${PASSWORD_MAX} characters`;
  const p = password.toLowerCase();
  const e = email.toLowerCase();
  const local = e.split('@')[0] ?? '';
  if (p.includes(e) || (local.length >= 4 && p.includes(local))) return 'Password must not contain your email address';
  return null;
}
