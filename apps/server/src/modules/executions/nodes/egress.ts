/**
 * The one way workflow nodes reach the network. Every connection goes through an undici Agent whose `connect`
 * resolves the host itself, asks the AddressPolicy about each resolved address, and then dials the approved IP
 * literal (never the name again, so DNS cannot answer differently between check and connect). Redirects are
 * followed by hand so that every hop is a new request through the same check; bodies are read with a byte cap.
 *
 * The resolver and the low-level connector are injectable: tests resolve names with a stub and record what would
 * have been dialled, so no test ever sends a packet beyond loopback.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { NodeFailure } from '@gatehouse/engine';
import { Agent, buildConnector } from 'undici';
import { createAddressPolicy, normaliseHost, type AddressPolicy, type EgressVerdict } from './egress-policy.ts';
import { MIB } from './node-config.ts';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}
/** Resolves a host name to its addresses (never called for IP literals). */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;
/** undici's connector signature: opens the socket to `hostname` (here always an approved IP literal). */
export type Connector = buildConnector.connector;

export interface EgressOptions {
  /** Operator allow-list (config.egressAllow): host names, `*.suffix`, IPs or CIDRs that may be private. */
  readonly allow?: readonly string[];
  readonly resolver?: Resolver;
  /** Replaces undici's TCP/TLS connector (tests); default `buildConnector({ timeout: connectTimeoutMs })`. */
  readonly connector?: Connector;
  readonly connectTimeoutMs?: number;
  /** Time to wait for the response headers. */
  readonly headersTimeoutMs?: number;
  /** Longest silence between two body chunks. */
  readonly bodyTimeoutMs?: number;
  /** Default overall deadline of one request, redirects included. */
  readonly timeoutMs?: number;
  readonly maxRedirects?: number;
  /** Default body cap. */
  readonly maxBytes?: number;
  readonly userAgent?: string;
}

export interface EgressRequest {
  readonly url: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** Over `maxBytes`: keep the first maxBytes and flag `truncated` (default), or fail with EGRESS_TOO_LARGE. */
  readonly onTooLarge?: 'truncate' | 'error';
  /** 0 returns redirects as responses. */
  readonly maxRedirects?: number;
}

export interface EgressResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer;
  readonly truncated: boolean;
  /** The URL that answered (after redirects). */
  readonly url: string;
  readonly redirects: number;
}

export interface Egress {
  readonly policy: AddressPolicy;
  request(req: EgressRequest): Promise<EgressResponse>;
  close(): Promise<void>;
}

export const EGRESS_DEFAULTS = {
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 30_000,
  bodyTimeoutMs: 30_000,
  timeoutMs: 60_000,
  maxRedirects: 5,
  maxBytes: 5 * MIB,
} as const;

/** Status codes followed as redirects when they carry a Location. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Credentials meant for one origin must not follow a redirect to another. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
/** Addresses tried per connection (e.g. an IPv6 then an IPv4 one): enough for dual-stack hosts, bounded for slow ones. */
const MAX_ADDRESSES_TRIED = 4;

export const systemResolver: Resolver = async (hostname) => {
  const found = await dns.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

const blocked = (host: string, v: EgressVerdict & { allowed: false }) =>
  new NodeFailure(
    'EGRESS_BLOCKED',
    host === v.address
      ? `refused to connect to ${host} (${v.reason})`
      : `refused to connect to ${host}: it resolves to ${v.address} (${v.reason})`,
  );

/** undici's connect hook: resolve, check every address, dial only approved IP literals. */
export function guardedConnector(policy: AddressPolicy, resolver: Resolver, connector: Connector): Connector {
  return (opts, callback) => {
    const host = normaliseHost(opts.hostname);
    const literal = isIP(host) !== 0;
    const lookup: Promise<readonly ResolvedAddress[]> = literal
      ? Promise.resolve([{ address: host, family: isIP(host) === 6 ? 6 : 4 }])
      : resolver(host);
    lookup.then(
      (addresses) => {
        const verdicts = addresses.map((a) => policy.check(a.address, host));
        const approved = verdicts.filter((v) => v.allowed).slice(0, MAX_ADDRESSES_TRIED);
        if (approved.length === 0) {
          const refused = verdicts.find((v): v is EgressVerdict & { allowed: false } => !v.allowed);
          callback(refused ? blocked(host, refused) : new NodeFailure('EGRESS_DNS', `${host} has no addresses`), null);
          return;
        }
        const attempt = (i: number): void => {
          connector(
            // TLS still verifies the certificate (and sends SNI) for the name, not the IP we dial.
            { ...opts, hostname: approved[i]!.address, servername: opts.servername || (literal ? undefined : host) },
            (err, socket) => {
              if (err && i + 1 < approved.length) return attempt(i + 1);
              if (err) callback(err, null);
              else callback(null, socket!);
            },
          );
        };
        attempt(0);
      },
      (err: NodeJS.ErrnoException) => {
        callback(new NodeFailure('EGRESS_DNS', `could not resolve ${host}: ${err.code ?? err.message}`), null);
      },
    );
  };
}

function parseUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new NodeFailure('EGRESS_BAD_URL', `not a valid URL: ${raw.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new NodeFailure('EGRESS_BAD_URL', `only http and https URLs are allowed, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new NodeFailure('EGRESS_BAD_URL', 'credentials in the URL are not sent: use an Authorization header');
  }
  return url;
}

