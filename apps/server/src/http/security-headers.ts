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
  // Set as the request arrives, in the first onRequest hook (the 404 handler runs it too), so every reply built after
  // it carries them: success, 404, 401, 429, validation and thrown errors alike (Fastify keeps headers already set
  // when it answers with an error). Nothing answers before it but the raw handlers of client-error.ts, which write
  // the headers themselves, as do hijacked replies (SSE). A callback hook, and no onSend hook: a hook phase less on
  // every response.
  const entries = Object.entries(SECURITY_HEADERS);
  app.addHook('onRequest', (request, reply, done) => {
    for (const [name, value] of entries) void reply.header(name, value);
    void reply.header('x-request-id', request.id);
    done();
  });
}
