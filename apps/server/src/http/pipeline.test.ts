import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { admin, and, authenticated, owner, proTier, type Principal } from '@gatehouse/policy';
import { defineRoute, type RouteSpec } from './route.ts';
import type { PrincipalResolver } from './pipeline.ts';
import { createTestApp, type TestApp } from '../testing/app.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { buildApp } from '../app.ts';

const principals: Record<string, Principal> = {
  free: { userId: '00000000-0000-4000-8000-000000000001', tier: 'free', isStaff: false, credits: 0, via: 'jwt' },
  pro: { userId: '00000000-0000-4000-8000-000000000002', tier: 'pro', isStaff: false, credits: 5, via: 'jwt' },
  staff: { userId: '00000000-0000-4000-8000-000000000003', tier: 'free', isStaff: true, credits: 0, via: 'apiKey' },
};

/** Test principals: the Bearer token is the principal's name. */
const resolver: PrincipalResolver = {
  async resolve(c) {
    if (c.bearer !== undefined) return principals[c.bearer] ?? 'invalid';
    if (c.apiKey !== undefined) return c.apiKey === 'staff-key' ? principals.staff! : 'invalid';
    return null;
  },
};

const things = new Map([
  ['11111111-1111-4111-8111-111111111111', { id: '11111111-1111-4111-8111-111111111111', ownerId: principals.free!.userId }],
]);
let loads = 0;
const loadThing = async ({ params }: { params: Record<string, string> }) => {
  loads++;
  return things.get(params.id ?? '') ?? null;
};

const docs = { section: 'Test', group: 'Test', notes: 'test' };
const Id = Type.String({ format: 'uuid' });

const routes: RouteSpec[] = [
  defineRoute({ method: 'GET', url: '/t/auth', access: authenticated, rateCategory: 'default', mode: 'sync', docs, handler: async (req) => ({ data: { userId: req.ctx.principal?.userId } }) }),
  defineRoute({ method: 'GET', url: '/t/admin', access: admin, rateCategory: 'default', mode: 'sync', docs, handler: async () => ({ data: 'secret stats' }) }),
  defineRoute({ method: 'GET', url: '/t/pro', access: and(authenticated, proTier), rateCategory: 'default', mode: 'sync', docs, handler: async () => ({ data: 'pro' }) }),
  defineRoute({
    method: 'GET', url: '/t/things/:id', access: owner(loadThing), rateCategory: 'workflowCrud', mode: 'sync', docs,
    schema: { params: Type.Object({ id: Id }) },
    handler: async (req) => ({ data: req.ctx.resource }),
  }),
  defineRoute({ method: 'POST', url: '/t/execute', access: authenticated, rateCategory: 'execute', mode: 'async', docs, handler: async (_r, reply) => reply.code(202).send({ data: { ok: true } }) }),
  defineRoute({
    method: 'POST', url: '/t/register', access: { ...authenticated, needsPrincipal: false, check: () => ({ allowed: true }) }, rateCategory: 'auth', mode: 'sync', docs,
    limits: [{ points: 3, durationSeconds: 3600, by: 'ip', label: '3/hour' }],
    handler: async (_r, reply) => reply.code(201).send({ data: {} }),
  }),
  defineRoute({
    method: 'POST', url: '/t/echo', access: authenticated, rateCategory: 'default', mode: 'sync', docs,
    schema: { body: Type.Object({ name: Type.String({ maxLength: 20 }), nested: Type.Optional(Type.Object({ n: Type.Integer() }, { additionalProperties: false })) }, { additionalProperties: false }) },
    handler: async (req) => ({ data: req.body }),
  }),
  defineRoute({
    method: 'POST', url: '/t/optional', access: authenticated, rateCategory: 'default', mode: 'sync', docs,
    schema: { body: Type.Object({ note: Type.Optional(Type.String()) }, { additionalProperties: false }) },
    handler: async (req) => ({ data: req.body }),
  }),
  defineRoute({ method: 'DELETE', url: '/t/things-gone', access: authenticated, rateCategory: 'default', mode: 'sync', docs, handler: async (_r, reply) => reply.code(204).send() }),
  defineRoute({
    method: 'GET', url: '/t/boom', access: authenticated, rateCategory: 'default', mode: 'sync', docs,
    handler: async () => {
      throw new Error('relation "users" does not exist at SELECT password_hash FROM users');
    },
  }),
];

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { RATE_ANONYMOUS_PER_MINUTE: '1000' }, overrides: { resolver, extraRoutes: routes } });
});
afterAll(async () => t?.close());

