/**
 * argon2id password hashing (OWASP parameters by default, see config). Verification of an unknown account runs
 * against a dummy hash of the same cost, so "no such email" and "wrong password" take about the same time. The dummy
 * is hashed when the hasher is created (start-up), not on the first unknown email: built lazily, that first request
 * would cost a hash and a verification, twice a known email's, and tell an observer which kind it was.
 */
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';

export interface Argon2Params {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
}

const ARGON2ID = 2 as Algorithm;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string | null, password: string): Promise<boolean>;
  /** Resolves once the dummy hash exists (start-up awaits it). */
  ready(): Promise<void>;
}

/** The argon2 primitives; tests pass counting wrappers. */
export interface Argon2Impl {
  hash(password: string, options: Options): Promise<string>;
  verify(hashed: string, password: string): Promise<boolean>;
}

const ARGON2: Argon2Impl = { hash: (p, o) => hash(p, o), verify: (h, p) => verify(h, p) };

export function createPasswordHasher(params: Argon2Params, impl: Argon2Impl = ARGON2): PasswordHasher {
  const options = { algorithm: ARGON2ID, ...params };
  const dummy = impl.hash('gatehouse-timing-equaliser', options);
  // Awaited by ready() and verify(); this only keeps a failure from being an unhandled rejection meanwhile.
  dummy.catch(() => undefined);
  return {
    hash: (password) => impl.hash(password, options),
    async ready() {
      await dummy;
    },
    async verify(stored, password) {
      if (stored === null) {
        await impl.verify(await dummy, password).catch(() => false);
        return false;
      }
      try {
        return await impl.verify(stored, password);
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
