import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEgress, type Egress } from './egress.ts';
import { DEFAULT_ENGINE_LIMITS } from '@gatehouse/engine';
import { BUILT_IN_BY_TYPE, createConfigValidator } from '../../nodes/index.ts';
import { createHttpRequestHandler, httpRequestConfigSchema } from './http-request.ts';
import { configChecker, MIB } from './node-config.ts';

/** The engine's per-node output cap: what the whole http.request output must fit. */
const CAP = DEFAULT_ENGINE_LIMITS.maxNodeOutputBytes;
const jsonSize = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
import { localServer, loopbackConnector, nodeContext, refusingConnector, streamBytes, stubResolver, type LocalServer } from './testing.ts';

let server: LocalServer;
let egress: Egress;
beforeAll(async () => {
  server = await localServer((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/json') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r1' });
      res.end(JSON.stringify({ ok: true, method: req.method, query: Object.fromEntries(url.searchParams), body }));
    } else if (url.pathname === '/text') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('{"looks":"like json"}');
    } else if (url.pathname === '/bad-json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{oops');
    } else if (url.pathname === '/big') {
      streamBytes(res, 10 * MIB, false);
    } else if (url.pathname === '/quotes') {
      // Every character doubles in JSON: under the read limit, over the output cap once escaped.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('"'.repeat(700 * 1024));
    } else if (url.pathname === '/big-json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ pad: 'x'.repeat(4096) }));
    } else if (url.pathname === '/stall') {
      // never answers
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not found"}');
    }
  });
  egress = createEgress({ allow: ['127.0.0.1'], resolver: stubResolver({}), connector: loopbackConnector() });
});
afterAll(async () => {
  await egress?.close();
  await server?.close();
});

const run = (config: Record<string, unknown>, over = {}) =>
  createHttpRequestHandler({ egress }).run(nodeContext(config, { nodeType: 'http.request', ...over }));
const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => ({ code: 'resolved', message: '' }),
    (e: { code: string; message: string }) => e,
  );
const outputOf = async (config: Record<string, unknown>) => {
  const r = await run(config);
  if (r.kind !== 'output') throw new Error('expected an output');
  return r.data as { status: number; headers: Record<string, string>; body: any; truncated: boolean; url: string };
};

