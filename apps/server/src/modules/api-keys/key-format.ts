/**
 * API keys look like `gh_k3j9x2qa_<43 chars>`: a public prefix (stored in clear, unique, shown in lists) and a
 * 256-bit secret. Only the SHA-256 of the whole key is stored.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256 } from '../identity/index.ts';

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const KEY_RE = /^(gh_[a-z2-9]{8})_([A-Za-z0-9_-]{43})$/;

function randomPrefix(): string {
  const bytes = randomBytes(8);
  let s = 'gh_';
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return s;
}

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomPrefix();
  const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
  return { key, prefix, hash: sha256(key) };
}

/** The prefix of a well-formed key, or null (so garbage never reaches the database). */
export function prefixOf(key: string): string | null {
  const m = KEY_RE.exec(key);
  return m ? m[1]! : null;
}

export function hashMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(sha256(key), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
