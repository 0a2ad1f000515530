/**
 * `http.request`: one HTTP call through the egress guard.
 *
 * Config (after templates are resolved):
 *   method          GET (default) | POST | PUT | PATCH | DELETE | HEAD | OPTIONS
 *   url             http(s) only; the guard refuses private, loopback, link-local and metadata targets
 *   headers         { name: value }; hop-by-hop and framing headers (host, content-length, …) are refused
 *   query           { name: value | value[] }, appended to the URL's own query
 *   body, bodyType  sent as JSON (default for non-strings, sets content-type) or as text (default for strings)
 *   timeoutMs       overall deadline, redirects included (default 30 s, at most the handler's limit)
 *   responseType    auto (default: JSON when the content-type says so, else text) | json | text | base64
 *   maxBytes        how much of the body to read (default and ceiling: the handler's maxBytes, which is at most
 *                   the engine's per-node output cap, 1 MiB)
 *   onTooLarge      truncate (default) | error. A body longer than maxBytes, or one whose output would not fit the
 *                   node output cap (JSON escaping and base64 make text bigger), is cut to fit and returned as text
 *                   with `truncated: true`; with `error` the node fails with EGRESS_TOO_LARGE instead. So a large
 *                   response never fails the node with OUTPUT_TOO_LARGE.
 *   followRedirects default true (at most 5, each hop re-checked)
 *   failOnHttpError default false: a 4xx/5xx is an output like any other; true makes it a node error (HTTP_STATUS)
 *   credentialId    accepted (the node catalog declares it) but there is no credentials vault yet: the node fails
 *                   with CREDENTIALS_UNAVAILABLE rather than calling without the credential
 *
 * Output: { status, headers, body, truncated, url }.
 *
 * Nothing but the config goes out: no server credentials, cookies, proxy settings or environment. Credentials a
 * workflow needs are headers in its config, and they are dropped when a redirect leaves the origin.
 */
import { DEFAULT_ENGINE_LIMITS, NodeFailure, type NodeHandler } from '@gatehouse/engine';
import { Type } from 'typebox';
import type { Egress } from './egress.ts';
import { configChecker } from './node-config.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const httpRequestConfigSchema = Type.Object(
  {
    method: Type.Optional(Type.Union(METHODS.map((m) => Type.Literal(m)))),
    url: Type.String({ minLength: 1, maxLength: 8192 }),
    headers: Type.Optional(Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 16_384 }))),
    query: Type.Optional(Type.Record(Type.String({ maxLength: 256 }), Type.Union([Scalar, Type.Array(Scalar, { maxItems: 1000 })]))),
    body: Type.Optional(Type.Unknown()),
    bodyType: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('text')])),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    responseType: Type.Optional(Type.Union(['auto', 'json', 'text', 'base64'].map((t) => Type.Literal(t)))),
    maxBytes: Type.Optional(Type.Integer({ minimum: 1 })),
    onTooLarge: Type.Optional(Type.Union([Type.Literal('truncate'), Type.Literal('error')])),
    followRedirects: Type.Optional(Type.Boolean()),
    failOnHttpError: Type.Optional(Type.Boolean()),
    credentialId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export interface HttpRequestOutput {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: unknown;
  readonly truncated: boolean;
  readonly url: string;
}

export interface HttpRequestHandlerOptions {
  readonly egress: Egress;
  /** Default and ceiling of a node's `maxBytes` (never above `maxOutputBytes`). */
  readonly maxBytes?: number;
  /** The engine's per-node output cap: the whole output must fit in it (default: the engine's default). */
  readonly maxOutputBytes?: number;
  /** Default of a node's `timeoutMs`. */
  readonly timeoutMs?: number;
  /** Ceiling of a node's `timeoutMs`. */
  readonly maxTimeoutMs?: number;
}

const checker = configChecker(httpRequestConfigSchema);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Framing and hop-by-hop headers belong to the client: letting a workflow set them invites request smuggling.
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect', 'proxy-connection']);

function checkHeaders(headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw new NodeFailure('INVALID_CONFIG', `http.request: invalid header name ${JSON.stringify(name.slice(0, 64))}`);
    if (FORBIDDEN_HEADERS.has(name.toLowerCase())) throw new NodeFailure('INVALID_CONFIG', `http.request: the ${name} header is set by the client`);
    if (/[\r\n\0]/.test(value)) throw new NodeFailure('INVALID_CONFIG', `http.request: header ${name} contains a line break`);
  }
}

function withQuery(raw: string, query: Record<string, unknown> | undefined): string {
  if (!query || Object.keys(query).length === 0) return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new NodeFailure('EGRESS_BAD_URL', `not a valid URL: ${raw.slice(0, 200)}`);
  }
  for (const [k, v] of Object.entries(query)) {
    for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
  }
  return url.href;
}

const isJsonType = (contentType: string | string[] | undefined) =>
  typeof contentType === 'string' && /^application\/([\w.+-]*\+)?json\b/i.test(contentType.trim());