async function readCapped(
  body: AsyncIterable<Buffer> & Parameters<typeof discard>[0],
  max: number,
  onTooLarge: 'truncate' | 'error',
  declaredLength: number,
): Promise<{ body: Buffer; truncated: boolean }> {
  const tooLarge = () => new NodeFailure('EGRESS_TOO_LARGE', `the response is larger than ${max} bytes`);
  if (onTooLarge === 'error' && declaredLength > max) {
    discard(body);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body) {
    if (size + chunk.length > max) {
      chunks.push(chunk.subarray(0, max - size));
      size = max;
      truncated = true;
      break; // ends the iteration, which destroys the stream: the rest is never read into memory
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  if (truncated && onTooLarge === 'error') throw tooLarge();
  return { body: Buffer.concat(chunks, size), truncated };
}

/** Drops a body we will not read. Destroying errors the stream: that error is expected, not unhandled. */
function discard(body: { on(event: 'error', fn: () => void): unknown; destroy(): void }): void {
  body.on('error', () => undefined);
  body.destroy();
}

function failure(e: unknown, caller: AbortSignal | undefined, deadline: AbortSignal, timeoutMs: number): Error {
  if (e instanceof NodeFailure) return e;
  if (caller?.aborted) return new NodeFailure('EGRESS_ABORTED', 'the request was aborted');
  if (deadline.aborted) return new NodeFailure('EGRESS_TIMEOUT', `the request took longer than ${timeoutMs} ms`);
  const err = e as { code?: string; message?: string };
  if (err.code === 'UND_ERR_CONNECT_TIMEOUT') return new NodeFailure('EGRESS_TIMEOUT', 'connect timeout');
  if (err.code === 'UND_ERR_HEADERS_TIMEOUT') return new NodeFailure('EGRESS_TIMEOUT', 'timed out waiting for the response headers');
  if (err.code === 'UND_ERR_BODY_TIMEOUT') return new NodeFailure('EGRESS_TIMEOUT', 'timed out reading the response body');
  return new NodeFailure('EGRESS_FAILED', `request failed: ${err.code ?? err.message ?? 'unknown error'}`);
}

export function createEgress(options: EgressOptions = {}): Egress {
  const o = { ...EGRESS_DEFAULTS, ...options };
  const policy = createAddressPolicy(options.allow ?? []);
  const connector = options.connector ?? buildConnector({ timeout: o.connectTimeoutMs });
  const agent = new Agent({
    connect: guardedConnector(policy, options.resolver ?? systemResolver, connector),
    headersTimeout: o.headersTimeoutMs,
    bodyTimeout: o.bodyTimeoutMs,
    // Short keep-alive: connections were approved for an address at connect time; do not hold them for long.
    keepAliveTimeout: 4_000,
    keepAliveMaxTimeout: 30_000,
  });

  async function request(req: EgressRequest): Promise<EgressResponse> {
    const timeoutMs = req.timeoutMs ?? o.timeoutMs;
    const maxBytes = req.maxBytes ?? o.maxBytes;
    const maxRedirects = Math.min(req.maxRedirects ?? o.maxRedirects, o.maxRedirects);
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    let url = parseUrl(req.url);
    let method = (req.method ?? 'GET').toUpperCase();
    let body = req.body;
    // Our defaults first, the caller's headers over them; nothing else (no server credentials, no proxy settings).
    // fromEntries defines own properties, so even a header named `__proto__` stays a plain key.
    let headers: Record<string, string> = Object.fromEntries([
      ['user-agent', o.userAgent ?? 'gatehouse'],
      ...Object.entries(req.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
      // Bodies are capped as they arrive: never ask for a compressed one that would have to be inflated.
      ['accept-encoding', 'identity'],
    ]);

    try {
      for (let redirects = 0; ; redirects++) {
        signal.throwIfAborted();
        const res = await agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: method as 'GET',
          headers,
          body: body ?? null,
          signal,
        });
        const location = res.headers.location;
        if (REDIRECTS.has(res.statusCode) && typeof location === 'string' && maxRedirects > 0) {
          discard(res.body);
          if (redirects >= maxRedirects) {
            throw new NodeFailure('EGRESS_TOO_MANY_REDIRECTS', `more than ${maxRedirects} redirects`);
          }
          const next = parseUrl(location, url);
          if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
            // What browsers do: the follow-up is a GET without the original body.
            method = method === 'HEAD' ? 'HEAD' : 'GET';
            body = undefined;
            headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith('content-')));
          }
          if (next.origin !== url.origin) {
            headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !ORIGIN_BOUND_HEADERS.includes(k)));
          }
          url = next;
          continue;
        }
        const declared = Number(res.headers['content-length'] ?? -1);
        const read = await readCapped(res.body, maxBytes, req.onTooLarge ?? 'truncate', declared);
        const outHeaders: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) outHeaders[k] = v;
        return { status: res.statusCode, headers: outHeaders, ...read, url: url.href, redirects };
      }
    } catch (e) {
      throw failure(e, req.signal, deadline, timeoutMs);
    }
  }

  return { policy, request, close: () => agent.close() };
}
