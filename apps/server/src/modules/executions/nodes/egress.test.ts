import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEgress, type Egress, type EgressOptions } from './egress.ts';
import { MIB } from './node-config.ts';
import { localServer, loopbackConnector, refusingConnector, streamBytes, stubResolver, type LocalServer } from './testing.ts';

let server: LocalServer;
let other: LocalServer;
let hits = 0;
beforeAll(async () => {
  server = await localServer((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const to = url.searchParams.get('to');
    switch (url.pathname) {
      case '/hello':
        res.writeHead(200, { 'content-type': 'text/plain', 'x-seen-host': req.headers.host ?? '' });
        res.end('hello');
        return;
      case '/echo':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ method: req.method, body }));
        return;
      case '/redirect':
        res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: to ?? '/hello' });
        res.end();
        return;
      case '/chain': {
        const n = Number(url.searchParams.get('n'));
        res.writeHead(302, { location: n > 0 ? `/chain?n=${n - 1}` : '/hello' });
        res.end();
        return;
      }
      case '/loop':
        hits++;
        res.writeHead(302, { location: '/loop' });
        res.end();
        return;
      case '/big':
        streamBytes(res, 10 * MIB, url.searchParams.has('declare'));
        return;
      case '/stall-headers':
        return; // never answers
      case '/stall-body':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('partial');
        return; // never ends
      default:
        res.writeHead(404);
        res.end();
    }
  });
  other = await localServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.headers));
  });
});
afterAll(async () => {
  await server?.close();
  await other?.close();
});

const open: Egress[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});
const egress = (o: EgressOptions) => {
  const e = createEgress(o);
  open.push(e);
  return e;
};
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: string }) => e.code,
  );

describe('egress guard: refusals happen before any connection', () => {
  it.each([
    ['a name resolving to a private address', 'http://intranet.test/', { 'intranet.test': ['10.0.0.5'] }],
    ['a name resolving to the cloud metadata address', 'http://meta.test/latest', { 'meta.test': ['169.254.169.254'] }],
    ['a name resolving to IPv4-mapped loopback', 'http://mapped.test/', { 'mapped.test': ['::ffff:127.0.0.1'] }],
    ['a name resolving to IPv6 unique-local', 'http://ula.test/', { 'ula.test': ['fd00::1'] }],
    ['a name resolving to CGNAT space', 'http://cgnat.test/', { 'cgnat.test': ['100.64.1.1'] }],
    ['a name whose every address is private', 'http://multi.test/', { 'multi.test': ['192.168.0.1', 'fe80::1'] }],
    ['the metadata IP literal', 'http://169.254.169.254/latest/meta-data/', {}],
    ['the loopback literal', 'http://127.0.0.1:1/', {}],
    ['loopback written as a decimal number', 'http://2130706433/', {}],
    ['loopback written in hex', 'http://0x7f.0.0.1/', {}],
    ['the IPv6 loopback literal', 'http://[::1]/', {}],
    ['IPv4-mapped metadata as an IPv6 literal', 'http://[::ffff:169.254.169.254]/', {}],
    ['the unspecified address', 'http://0.0.0.0:8080/', {}],
    ['https to a private address', 'https://10.1.2.3/', {}],
  ])('refuses %s', async (_name, url, table) => {
    const connector = refusingConnector();
    const e = egress({ resolver: stubResolver(table), connector });
    const err = await e.request({ url }).then(
      () => null,
      (x: { code?: string; message?: string }) => x,
    );
    expect(err?.code).toBe('EGRESS_BLOCKED');
    expect(err?.message).toMatch(/refused to connect/);
    expect(connector.calls).toEqual([]);
  });

  it('reports a name that does not resolve, without dialling anything', async () => {
    const connector = refusingConnector();
    const e = egress({ resolver: stubResolver({}), connector });
    expect(await codeOf(e.request({ url: 'http://nowhere.test/' }))).toBe('EGRESS_DNS');
    expect(connector.calls).toEqual([]);
  });

  it.each(['ftp://example.com/', 'file:///etc/passwd', 'data:text/plain,hi', 'gopher://x/', 'not a url', 'http://user:pw@example.com/'])(
    'accepts only plain http(s) URLs: %s',
    async (url) => {
      const connector = refusingConnector();
      const e = egress({ resolver: stubResolver({}), connector });
      expect(await codeOf(e.request({ url }))).toBe('EGRESS_BAD_URL');
      expect(connector.calls).toEqual([]);
    },
  );
});

