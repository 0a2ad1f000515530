import { Type } from 'typebox';
import { DEFAULT_ENGINE_LIMITS } from '@gatehouse/engine';
import { CredentialId, node, orTemplate, strict } from './schema-helpers.ts';

const Method = Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].map((m) => Type.Literal(m)), { default: 'GET' });
const StringMap = Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 8192 }));
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);
/** What http.request reads of a response at most: its whole output must fit the engine's per-node output cap. */
const HTTP_MAX_BYTES = DEFAULT_ENGINE_LIMITS.maxNodeOutputBytes;

export const DATA = [
  node({
    category: 'data',
    type: 'data.set',
    displayName: 'Set fields',
    description: 'Outputs an object of fields (values may be templates), optionally on top of its input.',
    config: Type.Object({ values: Type.Optional(Type.Record(Type.String(), Type.Unknown())), keepInput: Type.Optional(Type.Boolean({ default: false })) }, strict),
  }),
  node({
    category: 'data',
    type: 'data.transform',
    displayName: 'Transform',
    description: 'Outputs `output`: usually one template that reshapes the input with JSONata.',
    config: Type.Object({ output: Type.Unknown() }, strict),
  }),
  node({
    category: 'data',
    type: 'data.filter',
    displayName: 'Filter',
    description: 'Keeps the items (its input, or `items`) for which `condition` holds; the condition reads each as $item and $index.',
    config: Type.Object({ items: Type.Optional(orTemplate(Type.Array(Type.Unknown()))), condition: orTemplate(Type.Boolean()) }, strict),
  }),
  node({
    category: 'code',
    type: 'code.js',
    displayName: 'JavaScript',
    description: 'Runs JavaScript in a sandbox (no network, no file system, bounded time and memory); `source` is taken literally.',
    rawConfigKeys: ['source'],
    config: Type.Object(
      { source: Type.String({ minLength: 1, maxLength: 100_000 }), timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 30_000, default: 1000 })) },
      strict,
    ),
  }),
  node({
    category: 'http',
    type: 'http.request',
    displayName: 'HTTP request',
    description: 'Calls an HTTP API (public addresses only, unless the operator allows more) and outputs the response.',
    credentialTypes: ['http.bearer', 'http.basic', 'http.header', 'oauth2'],
    config: Type.Object(
      {
        method: Type.Optional(Method),
        url: Type.String({ minLength: 1, maxLength: 8192 }),
        headers: Type.Optional(StringMap),
        query: Type.Optional(Type.Record(Type.String({ maxLength: 256 }), Type.Union([Scalar, Type.Array(Scalar, { maxItems: 1000 })]))),
        body: Type.Optional(Type.Unknown()),
        bodyType: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('text')])),
        timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 120_000, default: 30_000 })),
        responseType: Type.Optional(Type.Union(['auto', 'json', 'text', 'base64'].map((t) => Type.Literal(t)), { default: 'auto' })),
        maxBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: HTTP_MAX_BYTES, default: HTTP_MAX_BYTES, description: 'bytes of the response body to read' })),
        onTooLarge: Type.Optional(
          Type.Union([Type.Literal('truncate'), Type.Literal('error')], { default: 'truncate', description: 'a body over maxBytes or the output cap: cut it (truncated: true) or fail' }),
        ),
        followRedirects: Type.Optional(Type.Boolean({ default: true })),
        failOnHttpError: Type.Optional(Type.Boolean({ default: false })),
        credentialId: Type.Optional(CredentialId),
      },
      strict,
    ),
  }),
];