describe('http.request node', () => {
  it('sends method, query, headers and a JSON body, and parses a JSON answer', async () => {
    const out = await outputOf({
      method: 'POST',
      url: `${server.url}/json?a=1`,
      query: { b: 2, c: ['x', 'y'] },
      headers: { 'X-Custom': 'yes' },
      body: { hello: 'world' },
    });
    expect(out.status).toBe(200);
    expect(out.truncated).toBe(false);
    expect(out.headers['x-request-id']).toBe('r1');
    expect(out.body).toEqual({ ok: true, method: 'POST', query: { a: '1', b: '2', c: 'y' }, body: '{"hello":"world"}' });
    const seen = server.requests.at(-1)!;
    expect(seen.url).toBe('/json?a=1&b=2&c=x&c=y');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['x-custom']).toBe('yes');
  });

  it('sends only what the config names: no server credentials, cookies or environment', async () => {
    await outputOf({ method: 'PUT', url: `${server.url}/json`, headers: { 'x-a': '1' }, body: 'plain text' });
    const seen = server.requests.at(-1)!;
    expect(Object.keys(seen.headers).sort()).toEqual(
      ['accept-encoding', 'connection', 'content-length', 'content-type', 'host', 'user-agent', 'x-a'].sort(),
    );
    expect(seen.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(seen.body).toBe('plain text');
    const everything = JSON.stringify(seen);
    for (const [name, value] of Object.entries(process.env)) {
      if (value && value.length >= 12 && /SECRET|KEY|TOKEN|PASSWORD|DATABASE_URL/i.test(name)) expect(everything).not.toContain(value);
    }
  });

  it('keeps a 4xx as an output unless failOnHttpError is set', async () => {
    const out = await outputOf({ url: `${server.url}/missing` });
    expect(out.status).toBe(404);
    expect(out.body).toEqual({ error: 'not found' });
    const err = await failureOf(run({ url: `${server.url}/missing`, failOnHttpError: true }));
    expect(err.code).toBe('HTTP_STATUS');
    expect(err.message).toContain('404');
  });

  it('decodes the body as the responseType says', async () => {
    expect((await outputOf({ url: `${server.url}/text` })).body).toBe('{"looks":"like json"}');
    expect((await outputOf({ url: `${server.url}/text`, responseType: 'json' })).body).toEqual({ looks: 'like json' });
    expect((await outputOf({ url: `${server.url}/text`, responseType: 'base64' })).body).toBe(
      Buffer.from('{"looks":"like json"}').toString('base64'),
    );
    expect((await outputOf({ url: `${server.url}/bad-json` })).body).toBe('{oops');
    expect((await failureOf(run({ url: `${server.url}/bad-json`, responseType: 'json' }))).code).toBe('HTTP_INVALID_JSON');
  });

  it('truncates a 10 MB response to fit the node output cap and flags it, and the process carries on', async () => {
    const out = await outputOf({ url: `${server.url}/big` });
    expect(out.truncated).toBe(true);
    expect(jsonSize(out)).toBeLessThanOrEqual(CAP);
    expect(out.body.length).toBeGreaterThan(CAP - 4096);
    expect(out.body).toBe('x'.repeat(out.body.length));
    expect((await outputOf({ url: `${server.url}/json` })).status).toBe(200);
  });

  it('cuts a body that fits maxBytes but not the output cap once escaped, or fails it with onTooLarge error', async () => {
    const out = await outputOf({ url: `${server.url}/quotes` });
    expect(out.truncated).toBe(true);
    expect(jsonSize(out)).toBeLessThanOrEqual(CAP);
    expect(out.body).toBe('"'.repeat(out.body.length));
    const b64 = await outputOf({ url: `${server.url}/big`, responseType: 'base64' });
    expect(jsonSize(b64)).toBeLessThanOrEqual(CAP);
    expect(b64.body.length % 4).toBe(0);
    expect(Buffer.from(b64.body, 'base64').toString()).toBe('x'.repeat((b64.body.length / 4) * 3));
    const err = await failureOf(run({ url: `${server.url}/quotes`, onTooLarge: 'error' }));
    expect(err.code).toBe('EGRESS_TOO_LARGE');
    expect(err.message).toMatch(/output cap/);
  });

  it('reads only maxBytes when the config sets it', async () => {
    const out = await outputOf({ url: `${server.url}/big`, maxBytes: 1000 });
    expect(out).toMatchObject({ truncated: true, body: 'x'.repeat(1000) });
  });

  it('fails a 10 MB response when onTooLarge is error, or when a cut JSON body could not be parsed', async () => {
    expect((await failureOf(run({ url: `${server.url}/big`, onTooLarge: 'error' }))).code).toBe('EGRESS_TOO_LARGE');
    expect((await failureOf(run({ url: `${server.url}/big-json`, maxBytes: 100, responseType: 'json' }))).code).toBe('EGRESS_TOO_LARGE');
    const auto = await outputOf({ url: `${server.url}/big-json`, maxBytes: 100 });
    expect(auto).toMatchObject({ truncated: true });
    expect(typeof auto.body).toBe('string');
  });

  it('is aborted by the execution stop signal', async () => {
    const ac = new AbortController();
    const pending = failureOf(run({ url: `${server.url}/stall` }, { signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    expect((await pending).code).toBe('EGRESS_ABORTED');
  });

  it('goes through the egress guard', async () => {
    const connector = refusingConnector();
    const guarded = createEgress({ resolver: stubResolver({ 'meta.test': ['169.254.169.254'] }), connector });
    const err = await failureOf(
      createHttpRequestHandler({ egress: guarded }).run(nodeContext({ url: 'http://meta.test/latest/meta-data/iam' })),
    );
    await guarded.close();
    expect(err.code).toBe('EGRESS_BLOCKED');
    expect(connector.calls).toEqual([]);
  });

  it.each([
    [{}, /url/],
    [{ url: 42 }, /url/],
    [{ url: 'http://x/', method: 'TRACE' }, /method/],
    [{ url: 'http://x/', extra: 1 }, /additional/],
    [{ url: 'http://x/', headers: { Host: 'evil' } }, /host header/i],
    [{ url: 'http://x/', headers: { 'Transfer-Encoding': 'chunked' } }, /transfer-encoding/i],
    [{ url: 'http://x/', headers: { 'bad name': 'v' } }, /header name/],
    [{ url: 'http://x/', headers: { 'x-a': 'a\r\nInjected: 1' } }, /line break/],
    [{ url: 'http://x/', maxBytes: 50 * MIB }, /maxBytes/],
    [{ url: 'http://x/', maxBytes: CAP + 1 }, /maxBytes/],
    [{ url: 'http://x/', timeoutMs: 3_600_000 }, /timeoutMs/],
  ])('refuses an invalid config %j', async (config, message) => {
    const err = await failureOf(run(config));
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.message).toMatch(message);
  });

  it('fails clearly on a credentialId, which the catalog accepts but no vault can serve yet', async () => {
    const err = await failureOf(run({ url: `${server.url}/json`, credentialId: '6f1c2f4e-3b1d-4c55-9a57-0f0d1a2b3c4d' }));
    expect(err.code).toBe('CREDENTIALS_UNAVAILABLE');
  });
});

describe('http.request config: the node catalog and the handler agree', () => {
  const catalog = createConfigValidator();
  const spec = BUILT_IN_BY_TYPE.get('http.request')!;
  const handlerAccepts = (config: Record<string, unknown>) => {
    try {
      configChecker(httpRequestConfigSchema).parse('http.request', config);
      return true;
    } catch {
      return false;
    }
  };

  it('declares the same settings', () => {
    const keys = (schema: unknown) => Object.keys((schema as { properties: Record<string, unknown> }).properties).sort();
    expect(keys(spec.configSchema)).toEqual(keys(httpRequestConfigSchema));
  });

  it.each([
    { url: 'https://api.example.com', maxBytes: 1000 },
    { url: 'https://api.example.com', maxBytes: CAP },
    { url: 'https://api.example.com', onTooLarge: 'error' },
    { url: 'https://api.example.com', responseType: 'base64' },
    { url: 'https://api.example.com', method: 'OPTIONS' },
    { url: 'https://api.example.com', method: 'POST', body: 'x', bodyType: 'text' },
    { url: 'https://api.example.com', query: { a: [1, 'b'], c: true } },
    { url: 'https://api.example.com', followRedirects: false, failOnHttpError: true },
  ])('both accept %j', (config) => {
    expect(catalog.validate(spec, config)).toEqual([]);
    expect(handlerAccepts(config)).toBe(true);
  });

  it('both bound maxBytes by the node output cap', () => {
    expect(catalog.validate(spec, { url: 'https://api.example.com', maxBytes: CAP + 1 })).toMatchObject([{ pointer: '/maxBytes' }]);
  });
});