describe('egress guard: allowed traffic (loopback allow-listed for the test)', () => {
  it('reaches an allow-listed address and returns status, headers and body', async () => {
    const connector = loopbackConnector();
    const e = egress({ allow: ['127.0.0.1'], resolver: stubResolver({}), connector });
    const res = await e.request({ url: `${server.url}/hello` });
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('hello');
    expect(res.truncated).toBe(false);
    expect(res.headers['content-type']).toBe('text/plain');
    expect(connector.calls).toEqual(['127.0.0.1']);
  });

  it('dials the checked IP, not the name, and still sends the name as Host', async () => {
    const connector = loopbackConnector();
    const resolver = stubResolver({ 'api.test': ['127.0.0.1'] });
    const e = egress({ allow: ['127.0.0.1'], resolver, connector });
    const res = await e.request({ url: `http://api.test:${server.port}/hello` });
    expect(res.headers['x-seen-host']).toBe(`api.test:${server.port}`);
    expect(resolver.calls).toEqual(['api.test']);
    expect(connector.calls).toEqual(['127.0.0.1']);
  });

  it('skips refused addresses of a mixed answer and dials only the approved one', async () => {
    const connector = loopbackConnector();
    const e = egress({ allow: ['127.0.0.1'], resolver: stubResolver({ 'mixed.test': ['10.0.0.5', '127.0.0.1'] }), connector });
    const res = await e.request({ url: `http://mixed.test:${server.port}/hello` });
    expect(res.status).toBe(200);
    expect(connector.calls).toEqual(['127.0.0.1']);
  });

  it('allows a private address when the operator allow-lists the host name', async () => {
    const connector = loopbackConnector();
    const e = egress({ allow: ['svc.internal'], resolver: stubResolver({ 'svc.internal': ['127.0.0.1'] }), connector });
    expect((await e.request({ url: `http://svc.internal:${server.port}/hello` })).status).toBe(200);
    // …but not the same address under another name.
    const e2 = egress({ allow: ['svc.internal'], resolver: stubResolver({ 'x.internal': ['127.0.0.1'] }), connector });
    expect(await codeOf(e2.request({ url: `http://x.internal:${server.port}/hello` }))).toBe('EGRESS_BLOCKED');
  });
});

