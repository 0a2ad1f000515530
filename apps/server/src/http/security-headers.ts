/**
 * The spec's security headers, on every response: success, 404, 401, 429, thrown errors, and the raw responses
 * Node writes for malformed requests (see client-error.ts).
 */
import type { FastifyInstance } from 'fastify';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-xss-protection': '1; mode=block',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'content-security-policy': "default-src 'self'; script-src 'self' 'unsafe-inline'",
  'permissions-policy': 'geolocation=(), microphone=(), camera=()',
});

export function registerSecurityHeaders(app: FastifyInstance): void {
  // onSend runs for every reply Fastify sends, including the error and not-found handlers' replies.
  // A callback hook, not an async one: it runs on every response, and a promise per response is measurable.
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.headers(SECURITY_HEADERS);
    void reply.header('x-request-id', request.id);
    done(null, payload);
  });
}
