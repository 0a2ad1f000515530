import { describe, expect, it } from 'vitest';
import { createPasswordHasher, type Argon2Impl } from './passwords.ts';

const params = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

/** Real argon2, with every call counted. */
async function counting() {
  const { hash, verify } = await import('@node-rs/argon2');
  const calls = { hash: 0, verify: 0 };
  const impl: Argon2Impl = {
    hash: (p, o) => {
      calls.hash++;
      return hash(p, o);
    },
    verify: (h, p) => {
      calls.verify++;
      return verify(h, p);
    },
  };
  return { calls, impl };
}

describe('password hasher', () => {
  it('hashes the dummy for unknown emails when it is created, before any sign-in', async () => {
    const { calls, impl } = await counting();
    const hasher = createPasswordHasher(params, impl);
    expect(calls.hash).toBe(1);
    await hasher.ready();
    expect(calls).toEqual({ hash: 1, verify: 0 });
  });

  it('does the same work for the very first unknown email as for a known one: one verification, no hash', async () => {
    const { calls, impl } = await counting();
    const hasher = createPasswordHasher(params, impl);
    const stored = await hasher.hash('the right passphrase');
    await hasher.ready();
    const before = { ...calls };
    expect(await hasher.verify(null, 'a guess at a password')).toBe(false);
    expect(calls).toEqual({ hash: before.hash, verify: before.verify + 1 });
    expect(await hasher.verify(stored, 'a wrong passphrase')).toBe(false);
    expect(calls).toEqual({ hash: before.hash, verify: before.verify + 2 });
    expect(await hasher.verify(stored, 'the right passphrase')).toBe(true);
  });

  it('treats a malformed stored hash as a wrong password', async () => {
    const hasher = createPasswordHasher(params);
    expect(await hasher.verify('not-a-phc-string', 'anything at all')).toBe(false);
  });
});