describe('egress guard: redirects are followed by hand and every hop is checked', () => {
  const guarded = () => {
    const connector = loopbackConnector();
    const resolver = stubResolver({ 'internal.test': ['10.0.0.5'], 'meta.test': ['169.254.169.254'], 'api.test': ['127.0.0.1'] });
    return { connector, e: egress({ allow: ['127.0.0.1'], resolver, connector }) };
  };

  it.each([
    ['a name resolving to a private address', 'http://internal.test/secret'],
    ['a name resolving to the metadata address', 'http://meta.test/latest/meta-data/'],
    ['the metadata IP literal', 'http://169.254.169.254/latest/meta-data/'],
    ['the IPv6 loopback', 'http://[::1]:1/'],
  ])('refuses a redirect to %s', async (_name, to) => {
    const { connector, e } = guarded();
    const err = await codeOf(e.request({ url: `${server.url}/redirect?to=${encodeURIComponent(to)}` }));
    expect(err).toBe('EGRESS_BLOCKED');
    expect(connector.calls.every((ip) => ip === '127.0.0.1')).toBe(true);
  });

  it('refuses a redirect to another scheme', async () => {
    const { e } = guarded();
    expect(await codeOf(e.request({ url: `${server.url}/redirect?to=${encodeURIComponent('file:///etc/passwd')}` }))).toBe(
      'EGRESS_BAD_URL',
    );
  });

  it('follows up to five redirects and stops a loop after that', async () => {
    const { e } = guarded();
    const res = await e.request({ url: `${server.url}/chain?n=4` });
    expect(res.status).toBe(200);
    expect(res.redirects).toBe(5);
    expect(res.url).toBe(`${server.url}/hello`);
    hits = 0;
    expect(await codeOf(e.request({ url: `${server.url}/loop` }))).toBe('EGRESS_TOO_MANY_REDIRECTS');
    expect(hits).toBe(6);
  });

  it('returns the redirect itself when redirects are turned off', async () => {
    const { e } = guarded();
    const res = await e.request({ url: `${server.url}/redirect?to=/hello`, maxRedirects: 0 });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/hello');
  });

  it('turns a POST into a GET without body on 303, and keeps both on 307', async () => {
    const { e } = guarded();
    const post = { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } };
    const r303 = await e.request({ ...post, url: `${server.url}/redirect?status=303&to=/echo` });
    expect(JSON.parse(r303.body.toString())).toEqual({ method: 'GET', body: '' });
    const r307 = await e.request({ ...post, url: `${server.url}/redirect?status=307&to=/echo` });
    expect(JSON.parse(r307.body.toString())).toEqual({ method: 'POST', body: '{"a":1}' });
  });

  it('drops credentials when a redirect leaves the origin', async () => {
    const { e } = guarded();
    const to = `http://api.test:${other.port}/`;
    const res = await e.request({
      url: `${server.url}/redirect?to=${encodeURIComponent(to)}`,
      headers: { authorization: 'Bearer user-token', cookie: 'sid=1', 'x-trace': 'kept' },
    });
    const seen = JSON.parse(res.body.toString()) as Record<string, string>;
    expect(seen.authorization).toBeUndefined();
    expect(seen.cookie).toBeUndefined();
    expect(seen['x-trace']).toBe('kept');
    expect(seen.host).toBe(`api.test:${other.port}`);
  });
});

describe('egress guard: caps and timeouts', () => {
  const local = (o: Partial<EgressOptions> = {}) =>
    egress({ allow: ['127.0.0.1'], resolver: stubResolver({}), connector: loopbackConnector(), ...o });

  it('truncates a 10 MiB body at the 5 MiB default cap and says so', async () => {
    const res = await local().request({ url: `${server.url}/big` });
    expect(res.status).toBe(200);
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBe(5 * MIB);
  });

  it('fails a body over the cap when asked to, whether or not its length was declared', async () => {
    expect(await codeOf(local().request({ url: `${server.url}/big`, onTooLarge: 'error' }))).toBe('EGRESS_TOO_LARGE');
    expect(await codeOf(local().request({ url: `${server.url}/big?declare`, onTooLarge: 'error', maxBytes: 1024 }))).toBe(
      'EGRESS_TOO_LARGE',
    );
  });

  it('returns a body under the cap whole', async () => {
    const res = await local().request({ url: `${server.url}/big`, maxBytes: 11 * MIB });
    expect(res.truncated).toBe(false);
    expect(res.body.length).toBe(10 * MIB);
  });

  it('times out waiting for headers, and on a body that stops arriving', async () => {
    expect(await codeOf(local({ headersTimeoutMs: 200 }).request({ url: `${server.url}/stall-headers` }))).toBe('EGRESS_TIMEOUT');
    expect(await codeOf(local({ bodyTimeoutMs: 200 }).request({ url: `${server.url}/stall-body` }))).toBe('EGRESS_TIMEOUT');
    expect(await codeOf(local().request({ url: `${server.url}/stall-body`, timeoutMs: 200 }))).toBe('EGRESS_TIMEOUT');
  });

  it('stops when the caller aborts', async () => {
    const ac = new AbortController();
    const pending = codeOf(local().request({ url: `${server.url}/stall-headers`, signal: ac.signal }));
    setTimeout(() => ac.abort(), 50);
    expect(await pending).toBe('EGRESS_ABORTED');
    const already = AbortSignal.abort();
    expect(await codeOf(local().request({ url: `${server.url}/hello`, signal: already }))).toBe('EGRESS_ABORTED');
  });
});