function decodeBody(buf: Buffer, type: string, contentType: string | string[] | undefined, truncated: boolean): unknown {
  if (type === 'base64') return buf.toString('base64');
  const text = buf.toString('utf8');
  const json = type === 'json' || (type === 'auto' && isJsonType(contentType) && !truncated);
  if (!json) return text;
  if (truncated) {
    throw new NodeFailure('EGRESS_TOO_LARGE', 'the response was cut at maxBytes and cannot be parsed as JSON: raise maxBytes or use responseType text');
  }
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (type === 'auto') return text;
    throw new NodeFailure('HTTP_INVALID_JSON', 'the response body is not valid JSON');
  }
}

/** Bytes of `s` as a JSON string, quotes left out. */
function jsonTextBytes(s: string): number {
  return Buffer.byteLength(JSON.stringify(s)) - 2;
}

const jsonSize = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '');

/**
 * The longest prefix of `text` whose JSON form takes at most `room` bytes. Linear: one pass sizing each character as
 * JSON.stringify writes it, then a check of the result (and a trim if the estimate was off).
 */
function prefixFitting(text: string, room: number): string {
  let used = 0;
  let i = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let size: number;
    if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) size = 2;
    else if (c < 0x20) size = 6;
    else if (c < 0x80) size = 1;
    else if (c < 0x800) size = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      if (used + 4 > room) break;
      used += 4;
      i++;
      continue;
    } else if (c >= 0xd800 && c <= 0xdfff) size = 6;
    else size = 3;
    if (used + size > room) break;
    used += size;
  }
  let cut = text.slice(0, i);
  while (cut.length > 0 && jsonTextBytes(cut) > room) cut = cut.slice(0, Math.floor(cut.length * 0.9));
  return cut;
}

/** Makes the output fit the node output cap: cuts the body (as text) or fails, as onTooLarge says. */
function fitOutput(out: HttpRequestOutput, cap: number, responseType: string, onTooLarge: 'truncate' | 'error'): HttpRequestOutput {
  if (jsonSize(out) <= cap) return out;
  if (onTooLarge === 'error') throw new NodeFailure('EGRESS_TOO_LARGE', `the response does not fit the node output cap of ${cap} bytes: lower maxBytes or use onTooLarge truncate`);
  const text = typeof out.body === 'string' ? out.body : (JSON.stringify(out.body) ?? '');
  const room = cap - jsonSize({ ...out, body: '', truncated: true });
  if (room <= 0) throw new NodeFailure('EGRESS_TOO_LARGE', `the response headers alone exceed the node output cap of ${cap} bytes`);
  let body = prefixFitting(text, room);
  // Keep base64 decodable: whole 4-character groups only.
  if (responseType === 'base64') body = body.slice(0, body.length - (body.length % 4));
  return { ...out, body, truncated: true };
}

export function createHttpRequestHandler(options: HttpRequestHandlerOptions): NodeHandler {
  const maxOutput = options.maxOutputBytes ?? DEFAULT_ENGINE_LIMITS.maxNodeOutputBytes;
  // Reading more than the output can hold would only be thrown away (or fail the node).
  const maxBytes = Math.min(options.maxBytes ?? maxOutput, maxOutput);
  const defaultTimeout = options.timeoutMs ?? 30_000;
  const maxTimeout = options.maxTimeoutMs ?? 300_000;
  return {
    async run(ctx) {
      const c = checker.parse('http.request', ctx.config);
      if (c.credentialId !== undefined) {
        throw new NodeFailure('CREDENTIALS_UNAVAILABLE', 'http.request: credentials are not available yet; put the header in the node config');
      }
      if (c.maxBytes !== undefined && c.maxBytes > maxBytes) {
        throw new NodeFailure('INVALID_CONFIG', `http.request: maxBytes may be at most ${maxBytes}`);
      }
      if (c.timeoutMs !== undefined && c.timeoutMs > maxTimeout) {
        throw new NodeFailure('INVALID_CONFIG', `http.request: timeoutMs may be at most ${maxTimeout}`);
      }
      const headers: Record<string, string> = { ...c.headers };
      checkHeaders(headers);
      const method = c.method ?? 'GET';
      let body: string | undefined;
      if (c.body !== undefined && c.body !== null && method !== 'GET' && method !== 'HEAD') {
        const asText = c.bodyType === 'text' || (c.bodyType === undefined && typeof c.body === 'string');
        body = asText ? String(c.body) : JSON.stringify(c.body);
        const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
        if (!hasType) headers['content-type'] = asText ? 'text/plain; charset=utf-8' : 'application/json';
      }
      const responseType = c.responseType ?? 'auto';
      const onTooLarge = c.onTooLarge ?? 'truncate';
      const res = await options.egress.request({
        url: withQuery(c.url, c.query),
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: ctx.signal,
        timeoutMs: c.timeoutMs ?? defaultTimeout,
        maxBytes: c.maxBytes ?? maxBytes,
        onTooLarge,
        maxRedirects: c.followRedirects === false ? 0 : 5,
      });
      if (c.failOnHttpError && res.status >= 400) {
        throw new NodeFailure('HTTP_STATUS', `${method} ${res.url} answered ${res.status}`);
      }
      const output: HttpRequestOutput = {
        status: res.status,
        headers: res.headers,
        body: decodeBody(res.body, responseType, res.headers['content-type'], res.truncated),
        truncated: res.truncated,
        url: res.url,
      };
      return { kind: 'output', data: fitOutput(output, maxOutput, responseType, onTooLarge) };
    },
  };
}
