/**
 * Builds the Fastify app from a container: cross-cutting plugins first, then every module's declared routes.
 * No listening, no connecting: main.ts does that, tests use `app.inject`.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Container } from './container.ts';
import { clientErrorHandler, frameworkErrorHandler } from './http/client-error.ts';
import { registerErrorHandling } from './http/errors.ts';
import { installPipeline, registerRoutes } from './http/pipeline.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { registerOpenApi, docsRouteSpec } from './http/openapi.ts';
import { LOG_ERROR_SERIALIZERS } from './http/safe-error.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Header names whose values must never reach a log line. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.refreshToken',
  '*.accessToken',
  '*.idToken',
  '*.key',
  '*.secret',
];

declare module 'fastify' {
  interface FastifyInstance {
    /** Aborts when the app starts closing: long-lived responses (SSE) end on it, or closing would wait on them. */
    readonly closing: AbortSignal;
  }
}

/**
 * An empty body announced as JSON counts as no body. Clients (fetch wrappers, curl scripts) send
 * `content-type: application/json` on every call, bodyless POSTs and DELETEs included (logout, rotate, publish);
 * Fastify's own parser refuses those with EMPTY_JSON_BODY. Routes with a body schema still see `{}` and report
 * their required fields by name (pipeline.ts), and everything else is parsed exactly as Fastify does, prototype
 * poisoning refused.
 */
function acceptEmptyJson(app: FastifyInstance): void {
  // JSON only: Fastify's built-in text/plain parser would let a text body reach routes as a string (→ 415 instead).
  app.removeContentTypeParser('text/plain');
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    json(req, text, done);
  });
}

export async function buildApp(container: Container): Promise<FastifyInstance> {
  const { config } = container;
  const app = Fastify({
    // Errors are logged without the bound parameters of a query (see safe-error.ts), whichever logger is used.
    ...(container.logger ? { loggerInstance: container.logger.child({}, { serializers: LOG_ERROR_SERIALIZERS }) } : {}),
    // Silent means no logger at all: a silent pino still builds a child logger for every request.
    logger: container.logger ? undefined : config.logLevel === 'silent' ? false : {
      level: config.logLevel,
      redact: { paths: REDACT, censor: '[redacted]' },
      // The default serializer logs the full URL; query strings may carry stream tickets, so log the path only.
      serializers: {
        ...LOG_ERROR_SERIALIZERS,
        req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url.split('?')[0], id: req.id }),
        // @fastify/websocket logs `{ path: request.url }` when it closes an upgrade to a route that is not a socket.
        path: (p: unknown) => (typeof p === 'string' ? p.split('?')[0] : p),
      },
    },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    // Bound how long a slow client may hold a socket open while sending headers or a body.
    requestTimeout: 30_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  acceptEmptyJson(app);
  registerSecurityHeaders(app);
  registerErrorHandling(app);
  installPipeline(
    app,
    { resolver: container.resolver, limiter: container.limiter, onDeny: container.onDeny },
    docsRouteSpec,
  );
  const closing = new AbortController();
  app.decorate('closing', closing.signal);
  app.addHook('preClose', async () => closing.abort());
  await registerOpenApi(app);
  registerRoutes(app, container.routes.filter((r) => r.mode !== 'ws'));
  // The WebSocket plugin adds an onRequest and an onResponse hook to every route of its scope, so it lives in a
  // scope of its own with only the WebSocket routes: HTTP routes do not pay for it. Routes of mode 'ws' upgrade
  // after the access hooks; messages are capped like bodies; the plugin's preClose hook closes open sockets.
  await app.register(async (scope) => {
    await scope.register(websocket, { options: { maxPayload: config.bodyLimit } });
    registerRoutes(scope, container.routes.filter((r) => r.mode === 'ws'));
  });
  await app.ready();
  return app;
}