const bearer = (name: string) => ({ authorization: `Bearer ${name}` });

function expectSecurityHeaders(headers: Record<string, unknown>) {
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) expect(headers[k], k).toBe(v);
  expect(headers['x-request-id']).toBeTruthy();
}

describe('the access pipeline', () => {
  it('answers health checks with the security headers and a request id', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expectSecurityHeaders(res.headers);
  });

  it('reports readiness from the database', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ checks: { database: 'ok' } });
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
    expect(ok.headers['x-request-id']).toBe('abc-123');
    const bad = await t.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'a b\u0001c' } });
    expect(bad.headers['x-request-id']).not.toBe('a b\u0001c');
  });

  it('answers unknown routes with 404 in the error shape and the security headers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND', requestId: res.headers['x-request-id'] });
    expectSecurityHeaders(res.headers);
  });

  it('answers a missing credential with exactly Unauthorized and the security headers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/t/auth' });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: 'Unauthorized', code: 'UNAUTHORIZED', requestId: res.headers['x-request-id'] });
    expectSecurityHeaders(res.headers);
  });

  it('answers a bad credential and a malformed Authorization header with 401', async () => {
    for (const authorization of ['Bearer nobody', 'Basic Zm9vOmJhcg==', 'Bearer', `Bearer ${'a'.repeat(5000)}`]) {
      const res = await t.app.inject({ method: 'GET', url: '/t/auth', headers: { authorization } });
      expect(res.statusCode, authorization.slice(0, 20)).toBe(401);
    }
    const key = await t.app.inject({ method: 'GET', url: '/t/auth', headers: { 'x-api-key': 'wrong' } });
    expect(key.statusCode).toBe(401);
  });

  it('lets a known principal through by Bearer token or API key', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/t/auth', headers: bearer('free') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: { userId: principals.free!.userId } });
    const key = await t.app.inject({ method: 'GET', url: '/t/auth', headers: { 'x-api-key': 'staff-key' } });
    expect(key.json()).toEqual({ data: { userId: principals.staff!.userId } });
  });

  it('refuses a non-staff user on an Admin route with 403 and says what is required', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/t/admin', headers: bearer('free') });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'FORBIDDEN', details: { required: 'staff user' } });
    expect(res.body).not.toContain('secret stats');
    const ok = await t.app.inject({ method: 'GET', url: '/t/admin', headers: { 'x-api-key': 'staff-key' } });
    expect(ok.statusCode).toBe(200);
  });

  it('refuses a free user on a Pro route and admits a pro user', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/t/pro', headers: bearer('free') })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/t/pro', headers: bearer('pro') })).statusCode).toBe(200);
  });

  it("answers another user's object with 404, the same as a missing one, and serves the owner", async () => {
    const id = '11111111-1111-4111-8111-111111111111';
    const other = await t.app.inject({ method: 'GET', url: `/t/things/${id}`, headers: bearer('pro') });
    const missing = await t.app.inject({ method: 'GET', url: '/t/things/22222222-2222-4222-8222-222222222222', headers: bearer('pro') });
    expect(other.statusCode).toBe(404);
    expect(missing.statusCode).toBe(404);
    expect(other.json().error).toBe(missing.json().error);
    const mine = await t.app.inject({ method: 'GET', url: `/t/things/${id}`, headers: bearer('free') });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toEqual({ data: { id, ownerId: principals.free!.userId } });
  });

  it('does not load the object for an anonymous caller', async () => {
    const before = loads;
    const res = await t.app.inject({ method: 'GET', url: '/t/things/11111111-1111-4111-8111-111111111111' });
    expect(res.statusCode).toBe(401);
    expect(loads).toBe(before);
  });

  it('answers a path parameter that is not an id with 400 naming the parameter', async () => {
    const res = await t.app.inject({ method: 'GET', url: "/t/things/1'%20OR%201=1", headers: bearer('free') });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].path).toBe('params.id');
  });

  it('answers a path that is not valid percent-encoding with 400 in the error shape and the security headers', async () => {
    for (const url of ['/t/things/%ZZ', '/t/things/%E0%A4%A']) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer('free') });
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toEqual({ error: expect.any(String), code: 'BAD_URL', requestId: res.headers['x-request-id'] });
      expectSecurityHeaders(res.headers);
    }
  });

  it('answers a path parameter past the length limit with 414 in the error shape and the security headers', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/t/things/${'a'.repeat(300)}`, headers: bearer('free') });
    expect(res.statusCode).toBe(414);
    expect(res.json()).toMatchObject({ code: 'PATH_PARAM_TOO_LONG' });
    expectSecurityHeaders(res.headers);
  });

  it('matches paths with and without the trailing slash', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/t/auth/', headers: bearer('free') })).statusCode).toBe(200);
  });
});

describe('request bodies', () => {
  const post = (payload: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/t/echo', payload, headers: { 'content-type': 'application/json', ...bearer('free'), ...headers } });

  it('accepts a valid body', async () => {
    const res = await post('{"name":"ok","nested":{"n":1}}');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ data: { name: 'ok', nested: { n: 1 } } });
  });

  it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
    const res = await post('{"name":');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'MALFORMED_JSON' });
    expectSecurityHeaders(res.headers);
  });

  it('refuses unknown fields with 400 listing their paths, at any depth', async () => {
    const res = await post('{"name":"ok","isStaff":true,"nested":{"n":1,"evil":2}}');
    expect(res.statusCode).toBe(400);
    const paths = res.json().details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['body.isStaff']));
  });

  it('lists each unknown field exactly once with its path, at any depth', async () => {
    const res = await post('{"name":"ok","isStaff":true,"tier":"pro","nested":{"n":1,"evil":2}}');
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([
      { path: 'body.isStaff', message: 'unknown field' },
      { path: 'body.tier', message: 'unknown field' },
      { path: 'body.nested.evil', message: 'unknown field' },
    ]);
  });

  it('refuses a wrong type without coercing it', async () => {
    const res = await post('{"name":"ok","nested":{"n":"1"}}');
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].path).toBe('body.nested.n');
  });

  it('refuses a missing required field naming it', async () => {
    const res = await post('{}');
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([{ path: 'body.name', message: 'is required' }]);
  });

  it('treats an empty body announced as JSON as no body on routes whose body is optional or absent', async () => {
    const json = { 'content-type': 'application/json', ...bearer('free') };
    const optional = await t.app.inject({ method: 'POST', url: '/t/optional', headers: json, payload: '' });
    expect(optional.statusCode).toBe(200);
    expect(optional.json()).toEqual({ data: {} });
    expect((await t.app.inject({ method: 'POST', url: '/t/execute', headers: { 'content-type': 'application/json', 'x-api-key': 'staff-key' }, payload: '' })).statusCode).toBe(202);
    expect((await t.app.inject({ method: 'DELETE', url: '/t/things-gone', headers: json, payload: '' })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'POST', url: '/t/optional', headers: { ...json, 'content-type': 'application/json; charset=utf-8' }, payload: ' \n' })).statusCode).toBe(200);
  });

  it('reports required fields by name when a body announced as JSON is empty', async () => {
    const res = await post('');
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([{ path: 'body.name', message: 'is required' }]);
  });

  it('still refuses prototype poisoning in a JSON body', async () => {
    const res = await post('{"name":"ok","__proto__":{"isStaff":true}}');
    expect(res.statusCode).toBe(400);
  });

  it('refuses a non-JSON content type with 415', async () => {
    const res = await post('name=ok', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expectSecurityHeaders(res.headers);
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('refuses a text/plain body with 415, on routes with and without a body', async () => {
    for (const [method, url] of [['POST', '/t/echo'], ['DELETE', '/t/things-gone']] as const) {
      const res = await t.app.inject({ method, url, headers: { 'content-type': 'text/plain', ...bearer('free') }, payload: '{"name":"ok"}' });
      expect(res.statusCode, url).toBe(415);
      expect(res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
  });

  it('refuses fields sent to a route that takes no body, and accepts an empty object', async () => {
    const json = { 'content-type': 'application/json', ...bearer('free') };
    const res = await t.app.inject({ method: 'DELETE', url: '/t/things-gone', headers: json, payload: '{"evil":true}' });
    expect(res.statusCode).toBe(400);
    expect(res.json().details).toEqual([{ path: 'body.evil', message: 'unknown field' }]);
    expect((await t.app.inject({ method: 'DELETE', url: '/t/things-gone', headers: json, payload: '[1]' })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'DELETE', url: '/t/things-gone', headers: json, payload: '{}' })).statusCode).toBe(204);
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await post(JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) }));
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expectSecurityHeaders(res.headers);
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('sends the security headers and the request id once each, whatever answers', async () => {
    for (const res of [
      await t.app.inject({ method: 'GET', url: '/t/pro', headers: bearer('pro') }),
      await t.app.inject({ method: 'GET', url: '/t/pro', headers: bearer('free') }),
      await t.app.inject({ method: 'GET', url: '/nope' }),
    ]) {
      // A header sent twice would come back as an array.
      expectSecurityHeaders(res.headers);
      expect(typeof res.headers['x-request-id']).toBe('string');
    }
  });

  it('answers a crash with a generic 500 that leaks neither the message nor a stack', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/t/boom', headers: bearer('free') });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'Internal server error', code: 'INTERNAL', requestId: res.headers['x-request-id'] });
    expect(res.body).not.toMatch(/password_hash|SELECT|at .*\.ts/);
    expectSecurityHeaders(res.headers);
  });
});

describe('rate limits', () => {
  it("limits a free user's executions to the spec's 5 per minute with headers and Retry-After", async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 6; i++) {
      last = await t.app.inject({ method: 'POST', url: '/t/execute', headers: bearer('free') });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    expect(last!.headers['x-ratelimit-limit']).toBe('5');
    expect(last!.headers['x-ratelimit-remaining']).toBe('0');
    expect(Number(last!.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(last!.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expectSecurityHeaders(last!.headers);
  });

  it('gives a pro user the pro allowance, counted separately', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/t/execute', headers: bearer('pro') });
    expect(res.statusCode).toBe(202);
    expect(res.headers['x-ratelimit-limit']).toBe('50');
    expect(res.headers['x-ratelimit-remaining']).toBe('49');
  });

  it('applies an endpoint limit per IP to anonymous callers and reports the tighter window', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await t.app.inject({ method: 'POST', url: '/t/register', remoteAddress: '10.9.9.9' });
      codes.push(r.statusCode);
      if (i === 0) expect(r.headers['x-ratelimit-limit']).toBe('3');
    }
    expect(codes).toEqual([201, 201, 201, 429]);
    const other = await t.app.inject({ method: 'POST', url: '/t/register', remoteAddress: '10.9.9.10' });
    expect(other.statusCode).toBe(201);
  });
});

describe('start-up', () => {
  it('refuses to start when a route declares no access rule', async () => {
    const bad = { ...routes[0]!, url: '/t/undeclared', access: undefined } as unknown as RouteSpec;
    await expect(buildApp({ ...t.container, routes: [bad] })).rejects.toThrow(/declares no access rule/);
  });
});

describe('documentation', () => {
  it('serves OpenAPI 3.1 with each operation’s permission', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/t/admin'].get['x-permission']).toBe('Admin');
    expect(doc.paths['/t/things/{id}'].get['x-rate-category']).toBe('workflowCrud');
  });

  it('serves a human docs page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expectSecurityHeaders(res.headers);
  });
});

describe('the wire', () => {
  it('answers a header flood with 431 in the error shape without crashing', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as { port: number };
    const raw = await new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let out = '';
      s.on('data', (d) => (out += d.toString()));
      s.on('end', () => resolve(out));
      s.on('error', reject);
      s.write(`GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-Flood: ' + 'a'.repeat(8000) + '\r\n'.repeat(1)}`.repeat(1));
      for (let i = 0; i < 10; i++) s.write(`X-Flood-${i}: ${'b'.repeat(4000)}\r\n`);
      s.write('\r\n');
    });
    expect(raw).toMatch(/^HTTP\/1.1 431/);
    expect(raw).toContain('"code":"HEADERS_TOO_LARGE"');
    expect(raw.toLowerCase()).toContain('x-frame-options: deny');
    const after = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(after.status).toBe(200);
  });
});
