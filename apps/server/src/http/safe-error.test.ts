import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { sql } from 'drizzle-orm';
import { allowAny } from '@gatehouse/policy';
import { createTestApp, type TestApp } from '../testing/app.ts';
import { defineRoute } from './route.ts';
import { redactedError, safeError } from './safe-error.ts';

// What a leaked secret looks like: an argon2 PHC string, as it would be bound when a users insert fails.
const SECRET = '$argon2id$v=19$m=19456,t=2,p=1$c2VjcmV0c2FsdA$bm90LWEtcmVhbC1oYXNoLWJ1dC1jbG9zZQ';

const lines: string[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});
// A real pino logger (Fastify's own) writing to memory, injected as the app's logger.
const logger = Fastify({ logger: { level: 'info', stream: sink } }).log;

let t: TestApp;
const failingQuery = () => t.container.database.db.execute(sql`select ${SECRET}::int as broken`);
const docs = { section: 'Test', group: 'Test', notes: 'test' };

beforeAll(async () => {
  t = await createTestApp({
    overrides: {
      logger,
      extraRoutes: [
        defineRoute({ method: 'GET', url: '/t/db-fails', access: allowAny, rateCategory: 'none', mode: 'sync', docs, handler: async () => failingQuery() }),
        defineRoute({
          method: 'GET', url: '/t/db-fails-logged', access: allowAny, rateCategory: 'none', mode: 'sync', docs,
          // A module logging a caught error itself (as the stream handlers do), not through the error handler.
          handler: async (req) => {
            await failingQuery().catch((err: unknown) => req.log.warn({ err }, 'query failed'));
            return { data: 'ok' };
          },
        }),
      ],
    },
  });
});
afterAll(async () => t?.close());

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

describe('errors in logs', () => {
  it('logs a failed query with its class, SQLSTATE, query text and stack but without the bound secret', async () => {
    lines.length = 0;
    const res = await t.app.inject({ method: 'GET', url: '/t/db-fails' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain(SECRET);
    const line = lines.find((l) => l.includes('unhandled error'));
    expect(line).toBeDefined();
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain('bm90LWEtcmVhbC1oYXNo');
    const { err } = JSON.parse(line!);
    expect(err).toMatchObject({ type: 'DrizzleQueryError', query: 'select $1::int as broken', cause: { code: '22P02' } });
    expect(err.stack).toMatch(/\n\s+at /);
    expect(err.params).toBeUndefined();
  });

  it('keeps the secret out of errors a module logs itself under err', async () => {
    lines.length = 0;
    const res = await t.app.inject({ method: 'GET', url: '/t/db-fails-logged' });
    expect(res.statusCode).toBe(200);
    const line = lines.find((l) => l.includes('query failed'));
    expect(line).toBeDefined();
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line!).err.cause.code).toBe('22P02');
  });

  it('drops the values a unique violation quotes in its detail', async () => {
    const db = t.container.database.db;
    const email = 'leak-probe-unique@example.com';
    const insert = (id: string) => db.execute(sql`insert into users (id, email, password_hash) values (${id}, ${email}, ${SECRET})`);
    await insert(randomUUID());
    const e = await caught(insert(randomUUID()));
    const out = JSON.stringify(safeError(e));
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(email);
    expect(safeError(e).cause).toMatchObject({ code: '23505', constraint: 'users_email_lower_uq' });
  });

  it('turns a failed query into an error that prints whole without the secret (the CLI prints errors whole)', async () => {
    const e = await caught(failingQuery());
    const printed = inspect(redactedError(e));
    expect(printed).not.toContain(SECRET);
    expect(printed).toContain('22P02');
    expect(printed).toContain('select $1::int as broken');
  });

  it('cuts a Drizzle-style params tail out of a message someone rewrapped', () => {
    const wrapped = new Error(`Failed query: insert into users values ($1)\nparams: ${SECRET}`);
    const out = safeError(wrapped);
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(out.message).toBe('Failed query: insert into users values ($1)');
  });

  it('describes values that are not errors and leaves an already safe shape unchanged', () => {
    expect(safeError('boom')).toMatchObject({ type: 'string', message: 'boom' });
    const once = safeError(new TypeError('x'));
    expect(safeError(once)).toBe(once);
  });
});
