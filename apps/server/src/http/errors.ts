/**
 * Coded errors and the one place they become HTTP responses.
 *
 * Services throw `AppError`s (made by each module's `*.errors.ts` factories); nothing else picks a status code.
 * Anything that is not an AppError is a bug or an outage: it is logged with its stack (never a query's bound
 * parameters: see safe-error.ts) and answered with a generic 500 that never carries a stack trace, SQL or a driver
 * message.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safeError } from './safe-error.ts';

export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media'
  | 'unprocessable'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export const STATUS_OF: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media: 415,
  unprocessable: 422,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Readonly<Record<string, string | number>>,
  ) {
    super(message);
  }
  get status(): number {
    return STATUS_OF[this.kind];
  }
}

export const errors = {
  invalid: (message: string, details?: unknown) => new AppError('invalid', 'VALIDATION_FAILED', message, details),
  unauthenticated: () => new AppError('unauthenticated', 'UNAUTHORIZED', 'Unauthorized'),
  forbidden: (message = 'Forbidden', code = 'FORBIDDEN', details?: unknown) =>
    new AppError('forbidden', code, message, details),
  notFound: (message = 'Not found', code = 'NOT_FOUND') => new AppError('not_found', code, message),
  conflict: (message: string, code = 'CONFLICT', details?: unknown) => new AppError('conflict', code, message, details),
  unprocessable: (message: string, code = 'UNPROCESSABLE', details?: unknown) =>
    new AppError('unprocessable', code, message, details),
};

export interface ErrorBody {
  error: string;
  code: string;
  requestId: string;
  details?: unknown;
}

interface ValidationIssue {
  path: string;
  message: string;
}

/** A JSON pointer (`/nested/0/a~1b`) as a dotted path (`nested.0.a/b`). */
function dotted(pointer: string | undefined): string[] {
  if (!pointer) return [];
  return pointer.replace(/^\//, '').split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const keysOf = (v: unknown): string[] =>
  typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : [];

/**
 * Turns ajv/TypeBox validation errors into `{ path, message }` with dotted paths, one entry per problem.
 *
 * TypeBox reports an unknown field twice: once on the parent (`additionalProperties`, naming every extra key) and
 * once per key (the `false` schema of additionalProperties: "schema is false"). Both become "unknown field" at the
 * key's path, then duplicates go.
 */
function validationDetails(err: FastifyError): ValidationIssue[] {
  const context = err.validationContext ?? 'body';
  const at = (segments: string[]) => (segments.length ? `${context}.${segments.join('.')}` : context);
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  const add = (path: string, message: string) => {
    const id = `${path}\u0000${message}`;
    if (seen.has(id)) return;
    seen.add(id);
    out.push({ path, message });
  };
  for (const v of err.validation ?? []) {
    const base = dotted(v.instancePath);
    const params = v.params as Record<string, unknown> | undefined;
    const extra = keysOf(params?.additionalProperty ?? params?.additionalProperties);
    const missing = keysOf(params?.missingProperty ?? params?.requiredProperties);
    if (extra.length > 0) for (const k of extra) add(at([...base, k]), 'unknown field');
    else if (missing.length > 0) for (const k of missing) add(at([...base, k]), 'is required');
    else if (v.keyword === 'boolean' && (v.schemaPath ?? '').endsWith('/additionalProperties')) add(at(base), 'unknown field');
    else if (v.keyword === 'boolean') add(at(base), 'is not allowed');
    else add(at(base), v.message ?? 'is invalid');
  }
  return out;
}

/** Maps what Fastify itself throws (parser, limits, routing) onto our kinds. */
function fromFastify(err: FastifyError): AppError | undefined {
  if (err.validation) {
    return new AppError('invalid', 'VALIDATION_FAILED', 'Request validation failed', validationDetails(err));
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('too_large', 'PAYLOAD_TOO_LARGE', 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? new AppError('unsupported_media', 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type; send application/json')
        : new AppError('invalid', 'INVALID_CONTENT_LENGTH', 'Content-Length does not match the body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError('invalid', 'EMPTY_JSON_BODY', 'A JSON body was announced but is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('invalid', 'MALFORMED_JSON', 'Body is not valid JSON');
    default:
      break;
  }
  if (err instanceof SyntaxError) return new AppError('invalid', 'MALFORMED_JSON', 'Body is not valid JSON');
  if (err.statusCode === 404) return new AppError('not_found', 'NOT_FOUND', 'Not found');
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    const kind = (Object.keys(STATUS_OF) as ErrorKind[]).find((k) => STATUS_OF[k] === err.statusCode) ?? 'invalid';
    return new AppError(kind, err.code ?? 'BAD_REQUEST', kind === 'invalid' ? 'Bad request' : err.message);
  }
  return undefined;
}

export function toErrorBody(e: AppError, requestId: string): ErrorBody {
  const body: ErrorBody = { error: e.message, code: e.code, requestId };
  if (e.details !== undefined) body.details = e.details;
  return body;
}

export function sendError(reply: FastifyReply, e: AppError): FastifyReply {
  if (e.headers) for (const [k, v] of Object.entries(e.headers)) void reply.header(k, v);
  return reply.code(e.status).type('application/json; charset=utf-8').send(toErrorBody(e, String(reply.request.id)));
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) => {
    const known = err instanceof AppError ? err : fromFastify(err);
    if (known) {
      if (known.status >= 500) request.log.error({ err: safeError(err) }, 'request failed');
      return sendError(reply, known);
    }
    request.log.error({ err: safeError(err) }, 'unhandled error');
    return sendError(reply, new AppError('internal', 'INTERNAL', 'Internal server error'));
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, errors.notFound(`No route ${request.method} ${request.url.split('?')[0]}`)));
}
