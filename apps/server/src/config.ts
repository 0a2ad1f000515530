/**
 * The only file that reads the environment. Everything else receives a typed `Config`.
 *
 * Names are fixed by CONTRACT.md; `.env.example` lists each with its default. A bad value stops start-up with a
 * message naming the variable (never echoing its value: it might be a secret).
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { config as loadDotenv } from 'dotenv';

export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share one Redis. */
  readonly redisPrefix: string;
  readonly jwtSecret: string;
  /** True when no JWT_SECRET was given and one was generated for this process (tokens die with it). */
  readonly jwtSecretEphemeral: boolean;
  readonly jwtIssuer: string;
  readonly jwtAudience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly googleClientId: string | undefined;
  readonly googleIssuer: string;
  readonly googleJwksUrl: string;
  readonly credentialsMasterKey: string | undefined;
  readonly egressAllow: readonly string[];
  readonly logLevel: string;
  readonly bodyLimit: number;
  /** Requests per minute for anonymous callers, per IP, on routes without a stricter limit. */
  readonly anonymousRatePerMinute: number;
  /** Requests per minute per user on routes of the `default` category (not in the spec's table). */
  readonly defaultRatePerMinute: { readonly free: number; readonly pro: number; readonly enterprise: number };
  /** Commerce per-role windows: CUSTOMER calls per hour and staff calls per minute, per user (see policy ROLE_RATE_CATEGORY). */
  readonly commerceRates: { readonly customerPerHour: number; readonly staffPerMinute: number };
  readonly trustProxy: boolean;
  readonly argon2: { readonly memoryCost: number; readonly timeCost: number; readonly parallelism: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}`);
  return n;
}

/** Durations: plain seconds, or a number with s/m/h/d. */
export function parseDuration(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(raw.trim());
  if (!m) throw new ConfigError(`${name} must be a duration like 900, 15m, 12h or 30d`);
  const mult = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * mult;
}

/** Sizes: bytes, or a number with kb/mb (binary units). */
export function parseSize(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d+)\s*(b|kb|k|mb|m)?$/i.exec(raw.trim());
  if (!m) throw new ConfigError(`${name} must be a size like 1048576, 512kb or 1mb`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return Number(m[1]) * mult;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function loadConfig(env: Env = process.env, opts: { dotenv?: boolean } = {}): Config {
  if (opts.dotenv !== false && env === process.env) loadDotenv({ quiet: true });
  const nodeEnv = (env.NODE_ENV ?? 'development') as NodeEnv;
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    throw new ConfigError('NODE_ENV must be development, production or test');
  }
  let jwtSecret = env.JWT_SECRET ?? '';
  let jwtSecretEphemeral = false;
  if (jwtSecret === '') {
    if (nodeEnv === 'production') throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
    jwtSecret = randomBytes(32).toString('base64url');
    jwtSecretEphemeral = true;
  } else if (Buffer.byteLength(jwtSecret) < 32) {
    // HS256 with a short secret can be brute-forced offline from any token.
    throw new ConfigError('JWT_SECRET must be at least 32 bytes (256 bits) of random data');
  }
  return {
    nodeEnv,
    host: env.HOST || '0.0.0.0',
    port: int(env, 'PORT', 8080),
    dataDir: resolve(env.DATA_DIR || './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.REDIS_PREFIX || 'gh',
    jwtSecret,
    jwtSecretEphemeral,
    jwtIssuer: env.JWT_ISSUER || 'gatehouse',
    jwtAudience: env.JWT_AUDIENCE || 'gatehouse-api',
    accessTokenTtlSeconds: parseDuration('ACCESS_TOKEN_TTL', env.ACCESS_TOKEN_TTL, 15 * 60),
    refreshTokenTtlSeconds: parseDuration('REFRESH_TOKEN_TTL', env.REFRESH_TOKEN_TTL, 30 * 86400),
    googleClientId: env.GOOGLE_CLIENT_ID || undefined,
    googleIssuer: env.GOOGLE_ISSUER || 'https://accounts.google.com',
    googleJwksUrl: env.GOOGLE_JWKS_URL || 'https://www.googleapis.com/oauth2/v3/certs',
    credentialsMasterKey: env.CREDENTIALS_MASTER_KEY || undefined,
    egressAllow: list(env.EGRESS_ALLOW),
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    bodyLimit: parseSize('BODY_LIMIT', env.BODY_LIMIT, 1024 * 1024),
    anonymousRatePerMinute: int(env, 'RATE_ANONYMOUS_PER_MINUTE', 60, 1),
    defaultRatePerMinute: {
      free: int(env, 'RATE_DEFAULT_FREE_PER_MINUTE', 120, 1),
      pro: int(env, 'RATE_DEFAULT_PRO_PER_MINUTE', 600, 1),
      enterprise: int(env, 'RATE_DEFAULT_ENTERPRISE_PER_MINUTE', 3000, 1),
    },
    commerceRates: {
      // The commerce spec's own example: "CUSTOMER limited to 100 API calls/hour".
      customerPerHour: int(env, 'COMMERCE_RATE_CUSTOMER_PER_HOUR', 100, 1),
      staffPerMinute: int(env, 'COMMERCE_RATE_STAFF_PER_MINUTE', 600, 1),
    },
    trustProxy: env.TRUST_PROXY === 'true',
    argon2: {
      // OWASP: argon2id, m=19 MiB, t=2, p=1.
      memoryCost: int(env, 'ARGON2_MEMORY_KIB', 19456, 1024),
      timeCost: int(env, 'ARGON2_TIME_COST', 2, 1),
      parallelism: int(env, 'ARGON2_PARALLELISM', 1, 1),
    },
  };
}
